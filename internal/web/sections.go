package web

import (
	"html/template"
	"net/http"
)

// Section is a part of another component's page: given the page's
// request and the id of what it shows, its HTML (an organization's page
// lists its reports). Neither component imports the other: the page's
// owner asks for its sections by the page's name, others add theirs while
// wiring.
type Section func(r *http.Request, id int64) (template.HTML, error)

// AddSection adds a section to page (call while wiring).
func (s *Server) AddSection(page string, f Section) {
	if s.sections == nil {
		s.sections = map[string][]Section{}
	}
	s.sections[page] = append(s.sections[page], f)
}

// Sections renders page's sections for the thing id, in the order added.
func (s *Server) Sections(r *http.Request, page string, id int64) ([]template.HTML, error) {
	var out []template.HTML
	for _, f := range s.sections[page] {
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
