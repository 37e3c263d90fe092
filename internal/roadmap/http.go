package roadmap

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handler serves the roadmap page and API.
type Handler struct {
	S   *Service
	Srv *web.Server
}

// Register adds the routes and templates to the server.
func (svc *Service) Register(srv *web.Server) error {
	h := &Handler{S: svc, Srv: srv}
	if err := h.Srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	s := h.Srv
	s.PageCached("GET /programmes/{id}/roadmap", h.page)
	s.Page("POST /programmes/{id}/roadmap", h.create)
	s.Page("POST /roadmap/{id}/progress", h.progress)
	s.Page("POST /roadmap/{id}/links", h.link)
	s.Page("GET /roadmap/{id}/edit", h.editForm)
	s.Page("POST /roadmap/{id}/edit", h.edit)
	s.Page("POST /roadmap/{id}/delete", h.delete)
	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes/{id}/roadmap", ID: "listRoadmap", Summary: "A programme's roadmap",
		Tags: []string{"roadmap"}, Response: api.Page[ItemOut]{}, Errors: []int{404}}, h.apiList)
	s.APIOperation(api.Operation{Method: "POST", Path: "/programmes/{id}/roadmap", ID: "createRoadmapItem", Summary: "Add a roadmap item, optionally linked to accepted proposals (administrators)",
		Tags: []string{"roadmap"}, Auth: true, Request: ItemIn{}, Response: ItemOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiCreate())
	return nil
}

type group struct {
	Title string
	Items []Item
}

type pageView struct {
	P        *programmes.Programme
	Lang     i18n.Lang
	Groups   []group
	Overall  int
	Count    int
	CanAdmin bool
	Statuses []string
	Orgs     []Org // administrators: the choices of a responsible organization
}

func (v pageView) T(t i18n.Text) string { return t.In(v.Lang) }

// Offered reports whether organization id is among v.Orgs.
func (v pageView) Offered(id int64) bool {
	for _, o := range v.Orgs {
		if o.ID == id {
			return true
		}
	}
	return false
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	h.pageWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *Handler) pageWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	p, err := h.S.Programmes.Cached(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	items, err := h.S.List(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	role, err := h.S.Auth.RoleIn(r.Context(), web.UserOf(r), p.OrgID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	v := pageView{P: p, Lang: l, Overall: Overall(items), Count: len(items), CanAdmin: role >= auth.OrgAdmin, Statuses: Statuses}
	if v.CanAdmin {
		if v.Orgs, err = h.S.ResponsibleChoices(r.Context(), p); err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
	}
	// Grouped by direction, in the programme's order; items without one last.
	for _, dir := range append(p.Directions, programmes.Direction{}) {
		g := group{Title: dir.Title.In(l)}
		if dir.ID == 0 {
			g.Title = h.Srv.T(r, "roadmap.general")
		}
		for _, it := range items {
			if it.DirectionID == dir.ID {
				g.Items = append(g.Items, it)
			}
		}
		if len(g.Items) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	d.Title = h.Srv.T(r, "roadmap.title") + " · " + p.Title.In(l)
	d.Data = v
	h.Srv.Render(w, r, status, "roadmap_page", d)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, programmeID int64, err error) {
	fe, ok := web.FieldErrors(h.Srv.Printer(r), err)
	if !ok {
		h.Srv.Fail(w, r, err)
		return
	}
	r.SetPathValue("id", strconv.FormatInt(programmeID, 10))
	h.pageWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
}

// inputOf reads an item's form.
func inputOf(f url.Values) ItemInput {
	in := ItemInput{Title: i18n.Text{KK: f.Get("title.kk"), RU: f.Get("title.ru"), EN: f.Get("title.en")},
		Deadline: f.Get("deadline"), Status: f.Get("status")}
	in.DirectionID, _ = strconv.ParseInt(f.Get("direction_id"), 10, 64)
	in.ResponsibleID, _ = strconv.ParseInt(f.Get("responsible_id"), 10, 64)
	in.Progress, _ = strconv.Atoi(f.Get("progress"))
	return in
}

type editView struct {
	pageView
	Item *Item
}

// editPage shows an item's edit and delete forms (administrators).
func (h *Handler) editPage(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	it, err := h.S.Get(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	p, err := h.S.admin(r.Context(), web.UserOf(r), it.ProgrammeID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	v := editView{pageView: pageView{P: p, Lang: web.LangOf(r), CanAdmin: true}, Item: it}
	if v.Orgs, err = h.S.ResponsibleChoices(r.Context(), p); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if d.Form == nil {
		d.Form = url.Values{"title.kk": {it.Title.KK}, "title.ru": {it.Title.RU}, "title.en": {it.Title.EN}, "deadline": {it.Deadline},
			"direction_id": {idStr(it.DirectionID)}, "responsible_id": {idStr(it.ResponsibleID)}}
	}
	d.Title = h.Srv.T(r, "roadmap.edit_title")
	d.Data = v
	h.Srv.Render(w, r, status, "roadmap_edit", d)
}

func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Srv.Begin(w, r); !ok {
		return
	}
	h.editPage(w, r, http.StatusOK, &web.PageData{})
}

func (h *Handler) edit(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	it, err := h.S.Update(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, inputOf(r.PostForm))
	if err != nil {
		fe, ok := web.FieldErrors(h.Srv.Printer(r), err)
		if !ok {
			h.Srv.Fail(w, r, err)
			return
		}
		h.editPage(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(it.ProgrammeID, 10)+"/roadmap#item-"+strconv.FormatInt(id, 10), "roadmap.item_saved")
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	it, err := h.S.Delete(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(it.ProgrammeID, 10)+"/roadmap", "roadmap.deleted")
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	in := inputOf(r.PostForm)
	if _, err := h.S.Create(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, id, in); err != nil {
		h.fail(w, r, id, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10)+"/roadmap", "roadmap.created")
}

func (h *Handler) itemAction(w http.ResponseWriter, r *http.Request, fn func(u *auth.User, it *Item) error, flash string) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	it, err := h.S.Get(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if err := fn(u, it); err != nil {
		h.fail(w, r, it.ProgrammeID, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(it.ProgrammeID, 10)+"/roadmap#item-"+strconv.FormatInt(id, 10), flash)
}

func (h *Handler) progress(w http.ResponseWriter, r *http.Request) {
	h.itemAction(w, r, func(u *auth.User, it *Item) error {
		f := r.PostForm
		pr, err := strconv.Atoi(strings.TrimSpace(f.Get("progress")))
		if err != nil {
			var fs errs.Fields
			fs.Add("progress", "roadmap.progress_range")
			return fs.Err()
		}
		_, err = h.S.Progress(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, it.ID, f.Get("status"), pr, f.Get("note"))
		return err
	}, "roadmap.saved")
}

func (h *Handler) link(w http.ResponseWriter, r *http.Request) {
	h.itemAction(w, r, func(u *auth.User, it *Item) error {
		pid, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("proposal_id")), "#"), 10, 64)
		if err != nil {
			var fs errs.Fields
			fs.Add("proposal_id", "roadmap.no_such_proposal")
			return fs.Err()
		}
		return h.S.Link(audit.WithIP(r.Context(), h.Srv.ClientIP(r)), u, it.ID, pid)
	}, "roadmap.linked")
}

// ItemIn is the body of POST …/roadmap.
type ItemIn struct {
	Title         i18n.Text `json:"title"`
	DirectionID   string    `json:"direction_id,omitempty"`
	ResponsibleID string    `json:"responsible_organization_id,omitempty"`
	Deadline      string    `json:"deadline,omitempty" format:"date"`
	Status        string    `json:"status,omitempty" enum:"planned,in_progress,done,cancelled"`
	Progress      int       `json:"progress" doc:"0–100"`
	ProposalIDs   []string  `json:"proposal_ids,omitempty" doc:"accepted proposals of the programme to link"`
}

// ItemOut is a roadmap item as the API shows it.
type ItemOut struct {
	ID            string    `json:"id"`
	ProgrammeID   string    `json:"programme_id"`
	Title         i18n.Text `json:"title"`
	DirectionID   string    `json:"direction_id,omitempty"`
	ResponsibleID string    `json:"responsible_organization_id,omitempty"`
	Deadline      string    `json:"deadline,omitempty"`
	Status        string    `json:"status"`
	Progress      int       `json:"progress"`
	ProposalIDs   []string  `json:"proposal_ids"`
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func out(it *Item) ItemOut {
	o := ItemOut{ID: idStr(it.ID), ProgrammeID: idStr(it.ProgrammeID), Title: it.Title, DirectionID: idStr(it.DirectionID),
		ResponsibleID: idStr(it.ResponsibleID), Deadline: it.Deadline, Status: it.Status, Progress: it.Progress, ProposalIDs: []string{}}
	for _, l := range it.Links {
		o.ProposalIDs = append(o.ProposalIDs, idStr(l.ProposalID))
	}
	return o
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if _, err := h.S.Programmes.Rules(r.Context(), id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	items, err := h.S.List(r.Context(), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	res := api.Page[ItemOut]{Items: []ItemOut{}}
	for i := range items {
		res.Items = append(res.Items, out(&items[i]))
	}
	api.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) apiCreate() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in ItemIn) (ItemOut, error) {
		ctx := r.Context()
		dir, _ := strconv.ParseInt(in.DirectionID, 10, 64)
		resp, _ := strconv.ParseInt(in.ResponsibleID, 10, 64)
		// The item and its links are written together or not at all.
		var ids []int64
		var fs errs.Fields
		for _, s := range in.ProposalIDs {
			pid, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fs.Add("proposal_ids", "roadmap.no_such_proposal")
				continue
			}
			ids = append(ids, pid)
		}
		if err := fs.Err(); err != nil {
			return ItemOut{}, err
		}
		it, err := h.S.Create(ctx, u, id, ItemInput{Title: in.Title, DirectionID: dir, ResponsibleID: resp, Deadline: in.Deadline, Status: in.Status, Progress: in.Progress}, ids...)
		if err != nil {
			return ItemOut{}, err
		}
		return out(it), nil
	})
}
