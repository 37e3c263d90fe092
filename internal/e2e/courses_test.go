package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// On a 390 px phone, in Kazakh, without help from scripts: the teacher
// marks a learner present with one tap on the session's list and shows
// the check-in code; a learner types the code and is marked present; a
// learner leaves and the person waiting accepts the seat offered. axe
// finds nothing on the course page, the list or the code screen.
func TestBrowserCourseAttendanceCheckinAndOffer(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx0 := context.Background()
	svc := env.App.Courses
	org := env.NewOrg(0, "Шымкент қалалық Ассамблеясы хатшылығы")
	boss := env.NewPerson()
	env.Grant(boss, org, "moderator")
	teacher := env.NewPerson()
	env.Grant(teacher, org, "member")
	now := env.Clock.Now()
	c, ss, err := svc.Create(ctx0, boss.User, courses.NewCourse{OrgID: org, Title: i18n.Text{KK: "Мемлекеттік тіл курсы"}, Capacity: 2,
		Place: "Шымкент, Тәуке хан даңғылы, 5", Teachers: []int64{teacher.User.ID},
		Schedule: courses.Schedule{Weekdays: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: now.Add(-5 * time.Minute).In(i18n.Almaty).Format("15:04"),
			Minutes: 90, From: now.In(i18n.Almaty).Format("2006-01-02"), To: now.In(i18n.Almaty).AddDate(0, 0, 13).Format("2006-01-02")}})
	if err != nil {
		t.Fatal(err)
	}
	early, late, waiter := env.NewPerson(), env.NewPerson(), env.NewPerson()
	for _, p := range []apptest.Person{early, late, waiter} {
		if _, err := svc.Enrol(ctx0, p.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	page := fmt.Sprintf("%s/kk/courses/%d", env.URL, c.ID)
	roll := fmt.Sprintf("%s/sessions/%d", page, ss[0].ID)

	ctx := browserFor(t, 3*time.Minute)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	axeClean := func(what string) {
		t.Helper()
		for _, v := range axeRun(t, ctx) {
			t.Errorf("%s: %s", what, v)
		}
	}

	// A guest in Latin script: the list and the course page.
	for _, path := range []string{"/kk-Latn/courses", fmt.Sprintf("/kk-Latn/courses/%d", c.ID), fmt.Sprintf("/ru/courses/%d", c.ID)} {
		run(t, ctx, chromedp.Navigate(env.URL+path), chromedp.WaitVisible(C("main")))
		axeClean(path + " (guest)")
		checkNoRawKeys(t, ctx)
		if strings.HasPrefix(path, "/kk-Latn") {
			checkLatin(t, ctx)
		}
		checkSizes(t, ctx, true)
	}

	// The teacher: the course page links the session's list; one tap marks.
	meetingsSignIn(t, ctx, env, teacher)
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(C("#sessions")))
	axeClean("course page (teacher)")
	clickAndLoad(t, ctx, fmt.Sprintf("#s-%d a.roll-link", ss[0].ID))
	run(t, ctx, chromedp.WaitVisible(C("#roll")))
	axeClean("session list")
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the list is %d px wide on a 390 px phone", w)
	}
	row := fmt.Sprintf("#p-%d", early.User.ID)
	clickAndLoad(t, ctx, row+` button[value="present"]`)
	run(t, ctx, chromedp.WaitVisible(C(row+`[data-status="present"]`)))
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("`+row+` button[value=present]").getAttribute("aria-pressed")`)); got != "true" {
		t.Errorf("the present button is not shown pressed: %q", got)
	}
	// The code screen: a QR code and six characters.
	run(t, ctx, chromedp.Navigate(roll+"/code"), chromedp.WaitVisible(C("#qr svg")))
	axeClean("code screen")
	code := strings.TrimSpace(text(t, ctx, "#code"))
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	signOut(t, ctx)

	// The learner types the code (in lower case) on the course page.
	meetingsSignIn(t, ctx, env, late)
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(C("#checkin")))
	axeClean("course page (learner)")
	run(t, ctx, chromedp.SendKeys(C("#f-code"), strings.ToLower(code)))
	clickAndLoad(t, ctx, "#checkin-submit")
	if got := text(t, ctx, "p.notice"); !strings.Contains(got, "белгілендіңіз") {
		t.Fatalf("after check-in: %q", got)
	}
	// … then leaves the course, and the seat is offered to the one waiting.
	clickAndLoad(t, ctx, "#leave")
	signOut(t, ctx)

	meetingsSignIn(t, ctx, env, waiter)
	run(t, ctx, chromedp.Navigate(page), chromedp.WaitVisible(C("#accept")))
	axeClean("course page (offer)")
	clickAndLoad(t, ctx, "#accept")
	if got := text(t, ctx, "#enrol-status"); !strings.Contains(got, "жазылдыңыз") {
		t.Fatalf("after accepting: %q", got)
	}

	// What the browser did is what the database says.
	sh, err := svc.Sheet(ctx0, teacher.User, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	marks := map[int64]string{}
	for _, r := range sh.Rows {
		marks[r.ID] = r.Marks[0]
	}
	if marks[early.User.ID] != "present" || marks[late.User.ID] != "present" {
		t.Fatalf("marks: %v", marks)
	}
	if e, _ := svc.Mine(ctx0, waiter.User, c.ID); e.Status != courses.Enrolled {
		t.Fatalf("waiter: %+v", e)
	}
}

// On a 390 px phone, in Kazakh, without scripts: the organizer opens the
// course's edit page from the course, asks for fewer seats than are
// taken and is told next to the field how many are enrolled, with what
// they typed kept; then raises the capacity and renames the course, and
// the person waiting is offered the new seat at once.
func TestBrowserEditCourseOnPhone(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx0 := context.Background()
	svc := env.App.Courses
	org := env.NewOrg(0, "Шымкент қалалық Ассамблеясы хатшылығы")
	boss := env.NewPerson()
	env.Grant(boss, org, "moderator")
	now := env.Clock.Now()
	c, _, err := svc.Create(ctx0, boss.User, courses.NewCourse{OrgID: org, Title: i18n.Text{KK: "Мемлекеттік тіл курсы"}, Capacity: 2,
		Place: "Шымкент, Тәуке хан даңғылы, 5",
		Schedule: courses.Schedule{Weekdays: []string{"tue", "thu"}, Start: "18:00", Minutes: 90,
			From: now.In(i18n.Almaty).AddDate(0, 0, 1).Format("2006-01-02"), To: now.In(i18n.Almaty).AddDate(0, 1, 0).Format("2006-01-02")}})
	if err != nil {
		t.Fatal(err)
	}
	a, b, waiter := env.NewPerson(), env.NewPerson(), env.NewPerson()
	for _, p := range []apptest.Person{a, b, waiter} {
		if _, err := svc.Enrol(ctx0, p.User, c.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Two members called Aigerim, and one who is no member: the teacher is
	// picked by name among the members.
	t1, t2, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson()
	for i, p := range []apptest.Person{t1, t2, stranger} {
		if err := env.App.DB.Write(ctx0, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx0, "UPDATE users SET name = ? WHERE id = ?", []string{"Айгерім Сейітова", "Айгерім Нұрланқызы", "Айгерім Бекова"}[i], p.User.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	env.Grant(t1, org, "member")
	env.Grant(t2, org, "member")
	ctx := browserFor(t, 3*time.Minute)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	meetingsSignIn(t, ctx, env, boss)
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/courses/%d", env.URL, c.ID)), chromedp.WaitVisible(C("#edit-link")))
	clickAndLoad(t, ctx, "#edit-link")
	run(t, ctx, chromedp.WaitVisible(C("#edit-course")))
	for _, v := range axeRun(t, ctx) {
		t.Errorf("edit page: %s", v)
	}
	checkNoRawKeys(t, ctx)
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the edit page is %d px wide on a 390 px phone", w)
	}
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#f-title_kk").value`)); got != "Мемлекеттік тіл курсы" {
		t.Fatalf("title field %q", got)
	}

	// A teacher by name: "aigerim" in Latin finds both members (not the
	// stranger); the form comes back with an Add button for each.
	run(t, ctx, chromedp.SetValue(C("#f-teacher_q"), "aigerim"))
	clickAndLoad(t, ctx, "#find-teacher")
	run(t, ctx, chromedp.WaitVisible(C("#teacher-matches")))
	if got := text(t, ctx, "#teacher-matches"); !strings.Contains(got, "Айгерім Сейітова") || !strings.Contains(got, "Айгерім Нұрланқызы") || strings.Contains(got, "Бекова") {
		t.Fatalf("matches: %q", got)
	}
	if got := text(t, ctx, "#e-teacher_q"); !strings.Contains(got, "Бірнеше мүше") {
		t.Fatalf("the matches' message: %q", got)
	}
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the edit page with matches is %d px wide on a 390 px phone", w)
	}
	for _, v := range axeRun(t, ctx) {
		t.Errorf("edit page with teacher matches: %s", v)
	}
	clickAndLoad(t, ctx, fmt.Sprintf(`#teacher-matches button[value="%d"]`, t1.User.ID))
	run(t, ctx, chromedp.WaitVisible(C("#chosen-teachers")))
	if got := text(t, ctx, "#chosen-teachers"); !strings.Contains(got, "Айгерім Сейітова") {
		t.Fatalf("chosen teachers: %q", got)
	}

	// Fewer seats than taken: refused next to the field, the rest kept.
	run(t, ctx, chromedp.SetValue(C("#f-title_kk"), "Қазақ тілі: жетекшілерге"), chromedp.SetValue(C("#f-capacity"), "1"))
	clickAndLoad(t, ctx, "#save-course")
	run(t, ctx, chromedp.WaitVisible(C("#e-capacity")))
	if got := text(t, ctx, "#e-capacity"); !strings.Contains(got, "Жазылғандар саны: 2") {
		t.Fatalf("capacity error: %q", got)
	}
	if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#f-title_kk").value`)); got != "Қазақ тілі: жетекшілерге" {
		t.Fatalf("the typed title was lost: %q", got)
	}
	for _, v := range axeRun(t, ctx) {
		t.Errorf("edit page with an error: %s", v)
	}

	// Three seats: saved, and the person waiting is offered the third.
	run(t, ctx, chromedp.SetValue(C("#f-capacity"), "3"))
	clickAndLoad(t, ctx, "#save-course")
	run(t, ctx, chromedp.WaitVisible(C("#seats")))
	if got := text(t, ctx, "h1"); got != "Қазақ тілі: жетекшілерге" {
		t.Fatalf("title after saving: %q", got)
	}
	if got, _ := svc.Get(ctx0, c.ID); got.Capacity != 3 || got.SeatsTaken != 3 {
		t.Fatalf("after saving: %+v", got)
	}
	if e, _ := svc.Mine(ctx0, waiter.User, c.ID); e.Status != courses.Offered {
		t.Fatalf("the person waiting: %+v", e)
	}
	if got, _ := svc.Get(ctx0, c.ID); len(got.Teachers) != 1 || got.Teachers[0].ID != t1.User.ID {
		t.Fatalf("teachers after saving: %+v", got.Teachers)
	}

	// Enter in the name box saves (never a remove button): a name that is
	// one member's is taken with the form.
	clickAndLoad(t, ctx, "#edit-link")
	run(t, ctx, chromedp.WaitVisible(C("#f-teacher_q")), chromedp.SetValue(C("#f-teacher_q"), "Нұрланқызы"),
		chromedp.Evaluate[chromedp.Void](`window.__ortaqOld = true`), chromedp.SendKeys(C("#f-teacher_q"), "\r"))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__ortaqOld !== true && document.readyState === "complete"`)); err == nil && fresh {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Enter in the teacher's name box loaded no new page")
		}
	}
	run(t, ctx, chromedp.WaitVisible(C("#seats")))
	if got, _ := svc.Get(ctx0, c.ID); len(got.Teachers) != 2 {
		t.Fatalf("teachers after Enter: %+v", got.Teachers)
	}
}
