package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mentorship"
)

// A young person asks for a mentor on a 390 px phone, naming the mentor
// they want from the pool's cards; the organizer runs a matching round; the
// mentor accepts and logs a session, which the young person then sees with
// why they were matched. Every page on the way is axe-clean.
func TestBrowserMentorshipAskMatchAcceptLog(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx0 := t.Context()
	org := env.NewOrg(0, "«Жас Отан» жастар қанаты")
	organizer, mentorP, youth := env.NewPerson(), env.NewPerson(), env.NewPerson()
	env.Grant(organizer, org, "moderator")
	env.Grant(mentorP, org, "member")
	svc := env.App.Mentorship
	pool, err := svc.CreatePool(ctx0, organizer.User, mentorship.NewPool{OrgID: org, Title: i18n.Text{KK: "Мың тәлімгер"},
		Spheres: []mentorship.Sphere{{Key: "it", Title: i18n.Text{KK: "IT"}}, {Key: "media", Title: i18n.Text{KK: "Медиа"}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddMentor(ctx0, organizer.User, pool, mentorship.MentorIn{PersonID: mentorP.User.ID, Spheres: []string{"it"}, Capacity: 1,
		Languages: []string{"kk", "ru"}, Mode: "online", Bio: "Алматыдағы бағдарламашы, 10 жыл тәжірибе"})
	if err != nil {
		t.Fatal(err)
	}

	ctx := browser(t)
	axeClean := func(what string) {
		t.Helper()
		if v := axeRun(t, ctx); len(v) > 0 {
			t.Errorf("%s: axe:\n%s", what, strings.Join(v, "\n"))
		}
	}
	signOut := func() {
		clickAndLoad(t, ctx, `form[action$="/signout"] button`)
	}
	poolURL := fmt.Sprintf("%s/kk/mentor-pools/%d", env.URL, pool)

	// The young person, on a phone.
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	signIn(t, ctx, env, youth)
	run(t, ctx, chromedp.Navigate(poolURL), chromedp.WaitVisible(C("#request-form")))
	if s := text(t, ctx, "#mentors"); !strings.Contains(s, mentorP.User.Name) || !strings.Contains(s, fmt.Sprintf("№%d", m.ID)) {
		t.Fatalf("mentor cards: %q", s)
	}
	axeClean("pool page")
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the pool page is %d px wide on a 390 px phone", w)
	}
	run(t, ctx, chromedp.Click(C(`#request-form input[name=spheres][value=it]`)),
		chromedp.Click(C(`#request-form input[name=languages][value=kk]`)),
		chromedp.Click(C(`#request-form input[name=mode][value=online]`)),
		chromedp.SendKeys(C("#f-goal"), "Веб-бағдарламалауды үйреніп, алғашқы жобамды жасағым келеді"),
		chromedp.SendKeys(C("#f-preferences"), fmt.Sprint(m.ID)))
	clickAndLoad(t, ctx, "#request-form button[type=submit]")
	run(t, ctx, chromedp.WaitVisible(C("#my-request")))
	if s := text(t, ctx, "#my-request"); !strings.Contains(s, "келесі іріктеу") {
		t.Fatalf("my request: %q", s)
	}
	signOut()

	// The organizer runs a round.
	signIn(t, ctx, env, organizer)
	run(t, ctx, chromedp.Navigate(poolURL+"/manage"), chromedp.WaitVisible(C("#round-form")))
	axeClean("organizer's view")
	clickAndLoad(t, ctx, "#round-form button")
	run(t, ctx, chromedp.WaitVisible(C("#rounds li")))
	if s := text(t, ctx, "#rounds li"); !strings.Contains(s, "1 жұп") {
		t.Fatalf("round: %q", s)
	}
	signOut()

	// The mentor accepts and logs a session.
	signIn(t, ctx, env, mentorP)
	run(t, ctx, chromedp.Navigate(poolURL), chromedp.WaitVisible(C("#my-mentorships a")))
	clickAndLoad(t, ctx, "#my-mentorships a")
	run(t, ctx, chromedp.WaitVisible(C("#to-accepted")))
	axeClean("mentorship page")
	clickAndLoad(t, ctx, "#to-accepted button")
	run(t, ctx, chromedp.WaitVisible(C("#session-form")))
	run(t, ctx, chromedp.SetValue(C("#f-minutes"), "45"), chromedp.SendKeys(C("#f-notes"), "Git пен HTML негіздерін қарадық"))
	clickAndLoad(t, ctx, "#session-form button[type=submit]")
	run(t, ctx, chromedp.WaitVisible(C("#sessions li")))
	if s := text(t, ctx, "#sessions"); !strings.Contains(s, "Git пен HTML") || !strings.Contains(s, "45") {
		t.Fatalf("sessions: %q", s)
	}
	if s := text(t, ctx, "#ms-status"); !strings.Contains(s, "Жүріп жатыр") {
		t.Fatalf("status after a session: %q", s)
	}
	axeClean("mentorship page with a session")
	signOut()

	// The young person sees the session and why this match.
	signIn(t, ctx, env, youth)
	run(t, ctx, chromedp.Navigate(poolURL), chromedp.WaitVisible(C("#my-mentorships a")))
	clickAndLoad(t, ctx, "#my-mentorships a")
	run(t, ctx, chromedp.WaitVisible(C("#why")))
	if s := text(t, ctx, "#why"); !strings.Contains(s, "1-орынға қойдыңыз") || !strings.Contains(s, "ортақ сала: IT") {
		t.Fatalf("why: %q", s)
	}
	if s := text(t, ctx, "#sessions"); !strings.Contains(s, "Git пен HTML") {
		t.Fatalf("the mentee's view of the sessions: %q", s)
	}
}

// A mentor on a 390 px phone orders the open requests they could get
// (numbered selects, no JavaScript needed), tries "no preference", orders
// again, and the next round gives them the request they put first rather
// than the one that fits better. The page shows what the young people
// wrote on their requests, not who they are.
func TestBrowserMentorRanksRequestsOnPhone(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx0 := t.Context()
	org := env.NewOrg(0, "Жастар қанаты")
	organizer, mentorP, itYouth, mediaYouth := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
	env.Grant(organizer, org, "moderator")
	env.Grant(mentorP, org, "member")
	svc := env.App.Mentorship
	pool, err := svc.CreatePool(ctx0, organizer.User, mentorship.NewPool{OrgID: org, Title: i18n.Text{KK: "Тәлімгерлер"},
		Spheres: []mentorship.Sphere{{Key: "it", Title: i18n.Text{KK: "IT"}}, {Key: "media", Title: i18n.Text{KK: "Медиа"}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.AddMentor(ctx0, organizer.User, pool, mentorship.MentorIn{PersonID: mentorP.User.ID, Spheres: []string{"it"}, Capacity: 1,
		Languages: []string{"kk", "ru"}, Mode: "online"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.Ask(ctx0, itYouth.User, pool, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Mode: "online",
		Goal: "Алғашқы сайтымды жасау"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Ask(ctx0, mediaYouth.User, pool, mentorship.RequestIn{Spheres: []string{"media"}, Languages: []string{"kk"}, Mode: "online",
		Goal: "Подкаст бастау"})
	if err != nil {
		t.Fatal(err)
	}

	ctx := browser(t)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	signIn(t, ctx, env, mentorP)
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/mentor-pools/%d", env.URL, pool)), chromedp.WaitVisible(C("#ranking-link")))
	clickAndLoad(t, ctx, "#ranking-link")
	run(t, ctx, chromedp.WaitVisible(C("#ranking-form")))
	order := func() string {
		t.Helper()
		return get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#candidates > li")].map(li => li.id + "=" + li.querySelector("select").value).join(" ")`))
	}
	ra, rb := fmt.Sprintf("request-%d", a.ID), fmt.Sprintf("request-%d", b.ID)
	if got := order(); got != ra+"= "+rb+"=" {
		t.Fatalf("before ranking: %q", got)
	}
	s := text(t, ctx, "#candidates")
	if !strings.Contains(s, "Алғашқы сайтымды жасау") || !strings.Contains(s, "Подкаст бастау") {
		t.Fatalf("the requests' goals are not shown: %q", s)
	}
	if strings.Contains(s, itYouth.User.Name) || strings.Contains(s, mediaYouth.User.Name) {
		t.Fatalf("the ranking page names the young people: %q", s)
	}
	if v := axeRun(t, ctx); len(v) > 0 {
		t.Errorf("ranking page: axe:\n%s", strings.Join(v, "\n"))
	}
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the ranking page is %d px wide on a 390 px phone", w)
	}

	// The podcast request first.
	run(t, ctx, chromedp.SetValue(C("#rank-"+fmt.Sprint(b.ID)), "1"))
	clickAndLoad(t, ctx, "#save-ranking")
	run(t, ctx, chromedp.WaitVisible(C("#ranking-form")))
	if got := order(); got != rb+"=1 "+ra+"=" {
		t.Fatalf("after ranking: %q", got)
	}
	// No preference, then the podcast request first again.
	clickAndLoad(t, ctx, "#no-preference")
	run(t, ctx, chromedp.WaitVisible(C("#ranking-form")))
	if got := order(); got != ra+"= "+rb+"=" {
		t.Fatalf("after no preference: %q", got)
	}
	run(t, ctx, chromedp.SetValue(C("#rank-"+fmt.Sprint(b.ID)), "1"))
	clickAndLoad(t, ctx, "#save-ranking")
	run(t, ctx, chromedp.WaitVisible(C("#ranking-form")))

	r, err := svc.RunRound(ctx0, organizer.User, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pairs) != 1 || r.Pairs[0].RequestID != b.ID || r.Pairs[0].MentorID != m.ID {
		t.Fatalf("the round gave the mentor %+v, want request %d", r.Pairs, b.ID)
	}
	// Matched, the request leaves the mentor's list.
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/mentor-pools/%d/ranking", env.URL, pool)), chromedp.WaitVisible(C("#candidates")))
	if got := order(); got != ra+"=" {
		t.Fatalf("after the round: %q", got)
	}
}
