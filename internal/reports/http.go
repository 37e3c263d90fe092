package reports

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// maxUpload is the most a report with its photos may weigh as sent.
const maxUpload = 6*MaxPhotoBytes + 1<<20

// Register adds the pages, feeds and API.
func (s *Service) Register(srv *web.Server) error {
	s.srv = srv
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	srv.AllowLargeBody(isUpload, maxUpload)
	srv.PageCached("GET /reports", s.listPage)
	srv.Page("GET /reports/new", s.newForm)
	srv.Page("POST /reports", s.createPage)
	srv.PageCached("GET /reports/{id}", s.showPage)
	srv.Page("GET /reports/{id}/edit", s.editForm)
	srv.Page("POST /reports/{id}", s.updatePage)
	srv.Page("GET /reports/{id}/seen.gif", s.seen)
	srv.Page("GET /reports/photos/{id}/{size}", s.photo)
	srv.Section(web.Section{Path: "/reports", Title: "reports.title", Text: "reports.home.text", Order: 50})
	srv.AddPart("orgs_show", s.orgSection)
	for page, kind := range map[string]string{"programmes_show": "programme", "meetings_show": "meeting", "calls_show": "call",
		"courses_show": "course", "competitions_show": "competition"} {
		srv.AddPart(page, linkedSection(s, kind))
	}
	srv.PageCached("GET /reports.atom", s.feed)
	srv.PageCached("GET /organizations/{id}/reports.atom", s.feed)

	listQ := api.ListQuery(api.Param{Name: "organization_id", Description: "an organization: its reports and its subtree's"},
		api.Param{Name: "programme_id", Description: "reports linked to a programme"},
		api.Param{Name: "meeting_id", Description: "reports linked to a meeting"},
		api.Param{Name: "region", Description: "region code of the organization"},
		api.Param{Name: "month", Description: "YYYY-MM of publication"})
	srv.APIOperation(api.Operation{Method: "GET", Path: "/reports", ID: "listReports", Summary: "Published reports, newest first",
		Tags: []string{"reports"}, Response: api.Page[ReportOut]{}, Query: listQ, Errors: []int{422}}, s.apiList)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/reports", ID: "createReport", Summary: "Write a report (the organization's administrators)",
		Description: "A JSON body, or multipart/form-data: the part \"report\" holds the same JSON, parts \"photo\" JPEG or PNG photos of at most 10 MB each " +
			"(checked at once — type, size, dimensions — then scaled on the server to 1600 px and a 400 px thumbnail, EXIF removed, after the answer: " +
			"until then a photo's state is pending, without addresses; a photo that cannot be read becomes failed, with the reason in error). " +
			"status defaults to published; scheduled needs published_at in the future.",
		Tags: []string{"reports"}, Auth: true, Request: ReportIn{}, Response: ReportOut{}, Status: 201, Errors: []int{401, 403, 404, 413, 422}}, s.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/reports/{id}", ID: "getReport", Summary: "A report (drafts: its organization's administrators only)",
		Tags: []string{"reports"}, Response: ReportOut{}, Errors: []int{404}}, s.apiGet)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/reports/{id}", ID: "updateReport", Summary: "Edit a report; the audit log keeps what it was",
		Tags: []string{"reports"}, Auth: true, Request: ReportIn{}, Response: ReportOut{}, Errors: []int{401, 403, 404, 422}},
		web.JSONAction(s.srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in ReportIn) (ReportOut, error) {
			inp, err := in.input()
			if err != nil {
				return ReportOut{}, err
			}
			rep, err := s.Update(r.Context(), u, id, inp)
			if err != nil {
				return ReportOut{}, err
			}
			return s.out(rep, r, true), nil
		}))
	return nil
}

func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return false
	}
	p := r.URL.Path
	if p == "/api/v1/reports" {
		return true
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if rest == "reports" {
		return true
	}
	id, ok := strings.CutPrefix(rest, "reports/")
	if !ok {
		return false
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
