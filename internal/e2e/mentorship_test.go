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
