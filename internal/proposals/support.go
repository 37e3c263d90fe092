package proposals

import (
	"context"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
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
// Supports are written by group commit (support_batch.go): the requests
// that arrive while a transaction commits are written together in the
// next one, and each caller is answered after its transaction committed,
// with the count as its own change left it.
func (s *Service) Support(ctx context.Context, u *auth.User, id int64, on bool) (SupportResult, error) {
	if u == nil {
		return SupportResult{}, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return SupportResult{}, errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	return s.supports.Do(ctx, supportReq{u: u, id: id, on: on})
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
	return db.ScanIDs(tx.Query(ctx, "SELECT user_id FROM proposal_follows WHERE proposal_id = ?", id))
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
