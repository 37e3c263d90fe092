package api

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Translation keys of the errors this package returns. The caller's
// catalogs must have a message for each.
const (
	// Keys of a whole request (DecodeError.Key).
	KeyBodyTooLarge = "api.body_too_large" // 413
	KeyEmptyBody    = "api.empty_body"     // 400
	KeyInvalidJSON  = "api.invalid_json"   // 400: syntax error, truncated body, data after the value; DecodeError.Offset tells where
	KeyInvalidBody  = "api.invalid_body"   // 400: well-formed JSON with wrong fields, listed in DecodeError.Fields

	// Keys of one field (KeyedFieldError.Key).
	KeyUnknownField    = "validation.unknown_field"
	KeyInvalidType     = "validation.invalid_type"     // Args: the expected JSON type: "string", "integer", "number", "boolean", "object" or "array"
	KeyInvalidValue    = "validation.invalid_value"    // the right JSON type, but rejected by the type's UnmarshalJSON or UnmarshalText, or bad base64
	KeyInvalidDateTime = "validation.invalid_datetime" // not an RFC 3339 date-time
	KeyInvalidUTF8     = "validation.invalid_utf8"     // invalid UTF-8 or an unpaired surrogate escape such as "\ud800"
	KeyInvalidLimit    = "validation.invalid_limit"    // Args: the smallest and the largest limit allowed
	KeyInvalidCursor   = "api.invalid_cursor"
)

// MaxBodySize is the most Decode reads, whatever limit the server set: a
// larger body is reported as too large. The server's http.MaxBytesReader
// should set a smaller limit.
const MaxBodySize = 4 << 20

// maxFieldErrors caps the field errors of one body.
const maxFieldErrors = 50

// ErrTooLarge matches (with errors.Is) a DecodeError for a body that was too
// large.
var ErrTooLarge = errors.New("api: request body too large")

// KeyedFieldError is a problem with one field, as a translation key and its
// arguments; the caller turns it into a FieldError in the user's language.
//
// A type's UnmarshalJSON or UnmarshalText may return a *KeyedFieldError to
// choose the key that Decode reports; its Field, if any, is appended to the
// path of the value.
type KeyedFieldError struct {
	Field string // JSON path: "name", "registration.date", "phases[1].kind"; "limit" or "cursor" for query parameters
	Key   string
	Args  []any
}

func (e *KeyedFieldError) Error() string {
	if e.Field == "" {
		return e.Key
	}
	return e.Field + ": " + e.Key
}

// DecodeError reports a request body that Decode rejected.
type DecodeError struct {
	TooLarge bool
	Key      string            // KeyBodyTooLarge, KeyEmptyBody, KeyInvalidJSON or KeyInvalidBody
	Offset   int64             // for KeyInvalidJSON: the byte offset of the error
	Fields   []KeyedFieldError // for KeyInvalidBody, in the order of the body, at most 50
	err      error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("api: decode: ")
	b.WriteString(e.Key)
	if e.Key == KeyInvalidJSON {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(f.Error())
	}
	if e.err != nil {
		fmt.Fprintf(&b, " (%v)", e.err)
	}
	return b.String()
}

// Unwrap returns the underlying error, if any, such as *http.MaxBytesError.
func (e *DecodeError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrTooLarge) true for a body that was too large.
func (e *DecodeError) Is(target error) bool { return target == ErrTooLarge && e.TooLarge }

// Status is the HTTP status to answer with: 413 for a body too large, else 400.
func (e *DecodeError) Status() int {
	if e.TooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Problem builds the problem response for e; tr translates a key with its
// arguments into the language of the request.
func (e *DecodeError) Problem(tr func(key string, args ...any) string) Problem {
	p := Problem{Status: e.Status(), Title: tr(e.Key)}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldError{Field: f.Field, Message: tr(f.Key, f.Args...)})
	}
	return p
}

// Decode reads the JSON request body strictly into dst, a non-nil pointer.
//
// It returns a *DecodeError for a body too large (the server's
// http.MaxBytesReader limit, or MaxBodySize), an empty body, a syntax error,
// data after the JSON value, and for field-level problems with their JSON
// paths: unknown fields, values of the wrong JSON type or out of range for
// the Go type, values that the type's UnmarshalJSON or UnmarshalText
// rejects, and strings with invalid UTF-8 or unpaired surrogate escapes
// (which encoding/json would silently turn into U+FFFD). As in
// encoding/json, null is accepted for any field and leaves it unchanged, and
// object keys match field names case-insensitively when no exact match
// exists. Other errors (reading the body, a dst that is not a pointer) are
// returned as they are. dst may be partly filled when Decode fails.
//
// The happy path costs one encoding/json pass plus a UTF-8 scan; only a
// failing or suspicious body is walked again to find every field error.
func Decode(r *http.Request, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("api: Decode needs a non-nil pointer, not %T", dst)
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(trimJSONSpace(body)) == 0 {
		return &DecodeError{Key: KeyEmptyBody}
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	var syntax *json.SyntaxError
	var invalid *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syntax):
		return &DecodeError{Key: KeyInvalidJSON, Offset: syntax.Offset, err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{Key: KeyInvalidJSON, Offset: int64(len(body)), err: err}
	case errors.As(err, &invalid):
		return err
	case err != nil:
		fields, _ := walk(body, rv.Type())
		if len(fields) == 0 {
			fields = fallbackFields(err)
		}
		return &DecodeError{Key: KeyInvalidBody, Fields: fields, err: err}
	}

	end := dec.InputOffset()
	if rest := trimJSONSpace(body[end:]); len(rest) > 0 {
		return &DecodeError{Key: KeyInvalidJSON, Offset: int64(len(body) - len(rest))}
	}
	if suspicious(body) {
		if fields, _ := walk(body, rv.Type()); len(fields) > 0 {
			return &DecodeError{Key: KeyInvalidBody, Fields: fields}
		}
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxBodySize {
		return nil, &DecodeError{TooLarge: true, Key: KeyBodyTooLarge}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &DecodeError{TooLarge: true, Key: KeyBodyTooLarge, err: err}
	case errors.Is(err, io.ErrUnexpectedEOF): // the client sent less than it announced
		return nil, &DecodeError{Key: KeyInvalidJSON, Offset: int64(len(body)), err: err}
	case err != nil:
		return nil, fmt.Errorf("api: read body: %w", err)
	case len(body) > MaxBodySize:
		return nil, &DecodeError{TooLarge: true, Key: KeyBodyTooLarge}
	}
	return body, nil
}

// fallbackFields reads what it can from an encoding/json error, for the
// (unexpected) case where the walk found nothing.
func fallbackFields(err error) []KeyedFieldError {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return []KeyedFieldError{{Field: typ.Field, Key: KeyInvalidType, Args: []any{expected(typ.Type, false)}}}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return []KeyedFieldError{{Field: name, Key: KeyUnknownField}}
	}
	return nil
}

func trimJSONSpace(b []byte) []byte {
	return bytes.TrimLeft(b, " \t\r\n")
}

// suspicious reports whether body may hold text that encoding/json would
// have changed into U+FFFD: invalid UTF-8 or a surrogate escape.
func suspicious(body []byte) bool {
	return !utf8.Valid(body) || bytes.Contains(body, []byte(`\ud`)) || bytes.Contains(body, []byte(`\uD`))
}

// badText reports whether raw JSON text b has invalid UTF-8 or a surrogate
// escape that is not part of a pair.
func badText(b []byte) bool {
	if !utf8.Valid(b) {
		return true
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if i >= len(b) || b[i] != 'u' {
			continue // a one-letter escape: skip its letter
		}
		r, ok := hex4(b[i+1:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case 0xDC00 <= r && r <= 0xDFFF:
			return true
		case 0xD800 <= r && r <= 0xDBFF:
			if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if r2, ok := hex4(b[i+3:]); ok && 0xDC00 <= r2 && r2 <= 0xDFFF {
					i += 6
					continue
				}
			}
			return true
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// walk goes through body along type t and lists every field error it finds,
// mirroring what encoding/json accepts. It runs only on bodies that failed
// or looked suspicious.
func walk(body []byte, t reflect.Type) ([]KeyedFieldError, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := &walker{dec: dec, body: body}
	err := w.value(t, false, "", 0)
	if errors.Is(err, errStop) {
		err = nil
	}
	return w.errs, err
}

var errStop = errors.New("stop walking")

const maxDepth = 10000 // as encoding/json

var mapOfAnyType = reflect.TypeFor[map[string]any]()

type walker struct {
	dec  *json.Decoder
	body []byte
	errs []KeyedFieldError
}

func (w *walker) add(path, key string, args ...any) error {
	w.errs = append(w.errs, KeyedFieldError{Field: path, Key: key, Args: args})
	if len(w.errs) >= maxFieldErrors {
		return errStop
	}
	return nil
}

// token reads the next token; bad reports a string with bad text.
func (w *walker) token() (tok json.Token, bad bool, err error) {
	start := w.dec.InputOffset()
	tok, err = w.dec.Token()
	if _, ok := tok.(string); ok && err == nil {
		bad = badText(w.body[start:w.dec.InputOffset()])
	}
	return tok, bad, err
}

func (w *walker) skipValue() error {
	var raw json.RawMessage
	return w.dec.Decode(&raw)
}

// skipRest skips the rest of an object or array whose opening delimiter
// was read.
func (w *walker) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// value walks one JSON value meant for type t; quoted is a ",string" field.
func (w *walker) value(t reflect.Type, quoted bool, path string, depth int) error {
	if depth > maxDepth {
		return errStop
	}
	viaPointer := t.Kind() == reflect.Pointer
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if implements(t, unmarshalerType) {
		return w.unmarshaler(t, path, false, viaPointer)
	}
	if implements(t, textUnmarshalerType) {
		return w.unmarshaler(t, path, true, viaPointer)
	}
	tok, bad, err := w.token()
	if err != nil {
		return err
	}
	if bad {
		return w.add(path, KeyInvalidUTF8)
	}
	k := t.Kind()
	switch tok := tok.(type) {
	case nil:
		return nil
	case json.Delim:
		switch {
		case quoted:
		case tok == '{' && k == reflect.Struct:
			return w.object(t, path, depth)
		case tok == '{' && k == reflect.Map:
			return w.mapping(t, path, depth)
		case tok == '[' && (k == reflect.Slice || k == reflect.Array):
			return w.array(t.Elem(), path, depth)
		case tok == '{' && k == reflect.Interface:
			return w.mapping(mapOfAnyType, path, depth)
		case tok == '[' && k == reflect.Interface:
			return w.array(anyType, path, depth)
		}
		if err := w.skipRest(); err != nil {
			return err
		}
	case string:
		switch {
		case quoted:
			return w.quoted(t, tok, path)
		case k == reflect.String || k == reflect.Interface:
			return nil
		case k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
			if _, err := base64.StdEncoding.DecodeString(tok); err != nil {
				return w.add(path, KeyInvalidValue)
			}
			return nil
		}
	case bool:
		if !quoted && (k == reflect.Bool || k == reflect.Interface) {
			return nil
		}
	case json.Number:
		if !quoted && numberFits(string(tok), t) {
			return nil
		}
	}
	return w.add(path, KeyInvalidType, expected(t, quoted))
}

func (w *walker) object(t reflect.Type, path string, depth int) error {
	fields := jsonFields(t)
	for w.dec.More() {
		tok, bad, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		kpath := joinPath(path, key)
		i := fieldIndex(fields, key)
		switch {
		case bad:
			err = w.addAndSkip(kpath, KeyInvalidUTF8)
		case i < 0:
			err = w.addAndSkip(kpath, KeyUnknownField)
		default:
			err = w.value(fields[i].typ, fields[i].quoted, kpath, depth+1)
		}
		if err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

func (w *walker) mapping(t reflect.Type, path string, depth int) error {
	kt := t.Key()
	for w.dec.More() {
		tok, bad, err := w.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		kpath := joinPath(path, key)
		if bad {
			err = w.addAndSkip(kpath, KeyInvalidUTF8)
		} else if kerr := keyError(kt, key); kerr != nil {
			err = w.addUnmarshalError(kpath, kt, kerr)
			if err == nil {
				err = w.skipValue()
			}
		} else {
			err = w.value(t.Elem(), false, kpath, depth+1)
		}
		if err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

// keyError checks an object key meant for a map with key type kt.
func keyError(kt reflect.Type, key string) error {
	if u, ok := reflect.New(kt).Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(key))
	}
	if (isInt(kt.Kind()) || isUint(kt.Kind())) && !numberFits(key, kt) {
		return &KeyedFieldError{Key: KeyInvalidType, Args: []any{"integer"}}
	}
	return nil
}

func (w *walker) addAndSkip(path, key string, args ...any) error {
	if err := w.add(path, key, args...); err != nil {
		return err
	}
	return w.skipValue()
}

func (w *walker) array(elem reflect.Type, path string, depth int) error {
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, false, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ']'
	return err
}

// unmarshaler checks a value of a type with its own UnmarshalJSON (text
// false) or UnmarshalText (text true) by calling it on a fresh value. As in
// encoding/json, null sets a pointer to nil but is passed to the
// UnmarshalJSON of a value that is not behind a pointer, and null is no
// value for UnmarshalText.
func (w *walker) unmarshaler(t reflect.Type, path string, text, viaPointer bool) error {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return err
	}
	if string(raw) == "null" && (text || viaPointer) {
		return nil
	}
	if badText(raw) {
		return w.add(path, KeyInvalidUTF8)
	}
	var err error
	if text {
		var str string
		if raw[0] != '"' || json.Unmarshal(raw, &str) != nil {
			return w.add(path, KeyInvalidType, "string")
		}
		err = reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(str))
	} else {
		err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		return w.addUnmarshalError(path, t, err)
	}
	return nil
}

func (w *walker) addUnmarshalError(path string, t reflect.Type, err error) error {
	var keyed *KeyedFieldError
	switch {
	case errors.As(err, &keyed):
		if keyed.Field != "" {
			path = joinPath(path, keyed.Field)
		}
		return w.add(path, keyed.Key, keyed.Args...)
	case t == timeType:
		return w.add(path, KeyInvalidDateTime)
	default:
		return w.add(path, KeyInvalidValue)
	}
}

// quoted checks the string s of a ",string" field.
func (w *walker) quoted(t reflect.Type, s, path string) error {
	if s == "null" {
		return nil
	}
	ok := false
	switch k := t.Kind(); {
	case k == reflect.String:
		var v string
		ok = strings.HasPrefix(s, `"`) && json.Unmarshal([]byte(s), &v) == nil
	case k == reflect.Bool:
		ok = s == "true" || s == "false"
	default:
		ok = validNumber(s) && numberFits(s, t)
	}
	if !ok {
		return w.add(path, KeyInvalidType, expected(t, false))
	}
	return nil
}

// numberFits reports whether the JSON number s fits type t.
func numberFits(s string, t reflect.Type) bool {
	var err error
	switch k := t.Kind(); {
	case isInt(k):
		_, err = strconv.ParseInt(s, 10, t.Bits())
	case isUint(k):
		_, err = strconv.ParseUint(s, 10, t.Bits())
	case k == reflect.Float32 || k == reflect.Float64:
		_, err = strconv.ParseFloat(s, t.Bits())
	case k == reflect.Interface:
		_, err = strconv.ParseFloat(s, 64)
	default:
		return false
	}
	return err == nil
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	digits := func() int {
		n := 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case digits() == 0:
		return false
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
		if digits() == 0 {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}

// expected names the JSON type that t takes.
func expected(t reflect.Type, quoted bool) string {
	if quoted {
		return "string"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || implements(t, textUnmarshalerType) {
		return "string"
	}
	switch k := t.Kind(); {
	case k == reflect.Bool:
		return "boolean"
	case isInt(k) || isUint(k):
		return "integer"
	case k == reflect.Float32 || k == reflect.Float64:
		return "number"
	case k == reflect.String:
		return "string"
	case k == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "string"
	case k == reflect.Slice || k == reflect.Array:
		return "array"
	case k == reflect.Map || k == reflect.Struct:
		return "object"
	}
	return "value"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
