package competitions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/draw"
	"github.com/ortaq/ortaq/internal/errs"
)

// MaxReason is the length of a withdrawal's reason.
const MaxReason = 500

// drawTeams returns the teams a draw works with, in the order entered:
// every team except those withdrawn before they had any game.
func drawTeams(ctx context.Context, tx *db.Tx, compID int64, rounds []Round) ([]teamRow, error) {
	played := map[int64]bool{}
	for _, r := range rounds {
		for _, p := range r.Pairings {
			played[p.Home], played[p.Away] = true, true
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, COALESCE(org_id, 0), withdrawn_at IS NOT NULL, COALESCE(group_no, 0)
		FROM competition_teams WHERE competition_id = ? ORDER BY id`, compID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var teams []teamRow
	for rows.Next() {
		var t teamRow
		if err := rows.Scan(&t.ID, &t.Org, &t.Withdrawn, &t.Group); err != nil {
			return nil, err
		}
		if t.Withdrawn && !played[t.ID] {
			continue
		}
		teams = append(teams, t)
	}
	return teams, rows.Err()
}

// activeRows drops the withdrawn teams from a table, keeping its order:
// they qualify for nothing.
func activeRows(rows []draw.Row, withdrawn map[int64]bool) []draw.Row {
	out := make([]draw.Row, 0, len(rows))
	for _, r := range rows {
		if !withdrawn[r.TeamID] {
			out = append(out, r)
		}
	}
	return out
}

// forfeitScores are the scores of a forfeit won by home (or by away).
func forfeitScores(homeWins bool, score float64) (float64, float64) {
	if homeWins {
		return score, 0
	}
	return 0, score
}

// Withdraw takes a team out of a competition, for good: the organizer
// gives the reason. Its games without a result become forfeits won by the
// opponent with the competition's forfeit score; later Swiss rounds do not
// pair it; in a bracket its opponent goes on; a team withdrawn before its
// first game is left out of every draw. Its played games stay in the
// tables.
func (s *Service) Withdraw(ctx context.Context, actor *auth.User, compID, teamID int64, reason string) error {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	reason = strings.TrimSpace(reason)
	checkText(&fs, "reason", reason, MaxReason, true)
	if err := fs.Err(); err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		var name string
		var out db.Time
		err := tx.QueryRow(ctx, `SELECT name, withdrawn_at FROM competition_teams WHERE id = ? AND competition_id = ?`, teamID, compID).Scan(&name, &out)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "competitions.error.no_team")
		}
		if err != nil {
			return err
		}
		if out.Valid {
			return errs.New(errs.Conflict, "competitions.error.withdrawn_already")
		}
		if _, err := tx.Exec(ctx, `UPDATE competition_teams SET withdrawn_at = ?, withdraw_reason = ? WHERE id = ?`, tx.Now, reason, teamID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE competition_pairings SET done = TRUE, forfeit = TRUE,
				winner_id = CASE WHEN home_id = ? THEN away_id ELSE home_id END,
				home_score = CASE WHEN home_id = ? THEN 0 ELSE ? END,
				away_score = CASE WHEN home_id = ? THEN ? ELSE 0 END,
				result_by = ?, result_at = ?
			WHERE competition_id = ? AND done = FALSE AND away_id IS NOT NULL AND (home_id = ? OR away_id = ?)`,
			teamID, teamID, c.ForfeitScore, teamID, c.ForfeitScore, actor.ID, tx.Now, compID, teamID, teamID)
		if err != nil {
			return err
		}
		forfeits, _ := res.RowsAffected()
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.team_withdraw", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"team": teamID, "name": name, "reason": reason, "forfeits": forfeits}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: withdraw: %w", err)
	}
	return err
}

// Forfeit records a game as not played: absent ("home" or "away") did not
// show up, the other team wins with the competition's forfeit score; or
// "both": a double forfeit, both lose (no winner, no scores, no points).
// A knockout game (a knockout competition, or the final stage) refuses a
// double forfeit: the bracket needs a winner to go on, so the organizer
// names one team absent (or withdraws a team) instead. Who may: as for a
// result (EnterResult); once, like a result.
func (s *Service) Forfeit(ctx context.Context, actor *auth.User, pairingID int64, absent string) (*PairingInfo, error) {
	p, c, err := s.resultAccess(ctx, actor, pairingID)
	if err != nil {
		return nil, err
	}
	var fs errs.Fields
	var winner int64
	switch absent {
	case "home":
		winner = p.Away
	case "away":
		winner = p.Home
	case "both":
		if c.Format == "knockout" || p.Stage == Final {
			return nil, errs.New(errs.Conflict, "competitions.error.double_forfeit_knockout")
		}
	default:
		fs.Add("absent", "validation.invalid_choice")
		return nil, fs.Err()
	}
	var hs, as any // a double forfeit has no scores
	if winner != 0 {
		hs, as = forfeitScores(winner == p.Home, c.ForfeitScore)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE competition_pairings SET home_score = ?, away_score = ?, winner_id = ?, forfeit = TRUE, done = TRUE,
				result_by = ?, result_at = ?
			WHERE id = ? AND done = FALSE`, hs, as, db.NullID(winner), actor.ID, tx.Now, pairingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var forfeit bool
			if err := tx.QueryRow(ctx, `SELECT forfeit FROM competition_pairings WHERE id = ?`, pairingID).Scan(&forfeit); err != nil {
				return err
			}
			if forfeit {
				return errs.New(errs.Conflict, "competitions.error.forfeit_entered")
			}
			return errs.New(errs.Conflict, "competitions.error.result_entered")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.forfeit", TargetType: "competition",
			TargetID: fmt.Sprint(c.ID), OrgID: c.OrgID, After: map[string]any{"pairing": pairingID, "absent": absent, "winner": winner}})
	})
	var e *errs.Error
	if err != nil {
		if !errors.As(err, &e) {
			err = fmt.Errorf("competitions: forfeit: %w", err)
		}
		return nil, err
	}
	return s.GetPairing(ctx, pairingID)
}
