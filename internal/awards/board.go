package awards

import (
	"context"

	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is what awards offer a person's home: their newest awards,
// nothing when they have none.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	if rd.User == nil {
		return nil, nil
	}
	list, err := s.ForPerson(ctx, rd.User.ID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	base := string(rd.Lang)
	if rd.Lang == i18n.KKLatn {
		base = "kk"
	}
	p := web.Panel{ID: "me-awards", Title: rd.P.T("awards.mine.title"), Order: 40}
	for i, a := range list {
		if i == 3 {
			p.More, p.MoreText = rd.Link("/awards"), rd.P.T("awards.mine.all")
			break
		}
		title, org := a.Title.In(base, true), a.Org.In(base, true)
		if rd.Lang == i18n.KKLatn {
			title, org = kazakh.ToLatin(title), kazakh.ToLatin(org)
		}
		meta := org + " · " + rd.P.Date(a.IssuedAt)
		it := web.PanelItem{Title: rd.P.T("awards.kind."+string(a.Kind)) + ": " + title, URL: rd.Link("/awards/" + certificate.FormatCode(a.Code)), Meta: meta}
		if a.Revoked {
			it.Badge = rd.P.T("awards.status.revoked")
		}
		p.Items = append(p.Items, it)
	}
	return []web.Panel{p}, nil
}
