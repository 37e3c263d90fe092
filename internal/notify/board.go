package notify

import (
	"context"

	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is a person's newest notifications on their home (/me).
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	if rd.User == nil {
		return nil, nil
	}
	ns, err := s.List(ctx, rd.User.ID, 0, 5)
	if err != nil {
		return nil, err
	}
	p := web.Panel{ID: "me-notifications", Title: rd.P.T("notify.inbox"), Empty: rd.P.T("me.notifications.empty"),
		More: rd.Link("/inbox"), MoreText: rd.P.T("me.notifications.all"), Order: 40}
	for _, n := range ns {
		it := web.PanelItem{Title: n.Text(rd.P), URL: rd.Link(n.Link), Meta: rd.P.DateTime(n.CreatedAt)}
		if !n.Read {
			it.Badge = rd.P.T("me.badge.new")
		}
		p.Items = append(p.Items, it)
	}
	return []web.Panel{p}, nil
}
