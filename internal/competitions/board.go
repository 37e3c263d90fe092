package competitions

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels offers a person's home the games waiting for their result (as a
// judge) and the competitions they play in.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil || u.Limited() {
		return nil, nil
	}
	judge := web.Panel{ID: "me-competitions-judge", Title: rd.P.T("competitions.me.judge"), Order: 8}
	// A game waits for this judge when it has no judges of its own, or has
	// them, this judge among them, without this judge's decision yet.
	const waiting = `p.competition_id = c.id AND p.done = FALSE AND (
			NOT EXISTS (SELECT 1 FROM competition_game_judges g WHERE g.pairing_id = p.id)
			OR (EXISTS (SELECT 1 FROM competition_game_judges g WHERE g.pairing_id = p.id AND g.user_id = j.user_id)
				AND NOT EXISTS (SELECT 1 FROM competition_decisions d WHERE d.pairing_id = p.id AND d.user_id = j.user_id)))`
	err := s.panelItems(ctx, rd, &judge, `SELECT c.id, c.title_kk, c.title_ru, c.title_en, o.name_kk, o.name_ru, o.name_en,
			(SELECT COUNT(*) FROM competition_pairings p WHERE `+waiting+`)
		FROM competition_judges j JOIN competitions c ON c.id = j.competition_id JOIN organizations o ON o.id = c.org_id
		WHERE j.user_id = ? AND EXISTS (SELECT 1 FROM competition_pairings p WHERE `+waiting+`)
		ORDER BY c.id DESC LIMIT 10`, func(n int) string { return rd.P.N("competitions.me.waiting", n) }, u.ID)
	if err != nil {
		return nil, err
	}
	teams := web.Panel{ID: "me-competitions", Title: rd.P.T("competitions.me.teams"), Order: 26}
	err = s.panelItems(ctx, rd, &teams, `SELECT c.id, c.title_kk, c.title_ru, c.title_en, o.name_kk, o.name_ru, o.name_en, 0
		FROM competition_members m JOIN competitions c ON c.id = m.competition_id JOIN organizations o ON o.id = c.org_id
		WHERE m.user_id = ? ORDER BY c.id DESC LIMIT 10`, nil, u.ID)
	if err != nil {
		return nil, err
	}
	var out []web.Panel
	for _, p := range []web.Panel{judge, teams} {
		if len(p.Items) > 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

// NowPanels offers the home page the newest competitions.
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	p := web.Panel{ID: "now-competitions", Title: rd.P.T("competitions.now.title"), More: rd.Link("/competitions"),
		MoreText: rd.P.T("competitions.now.all"), Order: 45}
	err := s.panelItems(ctx, rd, &p, `SELECT c.id, c.title_kk, c.title_ru, c.title_en, o.name_kk, o.name_ru, o.name_en, 0
		FROM competitions c JOIN organizations o ON o.id = c.org_id ORDER BY c.id DESC LIMIT 5`, nil)
	if err != nil || len(p.Items) == 0 {
		return nil, err
	}
	return []web.Panel{p}, nil
}

func (s *Service) panelItems(ctx context.Context, rd web.Reader, p *web.Panel, q string, badge func(int) string, args ...any) error {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("competitions: panel %s: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title, org i18n.Text
		var n int
		if err := rows.Scan(&id, &title.KK, &title.RU, &title.EN, &org.KK, &org.RU, &org.EN, &n); err != nil {
			return fmt.Errorf("competitions: panel %s: %w", p.ID, err)
		}
		t, lang := rd.Text(title)
		meta, _ := rd.Text(org)
		it := web.PanelItem{Title: t, Lang: lang, URL: rd.Link(fmt.Sprintf("/competitions/%d", id)), Meta: meta}
		if badge != nil {
			it.Badge = badge(n)
		}
		p.Items = append(p.Items, it)
	}
	return rows.Err()
}
