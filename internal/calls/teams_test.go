package calls_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Team applications: a team of min–max people, invited by email (or
// Telegram when linked) through the outbox, each confirming with an
// account of the invited address; a team of the wrong size is refused;
// the team enters the stage when the minimum confirmed, once, also when
// the last confirmations race; everyone in it counts for "one
// application per person per call".
func TestTeamApplications(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "IT-хаб")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		otok := token(t, env, organizer)
		c := env.Client()
		now := env.Clock.Now()
		body := func(team string) string {
			return fmt.Sprintf(`{"organization_id":"%d","kind":"contest","title":{"kk":"Хакатон"},"form":[{"key":"idea","label":{"kk":"Идея"},"type":"long_text","required":true}],
			%s"stages":[{"title":{"kk":"Іріктеу"},"opens_at":%q,"closes_at":%q,"criteria":[{"key":"idea","title":{"kk":"Идея"},"weight":1,"max":10}],"advance":2}]}`,
				org, team, now.Add(-time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339))
		}
		wantStatus(t, "team of zero", js(env, c, "POST", "/api/v1/calls", otok, body(`"team":{"min":0,"max":0},`)), 422, `"team.max"`)
		wantStatus(t, "team of sixty", js(env, c, "POST", "/api/v1/calls", otok, body(`"team":{"min":2,"max":60},`)), 422, `"team.max"`)
		wantStatus(t, "min above max", js(env, c, "POST", "/api/v1/calls", otok, body(`"team":{"min":4,"max":3},`)), 422, `"team.max"`)
		call := decode[calls.CallOut](t, js(env, c, "POST", "/api/v1/calls", otok, body(`"team":{"min":3,"max":4},`)), 201)
		if call.Team == nil || call.Team.Min != 3 || call.Team.Max != 4 {
			t.Fatalf("team %+v", call.Team)
		}
		path := "/api/v1/calls/" + call.ID + "/applications"
		leader, m1, m2, loner, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		ltok := token(t, env, leader)
		apply := func(members ...string) *apptest.Response {
			return js(env, c, "POST", path, ltok, fmt.Sprintf(`{"answers":{"idea":"Ауыл мектептеріне арналған бот"},"members":["%s"]}`, strings.Join(members, `","`)))
		}
		wantStatus(t, "five people", apply(m1.Email, m2.Email, loner.Email, "a@example.kz"), 422, "A team has 3 to 4 people, you included; this one has 5.")
		wantStatus(t, "two people", apply(m1.Email), 422, "this one has 2")
		wantStatus(t, "twice", apply(m1.Email, strings.ToUpper(m1.Email)), 422, "is listed twice")
		wantStatus(t, "own address", apply(m1.Email, leader.Email), 422, "is listed twice")
		wantStatus(t, "not an address", apply(m1.Email, "Асқар <asqar@example.kz>"), 422, "Not a valid email address")
		if n := count(t, d, "SELECT COUNT(*) FROM call_applications") + count(t, d, "SELECT COUNT(*) FROM call_team_members"); n != 0 {
			t.Fatalf("refused teams stored %d rows", n)
		}
		// Alone is below the minimum.
		wantStatus(t, "alone", js(env, c, "POST", path, token(t, env, loner), `{"answers":{"idea":"Жалғыз"}}`), 422, `"members"`)

		// A team of four: two with accounts, the loner, one address without an account.
		out := decode[calls.ApplicationOut](t, apply(m1.Email, m2.Email, loner.Email), 201)
		if out.Status != "awaiting_team" {
			t.Fatalf("status %q", out.Status)
		}
		var appID int64
		fmt.Sscan(out.ID, &appID)
		inv := env.Mail.WaitFor(t, m1.Email, 10*time.Second)
		if !strings.Contains(inv.Subject, "Хакатон") || !strings.Contains(inv.Text, leader.User.Name) || !strings.Contains(inv.Text, fmt.Sprintf("/calls/%s#invitations", call.ID)) {
			t.Fatalf("invitation: %s\n%s", inv.Subject, inv.Text)
		}
		env.Mail.WaitFor(t, loner.Email, 10*time.Second)
		if n := count(t, d, "SELECT COUNT(*) FROM call_entries WHERE application_id = ?", appID); n != 0 {
			t.Fatalf("an incomplete team entered the stage")
		}

		answer := func(p apptest.Person, accept bool) *apptest.Response {
			return js(env, c, "POST", fmt.Sprintf("/api/v1/applications/%d/team", appID), token(t, env, p), fmt.Sprintf(`{"accept":%v}`, accept))
		}
		wantStatus(t, "not invited", answer(stranger, true), 404, "no such invitation")
		wantStatus(t, "m1 joins", answer(m1, true), 200, `"confirmed"`)
		wantStatus(t, "m1 again", answer(m1, true), 409, "already been answered")
		if st, _ := env.App.Calls.TeamStatus(ctx, appID); st != "awaiting_team" {
			t.Fatalf("two of three: %s", st)
		}
		// m1 is in the call now: no application of their own.
		wantStatus(t, "m1 alone", js(env, c, "POST", path, token(t, env, m1), `{"answers":{"idea":"x"},"members":["x@example.kz","y@example.kz"]}`), 409, "another application")

		// m2 joins on the call's page (no script): the team is complete and enters the stage.
		mc := env.Client()
		mc.SignIn(m2)
		page := mc.Get("/en/calls/" + call.ID)
		if !strings.Contains(page.Body, `id="invitations"`) || !strings.Contains(page.Body, leader.User.Name+" invites you") {
			t.Fatalf("the invitation on the page: %d", page.StatusCode)
		}
		if r := mc.PostForm(fmt.Sprintf("/en/calls/%s/invitations/%d", call.ID, appID), url.Values{"answer": {"accept"}}); r.StatusCode != 303 {
			t.Fatalf("joining on the page: %d %s", r.StatusCode, r.Body)
		}
		if r := mc.Get("/en/calls/" + call.ID); !strings.Contains(r.Body, `id="in-team"`) || strings.Contains(r.Body, `id="apply-form"`) {
			t.Fatal("a member who joined is still offered the apply form")
		}
		if st, _ := env.App.Calls.TeamStatus(ctx, appID); st != "submitted" || count(t, d, "SELECT COUNT(*) FROM call_entries WHERE application_id = ?", appID) != 1 {
			t.Fatalf("complete team: %s", st)
		}
		// The leader sees the team, with names of those who confirmed.
		lc := env.Client()
		lc.SignIn(leader)
		if r := lc.Get("/en/calls/" + call.ID); !strings.Contains(r.Body, m2.User.Name) || !strings.Contains(r.Body, loner.Email) || strings.Contains(r.Body, `id="awaiting-team"`) {
			t.Fatal("the leader's view of the team")
		}
		// The loner declines; a fourth confirmation would not enter the stage twice anyway.
		wantStatus(t, "loner declines", answer(loner, false), 200, `"declined"`)
		wantStatus(t, "loner then accepts", answer(loner, true), 409, "already been answered")
		// For awards, the participants are the leader and those who confirmed.
		ps, err := env.App.Calls.Participants(ctx, mustID(t, call.ID))
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]bool{}
		for _, p := range ps {
			got[p.UserID] = true
		}
		if len(ps) != 3 || !got[leader.User.ID] || !got[m1.User.ID] || !got[m2.User.ID] {
			t.Fatalf("participants %+v", ps)
		}

		// Races: a team of three whose two members confirm at once enters once; one
		// person confirming 16 times at once is confirmed once.
		l2, a, b := env.NewPerson(), env.NewPerson(), env.NewPerson()
		out2 := decode[calls.ApplicationOut](t, js(env, c, "POST", path, token(t, env, l2), fmt.Sprintf(`{"answers":{"idea":"Екінші"},"members":["%s","%s"]}`, a.Email, b.Email)), 201)
		var app2 int64
		fmt.Sscan(out2.ID, &app2)
		var wg sync.WaitGroup
		results := make(chan error, 40)
		for i := range 34 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := a
				if i%2 == 1 {
					p = b
				}
				_, err := env.App.Calls.AnswerInvitation(ctx, p.User, app2, true)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		ok, conflicts := 0, 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errs.CodeOf(err) == errs.Conflict:
				conflicts++
			default:
				t.Fatalf("race: %v", err)
			}
		}
		if ok != 2 || conflicts != 32 || count(t, d, "SELECT COUNT(*) FROM call_entries WHERE application_id = ?", app2) != 1 ||
			count(t, d, "SELECT COUNT(*) FROM call_participants WHERE application_id = ?", app2) != 3 {
			t.Fatalf("race: %d confirmed, %d conflicts", ok, conflicts)
		}
		// An ineligible member (a minor without consent) cannot join.
		l3, minor := env.NewPerson(), env.NewPerson("minor")
		out3 := decode[calls.ApplicationOut](t, js(env, c, "POST", path, token(t, env, l3), fmt.Sprintf(`{"answers":{"idea":"Үшінші"},"members":["%s","z@example.kz"]}`, minor.Email)), 201)
		var app3 int64
		fmt.Sscan(out3.ID, &app3)
		if _, err := env.App.Calls.AnswerInvitation(ctx, minor.User, app3, true); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("a minor without consent joined: %v", err)
		}
	})
}

// The applicant of a team replaces a member who declined or has not
// answered while the call takes applications, or invites one more below
// the maximum; the team counts as complete only when its confirmed
// members reach the minimum. Replacing a confirmed member, inviting
// someone already in another application of the call, going over the
// maximum, anyone but the applicant, and anything after applications
// close are refused with nothing changed. On both engines.
func TestReplacingATeamMember(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "IT-хаб")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		c := env.Client()
		now := env.Clock.Now()
		call := decode[calls.CallOut](t, js(env, c, "POST", "/api/v1/calls", token(t, env, organizer), fmt.Sprintf(`{"organization_id":"%d","kind":"contest",
			"title":{"kk":"Хакатон"},"form":[{"key":"idea","label":{"kk":"Идея"},"type":"text","required":true}],"team":{"min":3,"max":3},
			"stages":[{"title":{"kk":"Іріктеу"},"opens_at":%q,"closes_at":%q,"criteria":[{"key":"idea","title":{"kk":"Идея"},"weight":1,"max":10}],"advance":1}]}`,
			org, now.Add(-time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339))), 201)
		path := "/api/v1/calls/" + call.ID + "/applications"
		leader, m1, m2, m3, m4 := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		ltok := token(t, env, leader)
		out := decode[calls.ApplicationOut](t, js(env, c, "POST", path, ltok, fmt.Sprintf(`{"answers":{"idea":"Бот"},"members":[%q,%q]}`, m1.Email, m2.Email)), 201)
		appID := mustID(t, out.ID)
		answer := func(p apptest.Person, accept bool) *apptest.Response {
			return js(env, c, "POST", "/api/v1/applications/"+out.ID+"/team", token(t, env, p), fmt.Sprintf(`{"accept":%v}`, accept))
		}
		wantStatus(t, "m2 declines", answer(m2, false), 200, `"declined"`)
		// Another team of the call, with a confirmed member.
		l2, a := env.NewPerson(), env.NewPerson()
		out2 := decode[calls.ApplicationOut](t, js(env, c, "POST", path, token(t, env, l2), fmt.Sprintf(`{"answers":{"idea":"Сайт"},"members":[%q,"z@example.kz"]}`, a.Email)), 201)
		wantStatus(t, "a joins the other team", js(env, c, "POST", "/api/v1/applications/"+out2.ID+"/team", token(t, env, a), `{"accept":true}`), 200, "")

		invite := func(tok, email, replace string) *apptest.Response {
			return js(env, c, "POST", fmt.Sprintf("/api/v1/applications/%d/team/members", appID), tok, fmt.Sprintf(`{"email":%q,"replace":%q}`, email, replace))
		}
		rows := func() int {
			return count(t, d, "SELECT COUNT(*) FROM call_team_members WHERE application_id = ?", appID)
		}
		wantStatus(t, "not the applicant", invite(token(t, env, m1), m3.Email, m2.Email), 403, "Only the person who applied")
		wantStatus(t, "not an address", invite(ltok, "m3 at example", m2.Email), 422, "Not a valid email address")
		wantStatus(t, "in another team", invite(ltok, strings.ToUpper(l2.Email), m2.Email), 409, "already in another application")
		wantStatus(t, "a confirmed member of another team", invite(ltok, a.Email, m2.Email), 409, "already in another application")
		wantStatus(t, "already in this team", invite(ltok, m1.Email, m2.Email), 422, "is listed twice")
		wantStatus(t, "one's own address", invite(ltok, leader.Email, m2.Email), 422, "is listed twice")
		wantStatus(t, "not invited", invite(ltok, m3.Email, "nobody@example.kz"), 404, "was not invited to this team")
		if rows() != 2 {
			t.Fatalf("refused invitations changed the team: %d rows", rows())
		}
		// m3 takes the declined m2's place and is told.
		wantStatus(t, "replace m2", invite(ltok, m3.Email, m2.Email), 201, `"invited"`)
		waitMail(t, env, m3.Email, "Хакатон", "/calls/"+call.ID+"#invitations")
		// The team is full: confirmed and invited, the applicant included.
		wantStatus(t, "over the maximum", invite(ltok, m4.Email, ""), 422, "at most 3 people")
		// m1 confirms: a confirmed member is never replaced.
		wantStatus(t, "m1 joins", answer(m1, true), 200, `"confirmed"`)
		wantStatus(t, "replace a confirmed member", invite(ltok, m4.Email, m1.Email), 409, "has confirmed")
		if st, _ := env.App.Calls.TeamStatus(ctx, appID); st != "awaiting_team" {
			t.Fatalf("two confirmed of three: %s", st)
		}
		// m3 does not answer; on the page, m4 takes m3's place. m3's invitation is gone.
		lc := env.Client()
		lc.SignIn(leader)
		page := lc.Get("/en/calls/" + call.ID)
		if !strings.Contains(page.Body, `id="replace-`) || strings.Contains(page.Body, `id="add-member-form"`) {
			t.Fatal("the applicant's page has no replace form, or offers to go over the maximum")
		}
		if r := lc.PostForm(fmt.Sprintf("/en/calls/%s/applications/%d/team", call.ID, appID), url.Values{"email": {m4.Email}, "replace": {m1.Email}}); r.StatusCode != 409 ||
			!strings.Contains(r.Body, `id="team-error"`) || !strings.Contains(r.Body, "has confirmed") {
			t.Fatalf("replacing a confirmed member on the page: %d", r.StatusCode)
		}
		if r := lc.PostForm(fmt.Sprintf("/en/calls/%s/applications/%d/team", call.ID, appID), url.Values{"email": {m4.Email}, "replace": {m3.Email}}); r.StatusCode != 303 {
			t.Fatalf("replacing on the page: %d %s", r.StatusCode, r.Body)
		}
		wantStatus(t, "the replaced m3 accepts", answer(m3, true), 404, "no such invitation")
		wantStatus(t, "m4 joins", answer(m4, true), 200, `"confirmed"`)
		if st, _ := env.App.Calls.TeamStatus(ctx, appID); st != "submitted" || count(t, d, "SELECT COUNT(*) FROM call_entries WHERE application_id = ?", appID) != 1 {
			t.Fatalf("complete team: %s", st)
		}
		// After applications close: refused, nothing changed.
		env.Clock.Advance(49 * time.Hour)
		l3 := env.NewPerson()
		before := rows()
		wantStatus(t, "after the close", invite(ltok, l3.Email, ""), 409, "Applications to this call are closed.")
		if rows() != before || count(t, d, "SELECT COUNT(*) FROM call_team_members WHERE email = ?", l3.Email) != 0 {
			t.Fatal("an invitation after the close was stored")
		}
	})
}

// Sixteen invitations at once to a team with one free place: one is
// stored, the others refused as over the maximum. On both engines.
func TestTeamInvitationsRaceForTheLastPlace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "IT-хаб")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		now := env.Clock.Now()
		c, err := env.App.Calls.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "Хакатон"}, TeamMin: 2, TeamMax: 3,
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1,
				Criteria: []calls.Criterion{{Key: "idea", Title: i18n.Text{KK: "Идея"}, Weight: 1, Max: 10}}}}})
		if err != nil {
			t.Fatal(err)
		}
		leader := env.NewPerson()
		a, err := env.App.Calls.Submit(ctx, leader.User, c.ID, calls.ApplyInput{Members: []string{"first@example.kz"}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- env.App.Calls.InviteMember(ctx, leader.User, a.ID, fmt.Sprintf("m%d@example.kz", i), "")
			}()
		}
		wg.Wait()
		close(results)
		ok, full := 0, 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errs.CodeOf(err) == errs.Invalid:
				full++
			default:
				t.Fatalf("race: %v", err)
			}
		}
		if ok != 1 || full != 15 || count(t, d, "SELECT COUNT(*) FROM call_team_members WHERE application_id = ?", a.ID) != 2 {
			t.Fatalf("race: %d stored, %d refused", ok, full)
		}
	})
}
