package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// Page is one page of a list: {"items":[…],"next_cursor":"…"}. Its
// component name in the OpenAPI document is "Page" followed by the item
// type's name: Page[Person] is "PagePerson".
type Page[T any] struct {
	Items      []T    `json:"items" doc:"The items of this page, at most limit."`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= to get the next page; absent on the last page."`
}

// ListQuery returns the query parameters of a list, limit and cursor,
// followed by more, for Operation.Query.
func ListQuery(more ...Param) []Param {
	return append([]Param{
		{Name: "limit", Type: "integer", Description: "How many items to return at most."},
		{Name: "cursor", Type: "string", Description: "The next_cursor of the previous page."},
	}, more...)
}

// maxCursorLen bounds what DecodeCursor reads.
const maxCursorLen = 1024

// ParseLimit reads ?limit=: absent or empty gives def; otherwise it must be
// a decimal integer from 1 to max, else the error is a *KeyedFieldError
// {Field: "limit", Key: KeyInvalidLimit, Args: [1, max]}. def should be
// within 1..max.
func ParseLimit(r *http.Request, def, max int) (int, error) {
	vs := r.URL.Query()["limit"]
	if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
		return def, nil
	}
	bad := &KeyedFieldError{Field: "limit", Key: KeyInvalidLimit, Args: []any{1, max}}
	s := vs[0]
	if len(vs) > 1 || len(s) > 9 {
		return 0, bad
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, bad
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, bad
	}
	return n, nil
}

// EncodeCursor makes an opaque cursor from the sort key of the last row of
// a page: base64url (no padding) of a JSON array of the keys. A key is a
// string, bool, integer or float (named types of those kinds too) or a
// time.Time, which is kept in UTC to the nanosecond. EncodeCursor panics on
// other types, and on NaN or infinite floats: a programming error.
//
// Cursors are not signed: a client can forge one. That is harmless, since a
// cursor only says where a page starts; DecodeCursor checks its shape.
func EncodeCursor(keys ...any) string {
	parts := make([]any, len(keys))
	for i, k := range keys {
		if t, ok := k.(time.Time); ok {
			parts[i] = t.UTC().Format(time.RFC3339Nano)
			continue
		}
		v := reflect.ValueOf(k)
		switch kind := v.Kind(); {
		case kind == reflect.String:
			parts[i] = v.String()
		case kind == reflect.Bool:
			parts[i] = v.Bool()
		case isInt(kind):
			parts[i] = v.Int()
		case isUint(kind):
			parts[i] = v.Uint()
		case kind == reflect.Float32 || kind == reflect.Float64:
			f := v.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				panic(fmt.Sprintf("api: EncodeCursor: key %d is %v", i, f))
			}
			parts[i] = f
		default:
			panic(fmt.Sprintf("api: EncodeCursor: key %d has unsupported type %T", i, k))
		}
	}
	b, err := json.Marshal(parts)
	if err != nil {
		panic(fmt.Sprintf("api: EncodeCursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into dst, pointers to
// values of the types that were encoded, in the same order. Anything else
// (bad base64, bad JSON, the wrong number or types of keys, out-of-range
// numbers) gives a *KeyedFieldError{Field: "cursor", Key: KeyInvalidCursor};
// so does an empty s. A dst that is not a pointer to a supported type
// gives a plain error: a programming error.
func DecodeCursor(s string, dst ...any) error {
	for i, d := range dst {
		if err := checkCursorDst(d); err != nil {
			return fmt.Errorf("api: DecodeCursor: dst %d: %w", i, err)
		}
	}
	bad := &KeyedFieldError{Field: "cursor", Key: KeyInvalidCursor}
	if s == "" || len(s) > maxCursorLen {
		return bad
	}
	for i := 0; i < len(s); i++ { // base64 would skip newlines
		if c := s[i]; !(isASCIIAlnum(rune(c)) || c == '-' || c == '_') {
			return bad
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || !utf8.Valid(b) || !bytes.HasPrefix(b, []byte("[")) {
		return bad
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != len(dst) {
		return bad
	}
	// Decode into fresh values first, so that dst is untouched on error.
	vals := make([]reflect.Value, len(dst))
	for i, d := range dst {
		v := reflect.New(reflect.TypeOf(d).Elem()).Elem()
		if !decodeKey(parts[i], v) {
			return bad
		}
		vals[i] = v
	}
	for i, d := range dst {
		reflect.ValueOf(d).Elem().Set(vals[i])
	}
	return nil
}

func checkCursorDst(d any) error {
	v := reflect.ValueOf(d)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("not a non-nil pointer: %T", d)
	}
	t := v.Type().Elem()
	switch k := t.Kind(); {
	case t == timeType, k == reflect.String, k == reflect.Bool, isInt(k), isUint(k),
		k == reflect.Float32, k == reflect.Float64:
		return nil
	}
	return fmt.Errorf("unsupported type %T", d)
}

func decodeKey(raw json.RawMessage, v reflect.Value) bool {
	s := string(raw)
	if v.Type() == timeType {
		var str string
		if s == "" || s[0] != '"' || json.Unmarshal(raw, &str) != nil {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return false
		}
		v.Set(reflect.ValueOf(t.UTC()))
		return true
	}
	switch k := v.Kind(); {
	case k == reflect.String:
		var str string
		if s == "" || s[0] != '"' || json.Unmarshal(raw, &str) != nil {
			return false
		}
		v.SetString(str)
	case k == reflect.Bool:
		if s != "true" && s != "false" {
			return false
		}
		v.SetBool(s == "true")
	case isInt(k):
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return false
		}
		v.SetInt(n)
	case isUint(k):
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return false
		}
		v.SetUint(n)
	case k == reflect.Float32 || k == reflect.Float64:
		if !validNumber(s) {
			return false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || v.OverflowFloat(f) {
			return false
		}
		v.SetFloat(f)
	default:
		return false
	}
	return true
}

// Paginate makes a page from the rows a query returned when asked for
// limit+1 of them: when there are more than limit, it keeps the first limit
// and sets NextCursor from key of the last one kept. Items is never nil, so
// that it is written as [] and not null. limit must be at least 1.
func Paginate[T any](items []T, limit int, key func(T) []any) Page[T] {
	if limit < 1 {
		panic("api: Paginate: limit < 1")
	}
	p := Page[T]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit:limit]
		p.NextCursor = EncodeCursor(key(items[limit-1])...)
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// ParseTime reads a list's time filter (from, to): an RFC 3339 time, or a
// date YYYY-MM-DD meaning its start in UTC. The result is in UTC.
func ParseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
