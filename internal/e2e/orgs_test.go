package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

func orgsService(env *apptest.Env) *orgs.Service {
	a := env.App
	return orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// A person on a phone types "Shymkent" in Latin letters and finds the
// Assembly whose name is stored in Cyrillic, shown to them in Latin.
func TestBrowserDirectorySearchLatinFindsCyrillic(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	svc := orgsService(env)
	admin := env.NewPerson("admin")
	kind := "assembly"
	for _, name := range []string{"Шымкент қаласының Қазақстан халқы Ассамблеясы", "Жамбыл облысының Ассамблеясы"} {
		if _, err := svc.Create(context.Background(), admin.User, 0, orgs.Patch{Kind: &kind, Name: &i18n.Text{KK: name}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk-Latn/organizations"), chromedp.WaitVisible(C("#f-q")))
	run(t, ctx,
		chromedp.SendKeys(C("#f-q"), "Shymkent"),
		chromedp.Submit(C("#f-q")),
		// The answer's page, not the one the search was typed on: only the
		// server writes the search into the field's value attribute.
		chromedp.WaitVisible(C(`#f-q[value="Shymkent"]`)),
		chromedp.WaitVisible(C(`#orgs`)),
	)
	// The list was there before the search: wait for the search's page.
	waitLeft(t, ctx, env.URL+"/kk-Latn/organizations")
	run(t, ctx, chromedp.WaitVisible(C(`#orgs`)))
	got := text(t, ctx, "#orgs tbody")
	if !strings.Contains(got, "Şymkent qalasynyñ") || strings.Contains(got, "Jambyl") {
		t.Fatalf("search for Shymkent listed %q", got)
	}
	loc := get(t, ctx, chromedp.Location())
	if !strings.Contains(loc, "q=Shymkent") {
		t.Fatalf("at %s", loc)
	}
	// The name leads to the organization's page.
	run(t, ctx, chromedp.Click(C(`#orgs tbody a`)), chromedp.WaitVisible(C("#about")))
	if h1 := text(t, ctx, "h1"); !strings.HasPrefix(h1, "Şymkent") {
		t.Fatalf("organization page heading %q", h1)
	}
}

// An administrator uploads a member file whose last row is wrong: the page
// lists the bad row and why, and nobody is added.
func TestBrowserImportWithBadRowShowsReportWritesNothing(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	svc := orgsService(env)
	admin := env.NewPerson("admin")
	kind := "primary_organization"
	org, err := svc.Create(context.Background(), admin.User, 0, orgs.Patch{Kind: &kind, Name: &i18n.Text{KK: "Теміртау Мәдениет сарайы"}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "members.csv")
	var b strings.Builder
	b.WriteString("Аты-жөні,Электрондық пошта,Рөлі,Басталуы\n")
	for i := range 20 {
		fmt.Fprintf(&b, "Мүше %d,member%d@example.kz,мүше,2021-03-01\n", i, i)
	}
	b.WriteString("Соңғы Жол,last@example.kz,мүше,2021-02-30\n")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/signin"),
		chromedp.SendKeys(C("#f-email"), admin.Email),
		chromedp.SendKeys(C("#f-password"), admin.Password),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/organizations/%d/members", env.URL, org.ID)), chromedp.WaitVisible(C("#import-form")))
	run(t, ctx,
		chromedp.SetUploadFiles(C("#f-file"), []string{file}),
		chromedp.Click(C(`#import-form button[type=submit]`)),
		chromedp.WaitVisible(C("#import-report")))
	report := text(t, ctx, "#import-report")
	if !strings.Contains(report, "22") || !strings.Contains(report, "since") || !strings.Contains(report, "ештеңе жазылған жоқ") {
		t.Fatalf("report: %q", report)
	}
	var n int
	if err := env.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM memberships WHERE org_id = ?", org.ID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d memberships after a rejected import (%v)", n, err)
	}
	if got := text(t, ctx, "#members tbody"); strings.Contains(got, "Мүше 1") {
		t.Fatalf("the list shows members after a rejected import: %q", got)
	}
}

// The directory's tree works without JavaScript: a folded organization
// opens on a tap on its line and shows the organizations below it, each a
// link to its page.
func TestBrowserDirectoryTreeOpensWithoutScript(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	svc := orgsService(env)
	admin := env.NewPerson("admin")
	create := func(parent int64, kind, name string) int64 {
		o, err := svc.Create(context.Background(), admin.User, parent, orgs.Patch{Kind: &kind, Name: &i18n.Text{KK: name}})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	// Six top-level organizations: the tree starts folded.
	zh := create(0, "assembly", "Жамбыл облысының Ассамблеясы")
	for _, n := range []string{"Ақмола Ассамблеясы", "Атырау Ассамблеясы", "Маңғыстау Ассамблеясы", "Павлодар Ассамблеясы", "Шымкент Ассамблеясы"} {
		create(0, "assembly", n)
	}
	sarysu := create(zh, "assembly", "Сарысу ауданының Ассамблеясы")
	create(sarysu, "council", "Ақсақалдар кеңесі")
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/organizations?view=tree"), chromedp.WaitVisible(C("#tree")))
	link := fmt.Sprintf(`#tree a[href="/kk/organizations/%d"]`, sarysu)
	if get(t, ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, link))) {
		t.Fatal("the tree should start folded with six organizations at the top")
	}
	run(t, ctx, chromedp.Click(C(`#tree details summary`)), chromedp.WaitVisible(C(link)))
	run(t, ctx, chromedp.Click(C(link)), chromedp.WaitVisible(C("#about")))
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "Сарысу") {
		t.Fatalf("heading %q", h1)
	}
}
