package mentorship_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// The organizer sets the round schedule on the pool's settings page and
// through the API; a mentor ranks requests on a page without JavaScript
// and through the API, and the next round follows the ranking.
func TestSchedulePageAndRanking(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Жастар қанаты")
		organizer, mentorP, first, second, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(organizer, org, "moderator")
		env.Grant(mentorP, org, "member")
		oc, mc, fc, sc, xc := env.Client(), env.Client(), env.Client(), env.Client(), env.Client()
		for c, p := range map[*apptest.Client]apptest.Person{oc: organizer, mc: mentorP, fc: first, sc: second, xc: stranger} {
			c.SignIn(p)
		}
		r := oc.JSON("POST", "/api/v1/mentor-pools", "", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Тәлімгерлер"},
			"spheres":[{"key":"it","title":{"kk":"IT","ru":"IT","en":"IT"}},{"key":"media","title":{"kk":"Медиа","ru":"Медиа","en":"Media"}}]}`, org))
		want(t, r, http.StatusCreated)
		var pool struct{ ID string }
		_ = json.Unmarshal([]byte(r.Body), &pool)
		base, pages := "/api/v1/mentor-pools/"+pool.ID, "/kk/mentor-pools/"+pool.ID
		r = oc.JSON("POST", base+"/mentors", "", fmt.Sprintf(`{"person_id":"%d","spheres":["it"],"capacity":1,"languages":["kk","ru"],"mode":"online"}`, mentorP.User.ID))
		want(t, r, http.StatusCreated)

		// The schedule: off by default; refused input is explained; the
		// organizer's view shows the next round; strangers get 403.
		want(t, oc.JSON("GET", base+"/schedule", "", ""), http.StatusOK, `"weekdays":[]`, `"time_zone":"Asia/Almaty"`)
		want(t, xc.JSON("GET", base+"/schedule", "", ""), http.StatusForbidden)
		want(t, xc.JSON("PUT", base+"/schedule", "", `{"weekdays":["mon"],"dates":[]}`), http.StatusForbidden)
		want(t, oc.JSON("PUT", base+"/schedule", "", `{"weekdays":["monday"],"dates":[],"time":"10:00"}`), http.StatusUnprocessableEntity, `"weekdays"`)
		// dbtest.Clock is Monday 2 March 2026, 14:30 in Almaty: the next Monday 10:00 is 05:00 UTC on 9 March.
		want(t, oc.JSON("PUT", base+"/schedule", "", `{"weekdays":["mon","thu"],"dates":[],"time":"10:00"}`), http.StatusOK,
			`"next_at":"2026-03-05T05:00:00Z"`)
		want(t, oc.Get(pages+"/manage"), http.StatusOK, `id="schedule-next"`, "Келесі кезең", `value="thu" checked`)
		r = oc.PostForm(pages+"/schedule", url.Values{"weekdays": {"mon"}, "dates": {"2026-02-01"}, "time": {"10:00"}})
		want(t, r, http.StatusUnprocessableEntity, "2026-02-01 өтіп кетті", `value="mon" checked`)
		want(t, oc.PostForm(pages+"/schedule", url.Values{"dates": {"2026-03-10\n2026-03-20"}, "time": {"09:30"}}), http.StatusSeeOther)
		want(t, oc.JSON("GET", base+"/schedule", "", ""), http.StatusOK, `"dates":["2026-03-10","2026-03-20"]`, `"next_at":"2026-03-10T04:30:00Z"`)
		want(t, oc.PostForm(pages+"/schedule", url.Values{"off": {"1"}}), http.StatusSeeOther)
		want(t, oc.Get(pages+"/manage"), http.StatusOK, "Кесте бойынша кезең жоспарланбаған")

		// Two young people ask: the first shares the mentor's sphere.
		ask := func(c *apptest.Client, sphere, goal string) string {
			r := c.JSON("POST", base+"/requests", "", fmt.Sprintf(`{"spheres":["%s"],"languages":["kk"],"mode":"online","goal":"%s"}`, sphere, goal))
			want(t, r, http.StatusCreated)
			var out struct{ ID string }
			_ = json.Unmarshal([]byte(r.Body), &out)
			return out.ID
		}
		a, b := ask(fc, "it", "Сайт жасауды үйрену"), ask(sc, "media", "Блог жүргізу")

		// The mentor's page: both requests with what they wrote, no names
		// or emails; someone who is not a mentor of the pool is refused.
		r = mc.Get(pages + "/ranking")
		want(t, r, http.StatusOK, `id="request-`+a+`"`, `id="request-`+b+`"`, "Сайт жасауды үйрену", "Блог жүргізу", `name="rank_`+b+`"`)
		for _, p := range []apptest.Person{first, second} {
			if strings.Contains(r.Body, p.User.Name) || strings.Contains(r.Body, p.User.Email) {
				t.Fatalf("the ranking page shows a young person's name or email")
			}
		}
		if strings.Index(r.Body, `id="request-`+a+`"`) > strings.Index(r.Body, `id="request-`+b+`"`) {
			t.Fatal("the better-fitting request is not first")
		}
		want(t, mc.Get("/kk/mentor-pools/"+pool.ID), http.StatusOK, `id="ranking-link"`)
		want(t, xc.Get(pages+"/ranking"), http.StatusForbidden)
		want(t, xc.JSON("GET", base+"/mentors/me/ranking", "", ""), http.StatusForbidden)

		// Refused: a request that is not open; nothing changes.
		req, _ := http.NewRequest("PUT", env.URL+base+"/mentors/me/ranking", strings.NewReader(`{"requests":["`+b+`","99999"]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "en")
		want(t, mc.Do(req), http.StatusUnprocessableEntity, "Request №99999 is not open in this pool")
		want(t, mc.JSON("GET", base+"/mentors/me/ranking", "", ""), http.StatusOK, `"requests":[]`)
		r = mc.PostForm(pages+"/ranking", url.Values{"shown": {a, b, "99999"}, "rank_" + b: {"1"}, "rank_99999": {"2"}})
		want(t, r, http.StatusUnprocessableEntity, "№99999", `id="e-ranking"`)

		// The page form: the second request first. The round gives it to
		// the mentor although the first fits better.
		want(t, mc.PostForm(pages+"/ranking", url.Values{"shown": {a, b}, "rank_" + a: {""}, "rank_" + b: {"1"}}), http.StatusSeeOther)
		want(t, mc.JSON("GET", base+"/mentors/me/ranking", "", ""), http.StatusOK, `"requests":["`+b+`"]`, `"named_you":false`)
		r = mc.Get(pages + "/ranking")
		if strings.Index(r.Body, `id="request-`+b+`"`) > strings.Index(r.Body, `id="request-`+a+`"`) {
			t.Fatal("the ranked request is not first")
		}
		r = oc.JSON("POST", base+"/rounds", "", "")
		want(t, r, http.StatusCreated, `"request_id":"`+b+`"`)
		if strings.Contains(r.Body, `"request_id":"`+a+`"`) {
			t.Fatalf("the round ignored the ranking: %s", r.Body)
		}
		// "No preference" through the API.
		want(t, mc.JSON("PUT", base+"/mentors/me/ranking", "", `{"requests":[]}`), http.StatusOK, `"requests":[]`)
	})
}
