package web

import (
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/i18n"
)

// The layout's site name and language code are folded into its text: no
// field lookup is left for them on every page (what they render to is
// checked by TestFoldedTemplatesRenderTheSame).
func TestLayoutSiteAndLanguageFolded(t *testing.T) {
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRenderer(i18n.MustLoad(), assets, "Ortaq & Co", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Langs {
		layout := must(r.page(l, "home")).Lookup("layout").Tree.Root.String()
		if strings.Contains(layout, ".Site") || strings.Contains(layout, "HTMLLang") {
			t.Fatalf("%s: layout still looks up the site or the language:\n%s", l, layout)
		}
		if !strings.Contains(layout, `<html lang="`+l.HTMLLang()+`">`) || !strings.Contains(layout, "Ortaq &amp; Co</a>") {
			t.Fatalf("%s: folded values missing:\n%s", l, layout)
		}
	}
}
