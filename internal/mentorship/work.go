package mentorship

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/matching"
)

// States of a mentorship.
var States = []string{"proposed", "accepted", "active", "completed", "declined", "cancelled"}

// Mentorship is one mentor and one mentee.
type Mentorship struct {
	ID             int64
	PoolID         int64
	OrgID          int64
	PoolTitle      i18n.Text
	MentorID       int64 // the mentor record
	MentorUserID   int64
	MentorName     string
	MenteeID       int64 // the mentee's account
	MenteeName     string
	RequestID      int64
	RoundID        int64
	GroupID        int64
	GroupTitle     string
	Status         string
	Seat           bool
	Reason         string // why declined or cancelled
	Reasons        []matching.Reason
	Goal           string
	MentorFeedback string
	MenteeFeedback string
	CreatedAt      time.Time
	LastActivityAt time.Time
}

// Role of u in m: "mentor", "mentee" or "".
func (m *Mentorship) Role(u *auth.User) string {
	switch {
	case u == nil:
		return ""
	case u.ID == m.MentorUserID:
		return "mentor"
	case u.ID == m.MenteeID:
		return "mentee"
	}
	return ""
}

// Open reports whether the mentorship still goes on.
func (m *Mentorship) Open() bool {
	return m.Status == "proposed" || m.Status == "accepted" || m.Status == "active"
}

const msCols = `s.id, s.pool_id, p.org_id, p.title_kk, p.title_ru, p.title_en, s.mentor_id, mu.id, mu.name, s.mentee_id, eu.name,
	s.request_id, COALESCE(s.round_id, 0), COALESCE(s.group_id, 0), COALESCE(g.title, ''), s.status, s.seat, s.reason, s.reasons,
	r.goal, s.mentor_feedback, s.mentee_feedback, s.created_at, s.last_activity_at`

const msFrom = ` FROM mentorships s JOIN mentor_pools p ON p.id = s.pool_id JOIN mentors m ON m.id = s.mentor_id
	JOIN users mu ON mu.id = m.user_id JOIN users eu ON eu.id = s.mentee_id JOIN mentor_requests r ON r.id = s.request_id
	LEFT JOIN mentor_groups g ON g.id = s.group_id`

func scanMS(sc scanner) (*Mentorship, error) {
	var m Mentorship
	var reasons string
	var at, act db.Time
	if err := sc.Scan(&m.ID, &m.PoolID, &m.OrgID, &m.PoolTitle.KK, &m.PoolTitle.RU, &m.PoolTitle.EN, &m.MentorID, &m.MentorUserID,
		&m.MentorName, &m.MenteeID, &m.MenteeName, &m.RequestID, &m.RoundID, &m.GroupID, &m.GroupTitle, &m.Status, &m.Seat, &m.Reason,
		&reasons, &m.Goal, &m.MentorFeedback, &m.MenteeFeedback, &at, &act); err != nil {
		return nil, err
	}
	m.Reasons = unJSON[[]matching.Reason](reasons)
	m.CreatedAt, m.LastActivityAt = at.Time, act.Time
	return &m, nil
}

func (s *Service) mentorship(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, id int64) (*Mentorship, error) {
	m, err := scanMS(q.QueryRow(ctx, `SELECT `+msCols+msFrom+` WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("mentorship: get: %w", err)
	}
	return m, nil
}

// Mentorship returns mentorship id to its mentor, its mentee or the
// pool's organizers; anyone else gets 404.
func (s *Service) Mentorship(ctx context.Context, u *auth.User, id int64) (*Mentorship, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	m, err := s.mentorship(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if m.Role(u) == "" {
		if r, err := s.auth.RoleIn(ctx, u, m.OrgID); err != nil || r < auth.Moderator {
			return nil, notFound()
		}
	}
	return m, nil
}

// MentorshipsOf lists u's mentorships (as mentor and as mentee), newest
// first; poolID 0: in every pool.
func (s *Service) MentorshipsOf(ctx context.Context, u *auth.User, poolID int64) ([]*Mentorship, error) {
	if u == nil {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+msCols+msFrom+` WHERE (s.mentee_id = ? OR m.user_id = ?) AND (? = 0 OR s.pool_id = ?)
		ORDER BY s.id DESC LIMIT 200`, u.ID, u.ID, poolID, poolID)
	if err != nil {
		return nil, fmt.Errorf("mentorship: of: %w", err)
	}
	defer rows.Close()
	var out []*Mentorship
	for rows.Next() {
		m, err := scanMS(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// which side may move a mentorship from → to.
var transitions = map[string]map[string][]string{
	"proposed": {"accepted": {"mentor"}, "declined": {"mentor"}, "cancelled": {"mentee", "organizer"}},
	"accepted": {"active": {"mentor", "mentee"}, "completed": {"mentor", "organizer"}, "cancelled": {"mentor", "mentee", "organizer"}},
	"active":   {"completed": {"mentor", "organizer"}, "cancelled": {"mentor", "mentee", "organizer"}},
}

// SetStatus moves mentorship id to status to. Accepting takes one of the
// mentor's seats unless a round already holds one for it: a mentor with no
// free seat is refused (409), however many acceptances come at once.
// Declining or cancelling needs a reason. A declined request goes back to
// the rounds; a cancelled or completed one is closed; both free the seat.
func (s *Service) SetStatus(ctx context.Context, u *auth.User, id int64, to, reason string) (*Mentorship, error) {
	m, err := s.Mentorship(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(States, to) {
		return nil, errs.Fields{{Name: "status", Key: "validation.invalid_choice"}}.Err()
	}
	reason = strings.TrimSpace(reason)
	var fs errs.Fields
	if (to == "declined" || to == "cancelled") && reason == "" {
		fs.Add("reason", "mentorship.error.reason_required")
	}
	checkText(&fs, "reason", reason, 500, false)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	who := m.Role(u)
	allowed := transitions[m.Status][to]
	organizer := false
	if !slices.Contains(allowed, who) && slices.Contains(allowed, "organizer") {
		if r, err := s.auth.RoleIn(ctx, u, m.OrgID); err == nil && r >= auth.Moderator {
			organizer, who = true, "organizer"
		}
	}
	if allowed == nil {
		return nil, errs.New(errs.Conflict, "mentorship.error.transition", "from", m.Status, "to", to)
	}
	if !slices.Contains(allowed, who) {
		return nil, errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	var sent []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		seat := m.Seat
		if to == "accepted" && !m.Seat {
			res, err := tx.Exec(ctx, `UPDATE mentors SET taken = taken + 1 WHERE id = ? AND taken < capacity AND status = 'approved'`, m.MentorID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.New(errs.Conflict, "mentorship.error.full")
			}
			seat = true
		}
		release := seat && (to == "declined" || to == "cancelled" || to == "completed")
		if release {
			seat = false
		}
		res, err := tx.Exec(ctx, `UPDATE mentorships SET status = ?, seat = ?, reason = ?, updated_at = ?, last_activity_at = ?
			WHERE id = ? AND status = ?`, to, seat, reason, tx.Now, tx.Now, m.ID, m.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "mentorship.error.changed")
		}
		if release {
			if _, err := tx.Exec(ctx, `UPDATE mentors SET taken = taken - 1 WHERE id = ?`, m.MentorID); err != nil {
				return err
			}
		}
		req := ""
		switch to {
		case "accepted":
			req = "matched"
		case "declined":
			req = "open"
		case "cancelled", "completed":
			req = "closed"
		}
		if req != "" {
			if _, err := tx.Exec(ctx, `UPDATE mentor_requests SET status = ? WHERE id = ?`, req, m.RequestID); err != nil {
				return err
			}
		}
		switch to {
		case "accepted":
			sent, err = s.notify(ctx, tx, notice(m.ID, m.MenteeID, noticeAccepted))
		case "declined":
			sent, err = s.notify(ctx, tx, notice(m.ID, m.MenteeID, noticeDeclined))
		}
		if err != nil {
			return err
		}
		if organizer {
			return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "mentorship.status", TargetType: "mentorship",
				TargetID: fmt.Sprint(m.ID), OrgID: m.OrgID, Before: m.Status, After: map[string]string{"status": to, "reason": reason}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.send(sent)
	return s.mentorship(ctx, s.db, id)
}

// Session is one logged meeting of a pair.
type Session struct {
	ID        int64
	Day       string // YYYY-MM-DD
	Minutes   int
	Notes     string
	LoggedBy  string
	CreatedAt time.Time
}

// LogSession logs a session of mentorship id; only its mentor or mentee
// may, once it is accepted. The first one makes it active.
func (s *Service) LogSession(ctx context.Context, u *auth.User, id int64, day string, minutes int, notes string) (*Session, error) {
	m, err := s.Mentorship(ctx, u, id) // 404 for strangers
	if err != nil {
		return nil, err
	}
	if m.Role(u) == "" {
		return nil, errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	var fs errs.Fields
	day = strings.TrimSpace(day)
	d, derr := time.ParseInLocation("2006-01-02", day, i18n.Almaty)
	switch {
	case day == "":
		fs.Add("date", "validation.required")
	case derr != nil:
		fs.Add("date", "mentorship.error.date")
	case d.After(s.db.Now().In(i18n.Almaty)):
		fs.Add("date", "mentorship.error.date_future")
	}
	if minutes < 1 || minutes > 600 {
		fs.Add("minutes", "mentorship.error.minutes", "max", 600)
	}
	notes = strings.TrimSpace(notes)
	checkText(&fs, "notes", notes, MaxNotes, false)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	if m.Status != "accepted" && m.Status != "active" {
		return nil, errs.New(errs.Conflict, "mentorship.error.not_started")
	}
	out := &Session{Day: day, Minutes: minutes, Notes: notes, LoggedBy: u.Name}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE mentorships SET status = 'active', last_activity_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('accepted', 'active')`, tx.Now, tx.Now, m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "mentorship.error.not_started")
		}
		out.CreatedAt = tx.Now
		return tx.QueryRow(ctx, `INSERT INTO mentorship_sessions (mentorship_id, day, minutes, notes, logged_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, m.ID, day, minutes, notes, u.ID, tx.Now).Scan(&out.ID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Sessions lists the sessions of m (already read through Mentorship), by date.
func (s *Service) Sessions(ctx context.Context, m *Mentorship) ([]Session, error) {
	rows, err := s.db.Query(ctx, `SELECT x.id, x.day, x.minutes, x.notes, u.name, x.created_at FROM mentorship_sessions x
		JOIN users u ON u.id = x.logged_by WHERE x.mentorship_id = ? ORDER BY x.day DESC, x.id DESC`, m.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		var at db.Time
		if err := rows.Scan(&x.ID, &x.Day, &x.Minutes, &x.Notes, &x.LoggedBy, &at); err != nil {
			return nil, err
		}
		x.CreatedAt = at.Time
		out = append(out, x)
	}
	return out, rows.Err()
}

// Feedback records the mentor's or the mentee's short feedback on a
// completed mentorship.
func (s *Service) Feedback(ctx context.Context, u *auth.User, id int64, text string) error {
	m, err := s.Mentorship(ctx, u, id)
	if err != nil {
		return err
	}
	role := m.Role(u)
	if role == "" {
		return errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	text = strings.TrimSpace(text)
	var fs errs.Fields
	checkText(&fs, "feedback", text, 1000, true)
	if err := fs.Err(); err != nil {
		return err
	}
	if m.Status != "completed" {
		return errs.New(errs.Conflict, "mentorship.error.not_completed")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE mentorships SET `+role+`_feedback = ?, updated_at = ? WHERE id = ?`, text, tx.Now, m.ID)
		return err
	})
}

// Group is a mentor's group of mentees.
type Group struct {
	ID    int64
	Title string
}

// CreateGroup creates a group of the mentor's mentees.
func (s *Service) CreateGroup(ctx context.Context, u *auth.User, mentorID int64, title string) (int64, error) {
	m, err := s.Mentor(ctx, mentorID)
	if err != nil {
		return 0, err
	}
	if u == nil || m.UserID != u.ID {
		return 0, errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	title = strings.TrimSpace(title)
	var fs errs.Fields
	checkText(&fs, "title", title, 100, true)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO mentor_groups (mentor_id, title, created_at) VALUES (?, ?, ?) RETURNING id`,
			m.ID, title, tx.Now).Scan(&id)
	})
	return id, err
}

// Groups lists a mentor's groups.
func (s *Service) Groups(ctx context.Context, mentorID int64) ([]Group, error) {
	rows, err := s.db.Query(ctx, `SELECT id, title FROM mentor_groups WHERE mentor_id = ? ORDER BY id`, mentorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.Title); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// SetGroup puts mentorship id into the mentor's group groupID (0: none).
func (s *Service) SetGroup(ctx context.Context, u *auth.User, id, groupID int64) error {
	m, err := s.Mentorship(ctx, u, id)
	if err != nil {
		return err
	}
	if m.Role(u) != "mentor" {
		return errs.New(errs.Forbidden, "mentorship.error.not_yours")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if groupID != 0 {
			ok, err := tx.Exists(ctx, `SELECT 1 FROM mentor_groups WHERE id = ? AND mentor_id = ?`, groupID, m.MentorID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.Fields{{Name: "group", Key: "validation.invalid_choice"}}.Err()
			}
		}
		_, err := tx.Exec(ctx, `UPDATE mentorships SET group_id = ? WHERE id = ?`, db.NullID(groupID), m.ID)
		return err
	})
}
