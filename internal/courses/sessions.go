package courses

import (
	"context"
	"fmt"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// enrolledIDs are the people holding a seat (enrolled or offered).
func enrolledIDs(ctx context.Context, tx *db.Tx, courseID int64) ([]int64, error) {
	return db.ScanIDs(tx.Query(ctx, "SELECT user_id FROM course_enrolments WHERE course_id = ? AND status IN ('enrolled', 'offered') ORDER BY id", courseID))
}

// MoveSession gives a session a new start and length (its teachers and
// organizers); the enrolled are told.
func (s *Service) MoveSession(ctx context.Context, u *auth.User, sessionID int64, startsAt time.Time, minutes int) error {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return err
	}
	var fs errs.Fields
	if startsAt.IsZero() {
		fs.Add("starts_at", "validation.invalid_datetime")
	}
	if minutes == 0 {
		minutes = int(se.EndsAt.Sub(se.StartsAt) / time.Minute)
	}
	if minutes < 10 || minutes > 12*60 {
		fs.Add("minutes", "courses.invalid_minutes")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	if se.CancelledAt != nil {
		return errs.New(errs.Conflict, "courses.session_cancelled")
	}
	ends := startsAt.Add(time.Duration(minutes) * time.Minute)
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE course_sessions SET starts_at = ?, ends_at = ?, reminded_at = NULL WHERE id = ?", startsAt, ends, sessionID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE courses SET ends_at = (SELECT MAX(ends_at) FROM course_sessions WHERE course_id = ?),
			sheet_version = sheet_version + 1 WHERE id = ?`, c.ID, c.ID); err != nil {
			return err
		}
		if err := recordAudit(ctx, tx, u.ID, "courses.session_move", c.ID, c.OrgID,
			map[string]any{"session_id": sessionID, "starts_at": se.StartsAt}, map[string]any{"session_id": sessionID, "starts_at": startsAt}); err != nil {
			return err
		}
		ids, err := enrolledIDs(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		queued, err = s.tell(ctx, tx, ids, c, "courses.msg.moved_subject", "courses.msg.moved_text",
			func(pr *i18n.Printer) []any {
				return []any{"was", pr.DateTime(se.StartsAt), "when", pr.DateTime(startsAt)}
			})
		return err
	})
	if err != nil {
		return err
	}
	s.send(queued)
	return nil
}

// CancelSession calls a session off (its teachers and organizers); the
// enrolled are told. It no longer counts for completion.
func (s *Service) CancelSession(ctx context.Context, u *auth.User, sessionID int64) error {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return err
	}
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE course_sessions SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL", tx.Now, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "courses.session_cancelled")
		}
		if err := bumpSheet(ctx, tx, c.ID); err != nil {
			return err
		}
		if err := recordAudit(ctx, tx, u.ID, "courses.session_cancel", c.ID, c.OrgID, nil,
			map[string]any{"session_id": sessionID, "starts_at": se.StartsAt}); err != nil {
			return err
		}
		ids, err := enrolledIDs(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		queued, err = s.tell(ctx, tx, ids, c, "courses.msg.cancelled_subject", "courses.msg.cancelled_text",
			func(pr *i18n.Printer) []any { return []any{"when", pr.DateTime(se.StartsAt)} })
		return err
	})
	if err != nil {
		return err
	}
	s.send(queued)
	return nil
}

// RemindAhead is how long before a session its reminders go out unless
// the course says otherwise (Course.RemindHours).
const RemindAhead = DefaultRemindHours * time.Hour

// maxRemindAhead is the longest a course may remind ahead (a week).
const maxRemindAhead = 168 * time.Hour

// SendReminders tells the enrolled who asked for reminders about their
// sessions starting within their course's RemindHours; each session is
// reminded once (a node claims it by setting reminded_at). It returns how
// many messages.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.db.Now()
	rows, err := s.db.Query(ctx, `SELECT s.id, s.starts_at, c.remind_hours FROM course_sessions s JOIN courses c ON c.id = s.course_id
		WHERE s.reminded_at IS NULL AND s.cancelled_at IS NULL AND c.remind_hours > 0
		AND s.starts_at > ? AND s.starts_at <= ? ORDER BY s.starts_at`, now, now.Add(maxRemindAhead))
	if err != nil {
		return 0, fmt.Errorf("courses: reminders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var starts db.Time
		var hours int
		if err := rows.Scan(&id, &starts, &hours); err != nil {
			rows.Close()
			return 0, err
		}
		if !starts.Time.After(now.Add(time.Duration(hours) * time.Hour)) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		se, c, err := s.session(ctx, id)
		if err != nil {
			return total, err
		}
		var queued []int64
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, "UPDATE course_sessions SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", tx.Now, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another node took it
			}
			people, err := db.ScanIDs(tx.Query(ctx, "SELECT user_id FROM course_enrolments WHERE course_id = ? AND status = 'enrolled' AND reminders = TRUE ORDER BY id", c.ID))
			if err != nil {
				return err
			}
			where := c.Place // those reminded hold a seat: they may have the online link
			if where == "" {
				where = c.OnlineURL
			}
			queued, err = s.tell(ctx, tx, people, c, "courses.msg.reminder_subject", "courses.msg.reminder_text",
				func(pr *i18n.Printer) []any { return []any{"when", pr.DateTime(se.StartsAt), "place", where} })
			return err
		})
		if err != nil {
			return total, err
		}
		total += len(queued)
		s.send(queued)
	}
	return total, nil
}

// Step is one turn of the background work: expired offers pass on,
// reminders go out.
func (s *Service) Step(ctx context.Context) error {
	if _, err := s.ExpireOffers(ctx); err != nil {
		return err
	}
	_, err := s.SendReminders(ctx)
	return err
}

// Run does Step every minute until ctx ends (every node may run it: the
// rows it changes are claimed in transactions).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("courses: background step", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// IssueCertificates issues certificates through awards to the people who
// completed the course and have none from it yet (its organizers). It
// returns how many were issued.
func (s *Service) IssueCertificates(ctx context.Context, u *auth.User, courseID int64) (int, error) {
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	if s.awards == nil {
		return 0, errs.New(errs.Conflict, "courses.no_awards")
	}
	sh, err := s.sheet(ctx, c)
	if err != nil {
		return 0, err
	}
	var done []int64
	for _, r := range sh.Rows {
		if r.Completed {
			done = append(done, r.ID)
		}
	}
	if len(done) == 0 {
		return 0, errs.New(errs.Conflict, "courses.nobody_completed")
	}
	// Claim first: a second click (or node) finds them claimed.
	var claimed []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		claimed = nil
		for _, id := range done {
			var got int64
			err := tx.QueryRow(ctx, `INSERT INTO course_certificates (course_id, user_id, issued_at) VALUES (?, ?, ?)
				ON CONFLICT (course_id, user_id) DO NOTHING RETURNING user_id`, c.ID, id, tx.Now).Scan(&got)
			if err == nil {
				claimed = append(claimed, got)
			} else if !isNoRows(err) {
				return err
			}
		}
		if len(claimed) == 0 {
			return errs.New(errs.Conflict, "courses.certificates_already")
		}
		return recordAudit(ctx, tx, u.ID, "courses.certificates", c.ID, c.OrgID, nil, map[string]any{"people": claimed})
	})
	if err != nil {
		return 0, err
	}
	b := awards.Batch{OrgID: c.OrgID, Kind: certificate.Certificate, CourseID: c.ID,
		Title: certificate.Text{KK: c.Title.KK, RU: c.Title.RU, EN: c.Title.EN}}
	for _, id := range claimed {
		b.Recipients = append(b.Recipients, awards.Recipient{PersonID: id})
	}
	issued, err := s.awards.IssueTrusted(ctx, b)
	if err != nil {
		// Give the claims back, so that the organizer can try again.
		_ = s.db.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM course_certificates WHERE course_id = ? AND code = '' AND user_id IN ("+db.Placeholders(len(claimed))+")",
				append([]any{c.ID}, db.Args(claimed)...)...)
			return err
		})
		return 0, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if len(issued) != len(claimed) {
			return nil // awards left some out: the codes cannot be matched to people
		}
		for i, is := range issued {
			{
				if _, err := tx.Exec(ctx, "UPDATE course_certificates SET code = ? WHERE course_id = ? AND user_id = ?", is.Code, c.ID, claimed[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return len(issued), err
}

// Certified returns the people of a course with a certificate and its code.
func (s *Service) Certified(ctx context.Context, courseID int64) (map[int64]string, error) {
	rows, err := s.db.Query(ctx, "SELECT user_id, code FROM course_certificates WHERE course_id = ?", courseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		out[id] = code
	}
	return out, rows.Err()
}
