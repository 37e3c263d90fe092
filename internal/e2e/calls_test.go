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
	"github.com/ortaq/ortaq/internal/db"
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

// A juror on a 390 px phone declares relatives without scripts: at the
// stage they judge with names shown they pick an applicant from the list
// (the application leaves their review); at a blind stage they type a
// relative's full name, and the page says only that it was declared.
// axe-core finds nothing on the page, nor on it with an error.
func TestBrowserJurorDeclaresRelativesOnAPhone(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "Аудандық мәдениет үйі")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")
	juror, other := env.NewPerson(), env.NewPerson()
	now := env.Clock.Now()
	svc := env.App.Calls
	mk := func(title string, blind bool) *calls.Call {
		c, err := svc.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "festival", Title: i18n.Text{KK: title},
			Form: []calls.Field{{Key: "act", Label: i18n.Text{KK: "Нөмір"}, Type: "text", Required: true}},
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Аудандық кезең"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1,
				Blind: blind, PerApplication: 1, Criteria: []calls.Criterion{{Key: "art", Title: i18n.Text{KK: "Шеберлік"}, Weight: 1, Max: 10}}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range []apptest.Person{juror, other} {
			if err := svc.AddJuror(ctx, organizer.User, c.ID, c.Stages[0].ID, j.User.ID, 0, false); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	open := mk("Достық керуені", false)
	var relative apptest.Person
	for i := range 3 {
		p := env.NewPerson()
		if i == 1 {
			relative = p
		}
		if _, err := svc.Apply(ctx, p.User, open.ID, map[string]string{"act": fmt.Sprintf("Ән %d", i)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The juror is given every application; the relative's goes to the other juror.
	if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO call_assignments (stage_id, juror_id, application_id)
			SELECT ?, ?, id FROM call_applications WHERE call_id = ?`, open.Stages[0].ID, juror.User.ID, open.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	run(t, b, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	meetingsSignIn(t, b, env, juror)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/calls/%d/stages/%d", env.URL, open.ID, open.Stages[0].ID)), chromedp.WaitVisible(C("#relatives-link")))
	clickAndLoad(t, b, "#relatives-link")
	run(t, b, chromedp.WaitVisible(C("#pick-form")))
	if v := axeRun(t, b); len(v) > 0 {
		t.Errorf("axe on the relatives page:\n%s", strings.Join(v, "\n"))
	}
	if w := get(t, b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the page is %d px wide on a 390 px phone", w)
	}
	// Nothing chosen: told next to the list.
	clickAndLoad(t, b, "#pick-submit")
	run(t, b, chromedp.WaitVisible(C("#e-person")))
	if v := axeRun(t, b); len(v) > 0 {
		t.Errorf("axe on the page with an error:\n%s", strings.Join(v, "\n"))
	}
	run(t, b, chromedp.Click(C(fmt.Sprintf(`input[name="person_id"][value="%d"]`, relative.User.ID))))
	clickAndLoad(t, b, "#pick-submit")
	run(t, b, chromedp.WaitVisible(C("#declared")))
	if got := text(t, b, "#declared"); !strings.Contains(got, relative.User.Name) {
		t.Fatalf("declared: %q", got)
	}
	var left, taken int
	if err := env.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND juror_id = ?", open.Stages[0].ID, juror.User.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM call_assignments x JOIN call_applications a ON a.id = x.application_id
		WHERE x.stage_id = ? AND x.juror_id = ? AND a.user_id = ?`, open.Stages[0].ID, other.User.ID, relative.User.ID).Scan(&taken); err != nil {
		t.Fatal(err)
	}
	if left != 2 || taken != 1 {
		t.Fatalf("after the pick: the juror has %d, the other juror took %d", left, taken)
	}

	// A blind stage: no names; the juror types the full name in Latin letters.
	blind := mk("IT байқауы", true)
	hidden := env.NewPerson()
	if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET name = 'Дәурен Серікұлы' WHERE id = ?", hidden.User.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Apply(ctx, hidden.User, blind.ID, map[string]string{"act": "Бот"}, 0); err != nil {
		t.Fatal(err)
	}
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/calls/%d/relatives", env.URL, blind.ID)), chromedp.WaitVisible(C("#typed-form")))
	if body := text(t, b, "main"); strings.Contains(body, "Дәурен") {
		t.Fatalf("the blind page shows an applicant: %q", body)
	}
	run(t, b, chromedp.SendKeys(C("#f-name"), "Dauren Serikuly"))
	clickAndLoad(t, b, "#typed-submit")
	run(t, b, chromedp.WaitVisible(C("#declared")))
	body := text(t, b, "body")
	if !strings.Contains(body, "Мәлімдеме қабылданды") || !strings.Contains(body, "Dauren Serikuly") || strings.Contains(body, "Дәурен") {
		t.Fatalf("after the typed declaration: %q", body)
	}
	if _, err := svc.Assign(ctx, organizer.User, blind.ID, blind.Stages[0].ID); err != nil {
		t.Fatal(err)
	}
	var mine int
	if err := env.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND juror_id = ?", blind.Stages[0].ID, juror.User.ID).Scan(&mine); err != nil || mine != 0 {
		t.Fatalf("the blind relative was given to the juror: %d %v", mine, err)
	}
}
