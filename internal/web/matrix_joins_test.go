package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
)

// Joining an organization (issue 15, item 5): anyone signed in may ask but
// a minor without consent; its administrators open it and answer.
func init() {
	ctx := context.Background()
	open := func(w *world) {
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE organizations SET takes_members = TRUE WHERE id = ?", w.child)
			return err
		}); err != nil {
			panic(err)
		}
	}
	// request stores an open request to join w.child by a new person (or
	// by the world's person when mine), and returns its id.
	request := func(w *world, mine bool) int64 {
		var uid int64
		if mine {
			if w.me.User == nil {
				return 1
			}
			uid = w.me.User.ID
		} else {
			uid = w.env.NewPerson().User.ID
		}
		var id int64
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO org_join_requests (org_id, user_id, status, created_at) VALUES (?, ?, 'pending', ?) RETURNING id`,
				w.child, uid, tx.Now).Scan(&id)
		}); err != nil {
			panic(err)
		}
		return id
	}
	jsonCall := func(w *world, method, path, body string) *apptest.Response {
		req, _ := http.NewRequest(method, w.env.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return w.c.Do(req)
	}
	admin := func(ok int) map[string]int { return atLeast("org_admin", ok) }
	notLimited := func(ok int) map[string]int {
		m := signedIn(ok)
		m["limited"] = http.StatusForbidden
		return m
	}
	addCases(map[string]routeCase{
		"POST /{lang}/organizations/{id}/join": {func(w *world) *apptest.Response {
			open(w)
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/join", w.child), url.Values{"message": {"Сәлем"}})
		}, notLimited(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/join/withdraw": {func(w *world) *apptest.Response {
			request(w, true)
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/join/withdraw", w.child), nil)
		}, signedIn(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/joining": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/joining", w.child), url.Values{"takes_members": {"1"}})
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/join-requests/{rid}/accept": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/join-requests/%d/accept", w.child, request(w, false)), nil)
		}, admin(http.StatusSeeOther)},
		"POST /{lang}/organizations/{id}/join-requests/{rid}/decline": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/join-requests/%d/decline", w.child, request(w, false)), nil)
		}, admin(http.StatusSeeOther)},
		"POST /api/v1/organizations/{id}/join-requests": {func(w *world) *apptest.Response {
			open(w)
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/organizations/%d/join-requests", w.child), `{"message":"Сәлем"}`)
		}, notLimited(http.StatusCreated)},
		"POST /api/v1/organizations/{id}/join-requests/{request_id}/accept": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/organizations/%d/join-requests/%d/accept", w.child, request(w, false)), "")
		}, admin(http.StatusOK)},
		"POST /api/v1/organizations/{id}/join-requests/{request_id}/decline": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/organizations/%d/join-requests/%d/decline", w.child, request(w, false)), "")
		}, admin(http.StatusOK)},
		"PUT /api/v1/organizations/{id}/joining": {func(w *world) *apptest.Response {
			return jsonCall(w, "PUT", fmt.Sprintf("/api/v1/organizations/%d/joining", w.child), `{"takes_members":true}`)
		}, admin(http.StatusOK)},
	})
}
