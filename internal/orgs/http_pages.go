package orgs

import (
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

type regView struct {
	Number, Date, Authority, Status string
}

type namedView struct {
	ID    int64
	Name  string
	Kind  string
	Count int
}

// newLinkView is a "new …" link of another component (web.NewLink).
type newLinkView struct {
	Href  string // without the language
	Title string // message key
}

type activityView struct {
	At     string
	Action string
	Actor  string
}

// showBlock is an organization's page without what depends on the reader
// (web.Server.Fragment): its facts, registrations, report, organizations
// below and member organizations, with counts.
type showBlock struct {
	Org              orgRow
	Title            string
	Crumbs           []crumb
	Children, Groups []namedView
	MoreChildren     bool
	Sources          []namedView
	Registrations    []regView
	Report           *RegReport
	Description      string
	Purpose          string
	IsGroup          bool
	Phone, Email     string
	Website, Address string
	TakesMembers     bool // whether it takes requests to join
	OpenRequests     int  // requests to join waiting for an answer
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	// The reader's role decides what the page shows (links, the members'
	// part), not what they may change: the role this node found at most
	// a moment ago (auth.ViewRole), no statement while it is kept.
	role, err := h.svc.auth.ViewRole(ctx, web.UserOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key := strconv.FormatInt(id, 10)
	head, v, err := h.srv.Fragment(r, "orgs_show", "orgs_show_head", key, func() (any, error) { return h.showBlock(r, id) })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := v.(*showBlock)
	body, _, err := h.srv.Fragment(r, "orgs_show", "orgs_show_body", key, func() (any, error) { return b, nil })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Other components' parts of the page (its reports), via web.Parts.
	sections, err := h.srv.Parts(r, "orgs_show", id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := map[string]any{"Org": b.Org, "Head": head, "Body": body, "Sections": sections,
		"CanSeeMembers": role >= auth.Member, "CanAdmin": role >= auth.OrgAdmin}
	if role >= auth.OrgAdmin && !b.Org.Archived {
		// "New meeting / election / programme …" with this organization
		// already chosen: each component registers its own (web.NewLink).
		var links []newLinkView
		for _, l := range h.srv.NewLinks() {
			links = append(links, newLinkView{Href: l.Href(id), Title: l.Title})
		}
		data["New"] = links
	}
	if role >= auth.Member {
		// Recent activity: the same for every member, shown only to them.
		acts, _, err := h.srv.Fragment(r, "orgs_show", "orgs_show_activity", key, func() (any, error) { return h.activity(r, id) })
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Activity"] = acts
	}
	// Joining: asking, a request waiting, or requests for its administrators.
	if data["Join"], err = h.joinBox(r, b, role); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "orgs_show", &web.PageData{Title: b.Title, Data: data})
}

func (h *Handler) showBlock(r *http.Request, id int64) (*showBlock, error) {
	ctx := r.Context()
	if err := h.svc.EnsureCounts(ctx); err != nil {
		return nil, err
	}
	o, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p := h.srv.Printer(r)
	l := p.Lang()
	anc, err := h.svc.Ancestors(ctx, o)
	if err != nil {
		return nil, err
	}
	children, groups, more, err := h.svc.ChildrenIn(ctx, o.ID, 30, web.LangOf(r))
	if err != nil {
		return nil, err
	}
	sources, err := h.svc.Sources(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	regs, err := h.svc.Registrations(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	report, err := h.svc.RegistrationReport(ctx, o)
	if err != nil {
		return nil, err
	}
	takes, open, err := h.svc.JoinSummary(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	named := func(list []Named) []namedView {
		out := make([]namedView, len(list))
		for i, n := range list {
			out[i] = namedView{ID: n.ID, Name: n.Name.In(l), Kind: p.T("orgs.kind." + n.Kind), Count: n.Count}
		}
		return out
	}
	b := &showBlock{Org: h.row(p, o), Title: o.Name.In(l), Crumbs: h.crumbs(l, anc), Children: named(children),
		Groups: named(groups), MoreChildren: more, Sources: named(sources), Description: o.Description.In(l),
		Purpose: o.Purpose.In(l), IsGroup: o.IsGroup(), Phone: o.Phone, Email: o.Email, Website: o.Website,
		Address: o.Address, TakesMembers: takes, OpenRequests: open}
	for _, rg := range regs {
		b.Registrations = append(b.Registrations, regView{Number: rg.Number, Date: dateText(p, rg.Date),
			Authority: rg.Authority, Status: p.T("orgs.status." + rg.Status)})
	}
	if report.Total > 0 {
		b.Report = &report
	}
	return b, nil
}

// activity is an organization's recent administrative actions, for members.
func (h *Handler) activity(r *http.Request, id int64) ([]activityView, error) {
	acts, err := h.svc.Recent(r.Context(), id, 8)
	if err != nil {
		return nil, err
	}
	p := h.srv.Printer(r)
	var views []activityView
	for _, a := range acts {
		views = append(views, activityView{At: p.DateTime(a.At.Time), Action: audit.Label(p, a.Action), Actor: a.Actor})
	}
	return views, nil
}

func dateText(p *i18n.Printer, d string) string {
	t, err := parseDate(d)
	if err != nil {
		return d
	}
	return p.Date(t)
}
