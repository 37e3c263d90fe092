package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Courses: organizers (moderators of the organization and above) create
// courses, enrol and remove others, move and cancel sessions, mark
// attendance and issue certificates; any adult account enrols itself,
// answers its own offer, sets its reminders and checks itself in; a minor
// without a guardian's consent does none of it.
func init() {
	ctx := context.Background()
	// course makes a course of w.root with a session open now (started
	// ten minutes ago) and one yesterday; it returns the course and the
	// session open now.
	course := func(w *world) (int64, int64) {
		admin := w.env.NewPerson("admin")
		now := w.env.Clock.Now()
		in := courses.NewCourse{OrgID: w.root, Title: i18n.Text{KK: "Мемлекеттік тіл курсы"}, Capacity: 5, Place: "Шымкент",
			Schedule: courses.Schedule{Weekdays: courses.Weekdays, Start: now.Add(-10 * time.Minute).In(i18n.Almaty).Format("15:04"), Minutes: 60,
				From: now.In(i18n.Almaty).AddDate(0, 0, -1).Format("2006-01-02"), To: now.In(i18n.Almaty).AddDate(0, 0, 2).Format("2006-01-02")}}
		c, ss, err := w.env.App.Courses.Create(ctx, admin.User, in)
		if err != nil {
			panic(err)
		}
		return c.ID, ss[1].ID
	}
	// seat puts p in the course directly with status.
	seat := func(w *world, courseID, userID int64, status string) {
		err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			var expires any
			if status == courses.Offered {
				expires = tx.Now.Add(time.Hour)
			}
			_, err := tx.Exec(ctx, `INSERT INTO course_enrolments (course_id, user_id, status, arrival, offer_expires_at, created_at)
				VALUES (?, ?, ?, (SELECT COALESCE(MAX(arrival), 0) + 1 FROM course_enrolments WHERE course_id = ?), ?, ?)`,
				courseID, userID, status, courseID, expires, tx.Now)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "UPDATE courses SET seats_taken = seats_taken + 1 WHERE id = ?", courseID)
			return err
		})
		if err != nil {
			panic(err)
		}
	}
	// mine seats w.me (when signed in) with status.
	mine := func(w *world, courseID int64, status string) {
		if w.me.User != nil {
			seat(w, courseID, w.me.User.ID, status)
		}
	}
	// learner is another person seated in the course.
	learner := func(w *world, courseID int64) int64 {
		p := w.env.NewPerson()
		seat(w, courseID, p.User.ID, courses.Enrolled)
		return p.User.ID
	}
	codeOf := func(w *world, sessionID int64) string {
		code, _, err := w.env.App.Courses.Code(ctx, w.env.NewPerson("admin").User, sessionID)
		if err != nil {
			panic(err)
		}
		return code
	}
	// completed is a course whose one held session a learner attended.
	completed := func(w *world) int64 {
		id, _ := course(w)
		uid := learner(w, id)
		err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE course_sessions SET cancelled_at = ? WHERE course_id = ? AND starts_at > ?", tx.Now, id, tx.Now.Add(-time.Hour)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO course_attendance (session_id, user_id, status, via, marked_at)
				SELECT id, ?, 'present', 'teacher', ? FROM course_sessions WHERE course_id = ? AND cancelled_at IS NULL`, uid, tx.Now, id)
			return err
		})
		if err != nil {
			panic(err)
		}
		return id
	}
	api := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return w.c.Do(req)
	}
	// self: any adult account; guests 401, a minor without consent 403.
	self := func(ok int) map[string]int {
		m := signedIn(ok)
		m["limited"] = http.StatusForbidden
		return m
	}
	organizer := func(ok int) map[string]int { return atLeast("moderator", ok) }
	newCourse := func(w *world) url.Values {
		now := w.env.Clock.Now().In(i18n.Almaty)
		return url.Values{"org_id": {fmt.Sprint(w.root)}, "title_kk": {"Шеберлік сабағы"}, "capacity": {"20"}, "weekdays": {"sat"},
			"start_time": {"11:00"}, "minutes": {"120"}, "from": {now.AddDate(0, 0, 1).Format("2006-01-02")},
			"to": {now.AddDate(0, 1, 0).Format("2006-01-02")}, "place": {"Сарысу"}}
	}
	// importFile uploads a CSV naming one new member of w.root.
	importFile := func(w *world, path string) *apptest.Response {
		p := w.env.NewPerson()
		w.env.Grant(p, w.root, "member")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "learners.csv")
		fmt.Fprintf(fw, "Аты-жөні,email\n%s,%s\n", p.User.Name, p.Email)
		mw.Close()
		req, _ := http.NewRequest("POST", w.env.URL+path, &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", w.env.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return w.c.Do(req)
	}
	// editForm is the edit form of course id as it stands, with a larger
	// capacity.
	editForm := func(w *world, id int64) url.Values {
		c, err := w.env.App.Courses.Get(ctx, id)
		if err != nil {
			panic(err)
		}
		return url.Values{"title_kk": {c.Title.KK}, "capacity": {"6"}, "weekdays": c.Schedule.Weekdays, "start_time": {c.Schedule.Start},
			"minutes": {fmt.Sprint(c.Schedule.Minutes)}, "from": {c.Schedule.From}, "to": {c.Schedule.To}, "place": {c.Place},
			"threshold": {"80"}, "offer_hours": {"24"}, "remind_hours": {"24"}}
	}
	addCases(map[string]routeCase{
		"POST /{lang}/courses/{id}/edit": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/edit", id), editForm(w, id))
		}, organizer(http.StatusSeeOther)},
		"PATCH /api/v1/courses/{id}": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return api(w, "PATCH", fmt.Sprintf("/api/v1/courses/%d", id), `{"capacity":6,"title":{"en":"State language"}}`)
		}, organizer(http.StatusOK)},
		"POST /{lang}/courses/{id}/enrolments/import": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return importFile(w, fmt.Sprintf("/kk/courses/%d/enrolments/import", id))
		}, organizer(http.StatusSeeOther)},
		"POST /api/v1/courses/{id}/enrolments/import": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return importFile(w, fmt.Sprintf("/api/v1/courses/%d/enrolments/import", id))
		}, organizer(http.StatusOK)},
		"POST /{lang}/courses": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/courses", newCourse(w))
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/enrol": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/enrol", id), nil)
		}, self(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/leave": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/leave", id), url.Values{"person_id": {fmt.Sprint(learner(w, id))}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/offer": {func(w *world) *apptest.Response {
			id, _ := course(w)
			mine(w, id, courses.Offered)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/offer", id), url.Values{"answer": {"accept"}})
		}, self(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/reminders": {func(w *world) *apptest.Response {
			id, _ := course(w)
			mine(w, id, courses.Enrolled)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/reminders", id), url.Values{"on": {"1"}})
		}, self(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/checkin": {func(w *world) *apptest.Response {
			id, sid := course(w)
			mine(w, id, courses.Enrolled)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/checkin", id), url.Values{"code": {codeOf(w, sid)}})
		}, self(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/sessions/{session}/attendance": {func(w *world) *apptest.Response {
			id, sid := course(w)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/sessions/%d/attendance", id, sid),
				url.Values{"person_id": {fmt.Sprint(learner(w, id))}, "status": {"present"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/sessions/{session}/move": {func(w *world) *apptest.Response {
			id, sid := course(w)
			at := w.env.Clock.Now().Add(48 * time.Hour).In(i18n.Almaty).Format("2006-01-02T15:04")
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/sessions/%d/move", id, sid), url.Values{"starts_at": {at}, "minutes": {"60"}})
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/sessions/{session}/cancel": {func(w *world) *apptest.Response {
			id, sid := course(w)
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/sessions/%d/cancel", id, sid), nil)
		}, organizer(http.StatusSeeOther)},
		"POST /{lang}/courses/{id}/certificates": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/courses/%d/certificates", completed(w)), nil)
		}, organizer(http.StatusSeeOther)},

		"POST /api/v1/courses": {func(w *world) *apptest.Response {
			now := w.env.Clock.Now().In(i18n.Almaty)
			return api(w, "POST", "/api/v1/courses", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Дебат мектебі"},"capacity":30,
				"schedule":{"weekdays":["mon"],"start_time":"17:00","minutes":90,"from":%q,"to":%q},"place":"Шымкент"}`,
				w.root, now.AddDate(0, 0, 1).Format("2006-01-02"), now.AddDate(0, 2, 0).Format("2006-01-02")))
		}, organizer(http.StatusCreated)},
		"POST /api/v1/courses/{id}/enrolments": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return api(w, "POST", fmt.Sprintf("/api/v1/courses/%d/enrolments", id), "")
		}, self(http.StatusCreated)},
		"DELETE /api/v1/courses/{id}/enrolments/{person_id}": {func(w *world) *apptest.Response {
			id, _ := course(w)
			return api(w, "DELETE", fmt.Sprintf("/api/v1/courses/%d/enrolments/%d", id, learner(w, id)), "")
		}, organizer(http.StatusOK)},
		"PUT /api/v1/courses/{id}/offer": {func(w *world) *apptest.Response {
			id, _ := course(w)
			mine(w, id, courses.Offered)
			return api(w, "PUT", fmt.Sprintf("/api/v1/courses/%d/offer", id), `{"answer":"decline"}`)
		}, self(http.StatusOK)},
		"POST /api/v1/courses/{id}/certificates": {func(w *world) *apptest.Response {
			return api(w, "POST", fmt.Sprintf("/api/v1/courses/%d/certificates", completed(w)), "")
		}, organizer(http.StatusOK)},
		"PUT /api/v1/sessions/{id}": {func(w *world) *apptest.Response {
			_, sid := course(w)
			return api(w, "PUT", fmt.Sprintf("/api/v1/sessions/%d", sid), `{"cancelled":true}`)
		}, organizer(http.StatusOK)},
		"PUT /api/v1/sessions/{id}/attendance": {func(w *world) *apptest.Response {
			id, sid := course(w)
			return api(w, "PUT", fmt.Sprintf("/api/v1/sessions/%d/attendance", sid), fmt.Sprintf(`{"person_id":"%d","status":"excused"}`, learner(w, id)))
		}, organizer(http.StatusOK)},
		"POST /api/v1/sessions/{id}/checkin": {func(w *world) *apptest.Response {
			id, sid := course(w)
			mine(w, id, courses.Enrolled)
			return api(w, "POST", fmt.Sprintf("/api/v1/sessions/%d/checkin", sid), fmt.Sprintf(`{"code":%q}`, codeOf(w, sid)))
		}, self(http.StatusOK)},
	})
}
