package calls_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Jurors declare relatives among a call's people: picked from the
// applicants they see, or typed (a full name in any script, or an email
// address) where the stage is blind. The answer is only "declared"; the
// assignment never gives them their relative's application, an unscored
// one already given goes to another juror (or is reported short to the
// organizers), and scoring it is refused. On both engines.
func TestJurorsDeclareRelatives(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Аудандық жастар орталығы")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		otok := token(t, env, organizer)
		svc := env.App.Calls
		now := env.Clock.Now()
		mk := func(blind bool) *calls.Call {
			c, err := svc.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "IT байқауы"},
				Form: []calls.Field{{Key: "idea", Label: i18n.Text{KK: "Идея"}, Type: "text", Required: true}},
				Stages: []calls.StageInput{{Title: i18n.Text{KK: "Іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour), Advance: 1,
					Blind: blind, PerApplication: 2, Criteria: []calls.Criterion{{Key: "idea", Title: i18n.Text{KK: "Идея"}, Weight: 1, Max: 10}}}}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := mk(false)
		st := c.Stages[0]
		var people []apptest.Person
		apps := map[int64]int64{} // user → application
		for i := range 5 {
			p := env.NewPerson()
			people = append(people, p)
			a, err := svc.Apply(ctx, p.User, c.ID, map[string]string{"idea": fmt.Sprintf("Идея %d", i)}, 0)
			if err != nil {
				t.Fatal(err)
			}
			apps[p.User.ID] = a.ID
		}
		execSQL(t, d, "UPDATE users SET name = 'Айгерім Бекова' WHERE id = ?", people[2].User.ID)
		var jurors []apptest.Person
		var jtok []string
		for range 3 {
			j := env.NewPerson()
			if err := svc.AddJuror(ctx, organizer.User, c.ID, st.ID, j.User.ID, 0, false); err != nil {
				t.Fatal(err)
			}
			jurors = append(jurors, j)
			jtok = append(jtok, token(t, env, j))
		}
		if _, err := svc.Assign(ctx, organizer.User, c.ID, st.ID); err != nil {
			t.Fatal(err)
		}
		assigned := func(j apptest.Person, p apptest.Person) bool {
			return count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?", st.ID, j.User.ID, apps[p.User.ID]) == 1
		}
		jurorsOf := func(p apptest.Person) int {
			return count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND application_id = ?", st.ID, apps[p.User.ID])
		}
		// Pick a juror assigned to people[0].
		var j0 int
		for i, j := range jurors {
			if assigned(j, people[0]) {
				j0 = i
				break
			}
		}
		path := fmt.Sprintf("/api/v1/calls/%d/relatives", c.ID)
		cl := env.Client()
		// Who may not declare, and bad input: refused, nothing stored.
		wantStatus(t, "not a juror", js(env, cl, "POST", path, otok, `{"email":"x@example.kz"}`), 403, "")
		wantStatus(t, "guest", js(env, cl, "POST", path, "", `{"email":"x@example.kz"}`), 401, "")
		wantStatus(t, "nothing", js(env, cl, "POST", path, jtok[j0], `{}`), 422, "Pick your relative, or write their full name or email address.")
		wantStatus(t, "one word", js(env, cl, "POST", path, jtok[j0], `{"name":"Айгерім"}`), 422, "first name and surname")
		wantStatus(t, "bad email", js(env, cl, "POST", path, jtok[j0], `{"email":"not an address"}`), 422, `"email"`)
		wantStatus(t, "self", js(env, cl, "POST", path, jtok[j0], fmt.Sprintf(`{"email":%q}`, strings.ToUpper(jurors[j0].Email))), 422, "cannot name yourself")
		stranger := env.NewPerson()
		wantStatus(t, "pick a stranger", js(env, cl, "POST", path, jtok[j0], fmt.Sprintf(`{"person_id":"%d"}`, stranger.User.ID)), 422, "Pick your relative from the people")
		if n := count(t, d, "SELECT COUNT(*) FROM call_relatives"); n != 0 {
			t.Fatalf("refused declarations stored %d rows", n)
		}

		// A pick: the juror's assignment goes to the juror who lacked it; K kept.
		r := decode[calls.RelativeOut](t, js(env, cl, "POST", path, jtok[j0], fmt.Sprintf(`{"person_id":"%d"}`, people[0].User.ID)), 201)
		if !r.Declared || strings.Contains(fmt.Sprint(r), fmt.Sprint(apps[people[0].User.ID])) {
			t.Fatalf("answer %+v", r)
		}
		if assigned(jurors[j0], people[0]) || jurorsOf(people[0]) != 2 {
			t.Fatalf("after the pick: still assigned %v, %d jurors", assigned(jurors[j0], people[0]), jurorsOf(people[0]))
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = 'calls.relative.declare' AND actor_id = ?", jurors[j0].User.ID); n != 1 {
			t.Fatalf("audit entries %d", n)
		}
		// Twice is harmless.
		decode[calls.RelativeOut](t, js(env, cl, "POST", path, jtok[j0], fmt.Sprintf(`{"person_id":"%d"}`, people[0].User.ID)), 201)
		// Scoring the relative is refused even through a stored assignment.
		execSQL(t, d, "INSERT INTO call_assignments (stage_id, juror_id, application_id) VALUES (?, ?, ?)", st.ID, jurors[j0].User.ID, apps[people[0].User.ID])
		wantStatus(t, "score a relative", js(env, cl, "PUT", fmt.Sprintf("/api/v1/applications/%d/scores", apps[people[0].User.ID]), jtok[j0],
			fmt.Sprintf(`{"stage_id":"%d","scores":{"idea":9}}`, st.ID)), 409, "You cannot score this application")
		execSQL(t, d, "DELETE FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?", st.ID, jurors[j0].User.ID, apps[people[0].User.ID])

		// A name typed in Latin letters matches the Cyrillic one; a juror who
		// scored already keeps the sheet but may not change it.
		var j2 int = -1
		for i, j := range jurors {
			if assigned(j, people[2]) {
				j2 = i
			}
		}
		wantStatus(t, "score before", js(env, cl, "PUT", fmt.Sprintf("/api/v1/applications/%d/scores", apps[people[2].User.ID]), jtok[j2],
			fmt.Sprintf(`{"stage_id":"%d","scores":{"idea":7}}`, st.ID)), 200, "")
		wantStatus(t, "typed name", js(env, cl, "POST", path, jtok[j2], `{"name":"  aigerim   BEKOVA "}`), 201, `{"declared":true}`)
		if !assigned(jurors[j2], people[2]) {
			t.Fatal("a scored assignment was taken back")
		}
		wantStatus(t, "rescore", js(env, cl, "PUT", fmt.Sprintf("/api/v1/applications/%d/scores", apps[people[2].User.ID]), jtok[j2],
			fmt.Sprintf(`{"stage_id":"%d","scores":{"idea":8}}`, st.ID)), 409, "You cannot score this application")

		// Someone who applies after the declaration is caught by the next assignment.
		late := env.NewPerson()
		decode[calls.RelativeOut](t, js(env, cl, "POST", path, jtok[0], fmt.Sprintf(`{"email":%q}`, strings.ToUpper(late.Email))), 201)
		la, err := svc.Apply(ctx, late.User, c.ID, map[string]string{"idea": "Кеш"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Assign(ctx, organizer.User, c.ID, st.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?", st.ID, jurors[0].User.ID, la.ID); n != 0 ||
			count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ? AND application_id = ?", st.ID, la.ID) != 2 {
			t.Fatal("the assignment gave a declared relative who applied later to the juror")
		}

		// Two jurors related to one person: only the third may judge them, so
		// the application is left with one juror and the organizers are told.
		target := people[4]
		for i := range jurors {
			if i == 2 {
				continue
			}
			if _, err := svc.DeclareRelative(ctx, jurors[i].User, c.ID, calls.RelativeInput{Email: target.Email}); err != nil {
				t.Fatal(err)
			}
		}
		if jurorsOf(target) != 1 || !assigned(jurors[2], target) {
			t.Fatalf("%d jurors for the doubly related application", jurorsOf(target))
		}
		oc := env.Client()
		oc.SignIn(organizer)
		page := oc.Get(fmt.Sprintf("/en/calls/%d/stages/%d", c.ID, st.ID))
		if !strings.Contains(page.Body, `id="short-warning"`) || !strings.Contains(page.Body, "1 application has fewer than 2 jurors") {
			t.Fatalf("no warning for the organizers: %d", page.StatusCode)
		}

		// The page: the juror sees the applicants to pick from (not blind),
		// and what they declared.
		jc := env.Client()
		jc.SignIn(jurors[1])
		pg := jc.Get(fmt.Sprintf("/en/calls/%d/relatives", c.ID))
		if pg.StatusCode != 200 || !strings.Contains(pg.Body, `id="pick-form"`) || !strings.Contains(pg.Body, people[3].User.Name) || !strings.Contains(pg.Body, target.Email) {
			t.Fatalf("juror's page: %d", pg.StatusCode)
		}
		if r := jc.PostForm(fmt.Sprintf("/en/calls/%d/relatives", c.ID), url.Values{"op": {"pick"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-person"`) {
			t.Fatalf("pick nothing: %d", r.StatusCode)
		}
		if r := jc.PostForm(fmt.Sprintf("/en/calls/%d/relatives", c.ID), url.Values{"name": {"Aigerim"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-name"`) ||
			!strings.Contains(r.Body, `value="Aigerim"`) {
			t.Fatalf("one word on the page: %d", r.StatusCode)
		}
		if r := jc.PostForm(fmt.Sprintf("/en/calls/%d/relatives", c.ID), url.Values{"op": {"pick"}, "person_id": {fmt.Sprint(people[3].User.ID)}}); r.StatusCode != 303 {
			t.Fatalf("pick on the page: %d", r.StatusCode)
		}
		if assigned(jurors[1], people[3]) {
			t.Fatal("the page's pick kept the assignment")
		}
		sc := env.Client()
		sc.SignIn(stranger)
		if r := sc.Get(fmt.Sprintf("/en/calls/%d/relatives", c.ID)); r.StatusCode != 403 {
			t.Fatalf("a non-juror's page: %d", r.StatusCode)
		}

		// A blind stage: no names to pick from; a pick by id is refused; typed works.
		bc := mk(true)
		bp := env.NewPerson()
		if _, err := svc.Apply(ctx, bp.User, bc.ID, map[string]string{"idea": "Соқыр"}, 0); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddJuror(ctx, organizer.User, bc.ID, bc.Stages[0].ID, jurors[1].User.ID, 0, false); err != nil {
			t.Fatal(err)
		}
		pg = jc.Get(fmt.Sprintf("/en/calls/%d/relatives", bc.ID))
		if pg.StatusCode != 200 || strings.Contains(pg.Body, `id="pick-form"`) || strings.Contains(pg.Body, bp.User.Name) || !strings.Contains(pg.Body, `id="typed-form"`) {
			t.Fatalf("blind juror's page: %d", pg.StatusCode)
		}
		if _, err := svc.DeclareRelative(ctx, jurors[1].User, bc.ID, calls.RelativeInput{PersonID: bp.User.ID}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("a pick at a blind stage: %v", err)
		}
		r2 := jc.PostForm(fmt.Sprintf("/en/calls/%d/relatives", bc.ID), url.Values{"email": {bp.Email}})
		if r2.StatusCode != 303 {
			t.Fatalf("typed on the blind page: %d", r2.StatusCode)
		}
		after := jc.Get(fmt.Sprintf("/en/calls/%d/relatives", bc.ID))
		if !strings.Contains(after.Body, "Declared.") || strings.Contains(after.Body, bp.User.Name) {
			t.Fatal("the blind page said more than declared")
		}
		// Declarations are shown back only to their juror.
		if n := count(t, d, "SELECT COUNT(*) FROM call_relatives WHERE call_id = ?", bc.ID); n != 1 {
			t.Fatalf("blind declarations %d", n)
		}
	})
}
