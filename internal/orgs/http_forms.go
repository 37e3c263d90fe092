package orgs

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

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
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
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
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	u := req.User
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
	// The organization pickers (web.Pick) of the member organizations'
	// and the move forms: what was typed into the one posted.
	posted := url.Values{}
	if err != nil {
		posted = r.PostForm
	}
	for name, kind := range map[string]string{"SourcePick": "org-any", "ParentPick": "org"} {
		field := map[string]string{"SourcePick": "source_id", "ParentPick": "parent_id"}[name]
		f := url.Values{}
		for _, k := range []string{field, field + "_q", field + "_pick"} {
			if v, ok := posted[k]; ok {
				f[k] = v
			}
		}
		pk, perr := h.srv.Pick(r, kind, f, field)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		d.Data.(map[string]any)[name] = pk
	}
	h.srv.Render(w, r, status, "orgs_form", d)
}

// adminOrg loads the organization of the path for an administrator's form.
func (h *Handler) adminOrg(w http.ResponseWriter, r *http.Request) (*auth.User, *Org, bool) {
	begin := h.srv.Begin
	if r.Method == http.MethodPost {
		begin = h.srv.BeginForm
	}
	req, ok := begin(w, r, "id")
	if !ok {
		return nil, nil, false
	}
	o, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return req.User, o, true
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
	// The organization above, named by typing its name (web.Pick);
	// nothing typed: the top level.
	pk, err := h.srv.Pick(r, "org", web.PickFields(r.PostForm, "parent_id"), "parent_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if pk.ID == 0 && pk.Text != "" {
		var fs errs.Fields
		fs.Add("parent_id", pk.Err)
		h.editPage(w, r, http.StatusUnprocessableEntity, o, fs.Err())
		return
	}
	to := pk.ID
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
	if archived && !web.Confirmed(r) {
		h.confirm(w, r, u, o, "archive")
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
	if !web.Confirmed(r) {
		h.confirm(w, r, u, o, "delete")
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
	// The member organization, named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org-any", web.PickFields(r.PostForm, "source_id"), "source_id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if pk.ID == 0 {
		var fs errs.Fields
		fs.Add("source_id", pk.Err)
		err = fs.Err()
	} else {
		err = h.svc.AddSource(r.Context(), u, o.ID, pk.ID)
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
	req, ok := h.srv.BeginGuest(w, r, "sid")
	if !ok {
		return
	}
	sid := req.ID
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

// confirm says what archiving or deleting an organization does before it
// is done (web.Confirmation); only its administrators get this far.
func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, u *auth.User, o *Org, act string) {
	if err := h.svc.auth.Require(r.Context(), u, o.ID, auth.OrgAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	name := o.Name.In(p.Lang())
	id := strconv.FormatInt(o.ID, 10)
	c := &web.Confirmation{Action: "/organizations/" + id + "/" + act, Back: "/organizations/" + id + "/edit"}
	if act == "archive" {
		c.Title = p.T("orgs.confirm.archive.title", "name", name)
		c.Lines = []string{p.T("orgs.archive.hint")}
		c.Undo = p.T("orgs.confirm.archive.restore")
		c.Submit = p.T("orgs.archive.submit")
	} else {
		c.Title = p.T("orgs.confirm.delete.title", "name", name)
		c.Lines = []string{p.T("orgs.confirm.delete.gone"), p.T("orgs.confirm.delete.busy")}
		c.Submit, c.Danger = p.T("action.delete"), true
	}
	h.srv.Confirm(w, r, c)
}
