package courses_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// A waiting person takes themselves off the waiting list on the page;
// those behind keep their order (moving up by one). A person holding an
// offer leaves through the API; the seat passes to the next in line.
func TestWaitingPeopleRemoveThemselves(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Достық үйі")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		c, _ := newCourse(t, env, org, boss, 1, 30, nil)
		svc := env.App.Courses
		a, b, cc, dd := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{a, b, cc, dd} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		mine := func(p apptest.Person) *courses.Enrolment {
			t.Helper()
			e, err := svc.Mine(ctx, p.User, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		page := fmt.Sprintf("/en/courses/%d", c.ID)
		// b (first waiting) sees the waiting-list wording and leaves by the form.
		bc := env.Client()
		bc.SignIn(b)
		if r := bc.Get(page); r.StatusCode != 200 || !strings.Contains(r.Body, "Leave the waiting list") {
			t.Fatalf("b's page: %d %.300s", r.StatusCode, r.Body)
		}
		if r := bc.PostForm(page+"/leave", nil); r.StatusCode != 303 {
			t.Fatalf("b leaves: %d %.500s", r.StatusCode, r.Body)
		}
		if e := mine(b); e.Status != "" {
			t.Fatalf("b still on the list: %+v", e)
		}
		if e := mine(cc); e.Status != courses.Waiting || e.Position != 1 {
			t.Fatalf("c after b left: %+v", e)
		}
		if e := mine(dd); e.Status != courses.Waiting || e.Position != 2 {
			t.Fatalf("d after b left: %+v", e)
		}
		// Leaving frees no seat: a keeps it, nobody is offered anything.
		if got, _ := svc.Get(ctx, c.ID); got.SeatsTaken != 1 || got.Waiting != 2 {
			t.Fatalf("taken %d waiting %d", got.SeatsTaken, got.Waiting)
		}
		// A second removal is refused, and changes nothing.
		if r := bc.PostForm(page+"/leave", nil); r.StatusCode != 404 {
			t.Fatalf("b leaves twice: %d", r.StatusCode)
		}
		// a leaves: c is offered the seat; c leaves through the API while
		// holding the offer, and the seat passes to d.
		if err := svc.Leave(ctx, a.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if e := mine(cc); e.Status != courses.Offered {
			t.Fatalf("c not offered: %+v", e)
		}
		cl := env.Client()
		ctok := token(t, env, cc)
		// Nobody removes another person but the organizers.
		if r := cl.JSON("DELETE", fmt.Sprintf("/api/v1/courses/%d/enrolments/%d", c.ID, dd.User.ID), ctok, ""); r.StatusCode != 403 {
			t.Fatalf("c removes d: %d %s", r.StatusCode, r.Body)
		}
		if r := cl.JSON("DELETE", fmt.Sprintf("/api/v1/courses/%d/enrolments/%d", c.ID, cc.User.ID), ctok, ""); r.StatusCode != 200 {
			t.Fatalf("c leaves: %d %s", r.StatusCode, r.Body)
		}
		if e := mine(cc); e.Status != "" {
			t.Fatalf("c still there: %+v", e)
		}
		if e := mine(dd); e.Status != courses.Offered {
			t.Fatalf("d not offered after c left: %+v", e)
		}
		if got, _ := svc.Get(ctx, c.ID); got.SeatsTaken != 1 || got.Waiting != 0 {
			t.Fatalf("taken %d waiting %d", got.SeatsTaken, got.Waiting)
		}
		waitMail(t, env, dd.Email, "/courses/")
	})
}

// The course page's sessions table says how each session stands: planned,
// under way, past, or cancelled — read against the installation's clock.
func TestSessionStatesOnTheCoursePage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Жастар орталығы")
		c, ss := newCourse(t, env, org, boss, 10, 10, nil)
		if len(ss) < 3 {
			t.Fatalf("%d sessions, want at least 3", len(ss))
		}
		if err := env.App.Courses.CancelSession(context.Background(), boss.User, ss[2].ID); err != nil {
			t.Fatal(err)
		}
		g := env.Client()
		state := func(i int) string {
			t.Helper()
			r := g.Get(fmt.Sprintf("/en/courses/%d", c.ID))
			if r.StatusCode != 200 {
				t.Fatalf("page: %d", r.StatusCode)
			}
			_, row, ok := strings.Cut(r.Body, fmt.Sprintf(`id="s-%d"`, ss[i].ID))
			row, _, _ = strings.Cut(row, "</tr>")
			if !ok {
				t.Fatalf("no row for session %d", i)
			}
			return row
		}
		want := func(i int, s string) {
			t.Helper()
			if row := state(i); !strings.Contains(row, "<td>"+s+"</td>") && !strings.Contains(row, `<span class="muted">`+s+`</span>`) {
				t.Fatalf("session %d: want %q in %s", i, s, row)
			}
		}
		want(0, "planned")
		want(1, "planned")
		want(2, "cancelled")
		env.Clock.Advance(ss[0].StartsAt.Add(time.Minute).Sub(env.Clock.Now()))
		want(0, "under way")
		want(1, "planned")
		env.Clock.Advance(ss[0].EndsAt.Sub(env.Clock.Now()))
		want(0, "past")
		want(2, "cancelled")
	})
}
