package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// statuses is the one table from error codes to HTTP statuses.
var statuses = map[errs.Code]int{
	errs.Invalid:         http.StatusUnprocessableEntity,
	errs.BadRequest:      http.StatusBadRequest,
	errs.Unauthorized:    http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.ConsentRequired: http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.TooMany:         http.StatusTooManyRequests,
}

// Status returns the HTTP status for err; anything that is not a coded
// error is a 500.
func Status(err error) int {
	if e, ok := errs.As(err); ok {
		if st, ok := statuses[e.Code]; ok {
			return st
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	if db.IsUnavailable(err) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// retryAfter is what a 503 asks clients to wait, in seconds.
const retryAfter = "5"

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail answers a request with an error: problem+json for the API, an error
// page for the rest, always in the reader's language. Internal errors are
// logged in full and shown only as a generic message.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	e, coded := errs.As(err)
	if status == http.StatusRequestEntityTooLarge && !coded {
		e, coded = errs.New(errs.TooLarge, "error.413.text"), true
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// The database is down, restarting or frozen: nothing the person
		// sent was stored, and trying again shortly will do.
		s.log.Warn("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", retryAfter)
		e = errs.New("unavailable", "error.503.text")
	case status == http.StatusInternalServerError || !coded:
		if err != errPanic {
			s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		e = errs.New("internal", "error.500.text")
	}
	if isAPI(r) {
		s.problem(w, r, status, e)
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		signin := "/" + string(LangOf(r)) + "/signin"
		if next := SafeNext(r.URL.RequestURI(), ""); next != "" {
			signin += "?next=" + urlQuery(next)
		}
		http.Redirect(w, r, signin, http.StatusSeeOther)
		return
	}
	p := s.catalog.Printer(LangOf(r))
	data := map[string]any{"Status": status, "Text": p.T(e.Key, e.Args...)}
	if status == http.StatusRequestEntityTooLarge && r.Method == http.MethodPost {
		// A form too heavy to read (a file far over its limit): say what to
		// do, and lead back to the form the person was on.
		data["Help"] = p.T("error.413.help")
		if ref, err := url.Parse(r.Referer()); err == nil && r.Referer() != "" && (ref.Host == "" || ref.Host == r.Host) {
			data["Back"] = SafeNext(ref.RequestURI(), "")
		}
	}
	s.render.Page(w, r, status, "error", &PageData{Title: p.T(titleKey(status)), Data: data}, s.pageContext(r))
}

func titleKey(status int) string {
	switch status {
	case 400, 401, 403, 404, 413, 422, 429, 503:
		return "error." + itoa(status) + ".title"
	}
	return "error.500.title"
}

// apiLang is the language of API messages: Accept-Language.
func apiLang(r *http.Request) i18n.Lang { return i18n.Negotiate(r.Header.Get("Accept-Language")) }

func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	p := s.catalog.Printer(apiLang(r))
	pr := api.Problem{Title: p.T(titleKey(status)), Status: status, Detail: p.T(e.Key, e.Args...)}
	for _, f := range e.Fields {
		pr.Errors = append(pr.Errors, api.FieldError{Field: f.Name, Message: p.T(f.Key, f.Args...), Row: f.Row})
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ortaq"`)
	}
	api.WriteProblem(w, pr)
}

// fieldErrors translates an Invalid error's fields for a form.
func FieldErrors(p *i18n.Printer, err error) (map[string]string, bool) {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return nil, false
	}
	m := make(map[string]string, len(e.Fields))
	for _, f := range e.Fields {
		if _, dup := m[f.Name]; !dup {
			m[f.Name] = p.T(f.Key, f.Args...)
		}
	}
	return m, true
}
