package web

import (
	"html"
	"html/template"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Folding messages, links and assets into the templates' text changes
// nothing a reader sees: the core's pages, in every language, for a guest
// and for a signed-in person, render to the same text as the templates as
// written (escaping may differ in form: &#43; or +).
func TestFoldedTemplatesRenderTheSame(t *testing.T) {
	cat := i18n.MustLoad()
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	folded, err := newRenderer(cat, assets, "Ortaq", false)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := newRenderer(cat, assets, "Ortaq", true)
	if err != nil {
		t.Fatal(err)
	}
	users := []*auth.User{nil, {ID: 7, Name: "Айгерім <b>", IsAdmin: true}}
	pages := []string{"home", "signin", "signup", "forgot", "message", "error"}
	compared := 0
	for _, l := range i18n.Langs {
		for _, u := range users {
			for _, name := range pages {
				c := &PageContext{Lang: l, P: cat.Printer(l), User: u, Path: "/x", RawQuery: "a=1", Site: "Ortaq", HasInbox: true, Inbox: 3}
				a, b := render(t, folded, name, c), render(t, plain, name, c)
				if a != b {
					t.Fatalf("%s %s (signed in: %v): folded and written templates differ:\n%s\n----\n%s", l, name, u != nil, a, b)
				}
				compared++
			}
		}
	}
	// And folding did happen: no message call without arguments is left
	// in the layout.
	calls := func(r *Renderer) int {
		return strings.Count(must(r.page(i18n.KK, "home")).Lookup("layout").Tree.Root.String(), "{{t $c \"nav.")
	}
	if f, p := calls(folded), calls(plain); f != 0 || p == 0 {
		t.Fatalf("nav messages as calls: folded %d, as written %d", f, p)
	}
	t.Logf("%d renderings compared", compared)
}

func render(t *testing.T, r *Renderer, name string, c *PageContext) string {
	t.Helper()
	w := httptest.NewRecorder()
	r.Page(w, httptest.NewRequest("GET", "/"+string(c.Lang)+"/x", nil), 200, name, &PageData{Title: "T", Data: map[string]any{}}, c)
	if w.Code != 200 {
		t.Fatalf("%s/%s: %d %s", c.Lang, name, w.Code, w.Body)
	}
	return html.UnescapeString(w.Body.String())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The language switch built in Go says what the template loop it replaced
// said, for plain paths, Cyrillic paths and queries with & and quotes.
func TestLangNavAsTheTemplateLoopDid(t *testing.T) {
	cat := i18n.MustLoad()
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRenderer(cat, assets, "Ortaq", false)
	if err != nil {
		t.Fatal(err)
	}
	loop := template.Must(template.New("x").Funcs(r.funcs()).Parse(
		`{{$c := .}}{{range langs}}{{if eq . $c.Lang}}<strong aria-current="true">{{langshort .}}</strong>{{else}}<a href="{{langlink $c (print .)}}" hreflang="{{.HTMLLang}}" lang="{{.HTMLLang}}">{{langshort .}}</a>{{end}} {{end}}`))
	for _, tc := range []struct{ path, query string }{
		{"/", ""}, {"/organizations", "kind=school&region=KZ-35"}, {"/organizations/12/members", "q=\"Шымкент\"&x=<b>"}, {"/іздеу", ""},
	} {
		for _, l := range i18n.Langs {
			c := &PageContext{Lang: l, P: cat.Printer(l), Path: tc.path, RawQuery: tc.query}
			var want strings.Builder
			if err := loop.Execute(&want, c); err != nil {
				t.Fatal(err)
			}
			got := string(r.langNav(c))
			if html.UnescapeString(got) != html.UnescapeString(want.String()) {
				t.Errorf("%s %s?%s:\n got %s\nwant %s", l, tc.path, tc.query, got, want.String())
			}
		}
	}
}
