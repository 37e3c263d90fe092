package orgs

import (
	"bytes"
	"embed"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handler serves the registry's pages and API.
type Handler struct {
	svc *Service
	srv *web.Server
}

// Register adds the registry's templates, pages and API to the server.
func Register(srv *web.Server, svc *Service) error {
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	h := &Handler{svc: svc, srv: srv}
	srv.AllowLargeBody(func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/members/import") &&
			strings.Contains(r.URL.Path, "/organizations/")
	}, MaxImportBytes)
	srv.AllowLargeBody(isRegionImport, MaxRegionImportBytes)

	// Guests may get these two pages up to the cache's lifetime old.
	srv.PageCached("GET /organizations", h.directory)
	srv.Page("GET /organizations/export", h.exportOrgs)
	srv.Page("GET /organizations/new", h.newForm)
	srv.Page("POST /organizations", h.create)
	srv.PageCached("GET /organizations/{id}", h.show)
	srv.Page("GET /organizations/{id}/edit", h.editForm)
	srv.Page("POST /organizations/{id}", h.update)
	srv.Page("POST /organizations/{id}/move", h.move)
	srv.Page("POST /organizations/{id}/archive", h.archive)
	srv.Page("POST /organizations/{id}/restore", h.restore)
	srv.Page("POST /organizations/{id}/delete", h.delete)
	srv.Page("POST /organizations/{id}/registrations", h.addRegistration)
	srv.Page("POST /organizations/{id}/member-organizations", h.addSource)
	srv.Page("POST /organizations/{id}/member-organizations/{sid}/delete", h.removeSource)
	srv.Page("GET /organizations/{id}/members", h.members)
	srv.Page("POST /organizations/{id}/members", h.addMember)
	srv.Page("POST /organizations/{id}/members/{mid}/end", h.endMember)
	srv.Page("POST /organizations/{id}/members/import", h.importMembers)
	srv.Page("GET /organizations/{id}/members/export", h.exportMembers)
	srv.Page("GET /admin/regions", h.regionsAdmin)
	srv.Page("POST /admin/regions/import", h.importRegions)
	srv.Page("GET /admin/regions/export", h.exportRegions)
	h.registerAPI()
	h.registerInvitations()
	return nil
}

// ---- view models ----

type orgRow struct {
	ID                           int64
	Name, Short, Kind, KindLabel string
	Place                        string
	Members, Subtree             int
	Status                       string
	Archived                     bool
}

func (h *Handler) place(l i18n.Lang, region, district string) string {
	var parts []string
	if r, ok := h.svc.regions.Get(region); ok {
		parts = append(parts, r.NameIn(l))
	}
	if d, ok := h.svc.regions.Get(district); ok {
		parts = append(parts, d.NameIn(l))
	}
	return strings.Join(parts, ", ")
}

func (h *Handler) row(p *i18n.Printer, o *Org) orgRow {
	r := orgRow{ID: o.ID, Name: o.Name.In(p.Lang()), Short: o.Short.In(p.Lang()), Kind: o.Kind,
		KindLabel: p.T("orgs.kind." + o.Kind), Place: h.place(p.Lang(), o.Region, o.District),
		Members: o.MemberCount, Subtree: o.SubtreeCount, Archived: o.Archived()}
	if o.RegStatus != "" {
		r.Status = p.T("orgs.status." + o.RegStatus)
	}
	return r
}

type option struct {
	Value, Label string
	Group        []option
}

func kindOptions(p *i18n.Printer) []option {
	out := make([]option, len(Kinds))
	for i, k := range Kinds {
		out[i] = option{Value: k, Label: p.T("orgs.kind." + k)}
	}
	return out
}

func statusOptions(p *i18n.Printer) []option {
	out := make([]option, len(Statuses))
	for i, k := range Statuses {
		out[i] = option{Value: k, Label: p.T("orgs.status." + k)}
	}
	return out
}

func roleOptions(p *i18n.Printer) []option {
	out := make([]option, len(Roles))
	for i, k := range Roles {
		out[i] = option{Value: k, Label: p.T("orgs.role." + k)}
	}
	return out
}

// RoleLabel names a membership role in p's language (custom roles as
// written).
func RoleLabel(p *i18n.Printer, role string) string {
	if has(Roles, role) {
		return p.T("orgs.role." + role)
	}
	return role
}

func (h *Handler) regionOptions(l i18n.Lang) []option {
	var out []option
	for _, r := range h.svc.regions.Options(l) {
		o := option{Value: r.Code, Label: r.Name}
		for _, d := range r.Districts {
			o.Group = append(o.Group, option{Value: d.Code, Label: d.Name})
		}
		out = append(out, o)
	}
	return out
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) { h.srv.Fail(w, r, err) }

func auditCtx(h *Handler, r *http.Request) *http.Request {
	return r.WithContext(audit.WithIP(r.Context(), h.srv.ClientIP(r)))
}

// ---- the directory ----

func (h *Handler) filterFrom(q url.Values) (Filter, bool) {
	f := Filter{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Region: q.Get("region"),
		Cursor: q.Get("cursor"), Archived: q.Get("archived") == "1"}
	tree := q.Get("view") == "tree"
	if p, err := strconv.ParseInt(q.Get("parent"), 10, 64); err == nil && p > 0 {
		f.Parent = p
	}
	return f, tree
}

// dirBlock is the directory without what depends on the reader: the
// filter form and the page of organizations (a table or a tree), rendered
// once per moment for everyone who asks for the same filter
// (web.Server.Fragment).
type dirBlock struct {
	Q, Kind, Region string // the filter as the form shows it
	Kinds, Regions  []option
	District        *option
	Errors          map[string]string
	Parent          int64
	Rows            []orgRow
	Tree            bool
	Nodes           []treeNode
	Open            bool
	Next            string
	ParentName      string
	Crumbs          []crumb
	Err             error // the filter's field errors (the page is a 422)
}

func (h *Handler) directory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, tree := h.filterFrom(q)
	f.Limit = 50
	if tree {
		f.Roots = f.Parent == 0
	}
	// Everything the blocks depend on, normalized: the key of their copies
	// and the next page's link.
	norm := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "kind": f.Kind, "region": f.Region, "cursor": f.Cursor} {
		if v != "" {
			norm.Set(k, v)
		}
	}
	if f.Parent != 0 {
		norm.Set("parent", strconv.FormatInt(f.Parent, 10))
	}
	if f.Archived {
		norm.Set("archived", "1")
	}
	if tree {
		norm.Set("view", "tree")
	}
	key := norm.Encode()
	head, v, err := h.srv.Fragment(r, "orgs_list", "orgs_list_head", key, func() (any, error) {
		return h.directoryBlock(r, f, tree, norm)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := v.(*dirBlock)
	rows, _, err := h.srv.Fragment(r, "orgs_list", "orgs_list_rows", key, func() (any, error) { return b, nil })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The reader's part: links to exports and, for platform administrators,
	// to new organizations and the regions.
	u := web.UserOf(r)
	norm.Del("cursor")
	norm.Del("view")
	data := map[string]any{"Head": head, "Rows": rows, "Tree": tree, "Query": norm.Encode(),
		"CanCreateRoot": u != nil && u.IsAdmin}
	status := http.StatusOK
	if b.Err != nil {
		status = http.StatusUnprocessableEntity
	}
	h.srv.Render(w, r, status, "orgs_list", &web.PageData{Title: h.srv.T(r, "orgs.directory.title"), Data: data})
}

// directoryBlock loads the directory's page of organizations for f.
func (h *Handler) directoryBlock(r *http.Request, f Filter, tree bool, norm url.Values) (*dirBlock, error) {
	ctx := r.Context()
	if err := h.svc.EnsureCounts(ctx); err != nil {
		return nil, err
	}
	h.svc.freshRegions(ctx)
	p := h.srv.Printer(r)
	b := &dirBlock{Q: f.Q, Kind: f.Kind, Region: f.Region, Kinds: kindOptions(p), Parent: f.Parent, Tree: tree}
	// The filter offers the regions; a district (from a link) stays selected.
	for _, r := range h.svc.regions.Options(p.Lang()) {
		b.Regions = append(b.Regions, option{Value: r.Code, Label: r.Name})
	}
	if reg, ok := h.svc.regions.Get(f.Region); ok && reg.Parent != "KZ" {
		b.District = &option{Value: reg.Code, Label: reg.NameIn(p.Lang())}
	}
	list, next, err := h.svc.List(ctx, f)
	if err != nil {
		fe, ok := web.FieldErrors(p, err)
		if !ok {
			return nil, err
		}
		b.Err, b.Errors = err, fe
	}
	b.Rows = make([]orgRow, len(list))
	for i, o := range list {
		b.Rows[i] = h.row(p, o)
	}
	if tree && len(list) > 0 {
		ids := make([]int64, len(list))
		for i, o := range list {
			ids[i] = o.ID
		}
		below, more, err := h.svc.TreeBelow(ctx, ids, treeChildren)
		if err != nil {
			return nil, err
		}
		b.Nodes = make([]treeNode, len(b.Rows))
		for i, row := range b.Rows {
			b.Nodes[i] = treeNode{orgRow: row, More: more[row.ID]}
			for _, c := range below[row.ID] {
				b.Nodes[i].Children = append(b.Nodes[i].Children, treeChild{ID: c.ID, Name: c.Name.In(p.Lang()),
					Kind: p.T("orgs.kind." + c.Kind), Count: c.Count, Below: c.Below})
			}
		}
		// A few organizations open at once; many stay folded, one line each.
		b.Open = len(b.Nodes) <= 5
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range norm {
			nq[k] = v
		}
		nq.Set("cursor", next)
		b.Next = "/organizations?" + nq.Encode()
	}
	if f.Parent != 0 {
		parent, err := h.svc.Get(ctx, f.Parent)
		if err == nil {
			anc, err := h.svc.Ancestors(ctx, parent)
			if err != nil {
				return nil, err
			}
			b.ParentName = parent.Name.In(p.Lang())
			b.Crumbs = h.crumbs(p.Lang(), anc)
		} else if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
	}
	return b, nil
}

// treeChildren is how many organizations the tree shows below each of the
// page's organizations; the rest are a link away.
const treeChildren = 12

type treeNode struct {
	orgRow
	Children []treeChild
	More     bool
}

type treeChild struct {
	ID         int64
	Name, Kind string
	Count      int
	Below      bool
}

type crumb struct {
	ID   int64
	Name string
}

func (h *Handler) crumbs(l i18n.Lang, anc []Named) []crumb {
	out := make([]crumb, len(anc))
	for i, a := range anc {
		out[i] = crumb{ID: a.ID, Name: a.Name.In(l)}
	}
	return out
}

func (h *Handler) exportOrgs(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	q := r.URL.Query()
	f, _ := h.filterFrom(q)
	format := q.Get("format")
	if err := CheckFormat(format); err != nil {
		h.fail(w, r, err)
		return
	}
	// Validate before the headers go out: an error is still a page.
	if _, _, err := h.svc.List(r.Context(), Filter{Q: f.Q, Kind: f.Kind, Region: f.Region, Parent: f.Parent, Limit: 1}); err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.svc.ExportOrgs(r.Context(), u, f, &buf, format); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, format, "organizations", buf.Bytes())
}

func sendFile(w http.ResponseWriter, format, name string, b []byte) {
	w.Header().Set("Content-Type", ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.`+format+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
}

// ---- one organization ----

func (h *Handler) orgFromPath(w http.ResponseWriter, r *http.Request) (*Org, bool) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return nil, false
	}
	o, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return o, true
}

type regView struct {
	Number, Date, Authority, Status string
}

type namedView struct {
	ID    int64
	Name  string
	Kind  string
	Count int
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
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	// The reader's part: one query (none for guests).
	role, err := h.svc.auth.RoleIn(ctx, web.UserOf(r), id)
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
	// Other components' parts of the page (its reports), via web.Sections.
	sections, err := h.srv.Sections(r, "orgs_show", id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := map[string]any{"Org": b.Org, "Head": head, "Body": body, "Sections": sections,
		"CanSeeMembers": role >= auth.Member, "CanAdmin": role >= auth.OrgAdmin}
	if role >= auth.Member {
		// Recent activity: the same for every member, shown only to them.
		acts, _, err := h.srv.Fragment(r, "orgs_show", "orgs_show_activity", key, func() (any, error) { return h.activity(r, id) })
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Activity"] = acts
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
	children, groups, more, err := h.svc.Children(ctx, o.ID, 30)
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
		Address: o.Address}
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
		label := a.Action
		if key := "orgs.activity." + a.Action; p.Has(key) {
			label = p.T(key)
		}
		views = append(views, activityView{At: p.DateTime(a.At.Time), Action: label, Actor: a.Actor})
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

// ---- create and edit ----

// patchFromForm reads the organization form: every field is sent, so
// every field is set.
func patchFromForm(f url.Values) Patch {
	s := func(k string) *string { v := f.Get(k); return &v }
	t := func(k string) *i18n.Text {
		return &i18n.Text{KK: f.Get(k + ".kk"), RU: f.Get(k + ".ru"), EN: f.Get(k + ".en")}
	}
	p := Patch{Kind: s("kind"), Name: t("name"), Short: t("short_name"), Description: t("description"), Purpose: t("purpose"),
		Region: s("region"), District: s("district"), Phone: s("contacts.phone"), Email: s("contacts.email"),
		Website: s("contacts.website"), Address: s("contacts.address")}
	if f.Get("registration.number") != "" || f.Get("registration.date") != "" {
		p.Registration = &RegInput{Number: f.Get("registration.number"), Date: f.Get("registration.date"),
			Authority: f.Get("registration.authority"), Status: f.Get("registration.status")}
	}
	return p
}

func formOf(o *Org) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("kind", o.Kind)
	for _, t := range []struct {
		k string
		t i18n.Text
	}{{"name", o.Name}, {"short_name", o.Short}, {"description", o.Description}, {"purpose", o.Purpose}} {
		set(t.k+".kk", t.t.KK)
		set(t.k+".ru", t.t.RU)
		set(t.k+".en", t.t.EN)
	}
	set("region", o.Region)
	set("district", o.District)
	set("contacts.phone", o.Phone)
	set("contacts.email", o.Email)
	set("contacts.website", o.Website)
	set("contacts.address", o.Address)
	if o.ParentID != 0 {
		set("parent_id", strconv.FormatInt(o.ParentID, 10))
	}
	return v
}

func (h *Handler) formData(r *http.Request, o *Org, parent *Org) map[string]any {
	h.svc.freshRegions(r.Context())
	p := h.srv.Printer(r)
	d := map[string]any{"Kinds": kindOptions(p), "Regions": h.regionOptions(p.Lang()), "Statuses": statusOptions(p)}
	if o != nil {
		d["Org"] = h.row(p, o)
	}
	if parent != nil {
		d["Parent"] = h.row(p, parent)
	}
	return d
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	var parent *Org
	if v := r.URL.Query().Get("parent"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
			return
		}
		if parent, err = h.svc.Get(r.Context(), id); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	pid := int64(0)
	form := url.Values{"kind": {"primary_organization"}}
	if parent != nil {
		pid = parent.ID
		form.Set("region", parent.Region)
		form.Set("district", parent.District)
	}
	if err := h.svc.auth.Require(r.Context(), u, pid, orgAdminOr(pid)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "orgs_form", &web.PageData{Title: h.srv.T(r, "orgs.new.title"),
		Form: form, Data: h.formData(r, nil, parent)})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	r = auditCtx(h, r)
	var parent *Org
	pid, _ := strconv.ParseInt(r.PostForm.Get("parent_id"), 10, 64)
	if pid > 0 {
		var err error
		if parent, err = h.svc.Get(r.Context(), pid); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	o, err := h.svc.Create(r.Context(), u, pid, patchFromForm(r.PostForm))
	if err != nil {
		h.srv.FormError(w, r, "orgs_form", err, &web.PageData{Title: h.srv.T(r, "orgs.new.title"), Data: h.formData(r, nil, parent)})
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), "orgs.flash.created")
}

func (h *Handler) editPage(w http.ResponseWriter, r *http.Request, status int, o *Org, err error) {
	p := h.srv.Printer(r)
	d := &web.PageData{Title: p.T("orgs.edit.title"), Data: h.formData(r, o, nil), Form: formOf(o)}
	if err != nil {
		fe, ok := web.FieldErrors(p, err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		d.Errors = fe
		for k, v := range r.PostForm {
			d.Form[k] = v
		}
	}
	regs, rerr := h.svc.Registrations(r.Context(), o.ID)
	if rerr != nil {
		h.fail(w, r, rerr)
		return
	}
	sources, serr := h.svc.Sources(r.Context(), o.ID)
	if serr != nil {
		h.fail(w, r, serr)
		return
	}
	named := make([]namedView, len(sources))
	for i, n := range sources {
		named[i] = namedView{ID: n.ID, Name: n.Name.In(p.Lang()), Kind: p.T("orgs.kind." + n.Kind), Count: n.Count}
	}
	d.Data.(map[string]any)["Registrations"] = regs
	d.Data.(map[string]any)["Sources"] = named
	h.srv.Render(w, r, status, "orgs_form", d)
}

// adminOrg loads the organization of the path for an administrator's form.
func (h *Handler) adminOrg(w http.ResponseWriter, r *http.Request) (*auth.User, *Org, bool) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return nil, nil, false
	}
	if r.Method == http.MethodPost && !h.srv.ParseForm(w, r) {
		return nil, nil, false
	}
	o, ok := h.orgFromPath(w, r)
	if !ok {
		return nil, nil, false
	}
	return u, o, true
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	if err := h.svc.auth.Require(r.Context(), u, o.ID, auth.OrgAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	h.editPage(w, r, http.StatusOK, o, nil)
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	if _, err := h.svc.Update(r.Context(), u, o.ID, patchFromForm(r.PostForm)); err != nil {
		h.editPage(w, r, http.StatusUnprocessableEntity, o, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), "orgs.flash.saved")
}

func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	var to int64
	if v := strings.TrimSpace(r.PostForm.Get("parent_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			var fs errs.Fields
			fs.Add("parent_id", "validation.invalid_choice")
			h.editPage(w, r, http.StatusUnprocessableEntity, o, fs.Err())
			return
		}
		to = n
	}
	if err := h.svc.Move(r.Context(), u, o.ID, to); err != nil {
		h.editPage(w, r, http.StatusUnprocessableEntity, o, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), "orgs.flash.moved")
}

func (h *Handler) archive(w http.ResponseWriter, r *http.Request) { h.setArchived(w, r, true) }
func (h *Handler) restore(w http.ResponseWriter, r *http.Request) { h.setArchived(w, r, false) }

func (h *Handler) setArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	if err := h.svc.Archive(r.Context(), u, o.ID, archived); err != nil {
		h.fail(w, r, err)
		return
	}
	flash := "orgs.flash.archived"
	if !archived {
		flash = "orgs.flash.restored"
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), flash)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	if err := h.svc.Delete(r.Context(), u, o.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	next := "/organizations"
	if o.ParentID != 0 {
		next = "/organizations/" + strconv.FormatInt(o.ParentID, 10)
	}
	h.srv.Redirect(w, r, next, "orgs.flash.deleted")
}

func (h *Handler) addRegistration(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	f := r.PostForm
	err := h.svc.AddRegistration(r.Context(), u, o.ID, RegInput{Number: f.Get("registration.number"),
		Date: f.Get("registration.date"), Authority: f.Get("registration.authority"), Status: f.Get("registration.status")})
	if err != nil {
		h.editPage(w, r, http.StatusUnprocessableEntity, o, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), "orgs.flash.registration_saved")
}

func (h *Handler) addSource(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	sid, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("source_id")), 10, 64)
	if err != nil || sid <= 0 {
		var fs errs.Fields
		fs.Add("source_id", "validation.invalid_choice")
		err = fs.Err()
	} else {
		err = h.svc.AddSource(r.Context(), u, o.ID, sid)
	}
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			if rerr := h.svc.auth.Require(r.Context(), u, o.ID, auth.OrgAdmin); rerr != nil {
				err = rerr
			}
		}
		h.editPage(w, r, http.StatusUnprocessableEntity, o, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10), "orgs.flash.source_added")
}

func (h *Handler) removeSource(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	sid, err := web.PathID(r, "sid")
	if err != nil {
		h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	if err := h.svc.RemoveSource(r.Context(), u, o.ID, sid, r.PostForm.Get("detach") == "1"); err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.editPage(w, r, http.StatusUnprocessableEntity, o, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/edit", "orgs.flash.source_removed")
}

// ---- members ----

type memberView struct {
	ID                int64
	Name, Email, Role string
	Since, Until      string
	Hidden            bool
	Source            string
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	h.membersPage(w, r, http.StatusOK, nil, nil)
}

// membersPage renders the member list; err (a form's) is shown next to its
// fields, imported (a finished import) as a notice.
func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request, status int, formErr error, imported *ImportResult) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	// Whether, and how much of, the list the reader may see: one query,
	// before anything of the list is looked at.
	view, err := h.svc.CanSeeMembers(ctx, u, id)
	if err != nil {
		if _, gerr := h.svc.Get(ctx, id); errs.CodeOf(gerr) == errs.NotFound {
			err = gerr
		}
		h.fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	q := r.URL.Query()
	f := MemberFilter{History: q.Get("history") == "1", Cursor: q.Get("cursor"), Limit: 50}
	// What the rows show differs by what the reader may see, so each kind
	// of reader has its own copy.
	seen := "member"
	switch {
	case view.ShowEmail:
		seen = "admin"
	case view.ShowHidden:
		seen = "moderator"
	}
	key := url.Values{"org": {strconv.FormatInt(id, 10)}, "cursor": {f.Cursor}, "seen": {seen}}
	if f.History {
		key.Set("history", "1")
	}
	if r.Method != http.MethodGet {
		// After an import, or beside a form's errors: the rows as they are
		// now, not a copy from before the change (this copy is forgotten
		// when the change succeeds).
		key.Set("now", strconv.FormatInt(time.Now().UnixNano(), 10))
	}
	rows, v, err := h.srv.Fragment(r, "orgs_members", "orgs_members_rows", key.Encode(), func() (any, error) {
		return h.memberBlock(r, id, view, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := v.(*memberBlock)
	if b.Err != nil {
		h.fail(w, r, b.Err)
		return
	}
	data := map[string]any{"Org": b.Org, "Rows": rows, "History": f.History, "CanAdmin": view.Role >= auth.OrgAdmin,
		"Roles": b.Roles, "Sources": b.Sources}
	if view.Role >= auth.OrgAdmin {
		if err := h.adminLists(r, u, id, data); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if view.Role >= auth.OrgAdmin && formErr == nil {
		// The forms as every administrator first sees them.
		forms, _, err := h.srv.Fragment(r, "orgs_members", "orgs_members_forms", key.Encode(), func() (any, error) { return b, nil })
		if err != nil {
			h.fail(w, r, err)
			return
		}
		data["Forms"] = forms
	}
	d := &web.PageData{Title: p.T("orgs.members.title", "name", b.Org.Name), Data: data, Form: url.Values{}}
	if formErr != nil {
		e, _ := errs.As(formErr)
		if e != nil && e.Code == errs.Invalid && hasRows(e) {
			var report []importError
			for i, f := range e.Fields {
				if i == 200 {
					data["ReportMore"] = len(e.Fields) - i
					break
				}
				report = append(report, importError{Row: f.Row, Field: f.Name, Message: p.T(f.Key, f.Args...)})
			}
			data["Report"] = report
			data["ReportCount"] = len(e.Fields)
		} else if e != nil && e.Code == errs.Invalid && len(e.Fields) == 0 {
			data["ImportError"] = p.T(e.Key, e.Args...)
		} else {
			fe, ok := web.FieldErrors(p, formErr)
			if !ok {
				h.fail(w, r, formErr)
				return
			}
			d.Errors = fe
			d.Form = r.PostForm
		}
	}
	if imported != nil {
		d.Flash = p.T("orgs.import.done", "created", imported.Created, "updated", imported.Updated, "unchanged", imported.Unchanged)
		if imported.Limited > 0 {
			d.Flash += " " + p.T("orgs.import.limited", "count", imported.Limited)
		}
		if imported.Guardians > 0 {
			d.Flash += " " + p.T("orgs.import.guardians", "count", imported.Guardians)
		}
		if imported.Invited > 0 {
			d.Flash += " " + p.T("orgs.import.invited", "count", imported.Invited)
		}
	}
	h.srv.Render(w, r, status, "orgs_members", d)
}

// memberBlock is a page of a member list as one kind of reader sees it
// (web.Server.Fragment): the organization, its member organizations and
// the rows.
type memberBlock struct {
	Org      orgRow
	Roles    []option
	Sources  []option
	Rows     []memberView
	History  bool
	CanAdmin bool
	Next     string
	Today    string
	Err      error // a bad cursor
}

func (h *Handler) memberBlock(r *http.Request, id int64, view MemberView, f MemberFilter) (*memberBlock, error) {
	ctx := r.Context()
	if err := h.svc.EnsureCounts(ctx); err != nil {
		return nil, err
	}
	o, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p := h.srv.Printer(r)
	b := &memberBlock{Org: h.row(p, o), Roles: roleOptions(p), History: f.History, CanAdmin: view.Role >= auth.OrgAdmin, Today: today(h.svc.db.Now())}
	list, next, err := h.svc.memberRows(ctx, id, view, f)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return nil, err
		}
		b.Err = err
	}
	sources, err := h.svc.Sources(ctx, id)
	if err != nil {
		return nil, err
	}
	srcName := map[int64]string{}
	for _, s := range sources {
		srcName[s.ID] = s.Name.In(p.Lang())
		b.Sources = append(b.Sources, option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name.In(p.Lang())})
	}
	b.Rows = make([]memberView, len(list))
	for i, m := range list {
		b.Rows[i] = memberView{ID: m.ID, Name: m.Name, Email: m.Email, Role: RoleLabel(p, m.Role), Since: dateText(p, m.Since),
			Until: dateText(p, m.Until), Hidden: m.Hidden, Source: srcName[m.SourceID]}
	}
	if next != "" {
		nq := url.Values{"cursor": {next}}
		if f.History {
			nq.Set("history", "1")
		}
		b.Next = "/organizations/" + strconv.FormatInt(id, 10) + "/members?" + nq.Encode()
	}
	return b, nil
}

type importError struct {
	Row            int
	Field, Message string
}

func hasRows(e *errs.Error) bool {
	for _, f := range e.Fields {
		if f.Row > 0 {
			return true
		}
	}
	return false
}

func (h *Handler) addMember(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	f := r.PostForm
	role := f.Get("role")
	if role == "custom" {
		role = f.Get("custom_role")
	}
	sid, _ := strconv.ParseInt(f.Get("source_id"), 10, 64)
	_, inv, err := h.svc.AddOrInvite(r.Context(), u, o.ID, MemberInput{Email: f.Get("email"), Role: role, Since: f.Get("since"),
		Until: f.Get("until"), SourceID: sid})
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.membersPage(w, r, http.StatusUnprocessableEntity, err, nil)
		return
	}
	if inv != nil {
		// The same answer whether or not the address has an account.
		h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members#invitations", "orgs.invitation.sent")
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members", "orgs.flash.member_added")
}

func (h *Handler) endMember(w http.ResponseWriter, r *http.Request) {
	u, o, ok := h.adminOrg(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	mid, err := web.PathID(r, "mid")
	if err != nil {
		h.fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	if err := h.svc.EndMember(r.Context(), u, o.ID, mid, strings.TrimSpace(r.PostForm.Get("until"))); err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/organizations/"+strconv.FormatInt(o.ID, 10)+"/members", "orgs.flash.member_ended")
}

// readUpload reads the multipart field "file".
func readUpload(r *http.Request, max int) ([]byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if web.Status(err) == http.StatusRequestEntityTooLarge {
			return nil, errs.New(errs.TooLarge, "error.413.text")
		}
		var fs errs.Fields
		fs.Add("file", "orgs.import.no_file")
		return nil, fs.Err()
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		var fs errs.Fields
		fs.Add("file", "orgs.import.no_file")
		return nil, fs.Err()
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, errs.New(errs.TooLarge, "error.413.text")
	}
	if len(b) == 0 {
		var fs errs.Fields
		fs.Add("file", "orgs.import.no_file")
		return nil, fs.Err()
	}
	return b, nil
}

func (h *Handler) importMembers(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	o, ok := h.orgFromPath(w, r)
	if !ok {
		return
	}
	r = auditCtx(h, r)
	if err := h.svc.auth.Require(r.Context(), u, o.ID, auth.OrgAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := readUpload(r, MaxImportBytes)
	var res ImportResult
	if err == nil {
		res, err = h.svc.ImportMembers(r.Context(), u, o.ID, data)
	}
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.membersPage(w, r, http.StatusUnprocessableEntity, err, nil)
		return
	}
	h.membersPage(w, r, http.StatusOK, nil, &res)
}

func (h *Handler) exportMembers(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	o, ok := h.orgFromPath(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if err := CheckFormat(format); err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.svc.ExportMembers(r.Context(), u, o.ID, &buf, format); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, format, "members-"+strconv.FormatInt(o.ID, 10), buf.Bytes())
}
