package elections

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is, on a person's home, the elections open to them that they
// have not voted in yet.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	return s.votes(ctx, rd, "me-votes", 2)
}

// NowPanels is, on the home page, the votes open to the reader (none for
// guests: who may vote is personal) and the newest published results
// (public).
func (s *Service) NowPanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	votes, err := s.votes(ctx, rd, "now-votes", 1)
	if err != nil {
		return nil, err
	}
	results, err := s.results(ctx, rd)
	return append(votes, results...), err
}

// votes is the elections open to the reader that they have not voted in
// yet.
func (s *Service) votes(ctx context.Context, rd web.Reader, id string, order int) ([]web.Panel, error) {
	if rd.User == nil {
		return nil, nil
	}
	p := web.Panel{ID: id, Title: rd.P.T("me.votes.title"), Order: order}
	if id == "me-votes" {
		p.Empty = rd.P.T("me.votes.empty")
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.title_kk, e.title_ru, e.title_en, e.seats FROM election_electorate v
		JOIN elections e ON e.id = v.election_id
		WHERE v.person_id = ? AND e.status = 'open'
		AND NOT EXISTS (SELECT 1 FROM election_voters x WHERE x.election_id = e.id AND x.person_id = v.person_id)
		ORDER BY e.opened_at DESC, e.id LIMIT 10`, rd.User.ID)
	if err != nil {
		return nil, fmt.Errorf("elections: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var eid int64
		var t i18n.Text
		var seats int
		if err := rows.Scan(&eid, &t.KK, &t.RU, &t.EN, &seats); err != nil {
			return nil, fmt.Errorf("elections: board: %w", err)
		}
		title, lang := rd.Text(t)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/elections/" + strconv.FormatInt(eid, 10)),
			Badge: rd.P.T("me.badge.open")})
	}
	return []web.Panel{p}, rows.Err()
}

// results is the newest published results (published results are public).
func (s *Service) results(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	p := web.Panel{ID: "now-results", Title: rd.P.T("now.results.title"), Order: 25}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.title_kk, e.title_ru, e.title_en, e.published_at FROM elections e
		WHERE e.status = 'published' ORDER BY e.published_at DESC, e.id DESC LIMIT 3`)
	if err != nil {
		return nil, fmt.Errorf("elections: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var eid int64
		var t i18n.Text
		var at db.Time
		if err := rows.Scan(&eid, &t.KK, &t.RU, &t.EN, &at); err != nil {
			return nil, fmt.Errorf("elections: board: %w", err)
		}
		title, lang := rd.Text(t)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/elections/" + strconv.FormatInt(eid, 10)),
			Meta: rd.P.T("now.results.published", "date", rd.P.Date(at.Time))})
	}
	return []web.Panel{p}, rows.Err()
}
