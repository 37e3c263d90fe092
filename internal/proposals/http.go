package proposals

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handler serves proposal pages and API.
type Handler struct {
	S       *Service
	Srv     *web.Server
	BaseURL string
	Roadmap Roadmaps
}

// Register adds the routes and templates.
func (h *Handler) Register() error {
	if err := h.Srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	s := h.Srv
	// A phone's photo as an attachment (scaled on the server); a bigger
	// one is read and refused by name, with the form kept.
	s.AllowLargeBody(isCreate, maxBody)
	s.PageCached("GET /programmes/{id}/proposals", h.list)
	s.Page("GET /programmes/{id}/proposals/new", h.newForm)
	s.Page("POST /programmes/{id}/proposals", h.create)
	s.Page("GET /programmes/{id}/proposals/export", h.export)
	s.Page("GET /programmes/{id}/reports", h.reports)
	s.PageCached("GET /proposals/{id}", h.show)
	s.Page("GET /proposals/{id}/attachment", h.attachment)
	s.Page("POST /proposals/{id}/support", h.support)
	s.Page("POST /proposals/{id}/follow", h.follow)
	s.Page("POST /proposals/{id}/comments", h.comment)
	s.Page("POST /proposals/{id}/report", h.report)
	s.Page("POST /proposals/{id}/answer", h.answer)
	s.Page("POST /proposals/{id}/hide", h.hide)
	s.Page("POST /proposals/{id}/merge", h.merge)
	s.Page("POST /proposals/{id}/reports/resolve", h.resolveReports)
	s.Page("POST /comments/{id}/edit", h.editComment)
	s.Page("POST /comments/{id}/hide", h.hideComment)

	listQ := api.ListQuery(api.Param{Name: "direction", Description: "direction id"}, api.Param{Name: "region", Description: "region code"},
		api.Param{Name: "status", Description: "new, evaluating, accepted or rejected"}, api.Param{Name: "q", Description: "text to search"},
		api.Param{Name: "sort", Description: "supports (default), newest, comments or random"},
		api.Param{Name: "seed", Type: "integer", Description: "for sort=random: the same seed gives the same order"})
	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes/{id}/proposals", ID: "listProposals", Summary: "Proposals of a programme",
		Tags: []string{"proposals"}, Response: api.Page[ProposalOut]{}, Query: listQ, Errors: []int{404, 422}}, h.apiList)
	s.APIOperation(api.Operation{Method: "POST", Path: "/programmes/{id}/proposals", ID: "createProposal", Summary: "Submit a proposal (eligible people, while proposals are collected)",
		Description: "A JSON body, or multipart/form-data to attach a file: the part \"proposal\" holds the same JSON, the optional part \"attachment\" a PDF, PNG or JPEG " +
			"file of at most 768 KB (its type is judged by its content; a refusal names the field attachment). The proposal and its file are stored together or not at all. " +
			"The file is then downloaded from /{lang}/proposals/{id}/attachment; the proposal's attachment field gives its name and size.",
		Tags: []string{"proposals"}, Auth: true, Request: ProposalIn{}, Response: ProposalOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}}, h.apiCreate())
	s.APIOperation(api.Operation{Method: "GET", Path: "/proposals/{id}", ID: "getProposal", Summary: "A proposal with its answer and roadmap links",
		Tags: []string{"proposals"}, Response: ProposalOut{}, Errors: []int{404}}, h.apiGet)
	s.APIOperation(api.Operation{Method: "PUT", Path: "/proposals/{id}/support", ID: "supportProposal", Summary: "Support a proposal (idempotent)",
		Tags: []string{"proposals"}, Auth: true, Response: SupportResult{}, Errors: []int{401, 403, 404, 409}}, h.apiSupport(true))
	s.APIOperation(api.Operation{Method: "DELETE", Path: "/proposals/{id}/support", ID: "withdrawSupport", Summary: "Withdraw a support (idempotent)",
		Tags: []string{"proposals"}, Auth: true, Response: SupportResult{}, Errors: []int{401, 403, 404, 409}}, h.apiSupport(false))
	s.APIOperation(api.Operation{Method: "GET", Path: "/proposals/{id}/comments", ID: "listComments", Summary: "A proposal's comments in the order they were written (replies carry parent_id)",
		Tags: []string{"proposals"}, Response: api.Page[CommentOut]{}, Query: api.ListQuery(), Errors: []int{404, 422}}, h.apiComments)
	s.APIOperation(api.Operation{Method: "POST", Path: "/proposals/{id}/comments", ID: "commentProposal", Summary: "Comment on a proposal, or reply to a comment",
		Tags: []string{"proposals"}, Auth: true, Request: CommentIn{}, Response: CommentOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}}, h.apiComment())
	s.APIOperation(api.Operation{Method: "PUT", Path: "/proposals/{id}/answer", ID: "answerProposal", Summary: "Publish the official answer (moderators)",
		Tags: []string{"proposals"}, Auth: true, Request: AnswerIn{}, Response: ProposalOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiAnswer())
	return nil
}

func ctxIP(h *Handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.Srv.ClientIP(r))
}

func back(id int64) string { return "/proposals/" + strconv.FormatInt(id, 10) }

func message(p *i18n.Printer, err error) string {
	if e, ok := errs.As(err); ok {
		return p.T(e.Key, e.Args...)
	}
	return p.T("error.500.text")
}

// maxBody is the most a new proposal may weigh as sent: a photo over the
// limit still arrives whole, so that the form comes back with what was
// typed and the reason next to the file.
const maxBody = 3*MaxUpload + 1<<20

// isCreate matches the new-proposal POSTs (page and API).
func isCreate(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/proposals") {
		return false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	n := len(parts)
	return n >= 3 && parts[n-3] == "programmes" && (n == 4 || n == 5 && parts[0] == "api")
}
