package proposals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/programmes"
)

// SupportResult is the state after a support or a withdrawal.
type SupportResult struct {
	Supported    bool `json:"supported"`
	SupportCount int  `json:"support_count"`
	Changed      bool `json:"-"`
}

// Support adds (on) or withdraws u's support. Both are idempotent: the
// primary key (proposal, person) allows one support, and the count moves
// in the same transaction only when a row was really added or removed.
// Refused outside the collecting phase, for ineligible people and for
// hidden or merged proposals.
//
// A new support is three statements in one transaction: the proposal's
// row is locked, counted up and read in one UPDATE … RETURNING (its
// programme, whose rules come from the programmes cache, and whether it is
// open); the support row is inserted with ON CONFLICT DO NOTHING; only
// when nothing was inserted (a repeated support) is the count put back.
// The row lock comes first, as in Merge, so supports, withdrawals and a
// merge of one proposal take turns and never wait for each other in a
// circle.
func (s *Service) Support(ctx context.Context, u *auth.User, id int64, on bool) (SupportResult, error) {
	var res SupportResult
	if u == nil {
		return res, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return res, errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	delta := 1
	if !on {
		delta = 0 // a withdrawal counts down only after a row was really deleted
	}
	var batch notify.Batch
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		res = SupportResult{Supported: on}
		var programmeID, authorID, merged int64
		var title string
		var hidden bool
		var count int
		err := tx.QueryRow(ctx, `UPDATE proposals SET support_count = support_count + ? WHERE id = ?
			RETURNING support_count, programme_id, author_id, title, hidden, COALESCE(merged_into, 0)`, delta, id).
			Scan(&count, &programmeID, &authorID, &title, &hidden, &merged)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "error.404.text")
		}
		if err != nil {
			return fmt.Errorf("proposals: support: %w", err)
		}
		p, err := s.Programmes.CachedTx(ctx, tx, programmeID)
		if err != nil {
			return err
		}
		if err := s.Programmes.CanTakePart(u, p, tx.Now); err != nil {
			return err
		}
		if err := programmes.RequirePhase(p, "proposals", tx.Now); err != nil {
			return err
		}
		if hidden || merged != 0 {
			return errs.New(errs.Conflict, "proposals.closed_for_support")
		}
		var changed int64
		if on {
			err = tx.QueryRow(ctx, `INSERT INTO proposal_supports (proposal_id, user_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING proposal_id`, id, u.ID, tx.Now).Scan(&changed)
		} else {
			err = tx.QueryRow(ctx, "DELETE FROM proposal_supports WHERE proposal_id = ? AND user_id = ? RETURNING proposal_id", id, u.ID).Scan(&changed)
		}
		switch {
		case errors.Is(err, sql.ErrNoRows) && on:
			// Supported already: the optimistic count goes back.
			if _, err := tx.Exec(ctx, "UPDATE proposals SET support_count = support_count - 1 WHERE id = ?", id); err != nil {
				return err
			}
			res.SupportCount = count - 1
			return nil
		case errors.Is(err, sql.ErrNoRows):
			res.SupportCount = count // not supported: nothing to withdraw
			return nil
		case err != nil:
			return fmt.Errorf("proposals: support: %w", err)
		}
		res.Changed = true
		res.SupportCount = count
		if !on {
			if err := tx.QueryRow(ctx, "UPDATE proposals SET support_count = support_count - 1 WHERE id = ? RETURNING support_count",
				id).Scan(&res.SupportCount); err != nil {
				return err
			}
		}
		if on && slices.Contains(Milestones, res.SupportCount) {
			return s.Notify.Add(ctx, tx, &batch, []int64{authorID}, 0, "support_milestone",
				map[string]string{"title": title, "count": strconv.Itoa(res.SupportCount)}, "/proposals/"+strconv.FormatInt(id, 10))
		}
		return nil
	})
	if err != nil {
		return SupportResult{}, err
	}
	s.Notify.Send(&batch)
	return res, nil
}

// Viewer is what one signed-in person has done with a proposal.
type Viewer struct {
	Supports  bool
	Following bool
}

// ViewerOf reports, in one query, whether u supports and follows
// proposal id (the zero Viewer for guests, without a query).
func (s *Service) ViewerOf(ctx context.Context, u *auth.User, id int64) (Viewer, error) {
	var v Viewer
	if u == nil {
		return v, nil
	}
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM proposal_supports WHERE proposal_id = ? AND user_id = ?),
		EXISTS (SELECT 1 FROM proposal_follows WHERE proposal_id = ? AND user_id = ?)`, id, u.ID, id, u.ID).Scan(&v.Supports, &v.Following)
	return v, err
}

// Follow starts (on) or stops following a proposal: its answer and its
// place on the roadmap are then notified.
func (s *Service) Follow(ctx context.Context, u *auth.User, id int64, on bool) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if on {
			_, err = tx.Exec(ctx, `INSERT INTO proposal_follows (proposal_id, user_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT (proposal_id, user_id) DO NOTHING`, id, u.ID, tx.Now)
		} else {
			_, err = tx.Exec(ctx, "DELETE FROM proposal_follows WHERE proposal_id = ? AND user_id = ?", id, u.ID)
		}
		return err
	})
}

// Followers returns the people following a proposal (inside tx).
func Followers(ctx context.Context, tx *db.Tx, id int64) ([]int64, error) {
	rows, err := tx.Query(ctx, "SELECT user_id FROM proposal_follows WHERE proposal_id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return nil, err
		}
		out = append(out, uid)
	}
	return out, rows.Err()
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
