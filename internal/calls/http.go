package calls

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

type handler struct {
	s   *Service
	srv *web.Server
}

// Register adds the calls pages, API and templates to srv.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	h := &handler{s: s, srv: srv}
	srv.AllowLargeBody(isApplyUpload, maxApplyBody)
	srv.Page("GET /calls", h.list)
	srv.Page("GET /calls/new", h.newCall)
	srv.Page("POST /calls/new", h.postNew)
	srv.Page("GET /calls/{id}", h.show)
	srv.Page("POST /calls/{id}/apply", h.apply)
	srv.Page("GET /calls/{id}/applications/{app}/files/{key}", h.file)
	srv.Page("POST /calls/{id}/invitations/{app}", h.answerInvitation)
	srv.Page("POST /calls/{id}/applications/{app}/team", h.inviteMember)
	srv.Page("GET /calls/{id}/stages/{stage_id}", h.stage)
	srv.Page("POST /calls/{id}/stages/{stage_id}/jurors", h.addJuror)
	srv.Page("POST /calls/{id}/stages/{stage_id}/assign", h.assign)
	srv.Page("POST /calls/{id}/stages/{stage_id}/close", h.close)
	srv.Page("POST /calls/{id}/stages/{stage_id}/holdings/{org}/publication", h.publication)
	srv.Page("POST /calls/{id}/stages/{stage_id}/decline", h.decline)
	srv.Page("GET /calls/{id}/stages/{stage_id}/review", h.review)
	srv.Page("POST /calls/{id}/stages/{stage_id}/review/{app}", h.score)
	srv.Page("POST /calls/{id}/stages/{stage_id}/review/{app}/conflict", h.conflict)
	srv.Page("GET /calls/{id}/relatives", h.relatives)
	srv.Page("POST /calls/{id}/relatives", h.postRelative)
	srv.Page("GET /calls/{id}/stages/{stage_id}/results.xlsx", h.exportXLSX)
	srv.Page("GET /calls/{id}/stages/{stage_id}/protocol.pdf", h.exportPDF)
	srv.AddPart("orgs_show", h.orgPart)
	h.registerAPI()
	return nil
}

// view is what every calls page has.
type view struct {
	Lang i18n.Lang
}

func (v view) T(t i18n.Text) string { return t.In(v.Lang) }

// Num prints a score with one decimal.
func (v view) Num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// maxApplyBody is the largest application request: a file for each of the
// form's file questions and room for the answers.
const maxApplyBody = MaxFileQuestions*(proposals.MaxAttachment+1) + 256<<10

// isApplyUpload matches the requests that send an application, which may
// carry files: POST /{lang}/calls/{id}/apply and POST /api/v1/calls/{id}/applications.
func isApplyUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 4 && parts[1] == "calls" && parts[3] == "apply":
		return true
	case len(parts) == 5 && parts[0] == "api" && parts[2] == "calls" && parts[4] == "applications":
		return true
	}
	return false
}

// file serves a file answer so that no browser runs or renders it in our
// origin, as proposals serve attachments: a download named for the type
// found in its content, that type, no sniffing, a sandbox.
func (h *handler) file(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "app")
	if !ok {
		return
	}
	f, err := h.s.FileOf(r.Context(), req.User, req.ID, req.PathID("app"), r.PathValue("key"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.ContentType)
	hd.Set("Content-Disposition", proposals.ContentDisposition(f.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.Write(f.Data)
}
