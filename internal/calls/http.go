package calls

import (
	"embed"
	"strconv"

	"github.com/ortaq/ortaq/internal/i18n"
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
	srv.Page("GET /calls", h.list)
	srv.Page("GET /calls/new", h.newCall)
	srv.Page("POST /calls/new", h.postNew)
	srv.Page("GET /calls/{id}", h.show)
	srv.Page("POST /calls/{id}/apply", h.apply)
	srv.Page("GET /calls/{id}/stages/{stage_id}", h.stage)
	srv.Page("POST /calls/{id}/stages/{stage_id}/jurors", h.addJuror)
	srv.Page("POST /calls/{id}/stages/{stage_id}/assign", h.assign)
	srv.Page("POST /calls/{id}/stages/{stage_id}/close", h.close)
	srv.Page("POST /calls/{id}/stages/{stage_id}/decline", h.decline)
	srv.Page("GET /calls/{id}/stages/{stage_id}/review", h.review)
	srv.Page("POST /calls/{id}/stages/{stage_id}/review/{app}", h.score)
	srv.Page("POST /calls/{id}/stages/{stage_id}/review/{app}/conflict", h.conflict)
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
