// Package api is Ortaq's toolkit for the JSON API under /api/v1: operations
// that are mounted and documented in one step, an OpenAPI 3.1 document built
// from them and from the Go types by reflection, RFC 9457 problem responses,
// a strict JSON body decoder whose errors carry translation keys, and cursor
// pagination.
//
// The package has no dependencies outside the standard library and knows
// nothing of routing, authentication or languages: the caller mounts
// Registered.Pattern() on its mux, checks tokens, and translates keys.
package api

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// BasePath is where the API lives; Operation paths are relative to it.
const BasePath = "/api/v1"

// Operation describes one endpoint; registering it both mounts the handler
// and documents it.
type Operation struct {
	// Method and Path as in net/http patterns, Path relative to BasePath:
	// "GET", "/organizations/{id}". Wildcards become path parameters.
	Method, Path string

	ID, Summary, Description string // ID is the OpenAPI operationId
	Tags                     []string

	Auth bool // requires a bearer token (security scheme "bearer")

	Request  any // nil, or a zero value of the request body type: CreatePerson{}
	Response any // a zero value of the success body type; nil for no body

	Status int     // success status: 200 when zero; 201, 204 …
	Query  []Param // documented query parameters
	Errors []int   // documented error statuses (problem+json)
}

// Param is a documented query parameter.
type Param struct {
	Name, Description string
	Type              string // "string" (when empty), "integer", "number" or "boolean"
	Required          bool
}

// Registered is an operation with its handler.
type Registered struct {
	Operation
	Handler http.Handler
}

// Pattern is the net/http pattern to mount the handler at:
// "GET /api/v1/organizations/{id}".
func (r Registered) Pattern() string {
	return r.Method + " " + BasePath + r.Path
}

// API collects the operations of the JSON API.
type API struct {
	title, version string

	mu    sync.Mutex
	ops   []Registered
	keys  map[string]string // normalized "METHOD path" → path, to catch duplicates
	paths map[string]string // normalized path → path: one spelling of wildcards per path
	ids   map[string]bool

	docMu    sync.Mutex // serializes building the cached document
	cacheN   int        // len(ops) when cache was built
	cache    []byte
	cacheErr error
}

// New returns an empty API; title and version go into the document's info.
func New(title, version string) *API {
	return &API{title: title, version: version, keys: map[string]string{}, paths: map[string]string{}, ids: map[string]bool{}}
}

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Handle records op and its handler. Like http.ServeMux.Handle it panics on
// programming errors: an unknown method, a malformed path, a duplicate
// method and path or operation ID, a bad status or parameter type, or a
// Request or Response type that has no JSON schema.
func (a *API) Handle(op Operation, h http.Handler) {
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("api: Handle %s %s: %s", op.Method, op.Path, fmt.Sprintf(format, args...)))
	}
	if h == nil {
		fail("nil handler")
	}
	if !slices.Contains(methods, op.Method) {
		fail("method must be one of %s", strings.Join(methods, ", "))
	}
	segs, err := parsePath(op.Path)
	if err != nil {
		fail("%v", err)
	}
	if op.Status == 0 {
		op.Status = http.StatusOK
	}
	if op.Status < 200 || op.Status > 299 {
		fail("success status %d is not 2xx", op.Status)
	}
	for _, s := range op.Errors {
		if s < 400 || s > 599 {
			fail("error status %d is not 4xx or 5xx", s)
		}
	}
	seen := map[string]bool{}
	for _, s := range segs {
		if s.param != "" {
			seen[s.param] = true
		}
	}
	for _, p := range op.Query {
		if p.Name == "" || seen[p.Name] {
			fail("query parameter %q is empty or repeated", p.Name)
		}
		seen[p.Name] = true
		if !slices.Contains([]string{"", "string", "integer", "number", "boolean"}, p.Type) {
			fail("query parameter %q has type %q", p.Name, p.Type)
		}
	}
	for _, v := range []any{op.Request, op.Response} {
		if v != nil {
			if _, _, err := schemas([]reflect.Type{reflect.TypeOf(v)}); err != nil {
				fail("%v", err)
			}
		}
	}
	op.Tags = slices.Clone(op.Tags)
	op.Query = slices.Clone(op.Query)
	op.Errors = slices.Clone(op.Errors)

	a.mu.Lock()
	defer a.mu.Unlock()
	norm := normalizedPath(segs)
	key := op.Method + " " + norm
	if prev, dup := a.keys[key]; dup {
		fail("already registered as %s %s", op.Method, prev)
	}
	if prev, ok := a.paths[norm]; ok && prev != openAPIPath(segs) {
		// OpenAPI has one path item per template: "/a/{x}" and "/a/{y}"
		// cannot both exist.
		fail("the same path is registered with other wildcard names: %s", prev)
	}
	if op.ID != "" && a.ids[op.ID] {
		fail("operation ID %q already registered", op.ID)
	}
	a.keys[key] = op.Path
	a.paths[norm] = openAPIPath(segs)
	if op.ID != "" {
		a.ids[op.ID] = true
	}
	a.ops = append(a.ops, Registered{Operation: op, Handler: h})
}

// Operations returns the registered operations in registration order, with
// Status filled in.
func (a *API) Operations() []Registered {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ops)
}

// OpenAPIHandler serves the OpenAPI document (for GET /api/v1/openapi.json).
// The document is built on the first request and again only after more
// operations were registered.
func (a *API) OpenAPIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, err := a.cachedOpenAPI()
		if err != nil {
			panic(err) // a programming error that Handle could not catch
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(doc)
	})
}

func (a *API) cachedOpenAPI() ([]byte, error) {
	a.docMu.Lock()
	defer a.docMu.Unlock()
	a.mu.Lock()
	n := len(a.ops)
	a.mu.Unlock()
	if a.cache == nil || a.cacheN != n {
		a.cache, a.cacheErr = a.OpenAPI()
		a.cacheN = n
	}
	return a.cache, a.cacheErr
}

// segment is one "/"-separated part of a path: literal text or a wildcard.
type segment struct {
	lit   string
	param string // wildcard name, without "..."
	rest  bool   // {name...}
	end   bool   // {$}
}

// parsePath checks a net/http path pattern and splits it into segments.
func parsePath(p string) ([]segment, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path must start with /")
	}
	if strings.ContainsAny(p, " \t\r\n?#") {
		return nil, fmt.Errorf("path has a space, ? or #")
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	names := map[string]bool{}
	for i, part := range parts {
		last := i == len(parts)-1
		if !strings.HasPrefix(part, "{") {
			if strings.ContainsAny(part, "{}") {
				return nil, fmt.Errorf("a wildcard must be a whole segment: %q", part)
			}
			segs = append(segs, segment{lit: part})
			continue
		}
		if !strings.HasSuffix(part, "}") {
			return nil, fmt.Errorf("bad wildcard %q", part)
		}
		name := part[1 : len(part)-1]
		if name == "$" {
			if !last {
				return nil, fmt.Errorf("{$} must end the path")
			}
			segs = append(segs, segment{end: true})
			continue
		}
		s := segment{}
		if n, ok := strings.CutSuffix(name, "..."); ok {
			if !last {
				return nil, fmt.Errorf("%q must end the path", part)
			}
			name, s.rest = n, true
		}
		if !isIdent(name) {
			return nil, fmt.Errorf("wildcard name %q is not a Go identifier", name)
		}
		if names[name] {
			return nil, fmt.Errorf("wildcard %q repeated", name)
		}
		names[name] = true
		s.param = name
		segs = append(segs, s)
	}
	return segs, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// normalizedPath spells segs without wildcard names, so that
// "/a/{x}" and "/a/{y}" compare equal, as they do for net/http and OpenAPI.
func normalizedPath(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch {
		case s.end:
			b.WriteString("{$}")
		case s.rest:
			b.WriteString("{...}")
		case s.param != "":
			b.WriteString("{}")
		default:
			b.WriteString(s.lit)
		}
	}
	return b.String()
}

// openAPIPath spells segs as an OpenAPI path template: "{name...}" becomes
// "{name}" and "{$}" disappears ("/{$}" is "/").
func openAPIPath(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch {
		case s.end:
		case s.param != "":
			b.WriteString("{" + s.param + "}")
		default:
			b.WriteString(s.lit)
		}
	}
	return b.String()
}
