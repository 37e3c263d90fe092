package courses_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

func argOf(err error, name string) any {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return nil
	}
	a := e.Fields[0].Args
	for i := 0; i+1 < len(a); i += 2 {
		if a[i] == name {
			return a[i+1]
		}
	}
	return nil
}

// An organizer edits a course: capacity below the enrolled (or the seats
// held) is refused saying how many; a raise offers the seats to the
// waiting list in order; a new schedule replaces only the sessions to
// come — those held stay with their attendance — and the enrolled are
// told; texts, teachers, reminder hours change; every edit is in the audit
// log; nobody else may edit.
func TestEditCourse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Шеберлер үйі")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		teacher := env.NewPerson()
		env.Grant(teacher, org, "member")
		now := env.Clock.Now()
		// Every day at 18:00 from three days ago for two weeks.
		c, ss := newCourse(t, env, org, boss, 2, 14, func(in *courses.NewCourse) {
			in.Schedule.From = day(now, -3)
			in.Teachers = []int64{teacher.User.ID}
		})
		svc := env.App.Courses
		a, b, w1, w2 := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{a, b, w1, w2} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		var held []courses.Session
		for _, se := range ss {
			if se.StartsAt.Before(now) {
				held = append(held, se)
			}
		}
		if len(held) != 3 {
			t.Fatalf("%d sessions held, want 3", len(held))
		}
		if err := svc.Mark(ctx, teacher.User, held[0].ID, a.User.ID, "present"); err != nil {
			t.Fatal(err)
		}
		edit := func(u apptest.Person, change func(*courses.NewCourse)) (*courses.Changes, error) {
			t.Helper()
			cur, err := svc.Get(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := cur.Editable()
			change(&in)
			_, ch, err := svc.Update(ctx, u.User, c.ID, in)
			return ch, err
		}

		// Nobody but the organizers edits: not a teacher, not a learner.
		for _, p := range []apptest.Person{teacher, a} {
			if _, err := edit(p, func(in *courses.NewCourse) { in.Capacity = 50 }); code(t, err) != errs.Forbidden {
				t.Fatalf("edited by a non-organizer: %v", err)
			}
		}
		// Below the enrolled: refused, with the count.
		before := counts(t, d, c.ID)
		_, err := edit(boss, func(in *courses.NewCourse) { in.Capacity = 1 })
		if fieldKey(err) != "courses.capacity_below_enrolled" || argOf(err, "count") != 2 {
			t.Fatalf("capacity 1 with 2 enrolled: %v", err)
		}
		msg := env.App.Catalog.Printer(i18n.EN).T("courses.capacity_below_enrolled", "count", 2)
		if !strings.Contains(msg, "Already enrolled: 2") {
			t.Fatalf("message %q", msg)
		}
		// A raise offers the new seat to the first waiting, at once.
		ch, err := edit(boss, func(in *courses.NewCourse) { in.Capacity = 3 })
		if err != nil || ch.Offered != 1 || ch.Rescheduled {
			t.Fatalf("capacity 3: %+v %v", ch, err)
		}
		if e, _ := svc.Mine(ctx, w1.User, c.ID); e.Status != courses.Offered {
			t.Fatalf("first waiting after the raise: %+v", e)
		}
		if e, _ := svc.Mine(ctx, w2.User, c.ID); e.Status != courses.Waiting || e.Position != 1 {
			t.Fatalf("second waiting after the raise: %+v", e)
		}
		// Between the enrolled and the seats held: refused too, saying both.
		_, err = edit(boss, func(in *courses.NewCourse) { in.Capacity = 2 })
		if fieldKey(err) != "courses.capacity_below_offers" || argOf(err, "count") != 2 || argOf(err, "offered") != 1 {
			t.Fatalf("capacity 2 with 2 enrolled and 1 offered: %v", err)
		}
		if got := counts(t, d, c.ID); !strings.HasPrefix(got, strings.Split(before, ",")[0]) {
			t.Fatalf("refusals changed enrolments: %s → %s", before, got)
		}

		// A new schedule: Mondays and Wednesdays at 10:00 for 60 minutes.
		env.Clock.Advance(time.Minute)
		edited := env.Clock.Now()
		ch, err = edit(boss, func(in *courses.NewCourse) {
			in.Schedule.Weekdays, in.Schedule.Start, in.Schedule.Minutes = []string{"wed", "mon"}, "10:00", 60
			in.Title.EN = "State language course"
			in.Teachers = nil
			h := 2
			in.RemindHours = &h
		})
		if err != nil || !ch.Rescheduled || ch.SessionsRemoved != len(ss)-3 || ch.SessionsAdded == 0 {
			t.Fatalf("new schedule: %+v %v", ch, err)
		}
		after, err := svc.Sessions(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != 3+ch.SessionsAdded {
			t.Fatalf("%d sessions after, want 3 held + %d new", len(after), ch.SessionsAdded)
		}
		for i, se := range after {
			if i < 3 {
				if se.ID != held[i].ID || !se.StartsAt.Equal(held[i].StartsAt) {
					t.Fatalf("held session %d changed: %+v, was %+v", i, se, held[i])
				}
				continue
			}
			local := se.StartsAt.In(i18n.Almaty)
			if wd := local.Weekday(); (wd != time.Monday && wd != time.Wednesday) || local.Format("15:04") != "10:00" ||
				se.EndsAt.Sub(se.StartsAt) != time.Hour || !se.StartsAt.After(edited) {
				t.Fatalf("new session %d at %v", i, local)
			}
		}
		sh, err := svc.Sheet(ctx, boss.User, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Rows {
			if r.ID == a.User.ID && r.Present != 1 {
				t.Fatalf("the held session's mark is gone: %+v", r)
			}
		}
		got, err := svc.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.EndsAt.Equal(after[len(after)-1].EndsAt) || got.Title.EN != "State language course" || got.Title.KK == "" ||
			len(got.Teachers) != 0 || got.RemindHours != 2 || got.Capacity != 3 {
			t.Fatalf("course after the edit: %+v", got)
		}
		// The enrolled are told the new times (by email here).
		waitMail(t, env, a.Email, "10:00")
		// Edits reach the search's change feed.
		docs, err := courses.SearchSource(d).Changed(ctx, edited.Add(-time.Second), 0, 10)
		if err != nil || len(docs) != 1 || docs[0].Title.EN != "State language course" {
			t.Fatalf("search feed after the edit: %+v %v", docs, err)
		}
		var audits int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'courses.update' AND target_id = ?", fmt.Sprint(c.ID)).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 2 {
			t.Fatalf("%d audit entries for 2 edits", audits)
		}
		// A schedule with nothing after now and no held session is refused;
		// here the held ones remain, so a schedule ending today is allowed.
		if _, err := edit(boss, func(in *courses.NewCourse) { in.Schedule.To = day(now, -1) }); err != nil {
			t.Fatalf("schedule ending yesterday: %v", err)
		}
		if n := len(must(svc.Sessions(ctx, c.ID))); n != 3 {
			t.Fatalf("%d sessions after ending the schedule yesterday, want the 3 held", n)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Raising the capacity while many people enrol at once never exceeds it:
// every seat is held once, the rest wait in arrival order.
func TestEditCapacityUnderRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Шеберлер үйі")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		c, _ := newCourse(t, env, org, boss, 5, 10, nil)
		svc := env.App.Courses
		people := make([]apptest.Person, 30)
		for i := range people {
			people[i] = env.NewPerson()
		}
		var wg sync.WaitGroup
		for i, p := range people {
			wg.Go(func() {
				if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
					t.Errorf("enrol: %v", err)
				}
			})
			if i == 10 {
				wg.Go(func() {
					cur, err := svc.Get(ctx, c.ID)
					if err != nil {
						t.Error(err)
						return
					}
					in := cur.Editable()
					in.Capacity = 15
					if _, _, err := svc.Update(ctx, boss.User, c.ID, in); err != nil {
						t.Errorf("raise: %v", err)
					}
				})
			}
		}
		wg.Wait()
		got, err := svc.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var enrolled, offered int
		if err := d.QueryRow(ctx, `SELECT COUNT(CASE WHEN status = 'enrolled' THEN 1 END), COUNT(CASE WHEN status = 'offered' THEN 1 END)
			FROM course_enrolments WHERE course_id = ?`, c.ID).Scan(&enrolled, &offered); err != nil {
			t.Fatal(err)
		}
		if got.Capacity != 15 || got.SeatsTaken != 15 || enrolled+offered != 15 || got.Waiting != 15 {
			t.Fatalf("capacity %d, taken %d (%d enrolled, %d offered), waiting %d", got.Capacity, got.SeatsTaken, enrolled, offered, got.Waiting)
		}
		// Those holding a seat arrived before those waiting.
		var bad int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM course_enrolments h JOIN course_enrolments w ON w.course_id = h.course_id
			WHERE h.course_id = ? AND h.status <> 'waiting' AND w.status = 'waiting' AND h.arrival > w.arrival`, c.ID).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Fatalf("%d seats held by people who arrived after someone still waiting", bad)
		}
	})
}

// Reminders go out as many hours before a session as the course says, and
// never when it says 0.
func TestReminderHoursPerCourse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Шеберлер үйі")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		svc := env.App.Courses
		two, none := 2, 0
		soon, _ := newCourse(t, env, org, boss, 5, 3, func(in *courses.NewCourse) { in.RemindHours = &two })
		never, _ := newCourse(t, env, org, boss, 5, 3, func(in *courses.NewCourse) { in.RemindHours = &none })
		p := env.NewPerson()
		for _, c := range []*courses.Course{soon, never} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
			if err := svc.SetReminders(ctx, p.User, c.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		first := must(svc.Sessions(ctx, soon.ID))[0].StartsAt
		env.Clock.Advance(first.Add(-3 * time.Hour).Sub(env.Clock.Now()))
		if n, err := svc.SendReminders(ctx); err != nil || n != 0 {
			t.Fatalf("3 h before, with reminders 2 h ahead: %d sent (%v)", n, err)
		}
		env.Clock.Advance(first.Add(-90 * time.Minute).Sub(env.Clock.Now()))
		if n, err := svc.SendReminders(ctx); err != nil || n != 1 {
			t.Fatalf("1.5 h before: %d sent, want 1 (the course with 0 h sends none) (%v)", n, err)
		}
	})
}
