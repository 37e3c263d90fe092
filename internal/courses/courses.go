// Package courses holds courses of organizations: a schedule ("Tuesdays
// and Thursdays 18:00–19:30 from 12 January to 30 April", Kazakhstan
// time) that makes the sessions; single sessions moved or cancelled with
// the enrolled told; enrolment with a capacity and a waiting list in
// order of arrival whose offers expire and pass to the next person;
// attendance per session, marked by a teacher or by the learners
// themselves with a code that changes every 30 seconds; the attendance
// sheet; completion at the course's threshold and certificates through
// awards; reminders before sessions and a calendar feed.
package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/cache"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Weekdays are the schedule's day names, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// MaxSessions caps how many sessions one schedule makes.
const MaxSessions = 400

// Course is one course.
type Course struct {
	ID          int64
	OrgID       int64
	OrgName     i18n.Text
	Title       i18n.Text
	Description i18n.Text
	Capacity    int
	SeatsTaken  int // enrolled and offered
	Waiting     int
	Schedule    Schedule
	Place       string
	OnlineURL   string
	Eligibility Eligibility
	Threshold   int // per cent of sessions attended for completion
	OfferHours  int
	RemindHours int // how long before a session reminders go out; 0: none
	EndsAt      time.Time
	Teachers    []Person
}

// Schedule is when a course meets: on Weekdays at Start (HH:MM, Almaty
// time) for Minutes, from From to To (YYYY-MM-DD, inclusive).
type Schedule struct {
	Weekdays []string `json:"weekdays"`
	Start    string   `json:"start_time"`
	Minutes  int      `json:"minutes"`
	From     string   `json:"from"`
	To       string   `json:"to"`
}

// Eligibility limits who may enrol: an age range (0: no limit), regions
// (codes; none: any), members of the organization only.
type Eligibility struct {
	AgeMin      int      `json:"age_min,omitempty"`
	AgeMax      int      `json:"age_max,omitempty"`
	Regions     []string `json:"regions,omitempty"`
	MembersOnly bool     `json:"members_only,omitempty"`
}

// Person is a teacher or learner as the course's organizers see them.
type Person struct {
	ID   int64
	Name string
}

// Session is one meeting of a course.
type Session struct {
	ID          int64
	CourseID    int64
	StartsAt    time.Time
	EndsAt      time.Time
	CancelledAt *time.Time
}

// State is how session s stands at now, as its course page says:
// "cancelled", "past" (it has ended), "now" (under way) or "planned".
func (s Session) State(now time.Time) string {
	switch {
	case s.CancelledAt != nil:
		return "cancelled"
	case !now.Before(s.EndsAt):
		return "past"
	case !now.Before(s.StartsAt):
		return "now"
	}
	return "planned"
}

// Awarder issues certificates (the awards component, *awards.Service):
// IssueTrusted after courses checked the organizer's permission itself.
type Awarder interface {
	IssueTrusted(ctx context.Context, b awards.Batch) ([]awards.Issued, error)
}

// Deps are what the courses service needs.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Outbox  *outbox.Box // messages to the enrolled; nil: none are sent
	Catalog *i18n.Catalog
	Log     *slog.Logger
	BaseURL string
	Awards  Awarder // nil: no certificates
}

// Service is the courses service.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	outbox  *outbox.Box
	catalog *i18n.Catalog
	log     *slog.Logger
	baseURL string
	awards  Awarder
	sheets  *cache.Cache[sheetKey, *Sheet] // attendance sheets by version
}

// New returns the service.
func New(d Deps) *Service {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: d.DB, auth: d.Auth, outbox: d.Outbox, catalog: d.Catalog, log: log,
		baseURL: strings.TrimSuffix(d.BaseURL, "/"), awards: d.Awards, sheets: cache.New[sheetKey, *Sheet](SheetTTL, 64, nil)}
	if s.outbox != nil && s.catalog != nil {
		s.outbox.Register(offerKind, s.renderOffer)
	}
	return s
}

func notFound() error { return errs.New(errs.NotFound, "error.404.text") }

// NewCourse is what an organizer gives.
type NewCourse struct {
	OrgID       int64
	Title       i18n.Text
	Description i18n.Text
	Capacity    int
	Schedule    Schedule
	Place       string
	OnlineURL   string
	Eligibility Eligibility
	Threshold   int  // 0: 80
	OfferHours  int  // 0: 24
	RemindHours *int // nil: 24; 0: no reminders
	Teachers    []int64
}

// DefaultRemindHours is how long before a session reminders go out unless
// the organizer says otherwise.
const DefaultRemindHours = 24

func checkText(fs *errs.Fields, field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		fs.Add(field, "validation.invalid_utf8")
	case utf8.RuneCountInString(s) > max:
		fs.Add(field, "validation.too_long", "max", max)
	}
}

func parseHHMM(s string) (h, m int, ok bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), i18n.Almaty)
	return t, err == nil
}

func (in *NewCourse) validate() error {
	var fs errs.Fields
	in.Title = in.Title.Trim()
	in.Description = in.Description.Trim()
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if in.Title.Empty() {
		fs.Add("title", "validation.required")
	}
	for _, s := range []string{in.Title.KK, in.Title.RU, in.Title.EN} {
		checkText(&fs, "title", s, 200)
	}
	for _, s := range []string{in.Description.KK, in.Description.RU, in.Description.EN} {
		checkText(&fs, "description", s, 10000)
	}
	if in.Capacity < 1 || in.Capacity > 100000 {
		fs.Add("capacity", "courses.invalid_capacity")
	}
	if in.Threshold == 0 {
		in.Threshold = 80
	}
	if in.Threshold < 1 || in.Threshold > 100 {
		fs.Add("certificate_threshold", "courses.invalid_threshold")
	}
	if in.OfferHours == 0 {
		in.OfferHours = 24
	}
	if in.OfferHours < 1 || in.OfferHours > 24*14 {
		fs.Add("offer_hours", "courses.invalid_offer_hours")
	}
	if in.RemindHours == nil {
		h := DefaultRemindHours
		in.RemindHours = &h
	}
	if *in.RemindHours < 0 || *in.RemindHours > 168 {
		fs.Add("remind_hours", "courses.invalid_remind_hours")
	}
	in.Place = strings.TrimSpace(in.Place)
	checkText(&fs, "place", in.Place, 300)
	in.OnlineURL = strings.TrimSpace(in.OnlineURL)
	if in.OnlineURL != "" {
		u, err := url.Parse(in.OnlineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.OnlineURL) > 500 {
			fs.Add("online_url", "courses.invalid_url")
		}
	}
	if in.Place == "" && in.OnlineURL == "" {
		fs.Add("place", "courses.place_required")
	}
	e := &in.Eligibility
	if e.AgeMin < 0 || e.AgeMin > 120 || e.AgeMax < 0 || e.AgeMax > 120 || (e.AgeMax > 0 && e.AgeMax < e.AgeMin) {
		fs.Add("eligibility", "courses.invalid_ages")
	}
	if len(e.Regions) > 50 {
		fs.Add("eligibility", "courses.invalid_regions")
	}
	validateSchedule(&fs, &in.Schedule)
	if len(in.Teachers) > 20 {
		fs.Add("teachers", "courses.too_many_teachers")
	}
	return fs.Err()
}

func validateSchedule(fs *errs.Fields, s *Schedule) {
	if len(s.Weekdays) == 0 {
		fs.Add("schedule.weekdays", "validation.required")
	}
	var days []string
	for _, d := range s.Weekdays {
		d = strings.ToLower(strings.TrimSpace(d))
		if !slices.Contains(Weekdays, d) {
			fs.Add("schedule.weekdays", "validation.invalid_choice")
			break
		}
		if !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	s.Weekdays = days
	if _, _, ok := parseHHMM(s.Start); !ok {
		fs.Add("schedule.start_time", "courses.invalid_time")
	}
	if s.Minutes < 10 || s.Minutes > 12*60 {
		fs.Add("schedule.minutes", "courses.invalid_minutes")
	}
	from, ok1 := parseDay(s.From)
	to, ok2 := parseDay(s.To)
	if !ok1 {
		fs.Add("schedule.from", "validation.invalid_date")
	}
	if !ok2 {
		fs.Add("schedule.to", "validation.invalid_date")
	}
	if ok1 && ok2 && to.Before(from) {
		fs.Add("schedule.to", "courses.to_before_from")
	}
	if ok1 && ok2 && to.Sub(from) > 3*366*24*time.Hour {
		fs.Add("schedule.to", "courses.too_long")
	}
}

// Sessions makes the sessions of a schedule: each of its weekdays from
// From to To at Start, Kazakhstan time, in order.
func (s Schedule) Sessions() []Session {
	h, m, ok := parseHHMM(s.Start)
	from, ok1 := parseDay(s.From)
	to, ok2 := parseDay(s.To)
	if !ok || !ok1 || !ok2 {
		return nil
	}
	var out []Session
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		wd := Weekdays[(int(d.Weekday())+6)%7]
		if !slices.Contains(s.Weekdays, wd) {
			continue
		}
		start := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, i18n.Almaty).UTC()
		out = append(out, Session{StartsAt: start, EndsAt: start.Add(time.Duration(s.Minutes) * time.Minute)})
	}
	return out
}

// Create makes a course and its sessions (organizers: moderators of the
// organization).
func (s *Service) Create(ctx context.Context, u *auth.User, in NewCourse) (*Course, []Session, error) {
	if err := in.validate(); err != nil {
		if in.OrgID > 0 {
			if perr := s.auth.Require(ctx, u, in.OrgID, auth.Moderator); perr != nil {
				return nil, nil, perr
			}
		}
		return nil, nil, err
	}
	if err := s.auth.Require(ctx, u, in.OrgID, auth.Moderator); err != nil {
		return nil, nil, err
	}
	sessions := in.Schedule.Sessions()
	var fs errs.Fields
	if len(sessions) == 0 {
		fs.Add("schedule.weekdays", "courses.no_sessions")
	} else if len(sessions) > MaxSessions {
		fs.Add("schedule.to", "courses.too_many_sessions", "max", MaxSessions)
	}
	if err := fs.Err(); err != nil {
		return nil, nil, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var fs errs.Fields
		ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ? AND archived_at IS NULL", in.OrgID)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add("organization_id", "courses.no_such_org")
		}
		if err := checkRefs(ctx, tx, &in, &fs); err != nil {
			return err
		}
		if err := fs.Err(); err != nil {
			return err
		}
		sc := in.Schedule
		err = tx.QueryRow(ctx, `INSERT INTO courses (org_id, title_kk, title_ru, title_en, description_kk, description_ru, description_en,
			capacity, weekdays, start_time, minutes, date_from, date_to, place, online_url, age_min, age_max, regions, members_only,
			threshold_pct, offer_hours, remind_hours, ends_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, in.Title.KK, in.Title.RU, in.Title.EN, in.Description.KK, in.Description.RU, in.Description.EN,
			in.Capacity, strings.Join(sc.Weekdays, ","), sc.Start, sc.Minutes, sc.From, sc.To, in.Place, in.OnlineURL,
			in.Eligibility.AgeMin, in.Eligibility.AgeMax, strings.Join(in.Eligibility.Regions, ","), in.Eligibility.MembersOnly,
			in.Threshold, in.OfferHours, *in.RemindHours, sessions[len(sessions)-1].EndsAt, u.ID, tx.Now).Scan(&id)
		if err != nil {
			return fmt.Errorf("courses: create: %w", err)
		}
		for i := range sessions {
			if err := tx.QueryRow(ctx, `INSERT INTO course_sessions (course_id, starts_at, ends_at, checkin_secret)
				VALUES (?, ?, ?, ?) RETURNING id`, id, sessions[i].StartsAt, sessions[i].EndsAt, newSecret()).Scan(&sessions[i].ID); err != nil {
				return fmt.Errorf("courses: create session: %w", err)
			}
			sessions[i].CourseID = id
		}
		for _, t := range in.Teachers {
			if _, err := tx.Exec(ctx, "INSERT INTO course_teachers (course_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", id, t); err != nil {
				return err
			}
		}
		return recordAudit(ctx, tx, u.ID, "courses.create", id, in.OrgID, nil, map[string]any{"title": in.Title, "capacity": in.Capacity,
			"sessions": len(sessions)})
	})
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Get(ctx, id)
	return c, sessions, err
}

// checkRefs checks what the course names in other tables: its regions
// exist and its teachers are members of its organization.
func checkRefs(ctx context.Context, tx *db.Tx, in *NewCourse, fs *errs.Fields) error {
	for _, r := range in.Eligibility.Regions {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM regions WHERE code = ?", r)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add("eligibility", "courses.invalid_regions")
			break
		}
	}
	for _, t := range in.Teachers {
		ok, err := isMember(ctx, tx, in.OrgID, t)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add("teachers", "courses.teacher_not_member")
			break
		}
	}
	return nil
}

// isMember: personID is an active member of the organization or of one
// in its subtree, or holds a grant there — a relation the person entered.
func isMember(ctx context.Context, tx *db.Tx, orgID, personID int64) (bool, error) {
	return tx.Exists(ctx, `SELECT 1 FROM users u WHERE u.id = ? AND u.deleted_at IS NULL AND (
		EXISTS (SELECT 1 FROM memberships m JOIN organizations mo ON mo.id = m.org_id JOIN organizations o ON o.id = ?
			WHERE m.user_id = u.id AND substr(mo.path, 1, length(o.path)) = o.path AND (m.until IS NULL OR m.until >= ?))
		OR EXISTS (SELECT 1 FROM role_grants g JOIN organizations gorg ON gorg.id = g.org_id JOIN organizations o ON o.id = ?
			WHERE g.user_id = u.id AND (substr(gorg.path, 1, length(o.path)) = o.path OR substr(o.path, 1, length(gorg.path)) = gorg.path)))`,
		personID, orgID, today(tx.Now), orgID)
}

func today(now time.Time) string { return now.In(i18n.Almaty).Format("2006-01-02") }

const courseCols = `c.id, c.org_id, o.name_kk, o.name_ru, o.name_en, c.title_kk, c.title_ru, c.title_en,
	c.description_kk, c.description_ru, c.description_en, c.capacity, c.seats_taken,
	(SELECT COUNT(*) FROM course_enrolments e WHERE e.course_id = c.id AND e.status = 'waiting'),
	c.weekdays, c.start_time, c.minutes, c.date_from, c.date_to, c.place, c.online_url,
	c.age_min, c.age_max, c.regions, c.members_only, c.threshold_pct, c.offer_hours, c.remind_hours, c.ends_at`

type scanner interface{ Scan(...any) error }

func scanCourse(sc scanner) (*Course, error) {
	var c Course
	var days, regions string
	var ends db.Time
	err := sc.Scan(&c.ID, &c.OrgID, &c.OrgName.KK, &c.OrgName.RU, &c.OrgName.EN, &c.Title.KK, &c.Title.RU, &c.Title.EN,
		&c.Description.KK, &c.Description.RU, &c.Description.EN, &c.Capacity, &c.SeatsTaken, &c.Waiting,
		&days, &c.Schedule.Start, &c.Schedule.Minutes, &c.Schedule.From, &c.Schedule.To, &c.Place, &c.OnlineURL,
		&c.Eligibility.AgeMin, &c.Eligibility.AgeMax, &regions, &c.Eligibility.MembersOnly, &c.Threshold, &c.OfferHours, &c.RemindHours, &ends)
	if err != nil {
		return nil, err
	}
	c.Schedule.Weekdays = splitList(days)
	c.Eligibility.Regions = splitList(regions)
	c.EndsAt = ends.Time
	return &c, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Get returns a course with its teachers.
func (s *Service) Get(ctx context.Context, id int64) (*Course, error) {
	c, err := scanCourse(s.db.QueryRow(ctx, "SELECT "+courseCols+" FROM courses c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("courses: get %d: %w", id, err)
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name FROM course_teachers t JOIN users u ON u.id = t.user_id
		WHERE t.course_id = ? AND u.deleted_at IS NULL ORDER BY u.name, u.id`, id)
	if err != nil {
		return nil, fmt.Errorf("courses: teachers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		c.Teachers = append(c.Teachers, p)
	}
	return c, rows.Err()
}

// Filter selects courses for a list.
type Filter struct {
	OrgID    *int64
	Current  bool  // only courses not yet ended
	BeforeID int64 // cursor: ids below
	Limit    int
}

// List returns courses, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]*Course, error) {
	where := []string{"1=1"}
	var args []any
	if f.OrgID != nil {
		where = append(where, "c.org_id = ?")
		args = append(args, *f.OrgID)
	}
	if f.Current {
		where = append(where, "c.ends_at > ?")
		args = append(args, s.db.Now())
	}
	if f.BeforeID > 0 {
		where = append(where, "c.id < ?")
		args = append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, "SELECT "+courseCols+" FROM courses c JOIN organizations o ON o.id = c.org_id WHERE "+
		strings.Join(where, " AND ")+" ORDER BY c.id DESC LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("courses: list: %w", err)
	}
	defer rows.Close()
	var out []*Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Sessions returns a course's sessions in order.
func (s *Service) Sessions(ctx context.Context, courseID int64) ([]Session, error) {
	rows, err := s.db.Query(ctx, "SELECT id, starts_at, ends_at, cancelled_at FROM course_sessions WHERE course_id = ? ORDER BY starts_at, id", courseID)
	if err != nil {
		return nil, fmt.Errorf("courses: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var se Session
		var st, en, ca db.Time
		if err := rows.Scan(&se.ID, &st, &en, &ca); err != nil {
			return nil, err
		}
		se.CourseID, se.StartsAt, se.EndsAt, se.CancelledAt = courseID, st.Time, en.Time, ca.Ptr()
		out = append(out, se)
	}
	return out, rows.Err()
}

// session returns one session with its course.
func (s *Service) session(ctx context.Context, id int64) (*Session, *Course, error) {
	var se Session
	var st, en, ca db.Time
	err := s.db.QueryRow(ctx, "SELECT id, course_id, starts_at, ends_at, cancelled_at FROM course_sessions WHERE id = ?", id).
		Scan(&se.ID, &se.CourseID, &st, &en, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("courses: session %d: %w", id, err)
	}
	se.StartsAt, se.EndsAt, se.CancelledAt = st.Time, en.Time, ca.Ptr()
	c, err := s.Get(ctx, se.CourseID)
	return &se, c, err
}

// Organizer says whether u organizes the course (a moderator of its
// organization or above).
func (s *Service) Organizer(ctx context.Context, u *auth.User, c *Course) bool {
	if u == nil {
		return false
	}
	r, err := s.auth.RoleIn(ctx, u, c.OrgID)
	return err == nil && r >= auth.Moderator
}

// Teaches says whether u teaches or organizes the course.
func (s *Service) Teaches(ctx context.Context, u *auth.User, c *Course) bool {
	if u == nil {
		return false
	}
	if slices.ContainsFunc(c.Teachers, func(p Person) bool { return p.ID == u.ID }) {
		return true
	}
	return s.Organizer(ctx, u, c)
}

// requireTeacher returns a 401/403 unless u teaches or organizes c.
func (s *Service) requireTeacher(ctx context.Context, u *auth.User, c *Course) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if s.Teaches(ctx, u, c) {
		return nil
	}
	return errs.New(errs.Forbidden, "courses.not_teacher")
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Reveals says whether u may see the course's online link and its
// teachers' names: its teachers and organizers, members of its
// organization, and the people holding a seat.
func (s *Service) Reveals(ctx context.Context, u *auth.User, c *Course) bool {
	if u == nil {
		return false
	}
	if s.Teaches(ctx, u, c) {
		return true
	}
	if r, err := s.auth.RoleIn(ctx, u, c.OrgID); err == nil && r >= auth.Member {
		return true
	}
	var yes bool
	if err := s.db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM course_enrolments WHERE course_id = ? AND user_id = ? AND status IN ('enrolled', 'offered'))",
		c.ID, u.ID).Scan(&yes); err != nil {
		return false
	}
	return yes
}
