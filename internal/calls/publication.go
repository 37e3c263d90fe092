package calls

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Per-holding publication (decision 0102): a stage's results are computed
// and fixed at its close, and each holding's become public at its own
// publish_at (nil: at the close) — a district may announce its results at
// its own festival's gala. Until then the holding's rows, its part of the
// report and its ties are shown only to the call's organizers and the
// holding's own moderators; its applicants see "in progress", and those
// advanced are told at that time (the outbox holds their messages).

// Published reports whether holding h's results at stage st are public at now.
func (st *Stage) Published(h int64, now time.Time) bool {
	if !st.Closed() {
		return false
	}
	o := st.HostOf(h)
	return o == nil || o.PublishAt == nil || !now.Before(*o.PublishAt)
}

// SetPublication sets when holding's results at a stage become public
// (nil: at the close). The call's organizers and the holding's own
// moderators may, before the stage closes (after it, the advanced have
// been told when).
func (s *Service) SetPublication(ctx context.Context, u *auth.User, callID, stageID, holding int64, at *time.Time) error {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return err
	}
	if err := s.requireHolding(ctx, u, c, holding); err != nil {
		return err
	}
	if st.HostOf(holding) == nil {
		return errs.New(errs.NotFound, "calls.error.no_holding")
	}
	var value any
	if at != nil {
		if !at.After(st.ClosesAt) {
			var fs errs.Fields
			fs.Add("publish_at", "calls.error.publish_before_close")
			return fs.Err()
		}
		value = at.UTC()
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var one int
		// The stage row decides: not once it has closed.
		err := tx.QueryRow(ctx, `UPDATE call_holdings SET publish_at = ? WHERE stage_id = ? AND org_id = ?
			AND EXISTS (SELECT 1 FROM call_stages WHERE id = ? AND closed_at IS NULL) RETURNING 1`, value, stageID, holding, stageID).Scan(&one)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.Conflict, "calls.error.stage_closed")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.holding.publish", TargetType: "call_stage",
			TargetID: strconv.FormatInt(stageID, 10), OrgID: holding, After: map[string]any{"publish_at": value}})
	})
}

// seesHolding reports whether u sees holding h's results before they are
// public: the call's organizers and the holding's moderators.
func (s *Service) seesHolding(ctx context.Context, u *auth.User, c *Call, h int64) bool {
	return u != nil && s.requireHolding(ctx, u, c, h) == nil
}

// ResultsFor is Results as reader u may see them: holdings whose results
// are not public yet are left out (rows, report, ties) unless u is one of
// the call's organizers or the holding's moderators; u's own row too.
func (s *Service) ResultsFor(ctx context.Context, u *auth.User, callID, stageID int64) (*Call, *Stage, []Result, *Report, error) {
	c, st, rs, rep, err := s.Results(ctx, callID, stageID)
	if err != nil {
		return c, st, rs, rep, err
	}
	now := s.DB.Now()
	hidden := map[int64]bool{}
	for _, h := range st.Hosts {
		if !st.Published(h.ID, now) && !s.seesHolding(ctx, u, c, h.ID) {
			hidden[h.ID] = true
		}
	}
	if len(hidden) == 0 {
		return c, st, rs, rep, nil
	}
	var keep []Result
	for _, r := range rs {
		if !hidden[r.HoldingID] {
			keep = append(keep, r)
		}
	}
	out := *rep
	out.Holdings, out.Ties, out.Declined = nil, nil, nil
	for _, h := range rep.Holdings {
		if id, _ := strconv.ParseInt(h.Holding, 10, 64); !hidden[id] {
			out.Holdings = append(out.Holdings, h)
		}
	}
	for _, t := range rep.Ties {
		if id, _ := strconv.ParseInt(t.Holding, 10, 64); !hidden[id] {
			out.Ties = append(out.Ties, t)
		}
	}
	shown := map[string]bool{}
	for _, r := range keep {
		shown[strconv.FormatInt(r.ApplicationID, 10)] = true
	}
	for _, d := range rep.Declined {
		if shown[d] {
			out.Declined = append(out.Declined, d)
		}
	}
	return c, st, keep, &out, nil
}
