package mentorship_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mentorship"
)

// almaty is a wall-clock time in Kazakhstan.
func almaty(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, i18n.Almaty).UTC()
}

func TestScheduledRounds(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Monday 2 March 2026, 14:30 in Almaty.
		clock := dbtest.SetClock(d, almaty(2026, 3, 2, 14, 30))
		f := newFixture(t, d)
		rounds := func() int { return f.count("SELECT COUNT(*) FROM mentor_rounds WHERE pool_id = ?", f.pool) }
		run := func(svc *mentorship.Service) int {
			t.Helper()
			n, err := svc.RunSchedules(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		to := func(at time.Time) { clock.Advance(at.Sub(clock.Now())) }

		// Unset: no round, ever.
		f.mentor(2, "it")
		to(almaty(2026, 3, 30, 10, 1))
		if n := run(f.svc); n != 0 || rounds() != 0 {
			t.Fatalf("no schedule: %d ran, %d rounds", n, rounds())
		}
		sc, err := f.svc.Schedule(ctx, f.organizer, f.pool)
		if err != nil || !sc.Off() || !sc.NextAt.IsZero() {
			t.Fatalf("default schedule: %+v %v", sc, err)
		}

		// Only organizers set it; bad input is refused with nothing changed.
		young := f.person("young", false)
		if _, err := f.svc.SetSchedule(ctx, young, f.pool, mentorship.ScheduleIn{Weekdays: []string{"mon"}}); code(err) != errs.Forbidden {
			t.Fatalf("a stranger sets the schedule: %v", err)
		}
		for _, bad := range []struct {
			in    mentorship.ScheduleIn
			field string
		}{
			{mentorship.ScheduleIn{Weekdays: []string{"mon"}, Time: "25:00"}, "time"},
			{mentorship.ScheduleIn{Weekdays: []string{"funday"}}, "weekdays"},
			{mentorship.ScheduleIn{Dates: []string{"2026-03-01"}}, "dates"}, // the day before
			{mentorship.ScheduleIn{Dates: []string{"31.03.2026"}}, "dates"},
			{mentorship.ScheduleIn{Dates: []string{"2028-01-01"}}, "dates"}, // beyond a year
		} {
			if _, err := f.svc.SetSchedule(ctx, f.organizer, f.pool, bad.in); fieldKey(err, bad.field) == "" {
				t.Fatalf("%+v: %v", bad.in, err)
			}
		}
		if n := f.count("SELECT COUNT(*) FROM mentor_schedules"); n != 0 {
			t.Fatalf("%d schedules after refusals", n)
		}

		// Every Monday at 10:00 in Almaty, set on Monday 30 March after 10:00:
		// today's slot has passed before the schedule existed and does not run.
		sc, err = f.svc.SetSchedule(ctx, f.organizer, f.pool, mentorship.ScheduleIn{Weekdays: []string{"mon"}, Time: "10:00"})
		if err != nil {
			t.Fatal(err)
		}
		if want := almaty(2026, 4, 6, 10, 0); !sc.NextAt.Equal(want) {
			t.Fatalf("next at %v, want %v", sc.NextAt, want)
		}
		if n := run(f.svc); n != 0 {
			t.Fatalf("%d rounds for a slot before the schedule was set", n)
		}
		// A request waits; at 09:59 nothing runs, at 10:00 the round runs
		// once and matches it, a second tick runs nothing.
		if _, err := f.svc.Ask(ctx, young, f.pool, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Mode: "online",
			Goal: "Бағдарламалауды үйрену"}); err != nil {
			t.Fatal(err)
		}
		to(almaty(2026, 4, 6, 9, 59))
		if n := run(f.svc); n != 0 {
			t.Fatalf("%d rounds before the slot", n)
		}
		to(almaty(2026, 4, 6, 10, 0))
		if n := run(f.svc); n != 1 || rounds() != 1 {
			t.Fatalf("due slot: %d ran, %d rounds", n, rounds())
		}
		if n := run(f.svc); n != 0 || rounds() != 1 {
			t.Fatalf("the same slot again: %d ran, %d rounds", n, rounds())
		}
		if n := f.count("SELECT COUNT(*) FROM mentorships WHERE pool_id = ? AND status = 'proposed'", f.pool); n != 1 {
			t.Fatalf("the scheduled round made %d proposals, want 1", n)
		}
		if n := f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'mentorship.round' AND actor_label = 'schedule'"); n != 1 {
			t.Fatalf("%d audit entries by the schedule", n)
		}
		sc, _ = f.svc.Schedule(ctx, f.organizer, f.pool)
		if sc.LastResult != mentorship.ScheduleDone || !sc.LastRunAt.Equal(clock.Now()) || sc.LastRoundID == 0 ||
			!sc.NextAt.Equal(almaty(2026, 4, 13, 10, 0)) {
			t.Fatalf("after the run: %+v", sc)
		}

		// Two nodes (two services on one database), four ticks each at
		// once: the slot runs once.
		other := mentorship.New(mentorship.Deps{DB: d, Auth: f.a})
		to(almaty(2026, 4, 13, 10, 0).Add(30 * time.Second))
		var wg sync.WaitGroup
		var ran atomic.Int32
		for i := range 8 {
			svc := f.svc
			if i%2 == 1 {
				svc = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := svc.RunSchedules(ctx)
				if err != nil {
					t.Error(err)
				}
				ran.Add(int32(n))
			}()
		}
		wg.Wait()
		if ran.Load() != 1 || rounds() != 2 {
			t.Fatalf("two nodes racing: %d ran, %d rounds", ran.Load(), rounds())
		}

		// Down for three weeks: the missed Mondays run once, not three times.
		to(almaty(2026, 5, 5, 8, 0))
		if n := run(f.svc); n != 1 || rounds() != 3 {
			t.Fatalf("after downtime: %d ran, %d rounds", n, rounds())
		}
		if n := run(other); n != 0 || rounds() != 3 {
			t.Fatalf("after downtime, again: %d ran, %d rounds", n, rounds())
		}
		sc, _ = f.svc.Schedule(ctx, f.organizer, f.pool)
		if !sc.LastSlot.Equal(almaty(2026, 5, 4, 10, 0)) || !sc.NextAt.Equal(almaty(2026, 5, 11, 10, 0)) {
			t.Fatalf("after downtime: last slot %v, next %v", sc.LastSlot, sc.NextAt)
		}

		// Not while another round runs: the slot waits for it.
		f.exec("INSERT INTO mentor_rounds (pool_id, seed, started_at) VALUES (?, 1, ?)", f.pool, almaty(2026, 5, 11, 9, 58))
		to(almaty(2026, 5, 11, 10, 0))
		if n := run(f.svc); n != 0 || rounds() != 4 {
			t.Fatalf("while a round runs: %d ran, %d rounds", n, rounds())
		}
		sc, _ = f.svc.Schedule(ctx, f.organizer, f.pool)
		if sc.LastResult != mentorship.ScheduleBusy {
			t.Fatalf("while a round runs: %+v", sc)
		}
		f.exec("UPDATE mentor_rounds SET finished_at = ? WHERE finished_at IS NULL", clock.Now())
		clock.Advance(time.Minute)
		if n := run(f.svc); n != 1 || rounds() != 5 {
			t.Fatalf("after the other round: %d ran, %d rounds", n, rounds())
		}
		if n := run(f.svc); n != 0 {
			t.Fatalf("after the other round, again: %d ran", n)
		}

		// A list of dates at 09:00: each runs once; then the schedule has
		// no next slot.
		sc, err = f.svc.SetSchedule(ctx, f.organizer, f.pool, mentorship.ScheduleIn{Dates: []string{"2026-05-20", "2026-05-14", "2026-05-20"}, Time: "9:00"})
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Dates) != 2 || sc.Time != "09:00" || !sc.NextAt.Equal(almaty(2026, 5, 14, 9, 0)) {
			t.Fatalf("dates: %+v", sc)
		}
		to(almaty(2026, 5, 18, 10, 0)) // Monday: no longer a day of this schedule
		if n := run(f.svc); n != 1 {
			t.Fatalf("14 May: %d ran", n)
		}
		to(almaty(2026, 5, 20, 9, 0))
		if n := run(f.svc); n != 1 {
			t.Fatalf("20 May: %d ran", n)
		}
		sc, _ = f.svc.Schedule(ctx, f.organizer, f.pool)
		if !sc.NextAt.IsZero() {
			t.Fatalf("after the last date: next %v", sc.NextAt)
		}
		to(almaty(2026, 6, 1, 10, 0))
		if n := run(f.svc); n != 0 || rounds() != 7 {
			t.Fatalf("after the last date: %d ran, %d rounds", n, rounds())
		}

		// Turned off: nothing runs, the last run stays visible.
		if sc, err = f.svc.SetSchedule(ctx, f.organizer, f.pool, mentorship.ScheduleIn{}); err != nil || !sc.Off() || sc.LastRunAt.IsZero() {
			t.Fatalf("off: %+v %v", sc, err)
		}
		to(almaty(2026, 6, 8, 10, 0))
		if n := run(f.svc); n != 0 || rounds() != 7 {
			t.Fatalf("off: %d ran, %d rounds", n, rounds())
		}
	})
}
