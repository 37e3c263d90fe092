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

func day(t time.Time, days int) string {
	return t.In(i18n.Almaty).AddDate(0, 0, days).Format("2006-01-02")
}

// newCourse makes a course of org by organizer: every day at 18:00 for
// 90 minutes from tomorrow for n days.
// start is the setup the storage tests here share: the app on d, an
// organization named name, and its moderator.
func start(t *testing.T, d *db.DB, name string) (*apptest.Env, int64, apptest.Person) {
	t.Helper()
	env := apptest.Start(t, d, apptest.Options{})
	org := env.NewOrg(0, name)
	boss := env.NewPerson()
	env.Grant(boss, org, "moderator")
	return env, org, boss
}

func newCourse(t *testing.T, env *apptest.Env, org int64, organizer apptest.Person, capacity, n int, change func(*courses.NewCourse)) (*courses.Course, []courses.Session) {
	t.Helper()
	now := env.Clock.Now()
	in := courses.NewCourse{OrgID: org, Title: i18n.Text{KK: "Мемлекеттік тіл курсы", RU: "Курс государственного языка"}, Capacity: capacity,
		Schedule: courses.Schedule{Weekdays: courses.Weekdays, Start: "18:00", Minutes: 90, From: day(now, 1), To: day(now, n)},
		Place:    "Шымкент, Тәуке хан даңғылы, 5"}
	if change != nil {
		change(&in)
	}
	c, ss, err := env.App.Courses.Create(context.Background(), organizer.User, in)
	if err != nil {
		t.Fatal(err)
	}
	return c, ss
}

func code(t *testing.T, err error) errs.Code {
	t.Helper()
	if err == nil {
		return ""
	}
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("not a coded error: %v", err)
	}
	return e.Code
}

func fieldKey(err error) string {
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Key
	}
	if e, ok := errs.As(err); ok {
		return e.Key
	}
	return fmt.Sprint(err)
}

// The schedule "Tuesdays and Thursdays 18:00–19:30 from 12 January to 30
// April" gives its sessions at 18:00 Almaty time (13:00 UTC), in order.
func TestScheduleMakesSessionsInAlmatyTime(t *testing.T) {
	s := courses.Schedule{Weekdays: []string{"tue", "thu"}, Start: "18:00", Minutes: 90, From: "2027-01-12", To: "2027-04-30"}
	ss := s.Sessions()
	if len(ss) != 32 {
		t.Fatalf("%d sessions, want 32 (16 weeks × 2)", len(ss))
	}
	if got := ss[0].StartsAt.Format(time.RFC3339); got != "2027-01-12T13:00:00Z" {
		t.Errorf("first session %s, want 2027-01-12T13:00:00Z", got)
	}
	if got := ss[1].StartsAt.In(i18n.Almaty).Format("Mon 15:04"); got != "Thu 18:00" {
		t.Errorf("second session %s", got)
	}
	if got := ss[len(ss)-1].EndsAt.In(i18n.Almaty).Format("2006-01-02 15:04"); got != "2027-04-29 19:30" {
		t.Errorf("last session ends %s", got)
	}
	for i := 1; i < len(ss); i++ {
		if !ss[i].StartsAt.After(ss[i-1].StartsAt) {
			t.Fatal("sessions out of order")
		}
	}
}

// 200 people enrolling at once for 30 seats: exactly 30 enrolled and 170
// waiting, the waiting positions 1…170 each given once and matching the
// order in which the database took them.
func TestCapacityHoldsUnderRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Шымкент қалалық Ассамблеясы")
		ctx := context.Background()
		c, _ := newCourse(t, env, org, boss, 30, 20, nil)
		people := make([]apptest.Person, 200)
		for i := range people {
			people[i] = env.NewPerson()
		}
		type result struct {
			user int64
			e    *courses.Enrolment
			err  error
		}
		results := make([]result, len(people))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, p := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				e, err := env.App.Courses.Enrol(ctx, p.User, c.ID, 0)
				results[i] = result{p.User.ID, e, err}
			}()
		}
		close(start)
		wg.Wait()
		enrolled, positions := 0, map[int]int64{}
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("enrol: %v", r.err)
			}
			switch r.e.Status {
			case courses.Enrolled:
				enrolled++
			case courses.Waiting:
				if prev, dup := positions[r.e.Position]; dup {
					t.Fatalf("position %d given to %d and %d", r.e.Position, prev, r.user)
				}
				positions[r.e.Position] = r.user
			}
		}
		if enrolled != 30 || len(positions) != 170 {
			t.Fatalf("%d enrolled, %d waiting; want 30 and 170", enrolled, len(positions))
		}
		for p := 1; p <= 170; p++ {
			if _, ok := positions[p]; !ok {
				t.Fatalf("no one at position %d", p)
			}
		}
		// The database agrees: seats taken, and the waiting list in arrival order.
		got, err := env.App.Courses.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.SeatsTaken != 30 || got.Waiting != 170 {
			t.Fatalf("course says %d taken, %d waiting", got.SeatsTaken, got.Waiting)
		}
		order, err := db.ScanIDs(d.Query(ctx, "SELECT user_id FROM course_enrolments WHERE course_id = ? AND status = 'waiting' ORDER BY arrival", c.ID))
		if err != nil {
			t.Fatal(err)
		}
		for i, uid := range order {
			if positions[i+1] != uid {
				t.Fatalf("waiting list place %d is %d, but %d was told position %d", i+1, uid, positions[i+1], i+1)
			}
		}
		// And every enrolled arrived before every waiting person.
		var maxEnrolled, minWaiting int
		if err := d.QueryRow(ctx, `SELECT (SELECT MAX(arrival) FROM course_enrolments WHERE course_id = ? AND status = 'enrolled'),
			(SELECT MIN(arrival) FROM course_enrolments WHERE course_id = ? AND status = 'waiting')`, c.ID, c.ID).Scan(&maxEnrolled, &minWaiting); err != nil {
			t.Fatal(err)
		}
		if maxEnrolled >= minWaiting {
			t.Fatalf("an enrolled person (arrival %d) came after a waiting one (%d)", maxEnrolled, minWaiting)
		}
	})
}

// A freed seat is offered to the first waiting person; the offer expires
// after the course's hours (the background step, on a fixed clock) and
// passes to the next, who accepts; an expired offer cannot be accepted;
// declining passes the seat on too. Each offered person is told.
func TestWaitingListOffersExpireAndPassOn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Шеберлер үйі")
		ctx := context.Background()
		c, _ := newCourse(t, env, org, boss, 1, 30, nil)
		svc := env.App.Courses
		a, b, cc, dd := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		for i, p := range []apptest.Person{a, b, cc, dd} {
			e, err := svc.Enrol(ctx, p.User, c.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{courses.Enrolled, courses.Waiting, courses.Waiting, courses.Waiting}[i]; e.Status != want || (i > 0 && e.Position != i) {
				t.Fatalf("person %d: %+v", i, e)
			}
		}
		if err := svc.Leave(ctx, a.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		mine := func(p apptest.Person) *courses.Enrolment {
			e, err := svc.Mine(ctx, p.User, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		if e := mine(b); e.Status != courses.Offered || e.OfferExpiresAt == nil || e.OfferExpiresAt.Sub(env.Clock.Now()) != 24*time.Hour {
			t.Fatalf("b after a left: %+v", e)
		}
		waitMail(t, env, b.Email, "/courses/")
		if e := mine(cc); e.Status != courses.Waiting || e.Position != 1 {
			t.Fatalf("c: %+v", e)
		}
		// Not yet expired: the background step changes nothing.
		env.Clock.Advance(23 * time.Hour)
		if n, err := svc.ExpireOffers(ctx); err != nil || n != 0 {
			t.Fatalf("expired %d early (%v)", n, err)
		}
		env.Clock.Advance(2 * time.Hour)
		if err := svc.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if e := mine(b); e.Status != "" {
			t.Fatalf("b's offer did not expire: %+v", e)
		}
		if _, err := svc.AnswerOffer(ctx, b.User, c.ID, true); code(t, err) != errs.Conflict {
			t.Fatalf("b accepted after expiry: %v", err)
		}
		if e := mine(cc); e.Status != courses.Offered {
			t.Fatalf("c not offered after b's expired: %+v", e)
		}
		// c declines: d is offered and accepts.
		if _, err := svc.AnswerOffer(ctx, cc.User, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if e, err := svc.AnswerOffer(ctx, dd.User, c.ID, true); err != nil || e.Status != courses.Enrolled {
			t.Fatalf("d accepts: %+v %v", e, err)
		}
		got, _ := svc.Get(ctx, c.ID)
		if got.SeatsTaken != 1 || got.Waiting != 0 {
			t.Fatalf("taken %d waiting %d", got.SeatsTaken, got.Waiting)
		}
		// The one seat is taken: a newcomer waits.
		if e, err := svc.Enrol(ctx, a.User, c.ID, 0); err != nil || e.Status != courses.Waiting || e.Position != 1 {
			t.Fatalf("a again: %+v %v", e, err)
		}
	})
}

func waitMail(t *testing.T, env *apptest.Env, to, contains string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject+m.Text, contains) {
				return m.Subject + "\n" + m.Text
			}
		}
	}
	t.Fatalf("no email to %s containing %q", to, contains)
	return ""
}

// counts is what bad input must leave unchanged.
func counts(t *testing.T, d *db.DB, courseID int64) string {
	t.Helper()
	var e, a, s int
	if err := d.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM course_enrolments WHERE course_id = ?),
		(SELECT COUNT(*) FROM course_attendance a JOIN course_sessions s ON s.id = a.session_id WHERE s.course_id = ?),
		(SELECT seats_taken FROM courses WHERE id = ?)`, courseID, courseID, courseID).Scan(&e, &a, &s); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("enrolments %d, marks %d, taken %d", e, a, s)
}

// Bad input is refused with a clear message and changes nothing:
// enrolling twice, after the course ended, while ineligible (age, region,
// membership, a minor without consent); a check-in code that expired,
// belongs to another session, is wrong, or is typed by someone not
// enrolled, or outside the session.
func TestBadInputIsRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Жастар ресурстық орталығы")
		ctx := context.Background()
		svc := env.App.Courses
		// Two courses of the same organization, with sessions now.
		now := env.Clock.Now()
		startNow := func(in *courses.NewCourse) {
			in.Schedule.From, in.Schedule.To = day(now, 0), day(now, 3)
			in.Schedule.Start = now.Add(-10 * time.Minute).In(i18n.Almaty).Format("15:04")
		}
		c, ss := newCourse(t, env, org, boss, 10, 3, startNow)
		other, oss := newCourse(t, env, org, boss, 10, 3, startNow)
		learner := env.NewPerson()
		if _, err := svc.Enrol(ctx, learner.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		before := counts(t, d, c.ID)

		// Enrolling twice.
		if _, err := svc.Enrol(ctx, learner.User, c.ID, 0); code(t, err) != errs.Conflict || fieldKey(err) != "courses.already_enrolled" {
			t.Errorf("twice: %v", err)
		}
		// A minor without a guardian's consent.
		if _, err := svc.Enrol(ctx, env.NewPerson("minor").User, c.ID, 0); code(t, err) != errs.ConsentRequired {
			t.Errorf("minor: %v", err)
		}
		// Ineligible by age, region, membership.
		young, _ := newCourse(t, env, org, boss, 10, 3, func(in *courses.NewCourse) { in.Eligibility = courses.Eligibility{AgeMax: 25} })
		if _, err := svc.Enrol(ctx, env.NewPerson().User, young.ID, 0); code(t, err) != errs.Forbidden || fieldKey(err) != "courses.ineligible_age" {
			t.Errorf("age: %v", err)
		}
		far, _ := newCourse(t, env, org, boss, 10, 3, func(in *courses.NewCourse) { in.Eligibility = courses.Eligibility{Regions: []string{"KZ-71"}} })
		if _, err := svc.Enrol(ctx, env.NewPerson().User, far.ID, 0); code(t, err) != errs.Forbidden || fieldKey(err) != "courses.ineligible_region" {
			t.Errorf("region: %v", err)
		}
		closed, _ := newCourse(t, env, org, boss, 10, 3, func(in *courses.NewCourse) { in.Eligibility = courses.Eligibility{MembersOnly: true} })
		if _, err := svc.Enrol(ctx, env.NewPerson().User, closed.ID, 0); code(t, err) != errs.Forbidden || fieldKey(err) != "courses.ineligible_member" {
			t.Errorf("members only: %v", err)
		}
		// An organizer enrols only members.
		if _, err := svc.Enrol(ctx, boss.User, c.ID, env.NewPerson().User.ID); code(t, err) != errs.Invalid || fieldKey(err) != "courses.not_member" {
			t.Errorf("organizer enrols a stranger: %v", err)
		}
		// A plain learner cannot enrol someone else.
		if _, err := svc.Enrol(ctx, learner.User, c.ID, boss.User.ID); code(t, err) != errs.Forbidden {
			t.Errorf("learner enrols another: %v", err)
		}

		// Check-in codes.
		se := ss[0]
		cur, _, err := svc.Code(ctx, boss.User, se.ID)
		if err != nil {
			t.Fatal(err)
		}
		otherCode, _, err := svc.Code(ctx, boss.User, oss[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		stranger := env.NewPerson()
		if _, err := svc.Checkin(ctx, stranger.User, se.ID, cur); code(t, err) != errs.Forbidden || fieldKey(err) != "courses.checkin_not_enrolled" {
			t.Errorf("not enrolled: %v", err)
		}
		if _, err := svc.Checkin(ctx, learner.User, se.ID, otherCode); fieldKey(err) != "courses.code_other_session" {
			t.Errorf("another session's code: %v", err)
		}
		if _, err := svc.Checkin(ctx, learner.User, se.ID, "ABC"); fieldKey(err) != "courses.code_format" {
			t.Errorf("short code: %v", err)
		}
		if _, err := svc.Checkin(ctx, learner.User, se.ID, "XXXXXX"); fieldKey(err) != "courses.code_wrong" {
			t.Errorf("wrong code: %v", err)
		}
		if got := counts(t, d, c.ID); got != before {
			t.Fatalf("bad input changed %s → %s", before, got)
		}
		// The code of a minute and a half ago has expired.
		env.Clock.Advance(90 * time.Second)
		if _, err := svc.Checkin(ctx, learner.User, se.ID, cur); fieldKey(err) != "courses.code_expired" {
			t.Errorf("expired code: %v", err)
		}
		// The current one works, typed in lower case with a space, once.
		cur, _, _ = svc.Code(ctx, boss.User, se.ID)
		typed := strings.ToLower(cur[:3] + " " + cur[3:])
		if already, err := svc.Checkin(ctx, learner.User, se.ID, typed); err != nil || already {
			t.Fatalf("check in: %v %v", already, err)
		}
		if already, err := svc.Checkin(ctx, learner.User, se.ID, cur); err != nil || !already {
			t.Fatalf("second check in: %v %v", already, err)
		}
		// After the session, no code works.
		env.Clock.Advance(3 * time.Hour)
		if _, _, err := svc.Code(ctx, boss.User, se.ID); code(t, err) != errs.Conflict {
			t.Errorf("code after the session: %v", err)
		}
		// After the course has ended, no enrolment.
		env.Clock.Advance(5 * 24 * time.Hour)
		if _, err := svc.Enrol(ctx, stranger.User, other.ID, 0); code(t, err) != errs.Conflict || fieldKey(err) != "courses.ended" {
			t.Errorf("after the end: %v", err)
		}
		if n := counts(t, d, other.ID); n != "enrolments 0, marks 0, taken 0" {
			t.Errorf("other course: %s", n)
		}
	})
}

// Concurrent check-ins of the same people (a double tap, two phones) are
// recorded exactly once each.
func TestCheckinsRecordedOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Желілік академия")
		ctx := context.Background()
		svc := env.App.Courses
		now := env.Clock.Now()
		c, ss := newCourse(t, env, org, boss, 100, 3, func(in *courses.NewCourse) {
			in.Schedule.From, in.Schedule.To = day(now, 0), day(now, 2)
			in.Schedule.Start = now.In(i18n.Almaty).Format("15:04")
		})
		var people []apptest.Person
		for range 40 {
			p := env.NewPerson()
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
			people = append(people, p)
		}
		cur, _, err := svc.Code(ctx, boss.User, ss[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		fresh := map[int64]int{}
		for _, p := range people {
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					already, err := svc.Checkin(ctx, p.User, ss[0].ID, cur)
					if err != nil {
						t.Error(err)
						return
					}
					if !already {
						mu.Lock()
						fresh[p.User.ID]++
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM course_attendance WHERE session_id = ? AND status = 'present'", ss[0].ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 40 || len(fresh) != 40 {
			t.Fatalf("%d marks, %d people told they are newly present; want 40 and 40", n, len(fresh))
		}
		for id, k := range fresh {
			if k != 1 {
				t.Fatalf("person %d was newly checked in %d times", id, k)
			}
		}
	})
}

// The sheet counts each person's presence over the sessions held;
// completion is the threshold over all the course's sessions (cancelled
// ones left out); the organizer issues certificates through awards in one
// step, once; learners may be awarded without being members.
func TestSheetCompletionAndCertificates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Ассамблея хатшылығы")
		ctx := context.Background()
		svc := env.App.Courses
		teacher := env.NewPerson()
		env.Grant(teacher, org, "member")
		c, ss := newCourse(t, env, org, boss, 10, 5, func(in *courses.NewCourse) {
			in.Threshold = 75
			in.Teachers = []int64{teacher.User.ID}
		})
		if len(ss) != 5 {
			t.Fatalf("%d sessions", len(ss))
		}
		good, poor := env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{good, poor} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		// A learner cannot mark; a teacher can; a stranger cannot be marked.
		if err := svc.Mark(ctx, good.User, ss[0].ID, good.User.ID, "present"); code(t, err) != errs.Forbidden {
			t.Fatalf("learner marks: %v", err)
		}
		if err := svc.Mark(ctx, teacher.User, ss[0].ID, boss.User.ID, "present"); code(t, err) != errs.Invalid {
			t.Fatalf("mark a stranger: %v", err)
		}
		// A batch with a stranger in it marks nobody.
		if err := svc.MarkAll(ctx, teacher.User, ss[0].ID, map[int64]string{good.User.ID: "present", boss.User.ID: "present"}); code(t, err) != errs.Invalid {
			t.Fatalf("batch with a stranger: %v", err)
		}
		if err := svc.MarkAll(ctx, good.User, ss[0].ID, map[int64]string{good.User.ID: "present"}); code(t, err) != errs.Forbidden {
			t.Fatalf("a learner marks a batch: %v", err)
		}
		if err := svc.CancelSession(ctx, teacher.User, ss[4].ID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			st := "present"
			if i == 0 {
				if err := svc.MarkAll(ctx, teacher.User, ss[i].ID, map[int64]string{good.User.ID: "present", poor.User.ID: "present"}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := svc.Mark(ctx, teacher.User, ss[i].ID, good.User.ID, st); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				st = "excused"
			} else if i > 1 {
				st = "absent"
			}
			if err := svc.Mark(ctx, teacher.User, ss[i].ID, poor.User.ID, st); err != nil {
				t.Fatal(err)
			}
		}
		env.Clock.Advance(6 * 24 * time.Hour)
		sh, organizer, err := svc.SheetFor(ctx, teacher.User, c.ID)
		if err != nil || organizer {
			t.Fatalf("the teacher's sheet: organizer %v, %v", organizer, err)
		}
		if _, organizer, err := svc.SheetFor(ctx, boss.User, c.ID); err != nil || !organizer {
			t.Fatalf("the organizer's sheet: organizer %v, %v", organizer, err)
		}
		if sh.Total != 4 || sh.Held != 4 {
			t.Fatalf("total %d held %d", sh.Total, sh.Held)
		}
		byID := map[int64]courses.SheetRow{}
		for _, r := range sh.Rows {
			byID[r.ID] = r
		}
		if r := byID[good.User.ID]; r.Present != 4 || !r.Completed || r.Rate != 1 {
			t.Fatalf("good: %+v", r)
		}
		if r := byID[poor.User.ID]; r.Present != 1 || r.Completed || r.Marks[1] != "excused" || r.Marks[4] != "" {
			t.Fatalf("poor: %+v", r)
		}
		// The kept copy of the sheet gives way to a new mark.
		if err := svc.Mark(ctx, teacher.User, ss[3].ID, poor.User.ID, "present"); err != nil {
			t.Fatal(err)
		}
		if sh, err = svc.Sheet(ctx, teacher.User, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, r := range sh.Rows {
			if r.ID == poor.User.ID && (r.Present != 2 || r.Marks[3] != "present") {
				t.Fatalf("the sheet after a new mark: %+v", r)
			}
		}
		if _, err := svc.Sheet(ctx, good.User, c.ID); code(t, err) != errs.Forbidden {
			t.Fatalf("a learner reads the sheet: %v", err)
		}
		if _, err := svc.Sheet(ctx, nil, c.ID); code(t, err) != errs.Unauthorized {
			t.Fatalf("a guest reads the sheet: %v", err)
		}
		if _, err := svc.Sheet(ctx, teacher.User, c.ID+1000); code(t, err) != errs.NotFound {
			t.Fatalf("the sheet of no course: %v", err)
		}
		// Only organizers issue; the teacher is no organizer.
		if _, err := svc.IssueCertificates(ctx, teacher.User, c.ID); code(t, err) != errs.Forbidden {
			t.Fatalf("teacher issues: %v", err)
		}
		n, err := svc.IssueCertificates(ctx, boss.User, c.ID)
		if err != nil || n != 1 {
			t.Fatalf("issued %d: %v", n, err)
		}
		if _, err := svc.IssueCertificates(ctx, boss.User, c.ID); code(t, err) != errs.Conflict {
			t.Fatalf("second issuing: %v", err)
		}
		mine, err := env.App.Awards.ForPerson(ctx, good.User.ID)
		if err != nil || len(mine) != 1 || mine[0].CourseID != c.ID || mine[0].Title.KK != "Мемлекеттік тіл курсы" {
			t.Fatalf("good's awards: %+v %v", mine, err)
		}
		if none, _ := env.App.Awards.ForPerson(ctx, poor.User.ID); len(none) != 0 {
			t.Fatalf("poor got %d awards", len(none))
		}
	})
}

// Moving a session tells the enrolled (in their language) and changes
// the calendar; reminders go once, only to those who asked.
func TestMoveAndRemind(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Шеберлік сабақтары")
		ctx := context.Background()
		svc := env.App.Courses
		c, ss := newCourse(t, env, org, boss, 10, 3, nil)
		wants, quiet := env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{wants, quiet} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.SetReminders(ctx, wants.User, c.ID, true); err != nil {
			t.Fatal(err)
		}
		to := ss[0].StartsAt.Add(time.Hour)
		if err := svc.MoveSession(ctx, boss.User, ss[0].ID, to, 0); err != nil {
			t.Fatal(err)
		}
		waitMail(t, env, quiet.Email, "19:00")
		after, _ := svc.Sessions(ctx, c.ID)
		if !after[0].StartsAt.Equal(to) || after[0].EndsAt.Sub(after[0].StartsAt) != 90*time.Minute {
			t.Fatalf("moved session: %+v", after[0])
		}
		ics := courses.ICS(c, after, i18n.EN, "https://ortaq.example", false)
		if !strings.Contains(ics, "DTSTART:"+to.UTC().Format("20060102T150405Z")) {
			t.Fatalf("calendar lacks the new time:\n%s", ics)
		}
		// Reminders: sessions within a day are reminded once.
		env.Clock.Advance(6 * time.Hour)
		n, err := svc.SendReminders(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reminders %d: %v", n, err)
		}
		waitMail(t, env, wants.Email, "/courses/")
		if n, _ := svc.SendReminders(ctx); n != 0 {
			t.Fatalf("reminded twice: %d", n)
		}
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, quiet.Email) && strings.Contains(m.Subject, "Еске салу") {
				t.Fatal("reminded someone who did not ask")
			}
		}
	})
}

// An offer answered many times at once (the web's button, the chat's
// button, a double tap) is accepted once: one answer succeeds, the others
// are told it is accepted already, and one seat is taken.
func TestOfferAcceptedOnceUnderRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Шеберлер үйі")
		ctx := context.Background()
		c, _ := newCourse(t, env, org, boss, 1, 10, nil)
		svc := env.App.Courses
		a, b := env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{a, b} {
			if _, err := svc.Enrol(ctx, p.User, c.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.Leave(ctx, a.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, again := 0, 0
		for range n {
			wg.Go(func() {
				_, err := svc.AnswerOffer(ctx, b.User, c.ID, true)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case fieldKey(err) == "courses.offer_already_accepted":
					again++
				default:
					t.Errorf("answer: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := svc.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || again != n-1 || got.SeatsTaken != 1 {
			t.Fatalf("%d accepted, %d told accepted already, %d seats taken", ok, again, got.SeatsTaken)
		}
	})
}
