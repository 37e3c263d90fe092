package web

import (
	"html"
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
