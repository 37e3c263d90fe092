package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The OpenAPI document, in the order its members are written.
type document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       info                             `json:"info"`
	Servers    []server                         `json:"servers"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components components                       `json:"components"`
}

type info struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

type server struct {
	URL string `json:"url"`
}

type components struct {
	Schemas         map[string]*Schema        `json:"schemas"`
	SecuritySchemes map[string]securityScheme `json:"securitySchemes"`
}

type securityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme"`
	Description string `json:"description,omitempty"`
}

type operation struct {
	OperationID string                `json:"operationId,omitempty"`
	Summary     string                `json:"summary,omitempty"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	Security    []map[string][]string `json:"security,omitempty"`
	Parameters  []parameter           `json:"parameters,omitempty"`
	RequestBody *requestBody          `json:"requestBody,omitempty"`
	Responses   map[string]response   `json:"responses"`
}

type parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

type requestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]mediaType `json:"content"`
}

type response struct {
	Description string               `json:"description"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

type mediaType struct {
	Schema *Schema `json:"schema"`
}

const (
	mediaJSON    = "application/json"
	mediaProblem = "application/problem+json"
)

var problemType = reflect.TypeFor[Problem]()

// OpenAPI returns the OpenAPI 3.1.0 document of the registered operations
// as indented JSON. The output depends only on the operations and types, so
// two calls give the same bytes: objects are written with sorted keys, except
// schema properties, which keep Go field order.
//
// Paths are relative to the server URL BasePath ("/api/v1"). Besides the
// listed Errors, every operation documents 401 when Auth is set, and 400 and
// 413 when it has a Request body (what Decode's errors map to).
func (a *API) OpenAPI() ([]byte, error) {
	ops := a.Operations()
	roots := []reflect.Type{problemType}
	for _, op := range ops {
		roots = append(roots, reflect.TypeOf(op.Request), reflect.TypeOf(op.Response))
	}
	out, defs, err := schemas(roots)
	if err != nil {
		return nil, err
	}
	problem := out[0]

	doc := document{
		OpenAPI: "3.1.0",
		Info:    info{Title: a.title, Version: a.version},
		Servers: []server{{URL: BasePath}},
		Paths:   map[string]map[string]*operation{},
		Components: components{
			Schemas: defs,
			SecuritySchemes: map[string]securityScheme{"bearer": {
				Type:        "http",
				Scheme:      "bearer",
				Description: "An API token: Authorization: Bearer TOKEN.",
			}},
		},
	}
	for i, op := range ops {
		req, resp := out[1+2*i], out[2+2*i]
		segs, err := parsePath(op.Path)
		if err != nil {
			return nil, fmt.Errorf("api: %s %s: %w", op.Method, op.Path, err)
		}
		o := &operation{
			OperationID: op.ID,
			Summary:     op.Summary,
			Description: op.Description,
			Tags:        op.Tags,
			Responses:   map[string]response{},
		}
		if op.Auth {
			o.Security = []map[string][]string{{"bearer": {}}}
		}
		for _, s := range segs {
			if s.param == "" {
				continue
			}
			p := parameter{Name: s.param, In: "path", Required: true, Schema: &Schema{Type: "string"}}
			if s.rest {
				p.Description = "The rest of the path."
			}
			o.Parameters = append(o.Parameters, p)
		}
		for _, q := range op.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			o.Parameters = append(o.Parameters, parameter{
				Name: q.Name, In: "query", Description: q.Description, Required: q.Required,
				Schema: &Schema{Type: typ},
			})
		}
		if req != nil {
			o.RequestBody = &requestBody{Required: true, Content: map[string]mediaType{mediaJSON: {req}}}
		}

		status := op.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := response{Description: statusText(status)}
		if resp != nil && status != http.StatusNoContent {
			ok.Content = map[string]mediaType{mediaJSON: {resp}}
		}
		o.Responses[strconv.Itoa(status)] = ok

		errs := slices.Clone(op.Errors) // appended to below; op shares its array with a.ops
		if op.Auth {
			errs = append(errs, http.StatusUnauthorized)
		}
		if req != nil {
			errs = append(errs, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
		}
		for _, code := range errs {
			o.Responses[strconv.Itoa(code)] = response{
				Description: statusText(code),
				Content:     map[string]mediaType{mediaProblem: {problem}},
			}
		}

		path := openAPIPath(segs)
		if doc.Paths[path] == nil {
			doc.Paths[path] = map[string]*operation{}
		}
		doc.Paths[path][strings.ToLower(op.Method)] = o
	}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("api: openapi: %w", err)
	}
	return b.Bytes(), nil
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
