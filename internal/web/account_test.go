package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

func signupForm(email, birth string) url.Values {
	return url.Values{"name": {"Айжан Серікова"}, "email": {email}, "password": {"a long enough password"},
		"birth_date": {birth}, "region": {"KZ-31"}, "lang": {"kk"}}
}

func mustStatus(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%.600s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.Body)
	}
}

func mustContain(t *testing.T, r *apptest.Response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			t.Fatalf("%s %s: body lacks %q\n%.800s", r.Request.Method, r.Request.URL.Path, p, r.Body)
		}
	}
}

func TestAccountLifecycle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()

		r := c.PostForm("/kk/signup", signupForm("Aizhan@Example.kz", "2001-02-03"))
		mustStatus(t, r, http.StatusOK)

		token := waitLink(t, env, "aizhan@example.kz", "/kk/confirm?token=")
		mustStatus(t, c.Get("/kk/confirm?token="+token), http.StatusOK)
		mustStatus(t, c.PostForm("/kk/confirm", url.Values{"token": {token}}), http.StatusSeeOther)
		// A link works once.
		mustStatus(t, c.PostForm("/kk/confirm", url.Values{"token": {token}}), http.StatusNotFound)

		// Wrong password: 401 with the form again; right one: a session.
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"aizhan@example.kz"}, "password": {"wrong password!"}}), http.StatusUnauthorized)
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"AIZHAN@example.kz"}, "password": {"a long enough password"}}), http.StatusSeeOther)
		r = c.Get("/ru/profile")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Айжан Серікова", "aizhan@example.kz", `lang="ru"`)

		// An API token, shown once, works as a bearer token.
		r = c.PostForm("/ru/profile/tokens", url.Values{"token_name": {"скрипт"}})
		mustStatus(t, r, http.StatusCreated)
		i := strings.Index(r.Body, `id="new-token">`)
		if i < 0 {
			t.Fatal("new token not shown")
		}
		tok := r.Body[i+len(`id="new-token">`):]
		tok = tok[:strings.Index(tok, "<")]
		me := env.Client().JSON("GET", "/api/v1/me", tok, "")
		mustStatus(t, me, http.StatusOK)
		var m map[string]any
		if err := json.Unmarshal([]byte(me.Body), &m); err != nil || m["email"] != "aizhan@example.kz" || m["limited"] != false {
			t.Fatalf("/api/v1/me = %s (%v)", me.Body, err)
		}
		if strings.Contains(c.Get("/ru/profile").Body, tok) {
			t.Fatal("the token is shown again after its creation")
		}

		// The data export has the person and their session.
		r = c.Get("/kk/profile/export")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, `"email": "aizhan@example.kz"`, `"sessions"`, `"user_agent"`)

		// Sign out everywhere ends this session too.
		mustStatus(t, c.PostForm("/kk/profile/signout-all", nil), http.StatusSeeOther)
		mustStatus(t, c.Get("/kk/profile"), http.StatusSeeOther) // to the sign-in page

		// Password reset by emailed link.
		mustStatus(t, c.PostForm("/en/forgot", url.Values{"email": {"aizhan@example.kz"}}), http.StatusOK)
		token = waitLink(t, env, "aizhan@example.kz", "/en/reset?token=")
		mustStatus(t, c.Get("/en/reset?token="+token), http.StatusOK)
		r = c.PostForm("/en/reset", url.Values{"token": {token}, "password": {"short"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "at least 10")
		mustStatus(t, c.PostForm("/en/reset", url.Values{"token": {token}, "password": {"a brand new password"}}), http.StatusSeeOther)
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"aizhan@example.kz"}, "password": {"a long enough password"}}), http.StatusUnauthorized)
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"aizhan@example.kz"}, "password": {"a brand new password"}}), http.StatusSeeOther)

		// Deleting the account: wrong password refused, right one anonymizes.
		mustStatus(t, c.PostForm("/kk/profile/delete", url.Values{"password": {"nope nope nope"}}), http.StatusUnprocessableEntity)
		mustStatus(t, c.PostForm("/kk/profile/delete", url.Values{"password": {"a brand new password"}}), http.StatusSeeOther)
		var name string
		var email any
		if err := d.QueryRow(context.Background(), "SELECT name, email FROM users WHERE id = (SELECT MAX(id) FROM users)").Scan(&name, &email); err != nil {
			t.Fatal(err)
		}
		if name != "" || email != nil {
			t.Fatalf("after deletion the row still has name %q, email %v", name, email)
		}
		// Its API tokens went with it.
		mustStatus(t, env.Client().JSON("GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
	})
}

// waitLink waits for an email to `to` with a link starting with prefix
// and returns the link's token.
func waitLink(t *testing.T, env *apptest.Env, to, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, to) {
				if link := mailtest.FindLink(m.Text, env.URL+prefix); link != "" {
					return strings.TrimPrefix(link, env.URL+prefix)
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no email to %s with a link %s", to, prefix)
	return ""
}
