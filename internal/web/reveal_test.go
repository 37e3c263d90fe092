package web

import (
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/i18n"
)

// Only what a template writes is a switch: a person's text that looks like
// one is escaped, and an attribute that merely starts with "hidden" is not.
func TestSwitches(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/row.html": {Data: []byte(`{{define "content"}}{{end}}{{define "row"}}<li>{{.Data}} <span data-reveal="7" hidden>✓</span><span data-reveal="8" hiddenx>·</span><span data-reveal="9" hidden class="ok">✓</span></li>{{end}}`)},
	})
	h, _, err := s.Fragment(withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK), "row", "row", "", func() (any, error) {
		return `<span data-reveal="1" hidden>жалған</span>`, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for at, key := range switches(string(h)) {
		if string(h[at:at+len(switchOff)]) != switchOff {
			t.Fatalf("switch %s at %d is %q", key, at, h[at:at+len(switchOff)])
		}
		got[key] = at
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"7", "9"}) {
		t.Fatalf("switches %v in %s", keys, h)
	}
	r := s.Reveal(h, func(key string) bool { return key != "9" })
	want := strings.Replace(string(h), `data-reveal="7" hidden>`, `data-reveal="7"       >`, 1)
	if string(r.HTML()) != want || r.e == nil || len(r.on) != 1 {
		t.Fatalf("revealed 7:\n got %s\nwant %s", r.HTML(), want)
	}
	if r := s.Reveal(h, func(string) bool { return false }); r.HTML() != h {
		t.Fatalf("nothing revealed, yet %s", r.HTML())
	}
}

// A page with a fragment revealed for one reader goes gzipped as the
// fragment compressed once with the reader's switches in between: it
// decodes (checksum and length checked) to exactly the plain page, the
// reader's parts shown and no one else's, in the very bytes of the
// fragment alone — also the same fragment revealed twice differently, and
// a fragment that cannot be cut (every byte value in it) as a reader's part.
func TestGzippedRevealedFragment(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/list.html": {Data: []byte(`{{define "content"}}{{$c := .Ctx}}<p>{{t $c "nav.home"}}</p>{{range .Data}}{{embed $c .}}<hr>{{end}}{{end}}` +
			`{{define "rows"}}<ol>{{range .Data}}<li id="p{{.}}"><a href="/kk/proposals/{{.}}">Ұсыныс №{{.}}: ауылдағы жастарға арналған гранттар</a> <span class="ok" data-reveal="{{.}}" hidden>✓ Сіз бұл ұсынысты қолдайсыз</span></li>{{end}}</ol>{{end}}` +
			`{{define "odd"}}<ol>{{range .Data}}<li>{{.}} <span data-reveal="1" hidden>✓</span></li>{{end}}</ol>{{end}}`)},
	})
	req := func(accept string) *http.Request {
		r := withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		return r
	}
	rows := make([]int, 40)
	for i := range rows {
		rows[i] = 100 + i
	}
	frag, _, err := s.Fragment(req(""), "list", "rows", "", func() (any, error) { return rows, nil })
	if err != nil {
		t.Fatal(err)
	}
	var every strings.Builder // every byte value but those html/template escapes, and 0xff, 0xfe, 0
	for b := range 256 {
		every.WriteByte(byte(b))
	}
	odd, _, err := s.Fragment(req(""), "list", "odd", "", func() (any, error) {
		return []template.HTML{template.HTML(strings.Repeat("ә", 600)), template.HTML(every.String())}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.cache.fragment(odd).switches()) != 0 {
		t.Fatal("a fragment with every byte value was cut")
	}
	mine := func(ids ...int) func(string) bool {
		return func(key string) bool { return slices.Contains(ids, atoi(key)) }
	}
	if s.Reveal(odd, mine()).e == nil || s.Reveal(odd, mine(1)).e != nil {
		t.Fatal("a fragment that was not cut: taken as compressed once with a part shown, or not with none")
	}
	gzipped := func(parts ...any) (page string, sent int) {
		t.Helper()
		render := func(accept string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			s.Render(w, req(accept), 200, "list", &PageData{Title: "x", Data: parts})
			return w
		}
		plain, got := render(""), render("gzip, br")
		if got.Header().Get("Content-Encoding") != "gzip" || got.Header().Get("Content-Length") != strconv.Itoa(got.Body.Len()) {
			t.Fatalf("encoding %q, length %s of %d", got.Header().Get("Content-Encoding"), got.Header().Get("Content-Length"), got.Body.Len())
		}
		if gunzip(t, got.Body.Bytes()) != plain.Body.String() {
			t.Fatal("the gzipped page is not the page")
		}
		return plain.Body.String(), got.Body.Len()
	}
	_, alone := gzipped(frag)
	page, sent := gzipped(s.Reveal(frag, mine(103, 120, 139, 5)))
	for _, id := range rows {
		shown := strings.Contains(page, `data-reveal="`+strconv.Itoa(id)+`"       >✓ Сіз`)
		hidden := strings.Contains(page, `data-reveal="`+strconv.Itoa(id)+`" hidden>✓ Сіз`)
		if shown == hidden || shown != slices.Contains([]int{103, 120, 139}, id) {
			t.Fatalf("row %d: shown %v, hidden %v", id, shown, hidden)
		}
	}
	if sent != alone || sent*3 > len(page) {
		t.Fatalf("revealed: %d bytes sent of %d, the fragment alone %d", sent, len(page), alone)
	}
	twice, _ := gzipped(s.Reveal(frag, mine(100)), frag, s.Reveal(frag, mine(101, 102)), s.Reveal(odd, mine(1)), odd)
	if n := strings.Count(twice, `"       >`); n != 5 { // 100; 101, 102; both rows of odd
		t.Fatalf("%d parts shown in the page of three revealed copies, want 5", n)
	}
	// Without a page cache nothing is cached: the reader's fragment is
	// theirs, revealed all the same.
	s.cache.ttl = 0
	fresh, _, err := s.Fragment(req(""), "list", "rows", "", func() (any, error) { return rows, nil })
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Reveal(fresh, mine(110)); r.e != nil || !strings.Contains(string(r.HTML()), `data-reveal="110"       >`) {
		t.Fatal("an uncached fragment revealed wrong")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
