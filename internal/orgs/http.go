package orgs

import (
	"embed"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
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
func (svc *Service) Register(srv *web.Server) error {
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
	srv.AddPicker("org", orgPicker{h: h})
	srv.AddPicker("org-any", orgPicker{h: h, any: true})
	h.registerAPI()
	h.registerInvitations()
	h.registerJoins()
	svc.auth.AddExportPart("join_requests", svc.exportJoins)
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

func sendFile(w http.ResponseWriter, format, name string, b []byte) {
	w.Header().Set("Content-Type", ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.`+format+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
}

// ---- one organization ----

func (h *Handler) orgFromPath(w http.ResponseWriter, r *http.Request) (*Org, bool) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return nil, false
	}
	id := req.ID
	o, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return o, true
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
