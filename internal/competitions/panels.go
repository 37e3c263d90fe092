package competitions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// MaxPanel is the most judges of one game.
const MaxPanel = 9

// access is who is asking about a game's result.
type access struct {
	organizer bool
	judges    []int64 // the game's own judges (none: any judge of the competition)
	onPanel   bool    // the actor is one of them
}

// panel reports whether the game is decided by its judges' majority: a
// debate with more than one judge assigned.
func (a access) panel(c *Competition) bool { return c.Points == "debate" && len(a.judges) > 1 }

// gameJudges returns the judges assigned to a pairing.
func gameJudges(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (*sql.Rows, error)
}, pairingID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM competition_game_judges WHERE pairing_id = ? ORDER BY user_id`, pairingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// resultAccess checks that actor may enter the result of a pairing (a
// forfeit, a decision): an organizer of the competition; a judge assigned
// to the game; where the game has no judges of its own, any judge of the
// competition. A bye takes no result.
func (s *Service) resultAccess(ctx context.Context, actor *auth.User, pairingID int64) (*PairingInfo, *Competition, error) {
	p, c, _, err := s.resultAccessOf(ctx, actor, pairingID)
	return p, c, err
}

func (s *Service) resultAccessOf(ctx context.Context, actor *auth.User, pairingID int64) (*PairingInfo, *Competition, access, error) {
	var a access
	if actor == nil {
		return nil, nil, a, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	p, err := s.GetPairing(ctx, pairingID)
	if err != nil {
		return nil, nil, a, err
	}
	c, err := s.Get(ctx, p.CompetitionID)
	if err != nil {
		return nil, nil, a, err
	}
	if a.organizer, err = s.IsOrganizer(ctx, actor, c); err != nil {
		return nil, nil, a, err
	}
	if a.judges, err = gameJudges(ctx, s.db, pairingID); err != nil {
		return nil, nil, a, fmt.Errorf("competitions: game judges: %w", err)
	}
	judge, err := s.IsJudge(ctx, actor, c.ID)
	if err != nil {
		return nil, nil, a, err
	}
	a.onPanel = judge && slices.Contains(a.judges, actor.ID)
	if !a.organizer {
		switch {
		case !judge:
			return nil, nil, a, errs.New(errs.Forbidden, "competitions.error.not_judge")
		case len(a.judges) > 0 && !a.onPanel:
			return nil, nil, a, errs.New(errs.Forbidden, "competitions.error.not_your_game")
		}
	}
	if p.IsBye() {
		return nil, nil, a, errs.New(errs.Conflict, "competitions.error.bye")
	}
	return p, c, a, nil
}

// AssignJudges names the judges of games: of one pairing, or (roundID
// set, pairingID 0) of every game of a round that has no result yet. They
// must be judges of the competition; none clears the assignment (any judge
// of the competition may then enter the result). In a debate a panel has
// an odd number of judges, so that its majority decides. A game with a
// result or a judge's decision keeps its judges.
func (s *Service) AssignJudges(ctx context.Context, actor *auth.User, roundID, pairingID int64, judges []int64) error {
	var compID int64
	var err error
	if pairingID > 0 {
		err = s.db.QueryRow(ctx, `SELECT competition_id FROM competition_pairings WHERE id = ?`, pairingID).Scan(&compID)
	} else {
		err = s.db.QueryRow(ctx, `SELECT competition_id FROM competition_rounds WHERE id = ?`, roundID).Scan(&compID)
	}
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		return fmt.Errorf("competitions: assign judges: %w", err)
	}
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	seen := map[int64]bool{}
	for i, j := range judges {
		if j <= 0 {
			fs.Add(fmt.Sprintf("judges[%d]", i), "validation.invalid_value")
		} else if seen[j] {
			fs.Add(fmt.Sprintf("judges[%d]", i), "competitions.error.judge_twice")
		}
		seen[j] = true
	}
	if len(judges) > MaxPanel {
		fs.Add("judges", "competitions.error.too_many", "max", MaxPanel)
	}
	if c.Points == "debate" && len(judges)%2 == 0 && len(judges) > 0 {
		fs.Add("judges", "competitions.error.panel_even")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		if len(judges) > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM competition_judges WHERE competition_id = ? AND user_id IN (`+
				db.Placeholders(len(judges))+`)`, append([]any{compID}, db.Args(judges)...)...).Scan(&n); err != nil {
				return err
			}
			if n != len(judges) {
				fs.Add("judges", "competitions.error.not_a_judge")
				return fs.Err()
			}
		}
		var pairings []int64
		if pairingID > 0 {
			var done bool
			var away int64
			if err := tx.QueryRow(ctx, `SELECT done, COALESCE(away_id, 0) FROM competition_pairings WHERE id = ?`, pairingID).Scan(&done, &away); err != nil {
				return err
			}
			if away == 0 {
				return errs.New(errs.Conflict, "competitions.error.bye")
			}
			if done {
				return errs.New(errs.Conflict, "competitions.error.result_entered")
			}
			pairings = []int64{pairingID}
		} else {
			rows, err := tx.Query(ctx, `SELECT id FROM competition_pairings WHERE round_id = ? AND done = FALSE AND away_id IS NOT NULL ORDER BY board`, roundID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				pairings = append(pairings, id)
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		if len(pairings) == 0 {
			return errs.New(errs.Conflict, "competitions.error.no_open_games")
		}
		decided, err := tx.Exists(ctx, `SELECT 1 FROM competition_decisions WHERE pairing_id IN (`+db.Placeholders(len(pairings))+`)`,
			db.Args(pairings)...)
		if err != nil {
			return err
		}
		if decided {
			return errs.New(errs.Conflict, "competitions.error.panel_started")
		}
		for _, p := range pairings {
			if _, err := tx.Exec(ctx, `DELETE FROM competition_game_judges WHERE pairing_id = ?`, p); err != nil {
				return err
			}
			for _, j := range judges {
				if _, err := tx.Exec(ctx, `INSERT INTO competition_game_judges (pairing_id, competition_id, user_id) VALUES (?, ?, ?)`,
					p, compID, j); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.judges_assign", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"round": roundID, "pairings": pairings, "judges": judges}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: assign judges: %w", err)
	}
	return err
}

// GameJudges returns the judges assigned to each game of a competition
// (pairing → people), and how many decisions each panel game has.
func (s *Service) GameJudges(ctx context.Context, compID int64) (map[int64][]Person, map[int64]int, error) {
	rows, err := s.db.Query(ctx, `SELECT g.pairing_id, u.id, u.name,
			EXISTS (SELECT 1 FROM competition_decisions d WHERE d.pairing_id = g.pairing_id AND d.user_id = g.user_id)
		FROM competition_game_judges g JOIN users u ON u.id = g.user_id
		WHERE g.competition_id = ? ORDER BY g.pairing_id, u.name, u.id`, compID)
	if err != nil {
		return nil, nil, fmt.Errorf("competitions: game judges: %w", err)
	}
	defer rows.Close()
	judges := map[int64][]Person{}
	decided := map[int64]int{}
	for rows.Next() {
		var pairing int64
		var p Person
		var d bool
		if err := rows.Scan(&pairing, &p.ID, &p.Name, &d); err != nil {
			return nil, nil, err
		}
		judges[pairing] = append(judges[pairing], p)
		if d {
			decided[pairing]++
		}
	}
	return judges, decided, rows.Err()
}

// decide records one panel judge's decision on a debate and, when every
// judge of the panel has decided, the game's result: the majority's
// winner, with the split, and the judges' speaker points averaged when
// every judge gave them. A second decision by the same judge is refused
// (the primary key is the guarantee).
func (s *Service) decide(ctx context.Context, actor *auth.User, c *Competition, p *PairingInfo, panel []int64, winner int64, hs, as *float64) error {
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		// One decision of a competition at a time, so that the last judge's
		// decision sees all the others.
		if _, err := getTx(ctx, tx, c.ID, true); err != nil {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT done FROM competition_pairings WHERE id = ?`, p.ID).Scan(&done); err != nil {
			return err
		}
		if done {
			return errs.New(errs.Conflict, "competitions.error.result_entered")
		}
		var got int64
		err := tx.QueryRow(ctx, `INSERT INTO competition_decisions (pairing_id, user_id, winner_id, home_score, away_score, decided_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING user_id`, p.ID, actor.ID, winner, floatOrNil(hs), floatOrNil(as), tx.Now).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "competitions.error.decision_twice")
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT winner_id, home_score, away_score FROM competition_decisions WHERE pairing_id = ?`, p.ID)
		if err != nil {
			return err
		}
		var home, away, n, scored int
		var sumH, sumA float64
		for rows.Next() {
			var w int64
			var h, a sql.NullFloat64
			if err := rows.Scan(&w, &h, &a); err != nil {
				rows.Close()
				return err
			}
			n++
			if w == p.Home {
				home++
			} else {
				away++
			}
			if h.Valid && a.Valid {
				scored++
				sumH += h.Float64
				sumA += a.Float64
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		audited := map[string]any{"pairing": p.ID, "winner": winner, "decisions": n, "panel": len(panel)}
		if n == len(panel) && home != away {
			w := p.Home
			if away > home {
				w = p.Away
			}
			var rh, ra any
			if scored == n {
				rh, ra = sumH/float64(n), sumA/float64(n)
			}
			if _, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = ?, away_score = ?, winner_id = ?, panel_home = ?, panel_away = ?,
					done = TRUE, result_by = ?, result_at = ? WHERE id = ? AND done = FALSE`, rh, ra, w, home, away, actor.ID, tx.Now, p.ID); err != nil {
				return err
			}
			audited["result"] = map[string]any{"winner": w, "split": fmt.Sprintf("%d-%d", home, away)}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.decision", TargetType: "competition",
			TargetID: fmt.Sprint(c.ID), OrgID: c.OrgID, After: audited})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: decision: %w", err)
	}
	return err
}

func floatOrNil(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// MyDecisions returns the games of a competition on which person has given
// a decision.
func (s *Service) MyDecisions(ctx context.Context, compID, person int64) (map[int64]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT d.pairing_id FROM competition_decisions d JOIN competition_pairings p ON p.id = d.pairing_id
		WHERE p.competition_id = ? AND d.user_id = ?`, compID, person)
	if err != nil {
		return nil, fmt.Errorf("competitions: decisions: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
