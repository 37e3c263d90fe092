package courses

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is what courses offer a person's home: their courses with the
// next session (an offered seat first, to answer in time), and the
// courses they teach.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil {
		return nil, nil
	}
	now := s.db.Now()
	mine := web.Panel{ID: "me-courses", Title: rd.P.T("courses.me.title"), More: rd.Link("/courses"), MoreText: rd.P.T("courses.me.all"), Order: 22}
	err := s.items(ctx, rd, &mine, `SELECT c.id, c.title_kk, c.title_ru, c.title_en,
		(SELECT MIN(se.starts_at) FROM course_sessions se WHERE se.course_id = c.id AND se.cancelled_at IS NULL AND se.ends_at > ?), e.status
		FROM course_enrolments e JOIN courses c ON c.id = e.course_id
		WHERE e.user_id = ? AND c.ends_at > ?
		ORDER BY CASE e.status WHEN 'offered' THEN 0 ELSE 1 END, c.id DESC LIMIT 10`, func(st string) string {
		switch st {
		case Offered:
			return rd.P.T("courses.badge.offered")
		case Waiting:
			return rd.P.T("courses.badge.waiting")
		}
		return ""
	}, now, u.ID, now)
	if err != nil {
		return nil, err
	}
	teach := web.Panel{ID: "me-teaching", Title: rd.P.T("courses.me.teaching"), Order: 23}
	err = s.items(ctx, rd, &teach, `SELECT c.id, c.title_kk, c.title_ru, c.title_en,
		(SELECT MIN(se.starts_at) FROM course_sessions se WHERE se.course_id = c.id AND se.cancelled_at IS NULL AND se.ends_at > ?), ''
		FROM course_teachers t JOIN courses c ON c.id = t.course_id
		WHERE t.user_id = ? AND c.ends_at > ? ORDER BY c.id DESC LIMIT 10`, func(string) string { return "" }, now, u.ID, now)
	if err != nil {
		return nil, err
	}
	return []web.Panel{mine, teach}, nil
}

// NowPanels is the home page's courses open for enrolment, newest first.
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	now := s.db.Now()
	p := web.Panel{ID: "now-courses", Title: rd.P.T("courses.now.title"), More: rd.Link("/courses"), MoreText: rd.P.T("courses.me.all"), Order: 25}
	err := s.items(ctx, rd, &p, `SELECT c.id, c.title_kk, c.title_ru, c.title_en,
		(SELECT MIN(se.starts_at) FROM course_sessions se WHERE se.course_id = c.id AND se.cancelled_at IS NULL AND se.ends_at > ?),
		CASE WHEN c.seats_taken < c.capacity THEN 'open' ELSE 'full' END
		FROM courses c WHERE c.ends_at > ? ORDER BY c.id DESC LIMIT 5`, func(st string) string {
		if st == "full" {
			return rd.P.T("courses.badge.full")
		}
		return rd.P.T("courses.badge.open")
	}, now, now)
	return []web.Panel{p}, err
}

// items reads rows of (id, title ×3, next session, extra) into p.
func (s *Service) items(ctx context.Context, rd web.Reader, p *web.Panel, q string, badge func(string) string, args ...any) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("courses: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var next db.Time
		var extra sql.NullString
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &next, &extra); err != nil {
			return fmt.Errorf("courses: board: %w", err)
		}
		title, lang := rd.Text(t)
		it := web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/courses/" + strconv.FormatInt(id, 10)), Badge: badge(extra.String)}
		if next.Valid {
			it.Meta = rd.P.T("courses.next_at", "when", rd.P.DateTime(next.Time))
		}
		p.Items = append(p.Items, it)
	}
	return rows.Err()
}

// ExportItem is one course in a person's data export: their place, their
// reminders, and their marks.
type ExportItem struct {
	CourseID   string       `json:"course_id"`
	Title      i18n.Text    `json:"title"`
	Status     string       `json:"status"`
	Reminders  bool         `json:"reminders"`
	EnrolledAt string       `json:"enrolled_at"`
	Marks      []ExportMark `json:"attendance"`
}

// ExportMark is one attendance mark.
type ExportMark struct {
	SessionStart string `json:"session_starts_at"`
	Status       string `json:"status"`
	Via          string `json:"via"`
}

// exportPart is the courses' part of a person's data export.
func (s *Service) exportPart(ctx context.Context, userID int64) (any, error) {
	out := []ExportItem{}
	byCourse := map[int64]int{}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.title_kk, c.title_ru, c.title_en, e.status, e.reminders, e.created_at
		FROM course_enrolments e JOIN courses c ON c.id = e.course_id WHERE e.user_id = ? ORDER BY c.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("courses: export: %w", err)
	}
	for rows.Next() {
		var it ExportItem
		var id int64
		var at db.Time
		if err := rows.Scan(&id, &it.Title.KK, &it.Title.RU, &it.Title.EN, &it.Status, &it.Reminders, &at); err != nil {
			rows.Close()
			return nil, err
		}
		it.CourseID, it.EnrolledAt = strconv.FormatInt(id, 10), at.Time.UTC().Format("2006-01-02T15:04:05Z")
		byCourse[id] = len(out)
		out = append(out, it)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `SELECT s.course_id, c.title_kk, c.title_ru, c.title_en, s.starts_at, a.status, a.via FROM course_attendance a
		JOIN course_sessions s ON s.id = a.session_id JOIN courses c ON c.id = s.course_id WHERE a.user_id = ? ORDER BY s.course_id, s.starts_at`, userID)
	if err != nil {
		return nil, fmt.Errorf("courses: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var at db.Time
		var m ExportMark
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &at, &m.Status, &m.Via); err != nil {
			return nil, err
		}
		m.SessionStart = at.Time.UTC().Format("2006-01-02T15:04:05Z")
		i, ok := byCourse[id]
		if !ok { // marked, then left the course
			i = len(out)
			byCourse[id] = i
			out = append(out, ExportItem{CourseID: strconv.FormatInt(id, 10), Title: t, Status: "left"})
		}
		out[i].Marks = append(out[i].Marks, m)
	}
	return out, rows.Err()
}
