package courses_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
)

func rename(t *testing.T, env *apptest.Env, p apptest.Person, name string) {
	t.Helper()
	err := env.App.DB.Write(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), "UPDATE users SET name = ? WHERE id = ?", name, p.User.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Teachers are picked by name among the people related to the course's
// organization (members of it and of its subtree, holders of a grant), in
// any script; strangers and minors without consent are never offered. On
// the forms, without JavaScript: a name matching several people brings
// the form back with the matches and an add button each; one match is
// taken when the form is sent; a remove button takes one off; no match, a
// stranger and someone who does not organize for the organization get
// their own words.
func TestTeachersPickedByName(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Шымкент Ассамблеясы")
		child := env.NewOrg(org, "Корей этномәдени бірлестігі")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		seit, nurl, stranger, minor, gone := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson("minor"), env.NewPerson()
		rename(t, env, seit, "Айгерім Сейітова")
		rename(t, env, nurl, "Aigerim Nurlanqyzy")
		rename(t, env, stranger, "Айгерим Бекова")
		rename(t, env, minor, "Айгерім Кіші")
		rename(t, env, gone, "Айгерім Кеткен")
		env.Grant(seit, org, "member")
		env.Grant(nurl, child, "member")
		env.Grant(minor, org, "member")
		env.Grant(gone, org, "member")
		if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE memberships SET until = '2021-01-01' WHERE user_id = ?", gone.User.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		svc := env.App.Courses

		// The service: both spellings meet; only related people, adults.
		cs, more, err := svc.FindTeachers(ctx, boss.User, org, "aigerim")
		if err != nil || more || len(cs) != 2 {
			t.Fatalf("find: %+v %v %v", cs, more, err)
		}
		ids := []int64{cs[0].ID, cs[1].ID}
		if !slices.Contains(ids, seit.User.ID) || !slices.Contains(ids, nurl.User.ID) {
			t.Fatalf("found %+v", cs)
		}
		if cs, _, err := svc.FindTeachers(ctx, boss.User, org, "Нұрланқызы"); err != nil || len(cs) != 1 || cs[0].ID != nurl.User.ID ||
			cs[0].Where.KK != "Корей этномәдени бірлестігі" {
			t.Fatalf("find in Cyrillic: %+v %v", cs, err)
		}
		if _, _, err := svc.FindTeachers(ctx, seit.User, org, "aigerim"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a member searched the organization's people: %v", err)
		}
		if _, _, err := svc.FindTeachers(ctx, boss.User, org, "a"); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("one letter: %v", err)
		}
		if _, err := svc.TeacherCandidate(ctx, boss.User, org, stranger.User.ID); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("a stranger as a candidate: %v", err)
		}

		// The create form.
		c := env.Client()
		c.SignIn(boss)
		now := env.Clock.Now()
		f := url.Values{"org_id": {fmt.Sprint(org)}, "title_kk": {"Шеберлік сабағы"}, "capacity": {"10"}, "weekdays": {"tue", "thu"},
			"start_time": {"18:00"}, "minutes": {"90"}, "from": {day(now, 1)}, "to": {day(now, 40)}, "threshold": {"80"}, "offer_hours": {"24"}, "place": {"Шымкент, Достық үйі"},
			"teacher_q": {"aigerim"}, "find_teacher": {"1"}}
		post := func(path string, f url.Values, want int) string {
			t.Helper()
			r := c.PostForm(path, f)
			if r.StatusCode != want {
				t.Fatalf("%s %v: %d, want %d\n%.1500s", path, f, r.StatusCode, want, r.Body)
			}
			return html.UnescapeString(r.Body)
		}
		body := post("/en/courses", f, 422)
		for _, want := range []string{"Several members match", "Айгерім Сейітова", "Aigerim Nurlanqyzy", fmt.Sprintf(`name="add_teacher" value="%d"`, seit.User.ID),
			`value="Шеберлік сабағы"`} {
			if !strings.Contains(body, want) {
				t.Fatalf("matches: no %q in\n%s", want, body)
			}
		}
		for _, not := range []string{"Бекова", "Кіші", "Кеткен"} {
			if strings.Contains(body, not) {
				t.Fatalf("offered %s", not)
			}
		}
		// Add pressed: chosen, shown with a remove button; nothing saved yet.
		f.Del("find_teacher")
		f.Set("add_teacher", fmt.Sprint(seit.User.ID))
		body = post("/en/courses", f, 200)
		if !strings.Contains(body, fmt.Sprintf(`<input type="hidden" name="teacher" value="%d">Айгерім Сейітова`, seit.User.ID)) ||
			!strings.Contains(body, fmt.Sprintf(`name="remove_teacher" value="%d"`, seit.User.ID)) || strings.Contains(body, `value="aigerim"`) {
			t.Fatalf("after add:\n%s", body)
		}
		f.Del("add_teacher")
		f.Set("teacher", fmt.Sprint(seit.User.ID))
		// No one of that name; a stranger added by a forged button.
		f.Set("teacher_q", "Бекова")
		f.Set("find_teacher", "1")
		if body := post("/en/courses", f, 422); !strings.Contains(body, "Nobody of that name among the organization") {
			t.Fatalf("no match:\n%s", body)
		}
		f.Del("find_teacher")
		f.Set("teacher_q", "")
		f.Set("add_teacher", fmt.Sprint(stranger.User.ID))
		if body := post("/ru/courses", f, 422); !strings.Contains(body, "Преподаватели должны быть членами организации") {
			t.Fatalf("a stranger added:\n%s", body)
		}
		f.Del("add_teacher")
		// Sent with a name that is one person's: taken, and the course made.
		f.Set("teacher_q", "нурланкызы")
		r := c.PostForm("/en/courses", f)
		if r.StatusCode != 303 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body[strings.Index(r.Body, "<main"):])
		}
		var id int64
		fmt.Sscanf(r.Header.Get("Location"), "/en/courses/%d", &id)
		co, err := svc.Get(ctx, id)
		if err != nil || len(co.Teachers) != 2 {
			t.Fatalf("teachers: %+v %v", co, err)
		}

		// The edit form: remove one, save.
		page := fmt.Sprintf("/kk/courses/%d/edit", id)
		g := c.Get(page)
		if g.StatusCode != 200 || !strings.Contains(html.UnescapeString(g.Body), fmt.Sprintf(`name="remove_teacher" value="%d"`, nurl.User.ID)) {
			t.Fatalf("edit page: %d", g.StatusCode)
		}
		e := url.Values{"title_kk": {"Шеберлік сабағы"}, "capacity": {"10"}, "weekdays": {"tue", "thu"}, "start_time": {"18:00"}, "minutes": {"90"},
			"from": {co.Schedule.From}, "to": {co.Schedule.To}, "place": {co.Place}, "threshold": {"80"}, "offer_hours": {"24"}, "remind_hours": {"24"},
			"teacher": {fmt.Sprint(seit.User.ID), fmt.Sprint(nurl.User.ID)}, "teacher_q": {""}, "remove_teacher": {fmt.Sprint(nurl.User.ID)}}
		body = post(page, e, 200)
		if strings.Contains(body, "Aigerim Nurlanqyzy") || !strings.Contains(body, "Айгерім Сейітова") {
			t.Fatalf("after remove:\n%s", body)
		}
		if co, _ := svc.Get(ctx, id); len(co.Teachers) != 2 {
			t.Fatal("a remove button saved the course")
		}
		e.Del("remove_teacher")
		e.Set("teacher", fmt.Sprint(seit.User.ID))
		if r := c.PostForm(page, e); r.StatusCode != 303 {
			t.Fatalf("save: %d %.1000s", r.StatusCode, r.Body)
		}
		if co, _ := svc.Get(ctx, id); len(co.Teachers) != 1 || co.Teachers[0].ID != seit.User.ID {
			t.Fatalf("after saving: %+v", co.Teachers)
		}
		// A member of the organization who organizes nothing cannot search it.
		mc := env.Client()
		mc.SignIn(seit)
		f.Set("teacher_q", "aigerim")
		f.Set("find_teacher", "1")
		if r := mc.PostForm("/en/courses", f); r.StatusCode != 422 || !strings.Contains(r.Body, "First name an organization you organize") ||
			strings.Contains(r.Body, "Nurlanqyzy") {
			t.Fatalf("a member searched: %d %.1000s", r.StatusCode, r.Body)
		}
	})
}
