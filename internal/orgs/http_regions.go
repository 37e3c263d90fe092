package orgs

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// The reference list's page for platform administrators: what the list
// holds, and the form to import a fuller one.

type regionSummary struct {
	Code, Name, Kind string
	Below            int
}

func (h *Handler) regionsAdmin(w http.ResponseWriter, r *http.Request) {
	h.regionsPage(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) regionsPage(w http.ResponseWriter, r *http.Request, status int, formErr error, res *RegionImportResult) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	if err := h.svc.auth.Require(r.Context(), u, 0, auth.PlatformAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	h.svc.freshRegions(r.Context())
	p := h.srv.Printer(r)
	var list []regionSummary
	idx := map[string]int{}
	below := 0
	for _, reg := range h.svc.regions.All() {
		if reg.Parent == "KZ" {
			idx[reg.Code] = len(list)
			list = append(list, regionSummary{Code: reg.Code, Name: reg.NameIn(p.Lang()), Kind: p.T("orgs.regions.kind." + reg.Kind)})
		}
	}
	for _, reg := range h.svc.regions.All() {
		if i, ok := idx[reg.Parent]; ok {
			list[i].Below++
			below++
		}
	}
	data := map[string]any{"Regions": list, "Top": len(list), "Below": below}
	d := &web.PageData{Title: p.T("orgs.regions.title"), Data: data}
	if formErr != nil {
		e, _ := errs.As(formErr)
		switch {
		case e != nil && e.Code == errs.Invalid && hasRows(e):
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
		case e != nil && e.Code == errs.Invalid && len(e.Fields) == 0:
			data["ImportError"] = p.T(e.Key, e.Args...)
		default:
			fe, ok := web.FieldErrors(p, formErr)
			if !ok {
				h.fail(w, r, formErr)
				return
			}
			d.Errors = fe
		}
	}
	if res != nil {
		d.Flash = p.T("orgs.import.done", "created", res.Created, "updated", res.Updated, "unchanged", res.Unchanged)
	}
	h.srv.Render(w, r, status, "orgs_regions", d)
}

func (h *Handler) importRegions(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	r = auditCtx(h, r)
	if err := h.svc.auth.Require(r.Context(), u, 0, auth.PlatformAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := readUpload(r, MaxRegionImportBytes)
	var res RegionImportResult
	if err == nil {
		res, err = h.svc.ImportRegions(r.Context(), u, data)
	}
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			h.fail(w, r, err)
			return
		}
		h.regionsPage(w, r, http.StatusUnprocessableEntity, err, nil)
		return
	}
	h.regionsPage(w, r, http.StatusOK, nil, &res)
}

func (h *Handler) apiImportRegions(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	ctx := auditCtx(h, r).Context()
	if err := h.svc.auth.Require(ctx, u, 0, auth.PlatformAdmin); err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := readUpload(r, MaxRegionImportBytes)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.ImportRegions(ctx, u, data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}

// exportRegions sends the reference list as a CSV file the import reads.
func (h *Handler) exportRegions(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	var buf bytes.Buffer
	if err := h.svc.ExportRegions(r.Context(), u, &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, CSV, "regions", buf.Bytes())
}

func isRegionImport(r *http.Request) bool {
	return r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/admin/regions/import") || r.URL.Path == "/api/v1/regions/import")
}
