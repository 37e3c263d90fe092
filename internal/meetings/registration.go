package meetings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/mail"
)

// Registration is a person's place at a meeting.
type Registration struct {
	Status    string // "registered", "waitlist", or "" for none
	Position  int    // place on the waiting list (1 = next)
	Token     string // personal check-in code
	PresentAt *time.Time
}

// lockMeeting holds the meeting row for the rest of the transaction, so
// that registrations and cancellations of one meeting happen one after
// another on every node (SQLite's single writer does this anyway).
func lockMeeting(ctx context.Context, tx *db.Tx, id int64) (capacity, registered int, closes db.Time, err error) {
	var cancelled db.Time
	capacity, registered, closes, cancelled, err = lockMeetingRow(ctx, tx, id)
	if err == nil && cancelled.Valid {
		err = errs.New(errs.Conflict, "meetings.is_cancelled")
	}
	return
}

func lockMeetingRow(ctx context.Context, tx *db.Tx, id int64) (capacity, registered int, closes, cancelled db.Time, err error) {
	q := "SELECT COALESCE(capacity, 0), registered_count, registration_closes_at, cancelled_at FROM meetings WHERE id = ?" + tx.ForUpdate()
	err = tx.QueryRow(ctx, q, id).Scan(&capacity, &registered, &closes, &cancelled)
	if errors.Is(err, sql.ErrNoRows) {
		err = notFound()
	}
	return
}

// RegisterFor gives u a place, or a place on the waiting list when the
// meeting is full. A second registration is refused.
func (s *Service) RegisterFor(ctx context.Context, u *auth.User, meetingID int64) (*Registration, error) {
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	if err := s.invited(ctx, u, m); err != nil {
		return nil, err
	}
	var reg Registration
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		capacity, registered, closes, err := lockMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if (closes.Valid && !tx.Now.Before(closes.Time)) || !tx.Now.Before(m.EndsAt) {
			return errs.New(errs.Conflict, "meetings.registration_closed")
		}
		reg.Status = "registered"
		if capacity > 0 && registered >= capacity {
			reg.Status = "waitlist"
		}
		reg.Token = randomToken()
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO meeting_registrations (meeting_id, user_id, status, checkin_token, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (meeting_id, user_id) DO NOTHING RETURNING id`,
			meetingID, u.ID, reg.Status, reg.Token, tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "meetings.already_registered")
		}
		if err != nil {
			return err
		}
		if reg.Status == "registered" {
			_, err = tx.Exec(ctx, "UPDATE meetings SET registered_count = registered_count + 1 WHERE id = ?", meetingID)
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_registrations WHERE meeting_id = ? AND status = 'waitlist'
			AND (created_at < ? OR (created_at = ? AND id <= ?))`, meetingID, tx.Now, tx.Now, id).Scan(&reg.Position)
	})
	if err != nil {
		return nil, err
	}
	return &reg, nil
}

// Cancel gives up u's place; the first person on the waiting list moves
// up and is told by email (stored with the change, sent after it).
func (s *Service) Cancel(ctx context.Context, u *auth.User, meetingID int64) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return err
	}
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		queued = nil
		if _, _, _, err := lockMeeting(ctx, tx, meetingID); err != nil {
			return err
		}
		var status string
		err := tx.QueryRow(ctx, "DELETE FROM meeting_registrations WHERE meeting_id = ? AND user_id = ? RETURNING status", meetingID, u.ID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "meetings.not_registered")
		}
		if err != nil {
			return err
		}
		if status != "registered" {
			return nil
		}
		var promoted int64
		err = tx.QueryRow(ctx, `UPDATE meeting_registrations SET status = 'registered' WHERE id =
			(SELECT id FROM meeting_registrations WHERE meeting_id = ? AND status = 'waitlist' ORDER BY created_at, id LIMIT 1)
			RETURNING user_id`, meetingID).Scan(&promoted)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.Exec(ctx, "UPDATE meetings SET registered_count = registered_count - 1 WHERE id = ?", meetingID)
			return err
		}
		if err != nil {
			return err
		}
		queued, err = s.tellPromoted(ctx, tx, m, []int64{promoted})
		return err
	})
	if err != nil {
		return err
	}
	s.sendNow(ctx, queued)
	return nil
}

// tellPromoted stores an email, in their language, for each person who
// moved up from the waiting list of m (as it is after tx).
func (s *Service) tellPromoted(ctx context.Context, tx *db.Tx, m *Meeting, userIDs []int64) ([]int64, error) {
	if s.outbox == nil || len(userIDs) == 0 {
		return nil, nil
	}
	var msgs []mail.Message
	for _, id := range userIDs {
		var email, lang string
		var alive bool
		if err := tx.QueryRow(ctx, "SELECT COALESCE(email, ''), lang, deleted_at IS NULL FROM users WHERE id = ?", id).Scan(&email, &lang, &alive); err != nil {
			return nil, err
		}
		if email == "" || !alive {
			continue
		}
		l, _ := i18n.Parse(lang)
		pr := s.catalog.Printer(l)
		title := m.Title.In(l)
		if l == i18n.KKLatn {
			title = latin(title)
		}
		msgs = append(msgs, mail.Message{To: email, Subject: pr.T("meetings.promoted_subject"),
			Text: pr.T("meetings.promoted_text", "title", title, "when", pr.DateTime(m.StartsAt),
				"link", fmt.Sprintf("%s/%s/meetings/%d", s.baseURL, l, m.ID)) + "\n"})
	}
	return s.queueMail(ctx, tx, m.ID, msgs)
}

// MyRegistration returns u's registration ("" status when none).
func (s *Service) MyRegistration(ctx context.Context, u *auth.User, meetingID int64) (*Registration, error) {
	r, _, err := s.ReaderState(ctx, u, meetingID, nil)
	return r, err
}

// ReaderState returns u's registration ("" status when none) and which of
// the questions ids u upvoted, in one query.
func (s *Service) ReaderState(ctx context.Context, u *auth.User, meetingID int64, questionIDs []int64) (*Registration, []int64, error) {
	var r Registration
	if u == nil {
		return &r, nil, nil
	}
	q := "SELECT 0, id, status, checkin_token, present_at, created_at FROM meeting_registrations WHERE meeting_id = ? AND user_id = ?"
	args := []any{meetingID, u.ID}
	if len(questionIDs) > 0 {
		q += " UNION ALL SELECT 1, question_id, '', '', NULL, NULL FROM meeting_question_votes WHERE user_id = ? AND question_id IN (?" +
			strings.Repeat(", ?", len(questionIDs)-1) + ")"
		args = append(args, u.ID)
		for _, id := range questionIDs {
			args = append(args, id)
		}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("meetings: reader: %w", err)
	}
	defer rows.Close()
	var upvoted []int64
	var regID int64
	var created time.Time
	for rows.Next() {
		var kind int
		var id int64
		var status, token string
		var present db.Time
		var at timeScan
		if err := rows.Scan(&kind, &id, &status, &token, &present, &at); err != nil {
			return nil, nil, fmt.Errorf("meetings: reader: %w", err)
		}
		if kind == 1 {
			upvoted = append(upvoted, id)
			continue
		}
		regID, created = id, time.Time(at)
		r.Status, r.Token, r.PresentAt = status, token, present.Ptr()
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if r.Status == "waitlist" {
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM meeting_registrations WHERE meeting_id = ? AND status = 'waitlist'
			AND (created_at < ? OR (created_at = ? AND id <= ?))`, meetingID, created, created, regID).Scan(&r.Position); err != nil {
			return nil, nil, err
		}
	}
	return &r, upvoted, nil
}

type timeScan time.Time

func (t *timeScan) Scan(v any) error {
	var x db.Time
	if err := x.Scan(v); err != nil {
		return err
	}
	*t = timeScan(x.Time)
	return nil
}

// Attendee is a registered person as the organizer's list shows them.
type Attendee struct {
	UserID    int64
	Name      string
	Status    string
	Member    bool
	PresentAt *time.Time
}

// Attendees lists registrations (organizers), filtered by a name search.
func (s *Service) Attendees(ctx context.Context, u *auth.User, meetingID int64, search string) ([]Attendee, error) {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return nil, err
	}
	q := `SELECT r.user_id, u.name, r.status, r.present_at,
		EXISTS (SELECT 1 FROM memberships ms WHERE ms.org_id = ? AND ms.user_id = r.user_id AND (ms.until IS NULL OR ms.until >= ?))
		FROM meeting_registrations r JOIN users u ON u.id = r.user_id WHERE r.meeting_id = ?`
	args := []any{m.OrgID, today(s.db.Now()), meetingID}
	// The name search compares folded keys (kazakh.Fold): any case, either
	// script, any spelling ("АСАН", "асан", "Asan" find Асан), which SQL's
	// lower() cannot do for Cyrillic on SQLite. A meeting's registrations
	// are few enough to filter here.
	key := kazakh.Fold(strings.TrimSpace(search))
	if key == "" {
		q += " ORDER BY r.status, u.name, r.user_id LIMIT 1000"
	} else {
		q += " ORDER BY r.status, u.name, r.user_id"
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("meetings: attendees: %w", err)
	}
	defer rows.Close()
	var out []Attendee
	for rows.Next() {
		var a Attendee
		var p db.Time
		if err := rows.Scan(&a.UserID, &a.Name, &a.Status, &p, &a.Member); err != nil {
			return nil, err
		}
		if key != "" && (len(out) >= 1000 || !strings.Contains(kazakh.Fold(a.Name), key)) {
			continue
		}
		a.PresentAt = p.Ptr()
		out = append(out, a)
	}
	return out, rows.Err()
}

// MarkPresent records (or undoes) a registered person's presence.
func (s *Service) MarkPresent(ctx context.Context, u *auth.User, meetingID, userID int64, present bool) error {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var at any
		if present {
			at = tx.Now
		}
		res, err := tx.Exec(ctx, "UPDATE meeting_registrations SET present_at = ? WHERE meeting_id = ? AND user_id = ? AND status = 'registered'",
			at, meetingID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var fs errs.Fields
			fs.Add("user_id", "meetings.checkin_not_registered")
			return fs.Err()
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.attendance", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"user_id": userID, "present": present}})
	})
}

// CheckInToken finds whose personal code this is (organizers).
func (s *Service) CheckInToken(ctx context.Context, u *auth.User, meetingID int64, token string) (*Attendee, error) {
	if _, err := s.requireOrganizer(ctx, u, meetingID); err != nil {
		return nil, err
	}
	var a Attendee
	var p db.Time
	err := s.db.QueryRow(ctx, `SELECT r.user_id, u.name, r.status, r.present_at FROM meeting_registrations r JOIN users u ON u.id = r.user_id
		WHERE r.meeting_id = ? AND r.checkin_token = ?`, meetingID, token).Scan(&a.UserID, &a.Name, &a.Status, &p)
	if errors.Is(err, sql.ErrNoRows) {
		var fs errs.Fields
		fs.Add("token", "meetings.checkin_not_registered")
		return nil, fs.Err()
	}
	if err != nil {
		return nil, err
	}
	a.PresentAt = p.Ptr()
	if a.Status != "registered" {
		var fs errs.Fields
		fs.Add("token", "meetings.checkin_not_registered")
		return nil, fs.Err()
	}
	return &a, nil
}

// Quorum is the live count of members present.
type Quorum struct {
	Members, Present, Needed int
	Reached                  bool
}

// QuorumOf counts the organization's members (never minors without
// consent, never deleted people) and those of them marked present.
func (s *Service) QuorumOf(ctx context.Context, m *Meeting) (Quorum, error) {
	var q Quorum
	day := today(s.db.Now())
	err := s.db.QueryRow(ctx, `SELECT
		(SELECT COUNT(DISTINCT ms.user_id) FROM memberships ms JOIN users u ON u.id = ms.user_id
			WHERE ms.org_id = ? AND (ms.until IS NULL OR ms.until >= ?) AND u.deleted_at IS NULL
			AND `+auth.NotLimitedSQL+`),
		(SELECT COUNT(*) FROM meeting_registrations r WHERE r.meeting_id = ? AND r.present_at IS NOT NULL
			AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.org_id = ? AND ms.user_id = r.user_id AND (ms.until IS NULL OR ms.until >= ?)))`,
		m.OrgID, day, auth.AdultCutoff(s.db.Now()), m.ID, m.OrgID, day).Scan(&q.Members, &q.Present)
	if err != nil {
		return q, fmt.Errorf("meetings: quorum: %w", err)
	}
	q.Needed = (q.Members*m.QuorumPct + 99) / 100
	q.Reached = q.Members > 0 && q.Present >= q.Needed
	return q, nil
}

// Since is the count as the live view knows it ("present-members").
func (q Quorum) Since() string { return strconv.Itoa(q.Present) + "-" + strconv.Itoa(q.Members) }
