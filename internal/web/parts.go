package web

import (
	"html/template"
	"net/http"
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
