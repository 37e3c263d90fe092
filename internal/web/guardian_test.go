package web_test

import (
	"context"
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
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

// mailsTo waits until n messages reached to and returns them.
func mailsTo(t *testing.T, env *apptest.Env, to string, n int) []mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []mailtest.Received
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, to) {
				got = append(got, m)
			}
		}
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d emails to %s, want %d", len(got), to, n)
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func consentToken(t *testing.T, env *apptest.Env, m mailtest.Received) string {
	t.Helper()
	_, after, ok := strings.Cut(m.Text, "/consent?token=")
	if !ok {
		t.Fatalf("no consent link in %q", m.Text)
	}
	return strings.Fields(after)[0]
}

// The minor's profile says who the guardian is, sends the request again
// (once an hour) and corrects the guardian's address once, with the
// password.
func TestProfileGuardian(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		form := signupForm("teen@example.kz", env.Clock.Now().AddDate(-16, 0, 0).Format("2006-01-02"))
		form.Set("guardian_name", "Айгүл Сейітова")
		form.Set("guardian_email", "aigul@example.kz")
		mustStatus(t, c.PostForm("/kk/signup", form), http.StatusOK)
		first := mailsTo(t, env, "aigul@example.kz", 1)[0]
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"teen@example.kz"}, "password": {"a long enough password"}}), http.StatusSeeOther)
		r := c.Get("/en/profile")
		mustContain(t, r, "Айгүл Сейітова", "aigul@example.kz", `action="/en/profile/guardian/resend"`, `id="guardian-form"`)

		// Too soon after sign-up: said on the profile.
		r = c.PostForm("/en/profile/guardian/resend", nil)
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "less than an hour ago")
		env.Clock.Advance(time.Hour)
		mustStatus(t, c.PostForm("/en/profile/guardian/resend", nil), http.StatusSeeOther)
		mailsTo(t, env, "aigul@example.kz", 2)

		// The correction needs the password.
		change := url.Values{"guardian_name": {"Сара Әлиева"}, "guardian_email": {"sara@example.kz"}, "guardian_password": {"not my password"}}
		r = c.PostForm("/en/profile/guardian", change)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `id="e-guardian_password"`)
		change.Set("guardian_password", "a long enough password")
		mustStatus(t, c.PostForm("/en/profile/guardian", change), http.StatusSeeOther)
		sara := mailsTo(t, env, "sara@example.kz", 1)[0]
		r = c.Get("/en/profile")
		mustContain(t, r, "sara@example.kz", "already changed the guardian")
		if strings.Contains(r.Body, `id="guardian-form"`) {
			t.Error("the form to change the guardian is still offered")
		}
		// Once only.
		change.Set("guardian_email", "third@example.kz")
		mustStatus(t, c.PostForm("/en/profile/guardian", change), http.StatusConflict)
		// The first guardian's link no longer works; the new one's does.
		mustStatus(t, c.PostForm("/kk/consent", url.Values{"token": {consentToken(t, env, first)}, "guardian_name": {"Айгүл Сейітова"}}), http.StatusNotFound)
		mustStatus(t, env.Client().PostForm("/kk/consent", url.Values{"token": {consentToken(t, env, sara)}, "guardian_name": {"Сара Әлиева"}}), http.StatusOK)
		r = c.Get("/en/profile")
		mustContain(t, r, "given")
		if strings.Contains(r.Body, "/profile/guardian/resend") {
			t.Error("a resend is offered after consent")
		}
	})
}

// POST /api/v1/people takes a minor's guardian and asks them at once; a
// platform administrator asks again, or names one, for a person made
// without.
func TestCreatePersonWithGuardian(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		admin := env.NewPerson("admin")
		tok, err := env.App.Auth.CreateToken(context.Background(), admin.User, "script", admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		teen := env.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		r := c.JSON("POST", "/api/v1/people", tok, fmt.Sprintf(`{"name":"Нұрсұлтан","email":"nursultan@example.kz","birth_date":%q,
			"region":"KZ-79","guardian_name":"Бақыт Омарова","guardian_email":"bakyt@example.kz"}`, teen))
		mustStatus(t, r, http.StatusCreated)
		var p map[string]any
		json.Unmarshal([]byte(r.Body), &p)
		if p["limited"] != true || p["guardian_email"] != "bakyt@example.kz" {
			t.Fatalf("person: %s", r.Body)
		}
		m := mailsTo(t, env, "bakyt@example.kz", 1)[0]
		mustStatus(t, c.PostForm("/kk/consent", url.Values{"token": {consentToken(t, env, m)}, "guardian_name": {"Бақыт Омарова"}}), http.StatusOK)
		if u, _ := env.App.Auth.UserByEmail(context.Background(), "nursultan@example.kz"); u.Limited() {
			t.Fatal("still limited after the guardian's consent")
		}
		// The guardian's address is checked.
		r = c.JSON("POST", "/api/v1/people", tok, fmt.Sprintf(`{"name":"Өзі","email":"self@example.kz","birth_date":%q,
			"guardian_name":"Өзі","guardian_email":"self@example.kz"}`, teen))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `"field":"guardian_email"`)
		// Made without a guardian: named later by a platform administrator, once an hour.
		r = c.JSON("POST", "/api/v1/people", tok, fmt.Sprintf(`{"name":"Әлия","email":"aliya@example.kz","birth_date":%q}`, teen))
		mustStatus(t, r, http.StatusCreated)
		json.Unmarshal([]byte(r.Body), &p)
		ask := fmt.Sprintf("/api/v1/people/%s/guardian-request", p["id"])
		mustStatus(t, c.JSON("POST", ask, tok, `{"guardian_name":"Сәуле Нұрова","guardian_email":"saule@example.kz"}`), http.StatusOK)
		mailsTo(t, env, "saule@example.kz", 1)
		mustStatus(t, c.JSON("POST", ask, tok, `{}`), http.StatusTooManyRequests)
		env.Clock.Advance(time.Hour)
		mustStatus(t, c.JSON("POST", ask, tok, `{"guardian_email":"other@example.kz"}`), http.StatusUnprocessableEntity)
		mustStatus(t, c.JSON("POST", ask, tok, `{}`), http.StatusOK)
		mailsTo(t, env, "saule@example.kz", 2)
		// An adult's guardian is not kept.
		r = c.JSON("POST", "/api/v1/people", tok, `{"name":"Ересек","email":"grown@example.kz","birth_date":"1990-01-01",
			"guardian_name":"Біреу","guardian_email":"someone@example.kz"}`)
		mustStatus(t, r, http.StatusCreated)
		if strings.Contains(r.Body, "someone@example.kz") {
			t.Errorf("an adult's guardian kept: %s", r.Body)
		}
	})
}
