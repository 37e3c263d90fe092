package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// A leaders' school selection, on a phone: an applicant applies; a juror
// scores every application given to them without seeing whose it is; the
// organizer closes the stage and sees who is referred to the next one.
func TestBrowserCallApplyScoreBlindCloseReferral(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "Облыстық жастар қанаты")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")
	juror := env.NewPerson()
	applicant := env.NewPerson()
	now := env.Clock.Now()
	svc := env.App.Calls
	c, err := svc.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "selection", Title: i18n.Text{KK: "Көшбасшылар мектебі"},
		Form: []calls.Field{{Key: "about", Label: i18n.Text{KK: "Өзіңіз туралы"}, Type: "long_text", Required: true}},
		Stages: []calls.StageInput{
			{Title: i18n.Text{KK: "Облыстық іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1, Blind: true, PerApplication: 1,
				Criteria: []calls.Criterion{{Key: "motivation", Title: i18n.Text{KK: "Уәж"}, Weight: 1, Max: 10}}},
			{Title: i18n.Text{KK: "Жазғы лагерь"}, OpensAt: now.Add(48 * time.Hour), ClosesAt: now.Add(72 * time.Hour), Advance: 10, PerApplication: 1,
				Criteria: []calls.Criterion{{Key: "motivation", Title: i18n.Text{KK: "Уәж"}, Weight: 1, Max: 10}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	st := c.Stages[0]
	for i := range 2 {
		p := env.NewPerson()
		if _, err := svc.Apply(ctx, p.User, c.ID, map[string]string{"about": fmt.Sprintf("Басқа үміткер %d", i)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.AddJuror(ctx, organizer.User, c.ID, st.ID, juror.User.ID, 0, true); err != nil {
		t.Fatal(err)
	}

	b := browser(t)
	// The applicant applies from the call's page; an empty answer is refused first.
	meetingsSignIn(t, b, env, applicant)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/calls/%d", env.URL, c.ID)), chromedp.WaitVisible(C("#apply-form")))
	run(t, b, chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-about").removeAttribute("required")`))
	clickAndLoad(t, b, "#apply-submit")
	run(t, b, chromedp.WaitVisible(C("#e-about")))
	run(t, b, chromedp.SendKeys(C("#f-about"), "Ауылда жастар клубын ашқым келеді"))
	clickAndLoad(t, b, "#apply-submit")
	run(t, b, chromedp.WaitVisible(C("#my-application")))
	if got := text(t, b, "#my-application"); !strings.Contains(got, "жіберілді") && !strings.Contains(got, "берілді") {
		t.Fatalf("my application: %q", got)
	}
	signOut(t, b)

	// The organizer spreads the applications; the juror scores them blind.
	if _, err := svc.Assign(ctx, organizer.User, c.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	meetingsSignIn(t, b, env, juror)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/calls/%d/stages/%d/review", env.URL, c.ID, st.ID)), chromedp.WaitVisible(C("#progress")))
	for i := range 3 {
		run(t, b, chromedp.WaitVisible(C("#score-form")))
		body := text(t, b, "main")
		if strings.Contains(body, applicant.User.Name) || !strings.Contains(body, "жасырын") {
			t.Fatalf("blind review showed a name or no notice: %q", body)
		}
		if p := text(t, b, "#progress"); !strings.Contains(p, fmt.Sprintf("%d", i)) {
			t.Fatalf("progress %q at %d", p, i)
		}
		score := "6"
		if strings.Contains(body, "жастар клубын") {
			score = "9" // our applicant's answer is the best
		}
		run(t, b, chromedp.SendKeys(C("#s-motivation"), score))
		clickAndLoad(t, b, "#score-submit")
	}
	run(t, b, chromedp.WaitVisible(C("#all-done")))
	signOut(t, b)

	// The organizer closes the stage and sees the referral.
	meetingsSignIn(t, b, env, organizer)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/calls/%d/stages/%d", env.URL, c.ID, st.ID)), chromedp.WaitVisible(C("#close-button")))
	clickAndLoad(t, b, "#close-button")
	run(t, b, chromedp.WaitVisible(C("#referral")))
	if got := text(t, b, "#referral"); !strings.Contains(got, "Жазғы лагерь") {
		t.Fatalf("referral: %q", got)
	}
	results := text(t, b, "table.results")
	if !strings.Contains(results, applicant.User.Name) || !strings.Contains(results, "келесі кезеңге өтті") {
		t.Fatalf("results table: %q", results)
	}
	first := text(t, b, "table.results tbody tr:first-child")
	if !strings.Contains(first, applicant.User.Name) {
		t.Fatalf("first place: %q", first)
	}
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	clickAndLoad(t, ctx, "nav.account form button")
}
