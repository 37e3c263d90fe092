// Package progwire builds the programme components — programmes and
// indicators, proposals, roadmap, notifications — and registers their
// pages and API on the web server. internal/app calls Wire from its
// programmes block.
package progwire

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/regions"
	"github.com/ortaq/ortaq/internal/roadmap"
	"github.com/ortaq/ortaq/internal/web"
)

// Deps are what the components need from the core.
type Deps struct {
	DB       *db.DB
	Auth     *auth.Service
	Regions  *regions.List
	Catalog  *i18n.Catalog
	Log      *slog.Logger
	Mail     mail.Sender // unused: notifications go through Outbox (kept for the callers that set it)
	Web      *web.Server
	Outbox   *outbox.Box // delivers notifications by Telegram or email (the log without SMTP); nil: the inbox only
	BaseURL  string
	SiteName string
}

// Services are the built components.
type Services struct {
	Programmes *programmes.Service
	Proposals  *proposals.Service
	Roadmap    *roadmap.Service
	Notify     *notify.Service
}

// Build makes the services without registering anything (demo data,
// benchmarks).
func Build(d Deps) *Services {
	n := &notify.Service{DB: d.DB, Catalog: d.Catalog, BaseURL: d.BaseURL, Site: d.SiteName, Log: d.Log}
	n.SetOutbox(d.Outbox)
	p := programmes.New(d.DB, d.Auth, d.Regions)
	pr := proposals.New(d.DB, d.Auth, p, n)
	rm := &roadmap.Service{DB: d.DB, Auth: d.Auth, Programmes: p, Proposals: pr, Notify: n}
	return &Services{Programmes: p, Proposals: pr, Roadmap: rm, Notify: n}
}

// Wire builds the services and registers their pages, API and templates.
func Wire(d Deps) (*Services, error) {
	s := Build(d)
	roadmapRefs := func(ctx context.Context, id int64) ([]proposals.RoadmapRef, error) {
		refs, err := s.Roadmap.ForProposal(ctx, id)
		out := make([]proposals.RoadmapRef, len(refs))
		for i, r := range refs {
			out[i] = proposals.RoadmapRef(r)
		}
		return out, err
	}
	ph := &programmes.Handler{S: s.Programmes, Srv: d.Web, Extras: func(r *http.Request, p *programmes.Programme) map[string]any {
		n, err := s.Proposals.Count(r.Context(), p.ID)
		if err != nil {
			d.Log.Warn("programmes: count proposals", "programme", strconv.FormatInt(p.ID, 10), "err", err)
		}
		return map[string]any{"Proposals": n}
	}}
	if err := ph.Register(); err != nil {
		return nil, err
	}
	if err := (&proposals.Handler{S: s.Proposals, Srv: d.Web, BaseURL: d.BaseURL, Roadmap: roadmapRefs}).Register(); err != nil {
		return nil, err
	}
	if err := (&roadmap.Handler{S: s.Roadmap, Srv: d.Web}).Register(); err != nil {
		return nil, err
	}
	if err := s.Notify.Register(d.Web); err != nil {
		return nil, err
	}
	d.Web.SetHeaderCounter(func(ctx context.Context, userID int64) int {
		n, err := s.Notify.Unread(ctx, userID)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Warn("notify: unread count", "err", err)
			}
			return 0
		}
		return n
	})
	return s, nil
}
