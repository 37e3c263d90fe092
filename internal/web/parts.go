package web

import (
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Part is a part of another component's page: given the page's
// request and the id of what it shows, its HTML (an organization's page
// lists its reports). Neither component imports the other: the page's
// owner asks for its parts by the page's name, others add theirs while
// wiring.
type Part func(r *http.Request, id int64) (template.HTML, error)

// AddPart adds a part to page (call while wiring).
func (s *Server) AddPart(page string, f Part) {
	if s.pageParts == nil {
		s.pageParts = map[string][]Part{}
	}
	s.pageParts[page] = append(s.pageParts[page], f)
}

// Parts renders page's parts for the thing id, in the order added.
func (s *Server) Parts(r *http.Request, page string, id int64) ([]template.HTML, error) {
	var out []template.HTML
	for _, f := range s.pageParts[page] {
		h, err := f(r, id)
		if err != nil {
			return nil, err
		}
		if h != "" {
			out = append(out, h)
		}
	}
	return out, nil
}

// NewLink is a "new …" link an organization's page shows to the
// organization's administrators: a form of a component (a meeting, an
// election, a programme, a call) opened with the organization already
// chosen. Components add theirs while wiring (Server.AddNewLink); the
// organization's page asks for them (Server.NewLinks), so neither imports
// the other.
type NewLink struct {
	Path  string // the form's page without the language, e.g. "/meetings/new"
	Param string // the query parameter that names the organization ("" means "org")
	Title string // message key of the link's text, e.g. "meetings.new"
	Order int    // smaller first; ties keep the order of registration
}

// Href is the link to the form for organization orgID, without the
// language prefix.
func (l NewLink) Href(orgID int64) string {
	p := l.Param
	if p == "" {
		p = "org"
	}
	sep := "?"
	if strings.Contains(l.Path, "?") {
		sep = "&"
	}
	return l.Path + sep + p + "=" + strconv.FormatInt(orgID, 10)
}

// AddNewLink adds a "new …" link to organizations' pages. Call it while
// wiring.
func (s *Server) AddNewLink(l NewLink) {
	s.newLinks = append(s.newLinks, l)
	sort.SliceStable(s.newLinks, func(i, j int) bool { return s.newLinks[i].Order < s.newLinks[j].Order })
}

// NewLinks returns the registered "new …" links in their order.
func (s *Server) NewLinks() []NewLink { return slices.Clone(s.newLinks) }
