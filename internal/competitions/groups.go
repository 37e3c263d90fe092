package competitions

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/draw"
	"github.com/ortaq/ortaq/internal/errs"
)

// Ways of splitting teams into groups.
var GroupMethods = []string{"snake", "manual"}

// MaxGroups is the most groups of a stage (A…P).
const MaxGroups = 16

// GroupName is a group's letter: 1 → "A".
func GroupName(g int) string {
	if g < 1 || g > 26 {
		return ""
	}
	return string(rune('A' + g - 1))
}

// SnakeGroups splits n teams, in seeding order, into groups in snake
// order: 1 A, 2 B, 3 B, 4 A with two groups (A1 B1 then B2 A2 …), so that
// every group gets a fair share of the strong teams. It returns each
// team's group, 1-based.
func SnakeGroups(n, groups int) []int {
	out := make([]int, n)
	for i := range out {
		row, col := i/groups, i%groups
		if row%2 == 1 {
			col = groups - 1 - col
		}
		out[i] = col + 1
	}
	return out
}

// GroupsIn splits the teams of a round-robin competition into groups
// before its first round: by seeding (the order the teams were entered)
// in snake order, or as the organizer says (Manual: team → group, every
// team in one). Every group has at least two teams.
type GroupsIn struct {
	Groups int
	Method string
	Manual map[int64]int
}

// SplitGroups stores the groups of a competition's teams. Each group then
// plays a round robin of its own, has its own table, and the top N of
// each group seed the knockout final crossed (A1 v B2, B1 v A2).
func (s *Service) SplitGroups(ctx context.Context, actor *auth.User, compID int64, in GroupsIn) error {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	if c.Format != "round_robin" {
		return errs.New(errs.Conflict, "competitions.error.groups_format")
	}
	if in.Groups < 2 || in.Groups > MaxGroups {
		fs.Add("groups", "competitions.error.groups_count", "max", MaxGroups)
	}
	if !slices.Contains(GroupMethods, in.Method) {
		fs.Add("method", "validation.invalid_choice")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		started, err := tx.Exists(ctx, `SELECT 1 FROM competition_rounds WHERE competition_id = ?`, compID)
		if err != nil {
			return err
		}
		if started {
			return errs.New(errs.Conflict, "competitions.error.teams_closed")
		}
		teams, err := drawTeams(ctx, tx, compID, nil)
		if err != nil {
			return err
		}
		if len(teams) < 2*in.Groups {
			fs.Add("groups", "competitions.error.groups_too_few", "count", len(teams))
			return fs.Err()
		}
		assign := map[int64]int{}
		if in.Method == "snake" {
			for i, g := range SnakeGroups(len(teams), in.Groups) {
				assign[teams[i].ID] = g
			}
		} else {
			size := make([]int, in.Groups+1)
			for _, t := range teams {
				g := in.Manual[t.ID]
				if g < 1 || g > in.Groups {
					fs.Add(fmt.Sprintf("group[%d]", t.ID), "competitions.error.group_missing")
					continue
				}
				assign[t.ID] = g
				size[g]++
			}
			for g := 1; g <= in.Groups && len(fs) == 0; g++ {
				if size[g] < 2 {
					fs.Add("groups", "competitions.error.group_small", "group", GroupName(g))
				}
			}
			if err := fs.Err(); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE competition_teams SET group_no = NULL WHERE competition_id = ?`, compID); err != nil {
			return err
		}
		for _, t := range teams {
			if _, err := tx.Exec(ctx, `UPDATE competition_teams SET group_no = ? WHERE id = ?`, assign[t.ID], t.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.groups", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"groups": in.Groups, "method": in.Method, "teams": assign}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: groups: %w", err)
	}
	return err
}

// roundRobinRound is round number of a round robin: of all the teams, or
// with groups of each group (groups after each other on the boards); a
// group that has played every pair sits the round out.
func roundRobinRound(teams []teamRow, number int) ([]draw.Pairing, error) {
	byGroup := map[int][]int64{}
	maxGroup := 0
	for _, t := range teams {
		byGroup[t.Group] = append(byGroup[t.Group], t.ID)
		maxGroup = max(maxGroup, t.Group)
	}
	var pairs []draw.Pairing
	for g := 0; g <= maxGroup; g++ {
		ids := byGroup[g]
		if len(ids) == 0 {
			continue
		}
		if g == 0 && maxGroup > 0 {
			return nil, errs.New(errs.Conflict, "competitions.error.group_missing")
		}
		if len(ids) < 2 {
			return nil, errs.New(errs.Conflict, "competitions.error.too_few_teams")
		}
		n := len(ids) + len(ids)%2
		if number > n-1 {
			continue
		}
		ps, err := draw.RoundRobinRound(ids, number)
		if err != nil {
			return nil, conflictFor(err)
		}
		pairs = append(pairs, ps...)
	}
	if len(pairs) == 0 {
		return nil, errs.New(errs.Conflict, "competitions.error.finished")
	}
	return pairs, nil
}

// groupTables returns each group's table (group 1 first) after games,
// without withdrawn teams (they qualify for nothing).
func groupTables(c *Competition, teams []teamRow, gs []draw.Game) ([][]draw.Row, error) {
	byGroup := map[int][]int64{}
	groupOf := map[int64]int{}
	withdrawn := map[int64]bool{}
	maxGroup := 0
	for _, t := range teams {
		byGroup[t.Group] = append(byGroup[t.Group], t.ID)
		groupOf[t.ID] = t.Group
		withdrawn[t.ID] = t.Withdrawn
		maxGroup = max(maxGroup, t.Group)
	}
	var out [][]draw.Row
	for g := 1; g <= maxGroup; g++ {
		var mine []draw.Game
		for _, gm := range gs {
			if groupOf[gm.Home] == g {
				mine = append(mine, gm)
			}
		}
		table, err := draw.Standings(byGroup[g], mine, draw.StandingsOptions{Points: c.PointSystem(), TieBreaks: c.TieBreaks(), Seed: c.Seed})
		if err != nil {
			return nil, fmt.Errorf("competitions: group %d: %w", g, err)
		}
		out = append(out, activeRows(table, withdrawn))
	}
	return out, nil
}

// Group is one group's table.
type Group struct {
	Number int
	Name   string
	Rows   []Row
}

// GroupStandings returns the table of each group of the main stage of a
// discipline (nil when the competition has no groups), withdrawn teams
// included (marked on the page).
func (s *Service) GroupStandings(ctx context.Context, c *Competition, teams []Team, rounds []Round, discipline int64) ([]Group, error) {
	byGroup := map[int][]Team{}
	maxGroup := 0
	for _, t := range teams {
		byGroup[t.Group] = append(byGroup[t.Group], t)
		maxGroup = max(maxGroup, t.Group)
	}
	if maxGroup == 0 {
		return nil, nil
	}
	var out []Group
	for g := 1; g <= maxGroup; g++ {
		in := map[int64]bool{}
		for _, t := range byGroup[g] {
			in[t.ID] = true
		}
		// The group's rounds: only its games.
		var mine []Round
		for _, r := range rounds {
			rr := r
			rr.Pairings = nil
			for _, p := range r.Pairings {
				if in[p.Home] {
					rr.Pairings = append(rr.Pairings, p)
				}
			}
			if len(rr.Pairings) > 0 {
				mine = append(mine, rr)
			}
		}
		rows, err := s.Standings(ctx, c, byGroup[g], mine, discipline)
		if err != nil {
			return nil, err
		}
		out = append(out, Group{Number: g, Name: GroupName(g), Rows: rows})
	}
	return out, nil
}

// GroupName is the team's group letter, "" without groups.
func (t Team) GroupName() string { return GroupName(t.Group) }
