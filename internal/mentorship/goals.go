package mentorship

import (
	"context"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Goal is one goal of a mentorship: set by either side, checked in as
// done by the mentee, confirmed by the mentor.
type Goal struct {
	ID          int64
	Title       string
	DoneAt      time.Time // zero: not yet
	ConfirmedAt time.Time // zero: not yet
}

// AddGoal adds a goal to mentorship id (its mentor or mentee, once it is
// accepted).
func (s *Service) AddGoal(ctx context.Context, u *auth.User, id int64, title string) (int64, error) {
	m, err := s.Mentorship(ctx, u, id)
	if err != nil {
		return 0, err
	}
	if m.Role(u) == "" {
		return 0, errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	title = strings.TrimSpace(title)
	var fs errs.Fields
	checkText(&fs, "goal_title", title, 200, true)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	if m.Status != "accepted" && m.Status != "active" {
		return 0, errs.New(errs.Conflict, "mentorship.error.not_started")
	}
	var gid int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if n, err := countGoals(ctx, tx, m.ID); err != nil {
			return err
		} else if n >= 30 {
			return errs.Fields{{Name: "goal_title", Key: "mentorship.error.too_many", Args: []any{"max", 30}}}.Err()
		}
		return tx.QueryRow(ctx, `INSERT INTO mentorship_goals (mentorship_id, title, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			m.ID, title, u.ID, tx.Now).Scan(&gid)
	})
	return gid, err
}

func countGoals(ctx context.Context, tx *db.Tx, id int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM mentorship_goals WHERE mentorship_id = ?`, id).Scan(&n)
	return n, err
}

// CheckGoal records progress on goal goalID of mentorship id: "done" by
// the mentee (a check-in), "confirm" by the mentor once it is done.
func (s *Service) CheckGoal(ctx context.Context, u *auth.User, id, goalID int64, action string) error {
	m, err := s.Mentorship(ctx, u, id)
	if err != nil {
		return err
	}
	role := m.Role(u)
	var q string
	switch {
	case action == "done" && role == "mentee":
		q = `UPDATE mentorship_goals SET done_at = ? WHERE id = ? AND mentorship_id = ? AND done_at IS NULL`
	case action == "confirm" && role == "mentor":
		q = `UPDATE mentorship_goals SET confirmed_at = ? WHERE id = ? AND mentorship_id = ? AND done_at IS NOT NULL AND confirmed_at IS NULL`
	case action != "done" && action != "confirm":
		return errs.Fields{{Name: "action", Key: "validation.invalid_choice"}}.Err()
	default:
		return errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, q, tx.Now, goalID, m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			ok, err := tx.Exists(ctx, `SELECT 1 FROM mentorship_goals WHERE id = ? AND mentorship_id = ?`, goalID, m.ID)
			if err != nil {
				return err
			}
			if !ok {
				return notFound()
			}
			return errs.New(errs.Conflict, "mentorship.error.goal_state")
		}
		_, err = tx.Exec(ctx, `UPDATE mentorships SET last_activity_at = ? WHERE id = ?`, tx.Now, m.ID)
		return err
	})
}

// Goals lists the goals of m (already read through Mentorship).
func (s *Service) Goals(ctx context.Context, m *Mentorship) ([]Goal, error) {
	rows, err := s.db.Query(ctx, `SELECT id, title, done_at, confirmed_at FROM mentorship_goals WHERE mentorship_id = ? ORDER BY id`, m.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Goal
	for rows.Next() {
		var g Goal
		var done, conf db.Time
		if err := rows.Scan(&g.ID, &g.Title, &done, &conf); err != nil {
			return nil, err
		}
		g.DoneAt, g.ConfirmedAt = done.Time, conf.Time
		out = append(out, g)
	}
	return out, rows.Err()
}
