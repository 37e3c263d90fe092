package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

var uniq atomic.Int64

// The roles every state-changing route is tried with.
var roles = []string{"guest", "limited", "signed_in", "member", "moderator", "org_admin", "platform_admin"}

// world is what one matrix case runs against: a fresh person in the given
// role, their signed-in client, and an organization tree.
type world struct {
	env         *apptest.Env
	c           *apptest.Client
	me          apptest.Person
	root, child int64 // the role is held at root; child is in its subtree
	other       apptest.Person
	otherGrant  int64 // a grant in child, to revoke
	otherSess   int64 // another person's session
	otherToken  int64 // another person's token
}

// routeCase says how to call a route and what each role must get.
type routeCase struct {
	call func(w *world) *apptest.Response
	want map[string]int // role → status
}

// all gives every role the same status.
func all(status int) map[string]int {
	m := map[string]int{}
	for _, r := range roles {
		m[r] = status
	}
	return m
}

// signedIn: 401 for guests, status for every account.
func signedIn(status int) map[string]int {
	m := all(status)
	m["guest"] = http.StatusUnauthorized
	return m
}

// atLeast: 401 guest, 403 below role, ok from role up.
func atLeast(role string, ok int) map[string]int {
	m := map[string]int{}
	reached := false
	for _, r := range roles {
		switch {
		case r == "guest":
			m[r] = http.StatusUnauthorized
		case r == role || reached:
			reached = true
			m[r] = ok
		default:
			m[r] = http.StatusForbidden
		}
	}
	return m
}

func form(path string, v url.Values) func(w *world) *apptest.Response {
	return func(w *world) *apptest.Response { return w.c.PostForm(path, v) }
}

// matrix lists every state-changing route. A new route must be added:
// TestPermissionMatrixCoversEveryRoute fails until it is. Components add
// their cases from their own file in this package (matrix_COMPONENT_test.go)
// with addCases in an init function.
var matrix = map[string]routeCase{}

// addCases adds a component's cases; a route may be listed only once.
func addCases(cases map[string]routeCase) {
	for k, c := range cases {
		if _, dup := matrix[k]; dup {
			panic("permission matrix: " + k + " listed twice")
		}
		matrix[k] = c
	}
}

func init() { addCases(coreCases) }

var coreCases = map[string]routeCase{
	"POST /{lang}/signup": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/signup", url.Values{"name": {"Жаңа Адам"}, "email": {fmt.Sprintf("new%d@example.kz", uniq.Add(1))},
			"password": {"long enough password"}, "birth_date": {"2000-01-01"}, "region": {"KZ-79"}})
	}, all(http.StatusOK)},
	"POST /{lang}/signin": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/signin", url.Values{"email": {w.other.Email}, "password": {w.other.Password}})
	}, all(http.StatusSeeOther)},
	"POST /{lang}/signout": {form("/kk/signout", nil), all(http.StatusSeeOther)},
	"POST /{lang}/confirm": {form("/kk/confirm", url.Values{"token": {"not-a-token"}}), all(http.StatusNotFound)},
	"POST /{lang}/forgot": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/forgot", url.Values{"email": {fmt.Sprintf("nobody%d@example.kz", uniq.Add(1))}}) // one address per call: each has an email limit
	}, all(http.StatusOK)},
	"POST /{lang}/reset":           {form("/kk/reset", url.Values{"token": {"not-a-token"}, "password": {"long enough password"}}), all(http.StatusNotFound)},
	"POST /{lang}/consent":         {form("/kk/consent", url.Values{"token": {"not-a-token"}, "guardian_name": {"Ата-ана"}}), all(http.StatusNotFound)},
	"POST /{lang}/profile/confirm": {form("/kk/profile/confirm", nil), signedIn(http.StatusSeeOther)},
	"POST /{lang}/profile/hidden":  {form("/kk/profile/hidden", url.Values{"hidden": {"1"}}), signedIn(http.StatusSeeOther)},
	// Another person's session or token: not found, whoever asks.
	"POST /{lang}/profile/sessions/{id}/revoke": {func(w *world) *apptest.Response {
		return w.c.PostForm(fmt.Sprintf("/kk/profile/sessions/%d/revoke", w.otherSess), nil)
	}, signedIn(http.StatusNotFound)},
	"POST /{lang}/profile/signout-all": {form("/kk/profile/signout-all", nil), signedIn(http.StatusSeeOther)},
	"POST /{lang}/profile/password": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/profile/password", url.Values{"current_password": {w.me.Password}, "new_password": {"a brand new password"}})
	}, signedIn(http.StatusSeeOther)},
	"POST /{lang}/profile/tokens": {form("/kk/profile/tokens", url.Values{"token_name": {"script"}}), func() map[string]int {
		m := signedIn(http.StatusCreated)
		m["limited"] = http.StatusForbidden // a minor without consent
		return m
	}()},
	"POST /{lang}/profile/tokens/{id}/delete": {func(w *world) *apptest.Response {
		return w.c.PostForm(fmt.Sprintf("/kk/profile/tokens/%d/delete", w.otherToken), nil)
	}, signedIn(http.StatusNotFound)},
	"POST /{lang}/profile/delete": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/profile/delete", url.Values{"password": {w.me.Password}})
	}, signedIn(http.StatusSeeOther)},
	"POST /{lang}/admin/roles": {func(w *world) *apptest.Response {
		return w.c.PostForm("/kk/admin/roles", url.Values{"email": {w.other.Email}, "org_id": {fmt.Sprint(w.child)}, "role": {"admin"}})
	}, atLeast("org_admin", http.StatusSeeOther)},
	"POST /{lang}/admin/roles/{id}/revoke": {func(w *world) *apptest.Response {
		return w.c.PostForm(fmt.Sprintf("/kk/admin/roles/%d/revoke", w.otherGrant), nil)
	}, atLeast("org_admin", http.StatusSeeOther)},
	"POST /api/v1/people": {func(w *world) *apptest.Response {
		req, _ := http.NewRequest("POST", w.env.URL+"/api/v1/people",
			strings.NewReader(fmt.Sprintf(`{"name":"Жаңа","email":"api%d@example.kz","region":"KZ-79"}`, uniq.Add(1))))
		req.Header.Set("Content-Type", "application/json")
		return w.c.Do(req)
	}, atLeast("platform_admin", http.StatusCreated)},
}

func TestPermissionMatrixCoversEveryRoute(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	seen := map[string]bool{}
	for _, r := range env.App.Web.Routes() {
		if r.Method == "GET" || r.Method == "HEAD" {
			continue
		}
		key := r.Method + " " + r.Pattern
		seen[key] = true
		if _, ok := matrix[key]; !ok {
			t.Errorf("state-changing route %q is missing from the permission matrix (internal/web/matrix_test.go)", key)
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("matrix lists %q, which is not a registered route", key)
		}
	}
}

func TestPermissionMatrix(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		for key, rc := range matrix {
			for _, role := range roles {
				t.Run(strings.ReplaceAll(key, "/", "_")+"/"+role, func(t *testing.T) {
					w := newWorld(t, env, role)
					got := rc.call(w)
					if want := rc.want[role]; got.StatusCode != want {
						t.Errorf("%s as %s: status %d, want %d\n%.300s", key, role, got.StatusCode, want, got.Body)
					}
				})
			}
		}
	})
}

func newWorld(t *testing.T, env *apptest.Env, role string) *world {
	t.Helper()
	w := &world{env: env, c: env.Client()}
	w.root = env.NewOrg(0, "Түбір ұйым")
	w.child = env.NewOrg(w.root, "Бастауыш ұйым")
	w.other = env.NewPerson()
	env.Grant(w.other, w.child, "moderator")
	ctx := context.Background()
	if err := env.App.DB.QueryRow(ctx, "SELECT id FROM role_grants WHERE user_id = ? AND org_id = ?", w.other.User.ID, w.child).Scan(&w.otherGrant); err != nil {
		t.Fatal(err)
	}
	oc := env.Client()
	oc.SignIn(w.other)
	if err := env.App.DB.QueryRow(ctx, "SELECT MAX(id) FROM sessions WHERE user_id = ?", w.other.User.ID).Scan(&w.otherSess); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Auth.CreateToken(ctx, w.other.User, "other", w.other.User.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.QueryRow(ctx, "SELECT MAX(id) FROM api_tokens WHERE user_id = ?", w.other.User.ID).Scan(&w.otherToken); err != nil {
		t.Fatal(err)
	}
	switch role {
	case "guest":
		return w
	case "limited":
		w.me = env.NewPerson("minor")
	case "platform_admin":
		w.me = env.NewPerson("admin")
	default:
		w.me = env.NewPerson()
	}
	switch role {
	case "member":
		env.Grant(w.me, w.root, "member")
	case "moderator":
		env.Grant(w.me, w.root, "moderator")
	case "org_admin":
		env.Grant(w.me, w.root, "admin")
	}
	w.c.SignIn(w.me)
	return w
}
