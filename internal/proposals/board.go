package proposals

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is what proposals offer a person's home: their proposals with
// the answers they got, and for moderators the reports waiting in the
// programmes of the organizations they moderate.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil {
		return nil, nil
	}
	mine := web.Panel{ID: "me-proposals", Title: rd.P.T("me.proposals.title"), Order: 30}
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.title, p.status, p.answered_at FROM proposals p
		WHERE p.author_id = ? AND p.merged_into IS NULL
		ORDER BY CASE WHEN p.answered_at IS NULL THEN 1 ELSE 0 END, p.answered_at DESC, p.id DESC LIMIT 10`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("proposals: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title, status string
		var answered sql.Null[db.Time]
		if err := rows.Scan(&id, &title, &status, &answered); err != nil {
			return nil, fmt.Errorf("proposals: board: %w", err)
		}
		shown, lang := rd.UserText(title)
		it := web.PanelItem{Title: shown, Lang: lang, URL: rd.Link("/proposals/" + strconv.FormatInt(id, 10)),
			Badge: rd.P.T("proposals.status." + status)}
		if answered.Valid {
			it.Meta = rd.P.T("me.proposals.answered", "date", rd.P.Date(answered.V.Time))
		}
		mine.Items = append(mine.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()

	reports := web.Panel{ID: "me-reports", Title: rd.P.T("me.reports.title"), Order: 4}
	rows, err = s.DB.Query(ctx, `SELECT pr.id, pr.title_kk, pr.title_ru, pr.title_en, COUNT(*)
		FROM proposal_reports r JOIN proposals p ON p.id = r.proposal_id
		JOIN programmes pr ON pr.id = p.programme_id JOIN organizations o ON o.id = pr.org_id
		WHERE r.resolved_at IS NULL AND EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id
			WHERE g.user_id = ? AND substr(o.path, 1, length(go.path)) = go.path)
		GROUP BY pr.id, pr.title_kk, pr.title_ru, pr.title_en ORDER BY COUNT(*) DESC, pr.id LIMIT 10`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("proposals: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var n int
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &n); err != nil {
			return nil, fmt.Errorf("proposals: board: %w", err)
		}
		title, lang := rd.Text(t)
		reports.Items = append(reports.Items, web.PanelItem{Title: title, Lang: lang,
			URL: rd.Link("/programmes/" + strconv.FormatInt(id, 10) + "/reports"), Badge: rd.P.N("me.reports.count", n)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	open, err := s.openToMe(ctx, rd)
	if err != nil {
		return nil, err
	}
	return []web.Panel{reports, mine, open}, nil
}

// NowPanels is the home page's open proposal collections (programmes in
// their proposals phase) and the newest proposals.
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	now := s.DB.Now()
	open := web.Panel{ID: "now-collections", Title: rd.P.T("now.collections.title"), Empty: rd.P.T("now.collections.empty"),
		More: rd.Link("/programmes"), MoreText: rd.P.T("now.programmes.all"), Order: 10}
	rows, err := s.DB.Query(ctx, `SELECT pr.id, pr.title_kk, pr.title_ru, pr.title_en, ph.ends_at FROM programme_phases ph
		JOIN programmes pr ON pr.id = ph.programme_id
		WHERE ph.kind = 'proposals' AND ph.starts_at <= ? AND ph.ends_at > ?
		ORDER BY ph.ends_at, pr.id LIMIT 6`, now, now)
	if err != nil {
		return nil, fmt.Errorf("proposals: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var until db.Time
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &until); err != nil {
			return nil, fmt.Errorf("proposals: board: %w", err)
		}
		title, lang := rd.Text(t)
		open.Items = append(open.Items, web.PanelItem{Title: title, Lang: lang,
			URL:  rd.Link("/programmes/" + strconv.FormatInt(id, 10) + "/proposals"),
			Meta: rd.P.T("now.collections.until", "date", rd.P.Date(until.Time)), Badge: rd.P.T("me.badge.open")})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()

	newest := web.Panel{ID: "now-proposals", Title: rd.P.T("now.proposals.title"), Order: 30}
	rows, err = s.DB.Query(ctx, `SELECT p.id, p.title, p.created_at FROM proposals p
		WHERE p.hidden = FALSE AND p.merged_into IS NULL ORDER BY p.id DESC LIMIT 5`)
	if err != nil {
		return nil, fmt.Errorf("proposals: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title string
		var at db.Time
		if err := rows.Scan(&id, &title, &at); err != nil {
			return nil, fmt.Errorf("proposals: board: %w", err)
		}
		shown, lang := rd.UserText(title)
		newest.Items = append(newest.Items, web.PanelItem{Title: shown, Lang: lang,
			URL: rd.Link("/proposals/" + strconv.FormatInt(id, 10)), Meta: rd.P.Date(at.Time)})
	}
	return []web.Panel{open, newest}, rows.Err()
}
