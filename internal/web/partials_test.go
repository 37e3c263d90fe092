package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/i18n"
)

// A component's _*.html are partials its own pages use, in every
// language, and other components' pages do not see: two components may
// name their partials alike.
func TestComponentPartials(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{
		"t/_form.html": {Data: []byte(`{{define "shared"}}<p id="shared">{{t .Ctx "nav.home"}} · {{.Data}}</p>{{end}}`)},
		"t/one.html":   {Data: []byte(`{{define "content"}}{{template "shared" .}}{{end}}`)},
		"t/two.html":   {Data: []byte(`{{define "content"}}<div>{{template "shared" .}}</div>{{end}}`)},
	})
	if err := s.Renderer().Add(fstest.MapFS{
		"u/_form.html": {Data: []byte(`{{define "shared"}}<p id="other">{{.Data}}</p>{{end}}`)},
		"u/three.html": {Data: []byte(`{{define "content"}}{{template "shared" .}}{{end}}`)},
	}, "u"); err != nil {
		t.Fatal(err)
	}
	if err := s.Renderer().Check(); err != nil {
		t.Fatal(err)
	}
	render := func(page string, l i18n.Lang) string {
		w := httptest.NewRecorder()
		s.Render(w, withLang(httptest.NewRequest("GET", "/"+string(l)+"/x", nil), l), 200, page, &PageData{Title: "x", Data: "бір"})
		if w.Code != 200 {
			t.Fatalf("%s: %d", page, w.Code)
		}
		return w.Body.String()
	}
	home := map[i18n.Lang]string{i18n.KK: s.catalog.Printer(i18n.KK).T("nav.home"), i18n.EN: s.catalog.Printer(i18n.EN).T("nav.home")}
	for _, l := range []i18n.Lang{i18n.KK, i18n.EN} {
		for _, page := range []string{"one", "two"} {
			if b := render(page, l); !strings.Contains(b, `<p id="shared">`+home[l]+` · бір</p>`) {
				t.Errorf("%s in %s lacks the partial: %.300s", page, l, b)
			}
		}
	}
	if b := render("three", i18n.KK); !strings.Contains(b, `<p id="other">бір</p>`) || strings.Contains(b, `id="shared"`) {
		t.Errorf("another component's page saw the first one's partial: %.300s", b)
	}
}
