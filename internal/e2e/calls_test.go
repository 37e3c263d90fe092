package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// An organizer on a 390 px phone announces a call from the organization's
// page: builds the form without scripts (adds a question, moves it up),
// is told what is missing next to the field with everything typed kept,
// and creates the call with Enter in the title field (the form's default
// button creates; it never moves or removes a question). axe-core finds
// nothing on the form, nor on it with errors.
func TestBrowserOrganizerBuildsACallOnAPhone(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Аудандық жастар ресурстық орталығы")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")

	b := browser(t)
	run(t, b, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	meetingsSignIn(t, b, env, organizer)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/organizations/%d", env.URL, org)), chromedp.WaitVisible(C("#new-call")))
	clickAndLoad(t, b, "#new-call")
	run(t, b, chromedp.WaitVisible(C("#call-form")))
	if v := axeRun(t, b); len(v) > 0 {
		t.Errorf("axe on the new call form:\n%s", strings.Join(v, "\n"))
	}
	if w := get(t, b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the form is %d px wide on a 390 px phone", w)
	}
	run(t, b, chromedp.SendKeys(C("#f-title-kk"), "IT-жобалар байқауы"),
		chromedp.SendKeys(C("#f-form-0-label-kk"), "Жобаңызды сипаттаңыз"))
	clickAndLoad(t, b, "#add-question")
	run(t, b, chromedp.WaitVisible(C("#f-form-1-label-kk")))
	if got := get(t, b, chromedp.Evaluate[string](`document.querySelector("#f-title-kk").value`)); got != "IT-жобалар байқауы" {
		t.Fatalf("the title after adding a question: %q", got)
	}
	run(t, b, chromedp.SendKeys(C("#f-form-1-label-kk"), "Жобаның сілтемесі"),
		chromedp.SetValue(C("#f-form-1-type"), "url"))
	clickAndLoad(t, b, "#up-1")
	run(t, b, chromedp.WaitVisible(C("#f-form-0-label-kk")))
	first := get(t, b, chromedp.Evaluate[string](`document.querySelector("#f-form-0-label-kk").value + "|" + document.querySelector("#f-form-0-type").value`))
	if first != "Жобаның сілтемесі|url" {
		t.Fatalf("first question after moving up: %q", first)
	}
	// No criteria yet: refused next to the field, all kept.
	clickAndLoad(t, b, "#create-call")
	run(t, b, chromedp.WaitVisible(C("#form-errors")), chromedp.WaitVisible(C("#e-stages-0-criteria")))
	if got := get(t, b, chromedp.Evaluate[string](`document.querySelector("#f-form-1-label-kk").value`)); got != "Жобаңызды сипаттаңыз" {
		t.Fatalf("second question after an error: %q", got)
	}
	if v := axeRun(t, b); len(v) > 0 {
		t.Errorf("axe on the form with errors:\n%s", strings.Join(v, "\n"))
	}
	run(t, b, chromedp.SendKeys(C("#f-stages-0-criteria"), "Идеяның жаңалығы; 2; 10\nІске асыру; 1; 10"),
		chromedp.SendKeys(C("#f-stages-0-title-kk"), "Облыстық іріктеу"))
	enterAndLoad(t, b, "#f-title-kk")
	run(t, b, chromedp.WaitVisible(C("#stages")))
	if h := text(t, b, "h1"); h != "IT-жобалар байқауы" {
		t.Fatalf("after creating: %q", h)
	}
	if got := text(t, b, "#stages"); !strings.Contains(got, "Облыстық іріктеу") {
		t.Fatalf("stages: %q", got)
	}
}

// enterAndLoad presses Enter in the field sel and waits for the page the
// form's submission loads (errors while the old page goes away are expected).
func enterAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__ortaqOld = true`), chromedp.Focus(C(sel)))
	_, _ = chromedp.Run(ctx, chromedp.KeyEvent(kb.Enter))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__ortaqOld !== true && document.readyState === "complete"`)); err == nil && fresh {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("Enter in %s loaded no new page", sel)
}
