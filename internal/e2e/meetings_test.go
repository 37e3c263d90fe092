package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func meetingsSignIn(t *testing.T, ctx context.Context, env *apptest.Env, p apptest.Person) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/signin"),
		chromedp.SendKeys(C("#f-email"), p.Email),
		chromedp.SendKeys(C("#f-password"), p.Password),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
}

// A member on a phone, in Kazakh: registers for the report meeting, asks a
// question, votes for delegates by secret ballot, keeps the tracker, and
// after the commission publishes finds the ballot in the bulletin.
func TestBrowserReportMeetingAndDelegateElection(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Бастауыш партия ұйымы")
	chair := env.NewPerson()
	env.Grant(chair, org, "moderator")
	tok, err := env.App.Auth.CreateToken(context.Background(), chair.User, "e2e", chair.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	member := env.NewPerson()
	env.Grant(member, org, "member")
	var cands []apptest.Person
	for range 3 {
		p := env.NewPerson()
		env.Grant(p, org, "member")
		cands = append(cands, p)
	}
	api := env.Client()
	start := env.Clock.Now().Add(2 * time.Hour)
	r := api.JSON("POST", "/api/v1/meetings", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жылдық есеп беру жиналысы"},"kind":"report",
		"format":"in_person","address":"Мәдениет сарайы","starts_at":%q,"ends_at":%q,"invite":"members"}`, org,
		start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
	var m struct{ ID string }
	if r.StatusCode != 201 || json.Unmarshal([]byte(r.Body), &m) != nil {
		t.Fatalf("meeting: %d %s", r.StatusCode, r.Body)
	}
	r = api.JSON("POST", "/api/v1/elections", tok, fmt.Sprintf(`{"organization_id":"%d","meeting_id":%q,"title":{"kk":"Делегаттар сайлау"},
		"seats":2,"method":"choose","electorate":{"organization_id":"%d"},"rule":"plurality","quorum":0}`, org, m.ID, org))
	var e struct{ ID string }
	if r.StatusCode != 201 || json.Unmarshal([]byte(r.Body), &e) != nil {
		t.Fatalf("election: %d %s", r.StatusCode, r.Body)
	}
	for _, c := range cands {
		if r := api.JSON("POST", "/api/v1/elections/"+e.ID+"/candidates", tok, fmt.Sprintf(`{"person_id":"%d"}`, c.User.ID)); r.StatusCode != 201 {
			t.Fatalf("candidate: %d", r.StatusCode)
		}
	}
	if r := api.JSON("POST", "/api/v1/elections/"+e.ID+"/open", tok, ""); r.StatusCode != 200 {
		t.Fatalf("open: %d", r.StatusCode)
	}

	ctx := browser(t)
	meetingsSignIn(t, ctx, env, member)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/meetings/"+m.ID), chromedp.Click(C("#register")), chromedp.WaitVisible(C("#reg-status")))
	if s := text(t, ctx, "#reg-status"); !strings.Contains(s, "тіркелдіңіз") {
		t.Fatalf("after registering: %q", s)
	}
	run(t, ctx, chromedp.SendKeys(C("#f-body"), "Келесі жылы жастар орталығы ашыла ма?"),
		chromedp.Click(C("#ask button")), chromedp.WaitVisible(C("#question-list li p")))
	if s := text(t, ctx, "#question-list"); !strings.Contains(s, "жастар орталығы") {
		t.Fatalf("question list: %q", s)
	}

	// The ballot, from the meeting page's link.
	run(t, ctx, chromedp.Click(C(`a[href$="/elections/`+e.ID+`"]`)), chromedp.WaitVisible(C("#ballot")))
	run(t, ctx,
		chromedp.Click(C(`#ballot input[type=checkbox]:nth-of-type(1)`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#ballot input[type=checkbox]')[1].click()`),
		chromedp.Click(C(`#ballot button[type=submit]`)),
		chromedp.WaitVisible(C("#tracker")))
	tracker := strings.TrimSpace(text(t, ctx, "#tracker"))
	if len(tracker) != 19 {
		t.Fatalf("tracker %q", tracker)
	}
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/elections/"+e.ID), chromedp.WaitVisible(C("#voted")))

	if r := api.JSON("POST", "/api/v1/elections/"+e.ID+"/close", tok, ""); r.StatusCode != 200 {
		t.Fatalf("close: %d", r.StatusCode)
	}
	if r := api.JSON("POST", "/api/v1/elections/"+e.ID+"/publish", tok, ""); r.StatusCode != 200 {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(C("#results")))
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/elections/"+e.ID+"/bulletin"),
		chromedp.SendKeys(C("#f-tracker"), tracker),
		chromedp.Click(C(`form[role=search] button`)),
		chromedp.WaitVisible(C("#found")))
	if s := text(t, ctx, "#found"); !strings.Contains(s, tracker) {
		t.Fatalf("found row %q", s)
	}
	if n := len(get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))); n > 60_000 {
		t.Fatalf("bulletin page is %d bytes", n)
	}
}

// The quorum on the meeting page updates by itself while the meeting is on
// (htmx, under our CSP with eval off): the organizer marks a member present
// elsewhere, and the open page shows the new count without a reload.
func TestBrowserLiveQuorum(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Бастауыш ұйым")
	chair := env.NewPerson()
	env.Grant(chair, org, "moderator")
	tok, err := env.App.Auth.CreateToken(context.Background(), chair.User, "e2e", chair.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	member := env.NewPerson()
	env.Grant(member, org, "member")
	api := env.Client()
	start := env.Clock.Now().Add(-10 * time.Minute) // under way
	r := api.JSON("POST", "/api/v1/meetings", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Кеңес отырысы"},"kind":"council",
		"format":"in_person","address":"Орал","starts_at":%q,"ends_at":%q,"invite":"members"}`, org,
		start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
	var m struct{ ID string }
	if r.StatusCode != 201 || json.Unmarshal([]byte(r.Body), &m) != nil {
		t.Fatalf("meeting: %d %s", r.StatusCode, r.Body)
	}
	mtok, err := env.App.Auth.CreateToken(context.Background(), member.User, "e2e", member.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := api.JSON("PUT", "/api/v1/meetings/"+m.ID+"/registration", mtok, ""); r.StatusCode != 200 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/meetings/"+m.ID), chromedp.WaitVisible(C("#quorum")))
	if s := text(t, ctx, "#quorum"); !strings.Contains(s, "1 мүшенің 0") {
		t.Fatalf("quorum before: %q", s)
	}
	cc := env.Client()
	cc.SignIn(chair)
	if r := cc.PostForm("/kk/meetings/"+m.ID+"/attendance", url.Values{"user_id": {fmt.Sprint(member.User.ID)}}); r.StatusCode != 303 {
		t.Fatalf("mark present: %d", r.StatusCode)
	}
	deadline := time.Now().Add(12 * time.Second)
	for {
		s := text(t, ctx, "#quorum")
		if strings.Contains(s, "1 мүшенің 1") && strings.Contains(s, "Кворум бар") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the quorum did not update by itself: %q", s)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
