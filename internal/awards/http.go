package awards

import (
	"context"
	"embed"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

type handler struct {
	srv *web.Server
	svc *Service
}

// Register adds the templates, pages, API and published key to srv, and
// the person's awards to their profile page and data export.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &handler{srv: srv, svc: s}
	srv.Page("GET /awards", h.mine)
	srv.PageCached("GET /awards/{code}", h.show) // also {code}.pdf; guests may get a copy up to --page-cache-ttl old
	srv.Page("POST /awards/{code}/revoke", h.revoke)
	srv.Page("GET /organizations/{id}/awards", h.orgPage)
	srv.Page("POST /organizations/{id}/awards", h.issue)
	srv.Page("GET /organizations/{id}/awards/print", h.print)

	tags := []string{"awards"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/awards", ID: "issueAwards",
		Summary: "Issue an award to one or many recipients (organizers: moderators of the organization)",
		Tags:    tags, Auth: true, Request: IssueIn{}, Response: IssueOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiIssue)
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/awards/{id}", ID: "revokeAward",
		Summary: "Revoke an award with a reason (body {\"reason\"} or ?reason=); revoking twice is 409",
		Tags:    tags, Auth: true, Request: RevokeIn{}, Response: VerifyOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiRevoke)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/awards", ID: "listAwards",
		Summary: "An organization's awards, newest first (its organizers: moderators and above; with names as printed); without organization_id, the signed-in person's own",
		Tags:    tags, Auth: true, Response: api.Page[AwardOut]{}, Errors: []int{400, 401, 403},
		Query: api.ListQuery(api.Param{Name: "organization_id", Description: "the issuing organization"})}, h.apiList)
	srv.APIShared("GET /api/v1/awards/{a}/{b}", h.apiCode,
		api.Operation{Method: "GET", Path: "/awards/verify/{code}", ID: "verifyAward", Summary: "Whether an award is valid (public)",
			Tags: tags, Response: VerifyOut{}, Errors: []int{404}},
		api.Operation{Method: "GET", Path: "/awards/{code}/credential", ID: "awardCredential",
			Summary: "The award's Open Badges 3.0 credential, a VC-JWT signed with EdDSA (JSON; the bare token with Accept: application/vc+jwt)",
			Tags:    tags, Response: CredentialOut{}, Errors: []int{404}})
	srv.HandleWellKnown("GET "+certificate.JWKSPath, h.jwks)

	srv.AddProfilePart(h.profilePart)
	s.auth.AddExportPart("awards", s.exportPart)
	return nil
}

func parseID(field, s string, fs *errs.Fields) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(field, "validation.invalid_value")
	}
	return n
}

func ctxIP(h *handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}
