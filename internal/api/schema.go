package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses it). The generator
// builds it from Go types; a type that needs another shape implements
// SchemaProvider.
type Schema struct {
	Ref  string `json:"-"` // "#/components/schemas/Name"
	Type string `json:"-"` // "string", "integer", "number", "boolean", "object", "array", "null"
	// Nullable adds "null" to Type: "type": ["string", "null"].
	Nullable             bool       `json:"-"`
	Format               string     `json:"format,omitempty"`
	Description          string     `json:"description,omitempty"`
	Enum                 []any      `json:"enum,omitempty"`
	Properties           []Property `json:"-"` // in Go field order
	Required             []string   `json:"required,omitempty"`
	Items                *Schema    `json:"items,omitempty"`
	AdditionalProperties *Schema    `json:"additionalProperties,omitempty"`
	PropertyNames        *Schema    `json:"propertyNames,omitempty"`
	AnyOf                []*Schema  `json:"anyOf,omitempty"`
	MinLength            *int       `json:"minLength,omitempty"`
	MaxLength            *int       `json:"maxLength,omitempty"`
	Pattern              string     `json:"pattern,omitempty"`
	Minimum              *float64   `json:"minimum,omitempty"`
	Maximum              *float64   `json:"maximum,omitempty"`
	MinItems             *int       `json:"minItems,omitempty"`
	MaxItems             *int       `json:"maxItems,omitempty"`
	ContentEncoding      string     `json:"contentEncoding,omitempty"`
}

// Property is one named member of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// SchemaProvider is implemented by types whose JSON form the reflection
// rules cannot see, such as types with their own MarshalJSON. Its result is
// used as is (inline, never as a component).
type SchemaProvider interface {
	JSONSchema() Schema
}

// MarshalJSON writes "$ref" and "type" first and the properties in order.
func (s Schema) MarshalJSON() ([]byte, error) {
	type plain Schema // drops the method, keeps the tags
	var typ any
	switch {
	case s.Type == "":
	case s.Nullable && s.Type != "null":
		typ = []string{s.Type, "null"}
	default:
		typ = s.Type
	}
	var props any
	if len(s.Properties) > 0 {
		props = properties(s.Properties)
	}
	return marshal(struct {
		Ref        string `json:"$ref,omitempty"`
		Type       any    `json:"type,omitempty"`
		Properties any    `json:"properties,omitempty"`
		plain
	}{s.Ref, typ, props, plain(s)})
}

type properties []Property

func (ps properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(p.Name)
		if err != nil {
			return nil, err
		}
		v, err := marshal(p.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping, so that descriptions
// keep their "<" and "&".
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (s *Schema) clone() *Schema {
	if s == nil {
		return nil
	}
	c := *s
	c.Enum = slices.Clone(s.Enum)
	c.Required = slices.Clone(s.Required)
	c.Properties = make([]Property, len(s.Properties))
	for i, p := range s.Properties {
		c.Properties[i] = Property{p.Name, p.Schema.clone()}
	}
	if len(c.Properties) == 0 {
		c.Properties = nil
	}
	c.Items = s.Items.clone()
	c.AdditionalProperties = s.AdditionalProperties.clone()
	c.PropertyNames = s.PropertyNames.clone()
	if s.AnyOf != nil {
		c.AnyOf = make([]*Schema, len(s.AnyOf))
		for i, a := range s.AnyOf {
			c.AnyOf[i] = a.clone()
		}
	}
	c.MinLength, c.MaxLength = clonePtr(s.MinLength), clonePtr(s.MaxLength)
	c.MinItems, c.MaxItems = clonePtr(s.MinItems), clonePtr(s.MaxItems)
	c.Minimum, c.Maximum = clonePtr(s.Minimum), clonePtr(s.Maximum)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

var (
	timeType            = reflect.TypeFor[time.Time]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	anyType             = reflect.TypeFor[any]()
	marshalerType       = reflect.TypeFor[json.Marshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	schemaProviderType  = reflect.TypeFor[SchemaProvider]()
)

// implements reports whether T or *T has the methods of iface.
func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

const refPrefix = "#/components/schemas/"

// generator turns Go types into schemas. It runs twice: the first pass
// (collect) finds the types that become components, the names are chosen
// with all of them in view, and the second pass emits the schemas.
type generator struct {
	collect bool

	// collect pass
	components map[reflect.Type]bool // named structs, recursive named non-structs
	stack      map[reflect.Type]bool // named non-struct types being expanded

	// emit pass
	names map[reflect.Type]string
	defs  map[string]*Schema

	err error
}

func (g *generator) fail(format string, args ...any) {
	if g.err == nil {
		g.err = fmt.Errorf("api: schema: "+format, args...)
	}
}

// schemas builds one schema per root type (nil roots give nil) and the
// components they refer to.
func schemas(roots []reflect.Type) ([]*Schema, map[string]*Schema, error) {
	c := &generator{collect: true, components: map[reflect.Type]bool{}, stack: map[reflect.Type]bool{}}
	for _, t := range roots {
		if t != nil {
			c.root(t)
		}
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	g := &generator{names: componentNames(c.components), defs: map[string]*Schema{}}
	out := make([]*Schema, len(roots))
	for i, t := range roots {
		if t != nil {
			out[i] = g.root(t)
		}
	}
	if g.err != nil {
		return nil, nil, g.err
	}
	return out, g.defs, nil
}

// root is the schema of a request or response body: a pointer is just the
// way the body was given, not a nullable value.
func (g *generator) root(t reflect.Type) *Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return g.schema(t)
}

func (g *generator) schema(t reflect.Type) *Schema {
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case t == rawMessageType:
		return &Schema{}
	case t.Kind() == reflect.Pointer:
		return nullable(g.schema(t.Elem()))
	case t.Kind() == reflect.Interface:
		return &Schema{}
	case implements(t, schemaProviderType):
		s := reflect.New(t).Interface().(SchemaProvider).JSONSchema()
		return s.clone()
	case implements(t, marshalerType):
		return &Schema{} // its own MarshalJSON: shape unknown
	case implements(t, textMarshalerType):
		return &Schema{Type: "string"}
	}
	if t.Name() == "" {
		return g.body(t)
	}
	if g.collect {
		if g.components[t] {
			return &Schema{Ref: refPrefix}
		}
		if t.Kind() == reflect.Struct {
			g.components[t] = true
			g.body(t)
			return &Schema{Ref: refPrefix}
		}
		// A named map, slice or array is inlined unless it contains itself.
		if g.stack[t] {
			g.components[t] = true
			return &Schema{Ref: refPrefix}
		}
		g.stack[t] = true
		s := g.body(t)
		delete(g.stack, t)
		if g.components[t] {
			return &Schema{Ref: refPrefix}
		}
		return s
	}
	name, ok := g.names[t]
	if !ok {
		return g.body(t)
	}
	if _, done := g.defs[name]; !done {
		g.defs[name] = nil // in progress: recursion finds the name taken
		g.defs[name] = g.body(t)
	}
	return &Schema{Ref: refPrefix + name}
}

// body is the schema of t by its kind, never a $ref to t itself.
func (g *generator) body(t reflect.Type) *Schema {
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16:
		return &Schema{Type: "integer"}
	case reflect.Int32:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: "integer", Minimum: ptr(0.0)}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Interface:
		return &Schema{}
	case reflect.Pointer:
		return nullable(g.schema(t.Elem()))
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), marshalerType) && !implements(t.Elem(), textMarshalerType) {
			return &Schema{Type: "string", ContentEncoding: "base64"}
		}
		return &Schema{Type: "array", Items: g.schema(t.Elem())}
	case reflect.Array:
		n := t.Len()
		return &Schema{Type: "array", Items: g.schema(t.Elem()), MinItems: &n, MaxItems: ptr(n)}
	case reflect.Map:
		s := &Schema{Type: "object", AdditionalProperties: g.schema(t.Elem())}
		kt := t.Key()
		switch {
		case kt.Kind() == reflect.String, implements(kt, textMarshalerType):
		case isInt(kt.Kind()):
			s.PropertyNames = &Schema{Pattern: "^-?[0-9]+$"}
		case isUint(kt.Kind()):
			s.PropertyNames = &Schema{Pattern: "^[0-9]+$"}
		default:
			g.fail("%v: map key type %v cannot be JSON", t, kt)
		}
		return s
	case reflect.Struct:
		return g.object(t)
	default:
		g.fail("%v cannot be JSON", t)
		return &Schema{}
	}
}

func (g *generator) object(t reflect.Type) *Schema {
	s := &Schema{Type: "object"}
	for _, f := range jsonFields(t) {
		var ps *Schema
		if f.quoted {
			// ",string": the value travels inside a JSON string.
			ps = &Schema{Type: "string"}
			if f.typ.Kind() == reflect.Pointer {
				ps.Nullable = true
			}
		} else {
			ps = g.schema(f.typ)
		}
		if err := applyTags(ps, f.tag); err != nil {
			g.fail("%v.%s: %v", t, f.goName, err)
		}
		s.Properties = append(s.Properties, Property{f.name, ps})
		if !f.omitEmpty && !f.omitZero {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

// applyTags applies the documentation tags of a struct field. "doc" describes
// the field itself; the constraint tags apply to the value, which for a slice
// or array field means its elements:
//
//	doc:"…"  enum:"a,b,c"  format:"date"  pattern:"^…$"
//	minLength:"1"  maxLength:"200"  minimum:"0"  maximum:"100"
func applyTags(s *Schema, tag reflect.StructTag) error {
	if d, ok := tag.Lookup("doc"); ok {
		s.Description = d
	}
	v := s
	for v.Type == "array" && v.Items != nil {
		v = v.Items
	}
	need := func(name string, types ...string) error {
		if !slices.Contains(types, v.Type) {
			what := v.Type
			if v.Ref != "" {
				what = "$ref"
			} else if what == "" {
				what = "untyped"
			}
			return fmt.Errorf("%s tag needs a %s value, not %s", name, strings.Join(types, " or "), what)
		}
		return nil
	}
	if e, ok := tag.Lookup("enum"); ok {
		if err := need("enum", "string", "integer", "number"); err != nil {
			return err
		}
		v.Enum = nil
		for _, item := range strings.Split(e, ",") {
			item = strings.TrimSpace(item)
			switch v.Type {
			case "string":
				v.Enum = append(v.Enum, item)
			case "integer":
				n, err := strconv.ParseInt(item, 10, 64)
				if err != nil {
					return fmt.Errorf("enum tag: %q is not an integer", item)
				}
				v.Enum = append(v.Enum, n)
			case "number":
				n, err := strconv.ParseFloat(item, 64)
				if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
					return fmt.Errorf("enum tag: %q is not a number", item)
				}
				v.Enum = append(v.Enum, n)
			}
		}
		if v.Nullable {
			v.Enum = append(v.Enum, nil)
		}
	}
	if f, ok := tag.Lookup("format"); ok {
		if err := need("format", "string"); err != nil {
			return err
		}
		v.Format = f
	}
	if p, ok := tag.Lookup("pattern"); ok {
		if err := need("pattern", "string"); err != nil {
			return err
		}
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("pattern tag: %w", err)
		}
		v.Pattern = p
	}
	for _, c := range []struct {
		name string
		dst  **int
	}{{"minLength", &v.MinLength}, {"maxLength", &v.MaxLength}} {
		if n, ok := tag.Lookup(c.name); ok {
			if err := need(c.name, "string"); err != nil {
				return err
			}
			i, err := strconv.Atoi(n)
			if err != nil || i < 0 {
				return fmt.Errorf("%s tag: %q is not a non-negative integer", c.name, n)
			}
			*c.dst = &i
		}
	}
	for _, c := range []struct {
		name string
		dst  **float64
	}{{"minimum", &v.Minimum}, {"maximum", &v.Maximum}} {
		if n, ok := tag.Lookup(c.name); ok {
			if err := need(c.name, "integer", "number"); err != nil {
				return err
			}
			x, err := strconv.ParseFloat(n, 64)
			if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
				return fmt.Errorf("%s tag: %q is not a number", c.name, n)
			}
			*c.dst = &x
		}
	}
	return nil
}

// nullable lets s also be null: "type": [T, "null"], or anyOf for a $ref.
func nullable(s *Schema) *Schema {
	switch {
	case s.Ref != "" || len(s.AnyOf) > 0:
		for _, a := range s.AnyOf {
			if a.Type == "null" {
				return s
			}
		}
		return &Schema{AnyOf: []*Schema{s, {Type: "null"}}}
	case s.Type == "" || s.Type == "null" || s.Nullable:
		return s // {} already admits null
	default:
		s.Nullable = true
		if s.Enum != nil {
			s.Enum = append(s.Enum, nil)
		}
		return s
	}
}

func ptr[T any](v T) *T { return &v }

func isInt(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Int64
}

func isUint(k reflect.Kind) bool {
	return k >= reflect.Uint && k <= reflect.Uintptr
}

// componentNames names the component types after their Go names, made
// readable for generic instantiations (Page[…/orgs.Person] → "PagePerson").
// Types whose short names clash are qualified with their package name
// ("OrgsPerson"), then with their whole import path, then numbered; every
// type of a clashing group is qualified, so names don't depend on order.
func componentNames(types map[reflect.Type]bool) map[reflect.Type]string {
	sorted := make([]reflect.Type, 0, len(types))
	for t := range types {
		sorted = append(sorted, t)
	}
	slices.SortFunc(sorted, func(a, b reflect.Type) int {
		return strings.Compare(a.PkgPath()+"."+a.Name(), b.PkgPath()+"."+b.Name())
	})
	names := make(map[reflect.Type]string, len(sorted))
	taken := map[string]bool{}
	left := sorted
	for level := 0; level < 3 && len(left) > 0; level++ {
		count := map[string]int{}
		cand := make([]string, len(left))
		for i, t := range left {
			cand[i] = typeName(t, level)
			count[cand[i]]++
		}
		var rest []reflect.Type
		for i, t := range left {
			if count[cand[i]] == 1 && !taken[cand[i]] {
				names[t], taken[cand[i]] = cand[i], true
			} else {
				rest = append(rest, t)
			}
		}
		left = rest
	}
	for _, t := range left {
		base := typeName(t, 2)
		for i := 2; ; i++ {
			n := base + strconv.Itoa(i)
			if !taken[n] {
				names[t], taken[n] = n, true
				break
			}
		}
	}
	return names
}

// typeName spells a named type as a component name. Level 0 uses bare
// identifiers, level 1 prefixes package names, level 2 whole import paths.
func typeName(t reflect.Type, level int) string {
	var b strings.Builder
	if level > 0 {
		b.WriteString(qualifier(t.PkgPath(), level))
	}
	// Name is e.g. "Page[github.com/ortaq/ortaq/internal/orgs.Person]".
	s := t.Name()
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "[]") {
			b.WriteString("List")
			i += 2
			continue
		}
		j := i
		for j < len(s) && isTokenByte(s[j]) {
			j++
		}
		if j == i {
			i++
			continue
		}
		tok := s[i:j]
		i = j
		ident, path := tok, ""
		if k := strings.LastIndexByte(tok, '.'); k >= 0 {
			path, ident = tok[:k], tok[k+1:]
		}
		if level > 0 && path != "" {
			b.WriteString(qualifier(path, level))
		}
		b.WriteString(upperFirst(ident))
	}
	name := sanitize(b.String())
	if name == "" {
		name = "Type"
	}
	return name
}

func isTokenByte(c byte) bool {
	return c == '_' || c == '.' || c == '/' || c == '-' || c >= 0x80 ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func qualifier(path string, level int) string {
	if path == "" {
		return ""
	}
	if level == 1 {
		if k := strings.LastIndexByte(path, '/'); k >= 0 {
			path = path[k+1:]
		}
		return upperFirst(sanitize(path))
	}
	var b strings.Builder
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return !isASCIIAlnum(r) }) {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

func isASCIIAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// sanitize keeps the characters OpenAPI allows in component names that are
// also safe in a JSON pointer.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if isASCIIAlnum(r) || r == '_' {
			return r
		}
		return -1
	}, s)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
