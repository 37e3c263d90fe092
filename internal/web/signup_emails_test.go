package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

// mailsTo waits for the emails asked for so far to go, and returns those
// to one address.
func signupMailsTo(env *apptest.Env, to string) []string {
	env.App.Auth.Wait()
	var out []string
	for _, m := range env.Mail.Messages() {
		if strings.EqualFold(m.To, to) {
			out = append(out, m.Text)
		}
	}
	return out
}

// Sign-up and password reset answer the same whether or not an address
// has an account; the emails tell the owner. Sign-up used to say "an
// account with this email address already exists".
func TestSignupAndResetDoNotTellWhoHasAnAccount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		owner := env.NewPerson()
		c := env.Client()

		taken := c.PostForm("/ru/signup", signupForm(owner.Email, "2000-01-01"))
		fresh := c.PostForm("/ru/signup", signupForm("fresh@example.kz", "2000-01-01"))
		mustStatus(t, taken, http.StatusOK)
		mustStatus(t, fresh, http.StatusOK)
		if a, b := strings.ReplaceAll(taken.Body, owner.Email, "EMAIL"), strings.ReplaceAll(fresh.Body, "fresh@example.kz", "EMAIL"); a != b {
			t.Errorf("sign-up answers differ for a taken and a free address:\n%s\n---\n%s", a, b)
		}
		// The owner is told, in their language, with links to sign in and reset.
		got := signupMailsTo(env, owner.Email)
		if len(got) != 1 || !strings.Contains(got[0], env.URL+"/kk/signin") || !strings.Contains(got[0], env.URL+"/kk/forgot") ||
			mailtest.FindLink(got[0], env.URL+"/kk/confirm?token=") != "" {
			t.Fatalf("emails to the owner: %q", got)
		}
		if got := signupMailsTo(env, "fresh@example.kz"); len(got) != 1 || mailtest.FindLink(got[0], env.URL+"/kk/confirm?token=") == "" {
			t.Fatalf("emails to the new address: %q", got)
		}
		// Nothing about the existing account changed: its password still works.
		env.Client().SignIn(owner)

		// A minor's sign-up with a taken address: the same answer, and no
		// consent request goes to the guardian named.
		minor := env.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		f := signupForm(owner.Email, minor)
		f.Set("guardian_name", "Серік Ахметов")
		f.Set("guardian_email", "guardian1@example.kz")
		taken = c.PostForm("/ru/signup", f)
		f = signupForm("fresh-minor@example.kz", minor)
		f.Set("guardian_name", "Серік Ахметов")
		f.Set("guardian_email", "guardian2@example.kz")
		fresh = c.PostForm("/ru/signup", f)
		if a, b := strings.NewReplacer(owner.Email, "E", "guardian1", "G").Replace(taken.Body), strings.NewReplacer("fresh-minor@example.kz", "E", "guardian2", "G").Replace(fresh.Body); a != b {
			t.Errorf("a minor's sign-up answers differ for a taken and a free address:\n%s\n---\n%s", a, b)
		}
		if n := len(signupMailsTo(env, "guardian1@example.kz")); n != 0 {
			t.Errorf("%d emails to the guardian named in a sign-up with a taken address", n)
		}
		if n := len(signupMailsTo(env, "guardian2@example.kz")); n != 1 {
			t.Errorf("%d consent requests for a new minor's account, want 1", n)
		}

		// Password reset: the same answer; only the owner gets a link.
		known := c.PostForm("/en/forgot", url.Values{"email": {owner.Email}})
		unknown := c.PostForm("/en/forgot", url.Values{"email": {"nobody@example.kz"}})
		mustStatus(t, known, http.StatusOK)
		if known.Body != unknown.Body {
			t.Error("password reset answers differ for a known and an unknown address")
		}
		waitLink(t, env, owner.Email, "/en/reset?token=")
		if n := len(signupMailsTo(env, "nobody@example.kz")); n != 0 {
			t.Errorf("%d emails to an address without an account", n)
		}
	})
}

// Sign-up and reset emails are limited per recipient and per client
// address, in the database. Before, 30 reset requests in a row sent 30
// emails.
func TestEmailLimits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
			c.MailPerAddress, c.MailPerClient, c.MailWindow = 3, 20, time.Hour
			c.ClientIPHeader = "X-Forwarded-For" // without the header: the connection's address
		}})
		owner := env.NewPerson()
		c := env.Client()
		forgot := func(email string) int {
			t.Helper()
			return c.PostForm("/kk/forgot", url.Values{"email": {email}}).StatusCode
		}
		// 30 in a row: 3 answered and sent, the rest 429 — the same for an
		// address with an account and one without.
		for _, email := range []string{owner.Email, "nobody@example.kz"} {
			var codes []int
			for range 30 {
				codes = append(codes, forgot(email))
			}
			for i, code := range codes {
				if want := map[bool]int{true: 200, false: 429}[i < 3]; code != want {
					t.Fatalf("reset request %d for %s: %d, want %d (all: %v)", i+1, email, code, want, codes)
				}
			}
		}
		if n := len(signupMailsTo(env, owner.Email)); n != 3 {
			t.Fatalf("%d reset emails sent, want 3", n)
		}
		// Sign-up counts against the same address.
		mustStatus(t, c.PostForm("/kk/signup", signupForm(owner.Email, "2000-01-01")), http.StatusTooManyRequests)
		// Per client: 6 so far; 14 more to other addresses, then no more.
		for i := range 14 {
			if code := forgot("other" + string(rune('a'+i)) + "@example.kz"); code != 200 {
				t.Fatalf("request %d from the client: %d", 7+i, code)
			}
		}
		r := c.PostForm("/kk/signup", signupForm("late@example.kz", "2000-01-01"))
		mustStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, r, "60")
		// Another client (behind the proxy) is not held back by this one.
		req, _ := http.NewRequest("POST", env.URL+"/kk/forgot", strings.NewReader(url.Values{"email": {"someone@example.kz"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		mustStatus(t, c.Do(req), http.StatusOK)
		// After the window, all is allowed again.
		env.Clock.Advance(time.Hour + time.Second)
		if code := forgot(owner.Email); code != 200 {
			t.Fatalf("after the window: %d", code)
		}
		if n := len(signupMailsTo(env, owner.Email)); n != 4 {
			t.Fatalf("%d reset emails after the window, want 4", n)
		}
	})
}
