package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
)

// Mentorship: organizers (moderators of the pool's organization and
// above) create pools, approve and manage mentors, run rounds, import,
// issue certificates; anyone signed in who is not limited applies and
// asks; a mentorship is its mentor's and mentee's: strangers get 404,
// organizers may cancel it but not log its sessions or feedback.
func init() {
	ctx := context.Background()
	exec := func(w *world, q string, args ...any) int64 {
		var id int64
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&id) }); err != nil {
			panic(err)
		}
		return id
	}
	pool := func(w *world) int64 {
		return exec(w, `INSERT INTO mentor_pools (org_id, title_kk, spheres, created_at) VALUES (?, 'Тәлімгерлер',
			'[{"key":"it","title":{"kk":"IT","ru":"IT","en":"IT"}}]', ?) RETURNING id`, w.root, w.env.Clock.Now())
	}
	mentor := func(w *world, p, user int64, status string) int64 {
		return exec(w, `INSERT INTO mentors (pool_id, user_id, spheres, languages, capacity, mode, status, created_at)
			VALUES (?, ?, '["it"]', '["kk","ru"]', 3, 'online', ?, ?) RETURNING id`, p, user, status, w.env.Clock.Now())
	}
	// pair makes a mentorship in state status of w.other (mentor) and a
	// new person (mentee); it returns its id.
	pair := func(w *world, status string) int64 {
		p := pool(w)
		m := mentor(w, p, w.other.User.ID, "approved")
		mentee := w.env.NewPerson()
		now := w.env.Clock.Now()
		r := exec(w, `INSERT INTO mentor_requests (pool_id, user_id, spheres, languages, goal, status, created_at)
			VALUES (?, ?, '["it"]', '["kk"]', 'Үйрену', 'matched', ?) RETURNING id`, p, mentee.User.ID, now)
		return exec(w, `INSERT INTO mentorships (pool_id, mentor_id, mentee_id, request_id, status, seat, created_at, updated_at,
			last_activity_at) VALUES (?, ?, ?, ?, ?, FALSE, ?, ?, ?) RETURNING id`, p, m, mentee.User.ID, r, status, now, now, now)
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return w.c.Do(req)
	}
	organizer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	notLimited := func(ok int) map[string]int {
		m := signedIn(ok)
		m["limited"] = http.StatusForbidden
		return m
	}
	// theirs: a mentorship of others: 404 to strangers, organizers get ok.
	theirs := func(ok int) map[string]int {
		m := signedIn(http.StatusNotFound)
		for _, r := range []string{"moderator", "org_admin", "platform_admin"} {
			m[r] = ok
		}
		return m
	}
	request := url.Values{"spheres": {"it"}, "languages": {"kk"}, "mode": {"online"}, "goal": {"Бағдарламалау"}}
	addCases(map[string]routeCase{
		"POST /{lang}/mentor-pools": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/mentor-pools", url.Values{"org_id": {fmt.Sprint(w.root)}, "title_kk": {"Тәлімгерлер"}, "spheres": {"it | IT | IT | IT"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/mentors": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/mentors", pool(w)), url.Values{"spheres": {"it"}, "languages": {"kk"},
				"capacity": {"2"}, "mode": {"online"}})
		}, notLimited(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/requests": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/requests", pool(w)), request)
		}, notLimited(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/requests/withdraw": {func(w *world) *apptest.Response {
			p := pool(w)
			if w.me.User != nil {
				exec(w, `INSERT INTO mentor_requests (pool_id, user_id, goal, status, created_at) VALUES (?, ?, 'Үйрену', 'open', ?) RETURNING id`,
					p, w.me.User.ID, w.env.Clock.Now())
			}
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/requests/withdraw", p), nil)
		}, signedIn(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/rounds": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/rounds", pool(w)), nil)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/import": {func(w *world) *apptest.Response {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", "mentors.csv")
			fmt.Fprint(fw, "email,spheres,capacity,languages\n")
			mw.Close()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/kk/mentor-pools/%d/import", w.env.URL, pool(w)), &b)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return w.c.Do(req)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/mentor-pools/{id}/certificates": {func(w *world) *apptest.Response {
			id := pair(w, "completed")
			var p int64
			if err := w.env.App.DB.QueryRow(ctx, "SELECT pool_id FROM mentorships WHERE id = ?", id).Scan(&p); err != nil {
				panic(err)
			}
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/certificates", p), nil)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/mentors/{id}/approve": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentors/%d/approve", mentor(w, pool(w), w.other.User.ID, "pending")), nil)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/mentors/{id}/settings": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentors/%d/settings", mentor(w, pool(w), w.other.User.ID, "approved")), url.Values{"capacity": {"5"}})
		}, organizer(http.StatusSeeOther)},
		// A group: only the mentor's own (here the person asking is the mentor).
		"POST /{lang}/mentors/{id}/groups": {func(w *world) *apptest.Response {
			user := w.other.User.ID
			if w.me.User != nil {
				user = w.me.User.ID
			}
			return w.c.PostForm(fmt.Sprintf("/kk/mentors/%d/groups", mentor(w, pool(w), user, "approved")), url.Values{"title": {"Бірінші топ"}})
		}, signedIn(http.StatusSeeOther)},
		"POST /{lang}/mentorships/{id}/status": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/status", pair(w, "active")), url.Values{"status": {"cancelled"}, "reason": {"Көшіп кетті"}})
		}, theirs(http.StatusSeeOther)},
		"POST /{lang}/mentorships/{id}/sessions": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/sessions", pair(w, "active")), url.Values{"date": {"2026-01-05"}, "minutes": {"40"}})
		}, theirs(http.StatusForbidden)},
		"POST /{lang}/mentorships/{id}/feedback": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/feedback", pair(w, "completed")), url.Values{"feedback": {"Жақсы"}})
		}, theirs(http.StatusForbidden)},
		"POST /{lang}/mentorships/{id}/group": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/group", pair(w, "active")), url.Values{"group": {"0"}})
		}, theirs(http.StatusForbidden)},

		"POST /{lang}/mentorships/{id}/goals": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/goals", pair(w, "active")), url.Values{"goal_title": {"Сайт жасау"}})
		}, theirs(http.StatusForbidden)},
		"POST /{lang}/mentorships/{id}/goals/{goal}": {func(w *world) *apptest.Response {
			id := pair(w, "active")
			var mentor int64
			if err := w.env.App.DB.QueryRow(ctx, "SELECT m.user_id FROM mentorships s JOIN mentors m ON m.id = s.mentor_id WHERE s.id = ?", id).Scan(&mentor); err != nil {
				panic(err)
			}
			goal := exec(w, `INSERT INTO mentorship_goals (mentorship_id, title, created_by, created_at) VALUES (?, 'Сайт жасау', ?, ?) RETURNING id`,
				id, mentor, w.env.Clock.Now())
			return w.c.PostForm(fmt.Sprintf("/kk/mentorships/%d/goals/%d", id, goal), url.Values{"action": {"done"}})
		}, theirs(http.StatusForbidden)},

		"POST /{lang}/mentor-pools/{id}/schedule": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/schedule", pool(w)), url.Values{"weekdays": {"mon"}, "time": {"10:00"}})
		}, organizer(http.StatusSeeOther)},
		// A ranking: only a mentor's own (here the person asking is the
		// mentor, as for groups); a limited account is refused.
		"POST /{lang}/mentor-pools/{id}/ranking": {func(w *world) *apptest.Response {
			p := pool(w)
			if w.me.User != nil {
				mentor(w, p, w.me.User.ID, "approved")
			}
			return w.c.PostForm(fmt.Sprintf("/kk/mentor-pools/%d/ranking", p), url.Values{"clear": {"1"}})
		}, notLimited(http.StatusSeeOther)},
		"POST /api/v1/mentor-pools": {func(w *world) *apptest.Response {
			return api(w, "POST", "/api/v1/mentor-pools", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Тәлімгерлер"},"spheres":[{"key":"it","title":{"kk":"IT"}}]}`, w.root))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/mentor-pools/{id}/mentors": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/mentor-pools/%d/mentors", pool(w)), `{"spheres":["it"],"capacity":2,"languages":["kk"],"mode":"online"}`)
		}, notLimited(http.StatusCreated)},
		"PUT /api/v1/mentors/{id}/approve": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/mentors/%d/approve", mentor(w, pool(w), w.other.User.ID, "pending")), "")
		}, organizer(http.StatusOK)},
		"PUT /api/v1/mentors/{id}": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/mentors/%d", mentor(w, pool(w), w.other.User.ID, "approved")), `{"capacity":4,"paused":true}`)
		}, organizer(http.StatusOK)},
		"POST /api/v1/mentor-pools/{id}/requests": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/mentor-pools/%d/requests", pool(w)), `{"spheres":["it"],"languages":["kk"],"goal":"Үйрену"}`)
		}, notLimited(http.StatusCreated)},
		"POST /api/v1/mentors/{id}/requests": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/mentors/%d/requests", mentor(w, pool(w), w.other.User.ID, "approved")), `{"spheres":["it"],"languages":["kk"],"goal":"Үйрену"}`)
		}, notLimited(http.StatusCreated)},
		"POST /api/v1/mentor-pools/{id}/rounds": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/mentor-pools/%d/rounds", pool(w)), "")
		}, organizer(http.StatusCreated)},
		"PUT /api/v1/mentor-pools/{id}/schedule": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/mentor-pools/%d/schedule", pool(w)), `{"weekdays":["mon"],"dates":[],"time":"10:00"}`)
		}, organizer(http.StatusOK)},
		"PUT /api/v1/mentor-pools/{id}/mentors/me/ranking": {func(w *world) *apptest.Response {
			p := pool(w)
			if w.me.User != nil {
				mentor(w, p, w.me.User.ID, "approved")
			}
			return api(w, "PUT", fmt.Sprintf("/api/v1/mentor-pools/%d/mentors/me/ranking", p), `{"requests":[]}`)
		}, notLimited(http.StatusOK)},
		"PUT /api/v1/mentorships/{id}": {func(w *world) *apptest.Response {
			return api(w, "PUT", fmt.Sprintf("/api/v1/mentorships/%d", pair(w, "accepted")), `{"status":"cancelled","reason":"Көшіп кетті"}`)
		}, theirs(http.StatusOK)},
		"POST /api/v1/mentorships/{id}/sessions": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/mentorships/%d/sessions", pair(w, "active")), `{"date":"2026-01-05","minutes":40}`)
		}, theirs(http.StatusForbidden)},
	})
}
