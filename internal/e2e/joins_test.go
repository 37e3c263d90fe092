package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Issue 15, item 5, on a 390 px phone without typing a number: a person
// asks to join a club from its page; its administrator finds the request
// on their home, opens it and accepts; the person is a member. axe finds
// nothing on the pages on the way, main actions are 44 px high.
func TestBrowserJoinRequestAccepted(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := context.Background()
	org := env.NewOrg(0, "Ақтөбе жастар клубы")
	admin := env.NewPerson()
	env.Grant(admin, org, "admin")
	if err := env.App.Orgs.SetTakesMembers(ctx, admin.User, org, true); err != nil {
		t.Fatal(err)
	}
	asker := env.NewPerson()

	b := browser(t)
	run(t, b, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	check := func() {
		t.Helper()
		for _, v := range axeRun(t, b) {
			t.Errorf("%s: %s", get(t, b, chromedp.Location()), v)
		}
		checkSizes(t, b, true)
	}

	meetingsSignIn(t, b, env, asker)
	run(t, b, chromedp.Navigate(fmt.Sprintf("%s/kk/organizations/%d", env.URL, org)), chromedp.WaitVisible(C("#join-link")))
	check()
	clickAndLoad(t, b, "#join-link")
	run(t, b, chromedp.WaitVisible(C("#join-form")))
	check()
	run(t, b, chromedp.SendKeys(C("#f-message"), "Мен волонтерлікпен айналысамын"))
	clickAndLoad(t, b, "#join-form button[type=submit]")
	run(t, b, chromedp.WaitVisible(C("#join-state")))
	if s := text(t, b, "#join-state"); !strings.Contains(s, "жауабын күтіп тұр") {
		t.Fatalf("after asking: %q", s)
	}
	check()
	signOut(t, b)

	meetingsSignIn(t, b, env, admin)
	run(t, b, chromedp.WaitVisible(C("#me-joins")))
	check()
	clickAndLoad(t, b, "#me-joins .items a")
	run(t, b, chromedp.WaitVisible(C("#join-requests .join-request")))
	if s := text(t, b, "#join-requests"); !strings.Contains(s, asker.User.Name) || !strings.Contains(s, "волонтерлікпен") {
		t.Fatalf("the request: %q", s)
	}
	check()
	clickAndLoad(t, b, "#join-requests .join-request form:first-of-type button")
	run(t, b, chromedp.WaitVisible(C("#members")))
	if s := text(t, b, "#members"); !strings.Contains(s, asker.User.Name) {
		t.Fatalf("not in the member list after acceptance: %q", s)
	}
	if s := text(t, b, "#join-requests"); strings.Contains(s, asker.User.Name) {
		t.Fatalf("the request still waits: %q", s)
	}
	check()
}
