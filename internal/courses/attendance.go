package courses

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Attendance marks.
var Statuses = []string{"present", "absent", "excused"}

// Check-in codes: every session has a secret; its code for a 30-second
// window is six characters of HMAC-SHA256(secret, window), from an
// alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B). A code is
// accepted in its window and the one after (clock skew, typing time).
const (
	CodeWindow = 30 * time.Second
	codeLen    = 6
	alphabet   = "34679ACDEFGHJKMNPQRTUVWXY"
	// OpenBefore is how long before a session's start check-in opens.
	OpenBefore = 15 * time.Minute
)

func newSecret() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func window(t time.Time) int64 { return t.Unix() / int64(CodeWindow/time.Second) }

// codeFor is the session's code for window w.
func codeFor(secret string, w int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(w))
	m.Write(b[:])
	sum := m.Sum(nil)
	out := make([]byte, codeLen)
	for i := range out {
		out[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(out)
}

// NormalizeCode reads a typed code: case, spaces and dashes ignored.
func NormalizeCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// open says whether check-in is open for se at now: from OpenBefore its
// start to its end, unless cancelled.
func open(se *Session, now time.Time) bool {
	return se.CancelledAt == nil && !now.Before(se.StartsAt.Add(-OpenBefore)) && now.Before(se.EndsAt)
}

// Code is the session's current code and when it changes (its teachers
// and organizers only, while check-in is open).
func (s *Service) Code(ctx context.Context, u *auth.User, sessionID int64) (code string, changes time.Time, err error) {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return "", time.Time{}, err
	}
	now := s.db.Now()
	if !open(se, now) {
		return "", time.Time{}, errs.New(errs.Conflict, "courses.checkin_closed")
	}
	var secret string
	if err := s.db.QueryRow(ctx, "SELECT checkin_secret FROM course_sessions WHERE id = ?", sessionID).Scan(&secret); err != nil {
		return "", time.Time{}, err
	}
	w := window(now)
	return codeFor(secret, w), time.Unix((w+1)*int64(CodeWindow/time.Second), 0).UTC(), nil
}

// Checkin marks u present at a session with its current code. Only
// enrolled people, only while check-in is open, only with a code of this
// session from the last minute; a second check-in changes nothing.
// already is true when u was already marked present.
func (s *Service) Checkin(ctx context.Context, u *auth.User, sessionID int64, typed string) (already bool, err error) {
	if u == nil {
		return false, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return false, errs.New(errs.ConsentRequired, "courses.consent_required")
	}
	code := NormalizeCode(typed)
	if len(code) != codeLen {
		return false, errs.Fields{{Name: "code", Key: "courses.code_format"}}.Err()
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var se Session
		var st, en, ca db.Time
		var secret string
		err := tx.QueryRow(ctx, "SELECT id, course_id, starts_at, ends_at, cancelled_at, checkin_secret FROM course_sessions WHERE id = ?", sessionID).
			Scan(&se.ID, &se.CourseID, &st, &en, &ca, &secret)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return err
		}
		se.StartsAt, se.EndsAt, se.CancelledAt = st.Time, en.Time, ca.Ptr()
		var status string
		err = tx.QueryRow(ctx, "SELECT status FROM course_enrolments WHERE course_id = ? AND user_id = ?", se.CourseID, u.ID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != Enrolled) {
			return errs.New(errs.Forbidden, "courses.checkin_not_enrolled")
		}
		if err != nil {
			return err
		}
		if !open(&se, tx.Now) {
			return errs.New(errs.Conflict, "courses.checkin_closed")
		}
		if err := checkCode(ctx, tx, &se, secret, code); err != nil {
			return err
		}
		// One statement: a concurrent second check-in of the same person
		// waits for the first and then finds them present (no row back).
		var one int
		err = tx.QueryRow(ctx, `INSERT INTO course_attendance (session_id, user_id, status, via, marked_by, marked_at)
			VALUES (?, ?, 'present', 'checkin', ?, ?)
			ON CONFLICT (session_id, user_id) DO UPDATE SET status = 'present', via = 'checkin', marked_by = excluded.marked_by, marked_at = excluded.marked_at
			WHERE course_attendance.status <> 'present' RETURNING 1`,
			sessionID, u.ID, u.ID, tx.Now).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			already = true
			return nil
		}
		if err != nil {
			return err
		}
		return bumpSheet(ctx, tx, se.CourseID)
	})
	return already, err
}

// checkCode accepts the code of this or the previous window; says
// "expired" for one of the last ten minutes and "another session" for the
// current code of another session of the course open now.
func checkCode(ctx context.Context, tx *db.Tx, se *Session, secret, code string) error {
	w := window(tx.Now)
	if code == codeFor(secret, w) || code == codeFor(secret, w-1) {
		return nil
	}
	for back := int64(2); back <= 20; back++ {
		if code == codeFor(secret, w-back) {
			return errs.Fields{{Name: "code", Key: "courses.code_expired"}}.Err()
		}
	}
	// Sessions of any course open in the last hour (a few: by the index
	// on starts_at).
	rows, err := tx.Query(ctx, `SELECT checkin_secret FROM course_sessions WHERE starts_at BETWEEN ? AND ? AND id <> ?
		AND cancelled_at IS NULL AND ends_at >= ?`, tx.Now.Add(-13*time.Hour), tx.Now.Add(OpenBefore), se.ID, tx.Now.Add(-time.Hour))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var other string
		if err := rows.Scan(&other); err != nil {
			return err
		}
		for back := int64(0); back <= 2; back++ {
			if code == codeFor(other, w-back) {
				return errs.Fields{{Name: "code", Key: "courses.code_other_session"}}.Err()
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return errs.Fields{{Name: "code", Key: "courses.code_wrong"}}.Err()
}

// CheckinCourse is Checkin at the course's session open now (the typed
// code on the course page names no session).
func (s *Service) CheckinCourse(ctx context.Context, u *auth.User, courseID int64, typed string) (sessionID int64, already bool, err error) {
	if u == nil {
		return 0, false, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	now := s.db.Now()
	ids, err := db.ScanIDs(s.db.Query(ctx, `SELECT id FROM course_sessions WHERE course_id = ? AND cancelled_at IS NULL
		AND starts_at <= ? AND ends_at > ? ORDER BY starts_at`, courseID, now.Add(OpenBefore), now))
	if err != nil {
		return 0, false, err
	}
	if len(ids) == 0 {
		if _, err := s.Get(ctx, courseID); err != nil {
			return 0, false, err
		}
		return 0, false, errs.New(errs.Conflict, "courses.checkin_closed")
	}
	already, err = s.Checkin(ctx, u, ids[0], typed)
	return ids[0], already, err
}

// Mark records a person's attendance at a session (its teachers and
// organizers). Only enrolled people are marked.
func (s *Service) Mark(ctx context.Context, u *auth.User, sessionID, personID int64, status string) error {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return err
	}
	if !slices.Contains(Statuses, status) {
		return errs.Fields{{Name: "status", Key: "validation.invalid_choice"}}.Err()
	}
	if se.CancelledAt != nil {
		return errs.New(errs.Conflict, "courses.session_cancelled")
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM course_enrolments WHERE course_id = ? AND user_id = ? AND status = 'enrolled'", c.ID, personID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Fields{{Name: "person_id", Key: "courses.not_enrolled"}}.Err()
		}
		_, err = tx.Exec(ctx, `INSERT INTO course_attendance (session_id, user_id, status, via, marked_by, marked_at)
			VALUES (?, ?, ?, 'teacher', ?, ?)
			ON CONFLICT (session_id, user_id) DO UPDATE SET status = excluded.status, via = 'teacher', marked_by = excluded.marked_by, marked_at = excluded.marked_at`,
			sessionID, personID, status, u.ID, tx.Now)
		if err != nil {
			return err
		}
		return bumpSheet(ctx, tx, c.ID)
	})
}

// Roll is a session's list for the teacher: every enrolled person with
// their mark ("" when none).
type Roll struct {
	Session Session
	Course  *Course
	People  []RollRow
}

// RollRow is one line of a Roll.
type RollRow struct {
	Person
	Status string
	Via    string
}

// Roll returns a session's list (its teachers and organizers).
func (s *Service) Roll(ctx context.Context, u *auth.User, sessionID int64) (*Roll, error) {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name, COALESCE(a.status, ''), COALESCE(a.via, '') FROM course_enrolments e
		JOIN users u ON u.id = e.user_id
		LEFT JOIN course_attendance a ON a.session_id = ? AND a.user_id = e.user_id
		WHERE e.course_id = ? AND e.status = 'enrolled' AND u.deleted_at IS NULL ORDER BY u.name, u.id`, sessionID, c.ID)
	if err != nil {
		return nil, fmt.Errorf("courses: roll: %w", err)
	}
	defer rows.Close()
	r := &Roll{Session: *se, Course: c}
	for rows.Next() {
		var x RollRow
		if err := rows.Scan(&x.ID, &x.Name, &x.Status, &x.Via); err != nil {
			return nil, err
		}
		r.People = append(r.People, x)
	}
	return r, rows.Err()
}

// Sheet is a course's attendance: people × sessions.
type Sheet struct {
	Course   *Course
	Sessions []Session
	Held     int // sessions held so far (started, not cancelled)
	Total    int // sessions not cancelled
	Rows     []SheetRow

	// The page's table, built once per language for a kept sheet
	// (sheetPage; docs/benchmarks.md, "Courses: the sheet's CPU").
	mu    sync.Mutex
	pages map[i18n.Lang]*sheetParts
}

// SheetRow is one person's line: a mark per session ("" none), how many
// sessions they attended, their rate over the sessions held so far, and
// whether they reached the course's threshold over all its sessions.
type SheetRow struct {
	Person
	Marks     []string
	Present   int
	Rate      float64 // 0..1
	Pct       int     // Rate in whole per cent
	Completed bool
}

// markOf reads the first letter of a status back.
var markOf = map[byte]string{'p': "present", 'a': "absent", 'e': "excused"}

// Sheet returns the attendance sheet (the course's teachers and
// organizers): the enrolled, and anyone who left after being marked.
func (s *Service) Sheet(ctx context.Context, u *auth.User, courseID int64) (*Sheet, error) {
	sh, _, err := s.SheetFor(ctx, u, courseID)
	return sh, err
}

// SheetFor is Sheet, and whether u organizes the course (a moderator or
// administrator of its organization), which the page needs too.
//
// The course, what the kept copy depends on, whether u teaches it and u's
// role in its organization come in one statement: on PostgreSQL each
// statement is a round trip to a server on the same cores
// (docs/benchmarks.md, "PostgreSQL at 32 clients").
func (s *Service) SheetFor(ctx context.Context, u *auth.User, courseID int64) (*Sheet, bool, error) {
	// The sheet is the same for all its readers until a mark, an
	// enrolment or a session changes (sheet_version) or a session starts
	// (started): a copy is kept under both (docs/benchmarks.md, courses).
	var k sheetKey
	var teaches, member bool
	var grant sql.NullString
	var uid int64
	if u != nil {
		uid = u.ID
	}
	role, roleArgs := s.auth.RoleColumns(u, "c.org_id")
	args := append([]any{s.db.Now(), uid}, roleArgs...)
	c, err := scanCourse(also{s.db.QueryRow(ctx, "SELECT "+courseCols+`, c.sheet_version,
		(SELECT COUNT(*) FROM course_sessions WHERE course_id = c.id AND starts_at <= ?),
		EXISTS (SELECT 1 FROM course_teachers t WHERE t.course_id = c.id AND t.user_id = ?), `+role+`
		FROM courses c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?`, append(args, courseID)...),
		[]any{&k.Version, &k.Started, &teaches, &grant, &member}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, notFound()
	}
	if err != nil {
		return nil, false, fmt.Errorf("courses: sheet: %w", err)
	}
	if u == nil {
		return nil, false, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	organizer := auth.RoleOf(u, grant, member) >= auth.Moderator
	if !teaches && !organizer {
		return nil, false, errs.New(errs.Forbidden, "courses.not_teacher")
	}
	k.Course = c.ID
	sh, err := s.sheets.Load(ctx, k, func() (*Sheet, error) { return s.sheet(ctx, c) })
	return sh, organizer, err
}

// also scans a row into the destinations a scan function gives, then
// into more: a query that adds columns to a shared list.
type also struct {
	sc   scanner
	more []any
}

func (a also) Scan(dest ...any) error { return a.sc.Scan(append(dest, a.more...)...) }

// sheetKey is what a kept sheet depends on besides the people's names
// (a renamed person shows in the sheet within SheetTTL).
type sheetKey struct {
	Course  int64
	Version int64 // courses.sheet_version
	Started int   // sessions started by now
}

// SheetTTL is how long a kept sheet is shown at most.
const SheetTTL = time.Minute

func (s *Service) sheet(ctx context.Context, c *Course) (*Sheet, error) {
	sessions, err := s.Sessions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	sh := &Sheet{Course: c, Sessions: sessions}
	now := s.db.Now()
	for _, se := range sessions {
		if se.CancelledAt == nil {
			sh.Total++
			if !se.StartsAt.After(now) {
				sh.Held++
			}
		}
	}
	// The enrolled by name; people marked who left since come after them
	// (found among the marks below, named in one more query).
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name FROM course_enrolments e JOIN users u ON u.id = e.user_id
		WHERE e.course_id = ? AND e.status = 'enrolled' AND u.deleted_at IS NULL ORDER BY u.name, u.id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("courses: sheet: %w", err)
	}
	index := map[int64]int{}
	for rows.Next() {
		var r SheetRow
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			rows.Close()
			return nil, err
		}
		r.Marks = make([]string, len(sessions))
		index[r.ID] = len(sh.Rows)
		sh.Rows = append(sh.Rows, r)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	enrolled := len(sh.Rows)
	// One row per session, its marks folded into one string by the
	// database ("17p,18a,25e": person and the status's letter), read in
	// the covering index's order: 60 rows to scan instead of 12,000 and
	// no sort (docs/benchmarks.md, courses).
	col := make(map[int64]int, len(sessions))
	for i, se := range sessions {
		col[se.ID] = i
	}
	agg := "group_concat"
	if s.db.Dialect == db.Postgres {
		agg = "string_agg"
	}
	rows, err = s.db.Query(ctx, `SELECT a.session_id, `+agg+`(CAST(a.user_id AS TEXT) || substr(a.status, 1, 1), ',')
		FROM course_attendance a WHERE a.session_id IN (SELECT id FROM course_sessions WHERE course_id = ?)
		GROUP BY a.session_id`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("courses: sheet marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var marks string
		if err := rows.Scan(&sid, &marks); err != nil {
			return nil, err
		}
		j, ok := col[sid]
		if !ok {
			continue
		}
		counts := sessions[j].CancelledAt == nil
		for _, m := range strings.Split(marks, ",") {
			if len(m) < 2 {
				continue
			}
			uid, err := strconv.ParseInt(m[:len(m)-1], 10, 64)
			if err != nil {
				continue
			}
			i, ok := index[uid]
			if !ok {
				i = len(sh.Rows)
				index[uid] = i
				sh.Rows = append(sh.Rows, SheetRow{Person: Person{ID: uid}, Marks: make([]string, len(sessions))})
			}
			st := markOf[m[len(m)-1]]
			sh.Rows[i].Marks[j] = st
			if st == "present" && counts {
				sh.Rows[i].Present++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.nameLeavers(ctx, sh, enrolled); err != nil {
		return nil, err
	}
	for i := range sh.Rows {
		r := &sh.Rows[i]
		if sh.Held > 0 {
			r.Rate = float64(r.Present) / float64(sh.Held)
			r.Pct = (r.Present*100 + sh.Held/2) / sh.Held
		}
		r.Completed = sh.Total > 0 && r.Present*100 >= c.Threshold*sh.Total
	}
	return sh, nil
}

// nameLeavers names the rows from enrolled on (people marked who are no
// longer enrolled), drops deleted people, and sorts them by name.
func (s *Service) nameLeavers(ctx context.Context, sh *Sheet, enrolled int) error {
	if len(sh.Rows) == enrolled {
		return nil
	}
	ids := make([]int64, 0, len(sh.Rows)-enrolled)
	for _, r := range sh.Rows[enrolled:] {
		ids = append(ids, r.ID)
	}
	rows, err := s.db.Query(ctx, "SELECT id, name FROM users WHERE deleted_at IS NULL AND id IN ("+db.Placeholders(len(ids))+")", db.Args(ids)...)
	if err != nil {
		return fmt.Errorf("courses: sheet leavers: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return err
	}
	kept := sh.Rows[:enrolled]
	var left []SheetRow
	for _, r := range sh.Rows[enrolled:] {
		if n, ok := names[r.ID]; ok {
			r.Name = n
			left = append(left, r)
		}
	}
	slices.SortFunc(left, func(a, b SheetRow) int { return strings.Compare(a.Name, b.Name) })
	sh.Rows = append(kept, left...)
	return nil
}

// MarkAll records many marks of one session in one transaction (its
// teachers and organizers): person → status. A person not enrolled
// refuses the whole batch.
func (s *Service) MarkAll(ctx context.Context, u *auth.User, sessionID int64, marks map[int64]string) error {
	se, c, err := s.session(ctx, sessionID)
	if err != nil {
		return err
	}
	if err := s.requireTeacher(ctx, u, c); err != nil {
		return err
	}
	if se.CancelledAt != nil {
		return errs.New(errs.Conflict, "courses.session_cancelled")
	}
	ids := make([]int64, 0, len(marks))
	for id, st := range marks {
		if !slices.Contains(Statuses, st) {
			return errs.Fields{{Name: "status", Key: "validation.invalid_choice"}}.Err()
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return s.db.Write(ctx, func(tx *db.Tx) error {
		enrolled, err := db.ScanIDs(tx.Query(ctx, "SELECT user_id FROM course_enrolments WHERE course_id = ? AND status = 'enrolled'", c.ID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(enrolled, id) {
				return errs.Fields{{Name: "person_id", Key: "courses.not_enrolled"}}.Err()
			}
			if _, err := tx.Exec(ctx, `INSERT INTO course_attendance (session_id, user_id, status, via, marked_by, marked_at)
				VALUES (?, ?, ?, 'teacher', ?, ?)
				ON CONFLICT (session_id, user_id) DO UPDATE SET status = excluded.status, via = 'teacher', marked_by = excluded.marked_by, marked_at = excluded.marked_at`,
				sessionID, id, marks[id], u.ID, tx.Now); err != nil {
				return err
			}
		}
		return bumpSheet(ctx, tx, c.ID)
	})
}
