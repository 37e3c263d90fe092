package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/web"
)

func TestSafeNext(t *testing.T) {
	const def = "/kk/profile"
	good := []string{
		"/kk/profile",
		"/ru/proposals/15",
		"/kk/proposals/15?tab=comments#c3",
		"/kk/search?q=жастар",
		"/kk/search?q=%D0%B6%D0%B0%D1%81",
		"/en/organizations/5/",
		"/",
		"/kk/x/../y", // stays on this host whatever it resolves to
		"/@evil.example",
	}
	bad := []string{
		"",
		"/%09/evil.example/phish", // the reported one: browsers drop the tab
		"/\t/evil.example/phish",
		"/\n/evil.example", "/\r\n/evil.example", "/%0d%0a/evil.example",
		"/%0A/evil.example",
		"//evil.example", "///evil.example", "////evil.example",
		"/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
		"/%5Cevil.example", "/%5c%5cevil.example",
		"/%2F/evil.example", "/%2f%2fevil.example", "/%252F%252Fevil.example",
		"/.//evil.example",
		"/kk/profile//x",
		"https://evil.example", "http://evil.example/kk/profile", "HTTPS://evil.example",
		"http:evil.example", "http:/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"evil.example", "kk/profile", "?next=x", "#x", ".", "..",
		" /kk/profile", "/kk/profile ", "/kk/ profile", "/ /evil.example",
		"/\u00a0/evil.example",    // no-break space
		"/\u2028/evil.example",    // line separator
		"/%E2%80%A8/evil.example", // the same, escaped
		"/\u200b/evil.example",    // zero-width space
		"/\x00/evil.example", "/%00", "/\x7f",
		"/kk/%zz",        // broken escape
		"/\xff\xfe",      // not UTF-8
		"/%ff",           // not UTF-8 once decoded
		"/%25252525252F", // escapes within escapes within escapes
		"/" + strings.Repeat("a", 3000),
		"/kk/search?q=a b",
		"/kk/search?q=a%20b%0a",
	}
	for _, p := range good {
		if got := web.SafeNext(p, def); got != p {
			t.Errorf("SafeNext(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range bad {
		if got := web.SafeNext(p, def); got != def {
			t.Errorf("SafeNext(%q) = %q, want the default", p, got)
		}
	}
}

// Every place that takes a return address sends the browser only to this
// site: sign-in (the reported case: next=/%09/evil.example/phish went to
// another host), the sign-in and sign-up forms that carry it along, the
// redirect to sign in, and the language switch.
func TestReturnAddressesStayOnSite(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	p := env.NewPerson()
	signIn := func(next string) string {
		t.Helper()
		r := env.Client().PostForm("/kk/signin", url.Values{"email": {p.Email}, "password": {p.Password}, "next": {next}})
		mustStatus(t, r, http.StatusSeeOther)
		return r.Header.Get("Location")
	}
	for _, next := range []string{"/\t/evil.example/phish", "/%09/evil.example/phish", "//evil.example", "/\\evil.example", "https://evil.example/"} {
		if loc := signIn(next); loc != "/kk/me" {
			t.Errorf("sign-in with next=%q went to %q, want /kk/me", next, loc)
		}
	}
	if loc := signIn("/ru/proposals/15?x=1"); loc != "/ru/proposals/15?x=1" {
		t.Errorf("a good next: went to %q", loc)
	}

	// The forms carry only a good address along.
	r := env.Client().Get("/kk/signin?next=" + url.QueryEscape("/\t/evil.example/phish"))
	mustStatus(t, r, http.StatusOK)
	mustContain(t, r, `name="next" value=""`, `href="/kk/signup"`)
	r = env.Client().Get("/kk/signin?next=" + url.QueryEscape("/kk/proposals/15"))
	mustContain(t, r, `name="next" value="/kk/proposals/15"`, `/kk/signup?next=%2fkk%2fproposals%2f15`)
	r = env.Client().Get("/kk/signup?next=" + url.QueryEscape("//evil.example"))
	mustStatus(t, r, http.StatusOK)
	mustContain(t, r, `name="next" value=""`, `href="/kk/signin"`)
	f := signupForm("next@example.kz", "2000-01-01")
	f.Set("next", "/kk/proposals/15")
	r = env.Client().PostForm("/kk/signup", f)
	mustStatus(t, r, http.StatusOK)
	mustContain(t, r, `href="/kk/signin?next=%2Fkk%2Fproposals%2F15"`)
	f = signupForm("next2@example.kz", "2000-01-01")
	f.Set("next", "/%09/evil.example")
	r = env.Client().PostForm("/kk/signup", f)
	mustStatus(t, r, http.StatusOK)
	if strings.Contains(r.Body, "evil.example") {
		t.Error("sign-up's continue link carries a bad next")
	}

	// A page that needs signing in sends there with itself as next.
	r = env.Client().Get("/ru/profile?tab=1")
	mustStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/ru/signin?next="+url.QueryEscape("/ru/profile?tab=1") {
		t.Errorf("to sign in: %q", loc)
	}

	// The language switch links this page in each language, never a path
	// a browser could read as another host.
	r = env.Client().Get("/kk//evil.example/x")
	if strings.Contains(r.Body, "//evil.example") {
		t.Errorf("the language switch of /kk//evil.example/x links off the site:\n%.600s", r.Body)
	}
	r = env.Client().Get("/kk/signin?next=%2Fkk%2Fprofile")
	mustContain(t, r, `href="/ru/signin?next=%2Fkk%2Fprofile"`)
}
