package web

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/i18n"
)

// Only what a template writes is a switch: a person's text that looks like
// one is escaped, and an attribute that merely starts with "hidden" is not.
// Revealing a reader's parts leaves the shared fragment as it was: the
// next reader sees only their own.
func TestReveal(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/row.html": {Data: []byte(`{{define "content"}}{{end}}{{define "row"}}<li>{{.Data}} <span data-reveal="7" hidden>✓</span><span data-reveal="8" hiddenx>·</span><span data-reveal="9" hidden class="ok">✓</span></li>{{end}}`)},
	})
	req := withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK)
	load := func() (any, error) { return `<span data-reveal="1" hidden>жалған</span>`, nil }
	h, _, err := s.Fragment(req, "row", "row", "", load)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	r := s.Reveal(h, func(key string) bool { asked = append(asked, key); return key != "9" })
	if !slices.Equal(asked, []string{"7", "9"}) {
		t.Fatalf("asked about %v, want the switches 7 and 9", asked)
	}
	want := strings.Replace(string(h), `data-reveal="7" hidden>`, `data-reveal="7"       >`, 1)
	if string(r) != want {
		t.Fatalf("revealed 7:\n got %s\nwant %s", r, want)
	}
	if r := s.Reveal(h, func(string) bool { return false }); r != h {
		t.Fatalf("nothing revealed, yet %s", r)
	}
	again, _, _ := s.Fragment(req, "row", "row", "", load)
	if again != h || strings.Contains(string(again), `"       >`) {
		t.Fatalf("the shared fragment changed: %s", again)
	}
	all := s.Reveal(h, func(string) bool { return true })
	if strings.Count(string(all), `"`+switchOn) != 2 || len(all) != len(h) {
		t.Fatalf("every switch revealed: %s", all)
	}
}
