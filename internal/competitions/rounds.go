package competitions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/draw"
	"github.com/ortaq/ortaq/internal/errs"
)

// Stages of rounds.
const (
	Main  = "main"  // the format's rounds
	Final = "final" // a knockout seeded from the top of the main stage
)

// Round is a drawn round with its pairings in board (bracket) order.
type Round struct {
	ID           int64
	DisciplineID int64 // 0: the competition has no disciplines
	Stage        string
	Number       int
	Seed         uint64
	Pairings     []Pairing
}

// Started reports whether a result is in for any game of the round: its
// pairings can no longer be swapped.
func (r *Round) Started() bool {
	for _, p := range r.Pairings {
		if p.Done && !p.IsBye() {
			return true
		}
	}
	return false
}

// Complete reports whether every game of the round has its result.
func (r *Round) Complete() bool {
	for _, p := range r.Pairings {
		if !p.Done {
			return false
		}
	}
	return true
}

// Pairing is one game of a round.
type Pairing struct {
	ID         int64
	RoundID    int64
	Board      int
	Home, Away int64 // team ids; Away 0: Home has a bye
	ThirdPlace bool
	HomeScore  *float64
	AwayScore  *float64
	Winner     int64 // a decision (judges, penalties); 0: by the scores
	Done       bool
	// Forfeit: not played; Winner won it with the competition's forfeit
	// score (decision 0150).
	Forfeit bool
	// PanelHome and PanelAway are a debate panel's split (2–1); 0–0: no
	// panel decided the game.
	PanelHome, PanelAway int
}

// DoubleForfeit reports whether neither team showed up: a forfeit
// without a winner (decision 0150).
func (p Pairing) DoubleForfeit() bool { return p.Forfeit && p.Winner == 0 && p.Away != 0 }

// Split reports whether a panel decided the game.
func (p Pairing) Split() bool { return p.PanelHome+p.PanelAway > 0 }

// IsBye reports whether the pairing is a bye.
func (p Pairing) IsBye() bool { return p.Away == 0 }

// Game is the pairing as internal/draw reads it.
func (p Pairing) Game(round int) draw.Game {
	g := draw.Game{Pairing: draw.Pairing{Home: p.Home, Away: p.Away, ThirdPlace: p.ThirdPlace}, Round: round, Winner: p.Winner, Done: p.Done,
		Forfeit: p.Forfeit, DoubleForfeit: p.DoubleForfeit()}
	if p.HomeScore != nil {
		g.HomeScore = *p.HomeScore
	}
	if p.AwayScore != nil {
		g.AwayScore = *p.AwayScore
	}
	return g
}

// Rounds returns every round of competition id, by discipline, stage and
// number, with their pairings.
func (s *Service) Rounds(ctx context.Context, id int64) ([]Round, error) {
	var out []Round
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		out, err = roundsTx(ctx, tx, id)
		return err
	})
	return out, err
}

func roundsTx(ctx context.Context, tx *db.Tx, id int64) ([]Round, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, COALESCE(r.discipline_id, 0), r.stage, r.number, r.seed,
			p.id, p.board, p.home_id, COALESCE(p.away_id, 0), p.third_place, p.home_score, p.away_score, COALESCE(p.winner_id, 0), p.done,
			p.forfeit, COALESCE(p.panel_home, 0), COALESCE(p.panel_away, 0)
		FROM competition_rounds r JOIN competition_pairings p ON p.round_id = r.id
		WHERE r.competition_id = ?
		ORDER BY COALESCE(r.discipline_id, 0), CASE r.stage WHEN 'main' THEN 0 ELSE 1 END, r.number, p.board`, id)
	if err != nil {
		return nil, fmt.Errorf("competitions: rounds: %w", err)
	}
	defer rows.Close()
	var out []Round
	for rows.Next() {
		var r Round
		var p Pairing
		var seed int64
		var hs, as sql.NullFloat64
		if err := rows.Scan(&r.ID, &r.DisciplineID, &r.Stage, &r.Number, &seed, &p.ID, &p.Board, &p.Home, &p.Away, &p.ThirdPlace,
			&hs, &as, &p.Winner, &p.Done, &p.Forfeit, &p.PanelHome, &p.PanelAway); err != nil {
			return nil, fmt.Errorf("competitions: rounds: %w", err)
		}
		if hs.Valid {
			p.HomeScore = &hs.Float64
		}
		if as.Valid {
			p.AwayScore = &as.Float64
		}
		p.RoundID = r.ID
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			r.Seed = uint64(seed)
			out = append(out, r)
		}
		last := &out[len(out)-1]
		last.Pairings = append(last.Pairings, p)
	}
	return out, rows.Err()
}

// games returns the games of the rounds of one discipline and stage, and
// the last of those rounds (nil when none).
func games(rounds []Round, discipline int64, stage string) ([]draw.Game, *Round) {
	var gs []draw.Game
	var last *Round
	for i := range rounds {
		r := &rounds[i]
		if r.DisciplineID != discipline || r.Stage != stage {
			continue
		}
		for _, p := range r.Pairings {
			gs = append(gs, p.Game(r.Number))
		}
		last = r
	}
	return gs, last
}

// DrawIn asks for the next round.
type DrawIn struct {
	Discipline string // the discipline's key; required when the competition has disciplines
	// Qualifiers, when set, starts the final: a knockout of the top
	// Qualifiers teams of the main stage's table.
	Qualifiers int
}

// teamRow is a team as a draw needs it.
type teamRow struct {
	ID, Org   int64
	Withdrawn bool
	Group     int
}

// conflictFor turns a draw's refusal into the message people read.
func conflictFor(err error) error {
	switch {
	case errors.Is(err, draw.ErrRoundIncomplete):
		return errs.New(errs.Conflict, "competitions.error.round_incomplete")
	case errors.Is(err, draw.ErrNoPairing):
		return errs.New(errs.Conflict, "competitions.error.no_pairing")
	case errors.Is(err, draw.ErrFinished):
		return errs.New(errs.Conflict, "competitions.error.finished")
	case errors.Is(err, draw.ErrTooFewTeams):
		return errs.New(errs.Conflict, "competitions.error.too_few_teams")
	case errors.Is(err, draw.ErrUndecided):
		return errs.New(errs.Conflict, "competitions.error.undecided")
	}
	return err
}

// DrawRound draws and stores the next round (of a discipline, or of the
// final) with a fresh seed, kept with the round. A Swiss or knockout round
// is refused while the previous one has a game without a result; a round
// robin ends after every pair has met.
func (s *Service) DrawRound(ctx context.Context, actor *auth.User, compID int64, in DrawIn) (*Round, error) {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return nil, err
	}
	var fs errs.Fields
	var disc int64
	if len(c.Disciplines) > 0 {
		d := c.Discipline(in.Discipline)
		if d == nil {
			fs.Add("discipline", "competitions.error.discipline_required")
		} else {
			disc = d.ID
		}
	} else if in.Discipline != "" {
		fs.Add("discipline", "validation.invalid_choice")
	}
	if in.Qualifiers < 0 || in.Qualifiers == 1 {
		fs.Add("qualifiers", "competitions.error.qualifiers", "max", MaxTeams)
	}
	if in.Qualifiers > 0 && c.Format == "knockout" {
		fs.Add("qualifiers", "competitions.error.final_of_knockout")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var out *Round
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// One draw of a competition at a time.
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		rounds, err := roundsTx(ctx, tx, compID)
		if err != nil {
			return err
		}
		// A team withdrawn before it had any game is left out of every
		// draw; one withdrawn later keeps its place (its games are forfeits).
		teams, err := drawTeams(ctx, tx, compID, rounds)
		if err != nil {
			return err
		}
		if len(teams) < 2 {
			return errs.New(errs.Conflict, "competitions.error.too_few_teams")
		}
		ids := make([]int64, len(teams))
		withdrawn := map[int64]bool{}
		for i, t := range teams {
			ids[i] = t.ID
			if t.Withdrawn {
				withdrawn[t.ID] = true
			}
		}
		grouped := false
		for _, t := range teams {
			grouped = grouped || t.Group > 0
		}
		finalGames, lastFinal := games(rounds, disc, Final)
		stage := Main
		if in.Qualifiers > 0 || lastFinal != nil {
			stage = Final
		}
		if in.Qualifiers > 0 && lastFinal != nil {
			return errs.New(errs.Conflict, "competitions.error.final_drawn")
		}
		seed := db.RandomSeed()
		var pairs []draw.Pairing
		number := 1
		switch {
		case stage == Final && lastFinal == nil:
			mainGames, _ := games(rounds, disc, Main)
			if len(mainGames) == 0 {
				return errs.New(errs.Conflict, "competitions.error.no_main_stage")
			}
			if err := draw.CheckComplete(mainGames); err != nil {
				return conflictFor(err)
			}
			if in.Qualifiers > len(teams) {
				fs.Add("qualifiers", "competitions.error.qualifiers", "max", len(teams))
				return fs.Err()
			}
			var seeds []int64
			if grouped {
				// The top Qualifiers of each group, crossed: A1 v B2, B1 v A2…
				tables, err := groupTables(c, teams, mainGames)
				if err != nil {
					return err
				}
				for _, t := range tables {
					if in.Qualifiers > len(t) {
						fs.Add("qualifiers", "competitions.error.qualifiers_group", "max", len(t))
						return fs.Err()
					}
				}
				if seeds, err = draw.CrossedGroupSeeds(tables, in.Qualifiers, c.Seed); err != nil {
					return conflictFor(err)
				}
			} else {
				table, err := draw.Standings(ids, mainGames, draw.StandingsOptions{Points: c.PointSystem(), TieBreaks: c.TieBreaks(), Seed: c.Seed})
				if err != nil {
					return err
				}
				table = activeRows(table, withdrawn)
				if in.Qualifiers > len(table) {
					fs.Add("qualifiers", "competitions.error.qualifiers", "max", len(table))
					return fs.Err()
				}
				if seeds, _, err = draw.Qualifiers(table, in.Qualifiers); err != nil {
					return conflictFor(err)
				}
			}
			if pairs, err = draw.Knockout(seeds); err != nil {
				return conflictFor(err)
			}
		case stage == Final:
			number = lastFinal.Number + 1
			if pairs, err = draw.NextKnockoutRound(lastGames(finalGames, lastFinal.Number), true); err != nil {
				return conflictFor(err)
			}
		default:
			mainGames, lastMain := games(rounds, disc, Main)
			if lastMain != nil {
				number = lastMain.Number + 1
			}
			switch c.Format {
			case "round_robin":
				if pairs, err = roundRobinRound(teams, number); err != nil {
					return err
				}
			case "swiss":
				ts := make([]draw.Team, len(teams))
				for i, t := range teams {
					ts[i] = draw.Team{ID: t.ID, Org: t.Org, Withdrawn: t.Withdrawn}
				}
				d, err := draw.Swiss(ts, mainGames, draw.SwissOptions{Points: c.PointSystem(), TieBreaks: c.TieBreaks(), Seed: seed})
				if err != nil {
					return conflictFor(err)
				}
				pairs = d.Pairings
			case "knockout":
				if lastMain == nil {
					pairs, err = draw.Knockout(ids)
				} else {
					pairs, err = draw.NextKnockoutRound(lastGames(mainGames, lastMain.Number), true)
				}
				if err != nil {
					return conflictFor(err)
				}
			}
		}
		r := &Round{DisciplineID: disc, Stage: stage, Number: number, Seed: seed}
		err = tx.QueryRow(ctx, `INSERT INTO competition_rounds (competition_id, discipline_id, stage, number, seed, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, compID, db.NullID(disc), stage, number, int64(seed), tx.Now).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "competitions.error.round_race")
		}
		if err != nil {
			return err
		}
		if err := insertPairings(ctx, tx, compID, r, pairs, withdrawn, c.ForfeitScore); err != nil {
			return err
		}
		out = r
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.round_draw", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"round": r.ID, "stage": stage, "number": number,
				"discipline": in.Discipline, "seed": fmt.Sprint(seed), "pairings": pairs}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return nil, fmt.Errorf("competitions: draw: %w", err)
	}
	return out, err
}

// insertPairings stores the pairings of round r in board order, in one
// statement per batch of rows (a round of 256 teams is 128 pairings). A
// game of a withdrawn team is stored as a forfeit won by its opponent (of
// two withdrawn teams, by the home team, so that a bracket goes on).
func insertPairings(ctx context.Context, tx *db.Tx, compID int64, r *Round, pairs []draw.Pairing, withdrawn map[int64]bool, forfeitScore float64) error {
	r.Pairings = r.Pairings[:0]
	const batch = 100
	for start := 0; start < len(pairs); start += batch {
		chunk := pairs[start:min(len(pairs), start+batch)]
		q := `INSERT INTO competition_pairings (round_id, competition_id, board, home_id, away_id, third_place, done,
			forfeit, winner_id, home_score, away_score) VALUES `
		args := make([]any, 0, 11*len(chunk))
		results := make([]Pairing, len(chunk))
		for i, p := range chunk {
			if i > 0 {
				q += ", "
			}
			q += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			res := Pairing{ID: 0, RoundID: r.ID, Board: start + i + 1, Home: p.Home, Away: p.Away, ThirdPlace: p.ThirdPlace, Done: p.IsBye()}
			var hs, as any
			if !p.IsBye() && (withdrawn[p.Home] || withdrawn[p.Away]) {
				res.Done, res.Forfeit, res.Winner = true, true, p.Home
				if withdrawn[p.Home] && !withdrawn[p.Away] {
					res.Winner = p.Away
				}
				h, a := forfeitScores(res.Winner == p.Home, forfeitScore)
				res.HomeScore, res.AwayScore = &h, &a
				hs, as = h, a
			}
			results[i] = res
			args = append(args, r.ID, compID, res.Board, p.Home, db.NullID(p.Away), p.ThirdPlace, res.Done, res.Forfeit, db.NullID(res.Winner), hs, as)
		}
		rows, err := tx.Query(ctx, q+" RETURNING id, board", args...)
		if err != nil {
			return err
		}
		byBoard := map[int]int64{}
		for rows.Next() {
			var id int64
			var board int
			if err := rows.Scan(&id, &board); err != nil {
				rows.Close()
				return err
			}
			byBoard[board] = id
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for i := range chunk {
			results[i].ID = byBoard[start+i+1]
			r.Pairings = append(r.Pairings, results[i])
		}
	}
	return nil
}

// lastGames returns the games of round number, in board order.
func lastGames(gs []draw.Game, number int) []draw.Game {
	var out []draw.Game
	for _, g := range gs {
		if g.Round == number {
			out = append(out, g)
		}
	}
	return out
}

// Swap exchanges the places of two teams in a round that has no result
// yet (the organizer's correction of a draw): two teams of one game
// change sides; teams of two games change games (a bye goes with its
// place).
func (s *Service) Swap(ctx context.Context, actor *auth.User, roundID, a, b int64) error {
	var compID int64
	if err := s.db.QueryRow(ctx, `SELECT competition_id FROM competition_rounds WHERE id = ?`, roundID).Scan(&compID); errors.Is(err, sql.ErrNoRows) {
		return notFound()
	} else if err != nil {
		return fmt.Errorf("competitions: swap: %w", err)
	}
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	if a <= 0 {
		fs.Add("team_a", "validation.required")
	}
	if b <= 0 {
		fs.Add("team_b", "validation.required")
	}
	if a == b && a > 0 {
		fs.Add("team_b", "competitions.error.swap_same")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, home_id, COALESCE(away_id, 0), done FROM competition_pairings WHERE round_id = ? ORDER BY board`, roundID)
		if err != nil {
			return err
		}
		type slot struct {
			pairing int64
			home    bool
		}
		where := map[int64]slot{}
		started := false
		pairs := map[int64][2]int64{}
		for rows.Next() {
			var id, home, away int64
			var done bool
			if err := rows.Scan(&id, &home, &away, &done); err != nil {
				rows.Close()
				return err
			}
			if done && away != 0 {
				started = true
			}
			where[home] = slot{id, true}
			if away != 0 {
				where[away] = slot{id, false}
			}
			pairs[id] = [2]int64{home, away}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if started {
			return errs.New(errs.Conflict, "competitions.error.round_started")
		}
		sa, okA := where[a]
		sb, okB := where[b]
		if !okA {
			fs.Add("team_a", "competitions.error.not_in_round")
		}
		if !okB {
			fs.Add("team_b", "competitions.error.not_in_round")
		}
		if err := fs.Err(); err != nil {
			return err
		}
		set := func(p [2]int64, home bool, team int64) [2]int64 {
			if home {
				p[0] = team
			} else {
				p[1] = team
			}
			return p
		}
		pa := set(pairs[sa.pairing], sa.home, b)
		pairs[sa.pairing] = pa
		pairs[sb.pairing] = set(pairs[sb.pairing], sb.home, a)
		for _, id := range []int64{sa.pairing, sb.pairing} {
			p := pairs[id]
			// Move away first so that home <> away holds at every step.
			if _, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_id = ?, away_id = NULL, done = TRUE WHERE id = ?`, p[0], id); err != nil {
				return err
			}
		}
		for _, id := range []int64{sa.pairing, sb.pairing} {
			p := pairs[id]
			if _, err := tx.Exec(ctx, `UPDATE competition_pairings SET away_id = ?, done = ? WHERE id = ?`, db.NullID(p[1]), p[1] == 0, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.pairing_swap", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"round": roundID, "teams": []int64{a, b}}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		if db.IsUnique(err) || db.IsCheck(err) {
			return errs.New(errs.Conflict, "competitions.error.swap_invalid")
		}
		return fmt.Errorf("competitions: swap: %w", err)
	}
	return err
}

// ResultIn is a result as entered: scores (goals, points, speaker points),
// or only an outcome, or both (a decision that overrides the scores:
// penalties, the judges' decision in a debate).
type ResultIn struct {
	HomeScore *float64
	AwayScore *float64
	Winner    string // "home", "away", "draw"; "": by the scores
}

// PairingInfo is a pairing with the competition it belongs to.
type PairingInfo struct {
	Pairing
	CompetitionID int64
	Stage         string
	Number        int
}

// GetPairing returns one pairing.
func (s *Service) GetPairing(ctx context.Context, id int64) (*PairingInfo, error) {
	var p PairingInfo
	var hs, as sql.NullFloat64
	err := s.db.QueryRow(ctx, `SELECT p.id, p.round_id, p.board, p.home_id, COALESCE(p.away_id, 0), p.third_place, p.home_score, p.away_score,
			COALESCE(p.winner_id, 0), p.done, p.competition_id, r.stage, r.number, p.forfeit, COALESCE(p.panel_home, 0), COALESCE(p.panel_away, 0)
		FROM competition_pairings p JOIN competition_rounds r ON r.id = p.round_id WHERE p.id = ?`, id).Scan(
		&p.ID, &p.RoundID, &p.Board, &p.Home, &p.Away, &p.ThirdPlace, &hs, &as, &p.Winner, &p.Done, &p.CompetitionID, &p.Stage, &p.Number,
		&p.Forfeit, &p.PanelHome, &p.PanelAway)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "competitions.error.no_pairing")
	}
	if err != nil {
		return nil, fmt.Errorf("competitions: pairing %d: %w", id, err)
	}
	if hs.Valid {
		p.HomeScore = &hs.Float64
	}
	if as.Valid {
		p.AwayScore = &as.Float64
	}
	return &p, nil
}

// EnterResult records the result of a pairing, once: by an organizer of
// the competition or one of its judges. A pairing that does not exist, a
// bye, a result already in (whoever entered it), someone who is neither —
// each is refused and nothing changes. A knockout game and a debate need a
// winner.
func (s *Service) EnterResult(ctx context.Context, actor *auth.User, pairingID int64, in ResultIn) (*PairingInfo, error) {
	p, c, acc, err := s.resultAccessOf(ctx, actor, pairingID)
	if err != nil {
		return nil, err
	}
	knockout := p.Stage == Final || c.Format == "knockout"
	var fs errs.Fields
	for _, sc := range []struct {
		field string
		v     *float64
	}{{"home_score", in.HomeScore}, {"away_score", in.AwayScore}} {
		if sc.v != nil && (math.IsNaN(*sc.v) || math.IsInf(*sc.v, 0) || *sc.v < 0 || *sc.v > 1e6) {
			fs.Add(sc.field, "competitions.error.score_range")
		}
	}
	if (in.HomeScore == nil) != (in.AwayScore == nil) {
		if in.HomeScore == nil {
			fs.Add("home_score", "validation.required")
		} else {
			fs.Add("away_score", "validation.required")
		}
	}
	var winner int64
	switch in.Winner {
	case "home":
		winner = p.Home
	case "away":
		winner = p.Away
	case "draw", "":
	default:
		fs.Add("winner", "validation.invalid_choice")
	}
	scored := in.HomeScore != nil && in.AwayScore != nil
	switch {
	case in.Winner == "" && !scored:
		fs.Add("winner", "competitions.error.result_required")
	case in.Winner == "draw" && scored && *in.HomeScore != *in.AwayScore:
		fs.Add("winner", "competitions.error.draw_scores")
	case c.Points == "debate" && winner == 0:
		fs.Add("winner", "competitions.error.decision_required")
	case knockout && winner == 0 && (!scored || *in.HomeScore == *in.AwayScore):
		fs.Add("winner", "competitions.error.knockout_winner")
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	if acc.panel(c) && acc.onPanel {
		// A judge of a debate's panel gives a decision; the majority of
		// the panel makes the result.
		if err := s.decide(ctx, actor, c, p, acc.judges, winner, in.HomeScore, in.AwayScore); err != nil {
			return nil, err
		}
		return s.GetPairing(ctx, pairingID)
	}
	var hs, as any
	if scored {
		hs, as = *in.HomeScore, *in.AwayScore
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// done = FALSE makes the second of two results a no-op, whichever
		// arrives first, on both engines.
		res, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = ?, away_score = ?, winner_id = ?, done = TRUE, result_by = ?, result_at = ?
			WHERE id = ? AND done = FALSE`, hs, as, db.NullID(winner), actor.ID, tx.Now, pairingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "competitions.error.result_entered")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.result", TargetType: "competition",
			TargetID: fmt.Sprint(c.ID), OrgID: c.OrgID, After: map[string]any{"pairing": pairingID, "home_score": hs, "away_score": as, "winner": winner}})
	})
	var e *errs.Error
	if err != nil {
		if !errors.As(err, &e) {
			err = fmt.Errorf("competitions: result: %w", err)
		}
		return nil, err
	}
	return s.GetPairing(ctx, pairingID)
}

// Row is a line of a table, with the team's name.
type Row struct {
	draw.Row
	Name string
}

// Standings returns the table of the main stage of a discipline (0: the
// competition without disciplines): points, then the tie-breaks of the
// format, then the competition's lot (decision 0080).
func (s *Service) Standings(ctx context.Context, c *Competition, teams []Team, rounds []Round, discipline int64) ([]Row, error) {
	ids := make([]int64, len(teams))
	names := map[int64]string{}
	for i, t := range teams {
		ids[i] = t.ID
		names[t.ID] = t.Name
	}
	if len(ids) == 0 {
		return nil, nil
	}
	gs, _ := games(rounds, discipline, Main)
	var done []draw.Game
	for _, g := range gs {
		if g.Done {
			done = append(done, g)
		}
	}
	table, err := draw.Standings(ids, done, draw.StandingsOptions{Points: c.PointSystem(), TieBreaks: c.TieBreaks(), Seed: c.Seed})
	if err != nil {
		return nil, fmt.Errorf("competitions: standings: %w", err)
	}
	out := make([]Row, len(table))
	for i, r := range table {
		out[i] = Row{Row: r, Name: names[r.TeamID]}
	}
	return out, nil
}

// OverallRow is a line of a spartakiad's overall table.
type OverallRow struct {
	draw.OverallRow
	Name string
}

// Overall is the overall table of a competition with disciplines: each
// discipline that has begun gives places (its final's places where it has
// one, else its table's ranks), summed as place points (lowest total
// wins; ties by countback, decision 0080). It also returns the
// disciplines counted, in the order of the places.
func (s *Service) Overall(ctx context.Context, c *Competition, teams []Team, rounds []Round) ([]OverallRow, []Discipline, error) {
	ids := make([]int64, len(teams))
	names := map[int64]string{}
	for i, t := range teams {
		ids[i] = t.ID
		names[t.ID] = t.Name
	}
	var ds []draw.Discipline
	var counted []Discipline
	for _, d := range c.Disciplines {
		if _, last := games(rounds, d.ID, Main); last == nil {
			continue
		}
		places, err := s.places(ctx, c, teams, rounds, d.ID)
		if err != nil {
			return nil, nil, err
		}
		dd := draw.Discipline{Key: d.Key}
		for _, id := range ids {
			if pl, ok := places[id]; ok {
				dd.Placings = append(dd.Placings, draw.Placing{TeamID: id, Place: pl})
			}
		}
		ds = append(ds, dd)
		counted = append(counted, d)
	}
	if len(ds) == 0 || len(ids) == 0 {
		return nil, nil, nil
	}
	table, err := draw.Overall(ids, ds, draw.PlaceScoring{}, c.Seed)
	if err != nil {
		return nil, nil, fmt.Errorf("competitions: overall: %w", err)
	}
	out := make([]OverallRow, len(table))
	for i, r := range table {
		out[i] = OverallRow{OverallRow: r, Name: names[r.TeamID]}
	}
	return out, counted, nil
}

// places returns each team's place in a discipline (0: the competition
// without disciplines): from the final when one has been played to the
// end (winner 1, loser 2, third-place match 3 and 4, teams out in the
// semi-finals 3 when there is none), the others after them by the main
// table; else the main table's ranks.
func (s *Service) places(ctx context.Context, c *Competition, teams []Team, rounds []Round, discipline int64) (map[int64]int, error) {
	table, err := s.Standings(ctx, c, teams, rounds, discipline)
	if err != nil {
		return nil, err
	}
	out := map[int64]int{}
	stage := Final
	if c.Format == "knockout" {
		stage = Main
	}
	gs, last := games(rounds, discipline, stage)
	withdrawn := map[int64]bool{}
	for _, t := range teams {
		withdrawn[t.ID] = t.Withdrawn
	}
	// Withdrawn teams are placed after every team that stayed.
	var ordered []Row
	for _, gone := range []bool{false, true} {
		for _, r := range table {
			if withdrawn[r.TeamID] == gone {
				ordered = append(ordered, r)
			}
		}
	}
	finalPlaces := knockoutPlaces(gs, last)
	if finalPlaces == nil {
		for i, r := range ordered {
			place := i + 1
			if i > 0 && r.Rank == ordered[i-1].Rank && withdrawn[r.TeamID] == withdrawn[ordered[i-1].TeamID] {
				place = out[ordered[i-1].TeamID] // a shared rank
			}
			out[r.TeamID] = place
		}
		return out, nil
	}
	next := 0
	for _, p := range finalPlaces {
		next = max(next, p)
	}
	for id, p := range finalPlaces {
		out[id] = p
	}
	// The rest in the order of the table, after the places the bracket gave.
	rank := next
	for _, r := range ordered {
		if _, ok := out[r.TeamID]; !ok {
			rank++
			out[r.TeamID] = rank
		}
	}
	return out, nil
}

// knockoutPlaces gives the places a finished bracket decides, or nil when
// its final is not played yet.
func knockoutPlaces(gs []draw.Game, last *Round) map[int64]int {
	if last == nil || !last.Complete() {
		return nil
	}
	var final *draw.Game
	var third *draw.Game
	lg := lastGames(gs, last.Number)
	for i := range lg {
		if lg[i].ThirdPlace {
			third = &lg[i]
		} else if final == nil {
			final = &lg[i]
		} else {
			return nil // more than one game: not the final
		}
	}
	if final == nil || final.IsBye() {
		return nil
	}
	out := map[int64]int{}
	w, l, _ := final.Outcome()
	out[w], out[l] = 1, 2
	if third != nil {
		w, l, _ := third.Outcome()
		out[w], out[l] = 3, 4
		return out
	}
	// No third-place match: the losers of the semi-finals share third.
	semis := lastGames(gs, last.Number-1)
	for _, g := range semis {
		if g.IsBye() || g.ThirdPlace {
			continue
		}
		if _, l, _ := g.Outcome(); l != 0 {
			if _, ok := out[l]; !ok {
				out[l] = 3
			}
		}
	}
	return out
}

// Places is the final placing of a competition: the overall table with
// disciplines, else the final's places and the table.
func (s *Service) Places(ctx context.Context, c *Competition) (map[int64]int, error) {
	teams, err := s.Teams(ctx, c.ID, false)
	if err != nil {
		return nil, err
	}
	rounds, err := s.Rounds(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if len(c.Disciplines) > 0 {
		rows, _, err := s.Overall(ctx, c, teams, rounds)
		if err != nil {
			return nil, err
		}
		out := map[int64]int{}
		for _, r := range rows {
			out[r.TeamID] = r.Rank
		}
		return out, nil
	}
	return s.places(ctx, c, teams, rounds, 0)
}

// ClearResult takes back the result of a game — the organizer's
// correction of a mistyped score — while no later round of its stage (nor,
// for the main stage, the final) has been drawn on it. Judges cannot.
func (s *Service) ClearResult(ctx context.Context, actor *auth.User, pairingID int64) error {
	p, err := s.GetPairing(ctx, pairingID)
	if err != nil {
		return err
	}
	c, err := s.requireOrganizer(ctx, actor, p.CompetitionID)
	if err != nil {
		return err
	}
	if p.IsBye() {
		return errs.New(errs.Conflict, "competitions.error.bye")
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, c.ID, true); err != nil {
			return err
		}
		later, err := tx.Exists(ctx, `SELECT 1 FROM competition_rounds r JOIN competition_rounds mine ON mine.id = ?
			WHERE r.competition_id = mine.competition_id AND COALESCE(r.discipline_id, 0) = COALESCE(mine.discipline_id, 0)
			AND ((r.stage = mine.stage AND r.number > mine.number) OR (mine.stage = 'main' AND r.stage = 'final'))`, p.RoundID)
		if err != nil {
			return err
		}
		if later {
			return errs.New(errs.Conflict, "competitions.error.result_locked")
		}
		// A withdrawn team's forfeits stay: the withdrawal is for good.
		gone, err := tx.Exists(ctx, `SELECT 1 FROM competition_teams WHERE id IN (?, ?) AND withdrawn_at IS NOT NULL`, p.Home, p.Away)
		if err != nil {
			return err
		}
		if gone {
			return errs.New(errs.Conflict, "competitions.error.withdrawn_game")
		}
		res, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = NULL, away_score = NULL, winner_id = NULL, done = FALSE,
			forfeit = FALSE, panel_home = NULL, panel_away = NULL, result_by = NULL, result_at = NULL
			WHERE id = ? AND done = TRUE AND away_id IS NOT NULL`, pairingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "competitions.error.no_result")
		}
		// A panel decides again.
		if _, err := tx.Exec(ctx, `DELETE FROM competition_decisions WHERE pairing_id = ?`, pairingID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.result_clear", TargetType: "competition",
			TargetID: fmt.Sprint(c.ID), OrgID: c.OrgID, Before: map[string]any{"pairing": pairingID, "home_score": p.HomeScore,
				"away_score": p.AwayScore, "winner": p.Winner, "forfeit": p.Forfeit}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: clear result: %w", err)
	}
	return err
}
