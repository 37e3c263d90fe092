package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// API tokens end with the password (DESIGN §7): signing out everywhere,
// a password reset and a password change each revoke them, so that
// whoever is being shut out keeps no way in.
func TestTokensEndWithThePassword(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		p := env.NewPerson()
		newToken := func() string {
			t.Helper()
			tok, err := env.App.Auth.CreateToken(ctx, p.User, "script", p.User.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, env.Client().JSON("GET", "/api/v1/me", tok, ""), http.StatusOK)
			return tok
		}
		gone := func(what, tok string) {
			t.Helper()
			if r := env.Client().JSON("GET", "/api/v1/me", tok, ""); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("after %s the API token still works: %d", what, r.StatusCode)
			}
		}

		// Sign out everywhere.
		c := env.Client()
		c.SignIn(p)
		tok := newToken()
		mustStatus(t, c.PostForm("/kk/profile/signout-all", nil), http.StatusSeeOther)
		gone("signing out everywhere", tok)

		// A password reset.
		tok = newToken()
		mustStatus(t, c.PostForm("/en/forgot", url.Values{"email": {p.Email}}), http.StatusOK)
		link := waitLink(t, env, p.Email, "/en/reset?token=")
		mustStatus(t, c.PostForm("/en/reset", url.Values{"token": {link}, "password": {"a password after reset"}}), http.StatusSeeOther)
		gone("a password reset", tok)
		p.Password = "a password after reset"

		// A password change: this session stays, another one ends.
		c.SignIn(p)
		other := env.Client()
		other.SignIn(p)
		tok = newToken()
		r := c.PostForm("/ru/profile/password", url.Values{"current_password": {"wrong password!"}, "new_password": {"the third password"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "Неверный пароль")
		mustStatus(t, env.Client().JSON("GET", "/api/v1/me", tok, ""), http.StatusOK) // a wrong current password changes nothing
		r = c.PostForm("/ru/profile/password", url.Values{"current_password": {p.Password}, "new_password": {"short"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustStatus(t, c.PostForm("/ru/profile/password", url.Values{"current_password": {p.Password}, "new_password": {"the third password"}}), http.StatusSeeOther)
		gone("a password change", tok)
		mustStatus(t, c.Get("/ru/profile"), http.StatusOK)
		mustStatus(t, other.Get("/ru/profile"), http.StatusSeeOther) // to the sign-in page
		// The new password signs in; the old one does not.
		mustStatus(t, env.Client().PostForm("/kk/signin", url.Values{"email": {p.Email}, "password": {p.Password}}), http.StatusUnauthorized)
		p.Password = "the third password"
		env.Client().SignIn(p)
	})
}
