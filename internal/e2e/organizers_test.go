package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// noAxe fails the test when axe-core finds anything on the page.
func noAxe(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if v := axeRun(t, ctx); len(v) > 0 {
		t.Fatalf("axe on %s:\n%s", where, strings.Join(v, "\n"))
	}
}

// An organizer on a 390 px phone starts from the organization's page and
// creates a meeting, an election and a programme without typing a number
// (the organization is already chosen); opening the vote goes through a
// page that says what will happen. axe finds nothing on the way.
func TestBrowserOrganizerStartsFromTheOrganization(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Ақтөбе облыстық филиалы")
	admin := env.NewPerson()
	env.Grant(admin, org, "admin")
	nominee := env.NewPerson()
	env.Grant(nominee, org, "member")
	ctx := browserFor(t, 150*time.Second)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	meetingsSignIn(t, ctx, env, admin)
	orgPage := fmt.Sprintf("%s/kk/organizations/%d", env.URL, org)

	// A meeting.
	run(t, ctx, chromedp.Navigate(orgPage), chromedp.WaitVisible(C("#org-new")))
	noAxe(t, ctx, "the organization's page")
	clickAndLoad(t, ctx, `#org-new a[href*="/meetings/new"]`)
	if v := get(t, ctx, chromedp.Value(C("#f-org_id_q"))); v != "Ақтөбе облыстық филиалы" {
		t.Fatalf("the meeting form's organization: %q", v)
	}
	noAxe(t, ctx, "the meeting form")
	start := env.Clock.Now().Add(48 * time.Hour).In(i18n.Almaty).Truncate(time.Hour)
	run(t, ctx,
		chromedp.SendKeys(C("#f-title_kk"), "Облыстық кеңес отырысы"),
		chromedp.SetValue(C("#f-starts_at"), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(C("#f-ends_at"), start.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(C("#f-address"), "Ақтөбе, Әбілқайыр хан даңғылы, 40"))
	clickAndLoad(t, ctx, `form.form button[type=submit]`)
	if h := text(t, ctx, "h1"); !strings.Contains(h, "Облыстық кеңес отырысы") {
		t.Fatalf("after creating the meeting: %q at %s", h, get(t, ctx, chromedp.Location()))
	}

	// The organization's page lists it; an election from there.
	run(t, ctx, chromedp.Navigate(orgPage), chromedp.WaitVisible(C("#org-meetings-coming")))
	if s := text(t, ctx, "#org-meetings-coming"); !strings.Contains(s, "Облыстық кеңес отырысы") {
		t.Fatalf("the organization's meetings: %q", s)
	}
	clickAndLoad(t, ctx, `#org-new a[href*="/elections/new"]`)
	if v := get(t, ctx, chromedp.Value(C("#f-org_id_q"))); v != "Ақтөбе облыстық филиалы" {
		t.Fatalf("the election form's organization: %q", v)
	}
	run(t, ctx, chromedp.SendKeys(C("#f-title_kk"), "Облыстық кеңес төрағасын сайлау"))
	clickAndLoad(t, ctx, `form.form button[type=submit]`)
	if h := text(t, ctx, "h1"); !strings.Contains(h, "төрағасын сайлау") {
		t.Fatalf("after creating the election: %q", h)
	}
	election := get(t, ctx, chromedp.Location())

	// A candidate (by email, not by number); opening is confirmed.
	run(t, ctx, chromedp.SendKeys(C("#f-email"), nominee.Email))
	clickAndLoad(t, ctx, `#nominate button[type=submit]`)
	clickAndLoad(t, ctx, "#open")
	if s := text(t, ctx, "#confirm-act"); !strings.Contains(s, "1 орынға 1 кандидат") {
		t.Fatalf("the confirmation page says: %q", s)
	}
	noAxe(t, ctx, "the confirmation page")
	// Going back changes nothing.
	clickAndLoad(t, ctx, "#confirm-back")
	if s := text(t, ctx, "#status"); s != "Кандидаттар ұсынылуда" {
		t.Fatalf("status after going back: %q", s)
	}
	if loc := get(t, ctx, chromedp.Location()); loc != election {
		t.Fatalf("back led to %s", loc)
	}
	var status string
	if err := env.App.DB.QueryRow(context.Background(), "SELECT status FROM elections WHERE title_kk = ?", "Облыстық кеңес төрағасын сайлау").Scan(&status); err != nil || status != "draft" {
		t.Fatalf("after going back: %q %v", status, err)
	}
	clickAndLoad(t, ctx, "#open")
	clickAndLoad(t, ctx, "#confirm-submit")
	if err := env.App.DB.QueryRow(context.Background(), "SELECT status FROM elections WHERE title_kk = ?", "Облыстық кеңес төрағасын сайлау").Scan(&status); err != nil || status != "open" {
		t.Fatalf("after confirming: %q %v", status, err)
	}

	// A programme.
	run(t, ctx, chromedp.Navigate(orgPage), chromedp.WaitVisible(C("#org-new")))
	clickAndLoad(t, ctx, `#org-new a[href*="/programmes/new"]`)
	if v := get(t, ctx, chromedp.Value(C("#f-organization_id"))); v != fmt.Sprint(org) {
		t.Fatalf("the programme form's organization: %q", v)
	}
	run(t, ctx, chromedp.SendKeys(C(`[name="title.kk"]`), "Облыс жастары – 2030"))
	clickAndLoad(t, ctx, `form.form button[type=submit]`)
	if h := text(t, ctx, "h1"); !strings.Contains(h, "Облыс жастары") {
		t.Fatalf("after creating the programme: %q", h)
	}
	run(t, ctx, chromedp.Navigate(orgPage), chromedp.WaitVisible(C("#org-programmes")))
	if s := text(t, ctx, "#org-programmes"); !strings.Contains(s, "Облыс жастары") {
		t.Fatalf("the organization's programmes: %q", s)
	}
}
