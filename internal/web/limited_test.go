package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Issue 15, item 6: what a minor without a guardian's consent cannot do
// yet is refused with the reason and what to do (resend the request,
// correct the guardian's address), never a bare 403; the profile says who
// sees their name.
func TestLimitedAccountIsToldWhyAndWhatToDo(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		minor := env.NewPerson("minor")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET guardian_name = 'Әсел Қайратқызы', guardian_email = 'asel@example.kz' WHERE id = ?", minor.User.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.SignIn(minor)

		// A refusal on an ordinary error page.
		r := c.PostForm("/en/profile/tokens", url.Values{"token_name": {"script"}})
		if r.StatusCode != http.StatusForbidden {
			t.Fatalf("token by a limited minor: %d", r.StatusCode)
		}
		for _, want := range []string{`id="limited-help"`, "consent", "Әсел Қайратқызы", `action="/en/profile/guardian/resend"`,
			`href="/en/profile#guardian"`, "Correct the guardian"} {
			if !strings.Contains(r.Body, want) {
				t.Fatalf("the refusal lacks %q:\n%s", want, r.Body)
			}
		}
		// Asking to join an organization: the same help on its page.
		org := env.NewOrg(0, "Мектеп клубы")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE organizations SET takes_members = TRUE WHERE id = ?", org)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if r := c.Get(fmt.Sprintf("/ru/organizations/%d/join", org)); !strings.Contains(r.Body, `id="limited-help"`) ||
			strings.Contains(r.Body, `id="join-form"`) || !strings.Contains(r.Body, "согласия") {
			t.Fatalf("join page of a limited minor:\n%s", r.Body)
		}
		// The help's resend button works from there.
		if r := c.PostForm("/en/profile/guardian/resend", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("resend: %d %s", r.StatusCode, r.Body)
		}
		// The profile says who sees the name.
		if r := c.Get("/en/profile"); !strings.Contains(r.Body, `id="who-sees"`) || !strings.Contains(r.Body, "your name is in no member list") {
			t.Fatalf("profile of a limited minor:\n%s", r.Body)
		}
		adult := env.NewPerson()
		ac := env.Client()
		ac.SignIn(adult)
		if r := ac.Get("/en/profile"); !strings.Contains(r.Body, "which only their members see") || strings.Contains(r.Body, `id="limited-help"`) {
			t.Fatalf("profile of an adult:\n%s", r.Body)
		}
		// An adult's 403 is a plain one.
		if r := ac.PostForm(fmt.Sprintf("/en/organizations/%d/joining", org), url.Values{"takes_members": {"0"}}); r.StatusCode != http.StatusForbidden ||
			strings.Contains(r.Body, `id="limited-help"`) {
			t.Fatalf("an adult's refusal: %d", r.StatusCode)
		}
	})
}

// A form too heavy to read at all answers 413 with what to do and a way
// back to the form.
func TestTooLargeFormLeadsBack(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		p := env.NewPerson()
		c := env.Client()
		c.SignIn(p)
		org := env.NewOrg(0, "Клуб")
		form := url.Values{"message": {strings.Repeat("x", 3<<20)}}
		req, _ := http.NewRequest("POST", env.URL+fmt.Sprintf("/en/organizations/%d/join", org), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", env.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Referer", env.URL+fmt.Sprintf("/en/organizations/%d/join?x=1", org))
		r := c.Do(req)
		if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, `id="error-help"`) ||
			!strings.Contains(r.Body, fmt.Sprintf(`href="/en/organizations/%d/join?x=1"`, org)) {
			t.Fatalf("%d\n%s", r.StatusCode, r.Body)
		}
	})
}
