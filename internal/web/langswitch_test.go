package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// After a form is posted and shown again (errors), the language switch
// leads to a page that exists: the same path when it can be read, else
// the page the form was on, with its query; never to a 404.
func TestLanguageSwitchAfterAPostLeadsToAPage(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	p := env.NewPerson()
	c := env.Client()

	// POST /kk/signin has a GET twin: the switch stays on it.
	r := c.PostForm("/kk/signin", url.Values{"email": {p.Email}, "password": {"wrong"}})
	if r.StatusCode == http.StatusSeeOther {
		t.Fatal("signed in with a wrong password")
	}
	if !strings.Contains(r.Body, `href="/ru/signin"`) || !strings.Contains(r.Body, `href="/en/signin"`) {
		t.Fatalf("the switch after a failed sign-in: %s", switchOf(r.Body))
	}

	// POST /kk/profile/password has none: the switch leads to the page
	// the form was on (the Referer), query and all.
	c.SignIn(p)
	post := func(referer string) *apptest.Response {
		req, _ := http.NewRequest("POST", env.URL+"/kk/profile/password", strings.NewReader(url.Values{"current_password": {"wrong"}, "new_password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", env.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		return c.Do(req)
	}
	r = post(env.URL + "/kk/profile?tab=password")
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	if !strings.Contains(r.Body, `href="/ru/profile?tab=password"`) || strings.Contains(r.Body, `href="/ru/profile/password"`) {
		t.Fatalf("the switch after a refused password change: %s", switchOf(r.Body))
	}
	// Without a Referer (or with another site's), the home page.
	for _, ref := range []string{"", "https://evil.example/kk/x"} {
		r = post(ref)
		if !strings.Contains(r.Body, `href="/en/"`) || strings.Contains(r.Body, "/en/profile/password") || strings.Contains(r.Body, "evil") {
			t.Fatalf("referer %q: the switch: %s", ref, switchOf(r.Body))
		}
	}
	// Every link of the switch answers 200.
	for _, l := range []string{"/ru/signin", "/ru/profile?tab=password", "/en/"} {
		if s := c.Get(l).StatusCode; s != http.StatusOK {
			t.Errorf("GET %s: %d", l, s)
		}
	}
}

func switchOf(body string) string {
	i := strings.Index(body, `class="langs"`)
	if i < 0 {
		return "(no switch)"
	}
	return body[i:min(len(body), i+600)]
}
