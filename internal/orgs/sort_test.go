package orgs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

// Issue 15, item 12: the directory in English is in English order (it
// was in the order of the Kazakh names), page after page; Kazakh readers
// keep the Kazakh order.
func TestDirectoryEnglishOrder(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, n := range []i18n.Text{
			{KK: "Аққу клубы", EN: "Zhetysu swans club"},
			{KK: "Ясауи одағы", EN: "apple growers' union"},
			{KK: "Бірлік", EN: "Öskemen youth"},
			{KK: "Шахмат үйірмесі", EN: "Chess circle"},
			{KK: "Қала кеңесі", EN: "\"Beta\" city council"},
		} {
			if _, err := f.svc.Create(ctx, f.admin.User, 0, orgs.Patch{Kind: ptr("ngo"), Name: &n}); err != nil {
				t.Fatal(err)
			}
		}
		names := func(l i18n.Lang) []string {
			var out []string
			cursor := ""
			for {
				list, next, err := f.svc.List(ctx, orgs.Filter{Lang: l, Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range list {
					out = append(out, o.Name.In(l))
				}
				if next == "" {
					return out
				}
				cursor = next
			}
		}
		want := []string{"apple growers' union", "\"Beta\" city council", "Chess circle", "Öskemen youth", "Zhetysu swans club"}
		if got := names(i18n.EN); !slices.Equal(got, want) {
			t.Fatalf("English order:\n got %q\nwant %q", got, want)
		}
		// (Kazakh order is that of the folded names: Latin and Cyrillic meet.)
		if got := names(i18n.KK); got[0] != "Аққу клубы" || got[1] != "Бірлік" {
			t.Fatalf("Kazakh order: %q", got)
		}
		// The page, too.
		c := f.env.Client()
		body := c.Get("/en/organizations").Body
		last := -1
		for _, n := range []string{"apple growers", "Chess circle", "Öskemen youth", "Zhetysu swans"} {
			i := strings.Index(body, n)
			if i < last {
				t.Fatalf("%q out of English order on the page", n)
			}
			last = i
		}
		// Renaming keeps the key in step.
		list, _, _ := f.svc.List(ctx, orgs.Filter{Lang: i18n.EN, Limit: 1})
		if _, err := f.svc.Update(ctx, f.admin.User, list[0].ID, orgs.Patch{Name: &i18n.Text{KK: "Ясауи одағы", EN: "Yasawi union"}}); err != nil {
			t.Fatal(err)
		}
		if got := names(i18n.EN); !slices.Equal(got[2:], []string{"Öskemen youth", "Yasawi union", "Zhetysu swans club"}) {
			t.Fatalf("after a rename: %q", got)
		}
	})
}
