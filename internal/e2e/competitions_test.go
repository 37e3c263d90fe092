package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/competitions"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// A judge opens the debate championship on a phone, enters the judges'
// decision of the first game with the speaker points, and the table
// changes: the winning team leads with a win. The page fits the phone's
// width and axe-core finds nothing, for the judge and for a guest.
func TestBrowserJudgeEntersResultStandingsChange(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "«Жас Отан» Сарысу аудандық филиалы")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")
	judge := env.NewPerson()
	env.Grant(judge, org, "member")
	svc := env.App.Competitions
	id, err := svc.Create(ctx, organizer.User, competitions.NewCompetition{OrgID: org, Format: "swiss", Points: "debate",
		Title: i18n.Text{KK: "Аудандық дебат чемпионаты", RU: "Районный чемпионат по дебатам"}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Шешендер", "Ой-өріс", "Тұлпар", "Алғыр"}
	for _, n := range names {
		p := env.NewPerson()
		env.Grant(p, org, "member")
		if _, err := svc.AddTeam(ctx, organizer.User, id, competitions.NewTeam{Name: n, Members: []int64{p.User.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.AddJudge(ctx, organizer.User, id, judge.User.ID); err != nil {
		t.Fatal(err)
	}
	round, err := svc.DrawRound(ctx, organizer.User, id, competitions.DrawIn{})
	if err != nil {
		t.Fatal(err)
	}
	game := round.Pairings[0]
	teams, err := svc.Teams(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	name := map[int64]string{}
	for _, tm := range teams {
		name[tm.ID] = tm.Name
	}
	away := name[game.Away]

	b := browser(t)
	page := fmt.Sprintf("%s/kk/competitions/%d", env.URL, id)

	// A guest first: the table, no forms.
	run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(C("#standings-table")))
	if n := get(t, b, chromedp.Evaluate[int](`document.querySelectorAll('.result-form').length`)); n != 0 {
		t.Fatalf("a guest sees %d result forms", n)
	}
	if v := axeRun(t, b); len(v) > 0 {
		t.Fatalf("axe, guest:\n%s", strings.Join(v, "\n"))
	}

	signIn(t, b, env, judge)
	run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(C(fmt.Sprintf("#game-%d form", game.ID))))
	if v := axeRun(t, b); len(v) > 0 {
		t.Fatalf("axe, judge:\n%s", strings.Join(v, "\n"))
	}
	if wide := get(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
		t.Fatal("the page is wider than the phone")
	}
	played := get(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#standings-table tbody tr td:nth-child(3)')].map(td => td.textContent.trim())`))
	if strings.Join(played, ",") != "0,0,0,0" {
		t.Fatalf("games played before any result: %q", played)
	}
	// The judges' decision: the away team wins.
	run(t, b, chromedp.SetValue(C(fmt.Sprintf("#f-winner-%d", game.ID)), "away"))
	clickAndLoad(t, b, fmt.Sprintf("#game-%d form button[type=submit]", game.ID))
	run(t, b, chromedp.WaitVisible(C("#standings-table")))
	first := text(t, b, "#standings-table tbody tr:first-child")
	if !strings.Contains(first, away) {
		t.Fatalf("the winner %q does not lead the table: %q", away, first)
	}
	cells := get(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#standings-table tbody tr:first-child td')].map(td => td.textContent.trim())`))
	// rank, played, won, drawn, lost, points
	if len(cells) != 6 || cells[0] != "1" || cells[1] != "1" || cells[2] != "1" || cells[5] != "1" {
		t.Fatalf("the winner's row: %q", cells)
	}
	if s := text(t, b, fmt.Sprintf("#game-%d", game.ID)); !strings.Contains(s, away) || strings.Contains(s, "Нәтижені сақтау") {
		t.Fatalf("the game after its result: %q", s)
	}
	// Entering it again is refused (the form is gone; a second post from
	// an old page is told).
	r := env.Client()
	r.SignIn(judge)
	again := r.PostForm(fmt.Sprintf("/kk/competitions/%d/pairings/%d/result", id, game.ID), map[string][]string{"winner": {"home"}})
	if again.StatusCode != 409 || !strings.Contains(again.Body, "енгізіліп қойған") {
		t.Fatalf("a second result: %d", again.StatusCode)
	}
}

// A debate game with a panel of three: two judges have given their
// decisions (one each way); the third opens the page on a phone, sees the
// game waiting for them, gives the decision, and the game shows the panel's
// 2–1 and the table moves. A judge of the competition who is not on this
// panel has no form for the game. axe-core finds nothing.
func TestBrowserPanelJudgeDecides(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "«Жас Отан» Жайық филиалы")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")
	svc := env.App.Competitions
	id, err := svc.Create(ctx, organizer.User, competitions.NewCompetition{OrgID: org, Format: "round_robin", Points: "debate",
		Title: i18n.Text{KK: "Жайық дебат лигасы", RU: "Дебатная лига Жайыка"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Шешендер", "Ой-өріс", "Тұлпар", "Алғыр"} {
		p := env.NewPerson()
		env.Grant(p, org, "member")
		if _, err := svc.AddTeam(ctx, organizer.User, id, competitions.NewTeam{Name: n, Members: []int64{p.User.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	judges := make([]apptest.Person, 4)
	for i := range judges {
		judges[i] = env.NewPerson()
		env.Grant(judges[i], org, "member")
		if err := svc.AddJudge(ctx, organizer.User, id, judges[i].User.ID); err != nil {
			t.Fatal(err)
		}
	}
	round, err := svc.DrawRound(ctx, organizer.User, id, competitions.DrawIn{})
	if err != nil {
		t.Fatal(err)
	}
	game := round.Pairings[0]
	if err := svc.AssignJudges(ctx, organizer.User, 0, game.ID, []int64{judges[0].User.ID, judges[1].User.ID, judges[2].User.ID}); err != nil {
		t.Fatal(err)
	}
	for i, w := range []string{"home", "away"} {
		if _, err := svc.EnterResult(ctx, judges[i].User, game.ID, competitions.ResultIn{Winner: w}); err != nil {
			t.Fatal(err)
		}
	}
	teams, err := svc.Teams(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	name := map[int64]string{}
	for _, tm := range teams {
		name[tm.ID] = tm.Name
	}
	home := name[game.Home]

	b := browser(t)
	page := fmt.Sprintf("%s/kk/competitions/%d", env.URL, id)
	// The organizer's page, with the forms to assign judges, record a
	// forfeit and withdraw a team, fits the phone and passes axe.
	signIn(t, b, env, organizer)
	run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(C(fmt.Sprintf("#game-%d .forfeit-form", round.Pairings[1].ID))))
	if n := get(t, b, chromedp.Evaluate[int](`document.querySelectorAll('.judges-form, .round-judges-form, .withdraw-form').length`)); n < 6 {
		t.Fatalf("the organizer sees %d judge and withdrawal forms", n)
	}
	if v := axeRun(t, b); len(v) > 0 {
		t.Fatalf("axe, organizer:\n%s", strings.Join(v, "\n"))
	}
	if get(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Fatal("the organizer's page is wider than the phone")
	}
	// The fourth judge is not on this panel: no form for this game, one for
	// the other game (it has no judges of its own).
	signIn(t, b, env, judges[3])
	run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(C("#standings-table")))
	if n := get(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('#game-%d .result-form').length`, game.ID))); n != 0 {
		t.Fatal("a judge not on the panel has a form for its game")
	}
	if n := get(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('#game-%d .result-form').length`, round.Pairings[1].ID))); n != 1 {
		t.Fatal("a judge has no form for a game without judges of its own")
	}

	signIn(t, b, env, judges[2])
	run(t, b, chromedp.Navigate(page), chromedp.WaitVisible(C(fmt.Sprintf("#game-%d .result-form", game.ID))))
	if s := text(t, b, fmt.Sprintf("#game-%d .split", game.ID)); !strings.Contains(s, "2 / 3") {
		t.Fatalf("the decisions so far: %q", s)
	}
	if v := axeRun(t, b); len(v) > 0 {
		t.Fatalf("axe, panel judge:\n%s", strings.Join(v, "\n"))
	}
	if get(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Fatal("the page is wider than the phone")
	}
	played := get(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#standings-table tbody tr td:nth-child(3)')].map(td => td.textContent.trim())`))
	if strings.Join(played, ",") != "0,0,0,0" {
		t.Fatalf("games played before the panel decided: %q", played)
	}
	run(t, b, chromedp.SetValue(C(fmt.Sprintf("#f-winner-%d", game.ID)), "home"))
	clickAndLoad(t, b, fmt.Sprintf("#game-%d .result-form button[type=submit]", game.ID))
	run(t, b, chromedp.WaitVisible(C("#standings-table")))
	if s := text(t, b, fmt.Sprintf("#game-%d", game.ID)); !strings.Contains(s, "2–1") || !strings.Contains(s, home) {
		t.Fatalf("the game after the panel: %q", s)
	}
	if n := get(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('#game-%d .result-form').length`, game.ID))); n != 0 {
		t.Fatal("the decided game still has a form")
	}
	first := text(t, b, "#standings-table tbody tr:first-child")
	if !strings.Contains(first, home) {
		t.Fatalf("the panel's winner %q does not lead the table: %q", home, first)
	}
	cells := get(t, b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#standings-table tbody tr:first-child td')].map(td => td.textContent.trim())`))
	if len(cells) != 6 || cells[1] != "1" || cells[2] != "1" || cells[5] != "1" {
		t.Fatalf("the winner's row: %q", cells)
	}
}

// The demo's competitions on a phone: the list, the spartakiad (overall
// table, four disciplines) for a guest, and the debate championship for
// its judge (the demo member), whose final waits for a result: axe-core
// finds nothing, in Kazakh and Russian, and nothing is wider
// than the phone.
func TestBrowserDemoCompetitionsAxe(t *testing.T) {
	env := demoEnv(t)
	ctx := context.Background()
	var spart, debate int64
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM competitions WHERE title_en = 'Friendship Caravan spartakiad of colleges'`).Scan(&spart); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM competitions WHERE title_en = 'Jastar Rukhy regional debate championship'`).Scan(&debate); err != nil {
		t.Fatal(err)
	}
	var cup int64
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM competitions WHERE title_en = 'Friendship Caravan mini-football cup'`).Scan(&cup); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	check := func(path, wait string) {
		t.Helper()
		run(t, b, chromedp.Navigate(env.URL+path), chromedp.WaitVisible(C(wait)))
		if v := axeRun(t, b); len(v) > 0 {
			t.Errorf("axe %s:\n%s", path, strings.Join(v, "\n"))
		}
		if get(t, b, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
			t.Errorf("%s is wider than the phone", path)
		}
	}
	for _, lang := range []string{"kk", "ru"} {
		check("/"+lang+"/competitions", "#competitions")
		check(fmt.Sprintf("/%s/competitions/%d", lang, spart), "#overall")
		check(fmt.Sprintf("/%s/competitions/%d?d=tug-of-war", lang, spart), "#standings-table")
		check(fmt.Sprintf("/%s/competitions/%d", lang, cup), "#standings-B")
	}
	signInAs(t, b, env.URL, "kk", "member@demo.ortaq.kz")
	check(fmt.Sprintf("/kk/competitions/%d", debate), "#final .result-form")
	check(fmt.Sprintf("/ru/competitions/%d", debate), "#final .result-form")
}

// An organizer on a phone names a judge by typing part of a name: two
// members match, each comes back with a button (axe-clean, as wide as the
// phone), and pressing one names that person.
func TestBrowserOrganizerNamesJudgeByTyping(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "«Жас Отан» Сарысу аудандық филиалы")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")
	a, b2 := env.NewPerson(), env.NewPerson()
	for p, name := range map[int64]string{a.User.ID: "Бекзат Әлиев", b2.User.ID: "Бекзат Нұров"} {
		if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET name = ? WHERE id = ?", name, p)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	env.Grant(a, org, "member")
	env.Grant(b2, org, "member")
	id, err := env.App.Competitions.Create(ctx, organizer.User, competitions.NewCompetition{OrgID: org, Format: "round_robin",
		Title: i18n.Text{KK: "Аудандық волейбол лигасы"}})
	if err != nil {
		t.Fatal(err)
	}
	br := browser(t)
	signIn(t, br, env, organizer)
	run(t, br, chromedp.Navigate(fmt.Sprintf("%s/kk/competitions/%d", env.URL, id)), chromedp.WaitVisible(C("#f-judge_q")),
		chromedp.SendKeys(C("#f-judge_q"), "бекзат"))
	clickAndLoad(t, br, "#judge-form button[type=submit]")
	run(t, br, chromedp.WaitVisible(C("#judge-matches")))
	if n := get(t, br, chromedp.Evaluate[int](`document.querySelectorAll('#judge-matches button').length`)); n != 2 {
		t.Fatalf("%d match buttons, want 2", n)
	}
	if v := axeRun(t, br); len(v) > 0 {
		t.Fatalf("axe, matches:\n%s", strings.Join(v, "\n"))
	}
	if get(t, br, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)) {
		t.Fatal("the page with the matches is wider than the phone")
	}
	clickAndLoad(t, br, fmt.Sprintf(`#judge-matches input[value="%d"] + button`, b2.User.ID))
	run(t, br, chromedp.WaitVisible(C("#judges")))
	if txt := get(t, br, chromedp.Evaluate[string](`document.querySelector('#judges ul').textContent`)); !strings.Contains(txt, "Бекзат Нұров") || strings.Contains(txt, "Әлиев") {
		t.Fatalf("judges: %q", txt)
	}
}
