package calls_test

import (
	"context"
	"fmt"
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

// Each holding publishes its results at its own time: until then guests,
// other holdings and the applicants themselves see nothing of them, and
// those advanced are told at that time; the call's organizers and the
// holding's own moderators see them at once.
func TestPerHoldingPublication(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		region := env.NewOrg(0, "Облыс")
		dA, dB := env.NewOrg(region, "Бірінші аудан"), env.NewOrg(region, "Екінші аудан")
		organizer, modA, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(organizer, region, "moderator")
		env.Grant(modA, dA, "moderator")
		now := env.Clock.Now()
		svc := env.App.Calls
		c, err := svc.Create(ctx, organizer.User, calls.Input{OrgID: region, Kind: "festival", Title: i18n.Text{KK: "Достық керуені"},
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Аудандық кезең"}, Hosts: []int64{dA, dB}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour),
				Advance: 1, PerApplication: 1, Criteria: []calls.Criterion{{Key: "art", Title: i18n.Text{KK: "Шеберлік"}, Weight: 1, Max: 10}}}}})
		if err != nil {
			t.Fatal(err)
		}
		st := c.Stages[0]
		apps := map[int64][]apptest.Person{}
		var jurors []apptest.Person
		for _, h := range []int64{dA, dB} {
			for range 2 {
				p := env.NewPerson()
				if _, err := svc.Apply(ctx, p.User, c.ID, nil, h); err != nil {
					t.Fatal(err)
				}
				apps[h] = append(apps[h], p)
			}
			j := env.NewPerson()
			if err := svc.AddJuror(ctx, organizer.User, c.ID, st.ID, j.User.ID, h, false); err != nil {
				t.Fatal(err)
			}
			jurors = append(jurors, j)
		}
		if _, err := svc.Assign(ctx, organizer.User, c.ID, st.ID); err != nil {
			t.Fatal(err)
		}
		for _, j := range jurors {
			_, _, as, err := svc.Assignments(ctx, j.User, c.ID, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range as {
				if _, err := svc.Score(ctx, j.User, a.ApplicationID, st.ID, map[string]float64{"art": float64(5 + i)}, ""); err != nil {
					t.Fatal(err)
				}
			}
		}

		later := now.Add(48 * time.Hour)
		early := now.Add(time.Hour)
		if err := svc.SetPublication(ctx, stranger.User, c.ID, st.ID, dA, &later); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a stranger sets the time: %v", err)
		}
		if err := svc.SetPublication(ctx, modA.User, c.ID, st.ID, dB, &later); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("A's moderator sets B's time: %v", err)
		}
		if err := svc.SetPublication(ctx, modA.User, c.ID, st.ID, dA, &early); !hasField(err, "publish_at") {
			t.Fatalf("a time before the close: %v", err)
		}
		if err := svc.SetPublication(ctx, modA.User, c.ID, st.ID, dA, &later); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPublication(ctx, organizer.User, c.ID, st.ID, dB, &later); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPublication(ctx, organizer.User, c.ID, st.ID, dB, nil); err != nil { // B: at the close after all
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, organizer.User, c.ID, st.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPublication(ctx, organizer.User, c.ID, st.ID, dA, nil); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("changed after the close: %v", err)
		}

		cl := env.Client()
		results := func(tok string) calls.ResultsOut {
			return decode[calls.ResultsOut](t, js(env, cl, "GET", fmt.Sprintf("/api/v1/calls/%d/stages/%d/results", c.ID, st.ID), tok, ""), 200)
		}
		holdings := func(out calls.ResultsOut) string {
			seen := map[string]bool{}
			for _, r := range out.Items {
				seen[r.HoldingID] = true
			}
			var hs []string
			for _, h := range out.Report.Holdings {
				hs = append(hs, h.Holding)
			}
			return fmt.Sprintf("%v/%v/%v", seen[fmt.Sprint(dA)], seen[fmt.Sprint(dB)], strings.Join(hs, ","))
		}
		if got := holdings(results("")); got != fmt.Sprintf("false/true/%d", dB) {
			t.Fatalf("a guest before A publishes: %s", got)
		}
		if got := holdings(results(token(t, env, stranger))); !strings.HasPrefix(got, "false/true") {
			t.Fatalf("a stranger before A publishes: %s", got)
		}
		for _, p := range []apptest.Person{organizer, modA} {
			if got := holdings(results(token(t, env, p))); !strings.HasPrefix(got, "true/true") {
				t.Fatalf("%s before A publishes: %s", p.Email, got)
			}
		}
		// A's applicants: in progress; the advanced one is told at A's time.
		if c, err = svc.Get(ctx, c.ID); err != nil || !c.Stages[0].Closed() {
			t.Fatalf("closed call: %v", err)
		}
		a0, _ := svc.ApplicationOf(ctx, apps[dA][0].User, c.ID)
		b0, _ := svc.ApplicationOf(ctx, apps[dB][0].User, c.ID)
		if standing, _ := svc.Standing(ctx, c, b0); standing[0].Result == nil {
			t.Fatal("an applicant of B sees no result at the close")
		}
		standing, err := svc.Standing(ctx, c, a0)
		if err != nil || standing[0].Result != nil {
			t.Fatalf("an applicant of A sees a result before it is published: %+v %v", standing[0].Result, err)
		}
		var dueA, dueB int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE user_id IN (?, ?) AND due_at > ?`, apps[dA][0].User.ID, apps[dA][1].User.ID, now.Add(47*time.Hour)).Scan(&dueA); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE user_id IN (?, ?)`, apps[dB][0].User.ID, apps[dB][1].User.ID).Scan(&dueB); err != nil {
			t.Fatal(err)
		}
		if dueA != 1 || dueB != 1 {
			t.Fatalf("messages: %d of A's wait for A's time (want 1), %d of B's (want 1)", dueA, dueB)
		}
		page := cl.Get(fmt.Sprintf("/en/calls/%d/stages/%d", c.ID, st.ID))
		if !strings.Contains(page.Body, fmt.Sprintf(`id="pending-%d"`, dA)) || strings.Contains(page.Body, fmt.Sprintf(`id="pending-%d"`, dB)) {
			t.Fatal("the stage page does not say A's results are pending")
		}

		env.Clock.Advance(49 * time.Hour)
		if got := holdings(results("")); !strings.HasPrefix(got, "true/true") {
			t.Fatalf("a guest after A publishes: %s", got)
		}
		if standing, _ := svc.Standing(ctx, c, a0); standing[0].Result == nil {
			t.Fatal("the applicant of A still sees nothing after publication")
		}
	})
}
