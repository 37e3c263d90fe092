// Package meetings holds meetings of organizations: what, when (in
// Kazakhstan time), where or online, who is invited; the agenda;
// registration with a capacity and a waiting list that moves up by
// itself; attendance with a personal QR code at the door and a live
// quorum; questions with upvotes and answers; minutes and decisions, voted
// by counts entered after a show of hands or online among the members
// present; minutes as PDF, .ics files and a calendar feed.
package meetings

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Kinds, formats, invitations.
var (
	Kinds   = []string{"report", "conference", "council", "public", "qa", "other"}
	Formats = []string{"in_person", "online", "hybrid"}
	Invites = []string{"members", "subtree", "anyone"}
)

// Meeting is one meeting.
type Meeting struct {
	ID                   int64
	OrgID                int64
	OrgName              i18n.Text
	OrgPath              string
	ProgrammeID          int64
	Kind, Format         string
	Title                i18n.Text
	Description          string
	Address, OnlineURL   string
	StartsAt, EndsAt     time.Time
	Invite               string
	Capacity             int // 0: no limit
	Registered           int
	RegistrationClosesAt *time.Time
	QuorumPct            int
	MinutesApprovedAt    *time.Time
	CancelledAt          *time.Time // called off: no registration, no questions
	CancelReason         string
}

// Service is the meetings service.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	outbox  *outbox.Box // mail about meetings; nil: none is sent
	catalog *i18n.Catalog
	log     *slog.Logger
	baseURL string

	elections Elections // elections held at meetings; nil: none are shown
}

// Deps are what the meetings service needs.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Outbox  *outbox.Box // mail about meetings; nil: none is sent
	Catalog *i18n.Catalog
	Log     *slog.Logger
	BaseURL string
	// Elections lists the elections held at a meeting on its page (the
	// elections component); nil: none are shown.
	Elections Elections
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{db: d.DB, auth: d.Auth, outbox: d.Outbox, catalog: d.Catalog, log: d.Log,
		baseURL: strings.TrimSuffix(d.BaseURL, "/"), elections: d.Elections}
}

func notFound() error { return errs.New(errs.NotFound, "error.404.text") }

func today(now time.Time) string { return now.In(i18n.Almaty).Format("2006-01-02") }

func randomToken() string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewMeeting is what an organizer gives.
type NewMeeting struct {
	OrgID                int64
	ProgrammeID          int64
	Kind, Format         string
	Title                i18n.Text
	Description          string
	Address, OnlineURL   string
	StartsAt, EndsAt     time.Time
	Invite               string
	Capacity             int
	RegistrationClosesAt *time.Time
	QuorumPct            int
}

func checkText(fs *errs.Fields, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		fs.Add(field, "validation.required")
	case !utf8.ValidString(s):
		fs.Add(field, "validation.invalid_utf8")
	case utf8.RuneCountInString(s) > max:
		fs.Add(field, "validation.too_long", "max", max)
	}
}

func (in *NewMeeting) validate() error {
	var fs errs.Fields
	in.Title = in.Title.Trim()
	if in.Title.Empty() {
		fs.Add("title", "validation.required")
	}
	for _, s := range []string{in.Title.KK, in.Title.RU, in.Title.EN} {
		checkText(&fs, "title", s, 200, false)
	}
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if !slices.Contains(Kinds, in.Kind) {
		fs.Add("kind", "validation.invalid_choice")
	}
	if !slices.Contains(Formats, in.Format) {
		fs.Add("format", "validation.invalid_choice")
	}
	if !slices.Contains(Invites, in.Invite) {
		fs.Add("invite", "validation.invalid_choice")
	}
	checkText(&fs, "description", in.Description, 10000, false)
	checkText(&fs, "address", in.Address, 300, in.Format != "online")
	if in.Format != "in_person" {
		u, err := url.Parse(strings.TrimSpace(in.OnlineURL))
		if in.OnlineURL == "" {
			fs.Add("online_url", "validation.required")
		} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.OnlineURL) > 500 {
			fs.Add("online_url", "meetings.invalid_url")
		}
	}
	if in.StartsAt.IsZero() {
		fs.Add("starts_at", "validation.invalid_datetime")
	}
	if in.EndsAt.IsZero() {
		fs.Add("ends_at", "validation.invalid_datetime")
	} else if in.EndsAt.Before(in.StartsAt) {
		fs.Add("ends_at", "meetings.ends_before_start")
	}
	if in.Capacity < 0 || in.Capacity > 100000 {
		fs.Add("capacity", "meetings.invalid_capacity")
	}
	if in.QuorumPct < 0 || in.QuorumPct > 100 {
		fs.Add("quorum", "meetings.invalid_quorum")
	}
	if in.ProgrammeID < 0 {
		fs.Add("programme_id", "meetings.no_such_programme")
	}
	return fs.Err()
}

// checkRefs checks that the organization and, when one is given, the
// programme exist.
func checkRefs(ctx context.Context, tx *db.Tx, in *NewMeeting) error {
	var fs errs.Fields
	ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ? AND archived_at IS NULL", in.OrgID)
	if err != nil {
		return err
	}
	if !ok {
		fs.Add("organization_id", "meetings.no_such_org")
	}
	if in.ProgrammeID != 0 {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM programmes WHERE id = ?", in.ProgrammeID)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add("programme_id", "meetings.no_such_programme")
		}
	}
	return fs.Err()
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// Create makes a meeting; moderators and admins of the organization
// organize its meetings.
func (s *Service) Create(ctx context.Context, u *auth.User, in NewMeeting) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, u, in.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := checkRefs(ctx, tx, &in); err != nil {
			return err
		}
		var capacity any
		if in.Capacity > 0 {
			capacity = in.Capacity
		}
		err := tx.QueryRow(ctx, `INSERT INTO meetings (org_id, programme_id, kind, format, title_kk, title_ru, title_en, description, address,
			online_url, starts_at, ends_at, invite, capacity, registration_closes_at, quorum_pct, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, nullInt(in.ProgrammeID), in.Kind, in.Format, in.Title.KK, in.Title.RU, in.Title.EN, in.Description, in.Address,
			strings.TrimSpace(in.OnlineURL), in.StartsAt.UTC(), in.EndsAt.UTC(), in.Invite, capacity, db.NullTime(in.RegistrationClosesAt),
			in.QuorumPct, u.ID, tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.create", TargetType: "meeting",
			TargetID: strconv.FormatInt(id, 10), OrgID: in.OrgID, After: map[string]any{"title": in.Title, "kind": in.Kind,
				"starts_at": in.StartsAt.UTC(), "invite": in.Invite, "capacity": in.Capacity}})
	})
	if err != nil {
		return 0, fmt.Errorf("meetings: create: %w", err)
	}
	return id, nil
}

const meetingColumns = `m.id, m.org_id, o.name_kk, o.name_ru, o.name_en, o.path, COALESCE(m.programme_id, 0), m.kind, m.format,
	m.title_kk, m.title_ru, m.title_en, m.description, m.address, m.online_url, m.starts_at, m.ends_at, m.invite,
	COALESCE(m.capacity, 0), m.registered_count, m.registration_closes_at, m.quorum_pct, m.minutes_approved_at,
	m.cancelled_at, m.cancel_reason`

type scanner interface{ Scan(...any) error }

func scanMeeting(r scanner) (*Meeting, error) {
	var m Meeting
	var st, en, rc, ap, ca db.Time
	err := r.Scan(&m.ID, &m.OrgID, &m.OrgName.KK, &m.OrgName.RU, &m.OrgName.EN, &m.OrgPath, &m.ProgrammeID, &m.Kind, &m.Format,
		&m.Title.KK, &m.Title.RU, &m.Title.EN, &m.Description, &m.Address, &m.OnlineURL, &st, &en, &m.Invite,
		&m.Capacity, &m.Registered, &rc, &m.QuorumPct, &ap, &ca, &m.CancelReason)
	if err != nil {
		return nil, err
	}
	m.StartsAt, m.EndsAt, m.RegistrationClosesAt, m.MinutesApprovedAt, m.CancelledAt = st.Time, en.Time, rc.Ptr(), ap.Ptr(), ca.Ptr()
	return &m, nil
}

// Get returns a meeting. Meetings are public.
func (s *Service) Get(ctx context.Context, id int64) (*Meeting, error) {
	m, err := scanMeeting(s.db.QueryRow(ctx, "SELECT "+meetingColumns+" FROM meetings m JOIN organizations o ON o.id = m.org_id WHERE m.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("meetings: get %d: %w", id, err)
	}
	return m, nil
}

// List returns meetings starting at or after from, in order, after the
// keyset (startsAfter, idAfter); orgID 0: all organizations.
func (s *Service) List(ctx context.Context, orgID int64, from time.Time, afterStart time.Time, afterID int64, limit int) ([]*Meeting, error) {
	q := "SELECT " + meetingColumns + " FROM meetings m JOIN organizations o ON o.id = m.org_id WHERE m.ends_at >= ?"
	args := []any{from.UTC()}
	if orgID != 0 {
		q += " AND m.org_id = ?"
		args = append(args, orgID)
	}
	if afterID != 0 {
		q += " AND m.starts_at >= ? AND (m.starts_at > ? OR m.id > ?)"
		args = append(args, afterStart.UTC(), afterStart.UTC(), afterID)
	}
	q += " ORDER BY m.starts_at, m.id LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("meetings: list: %w", err)
	}
	defer rows.Close()
	var out []*Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Past returns meetings that ended before before, the latest first, after
// the keyset (startsBefore, idBefore); orgID 0: all organizations. Their
// minutes and results are what members look for.
func (s *Service) Past(ctx context.Context, orgID int64, before time.Time, startsBefore time.Time, idBefore int64, limit int) ([]*Meeting, error) {
	q := "SELECT " + meetingColumns + " FROM meetings m JOIN organizations o ON o.id = m.org_id WHERE m.ends_at < ?"
	args := []any{before.UTC()}
	if orgID != 0 {
		q += " AND m.org_id = ?"
		args = append(args, orgID)
	}
	if idBefore != 0 {
		q += " AND (m.starts_at < ? OR (m.starts_at = ? AND m.id < ?))"
		args = append(args, startsBefore.UTC(), startsBefore.UTC(), idBefore)
	}
	q += " ORDER BY m.starts_at DESC, m.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("meetings: past: %w", err)
	}
	defer rows.Close()
	var out []*Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OfOrg returns up to n of an organization's coming meetings (ending at or
// after edge, soonest first) and up to n past ones (latest first), in one
// statement: an organization's page lists both.
func (s *Service) OfOrg(ctx context.Context, orgID int64, edge time.Time, n int) (coming, past []*Meeting, err error) {
	q := "SELECT * FROM (SELECT " + meetingColumns + " FROM meetings m JOIN organizations o ON o.id = m.org_id" +
		" WHERE m.org_id = ? AND m.ends_at >= ? ORDER BY m.starts_at, m.id LIMIT ?) coming UNION ALL SELECT * FROM (SELECT " +
		meetingColumns + " FROM meetings m JOIN organizations o ON o.id = m.org_id" +
		" WHERE m.org_id = ? AND m.ends_at < ? ORDER BY m.starts_at DESC, m.id DESC LIMIT ?) past"
	rows, err := s.db.Query(ctx, q, orgID, edge.UTC(), n, orgID, edge.UTC(), n)
	if err != nil {
		return nil, nil, fmt.Errorf("meetings: of org: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, nil, err
		}
		if m.EndsAt.Before(edge) {
			past = append(past, m)
		} else {
			coming = append(coming, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// UNION ALL keeps no order of its own: order each part here.
	sort.Slice(coming, func(i, j int) bool {
		return coming[i].StartsAt.Before(coming[j].StartsAt) || (coming[i].StartsAt.Equal(coming[j].StartsAt) && coming[i].ID < coming[j].ID)
	})
	sort.Slice(past, func(i, j int) bool {
		return past[i].StartsAt.After(past[j].StartsAt) || (past[i].StartsAt.Equal(past[j].StartsAt) && past[i].ID > past[j].ID)
	})
	return coming, past, nil
}

// IsOrganizer reports whether u organizes meetings of the organization.
func (s *Service) IsOrganizer(ctx context.Context, u *auth.User, m *Meeting) (bool, error) {
	if u == nil {
		return false, nil
	}
	r, err := s.auth.RoleIn(ctx, u, m.OrgID)
	return r >= auth.Moderator, err
}

func (s *Service) requireOrganizer(ctx context.Context, u *auth.User, meetingID int64) (*Meeting, error) {
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, u, m.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	return m, nil
}

// MayAttend reports whether u may attend the meeting: its organizers and
// those invited. Only they see how to join it online (the link).
func (s *Service) MayAttend(ctx context.Context, u *auth.User, m *Meeting) (bool, error) {
	if u == nil || u.Deleted {
		return false, nil
	}
	if org, err := s.IsOrganizer(ctx, u, m); err != nil || org {
		return org, err
	}
	err := s.invited(ctx, u, m)
	if err == nil {
		return true, nil
	}
	switch errs.CodeOf(err) {
	case errs.Unauthorized, errs.Forbidden, errs.ConsentRequired:
		return false, nil
	}
	return false, err
}

// ForReader returns the meeting as u may see it: without the link to join
// online unless u may attend.
func (s *Service) ForReader(ctx context.Context, u *auth.User, m *Meeting) (*Meeting, error) {
	ok, err := s.MayAttend(ctx, u, m)
	if err != nil || ok {
		return m, err
	}
	c := *m
	c.OnlineURL = ""
	return &c, nil
}

// Who sees the names of those who ask questions: as with the member list
// of the organization (orgs.CanSeeMembers), its members and its officers;
// officers see people who hide their name from lists too. Guests and other
// people see the questions without names.
const (
	NamesNone    = 0
	NamesMembers = 1
	NamesAll     = 2
)

// NamesFor says which askers' names u sees at the meeting.
func (s *Service) NamesFor(ctx context.Context, u *auth.User, m *Meeting) (int, error) {
	if u == nil || u.Deleted {
		return NamesNone, nil
	}
	r, err := s.auth.RoleIn(ctx, u, m.OrgID)
	switch {
	case err != nil:
		return NamesNone, err
	case r >= auth.Moderator:
		return NamesAll, nil
	case r >= auth.Member:
		return NamesMembers, nil
	}
	return NamesNone, nil
}

// invited checks that u may take part: a signed-in person (with a
// guardian's consent when a minor) who is invited.
func (s *Service) invited(ctx context.Context, u *auth.User, m *Meeting) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "auth.consent_required")
	}
	switch m.Invite {
	case "anyone":
		return nil
	case "members":
		r, err := s.auth.RoleIn(ctx, u, m.OrgID)
		if err != nil {
			return err
		}
		if r >= auth.Member {
			return nil
		}
	case "subtree":
		r, err := s.auth.RoleIn(ctx, u, m.OrgID)
		if err != nil {
			return err
		}
		if r >= auth.Member {
			return nil
		}
		var ok bool
		err = s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships ms JOIN organizations o ON o.id = ms.org_id
			WHERE ms.user_id = ? AND substr(o.path, 1, length(?)) = ? AND (ms.until IS NULL OR ms.until >= ?))`,
			u.ID, m.OrgPath, m.OrgPath, today(s.db.Now())).Scan(&ok)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return errs.New(errs.Forbidden, "meetings.not_invited")
}

// --- agenda

// Item is an agenda item.
type Item struct {
	ID          int64
	Position    int
	Title       string
	Presenter   string
	DurationMin int
	Attachments []string // links, one per line as entered
	Minutes     string
}

// Agenda returns the meeting's items in order.
func (s *Service) Agenda(ctx context.Context, meetingID int64) ([]Item, error) {
	rows, err := s.db.Query(ctx, `SELECT id, position, title, presenter, duration_min, attachments, minutes
		FROM meeting_agenda_items WHERE meeting_id = ? ORDER BY position, id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("meetings: agenda: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var att string
		if err := rows.Scan(&it.ID, &it.Position, &it.Title, &it.Presenter, &it.DurationMin, &att, &it.Minutes); err != nil {
			return nil, err
		}
		for _, l := range strings.Split(att, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				it.Attachments = append(it.Attachments, l)
			}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// NewItem is a new agenda item.
type NewItem struct {
	Title, Presenter, Attachments string
	DurationMin                   int
}

func (in *NewItem) validate() error {
	var fs errs.Fields
	checkText(&fs, "title", in.Title, 300, true)
	checkText(&fs, "presenter", in.Presenter, 200, false)
	checkText(&fs, "attachments", in.Attachments, 2000, false)
	for _, l := range strings.Split(in.Attachments, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if u, err := url.Parse(l); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				fs.Add("attachments", "meetings.invalid_url")
				break
			}
		}
	}
	if in.DurationMin < 0 || in.DurationMin > 24*60 {
		fs.Add("duration_min", "meetings.invalid_duration")
	}
	return fs.Err()
}

// AddItem appends an item to the agenda.
func (s *Service) AddItem(ctx context.Context, u *auth.User, meetingID int64, in NewItem) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, err
	}
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO meeting_agenda_items (meeting_id, position, title, presenter, duration_min, attachments)
			VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM meeting_agenda_items WHERE meeting_id = ?), ?, ?, ?, ?) RETURNING id`,
			meetingID, meetingID, strings.TrimSpace(in.Title), strings.TrimSpace(in.Presenter), in.DurationMin, strings.TrimSpace(in.Attachments)).Scan(&id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.agenda_add", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"item": id, "title": in.Title}})
	})
	return id, err
}

// MoveItem moves an item one place up (dir < 0) or down, before the
// meeting starts.
func (s *Service) MoveItem(ctx context.Context, u *auth.User, meetingID, itemID int64, dir int) error {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if !tx.Now.Before(m.StartsAt) {
			return errs.New(errs.Conflict, "meetings.agenda_fixed")
		}
		var pos int
		err := tx.QueryRow(ctx, "SELECT position FROM meeting_agenda_items WHERE id = ? AND meeting_id = ?", itemID, meetingID).Scan(&pos)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		q := "SELECT id, position FROM meeting_agenda_items WHERE meeting_id = ? AND position < ? ORDER BY position DESC LIMIT 1"
		if dir > 0 {
			q = "SELECT id, position FROM meeting_agenda_items WHERE meeting_id = ? AND position > ? ORDER BY position LIMIT 1"
		}
		var other int64
		var opos int
		err = tx.QueryRow(ctx, q, meetingID, pos).Scan(&other, &opos)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already first or last
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE meeting_agenda_items SET position = ? WHERE id = ?", opos, itemID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE meeting_agenda_items SET position = ? WHERE id = ?", pos, other); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.agenda_move", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, Before: map[string]any{"item": itemID, "position": pos},
			After: map[string]any{"item": itemID, "position": opos}})
	})
}

// SetMinutes records the minutes of an agenda item (until approved).
func (s *Service) SetMinutes(ctx context.Context, u *auth.User, meetingID, itemID int64, text string) error {
	var fs errs.Fields
	checkText(&fs, "minutes", text, 20000, false)
	if err := fs.Err(); err != nil {
		return err
	}
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	if m.MinutesApprovedAt != nil {
		return errs.New(errs.Conflict, "meetings.minutes_approved")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE meeting_agenda_items SET minutes = ? WHERE id = ? AND meeting_id = ?", strings.TrimSpace(text), itemID, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound()
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.minutes", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"item": itemID}})
	})
}

// ApproveMinutes publishes the minutes on the meeting page.
func (s *Service) ApproveMinutes(ctx context.Context, u *auth.User, meetingID int64) error {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	if s.db.Now().Before(m.StartsAt) {
		// Minutes record what happened: not before the meeting began.
		return errs.New(errs.Conflict, "meetings.minutes_not_started")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE meetings SET minutes_approved_at = ?, updated_at = ? WHERE id = ? AND minutes_approved_at IS NULL", tx.Now, tx.Now, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "meetings.minutes_approved")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.minutes_approve", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID})
	})
}
