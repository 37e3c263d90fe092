package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/i18n"
)

// switchTarget is the page (path without the language, and query) the
// language switch of a page rendered for r leads to. For a GET it is the
// page itself. A page rendered after a POST (a form shown again with its
// errors, a message) has no address of its own that a link could reach —
// following the switch used to answer 404 — so the switch leads to the
// same path when it can be read (a form's own page: POST /signin after
// GET /signin), else to the page the form was on (the Referer, when it is
// one of ours), else to the home page.
func (s *Server) switchTarget(r *http.Request, path string) (string, string) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return path, r.URL.RawQuery
	}
	if s.readable(r, path) {
		return path, r.URL.RawQuery
	}
	if ref, err := url.Parse(r.Referer()); err == nil && r.Referer() != "" && (ref.Host == "" || ref.Host == r.Host) {
		seg, rest, _ := strings.Cut(strings.TrimPrefix(ref.Path, "/"), "/")
		if _, ok := i18n.Parse(seg); ok && SafeNext(ref.Path, "") != "" {
			return "/" + rest, ref.RawQuery
		}
	}
	return "/", ""
}

// readable reports whether a GET of the language-prefixed path reaches a
// registered page (not the catch-all "not found").
func (s *Server) readable(r *http.Request, path string) bool {
	g, err := http.NewRequestWithContext(r.Context(), http.MethodGet, "/"+string(LangOf(r))+path, nil)
	if err != nil {
		return false
	}
	_, pattern := s.pages.Handler(g)
	return pattern != "" && pattern != "/{lang}/"
}
