package mentorship_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func want(t *testing.T, r *apptest.Response, status int, fragments ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%.3000s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.Body)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Body, f) {
			t.Fatalf("%s %s: no %q in\n%.3000s", r.Request.Method, r.Request.URL.Path, f, r.Body)
		}
	}
}

// The whole path through the API and the pages: a pool, mentors, a
// request, a round, acceptance, a session, the organizer's view and
// export, and the refusals along the way.
func TestAPIAndPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Жастар қанаты")
		organizer, mentorP, youth, other := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(organizer, org, "moderator")
		env.Grant(mentorP, org, "member")
		oc, mc, yc, xc := env.Client(), env.Client(), env.Client(), env.Client()
		oc.SignIn(organizer)
		mc.SignIn(mentorP)
		yc.SignIn(youth)
		xc.SignIn(other)

		// A pool, by the API; not by a young person.
		body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Мың тәлімгер","en":"A thousand mentors"},
			"spheres":[{"key":"it","title":{"kk":"IT","ru":"IT","en":"IT"}},{"key":"media","title":{"kk":"Медиа","ru":"Медиа","en":"Media"}}]}`, org)
		want(t, yc.JSON("POST", "/api/v1/mentor-pools", "", body), http.StatusForbidden)
		r := oc.JSON("POST", "/api/v1/mentor-pools", "", body)
		want(t, r, http.StatusCreated, `"spheres"`)
		var pool struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &pool)
		base := "/api/v1/mentor-pools/" + pool.ID

		// The organizer adds a member as a mentor (approved at once); a
		// capacity of 0 or 21 is refused with a translated message.
		add := func(capacity int) *apptest.Response {
			return oc.JSON("POST", base+"/mentors", "", fmt.Sprintf(`{"person_id":"%d","spheres":["it"],"capacity":%d,"languages":["kk","ru"],"mode":"online","bio":"Бағдарламашы"}`, mentorP.User.ID, capacity))
		}
		req, _ := http.NewRequest("POST", env.URL+base+"/mentors", strings.NewReader(fmt.Sprintf(`{"person_id":"%d","spheres":["it"],"capacity":0,"languages":["kk"]}`, mentorP.User.ID)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "ru")
		want(t, oc.Do(req), http.StatusUnprocessableEntity, "Укажите от 1 до 20 подопечных")
		want(t, add(21), http.StatusUnprocessableEntity, `"capacity"`)
		r = add(1)
		want(t, r, http.StatusCreated, `"status":"approved"`)
		var mentor struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &mentor)
		// Someone applies (pending); only an organizer approves.
		r = xc.JSON("POST", base+"/mentors", "", `{"spheres":["media"],"capacity":3,"languages":["ru"],"mode":"online"}`)
		want(t, r, http.StatusCreated, `"status":"pending"`)
		var applied struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &applied)
		want(t, xc.JSON("PUT", "/api/v1/mentors/"+applied.ID+"/approve", "", ""), http.StatusForbidden)
		want(t, oc.JSON("PUT", "/api/v1/mentors/"+applied.ID+"/approve", "", ""), http.StatusOK, `"status":"approved"`)

		// The pool page shows the public cards to guests.
		want(t, env.Client().Get("/kk/mentor-pools/"+pool.ID), http.StatusOK, "Мың тәлімгер", "Бағдарламашы", mentorP.User.Name)
		want(t, env.Client().Get("/en/mentor-pools"), http.StatusOK, "A thousand mentors")

		// A young person asks on the page; a mentor not in the pool and a
		// second request are refused.
		form := url.Values{"spheres": {"it"}, "languages": {"kk"}, "mode": {"online"}, "goal": {"Бағдарламалауды үйрену"}, "preferences": {"99999"}}
		want(t, yc.PostForm("/kk/mentor-pools/"+pool.ID+"/requests", form), http.StatusUnprocessableEntity, "99999")
		form.Set("preferences", mentor.ID)
		want(t, yc.PostForm("/kk/mentor-pools/"+pool.ID+"/requests", form), http.StatusSeeOther)
		want(t, yc.JSON("POST", base+"/requests", "", `{"spheres":["it"],"languages":["kk"],"goal":"Тағы"}`), http.StatusConflict)
		want(t, yc.Get("/kk/mentor-pools/"+pool.ID), http.StatusOK, `id="my-request"`)

		// The round, by the organizer only.
		want(t, yc.JSON("POST", base+"/rounds", "", ""), http.StatusForbidden)
		r = oc.JSON("POST", base+"/rounds", "", "")
		want(t, r, http.StatusCreated, `"matched":1`, `"mentor_id":"`+mentor.ID+`"`)
		if _, err := env.App.Mentorship.Notices(t.Context()); err != nil { // also started after the round's commit
			t.Fatal(err)
		}
		var notices int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM outbox WHERE kind = 'mentorship.notice'").Scan(&notices); err != nil || notices != 2 {
			t.Fatalf("%d notices of the round: %v", notices, err)
		}
		r = yc.JSON("GET", "/api/v1/mentorships", "", "")
		want(t, r, http.StatusOK, `"status":"proposed"`)
		var mine struct{ Items []struct{ ID string } }
		_ = json.Unmarshal([]byte(r.Body), &mine)
		ms := "/api/v1/mentorships/" + mine.Items[0].ID
		page := "/kk/mentorships/" + mine.Items[0].ID
		want(t, yc.Get(page), http.StatusOK, "сіз бұл тәлімгерді 1-орынға қойдыңыз")
		want(t, mc.Get("/kk/me"), http.StatusOK, `id="me-mentorship"`, "жауабыңызды күтеді")
		want(t, env.Client().Get("/en/"), http.StatusOK, `id="now-mentors"`, "A thousand mentors")
		want(t, xc.Get(page), http.StatusNotFound)

		// The mentor accepts on the page and logs a session; the other
		// person cannot log one.
		want(t, yc.JSON("PUT", ms, "", `{"status":"accepted"}`), http.StatusForbidden)
		want(t, mc.PostForm(page+"/status", url.Values{"status": {"accepted"}}), http.StatusSeeOther)
		want(t, xc.JSON("POST", ms+"/sessions", "", `{"date":"2026-01-01","minutes":30}`), http.StatusNotFound)
		day := env.Clock.Now().In(time.FixedZone("", 5*3600)).Format("2006-01-02")
		want(t, mc.PostForm(page+"/sessions", url.Values{"date": {day}, "minutes": {"0"}}), http.StatusUnprocessableEntity)
		want(t, mc.PostForm(page+"/sessions", url.Values{"date": {day}, "minutes": {"50"}, "notes": {"Түйіндеме жаздық"}}), http.StatusSeeOther)
		want(t, yc.PostForm(page+"/goals", url.Values{"goal_title": {""}}), http.StatusUnprocessableEntity, `id="goal-form"`)
		want(t, yc.PostForm(page+"/goals", url.Values{"goal_title": {"Портфолио жинау"}}), http.StatusSeeOther)
		want(t, yc.Get(page), http.StatusOK, "Түйіндеме жаздық", "Портфолио жинау", "Орындадым")

		// The organizer's view and export.
		want(t, yc.Get("/kk/mentor-pools/"+pool.ID+"/manage"), http.StatusForbidden)
		want(t, oc.Get("/kk/mentor-pools/"+pool.ID+"/manage"), http.StatusOK, `id="waiting"`)
		r = oc.Get("/kk/mentor-pools/" + pool.ID + "/export")
		want(t, r, http.StatusOK)
		if !strings.HasPrefix(r.Body, "PK") {
			t.Fatal("export is not an XLSX file")
		}

		// Three quiet weeks: both are reminded once.
		env.Clock.Advance(22 * 24 * time.Hour)
		n, err := env.App.Mentorship.Remind(t.Context())
		if err != nil || n != 1 {
			t.Fatalf("remind: %d %v", n, err)
		}
		if n, _ := env.App.Mentorship.Remind(t.Context()); n != 0 {
			t.Fatalf("reminded twice: %d", n)
		}
		var due int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM outbox WHERE kind = 'mentorship.quiet'").Scan(&due); err != nil || due != 2 {
			t.Fatalf("%d reminders in the outbox: %v", due, err)
		}

		// Completion, feedback and certificates through awards.
		want(t, mc.JSON("PUT", ms, "", `{"status":"completed"}`), http.StatusOK, `"status":"completed"`)
		want(t, yc.PostForm(page+"/feedback", url.Values{"feedback": {"Көп нәрсе үйрендім"}}), http.StatusSeeOther)
		want(t, oc.PostForm("/kk/mentor-pools/"+pool.ID+"/certificates", nil), http.StatusSeeOther)
		var awards int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM awards").Scan(&awards); err != nil || awards != 2 {
			t.Fatalf("%d awards: %v", awards, err)
		}
	})
}

// The new-pool form names its programme by typing its title, like its
// organization, and none is needed: an unknown title is refused next to
// the field with what was typed kept; a known one links the pool.
func TestNewPoolFormPicksItsProgramme(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Жастар қанаты")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "admin")
		oc := env.Client()
		oc.SignIn(organizer)
		now := env.Clock.Now()
		body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жастар – Отанға!","ru":"Молодёжь – Родине!","en":"Youth for the Homeland"},
			"description":{"kk":"Бағдарлама","ru":"","en":""},"age_min":14,"age_max":35,"regions":[],
			"directions":[{"title":{"kk":"Білім","ru":"Образование","en":"Education"}}],
			"phases":[{"kind":"proposals","starts_at":"%s","ends_at":"%s"}]}`,
			org, now.Add(-time.Hour).Format(time.RFC3339), now.Add(720*time.Hour).Format(time.RFC3339))
		r := oc.JSON("POST", "/api/v1/programmes", "", body)
		want(t, r, http.StatusCreated)
		var prog struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &prog)
		form := func(programme string) url.Values {
			return url.Values{"org_id_q": {"Жастар қанаты"}, "title_kk": {"Тәлімгерлер"}, "spheres": {"it | IT | IT | IT"}, "programme_id_q": {programme}}
		}
		want(t, oc.Get("/en/mentor-pools/new"), http.StatusOK, `id="f-programme_id_q"`)
		want(t, oc.PostForm("/en/mentor-pools", form("Жоқ бағдарлама")), http.StatusUnprocessableEntity, `id="e-programme_id"`, `value="Жоқ бағдарлама"`)
		pools := func(q string) int {
			var n int
			if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM mentor_pools WHERE "+q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := pools("1 = 1"); n != 0 {
			t.Fatalf("%d pools after a refused form", n)
		}
		want(t, oc.PostForm("/en/mentor-pools", form("youth for the homeland")), http.StatusSeeOther)
		want(t, oc.PostForm("/en/mentor-pools", form("")), http.StatusSeeOther)
		if n := pools("programme_id = " + prog.ID); n != 1 {
			t.Fatalf("%d pools of the programme, want 1", n)
		}
		if n := pools("programme_id IS NULL"); n != 1 {
			t.Fatalf("%d pools without a programme, want 1", n)
		}
	})
}
