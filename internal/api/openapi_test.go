package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type (
	CreatePerson struct {
		Name      string `json:"name" maxLength:"200"`
		Email     string `json:"email" format:"email"`
		BirthDate string `json:"birth_date,omitempty" format:"date"`
		Region    string `json:"region,omitempty"`
	}
	Organization struct {
		ID           string         `json:"id"`
		ParentID     *string        `json:"parent_id"`
		Kind         string         `json:"kind" enum:"party,council,working_group"`
		Name         Text           `json:"name"`
		ShortName    *Text          `json:"short_name,omitempty"`
		Registration *Registration  `json:"registration,omitempty"`
		MemberCount  int            `json:"member_count"`
		Children     []Organization `json:"children,omitempty"`
	}
	SupportState struct {
		Supported    bool `json:"supported"`
		SupportCount int  `json:"support_count"`
	}
)

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// testAPI registers a representative set of operations.
func testAPI() *API {
	a := New("Ortaq API", "1.0.0")
	a.Handle(Operation{Method: "GET", Path: "/me", ID: "getMe", Summary: "The caller", Tags: []string{"people"},
		Auth: true, Response: Person{}}, nop)
	a.Handle(Operation{Method: "POST", Path: "/people", ID: "createPerson", Summary: "Create a person",
		Description: "For bulk onboarding by platform admins.", Tags: []string{"people"},
		Auth: true, Request: CreatePerson{}, Response: Person{}, Status: http.StatusCreated,
		Errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity}}, nop)
	a.Handle(Operation{Method: "GET", Path: "/organizations", ID: "listOrganizations", Tags: []string{"orgs"},
		Response: Page[Organization]{},
		Query:    ListQuery(Param{Name: "kind", Description: "Only this kind."}, Param{Name: "region", Required: true})}, nop)
	a.Handle(Operation{Method: "GET", Path: "/organizations/{id}", ID: "getOrganization", Tags: []string{"orgs"},
		Response: Organization{}, Errors: []int{http.StatusNotFound}}, nop)
	a.Handle(Operation{Method: "PUT", Path: "/proposals/{id}/support", ID: "support", Auth: true,
		Response: SupportState{}}, nop)
	a.Handle(Operation{Method: "DELETE", Path: "/proposals/{id}/support", ID: "unsupport", Auth: true,
		Status: http.StatusNoContent}, nop)
	a.Handle(Operation{Method: "GET", Path: "/files/{path...}", ID: "getFile", Response: json.RawMessage{}}, nop)
	a.Handle(Operation{Method: "GET", Path: "/{$}", ID: "root", Response: map[string]string{}}, nop)
	return a
}

func openAPIDoc(t *testing.T, a *API) map[string]any {
	t.Helper()
	b, err := a.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("not valid JSON:\n%s", b)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// at follows a path of keys and indices into a decoded JSON value.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %v", path, path[:i])
			}
			if v, ok = m[p]; !ok {
				t.Fatalf("%v: no member %q at %v", path, p, path[:i])
			}
		case int:
			l, ok := v.([]any)
			if !ok || p >= len(l) {
				t.Fatalf("%v: no element %d at %v", path, p, path[:i])
			}
			v = l[p]
		}
	}
	return v
}

func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t, testAPI())

	if got := doc["openapi"]; got != "3.1.0" {
		t.Errorf("openapi = %v", got)
	}
	if got := at(t, doc, "info", "title"); got != "Ortaq API" {
		t.Errorf("title = %v", got)
	}
	if got := at(t, doc, "servers", 0, "url"); got != "/api/v1" {
		t.Errorf("server url = %v", got)
	}

	paths := at(t, doc, "paths").(map[string]any)
	var gotPaths []string
	for p, item := range paths {
		for m := range item.(map[string]any) {
			gotPaths = append(gotPaths, m+" "+p)
		}
	}
	slices.Sort(gotPaths)
	wantPaths := []string{
		"delete /proposals/{id}/support", "get /", "get /files/{path}", "get /me", "get /organizations",
		"get /organizations/{id}", "post /people", "put /proposals/{id}/support",
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Errorf("paths = %v\nwant %v", gotPaths, wantPaths)
	}

	tests := []struct {
		name string
		path []any
		want string // JSON
	}{
		{"operation id", []any{"paths", "/me", "get", "operationId"}, `"getMe"`},
		{"tags", []any{"paths", "/me", "get", "tags"}, `["people"]`},
		{"security", []any{"paths", "/me", "get", "security"}, `[{"bearer":[]}]`},
		{"me 200", []any{"paths", "/me", "get", "responses", "200"},
			`{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Person"}}}}`},
		{"me 401 added for Auth", []any{"paths", "/me", "get", "responses", "401"},
			`{"description":"Unauthorized","content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}`},
		{"request body", []any{"paths", "/people", "post", "requestBody"},
			`{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/CreatePerson"}}}}`},
		{"created", []any{"paths", "/people", "post", "responses", "201", "description"}, `"Created"`},
		{"description", []any{"paths", "/people", "post", "description"}, `"For bulk onboarding by platform admins."`},
		{"list response", []any{"paths", "/organizations", "get", "responses", "200", "content", "application/json", "schema", "$ref"},
			`"#/components/schemas/PageOrganization"`},
		{"query params", []any{"paths", "/organizations", "get", "parameters"}, `[
			{"name":"limit","in":"query","description":"How many items to return at most.","schema":{"type":"integer"}},
			{"name":"cursor","in":"query","description":"The next_cursor of the previous page.","schema":{"type":"string"}},
			{"name":"kind","in":"query","description":"Only this kind.","schema":{"type":"string"}},
			{"name":"region","in":"query","required":true,"schema":{"type":"string"}}]`},
		{"path param", []any{"paths", "/organizations/{id}", "get", "parameters"},
			`[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}]`},
		{"rest param", []any{"paths", "/files/{path}", "get", "parameters", 0, "name"}, `"path"`},
		{"raw response", []any{"paths", "/files/{path}", "get", "responses", "200", "content", "application/json", "schema"}, `{}`},
		{"no content", []any{"paths", "/proposals/{id}/support", "delete", "responses", "204"}, `{"description":"No Content"}`},
		{"bearer", []any{"components", "securitySchemes", "bearer", "scheme"}, `"bearer"`},
		{"bearer type", []any{"components", "securitySchemes", "bearer", "type"}, `"http"`},
		{"problem", []any{"components", "schemas", "Problem", "properties", "errors"},
			`{"type":"array","description":"The fields that were wrong.","items":{"$ref":"#/components/schemas/FieldError"}}`},
		{"problem required", []any{"components", "schemas", "Problem", "required"}, `["title","status"]`},
		{"field error required", []any{"components", "schemas", "FieldError", "required"}, `["field","message"]`},
		{"recursive", []any{"components", "schemas", "Organization", "properties", "children", "items", "$ref"},
			`"#/components/schemas/Organization"`},
		{"nullable ref", []any{"components", "schemas", "Organization", "properties", "short_name"},
			`{"anyOf":[{"$ref":"#/components/schemas/Text"},{"type":"null"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := at(t, doc, tt.path...)
			if want := parseJSON(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("%v:\n got %s\nwant %s", tt.path, mustJSON(got), mustJSON(want))
			}
		})
	}

	// Error statuses: listed ones, 401 for Auth, 400 and 413 for a body.
	responses := at(t, doc, "paths", "/people", "post", "responses").(map[string]any)
	var codes []string
	for c := range responses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	if want := []string{"201", "400", "401", "403", "409", "413", "422"}; !slices.Equal(codes, want) {
		t.Errorf("POST /people responses = %v, want %v", codes, want)
	}
	if _, ok := at(t, doc, "paths", "/organizations/{id}", "get").(map[string]any)["security"]; ok {
		t.Error("an operation without Auth has security")
	}
}

// TestOpenAPIRefsResolve walks every "$ref" in the document and resolves it
// as a JSON pointer into the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openAPIDoc(t, testAPI())
	var refs int
	var walkRefs func(v any, where string)
	walkRefs = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					refs++
					s, ok := x.(string)
					if !ok {
						t.Errorf("%s: $ref is %T", where, x)
						continue
					}
					if _, err := resolvePointer(doc, s); err != nil {
						t.Errorf("%s: $ref %q: %v", where, s, err)
					}
					continue
				}
				walkRefs(x, where+"/"+k)
			}
		case []any:
			for i, x := range v {
				walkRefs(x, where+"/"+strconv.Itoa(i))
			}
		}
	}
	walkRefs(doc, "#")
	if refs < 10 {
		t.Errorf("only %d $refs found: is the walk right?", refs)
	}
	// Every component is used, and Problem's dependencies are there.
	for _, name := range []string{"Problem", "FieldError", "Person", "CreatePerson", "PageOrganization",
		"Organization", "Text", "Registration", "SupportState"} {
		if _, err := resolvePointer(doc, "#/components/schemas/"+name); err != nil {
			t.Errorf("component %s: %v", name, err)
		}
	}

	// The walk itself must catch a dangling reference.
	if _, err := resolvePointer(doc, "#/components/schemas/Nope"); err == nil {
		t.Error("dangling $ref resolved")
	}
}

// resolvePointer resolves a local JSON pointer reference ("#/a/b~1c").
func resolvePointer(doc any, ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	if p == "" {
		return doc, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("bad pointer")
	}
	v := doc
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("no member %q", tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("no element %q", tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("cannot index %T with %q", v, tok)
		}
	}
	return v, nil
}

func TestOpenAPIDeterministic(t *testing.T) {
	a := testAPI()
	first, err := a.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		b, err := a.OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("call %d differs", i)
		}
		// A second API built the same way gives the same bytes too.
		b2, err := testAPI().OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b2, first) {
			t.Fatalf("rebuild %d differs", i)
		}
	}
	if !bytes.HasPrefix(first, []byte("{\n  \"openapi\": \"3.1.0\",")) {
		t.Errorf("document starts %q", first[:40])
	}
}

func TestOpenAPIHandler(t *testing.T) {
	a := testAPI()
	h := a.OpenAPIHandler()
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
		return rec
	}
	rec := get()
	want, _ := a.OpenAPI()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("got %d %q, body equal %v", rec.Code, rec.Header().Get("Content-Type"), bytes.Equal(rec.Body.Bytes(), want))
	}
	a.Handle(Operation{Method: "GET", Path: "/later", Response: Text{}}, nop)
	if !strings.Contains(get().Body.String(), `"/later"`) {
		t.Error("the cached document missed an operation registered later")
	}
}

func TestOperations(t *testing.T) {
	a := testAPI()
	ops := a.Operations()
	if len(ops) != 8 {
		t.Fatalf("%d operations", len(ops))
	}
	if ops[0].ID != "getMe" || ops[0].Status != 200 || ops[0].Handler == nil {
		t.Errorf("first op = %+v", ops[0].Operation)
	}
	if got := ops[3].Pattern(); got != "GET /api/v1/organizations/{id}" {
		t.Errorf("pattern = %q", got)
	}
	// Every pattern mounts on a ServeMux without conflicts.
	mux := http.NewServeMux()
	for _, op := range ops {
		mux.Handle(op.Pattern(), op.Handler)
	}
	// Operations returns a copy.
	ops[0].ID = "changed"
	if a.Operations()[0].ID != "getMe" {
		t.Error("Operations exposes the registry")
	}
}

func TestHandlePanics(t *testing.T) {
	tests := []struct {
		name string
		op   Operation
		h    http.Handler
		want string
	}{
		{"nil handler", Operation{Method: "GET", Path: "/x"}, nil, "nil handler"},
		{"lower-case method", Operation{Method: "get", Path: "/x"}, nop, "method"},
		{"no slash", Operation{Method: "GET", Path: "x"}, nop, "start with /"},
		{"query in path", Operation{Method: "GET", Path: "/x?a=1"}, nop, "space, ? or #"},
		{"partial wildcard", Operation{Method: "GET", Path: "/x{id}"}, nop, "whole segment"},
		{"bad wildcard name", Operation{Method: "GET", Path: "/x/{1d}"}, nop, "not a Go identifier"},
		{"repeated wildcard", Operation{Method: "GET", Path: "/x/{id}/{id}"}, nop, "repeated"},
		{"rest not last", Operation{Method: "GET", Path: "/x/{p...}/y"}, nop, "must end"},
		{"duplicate", Operation{Method: "GET", Path: "/organizations/{id}"}, nop, "already registered"},
		{"duplicate other name", Operation{Method: "GET", Path: "/organizations/{org}"}, nop, "already registered"},
		{"other wildcard names", Operation{Method: "DELETE", Path: "/organizations/{org}"}, nop, "other wildcard names"},
		{"duplicate ID", Operation{Method: "GET", Path: "/y", ID: "getMe"}, nop, "operation ID"},
		{"bad status", Operation{Method: "GET", Path: "/y", Status: 302}, nop, "not 2xx"},
		{"bad error status", Operation{Method: "GET", Path: "/y", Errors: []int{200}}, nop, "not 4xx"},
		{"bad param type", Operation{Method: "GET", Path: "/y", Query: []Param{{Name: "a", Type: "int"}}}, nop, "type"},
		{"param repeats path", Operation{Method: "GET", Path: "/y/{a}", Query: []Param{{Name: "a"}}}, nop, "repeated"},
		{"bad request type", Operation{Method: "POST", Path: "/y", Request: struct{ C chan int }{}}, nop, "cannot be JSON"},
		{"bad response tag", Operation{Method: "GET", Path: "/y", Response: struct {
			N int `maxLength:"1"`
		}{}}, nop, "maxLength"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := testAPI()
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("panic = %v, want it to contain %q", r, tt.want)
				}
				if n := len(a.Operations()); n != 8 {
					t.Errorf("a failed Handle registered something: %d ops", n)
				}
			}()
			a.Handle(tt.op, tt.h)
		})
	}
}

// TestOpenAPIStructure checks the document against the shape rules of the
// OpenAPI 3.1 objects it uses: which members each object may have, the
// patterns of response codes and component names, and that every path
// template variable has exactly one required path parameter.
func TestOpenAPIStructure(t *testing.T) {
	doc := openAPIDoc(t, testAPI())
	allowed := func(where string, v any, required []string, members ...string) map[string]any {
		t.Helper()
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: not an object", where)
			return nil
		}
		for k := range m {
			if !slices.Contains(members, k) && !slices.Contains(required, k) {
				t.Errorf("%s: member %q not allowed", where, k)
			}
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: %q missing", where, k)
			}
		}
		return m
	}
	codeRE := func(s string) bool {
		return len(s) == 3 && s[0] >= '1' && s[0] <= '5' && strings.Trim(s[1:], "0123456789") == ""
	}
	nameOK := func(s string) bool {
		return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
	}

	allowed("#", doc, []string{"openapi", "info"}, "servers", "paths", "components")
	allowed("#/info", doc["info"], []string{"title", "version"})
	comps := allowed("#/components", doc["components"], nil, "schemas", "securitySchemes")
	for name := range comps["schemas"].(map[string]any) {
		if !nameOK(name) {
			t.Errorf("component name %q", name)
		}
	}
	for name, s := range comps["securitySchemes"].(map[string]any) {
		allowed("securityScheme "+name, s, []string{"type", "scheme"}, "description")
	}
	for path, item := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, "/") {
			t.Errorf("path %q", path)
		}
		var vars []string
		for _, part := range strings.Split(path, "/") {
			if strings.HasPrefix(part, "{") {
				vars = append(vars, strings.Trim(part, "{}"))
			}
		}
		for method, op := range allowed(path, item, nil, "get", "put", "post", "delete", "patch", "head", "options") {
			where := method + " " + path
			o := allowed(where, op, []string{"responses"},
				"operationId", "summary", "description", "tags", "security", "parameters", "requestBody")
			var pathParams []string
			params, _ := o["parameters"].([]any)
			for i, p := range params {
				pm := allowed(fmt.Sprintf("%s parameter %d", where, i), p, []string{"name", "in", "schema"}, "description", "required")
				switch pm["in"] {
				case "path":
					pathParams = append(pathParams, pm["name"].(string))
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v not required", where, pm["name"])
					}
				case "query":
				default:
					t.Errorf("%s: parameter in %v", where, pm["in"])
				}
			}
			if !slices.Equal(pathParams, vars) {
				t.Errorf("%s: path parameters %v, template variables %v", where, pathParams, vars)
			}
			if rb, ok := o["requestBody"]; ok {
				allowed(where+" requestBody", rb, []string{"content"}, "required")
			}
			responses := o["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			for code, r := range responses {
				if !codeRE(code) {
					t.Errorf("%s: response code %q", where, code)
				}
				rm := allowed(where+" "+code, r, []string{"description"}, "content")
				content, _ := rm["content"].(map[string]any)
				for mt, media := range content {
					if mt != mediaJSON && mt != mediaProblem {
						t.Errorf("%s %s: media type %q", where, code, mt)
					}
					allowed(where+" "+code+" "+mt, media, []string{"schema"})
				}
			}
		}
	}
}

// TestConcurrentUse registers operations while documents are built and
// served; run with -race.
func TestConcurrentUse(t *testing.T) {
	a := testAPI()
	h := a.OpenAPIHandler()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Handle(Operation{Method: "GET", Path: fmt.Sprintf("/c%d", i), Response: Text{}}, nop)
			if _, err := a.OpenAPI(); err != nil {
				t.Error(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
			if rec.Code != 200 {
				t.Errorf("status %d", rec.Code)
			}
			_ = a.Operations()
		}()
	}
	wg.Wait()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	want, _ := a.OpenAPI()
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Error("the served document is stale")
	}
}
