package proposals

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// openToMe is, on a person's home, the proposal collections open to them
// now (issue 15, item 2): programmes in their proposals phase whose ages
// include the person's age and whose regions include the person's region
// (a programme without regions is the whole country). A minor waiting for
// a guardian's consent cannot submit yet: the panel says so instead.
func (s *Service) openToMe(ctx context.Context, rd web.Reader) (web.Panel, error) {
	u := rd.User
	p := web.Panel{ID: "me-open-collections", Title: rd.P.T("me.open.collections.title"), Order: 8,
		Empty: rd.P.T("me.open.collections.empty"), More: rd.Link("/programmes"), MoreText: rd.P.T("now.programmes.all")}
	if u.Limited() {
		p.Empty = rd.P.T("me.open.limited")
		return p, nil
	}
	now := s.DB.Now()
	age := auth.AgeOf(u, now)
	rows, err := s.DB.Query(ctx, `SELECT pr.id, pr.title_kk, pr.title_ru, pr.title_en, ph.ends_at FROM programme_phases ph
		JOIN programmes pr ON pr.id = ph.programme_id
		WHERE ph.kind = 'proposals' AND ph.starts_at <= ? AND ph.ends_at > ?
		AND (? < 0 OR (pr.age_min <= ? AND pr.age_max >= ?))
		AND (pr.regions = '' OR ',' || pr.regions || ',' LIKE ?)
		ORDER BY ph.ends_at, pr.id LIMIT 6`, now, now, age, age, age, "%,"+u.Region+",%")
	if err != nil {
		return p, fmt.Errorf("proposals: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t i18n.Text
		var until db.Time
		if err := rows.Scan(&id, &t.KK, &t.RU, &t.EN, &until); err != nil {
			return p, fmt.Errorf("proposals: board: %w", err)
		}
		title, lang := rd.Text(t)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang,
			URL:  rd.Link("/programmes/" + strconv.FormatInt(id, 10) + "/proposals/new"),
			Meta: rd.P.T("now.collections.until", "date", rd.P.Date(until.Time)), Badge: rd.P.T("me.badge.open")})
	}
	return p, rows.Err()
}
