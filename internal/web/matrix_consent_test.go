package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
)

// Guardians' consent and member invitations (docs/decisions/0003-minors.md,
// 0012-member-invitations.md).
func init() {
	ctx := context.Background()
	exec := func(w *world, q string, args ...any) {
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
			panic(err)
		}
	}
	// withGuardian names a guardian for the world's person (the limited one
	// signed up without one in these tests).
	withGuardian := func(w *world) {
		if w.me.User != nil {
			exec(w, "UPDATE users SET guardian_name = 'Ата-ана', guardian_email = ? WHERE id = ?",
				fmt.Sprintf("guardian%d@example.kz", uniq.Add(1)), w.me.User.ID)
		}
	}
	// invitation makes an open invitation of organization org for person
	// id (the world's person when 0; the other person for a guest).
	invitation := func(w *world, org, id int64) int64 {
		if id == 0 {
			id = w.other.User.ID
			if w.me.User != nil {
				id = w.me.User.ID
			}
		}
		var iid int64
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO org_invitations (org_id, target, email, user_id, role, status, created_at, expires_at)
				VALUES (?, ?, NULL, ?, 'member', 'pending', ?, ?) RETURNING id`, org, fmt.Sprintf("#%d", id), id, tx.Now,
				tx.Now.Add(30*24*time.Hour)).Scan(&iid)
		}); err != nil {
			panic(err)
		}
		return iid
	}
	// waiting makes an account that organization org's import made for a
	// minor without consent.
	waiting := func(w *world, org int64, guardian bool) int64 {
		var id int64
		if err := w.env.App.DB.Write(ctx, func(tx *db.Tx) error {
			var ge any
			if guardian {
				ge = fmt.Sprintf("parent%d@example.kz", uniq.Add(1))
			}
			return tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, lang, email_confirmed_at, consent_required,
				guardian_name, guardian_email, created_by_org, created_at, updated_at)
				VALUES (?, 'Жасөспірім', ?, 'kk', ?, TRUE, ?, ?, ?, ?, ?) RETURNING id`,
				fmt.Sprintf("teen%d@example.kz", uniq.Add(1)), tx.Now.AddDate(-15, 0, 0).Format("2006-01-02"), tx.Now,
				map[bool]any{true: "Ата-ана", false: nil}[guardian], ge, nullOrg(org), tx.Now, tx.Now).Scan(&id)
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
	// A minor without consent is refused; everyone else signed in may.
	notLimited := func(ok int) map[string]int {
		m := signedIn(ok)
		m["limited"] = http.StatusForbidden
		return m
	}
	// Only the limited person has a consent to wait for.
	onlyLimited := func(ok int) map[string]int {
		m := signedIn(http.StatusConflict)
		m["limited"] = ok
		return m
	}
	addCases(map[string]routeCase{
		"POST /{lang}/profile/guardian/resend": {func(w *world) *apptest.Response {
			withGuardian(w)
			return w.c.PostForm("/kk/profile/guardian/resend", nil)
		}, onlyLimited(http.StatusSeeOther)},
		"POST /{lang}/profile/guardian": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/profile/guardian", url.Values{"guardian_name": {"Ана"},
				"guardian_email": {fmt.Sprintf("mother%d@example.kz", uniq.Add(1))}, "guardian_password": {w.me.Password}})
		}, onlyLimited(http.StatusSeeOther)},
		"POST /api/v1/people/{id}/guardian-request": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/people/%d/guardian-request", waiting(w, 0, false)),
				fmt.Sprintf(`{"guardian_name":"Әке","guardian_email":"father%d@example.kz"}`, uniq.Add(1)))
		}, atLeast("platform_admin", http.StatusOK)},

		"POST /{lang}/invitations/{iid}/accept": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/invitations/%d/accept", invitation(w, w.child, 0)), nil)
		}, notLimited(http.StatusSeeOther)},
		"POST /{lang}/invitations/{iid}/decline": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/invitations/%d/decline", invitation(w, w.child, 0)), nil)
		}, signedIn(http.StatusSeeOther)},
		"POST /api/v1/invitations/{id}/accept": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/invitations/%d/accept", invitation(w, w.child, 0)), "")
		}, notLimited(http.StatusCreated)},
		"POST /api/v1/invitations/{id}/decline": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/invitations/%d/decline", invitation(w, w.child, 0)), "")
		}, signedIn(http.StatusNoContent)},
		"POST /{lang}/organizations/{id}/invitations/{iid}/revoke": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/invitations/%d/revoke", w.child, invitation(w, w.child, w.other.User.ID)), nil)
		}, admin(http.StatusSeeOther)},
		"DELETE /api/v1/organizations/{id}/invitations/{invitation_id}": {func(w *world) *apptest.Response {
			return jsonCall(w, "DELETE", fmt.Sprintf("/api/v1/organizations/%d/invitations/%d", w.child, invitation(w, w.child, w.other.User.ID)), "")
		}, admin(http.StatusNoContent)},
		"POST /{lang}/organizations/{id}/people/{pid}/guardian-request": {func(w *world) *apptest.Response {
			return w.c.PostForm(fmt.Sprintf("/kk/organizations/%d/people/%d/guardian-request", w.child, waiting(w, w.child, true)), nil)
		}, admin(http.StatusSeeOther)},
		"POST /api/v1/organizations/{id}/people/{person_id}/guardian-request": {func(w *world) *apptest.Response {
			return jsonCall(w, "POST", fmt.Sprintf("/api/v1/organizations/%d/people/%d/guardian-request", w.child, waiting(w, w.child, false)),
				fmt.Sprintf(`{"guardian_name":"Әке","guardian_email":"father%d@example.kz"}`, uniq.Add(1)))
		}, admin(http.StatusOK)},
	})
}

func nullOrg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
