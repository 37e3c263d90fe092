package demo_test

import (
	"context"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// The courses demo lands where its story says: the state-language course
// on the Shymkent Assembly's secretariat, twice a week, full with a
// waiting list and attendance for every session held, its learners
// members of the Assembly's associations; and a master-class series.
func TestDemoCourses(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		var id int64
		var org, parent, days string
		var taken, capacity int
		if err := d.QueryRow(ctx, `SELECT c.id, o.name_en, p.name_en, c.weekdays, c.seats_taken, c.capacity FROM courses c
			JOIN organizations o ON o.id = c.org_id JOIN organizations p ON p.id = o.parent_id
			WHERE c.title_en = 'State language course for association leaders'`).Scan(&id, &org, &parent, &days, &taken, &capacity); err != nil {
			t.Fatal(err)
		}
		if org != "Assembly secretariat" || parent != "Shymkent City Assembly of People of Kazakhstan" || days != "tue,thu" {
			t.Errorf("language course on %q under %q, days %s", org, parent, days)
		}
		var waiting, held, marked, outsiders int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND status = 'waiting'),
			(SELECT COUNT(*) FROM course_sessions WHERE course_id = ? AND starts_at < ?),
			(SELECT COUNT(DISTINCT a.session_id) FROM course_attendance a JOIN course_sessions s ON s.id = a.session_id WHERE s.course_id = ?),
			(SELECT COUNT(*) FROM course_enrolments e WHERE e.course_id = ? AND e.user_id NOT IN (SELECT m.user_id FROM memberships m
				JOIN organizations o ON o.id = m.org_id WHERE o.path LIKE (SELECT path FROM organizations WHERE name_en = 'Shymkent City Assembly of People of Kazakhstan') || '%'))`,
			id, id, d.Now(), id, id).Scan(&waiting, &held, &marked, &outsiders); err != nil {
			t.Fatal(err)
		}
		if taken != capacity || waiting != 4 || held < 10 || marked != held || outsiders != 0 {
			t.Errorf("language course: %d of %d taken, %d waiting, %d sessions held, %d marked, %d learners from outside", taken, capacity, waiting, held, marked, outsiders)
		}
		var classes int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM courses WHERE title_en = 'Master classes of the ethnocultural centres' AND weekdays = 'sat'").Scan(&classes); err != nil || classes != 1 {
			t.Errorf("master classes: %d (%v)", classes, err)
		}
	})
}
