package courses_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

// PATCH /api/v1/courses/{id} changes the fields given and keeps the rest
// (one language of a title too); a capacity below the enrolled is a 422
// problem naming the field and the count in the reader's language; only
// organizers may. The edit page: filled in, errors next to the field with
// what was typed kept, and a redirect to the course when saved.
func TestEditCourseAPIAndPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Шымкент Ассамблеясы")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		co, _ := newCourse(t, env, org, boss, 5, 20, nil)
		a, b := env.NewPerson(), env.NewPerson()
		for _, p := range []apptest.Person{a, b} {
			if _, err := env.App.Courses.Enrol(t.Context(), p.User, co.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		c := env.Client()
		path := fmt.Sprintf("/api/v1/courses/%d", co.ID)
		btok := token(t, env, boss)

		r := c.JSON("PATCH", path, btok, `{"title":{"en":"State language"},"capacity":3,"remind_hours":0}`)
		if r.StatusCode != 200 {
			t.Fatalf("patch: %d %s", r.StatusCode, r.Body)
		}
		out := decode[struct {
			Title       i18n.Text `json:"title"`
			Capacity    int       `json:"capacity"`
			RemindHours int       `json:"remind_hours"`
			Place       string    `json:"place"`
		}](t, r)
		if out.Title.EN != "State language" || out.Title.KK != co.Title.KK || out.Title.RU != co.Title.RU || out.Capacity != 3 ||
			out.RemindHours != 0 || out.Place != co.Place {
			t.Fatalf("after patch: %+v", out)
		}
		req, _ := http.NewRequest("PATCH", env.URL+path, strings.NewReader(`{"capacity":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+btok)
		req.Header.Set("Accept-Language", "ru")
		r = c.Do(req)
		if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"capacity"`) || !strings.Contains(r.Body, "Уже записано: 2") {
			t.Fatalf("capacity below the enrolled: %d %s", r.StatusCode, r.Body)
		}
		for body, want := range map[string]int{`{"capacity":0}`: 422, `{"colour":"red"}`: 422, `{"schedule":{"weekdays":["xyz"],"start_time":"18:00","minutes":90,"from":"2027-01-01","to":"2027-02-01"}}`: 422} {
			if r := c.JSON("PATCH", path, btok, body); r.StatusCode != want && !(body == `{"colour":"red"}` && r.StatusCode == 400) {
				t.Errorf("%s: %d %s", body, r.StatusCode, r.Body)
			}
		}
		if r := c.JSON("PATCH", path, token(t, env, a), `{"capacity":50}`); r.StatusCode != 403 {
			t.Fatalf("a learner patched: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("PATCH", path, "", `{"capacity":50}`); r.StatusCode != 401 {
			t.Fatalf("a guest patched: %d %s", r.StatusCode, r.Body)
		}

		// The page.
		page := fmt.Sprintf("/kk/courses/%d/edit", co.ID)
		la := env.Client()
		la.SignIn(a)
		if r := la.Get(page); r.StatusCode != 403 {
			t.Fatalf("a learner opened the edit page: %d", r.StatusCode)
		}
		c.SignIn(boss)
		r = c.Get(page)
		if r.StatusCode != 200 || !strings.Contains(html.UnescapeString(r.Body), `value="`+co.Title.KK+`"`) || !strings.Contains(r.Body, `name="remind_hours"`) {
			t.Fatalf("edit page: %d", r.StatusCode)
		}
		if r := c.Get(fmt.Sprintf("/kk/courses/%d", co.ID)); !strings.Contains(r.Body, `id="edit-link"`) {
			t.Fatal("no edit link on the course page for its organizer")
		}
		form := url.Values{"title_kk": {"Қазақ тілі курсы"}, "title_ru": {co.Title.RU}, "capacity": {"1"}, "weekdays": co.Schedule.Weekdays,
			"start_time": {co.Schedule.Start}, "minutes": {fmt.Sprint(co.Schedule.Minutes)}, "from": {co.Schedule.From}, "to": {co.Schedule.To},
			"place": {co.Place}, "threshold": {"80"}, "offer_hours": {"24"}, "remind_hours": {"24"}}
		r = c.PostForm(page, form)
		body := html.UnescapeString(r.Body)
		if r.StatusCode != 422 || !strings.Contains(body, `id="e-capacity"`) || !strings.Contains(body, "Жазылғандар саны: 2") ||
			!strings.Contains(body, `value="Қазақ тілі курсы"`) {
			t.Fatalf("capacity 1 on the page: %d\n%s", r.StatusCode, r.Body)
		}
		form.Set("capacity", "4")
		r = c.PostForm(page, form)
		if r.StatusCode != 303 || !strings.HasSuffix(r.Header.Get("Location"), fmt.Sprintf("/kk/courses/%d", co.ID)) {
			t.Fatalf("save: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		got, err := env.App.Courses.Get(t.Context(), co.ID)
		if err != nil || got.Title.KK != "Қазақ тілі курсы" || got.Capacity != 4 || got.Title.EN != "" {
			t.Fatalf("after the form: %+v %v", got, err)
		}
	})
}
