package meetings

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// organizedSQL limits meetings m to those of organizations where the
// person (one argument) holds a grant, directly or from above.
const organizedSQL = `EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id
	WHERE g.user_id = ? AND substr(o.path, 1, length(go.path)) = go.path)`

// MePanels is what meetings offer a person's home: their registrations
// with the next dates, and for organizers the minutes waiting for
// approval and the waiting lists of their coming meetings.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil {
		return nil, nil
	}
	now := s.db.Now()
	regs := web.Panel{ID: "me-registrations", Title: rd.P.T("me.registrations.title"), Empty: rd.P.T("me.registrations.empty"),
		More: rd.Link("/meetings"), MoreText: rd.P.T("me.meetings.all"), Order: 20}
	err := s.items(ctx, rd, &regs, `SELECT m.id, m.title_kk, m.title_ru, m.title_en, m.starts_at, m.ends_at, r.status
		FROM meeting_registrations r JOIN meetings m ON m.id = r.meeting_id
		WHERE r.user_id = ? AND m.ends_at >= ? AND m.cancelled_at IS NULL
		ORDER BY m.starts_at, m.id LIMIT 10`, func(extra string) string {
		if extra == "waitlist" {
			return rd.P.T("me.badge.waitlist")
		}
		return ""
	}, u.ID, now)
	if err != nil {
		return nil, err
	}
	minutes := web.Panel{ID: "me-minutes", Title: rd.P.T("me.minutes.title"), Order: 6}
	err = s.items(ctx, rd, &minutes, `SELECT m.id, m.title_kk, m.title_ru, m.title_en, m.starts_at, m.ends_at, ''
		FROM meetings m JOIN organizations o ON o.id = m.org_id
		WHERE m.ends_at < ? AND m.minutes_approved_at IS NULL AND m.cancelled_at IS NULL AND `+organizedSQL+`
		ORDER BY m.ends_at DESC, m.id LIMIT 10`, func(string) string { return rd.P.T("me.badge.to_approve") }, now, u.ID)
	if err != nil {
		return nil, err
	}
	waiting := web.Panel{ID: "me-waiting", Title: rd.P.T("me.waiting.title"), Order: 7}
	err = s.items(ctx, rd, &waiting, `SELECT m.id, m.title_kk, m.title_ru, m.title_en, m.starts_at, m.ends_at,
		(SELECT COUNT(*) FROM meeting_registrations w WHERE w.meeting_id = m.id AND w.status = 'waitlist')
		FROM meetings m JOIN organizations o ON o.id = m.org_id
		WHERE m.ends_at >= ? AND m.cancelled_at IS NULL AND `+organizedSQL+`
		AND EXISTS (SELECT 1 FROM meeting_registrations w WHERE w.meeting_id = m.id AND w.status = 'waitlist')
		ORDER BY m.starts_at, m.id LIMIT 10`, func(n string) string {
		c, _ := strconv.Atoi(n)
		return rd.P.N("me.waiting.count", c)
	}, now, u.ID)
	if err != nil {
		return nil, err
	}
	return []web.Panel{regs, minutes, waiting}, nil
}

// NowPanels is the home page's coming meetings (meetings are public).
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	p := web.Panel{ID: "now-meetings", Title: rd.P.T("now.meetings.title"), Empty: rd.P.T("now.meetings.empty"),
		More: rd.Link("/meetings"), MoreText: rd.P.T("me.meetings.all"), Order: 20}
	err := s.items(ctx, rd, &p, `SELECT m.id, m.title_kk, m.title_ru, m.title_en, m.starts_at, m.ends_at, ''
		FROM meetings m WHERE m.ends_at >= ? AND m.cancelled_at IS NULL
		ORDER BY m.starts_at, m.id LIMIT 5`, func(string) string { return "" }, s.db.Now())
	return []web.Panel{p}, err
}

// items reads rows of (id, title ×3, starts_at, ends_at, extra) into p:
// each a link to the meeting with its time below and badge(extra).
func (s *Service) items(ctx context.Context, rd web.Reader, p *web.Panel, q string, badge func(string) string, args ...any) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("meetings: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var from, to db.Time
		var extra sql.NullString
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &from, &to, &extra); err != nil {
			return fmt.Errorf("meetings: board: %w", err)
		}
		title, lang := rd.Text(t)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/meetings/" + strconv.FormatInt(id, 10)),
			Meta: rd.P.TimeRange(from.Time, to.Time), Badge: badge(extra.String)})
	}
	return rows.Err()
}
