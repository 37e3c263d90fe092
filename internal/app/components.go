package app

import (
	"context"

	"github.com/ortaq/ortaq/internal/elections"
	"github.com/ortaq/ortaq/internal/meetings"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/orgs"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/programmes/progwire"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/reports"
	"github.com/ortaq/ortaq/internal/search"
	"github.com/ortaq/ortaq/internal/telegram"
)

// wire builds the components (one package each: its service, its pages and
// API routes, its templates and catalog messages) on top of the core and
// registers their routes on the web server. Each component keeps to its
// own block below.
func (a *App) wire(ctx context.Context) error {
	// wire:telegram (Telegram bot: linking page, /start /help /stop, SendText)
	{
		tg, err := telegram.New(telegram.Config{Token: a.Cfg.TelegramToken, APIURL: a.Cfg.TelegramAPIURL,
			BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName}, a.DB, a.Catalog, a.Log)
		if err != nil {
			return err
		}
		if err := tg.Register(a.Web); err != nil {
			return err
		}
		a.Telegram = tg
		a.background = append(a.background, tg.Run)
	}

	// wire:outbox (emails and Telegram messages after a change: stored,
	// sent after the commit, retried by every node until sent)
	{
		a.Outbox = outbox.New(a.DB, a.Mail, outbox.Config{BaseURL: a.Cfg.BaseURL, Log: a.Log})
		if m := a.messenger(); m != nil {
			a.Outbox.SetMessenger(m)
		}
		a.background = append(a.background, a.Outbox.Run) // stopped last by Serve
	}

	// wire:orgs (registry of organizations and members)
	{
		svc := orgs.New(a.DB, a.Auth, a.Regions, a.Catalog, a.Log)
		// Invitations are announced in the inbox, and by Telegram or email.
		svc.SetNotifier(&notify.Service{DB: a.DB, Outbox: a.Outbox, Catalog: a.Catalog, BaseURL: a.Cfg.BaseURL,
			Site: a.Cfg.SiteName, Log: a.Log})
		if err := svc.Backfill(ctx); err != nil {
			return err
		}
		if err := orgs.Register(a.Web, svc); err != nil {
			return err
		}
	}

	// wire:programmes (programmes, proposals, roadmap, indicators)
	ps, err := progwire.Wire(progwire.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: a.Log,
		Mail: a.Mail, Web: a.Web, Outbox: a.Outbox, BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName})
	if err != nil {
		return err
	}
	// Search keys made by an older internal/kazakh are recomputed.
	if err := ps.Proposals.Rekey(ctx); err != nil {
		return err
	}
	a.stop = append(a.stop, ps.Proposals.Stop)

	// wire:meetings (meetings and elections)
	{
		el := elections.New(a.DB, a.Auth, a.Keys).WithMail(a.Mail, a.Catalog, a.Log, a.Cfg.BaseURL)
		if m := a.messenger(); m != nil {
			el.SetMessenger(m) // voting codes by Telegram to those who linked it
		}
		a.stop = append(a.stop, el.Stop)
		if err := elections.Mount(a.Web, el, a.Cfg.BaseURL); err != nil {
			return err
		}
		ms := meetings.New(a.DB, a.Auth, a.Outbox, a.Catalog, a.Log, a.Cfg.BaseURL)
		if err := meetings.Mount(a.Web, ms, el); err != nil {
			return err
		}
	}

	// wire:reports (reports of what organizations did: pages, feeds, photos, API)
	{
		rs := reports.New(reports.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName})
		if err := rs.Register(a.Web); err != nil {
			return err
		}
	}

	// wire:search (one search over what the components register)
	{
		srch := search.New(search.Deps{DB: a.DB, Log: a.Log})
		for _, src := range []search.Source{reports.SearchSource(a.DB), proposals.SearchSource(a.DB),
			orgs.SearchSource(a.DB), programmes.SearchSource(a.DB), meetings.SearchSource(a.DB)} {
			srch.Add(src)
		}
		if err := srch.Register(a.Web); err != nil {
			return err
		}
		// What is not yet indexed (a first start, a new key version) is
		// copied in the background; searches copy the rest as they come.
		a.background = append(a.background, func(ctx context.Context) {
			if err := srch.Sync(ctx, true); err != nil && ctx.Err() == nil {
				a.Log.Warn("search: first sync", "err", err)
			}
		})
	}

	return nil
}

// messenger is the Telegram bot when one is configured, else nil (an
// interface holding a nil *telegram.Bot would not be nil).
func (a *App) messenger() notify.Messenger {
	if a.Cfg.TelegramToken == "" || a.Telegram == nil {
		return nil
	}
	return a.Telegram
}
