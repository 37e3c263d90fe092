package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

type (
	embA struct {
		Name string
		A    int `json:"a"`
		Dup  int
	}
	embB struct {
		Name string
		B    int `json:"b"`
		Dup  int `json:"Dup"`
	}
	embC struct{ Deep string }
	embD struct{ embC }
	//lint:ignore U1000 embedded below to test that an unexported non-struct embedding is ignored
	unexStr     string
	fieldsCase1 struct {
		embA
		embB // Name conflicts with embA.Name at the same depth: dropped
	}
	fieldsCase2 struct {
		embA
		Name string // shallower: wins
	}
	fieldsCase3 struct {
		*embA
		embD         // Deep is two levels down
		Tagged  embC `json:"tagged"`
		Renamed embC `json:"deep"` // shallower "deep" than embD's Deep? names differ in case: both kept
		//lint:ignore U1000 the point of the case: an unexported non-struct embedding is ignored
		unexStr     // unexported non-struct embedded: ignored
		Skip    int `json:"-"`
		//lint:ignore SA5008 a malformed tag on purpose: the Go name is used
		Bad int `json:"a\"b"` // invalid tag name: the Go name is used
	}
)

// TestJSONFieldsMatchEncodingJSON compares jsonFields with the members that
// encoding/json writes for the same types.
func TestJSONFieldsMatchEncodingJSON(t *testing.T) {
	for _, v := range []any{
		fieldsCase1{},
		fieldsCase2{},
		fieldsCase3{embA: &embA{}},
		Person{},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var want []string
		for k := range m {
			want = append(want, k)
		}
		var got []string
		for _, f := range jsonFields(reflect.TypeOf(v)) {
			got = append(got, f.name)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%T: jsonFields %v, encoding/json %v", v, got, want)
		}
	}
}

func TestDecodeQuoted(t *testing.T) {
	type q struct {
		S string  `json:"s,string"`
		B bool    `json:"b,string"`
		F float64 `json:"f,string"`
		U *uint8  `json:"u,string"`
	}
	ok := []string{
		`{"s":"\"x\"","b":"true","f":"1.5e3","u":"255"}`,
		`{"s":"null","b":"null","u":null}`,
	}
	for _, body := range ok {
		if err := Decode(newRequest(body), &q{}); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	bad := map[string]KeyedFieldError{
		`{"s":"x"}`:     {Field: "s", Key: KeyInvalidType, Args: []any{"string"}},
		`{"b":"yes"}`:   {Field: "b", Key: KeyInvalidType, Args: []any{"boolean"}},
		`{"f":"Inf"}`:   {Field: "f", Key: KeyInvalidType, Args: []any{"number"}},
		`{"u":"256"}`:   {Field: "u", Key: KeyInvalidType, Args: []any{"integer"}},
		`{"b":true}`:    {Field: "b", Key: KeyInvalidType, Args: []any{"string"}},
		`{"f":{"x":1}}`: {Field: "f", Key: KeyInvalidType, Args: []any{"string"}},
	}
	for body, want := range bad {
		var de *DecodeError
		if err := Decode(newRequest(body), &q{}); !errors.As(err, &de) || !reflect.DeepEqual(de.Fields, []KeyedFieldError{want}) {
			t.Errorf("%s: %v, want %v", body, err, want)
		}
	}
}

func TestFallbackFields(t *testing.T) {
	typeErr := &json.UnmarshalTypeError{Value: "number", Type: reflect.TypeFor[string](), Field: "registration.number"}
	tests := []struct {
		err  error
		want []KeyedFieldError
	}{
		{typeErr, []KeyedFieldError{{Field: "registration.number", Key: KeyInvalidType, Args: []any{"string"}}}},
		{errors.New(`json: unknown field "nmae"`), []KeyedFieldError{{Field: "nmae", Key: KeyUnknownField}}},
		{errors.New("something else"), nil},
	}
	for _, tt := range tests {
		if got := fallbackFields(tt.err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("fallbackFields(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
