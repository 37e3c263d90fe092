package mentorship

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/web"
)

// MePanels offers a person's home their mentorships (what waits for them
// first: a mentee proposed to them, a mentor's answer) and, for organizers,
// the mentor applications waiting for approval.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	if rd.User == nil {
		return nil, nil
	}
	list, err := s.MentorshipsOf(ctx, rd.User, 0)
	if err != nil {
		return nil, err
	}
	var out []web.Panel
	p := web.Panel{ID: "me-mentorship", Title: rd.P.T("mentorship.mine"), Order: 45}
	for _, m := range list {
		if !m.Open() && m.Status != "completed" {
			continue
		}
		if len(p.Items) == 5 {
			break
		}
		role := m.Role(rd.User)
		other := m.MentorName
		if role == "mentor" {
			other = m.MenteeName
		}
		title, _ := rd.Text(m.PoolTitle)
		name, lang := rd.UserText(other)
		it := web.PanelItem{Title: name, URL: rd.Link(fmt.Sprintf("/mentorships/%d", m.ID)),
			Meta: rd.P.T("mentorship.role."+role) + " · " + title, Lang: lang}
		if m.Status == "proposed" && role == "mentor" {
			it.Badge = rd.P.T("mentorship.badge.answer")
		} else {
			it.Badge = rd.P.T("mentorship.status." + m.Status)
		}
		p.Items = append(p.Items, it)
	}
	if len(p.Items) > 0 {
		out = append(out, p)
	}
	// Organizers: pools with mentor applications to decide.
	rows, err := s.db.Query(ctx, `SELECT p.id, p.org_id, p.title_kk, p.title_ru, p.title_en, COUNT(*) FROM mentors m
		JOIN mentor_pools p ON p.id = m.pool_id
		WHERE m.status = 'pending' AND (? OR EXISTS (SELECT 1 FROM role_grants g JOIN organizations o ON o.id = g.org_id
			JOIN organizations t ON t.id = p.org_id WHERE g.user_id = ? AND substr(t.path, 1, length(o.path)) = o.path))
		GROUP BY p.id, p.org_id, p.title_kk, p.title_ru, p.title_en ORDER BY p.id LIMIT 5`, rd.User.IsAdmin, rd.User.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	q := web.Panel{ID: "me-mentor-applications", Title: rd.P.T("mentorship.pending"), Order: 46}
	for rows.Next() {
		var id, org int64
		var pool Pool
		var n int
		if err := rows.Scan(&id, &org, &pool.Title.KK, &pool.Title.RU, &pool.Title.EN, &n); err != nil {
			return nil, err
		}
		title, lang := rd.Text(pool.Title)
		q.Items = append(q.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link(fmt.Sprintf("/mentor-pools/%d/manage#pending", id)),
			Badge: rd.P.N("mentorship.n_applications", n)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(q.Items) > 0 {
		out = append(out, q)
	}
	return out, nil
}

// NowPanels offers the home page the pools with free places.
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	pools, err := s.Pools(ctx, 0, 0, 3)
	if err != nil || len(pools) == 0 {
		return nil, err
	}
	p := web.Panel{ID: "now-mentors", Title: rd.P.T("mentorship.pools"), Order: 45, More: rd.Link("/mentor-pools"), MoreText: rd.P.T("mentorship.all_pools")}
	for _, pl := range pools {
		title, lang := rd.Text(pl.Title)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link(fmt.Sprintf("/mentor-pools/%d", pl.ID)),
			Meta: rd.P.N("mentorship.n_mentors", pl.Mentors) + " · " + rd.P.N("mentorship.n_free", pl.FreeSeats)})
	}
	return []web.Panel{p}, nil
}
