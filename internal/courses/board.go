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
