// Package e2e drives a real headless Chromium through Ortaq's pages, as a
// person on a phone would: no JavaScript is needed for any of it.
package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

// browser starts a headless Chromium for the test, or fails (CI) / skips
// loudly (elsewhere) when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 90*time.Second)
}

// browserFor is browser with a time limit of d for all the test does in it.
func browserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("ORTAQ_TEST_CHROMIUM")
	if path == "" {
		for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
			if _, err := os.Stat(p); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium: browser tests cannot run (scripts/test installs it)")
		}
		t.Skip("!!! no Chromium: browser tests SKIPPED (scripts/test installs it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915), // a phone
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	// The first run starts the browser, which lives as long as that
	// context: the time limit goes on a context derived after it.
	if err := chromedp.Do(bctx); err != nil {
		cancelB()
		cancelA()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelC := context.WithTimeout(bctx, d)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

type C = chromedp.CSS

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, chromedp.Text(C(sel)))
}

func waitLink(t *testing.T, env *apptest.Env, to, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range env.Mail.Messages() {
			if strings.EqualFold(m.To, to) {
				if l := mailtest.FindLink(m.Text, env.URL+prefix); l != "" {
					return l
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no email to %s with %s", to, prefix)
	return ""
}

func fillSignup(email, birth string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SendKeys(C("#f-name"), "Нұрсұлтан Бекұлы"),
		chromedp.SendKeys(C("#f-email"), email),
		chromedp.SendKeys(C("#f-password"), "a long enough password"),
		// Date inputs take keyboard input in the locale's order; setting the
		// value is what a date picker does.
		chromedp.SetValue(C("#f-birth_date"), birth),
		chromedp.SetValue(C("#f-region"), "KZ-27"),
	)
}

func TestBrowserSignUpConfirmSignInQazSignOut(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := browser(t)
	run(t, ctx,
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(C("main")),
	)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/signup"), chromedp.WaitVisible(C("#f-name")))
	run(t, ctx, fillSignup("nursultan@example.kz", "1999-07-15"),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#message")))

	link := waitLink(t, env, "nursultan@example.kz", "/kk/confirm?token=")
	run(t, ctx, chromedp.Navigate(link), chromedp.Click(C("#confirm")), chromedp.WaitVisible(C("#f-email")))
	if s := text(t, ctx, ".notice"); s == "" {
		t.Fatal("no notice after confirming")
	}
	run(t, ctx,
		chromedp.SendKeys(C("#f-email"), "nursultan@example.kz"),
		chromedp.SendKeys(C("#f-password"), "a long enough password"),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
	// Sign-in lands on the person's home, which leads to the profile.
	run(t, ctx, chromedp.Click(C(`main a[href$="/profile"]`)), chromedp.WaitVisible(C("#sessions")))
	if s := text(t, ctx, ".facts"); !strings.Contains(s, "nursultan@example.kz") || !strings.Contains(s, "Нұрсұлтан") {
		t.Fatalf("profile shows %q", s)
	}

	// Switch to Qaz: the same page, in Latin letters, the name too.
	run(t, ctx, chromedp.Click(C(`.langs a[hreflang="kk-Latn"]`)), chromedp.WaitVisible(C("#sessions")))
	lang := get(t, ctx, chromedp.AttributeValue(C("html"), "lang")).Value
	h1 := text(t, ctx, "h1")
	loc := get(t, ctx, chromedp.Location())
	if lang != "kk-Latn" || !strings.Contains(loc, "/kk-Latn/profile") {
		t.Fatalf("after switching: lang %q at %s", lang, loc)
	}
	if h1 == "" || regexp.MustCompile(`\p{Cyrillic}`).MatchString(h1) {
		t.Fatalf("Qaz heading %q is not in Latin letters", h1)
	}

	// Sign out.
	run(t, ctx, chromedp.Click(C(`header form button`)), chromedp.WaitVisible(C(`.account a[href$="/signin"]`)))
	run(t, ctx, chromedp.Navigate(env.URL+"/kk-Latn/profile"), chromedp.WaitVisible(C("#f-email")))
	loc = get(t, ctx, chromedp.Location())
	if !strings.Contains(loc, "/signin") {
		t.Fatalf("signed out, the profile led to %s", loc)
	}
}

func TestBrowserMinorLimitedUntilGuardianConsents(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	ctx := browser(t)
	birth := env.Clock.Now().AddDate(-15, 0, -10).Format("2006-01-02")
	run(t, ctx, chromedp.Navigate(env.URL+"/ru/signup"), chromedp.WaitVisible(C("#f-name")))
	run(t, ctx, fillSignup("teen@example.kz", birth),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#e-guardian_email")))
	// The form kept what was typed; the password is typed again.
	run(t, ctx,
		chromedp.SendKeys(C("#f-password"), "a long enough password"),
		chromedp.SendKeys(C("#f-guardian_name"), "Бек Оспанов"),
		chromedp.SendKeys(C("#f-guardian_email"), "parent@example.kz"),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#message")))
	run(t, ctx, chromedp.Navigate(env.URL+"/ru/signin"),
		chromedp.SendKeys(C("#f-email"), "teen@example.kz"),
		chromedp.SendKeys(C("#f-password"), "a long enough password"),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
	run(t, ctx, chromedp.Navigate(env.URL+"/ru/profile"), chromedp.WaitVisible(C("#sessions")))
	if s := text(t, ctx, ".notice.warn"); s == "" {
		t.Fatal("a minor without consent sees no notice")
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#tokens form.form').length`)); n != 0 {
		t.Fatal("a limited account is offered API tokens")
	}

	// The guardian follows the link, in another tab.
	link := waitLink(t, env, "parent@example.kz", "/ru/consent?token=")
	gctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	run(t, gctx, chromedp.Navigate(link), chromedp.WaitVisible(C("#consent")))
	if s := text(t, gctx, "main"); !strings.Contains(s, "Нұрсұлтан Бекұлы") {
		t.Fatalf("consent page does not name the child: %q", s)
	}
	run(t, gctx, chromedp.Click(C("#consent")), chromedp.WaitVisible(C("#message")))

	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(C("#sessions")))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.notice.warn').length`)); n != 0 {
		t.Fatal("still limited after the guardian's consent")
	}
}

func TestBrowserCrossOriginPostRefused(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	p := env.NewPerson()
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/signin"),
		chromedp.SendKeys(C("#f-email"), p.Email),
		chromedp.SendKeys(C("#f-password"), p.Password),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))

	// Another origin (same host, another port: the session cookie would be
	// sent along) serves a page that posts to Ortaq on load.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	evil := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><form id=f method=post action="%s/kk/profile/signout-all"></form><script>document.getElementById('f').submit()</script>`, env.URL)
	})}
	go evil.Serve(ln)
	defer evil.Close()
	run(t, ctx, chromedp.Navigate("http://"+ln.Addr().String()+"/"),
		chromedp.WaitReady(C("main")))
	body := text(t, ctx, "main")
	if body == "" {
		t.Fatal("no error page after the cross-origin post")
	}
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/profile"), chromedp.WaitVisible(C("#sessions")))
	loc := get(t, ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/kk/profile") {
		t.Fatalf("the forged post signed the person out (now at %s)", loc)
	}
}

// clickAndLoad clicks sel and waits until the browser has loaded the page
// the click leads to: a WaitVisible alone can be satisfied by the page
// the click was made on, before the answer arrives.
func clickAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__ortaqOld = true`), chromedp.Click(C(sel)))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		// Errors while the old page goes away are expected: try again.
		if fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__ortaqOld !== true && document.readyState === "complete"`)); err == nil && fresh {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("clicking %s loaded no new page", sel)
}
