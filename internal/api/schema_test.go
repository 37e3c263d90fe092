package api

import (
	"encoding/json"
	htmltemplate "html/template"
	"math/big"
	randv1 "math/rand"
	randv2 "math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	texttemplate "text/template"
	"time"
)

// Types for the schema tests.
type (
	Text struct {
		KK string `json:"kk"`
		RU string `json:"ru,omitempty"`
		EN string `json:"en,omitempty"`
	}
	Registration struct {
		Number string `json:"number" maxLength:"50"`
		Date   string `json:"date" format:"date" doc:"Day of registration."`
		Status string `json:"status" enum:"registered,re_registered"`
	}
	Node struct {
		Name     string `json:"name"`
		Parent   *Node  `json:"parent"`
		Children []Node `json:"children"`
	}
	Tree  map[string]Tree
	Chain []Chain
	Base  struct {
		ID      string    `json:"id"`
		Created time.Time `json:"created_at"`
	}
	Person struct {
		Base
		Name  string `json:"name"`
		Email string `json:"email" format:"email"`
	}
	Kind string
	//lint:ignore U1000 a struct with only unexported fields is the case under test
	Money struct{ cents int64 }
	Level int
	//lint:ignore U1000 a struct with only unexported fields is the case under test
	Opaque   struct{ raw string }
	Template struct{}
	// providerIface is an interface that has JSONSchema: still any value.
	providerIface interface{ SchemaProvider }
	withEmbPtr    struct {
		*Base
		Note string `json:"note"`
	}
)

func (Money) MarshalJSON() ([]byte, error)   { return []byte(`"0.00"`), nil }
func (Level) MarshalText() ([]byte, error)   { return []byte("low"), nil }
func (*Opaque) MarshalJSON() ([]byte, error) { return []byte(`{}`), nil }
func (Opaque) JSONSchema() Schema {
	return Schema{Type: "object", Properties: []Property{{"v", &Schema{Type: "string"}}}, Description: "opaque"}
}

// genJSON runs the generator on v and returns the root schema and the
// components as JSON values.
func genJSON(t *testing.T, v any) (root any, defs map[string]any, err error) {
	t.Helper()
	out, d, err := schemas([]reflect.Type{reflect.TypeOf(v)})
	if err != nil {
		return nil, nil, err
	}
	defs = map[string]any{}
	for name, s := range d {
		defs[name] = toAny(t, s)
	}
	return toAny(t, out[0]), defs, nil
}

func toAny(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var a any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return a
}

func parseJSON(t *testing.T, s string) any {
	t.Helper()
	var a any
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		t.Fatalf("bad expectation %q: %v", s, err)
	}
	return a
}

func TestSchema(t *testing.T) {
	tests := []struct {
		name string
		v    any
		root string
		defs map[string]string // only the ones listed are checked; nil: none expected
	}{
		{
			name: "scalars",
			v: struct {
				I   int       `json:"i"`
				I32 int32     `json:"i32"`
				I64 int64     `json:"i64"`
				U8  uint8     `json:"u8"`
				F32 float32   `json:"f32"`
				F   float64   `json:"f"`
				B   bool      `json:"b"`
				S   string    `json:"s"`
				T   time.Time `json:"t"`
			}{},
			root: `{"type":"object","properties":{
				"i":{"type":"integer"},"i32":{"type":"integer","format":"int32"},
				"i64":{"type":"integer","format":"int64"},"u8":{"type":"integer","minimum":0},
				"f32":{"type":"number","format":"float"},"f":{"type":"number","format":"double"},
				"b":{"type":"boolean"},"s":{"type":"string"},"t":{"type":"string","format":"date-time"}},
				"required":["i","i32","i64","u8","f32","f","b","s","t"]}`,
		},
		{
			name: "pointers are nullable",
			v: struct {
				S  *string    `json:"s"`
				T  *time.Time `json:"t"`
				L  *[]int     `json:"l"`
				P  *Text      `json:"p"`
				PP **int      `json:"pp"`
				A  *any       `json:"a"`
			}{},
			root: `{"type":"object","properties":{
				"s":{"type":["string","null"]},
				"t":{"type":["string","null"],"format":"date-time"},
				"l":{"type":["array","null"],"items":{"type":"integer"}},
				"p":{"anyOf":[{"$ref":"#/components/schemas/Text"},{"type":"null"}]},
				"pp":{"type":["integer","null"]},
				"a":{}},
				"required":["s","t","l","p","pp","a"]}`,
			defs: map[string]string{"Text": `{"type":"object","properties":{"kk":{"type":"string"},"ru":{"type":"string"},"en":{"type":"string"}},"required":["kk"]}`},
		},
		{
			name: "collections",
			v: struct {
				L   []string            `json:"l"`
				A   [2]int              `json:"a"`
				B   []byte              `json:"b"`
				M   map[string]int64    `json:"m"`
				MI  map[int]bool        `json:"mi"`
				MT  map[Kind]Text       `json:"mt"`
				R   json.RawMessage     `json:"r"`
				Any any                 `json:"any"`
				LL  [][]map[string]Kind `json:"ll"`
			}{},
			root: `{"type":"object","properties":{
				"l":{"type":"array","items":{"type":"string"}},
				"a":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2},
				"b":{"type":"string","contentEncoding":"base64"},
				"m":{"type":"object","additionalProperties":{"type":"integer","format":"int64"}},
				"mi":{"type":"object","additionalProperties":{"type":"boolean"},"propertyNames":{"pattern":"^-?[0-9]+$"}},
				"mt":{"type":"object","additionalProperties":{"$ref":"#/components/schemas/Text"}},
				"r":{},"any":{},
				"ll":{"type":"array","items":{"type":"array","items":{"type":"object","additionalProperties":{"type":"string"}}}}},
				"required":["l","a","b","m","mi","mt","r","any","ll"]}`,
		},
		{
			name: "tags",
			v: struct {
				Doc   string   `json:"doc" doc:"Some <b>text</b> & more."`
				Enum  string   `json:"enum" enum:"a, b,c"`
				NEnum *string  `json:"nenum" enum:"x,y"`
				LEnum []string `json:"lenum" enum:"p,q" doc:"A list."`
				IEnum int      `json:"ienum" enum:"1,2,3"`
				Fmt   string   `json:"fmt" format:"date"`
				Len   string   `json:"len" minLength:"1" maxLength:"200"`
				Num   float64  `json:"num" minimum:"0" maximum:"1.5"`
				Pat   string   `json:"pat" pattern:"^[a-z]+$"`
			}{},
			root: `{"type":"object","properties":{
				"doc":{"type":"string","description":"Some <b>text</b> & more."},
				"enum":{"type":"string","enum":["a","b","c"]},
				"nenum":{"type":["string","null"],"enum":["x","y",null]},
				"lenum":{"type":"array","description":"A list.","items":{"type":"string","enum":["p","q"]}},
				"ienum":{"type":"integer","enum":[1,2,3]},
				"fmt":{"type":"string","format":"date"},
				"len":{"type":"string","minLength":1,"maxLength":200},
				"num":{"type":"number","format":"double","minimum":0,"maximum":1.5},
				"pat":{"type":"string","pattern":"^[a-z]+$"}},
				"required":["doc","enum","nenum","lenum","ienum","fmt","len","num","pat"]}`,
		},
		{
			name: "field rules",
			v: struct {
				Req  string `json:"req"`
				Omit string `json:"omit,omitempty"`
				Zero Text   `json:"zero,omitzero"`
				Skip string `json:"-"`
				//lint:ignore SA5008 `json:"-,"` names the field "-": the case under test
				Dash     string `json:"-,"`
				NoTag    int
				Quoted   int64  `json:"quoted,string"`
				QuotedP  *bool  `json:"quoted_p,string"`
				unexport string //nolint:unused
			}{},
			root: `{"type":"object","properties":{
				"req":{"type":"string"},"omit":{"type":"string"},"zero":{"$ref":"#/components/schemas/Text"},
				"-":{"type":"string"},"NoTag":{"type":"integer"},
				"quoted":{"type":"string"},"quoted_p":{"type":["string","null"]}},
				"required":["req","-","NoTag","quoted","quoted_p"]}`,
		},
		{
			name: "embedded structs are promoted",
			v:    Person{},
			root: `{"$ref":"#/components/schemas/Person"}`,
			defs: map[string]string{"Person": `{"type":"object","properties":{
				"id":{"type":"string"},"created_at":{"type":"string","format":"date-time"},
				"name":{"type":"string"},"email":{"type":"string","format":"email"}},
				"required":["id","created_at","name","email"]}`},
		},
		{
			name: "embedded pointer",
			v:    withEmbPtr{},
			root: `{"$ref":"#/components/schemas/WithEmbPtr"}`,
			defs: map[string]string{"WithEmbPtr": `{"type":"object","properties":{
				"id":{"type":"string"},"created_at":{"type":"string","format":"date-time"},"note":{"type":"string"}},
				"required":["id","created_at","note"]}`},
		},
		{
			name: "nested named structs",
			v: struct {
				Reg  Registration   `json:"registration" doc:"State registration."`
				Regs []Registration `json:"regs"`
			}{},
			root: `{"type":"object","properties":{
				"registration":{"$ref":"#/components/schemas/Registration","description":"State registration."},
				"regs":{"type":"array","items":{"$ref":"#/components/schemas/Registration"}}},
				"required":["registration","regs"]}`,
			defs: map[string]string{"Registration": `{"type":"object","properties":{
				"number":{"type":"string","maxLength":50},
				"date":{"type":"string","format":"date","description":"Day of registration."},
				"status":{"type":"string","enum":["registered","re_registered"]}},
				"required":["number","date","status"]}`},
		},
		{
			name: "recursive struct",
			v:    Node{},
			root: `{"$ref":"#/components/schemas/Node"}`,
			defs: map[string]string{"Node": `{"type":"object","properties":{
				"name":{"type":"string"},
				"parent":{"anyOf":[{"$ref":"#/components/schemas/Node"},{"type":"null"}]},
				"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}},
				"required":["name","parent","children"]}`},
		},
		{
			name: "recursive map and slice",
			v: struct {
				T Tree  `json:"t"`
				C Chain `json:"c"`
			}{},
			root: `{"type":"object","properties":{"t":{"$ref":"#/components/schemas/Tree"},"c":{"$ref":"#/components/schemas/Chain"}},"required":["t","c"]}`,
			defs: map[string]string{
				"Tree":  `{"type":"object","additionalProperties":{"$ref":"#/components/schemas/Tree"}}`,
				"Chain": `{"type":"array","items":{"$ref":"#/components/schemas/Chain"}}`,
			},
		},
		{
			name: "named non-struct types are inlined",
			v: struct {
				K Kind            `json:"k"`
				M map[string]Kind `json:"m"`
			}{},
			root: `{"type":"object","properties":{"k":{"type":"string"},"m":{"type":"object","additionalProperties":{"type":"string"}}},"required":["k","m"]}`,
			defs: map[string]string{},
		},
		{
			name: "generic instantiation",
			v:    Page[Person]{},
			root: `{"$ref":"#/components/schemas/PagePerson"}`,
			defs: map[string]string{"PagePerson": `{"type":"object","properties":{
				"items":{"type":"array","items":{"$ref":"#/components/schemas/Person"},"description":"The items of this page, at most limit."},
				"next_cursor":{"type":"string","description":"Pass as ?cursor= to get the next page; absent on the last page."}},
				"required":["items"]}`},
		},
		{
			name: "marshalers and providers",
			v: struct {
				M  Money         `json:"m"`
				L  Level         `json:"l"`
				O  Opaque        `json:"o"`
				PO *Opaque       `json:"po"`
				A  netip.Addr    `json:"a"`
				B  *big.Int      `json:"b"`
				I  providerIface `json:"i"`
			}{},
			root: `{"type":"object","properties":{
				"m":{},"l":{"type":"string"},
				"o":{"type":"object","description":"opaque","properties":{"v":{"type":"string"}}},
				"po":{"type":["object","null"],"description":"opaque","properties":{"v":{"type":"string"}}},
				"a":{"type":"string"},"b":{},"i":{}},
				"required":["m","l","o","po","a","b","i"]}`,
			defs: map[string]string{},
		},
		{
			name: "pointer root is not nullable",
			v:    &Text{},
			root: `{"$ref":"#/components/schemas/Text"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, defs, err := genJSON(t, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if want := parseJSON(t, tt.root); !reflect.DeepEqual(root, want) {
				t.Errorf("root schema:\n got %s\nwant %s", mustJSON(root), mustJSON(want))
			}
			if tt.defs != nil && len(tt.defs) == 0 && len(defs) != 0 {
				t.Errorf("want no components, got %s", mustJSON(defs))
			}
			for name, w := range tt.defs {
				if want := parseJSON(t, w); !reflect.DeepEqual(defs[name], want) {
					t.Errorf("component %s:\n got %s\nwant %s", name, mustJSON(defs[name]), mustJSON(want))
				}
			}
		})
	}
}

// TestSchemaPropertyOrder checks that properties keep Go field order in the
// bytes (a map would sort them).
func TestSchemaPropertyOrder(t *testing.T) {
	out, _, err := schemas([]reflect.Type{reflect.TypeFor[struct {
		Z int `json:"z"`
		A int `json:"a"`
		M int `json:"m"`
	}]()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(out[0])
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !(strings.Index(s, `"z"`) < strings.Index(s, `"a"`) && strings.Index(s, `"a"`) < strings.Index(s, `"m"`)) {
		t.Errorf("properties out of order: %s", s)
	}
	if !strings.HasPrefix(s, `{"type":"object","properties":`) {
		t.Errorf("type and properties should come first: %s", s)
	}
}

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"channel", struct {
			C chan int `json:"c"`
		}{}, "chan int cannot be JSON"},
		{"func", struct{ F func() }{}, "cannot be JSON"},
		{"complex", struct{ C complex128 }{}, "cannot be JSON"},
		{"struct map key", struct {
			M map[Text]int `json:"m"`
		}{}, "map key type"},
		{"enum on bool", struct {
			B bool `enum:"true"`
		}{}, "enum tag needs a string or integer or number value, not boolean"},
		{"enum not int", struct {
			I int `enum:"1,x"`
		}{}, `"x" is not an integer`},
		{"maxLength not int", struct {
			S string `maxLength:"many"`
		}{}, `maxLength tag: "many"`},
		{"maxLength on int", struct {
			I int `maxLength:"3"`
		}{}, "maxLength tag needs a string value, not integer"},
		{"format on struct", struct {
			T Text `format:"date"`
		}{}, "format tag needs a string value, not $ref"},
		{"minimum on string", struct {
			S string `minimum:"1"`
		}{}, "minimum tag needs"},
		{"bad pattern", struct {
			S string `pattern:"("`
		}{}, "pattern tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := genJSON(t, tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestComponentNames(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[Person](),
		reflect.TypeFor[Page[Person]](),
		reflect.TypeFor[Page[[]Text]](),
		reflect.TypeFor[Page[map[string]Node]](),
		reflect.TypeFor[Template](),
		reflect.TypeFor[texttemplate.Template](),
		reflect.TypeFor[htmltemplate.Template](),
		reflect.TypeFor[randv1.Rand](),
		reflect.TypeFor[randv2.Rand](),
	}
	set := map[reflect.Type]bool{}
	for _, tt := range types {
		set[tt] = true
	}
	got := componentNames(set)
	want := map[reflect.Type]string{
		types[0]: "Person",
		types[1]: "PagePerson",
		types[2]: "PageListText",
		types[3]: "PageMapStringNode",
		// Three types called Template: all qualified by package; two
		// packages are called template, so those take their whole path.
		types[4]: "ApiTemplate",
		types[5]: "TextTemplateTemplate",
		types[6]: "HtmlTemplateTemplate",
		types[7]: "RandRand",
		types[8]: "V2Rand",
	}
	for tt, w := range want {
		if got[tt] != w {
			t.Errorf("name of %v = %q, want %q", tt, got[tt], w)
		}
	}
	// Deterministic whatever the map order.
	for range 20 {
		if again := componentNames(set); !reflect.DeepEqual(again, got) {
			t.Fatalf("names changed: %v vs %v", again, got)
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
