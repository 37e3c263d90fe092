package app

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/competitions"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/elections"
	"github.com/ortaq/ortaq/internal/meetings"
	"github.com/ortaq/ortaq/internal/mentorship"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/orgs"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/reports"
	"github.com/ortaq/ortaq/internal/roadmap"
	"github.com/ortaq/ortaq/internal/search"
	"github.com/ortaq/ortaq/internal/telegram"
	"github.com/ortaq/ortaq/internal/web"
)

// Components are the built components (one package each: its service,
// its pages and API routes, its templates and catalog messages), for the
// demo data, tests and benchmarks.
type Components struct {
	Notify     *notify.Service
	Orgs       *orgs.Service
	Programmes *programmes.Service
	Proposals  *proposals.Service
	Roadmap    *roadmap.Service
	Elections  *elections.Service
	Meetings   *meetings.Service
	Calls      *calls.Service  // calls and contests: awards reads participants and winners from it
	Awards     *awards.Service // certificates and diplomas: calls and courses issue through it
	Reports    *reports.Service
	Search     *search.Service
	Courses    *courses.Service // courses: sessions, enrolment with a waiting list, attendance, certificates through awards
	// Competitions: teams, rounds, results, standings; diplomas through Awards.
	Competitions *competitions.Service
	Mentorship   *mentorship.Service // pools of mentors, matching rounds, mentorships
}

// component is what every component's service is: built by its package's
// New(Deps), its routes and templates added by Register.
type component interface {
	Register(srv *web.Server) error
}

// wire builds the components on top of the core and registers their
// routes on the web server: every component is built by New(Deps) in its
// own block below, and registered at the end in the order listed. A
// component needing another declares a small interface in its own package
// and gets it here through its Deps.
func (a *App) wire(ctx context.Context) error {
	var registered []component

	// wire:telegram (Telegram bot: linking page, sign-up in the chat, /start /help /stop, SendText)
	{
		tg, err := telegram.New(telegram.Deps{Config: telegram.Config{Token: a.Cfg.TelegramToken, APIURL: a.Cfg.TelegramAPIURL,
			BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName}, DB: a.DB, Catalog: a.Catalog, Log: a.Log,
			Auth: a.Auth, Regions: a.Regions, // sign-up in the chat
			Now:     a.Web,           // /start lists what the home page shows as happening now (the components' NowPanels)
			Presses: chatButtons{a}}) // inline buttons under components' messages (a course's offer: accept / decline)
		if err != nil {
			return err
		}
		registered = append(registered, tg)
		a.Telegram = tg
		a.background = append(a.background, tg.Run)
	}

	// wire:outbox (emails and Telegram messages after a change: stored,
	// sent after the commit, retried by every node until sent)
	{
		a.Outbox = outbox.New(a.DB, a.Mail, outbox.Config{BaseURL: a.Cfg.BaseURL, Log: a.Log, Messenger: a.messenger()})
		a.background = append(a.background, a.Outbox.Run) // stopped last by Serve
	}

	// wire:notify (each person's inbox; delivery by Telegram or email)
	{
		a.Notify = notify.New(notify.Deps{DB: a.DB, Outbox: a.Outbox, Catalog: a.Catalog, BaseURL: a.Cfg.BaseURL,
			Site: a.Cfg.SiteName, Log: a.Log})
		registered = append(registered, a.Notify)
	}

	// The search component is made first: the organizations directory
	// and the proposals list filter text through it (its sources are
	// added under wire:search).
	a.Search = search.New(search.Deps{DB: a.DB, Log: a.Log, Every: search.SyncEvery})
	// A change made through any node makes every node's next search copy
	// changes first: this node's at once, the others' when PostgreSQL
	// tells them; anything else is found within SyncEvery.
	a.Web.OnChange(a.Search.Touch)
	a.DB.OnEvent("pages", a.Search.Touch)

	// wire:orgs (registry of organizations and members)
	{
		a.Orgs = orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: a.Log,
			Notifier: a.Notify, // invitations are announced in the inbox, and by Telegram or email
			Search:   a.Search})
		if err := a.Orgs.Backfill(ctx); err != nil {
			return err
		}
		registered = append(registered, a.Orgs)
	}

	// wire:programmes (programmes and indicators)
	{
		a.Programmes = programmes.New(programmes.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Log: a.Log,
			Proposals: proposals.Counts{DB: a.DB}})
		registered = append(registered, a.Programmes)
	}

	// wire:proposals (proposals, support, comments, moderation)
	{
		a.Proposals = proposals.New(proposals.Deps{DB: a.DB, Auth: a.Auth, Programmes: a.Programmes, Notify: a.Notify,
			BaseURL: a.Cfg.BaseURL, Roadmap: roadmap.Links{DB: a.DB}, Search: a.Search})
		// Search keys made by an older internal/kazakh are recomputed.
		if err := a.Proposals.Rekey(ctx); err != nil {
			return err
		}
		a.stop = append(a.stop, a.Proposals.Stop)
		registered = append(registered, a.Proposals)
	}

	// wire:roadmap (what became of accepted proposals)
	{
		a.Roadmap = roadmap.New(roadmap.Deps{DB: a.DB, Auth: a.Auth, Programmes: a.Programmes, Proposals: a.Proposals,
			Notify: a.Notify})
		registered = append(registered, a.Roadmap)
	}

	// wire:elections (secret-ballot elections)
	{
		a.Elections = elections.New(elections.Deps{DB: a.DB, Auth: a.Auth, Keys: a.Keys, Mail: a.Mail, Catalog: a.Catalog,
			Log: a.Log, BaseURL: a.Cfg.BaseURL,
			Messenger: a.messenger()}) // voting codes by Telegram to those who linked it
		a.stop = append(a.stop, a.Elections.Stop)
		registered = append(registered, a.Elections)
	}

	// wire:meetings (meetings, agendas, attendance, questions)
	{
		a.Meetings = meetings.New(meetings.Deps{DB: a.DB, Auth: a.Auth, Outbox: a.Outbox, Catalog: a.Catalog, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, Elections: a.Elections})
		registered = append(registered, a.Meetings)
	}

	// wire:calls (calls, selections and contests: stages across organizations, juries, referral)
	{
		a.Calls = calls.New(calls.Deps{DB: a.DB, Auth: a.Auth, Outbox: a.Outbox, Catalog: a.Catalog, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName})
		registered = append(registered, a.Calls)
	}

	// wire:awards (certificates, diplomas and letters of thanks with
	// verification pages, PDFs and signed Open Badges credentials; to a
	// call's participants and winners through callsForAwards)
	{
		signer, err := certificate.NewSigner(a.Keys, a.Cfg.BaseURL)
		if err != nil {
			return err
		}
		a.Awards = awards.New(awards.Deps{DB: a.DB, Auth: a.Auth, Signer: signer, BaseURL: a.Cfg.BaseURL, Log: a.Log,
			Calls: callsForAwards{a.Calls}})
		registered = append(registered, a.Awards)
	}

	// wire:competitions (spartakiads, debate championships, leagues: teams,
	// draws by internal/draw, results by organizers and judges, standings;
	// diplomas and certificates through awards)
	{
		a.Competitions = competitions.New(competitions.Deps{DB: a.DB, Auth: a.Auth, Catalog: a.Catalog, Log: a.Log,
			Awards: a.Awards})
		registered = append(registered, a.Competitions)
	}

	// wire:mentorship (pools of mentors, requests, matching rounds with
	// internal/matching, mentorships with sessions, groups, reminders of
	// quiet pairs, certificates through awards)
	{
		a.Mentorship = mentorship.New(mentorship.Deps{DB: a.DB, Auth: a.Auth, Outbox: a.Outbox, Catalog: a.Catalog, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, Awards: a.Awards, Regions: a.Regions})
		a.Awards.AddRecipientSource(a.Mentorship.IsParticipant) // mentors and mentees of completed mentorships
		a.background = append(a.background, a.Mentorship.Run)
		a.stop = append(a.stop, a.Mentorship.Stop) // a round's notices being queued
		registered = append(registered, a.Mentorship)
	}

	// wire:reports (reports of what organizations did: pages, feeds,
	// photos, API; their lists on organizations' and programmes' pages)
	{
		a.Reports = reports.New(reports.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, SiteName: a.Cfg.SiteName})
		registered = append(registered, a.Reports)
		a.background = append(a.background, a.Reports.Run) // photos scaled after publishing (decision 0121)
	}

	// wire:search (one search over what the components register)
	{
		for _, src := range []search.Source{reports.SearchSource(a.DB), proposals.SearchSource(a.DB),
			orgs.SearchSource(a.DB), programmes.SearchSource(a.DB), meetings.SearchSource(a.DB)} {
			a.Search.Add(src)
		}
		// What is not yet indexed (a first start, a new key version) is
		// copied in the background; searches copy the rest as they come.
		srch := a.Search
		a.background = append(a.background, func(ctx context.Context) {
			if err := srch.Sync(ctx, true); err != nil && ctx.Err() == nil {
				a.Log.Warn("search: first sync", "err", err)
			}
		})
		registered = append(registered, a.Search)
	}

	// wire:courses (courses: a schedule of sessions, enrolment with a
	// waiting list whose offers expire, attendance by the teacher or by
	// rotating codes, certificates through awards, reminders; offers and
	// reminders in the background)
	{
		a.Courses = courses.New(courses.Deps{DB: a.DB, Auth: a.Auth, Outbox: a.Outbox, Catalog: a.Catalog, Log: a.Log,
			BaseURL: a.Cfg.BaseURL, Awards: a.Awards})
		a.Awards.AddRecipientSource(a.Courses.IsLearner) // a course's learners may be awarded by its organization
		a.background = append(a.background, a.Courses.Run)
		a.Search.Add(courses.SearchSource(a.DB)) // courses are found by title and description
		registered = append(registered, a.Courses)
	}

	for _, c := range registered {
		if err := c.Register(a.Web); err != nil {
			return err
		}
	}

	// wire:nav (the navigation's sections, and what each component offers
	// a person's home /me and the home page's "happening now"). A new
	// component adds its section here (or with srv.Section in its
	// Register) and offers panels by having MePanels / NowPanels.
	for _, sec := range []web.Section{
		{Path: "/organizations", Title: "nav.organizations", Text: "home.orgs.text", Order: 10},
		{Path: "/programmes", Title: "nav.programmes", Text: "home.programmes.text", Order: 20},
		{Path: "/meetings", Title: "nav.meetings", Text: "home.meetings.text", Order: 30},
		{Path: "/calls", Title: "calls.title", Text: "calls.home.text", Order: 40},
	} {
		a.Web.Section(sec)
	}
	for _, c := range registered {
		a.Web.AddBoards(fmt.Sprintf("%T", c), c) // those that are web.MeBoard or web.NowBoard
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
