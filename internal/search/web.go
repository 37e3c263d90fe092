package search

import (
	"embed"
	"html/template"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Register adds GET /api/v1/search and the page /{lang}/search.
func (s *Service) Register(srv *web.Server) error {
	s.srv = srv
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	srv.Section(web.Section{Path: "/search", Title: "search.title", Text: "search.home.text", Order: 60})
	srv.Page("GET /search", s.page)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/search", ID: "search", Summary: "Search reports, proposals, organizations, programmes and meetings, best match first",
		Description: "Kazakh in Cyrillic or any Latin spelling (with or without Kazakh letters) and Russian; inflected forms find their stem. " +
			"Every word must match (when nothing does, any word may). Only what the caller may see is found.",
		Tags: []string{"search"}, Response: ResultsOut{},
		Query: []api.Param{{Name: "q", Description: "the query, at most 200 characters"},
			{Name: "kind", Description: "report, proposal, organization, programme, meeting, call or course"},
			{Name: "organization_id", Description: "an organization: what belongs to it and its subtree"},
			{Name: "limit", Type: "integer", Description: "at most 100 (default 20)"}},
		Errors: []int{422}}, s.api)
	return nil
}

// ItemOut is one result.
type ItemOut struct {
	Kind    string `json:"kind" enum:"report,proposal,organization,programme,meeting,call,course"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	Snippet string `json:"snippet" doc:"HTML: escaped text with the matching words in <mark>"`
	URL     string `json:"url"`
}

// ResultsOut is the answer of GET /search.
type ResultsOut struct {
	Items []ItemOut `json:"items"`
}

func (s *Service) query(r *http.Request) (Query, error) {
	q := r.URL.Query()
	out := Query{Text: q.Get("q"), Kind: q.Get("kind"), Lang: web.LangOf(r)}
	var fs errs.Fields
	if v := q.Get("organization_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fs.Add("organization_id", "validation.invalid_value")
		}
		out.OrgID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fs.Add("limit", "validation.invalid_limit")
		}
		out.Limit = n
	}
	return out, fs.Err()
}

func (s *Service) api(w http.ResponseWriter, r *http.Request) {
	q, err := s.query(r)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	q.Lang = "kk"
	if l := r.Header.Get("Accept-Language"); l != "" {
		q.Lang = s.srv.Printer(r).Lang()
	}
	res, err := s.Search(r.Context(), web.UserOf(r), q)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	out := ResultsOut{Items: make([]ItemOut, 0, len(res))}
	for _, x := range res {
		out.Items = append(out.Items, ItemOut{Kind: x.Kind, ID: strconv.FormatInt(x.ID, 10), Title: x.Title, Snippet: string(x.Snippet),
			URL: "/" + string(q.Lang) + x.Path})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

type pageView struct {
	Q       string
	Kind    string
	OrgID   int64
	Kinds   []string
	Results []resultView
	Message string
	Asked   bool
}

type resultView struct {
	Result
	Snip template.HTML
}

func (s *Service) page(w http.ResponseWriter, r *http.Request) {
	q, err := s.query(r)
	v := &pageView{Q: q.Text, Kind: q.Kind, OrgID: q.OrgID, Kinds: Kinds}
	d := &web.PageData{Title: s.srv.T(r, "search.title"), Data: v}
	status := http.StatusOK
	if err == nil && q.Text != "" {
		v.Asked = true
		var res []Result
		if res, err = s.Search(r.Context(), web.UserOf(r), q); err == nil {
			for _, x := range res {
				v.Results = append(v.Results, resultView{Result: x, Snip: x.Snippet})
			}
		}
	}
	if err != nil {
		fe, ok := web.FieldErrors(s.srv.Printer(r), err)
		if !ok {
			s.srv.Fail(w, r, err)
			return
		}
		d.Errors = fe
		status = http.StatusUnprocessableEntity
	}
	s.srv.Render(w, r, status, "search_page", d)
}
