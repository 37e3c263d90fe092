package web

import (
	"html/template"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/i18n"
)

// A page that embeds HTML is byte for byte the page that prints it, with
// the right length, and writes no body for HEAD; in a block rendered into
// a fragment, embed prints as usual.
func TestEmbedWritesTheSamePage(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/printed.html":  {Data: []byte(`{{define "content"}}<p>a</p>{{range .Data}}{{.}}<hr>{{end}}<p>{{t .Ctx "nav.home"}}</p>{{end}}`)},
		"t/embedded.html": {Data: []byte(`{{define "content"}}{{$c := .Ctx}}<p>a</p>{{range .Data}}{{embed $c .}}<hr>{{end}}<p>{{t .Ctx "nav.home"}}</p>{{end}}{{define "block"}}[{{range .Data}}{{embed $.Ctx .}}{{end}}]{{end}}`)},
	})
	big := template.HTML(strings.Repeat("<li>Қазақша мәтін &amp; тағы</li>", 3000)) // over fmt's 64 KB
	parts := []template.HTML{big, "", "<b>ортасы</b>", big}
	render := func(method, page string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := withLang(httptest.NewRequest(method, "/kk/x", nil), i18n.KK)
		s.Render(w, r, 200, page, &PageData{Title: "x", Data: parts})
		return w
	}
	want := render("GET", "printed")
	got := render("GET", "embedded")
	if got.Code != 200 || got.Body.String() != want.Body.String() {
		t.Fatalf("embedded page differs from the printed one (status %d, %d bytes, want %d)", got.Code, got.Body.Len(), want.Body.Len())
	}
	if n := got.Header().Get("Content-Length"); n != strconv.Itoa(want.Body.Len()) || !strings.Contains(got.Body.String(), "<b>ортасы</b><hr>") {
		t.Fatalf("Content-Length %s for %d bytes", n, want.Body.Len())
	}
	head := render("HEAD", "embedded")
	if head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(want.Body.Len()) {
		t.Fatalf("HEAD: %d bytes of body, Content-Length %s", head.Body.Len(), head.Header().Get("Content-Length"))
	}
	// Rendered twice more, in the other order: nothing is left over from
	// the page before (the buffer is reused).
	if render("GET", "printed").Body.String() != want.Body.String() || render("GET", "embedded").Body.String() != want.Body.String() {
		t.Fatal("a second rendering differs")
	}
	html, _, err := s.Fragment(withLang(httptest.NewRequest("GET", "/kk/x", nil), i18n.KK), "embedded", "block", "k", func() (any, error) { return parts, nil })
	if err != nil || string(html) != "["+string(big)+"<b>ортасы</b>"+string(big)+"]" {
		t.Fatalf("in a fragment: %v, %d bytes", err, len(html))
	}
}
