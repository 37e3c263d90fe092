package calls

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is, on a person's home, the calls open to them now (issue 15,
// item 2): taking applications, not yet applied to, and for which
// Eligible finds nothing against them (age, region, membership). A few
// calls closing soonest are read, then judged by the same rule as the
// application itself.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil {
		return nil, nil
	}
	p := web.Panel{ID: "me-calls", Title: rd.P.T("me.open.calls.title"), Order: 9,
		Empty: rd.P.T("me.open.calls.empty"), More: rd.Link("/calls"), MoreText: rd.P.T("me.open.calls.all")}
	if u.Limited() {
		p.Empty = rd.P.T("me.open.limited")
		return []web.Panel{p}, nil
	}
	now := s.DB.Now()
	rows, err := s.DB.Query(ctx, `SELECT c.id FROM calls c JOIN call_stages st ON st.call_id = c.id
		WHERE st.position = (SELECT MIN(x.position) FROM call_stages x WHERE x.call_id = c.id)
		AND st.opens_at <= ? AND st.closes_at > ? AND st.closed_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM call_applications a WHERE a.call_id = c.id AND a.user_id = ?)
		ORDER BY st.closes_at, c.id LIMIT 12`, now, now, u.ID)
	if err != nil {
		return nil, fmt.Errorf("calls: board: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("calls: board: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		c, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !c.Open(now) || s.Eligible(ctx, u, c, now) != nil {
			continue
		}
		title, lang := rd.Text(c.Title)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/calls/" + strconv.FormatInt(c.ID, 10)),
			Meta: rd.P.T("me.open.calls.until", "date", rd.P.Date(c.Stages[0].ClosesAt)), Badge: rd.P.T("me.badge.open")})
		if len(p.Items) == 6 {
			break
		}
	}
	return []web.Panel{p}, nil
}
