package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

type (
	decodeReg struct {
		Number string    `json:"number"`
		Date   time.Time `json:"date"`
	}
	decodePhase struct {
		Kind string `json:"kind"`
		Days []int  `json:"days"`
	}
	decodeTarget struct {
		Name   string            `json:"name"`
		Age    int               `json:"age,omitempty"`
		Small  int8              `json:"small,omitempty"`
		Ratio  float32           `json:"ratio,omitempty"`
		OK     bool              `json:"ok,omitempty"`
		Reg    decodeReg         `json:"registration"`
		Ptr    *decodeReg        `json:"ptr"`
		Phases []decodePhase     `json:"phases"`
		Labels map[string]string `json:"labels"`
		Counts map[int]int       `json:"counts"`
		Extra  any               `json:"extra"`
		Quoted int               `json:"quoted,string"`
		Code   code              `json:"code"`
		Level  Level             `json:"level"`
		Blob   []byte            `json:"blob"`
	}
	// code rejects anything but "ok" with its own key.
	code string
)

func (c *code) UnmarshalJSON(b []byte) error {
	if string(b) != `"ok"` {
		return &KeyedFieldError{Key: "validation.invalid_code", Args: []any{"ok"}}
	}
	*c = "ok"
	return nil
}

// Level (from schema_test.go) marshals as text; it unmarshals "low" only.
func (l *Level) UnmarshalText(b []byte) error {
	if string(b) != "low" {
		return errors.New("bad level")
	}
	*l = 1
	return nil
}

func newRequest(body string) *http.Request {
	return httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
}

func TestDecode(t *testing.T) {
	type fe = KeyedFieldError
	tests := []struct {
		name   string
		body   string
		key    string // "" means success
		offset int64
		fields []KeyedFieldError
	}{
		{name: "valid", body: `{"name":"Ортақ","age":30,"registration":{"number":"1","date":"2020-11-04T10:00:00Z"},
			"phases":[{"kind":"proposals","days":[1,2]}],"labels":{"a":"b"},"counts":{"1":2},"extra":{"any":[1,"x",null]},
			"quoted":"42","code":"ok","level":"low","blob":"aGk=","ptr":null}`},
		{name: "nulls are accepted", body: `{"name":null,"registration":null,"phases":null,"ptr":null,"level":null,"blob":null}`},
		{name: "case-insensitive keys, as encoding/json", body: `{"NAME":"x","Registration":{"NUMBER":"1"}}`},
		{name: "surrogate pair", body: `{"name":"\ud83d\ude00 and \\ud800 literally"}`},
		{name: "leading and trailing space", body: " \n\t{\"name\":\"x\"}\r\n "},

		{name: "empty", body: ``, key: KeyEmptyBody},
		{name: "whitespace only", body: " \n\t ", key: KeyEmptyBody},
		{name: "syntax error", body: `{"name":"x",}`, key: KeyInvalidJSON, offset: 13},
		{name: "not JSON", body: `name=x`, key: KeyInvalidJSON, offset: 2}, // encoding/json's offset
		{name: "truncated", body: `{"name":"x"`, key: KeyInvalidJSON, offset: 11},
		{name: "trailing garbage", body: `{"name":"x"} xyz`, key: KeyInvalidJSON, offset: 13},
		{name: "second value", body: `{"name":"x"}{}`, key: KeyInvalidJSON, offset: 12},
		{name: "invalid UTF-8 outside strings", body: "{\"name\":\"x\"\xff}", key: KeyInvalidJSON, offset: 12},

		{name: "unknown field", body: `{"name":"x","nmae":"y"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "nmae", Key: KeyUnknownField}}},
		{name: "unknown nested field", body: `{"registration":{"number":"1","authority":"x"}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "registration.authority", Key: KeyUnknownField}}},
		{name: "unknown field in array element", body: `{"phases":[{"kind":"a"},{"kind":"b","start":1}]}`, key: KeyInvalidBody,
			fields: []fe{{Field: "phases[1].start", Key: KeyUnknownField}}},
		{name: "wrong type", body: `{"name":42}`, key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "wrong type nested", body: `{"registration":{"number":1}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "registration.number", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "wrong type in array", body: `{"phases":[{"days":[1,"two",3]}]}`, key: KeyInvalidBody,
			fields: []fe{{Field: "phases[0].days[1]", Key: KeyInvalidType, Args: []any{"integer"}}}},
		{name: "object for string", body: `{"name":{"kk":"x"},"age":1}`, key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "string for object", body: `{"registration":"x"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "registration", Key: KeyInvalidType, Args: []any{"object"}}}},
		{name: "object for array", body: `{"phases":{}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "phases", Key: KeyInvalidType, Args: []any{"array"}}}},
		{name: "array at top", body: `[1,2]`, key: KeyInvalidBody,
			fields: []fe{{Field: "", Key: KeyInvalidType, Args: []any{"object"}}}},
		{name: "fraction for integer", body: `{"age":1.5}`, key: KeyInvalidBody,
			fields: []fe{{Field: "age", Key: KeyInvalidType, Args: []any{"integer"}}}},
		{name: "integer out of range", body: `{"small":300}`, key: KeyInvalidBody,
			fields: []fe{{Field: "small", Key: KeyInvalidType, Args: []any{"integer"}}}},
		{name: "float out of range", body: `{"ratio":1e300}`, key: KeyInvalidBody,
			fields: []fe{{Field: "ratio", Key: KeyInvalidType, Args: []any{"number"}}}},
		{name: "string for bool", body: `{"ok":"true"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "ok", Key: KeyInvalidType, Args: []any{"boolean"}}}},
		{name: "bad map key", body: `{"counts":{"x":1}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "counts.x", Key: KeyInvalidType, Args: []any{"integer"}}}},
		{name: "bad map value", body: `{"labels":{"a":1}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "labels.a", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "quoted field unquoted", body: `{"quoted":42}`, key: KeyInvalidBody,
			fields: []fe{{Field: "quoted", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "quoted field bad content", body: `{"quoted":"4x"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "quoted", Key: KeyInvalidType, Args: []any{"integer"}}}},
		{name: "bad date-time", body: `{"registration":{"date":"2020-11-04"}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "registration.date", Key: KeyInvalidDateTime}}},
		{name: "bad date-time behind pointer", body: `{"ptr":{"date":"yesterday"}}`, key: KeyInvalidBody,
			fields: []fe{{Field: "ptr.date", Key: KeyInvalidDateTime}}},
		{name: "unmarshaler's own key", body: `{"code":"nope"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "code", Key: "validation.invalid_code", Args: []any{"ok"}}}},
		{name: "null goes to a value's UnmarshalJSON, as in encoding/json", body: `{"code":null}`, key: KeyInvalidBody,
			fields: []fe{{Field: "code", Key: "validation.invalid_code", Args: []any{"ok"}}}},
		{name: "text unmarshaler error", body: `{"level":"high"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "level", Key: KeyInvalidValue}}},
		{name: "text unmarshaler wrong type", body: `{"level":3}`, key: KeyInvalidBody,
			fields: []fe{{Field: "level", Key: KeyInvalidType, Args: []any{"string"}}}},
		{name: "bad base64", body: `{"blob":"!!"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "blob", Key: KeyInvalidValue}}},

		{name: "invalid UTF-8 in a value", body: "{\"name\":\"a\xffb\"}", key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidUTF8}}},
		{name: "invalid UTF-8 nested", body: "{\"phases\":[{\"kind\":\"ok\"},{\"kind\":\"\xc3\x28\"}]}", key: KeyInvalidBody,
			fields: []fe{{Field: "phases[1].kind", Key: KeyInvalidUTF8}}},
		{name: "invalid UTF-8 in a map value", body: "{\"labels\":{\"kk\":\"\xed\xa0\x80\"}}", key: KeyInvalidBody,
			fields: []fe{{Field: "labels.kk", Key: KeyInvalidUTF8}}},
		{name: "invalid UTF-8 inside any", body: "{\"extra\":{\"a\":[\"\xff\"]}}", key: KeyInvalidBody,
			fields: []fe{{Field: "extra.a[0]", Key: KeyInvalidUTF8}}},
		{name: "invalid UTF-8 in an unmarshaler", body: "{\"registration\":{\"date\":\"2020\xff\"}}", key: KeyInvalidBody,
			fields: []fe{{Field: "registration.date", Key: KeyInvalidUTF8}}},
		{name: "lone high surrogate", body: `{"name":"x\ud800y"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidUTF8}}},
		{name: "lone low surrogate", body: `{"name":"\uDC00"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidUTF8}}},
		{name: "reversed pair", body: `{"name":"\ude00\ud83d"}`, key: KeyInvalidBody,
			fields: []fe{{Field: "name", Key: KeyInvalidUTF8}}},

		{name: "all errors, in order", body: `{"nmae":"x","age":"old","registration":{"number":[],"extra":1},"phases":[{"kind":1}]}`,
			key: KeyInvalidBody, fields: []fe{
				{Field: "nmae", Key: KeyUnknownField},
				{Field: "age", Key: KeyInvalidType, Args: []any{"integer"}},
				{Field: "registration.number", Key: KeyInvalidType, Args: []any{"string"}},
				{Field: "registration.extra", Key: KeyUnknownField},
				{Field: "phases[0].kind", Key: KeyInvalidType, Args: []any{"string"}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst decodeTarget
			err := Decode(newRequest(tt.body), &dst)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want a *DecodeError", err, err)
			}
			if de.Key != tt.key {
				t.Errorf("Key = %q, want %q (%v)", de.Key, tt.key, de)
			}
			if tt.key == KeyInvalidJSON && de.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", de.Offset, tt.offset)
			}
			if !reflect.DeepEqual(de.Fields, tt.fields) {
				t.Errorf("Fields:\n got %#v\nwant %#v", de.Fields, tt.fields)
			}
			if de.TooLarge || errors.Is(err, ErrTooLarge) || de.Status() != http.StatusBadRequest {
				t.Errorf("TooLarge %v, Status %d", de.TooLarge, de.Status())
			}
			if de.Error() == "" {
				t.Error("empty Error()")
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	var dst decodeTarget
	body := `{"name":"Жастар","Registration":{"date":"2020-11-04T10:00:00+06:00"},"quoted":"7","extra":[1,"a"],"blob":"aGk="}`
	if err := Decode(newRequest(body), &dst); err != nil {
		t.Fatal(err)
	}
	if dst.Name != "Жастар" || dst.Quoted != 7 || string(dst.Blob) != "hi" ||
		!dst.Reg.Date.Equal(time.Date(2020, 11, 4, 4, 0, 0, 0, time.UTC)) ||
		!reflect.DeepEqual(dst.Extra, []any{1.0, "a"}) {
		t.Errorf("decoded %+v", dst)
	}

	var emoji struct {
		S string `json:"s"`
	}
	if err := Decode(newRequest(`{"s":"\ud83d\ude00"}`), &emoji); err != nil || emoji.S != "😀" {
		t.Errorf("surrogate pair: %q, %v", emoji.S, err)
	}

	// Other destinations: a map and an any.
	var m map[string]int
	if err := Decode(newRequest(`{"a":1,"b":"x"}`), &m); err == nil ||
		!strings.Contains(err.Error(), "b: validation.invalid_type") {
		t.Errorf("map: %v", err)
	}
	var a any
	if err := Decode(newRequest("[\"ok\",\"\xff\"]"), &a); err == nil ||
		!strings.Contains(err.Error(), "[1]: validation.invalid_utf8") {
		t.Errorf("any: %v", err)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	// The server's limit, through http.MaxBytesReader.
	rec := httptest.NewRecorder()
	r := newRequest(`{"name":"` + strings.Repeat("x", 100) + `"}`)
	r.Body = http.MaxBytesReader(rec, r.Body, 50)
	err := Decode(r, &decodeTarget{})
	var de *DecodeError
	if !errors.As(err, &de) || !de.TooLarge || de.Key != KeyBodyTooLarge || de.Status() != http.StatusRequestEntityTooLarge {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, ErrTooLarge) {
		t.Error("errors.Is(err, ErrTooLarge) is false")
	}
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) || mbe.Limit != 50 {
		t.Errorf("the *http.MaxBytesError is not wrapped: %v", err)
	}

	// Decode's own cap, when the server set none or a larger one.
	big := `{"name":"` + strings.Repeat("x", MaxBodySize) + `"}`
	r = newRequest(big)
	if err := Decode(r, &decodeTarget{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxBodySize: %v", err)
	}
	r = newRequest(big)
	r.ContentLength = -1 // unknown: read up to the cap
	if err := Decode(r, &decodeTarget{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxBodySize, unknown length: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecodeOtherErrors(t *testing.T) {
	var dst decodeTarget
	if err := Decode(newRequest(`{}`), dst); err == nil || errors.As(err, new(*DecodeError)) {
		t.Errorf("non-pointer dst: %v", err)
	}
	if err := Decode(newRequest(`{}`), (*decodeTarget)(nil)); err == nil {
		t.Error("nil dst accepted")
	}
	r := newRequest("")
	r.Body = io.NopCloser(failingReader{})
	if err := Decode(r, &dst); err == nil || errors.As(err, new(*DecodeError)) || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("read error: %v", err)
	}
	r = httptest.NewRequest("POST", "/", nil) // http.NoBody
	if err := Decode(r, &dst); !isKey(err, KeyEmptyBody) {
		t.Errorf("no body: %v", err)
	}
	r.Body = nil
	if err := Decode(r, &dst); !isKey(err, KeyEmptyBody) {
		t.Errorf("nil body: %v", err)
	}
}

func TestDecodeCapsFieldErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 200 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"x%d":1`, i)
	}
	b.WriteString("}")
	var de *DecodeError
	if err := Decode(newRequest(b.String()), &decodeTarget{}); !errors.As(err, &de) || len(de.Fields) != maxFieldErrors {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeErrorProblem(t *testing.T) {
	err := Decode(newRequest(`{"nmae":1,"age":"x"}`), &decodeTarget{})
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatal(err)
	}
	tr := func(key string, args ...any) string { return fmt.Sprint(append([]any{key}, args...)...) }
	got := de.Problem(tr)
	want := Problem{Title: KeyInvalidBody, Status: 400, Errors: []FieldError{
		{Field: "nmae", Message: KeyUnknownField},
		{Field: "age", Message: KeyInvalidType + "integer"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Problem = %+v", got)
	}
}

func TestBadText(t *testing.T) {
	tests := []struct {
		in  string
		bad bool
	}{
		{`"plain"`, false},
		{`"Қазақ"`, false},
		{`"\ud83d\ude00"`, false},
		{`"\uD83D\uDE00"`, false},
		{`"\\ud800"`, false}, // an escaped backslash, then text
		{`"\\\ud800"`, true}, // an escaped backslash, then a lone surrogate
		{`"\ud800"`, true},
		{`"\ud800\u0041"`, true},
		{`"\udc00"`, true},
		{`"\ud800`, true},
		{"\"\xff\"", true},
		{`"\u00e9\n\t"`, false},
	}
	for _, tt := range tests {
		if got := badText([]byte(tt.in)); got != tt.bad {
			t.Errorf("badText(%s) = %v, want %v", tt.in, got, tt.bad)
		}
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.5": true, "1e5": true, "1E+5": true, "-1.5e-3": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false,
		"Inf": false, "NaN": false, "0x10": false, "1_000": false, " 1": false,
	} {
		if got := validNumber(s); got != want {
			t.Errorf("validNumber(%q) = %v", s, got)
		}
	}
}

func isKey(err error, key string) bool {
	var de *DecodeError
	return errors.As(err, &de) && de.Key == key
}
