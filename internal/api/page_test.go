package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

type personID string

func TestCursorRoundTrip(t *testing.T) {
	almaty := time.FixedZone("Asia/Almaty", 5*3600)
	when := time.Date(2020, 11, 4, 15, 30, 0, 123456789, almaty)

	var (
		s   string
		i   int
		i64 int64
		u   uint32
		b   bool
		f   float64
		id  personID
		tm  time.Time
	)
	c := EncodeCursor("Жастар/\"quoted\"", -42, int64(math.MaxInt64), uint32(7), true, 0.1, personID("p-1"), when)
	if strings.ContainsAny(c, "+/=") {
		t.Errorf("cursor %q is not unpadded base64url", c)
	}
	if err := DecodeCursor(c, &s, &i, &i64, &u, &b, &f, &id, &tm); err != nil {
		t.Fatal(err)
	}
	if s != "Жастар/\"quoted\"" || i != -42 || i64 != math.MaxInt64 || u != 7 || !b || f != 0.1 || id != "p-1" {
		t.Errorf("decoded %q %d %d %d %v %v %q", s, i, i64, u, b, f, id)
	}
	if !tm.Equal(when) || tm.Location() != time.UTC || tm.Nanosecond() != 123456789 {
		t.Errorf("time %v, want %v in UTC", tm, when)
	}

	// No keys at all is a valid (if odd) cursor.
	if err := DecodeCursor(EncodeCursor()); err != nil {
		t.Errorf("empty key list: %v", err)
	}
}

func TestCursorGarbage(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	if urlSafe := enc(`["a~~~?>",1]`); !strings.ContainsAny(urlSafe, "-_") {
		t.Fatalf("the std alphabet case needs a cursor with - or _: %s", urlSafe)
	}
	tests := []struct {
		name   string
		cursor string
	}{
		{"empty", ""},
		{"not base64", "!!!"},
		{"padded", base64.URLEncoding.EncodeToString([]byte(`["a",1]`))},
		{"std alphabet", strings.ReplaceAll(strings.ReplaceAll(enc(`["a~~~?>",1]`), "-", "+"), "_", "/")},
		{"not JSON", enc(`hello`)},
		{"object", enc(`{"a":1}`)},
		{"null", enc(`null`)},
		{"too few keys", enc(`["a"]`)},
		{"too many keys", enc(`["a",1,2]`)},
		{"int for string", enc(`[1,1]`)},
		{"string for int", enc(`["a","1"]`)},
		{"fraction for int", enc(`["a",1.5]`)},
		{"exponent for int", enc(`["a",1e3]`)},
		{"overflow", enc(`["a",99999999999999999999]`)},
		{"trailing data", enc(`["a",1] x`)},
		{"invalid UTF-8", base64.RawURLEncoding.EncodeToString([]byte("[\"\xff\",1]"))},
		{"too long", enc(`["` + strings.Repeat("a", 2000) + `",1]`)},
		{"whitespace", " " + EncodeCursor("a", 1)},
		{"newline", EncodeCursor("a", 1)[:4] + "\n" + EncodeCursor("a", 1)[4:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := "unchanged", -1
			err := DecodeCursor(tt.cursor, &s, &n)
			var ke *KeyedFieldError
			if !errors.As(err, &ke) || ke.Key != KeyInvalidCursor || ke.Field != "cursor" {
				t.Fatalf("err = %v", err)
			}
			if s != "unchanged" || n != -1 {
				t.Errorf("dst changed on error: %q %d", s, n)
			}
		})
	}

	// Per-type checks.
	var i8 int8
	if err := DecodeCursor(EncodeCursor(300), &i8); err == nil {
		t.Error("300 decoded into an int8")
	}
	var u uint
	if err := DecodeCursor(EncodeCursor(-1), &u); err == nil {
		t.Error("-1 decoded into a uint")
	}
	var tm time.Time
	if err := DecodeCursor(EncodeCursor("2020-11-04"), &tm); err == nil {
		t.Error("a date decoded into a time.Time")
	}
	var b bool
	if err := DecodeCursor(EncodeCursor(1), &b); err == nil {
		t.Error("1 decoded into a bool")
	}
}

func TestCursorProgrammingErrors(t *testing.T) {
	c := EncodeCursor("a")
	var s string
	for _, dst := range []any{s, (*string)(nil), &[]string{}, &struct{}{}} {
		err := DecodeCursor(c, dst)
		if err == nil || errors.As(err, new(*KeyedFieldError)) {
			t.Errorf("DecodeCursor into %T: %v", dst, err)
		}
	}
	for _, key := range []any{[]int{1}, struct{}{}, nil, math.NaN(), math.Inf(1), &s} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("EncodeCursor(%#v) did not panic", key)
				}
			}()
			EncodeCursor(key)
		}()
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		query string
		want  int
		ok    bool
	}{
		{"", 20, true},
		{"limit=", 20, true},
		{"other=5", 20, true},
		{"limit=1", 1, true},
		{"limit=100", 100, true},
		{"limit=50&cursor=x", 50, true},
		{"limit=0", 0, false},
		{"limit=101", 0, false},
		{"limit=-1", 0, false},
		{"limit=%2B5", 0, false}, // "+5"
		{"limit=5.0", 0, false},
		{"limit=ten", 0, false},
		{"limit=%205", 0, false},
		{"limit=99999999999999999999", 0, false},
		{"limit=5&limit=6", 0, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/api/v1/organizations?"+tt.query, nil)
		got, err := ParseLimit(r, 20, 100)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("%q: %d, %v; want %d", tt.query, got, err, tt.want)
			}
			continue
		}
		var ke *KeyedFieldError
		if !errors.As(err, &ke) || ke.Field != "limit" || ke.Key != KeyInvalidLimit || !reflect.DeepEqual(ke.Args, []any{1, 100}) {
			t.Errorf("%q: %d, %v; want an invalid_limit error", tt.query, got, err)
		}
	}
}

type row struct {
	Name string
	ID   int
}

func TestPaginate(t *testing.T) {
	key := func(r row) []any { return []any{r.Name, r.ID} }
	rows := []row{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}

	// The caller asked for limit+1 = 4 rows and got 4: there is a next page.
	p := Paginate(rows, 3, key)
	if len(p.Items) != 3 || p.Items[2] != (row{"c", 3}) || p.NextCursor == "" {
		t.Fatalf("page = %+v", p)
	}
	var name string
	var id int
	if err := DecodeCursor(p.NextCursor, &name, &id); err != nil || name != "c" || id != 3 {
		t.Errorf("cursor decodes to %q %d, %v; want the last kept row", name, id, err)
	}
	// Appending to the page does not overwrite the caller's extra row.
	_ = append(p.Items, row{"x", 9})
	if rows[3] != (row{"d", 4}) {
		t.Error("Items aliases the row beyond limit")
	}

	// Fewer rows than limit+1: the last page.
	for _, n := range []int{0, 1, 3} {
		p := Paginate(rows[:n], 3, key)
		if len(p.Items) != n || p.NextCursor != "" {
			t.Errorf("%d rows: %+v", n, p)
		}
	}

	// An empty page is written as [], not null; no next_cursor member.
	b, err := json.Marshal(Paginate[row](nil, 10, key))
	if err != nil || string(b) != `{"items":[]}` {
		t.Errorf("empty page = %s, %v", b, err)
	}
	b, _ = json.Marshal(Paginate(rows, 1, key))
	if !strings.Contains(string(b), `"next_cursor":"`) {
		t.Errorf("page = %s", b)
	}

	defer func() {
		if recover() == nil {
			t.Error("limit 0 did not panic")
		}
	}()
	Paginate(rows, 0, key)
}

func TestListQuery(t *testing.T) {
	q := ListQuery(Param{Name: "kind"})
	if len(q) != 3 || q[0].Name != "limit" || q[1].Name != "cursor" || q[2].Name != "kind" {
		t.Errorf("ListQuery = %+v", q)
	}
	q[0].Name = "changed"
	if ListQuery()[0].Name != "limit" {
		t.Error("ListQuery shares its slice")
	}
}
