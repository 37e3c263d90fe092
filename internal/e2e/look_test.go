package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

// axe-core, vendored from npm for the tests only (testdata/axe/README).
//
//go:embed testdata/axe/axe.min.js
var axeJS string

// demoEnv is Ortaq with the demo data: the pages people will see first.
func demoEnv(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	if _, err := demo.Load(context.Background(), env.App); err != nil {
		t.Fatal(err)
	}
	return env
}

var demoPasswords = map[string]string{
	"member@demo.ortaq.kz":      "demo-member-2026",
	"orgadmin@demo.ortaq.kz":    "demo-orgadmin-2026",
	"secretariat@demo.ortaq.kz": "demo-secretariat-2026",
}

// signInAs signs in through the form, as a person would.
func signInAs(t *testing.T, ctx context.Context, base, lang, email string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(base+"/"+lang+"/signin"), chromedp.WaitVisible(C("#f-email")),
		chromedp.SendKeys(C("#f-email"), email),
		chromedp.SendKeys(C("#f-password"), demoPasswords[email]),
		chromedp.Click(C(`form.form button[type=submit]`)),
		chromedp.WaitVisible(C("#me-link[aria-current]")))
}

// goTo clicks the first link in scope whose address (without the host)
// matches pattern and waits for the page it leads to.
func goTo(t *testing.T, ctx context.Context, scope, pattern string) string {
	t.Helper()
	before := get(t, ctx, chromedp.Location())
	n := get(t, ctx, chromedp.Evaluate[int](fmt.Sprintf(`(() => {
		const re = new RegExp(%q);
		document.querySelectorAll('[data-e2e-go]').forEach(a => a.removeAttribute('data-e2e-go'));
		for (const a of document.querySelectorAll(%q)) {
			const u = new URL(a.href, location.href);
			if (re.test(u.pathname + u.search) && a.getClientRects().length > 0) { a.setAttribute('data-e2e-go', '1'); return 1; }
		}
		return 0;
	})()`, pattern, scope+" a[href]")))
	if n == 0 {
		t.Fatalf("at %s: no visible link in %s to %s", before, scope, pattern)
	}
	run(t, ctx, chromedp.Click(C(`[data-e2e-go]`)))
	waitLeft(t, ctx, before)
	return get(t, ctx, chromedp.Location())
}

// waitLeft waits until the browser has left the page at before and the
// new one is loaded.
func waitLeft(t *testing.T, ctx context.Context, before string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && loc != before {
			state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
			if err == nil && state == "complete" {
				return
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("still at %s", before)
}

// rawKey finds a message key shown instead of its text ("meetings.minutes_approve").
var rawKey = regexp.MustCompile(`\b(?:nav|me|now|home|audit|auth|orgs|meetings|elections|proposals|programmes|roadmap|indicators|notify|validation|error|profile|signup|signin|action|field|lang|site|telegram|consent|invitations|tabular)\.[a-z_]+(?:\.[a-z_]+)*\b`)

func checkNoRawKeys(t *testing.T, ctx context.Context) {
	t.Helper()
	body := get(t, ctx, chromedp.Evaluate[string](`document.body.innerText`))
	for _, m := range rawKey.FindAllString(body, -1) {
		if strings.Contains(m, "ortaq.kz") || strings.HasSuffix(m, ".kz") {
			continue // an email address
		}
		t.Errorf("%s shows the raw message key %q", get(t, ctx, chromedp.Location()), m)
	}
}

// checkLatin: a kk-Latn page has no Cyrillic letter outside text marked
// as written in another language (lang="ru", "kk"). What a form field
// holds is data in the script it was entered in, as an input's value is:
// a textarea's text is not checked.
func checkLatin(t *testing.T, ctx context.Context) {
	t.Helper()
	bad := get(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			if (!/\p{Script=Cyrillic}/u.test(n.data)) continue;
			const el = n.parentElement;
			if (el.closest('script,style,textarea')) continue;
			const l = el.closest('[lang]').getAttribute('lang');
			if (l !== 'kk-Latn') continue;
			out.push(n.data.trim().slice(0, 80));
		}
		return out;
	})()`))
	for _, s := range bad {
		t.Errorf("%s: Cyrillic on a kk-Latn page: %q", get(t, ctx, chromedp.Location()), s)
	}
}

// checkSizes: the page is under 60 KB as sent, and on a phone its main
// actions (buttons, submit buttons, the menu) are at least 44 px high and
// no text is smaller than 12 px.
func checkSizes(t *testing.T, ctx context.Context, phone bool) {
	t.Helper()
	loc := get(t, ctx, chromedp.Location())
	size := get(t, ctx, chromedp.Evaluate[int](`performance.getEntriesByType('navigation')[0].decodedBodySize`))
	if size > 60<<10 {
		t.Errorf("%s: %d bytes, over 60 KB", loc, size)
	}
	if !phone {
		return
	}
	small := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main button, main .button, .menu summary, header .button')]
		.filter(b => b.getClientRects().length > 0 && !b.classList.contains('link') && b.getBoundingClientRect().height < 43.5)
		.map(b => b.textContent.trim().slice(0, 40) + ' ' + Math.round(b.getBoundingClientRect().height) + 'px')`))
	for _, b := range small {
		t.Errorf("%s: main action %s high, under 44 px", loc, b)
	}
	tiny := get(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			if (!n.data.trim()) continue;
			const el = n.parentElement;
			if (el.getClientRects().length === 0) continue;
			const fs = parseFloat(getComputedStyle(el).fontSize);
			if (fs < 12) out.push(n.data.trim().slice(0, 40) + ' ' + fs + 'px');
		}
		return out;
	})()`))
	for _, s := range tiny {
		t.Errorf("%s: text under 12 px: %s", loc, s)
	}
	// Nothing wider than the phone, and no text squeezed into a sliver
	// (a grid column a long label left a few pixels, one letter a line).
	if w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); w > 0 {
		t.Errorf("%s: %d px wider than the phone", loc, w)
	}
	squeezed := get(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			const s = n.data.trim();
			if (s.length < 12) continue;
			const el = n.parentElement;
			if (el.getClientRects().length === 0) continue;
			const r = el.getBoundingClientRect();
			if (r.width < 48) out.push(s.slice(0, 40) + ' ' + Math.round(r.width) + 'px wide');
		}
		return out;
	})()`))
	for _, s := range squeezed {
		t.Errorf("%s: text squeezed: %s", loc, s)
	}
}

// openSection reaches a section from the header: on a phone through the
// menu, on a wide screen from the header's row.
func openSection(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	wide := get(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.menu')).display === 'none'`))
	if wide {
		goTo(t, ctx, "header nav.sections", `^/[^/]+`+regexp.QuoteMeta(path)+`$`)
		return
	}
	run(t, ctx, chromedp.Click(C(".menu summary")), chromedp.WaitVisible(C(".menu > nav")))
	goTo(t, ctx, ".menu > nav", `^/[^/]+`+regexp.QuoteMeta(path)+`$`)
}

// A guest on a phone starts at /kk/ and, by clicking only, reaches every
// section and a page of every kind: organization, programme, proposals
// and a proposal, a meeting, an election, a call, a course, a competition,
// a mentor pool, a report, and the search; no page shows a raw message key.
func TestBrowserGuestReachesEverySectionByClicking(t *testing.T) {
	env := demoEnv(t)
	ctx := browser(t)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(env.URL+"/kk/"), chromedp.WaitVisible(C("main")))
	checkNoRawKeys(t, ctx)
	// The home page's cards are links to the sections.
	for _, sec := range []string{"/organizations", "/programmes", "/meetings"} {
		if n := get(t, ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('main .cards a[href="/kk%s"]').length`, sec))); n != 1 {
			t.Errorf("the home page has %d cards linking to %s", n, sec)
		}
	}
	// The home page shows what is happening now.
	for _, id := range []string{"#now-collections", "#now-meetings"} {
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+id+` li a').length`)); n == 0 {
			t.Errorf("the home page's %s lists nothing", id)
		}
	}

	openSection(t, ctx, "/organizations")
	checkNoRawKeys(t, ctx)
	goTo(t, ctx, "main", `^/kk/organizations/\d+$`)
	if s := text(t, ctx, "h1"); s == "" {
		t.Fatal("organization page without a heading")
	}
	checkNoRawKeys(t, ctx)

	openSection(t, ctx, "/programmes")
	checkNoRawKeys(t, ctx)
	goTo(t, ctx, "main", `^/kk/programmes/\d+$`)
	checkNoRawKeys(t, ctx)
	goTo(t, ctx, "main", `^/kk/programmes/\d+/proposals$`)
	checkNoRawKeys(t, ctx)
	// A proposal: from the home page's newest ones.
	goTo(t, ctx, "header", `^/kk/$`)
	goTo(t, ctx, "#now-proposals", `^/kk/proposals/\d+$`)
	checkNoRawKeys(t, ctx)

	openSection(t, ctx, "/meetings")
	checkNoRawKeys(t, ctx)
	goTo(t, ctx, "main", `^/kk/meetings/\d+$`)
	checkNoRawKeys(t, ctx)

	// An election's results, from the home page.
	goTo(t, ctx, "header", `^/kk/$`)
	goTo(t, ctx, "#now-results", `^/kk/elections/\d+$`)
	checkNoRawKeys(t, ctx)

	// Every section a component added, and a page of its kind.
	for _, s := range []struct{ section, page string }{
		{"/calls", `^/kk/calls/\d+$`},
		{"/courses", `^/kk/courses/\d+$`},
		{"/competitions", `^/kk/competitions/\d+$`},
		{"/mentor-pools", `^/kk/mentor-pools/\d+$`},
		{"/reports", `^/kk/reports/\d+$`},
	} {
		openSection(t, ctx, s.section)
		checkNoRawKeys(t, ctx)
		goTo(t, ctx, "main", s.page)
		checkNoRawKeys(t, ctx)
	}
	openSection(t, ctx, "/search")
	checkNoRawKeys(t, ctx)
}

// A person signs in and lands on their home (/me), which shows their
// organizations with roles; an organizer's shows what needs them.
func TestBrowserSignInLandsOnMe(t *testing.T) {
	env := demoEnv(t)
	ctx := browser(t)
	signInAs(t, ctx, env.URL, "en", "member@demo.ortaq.kz")
	if loc := get(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/me") {
		t.Fatalf("signed in at %s", loc)
	}
	run(t, ctx, chromedp.Navigate(env.URL+"/en/me"), chromedp.WaitVisible(C("#me-orgs")))
	if s := text(t, ctx, "#me-orgs"); !strings.Contains(strings.ToLower(s), "member") {
		t.Errorf("member's organizations: %q", s)
	}
	checkNoRawKeys(t, ctx)
	run(t, ctx, chromedp.Click(C(`header form button`)), chromedp.WaitVisible(C(`.account a[href$="/signin"]`)))

	signInAs(t, ctx, env.URL, "ru", "secretariat@demo.ortaq.kz")
	run(t, ctx, chromedp.Navigate(env.URL+"/ru/me"), chromedp.WaitVisible(C("#me-run")))
	if s := text(t, ctx, "#me-run"); !strings.Contains(s, "Администратор") {
		t.Errorf("organizer's organizations: %q", s)
	}
	checkNoRawKeys(t, ctx)
}

// pageState is one page as one kind of reader sees it.
type pageState struct {
	name  string // file name of its screenshot
	path  string // without the language
	who   string // "" guest, else a demo account
	shoot bool   // a phone screenshot goes to docs/screenshots
}

// axeRun runs axe-core on the page and returns its violations, one line
// each.
func axeRun(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if !get(t, ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`)) {
		run(t, ctx, chromedp.Evaluate[chromedp.Void](axeJS))
	}
	out := get(t, ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}}).then(r =>
		r.violations.flatMap(v => v.nodes.map(n => v.impact + ' ' + v.id + ': ' + n.target.join(' ') + ' — ' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200))))`,
		chromedp.EvalAwaitPromise))
	return out
}

// Every main page, as a guest and signed in, on a phone (390 px) and a
// desktop, in all four languages: axe-core finds no violation of any
// impact. With ORTAQ_SCREENSHOTS=DIR the phone pages are photographed
// there (scripts/screenshots writes docs/screenshots).
func TestBrowserAccessibilityAxe(t *testing.T) {
	env := demoEnv(t)
	shots := os.Getenv("ORTAQ_SCREENSHOTS")
	ids := demoIDs(t, env)
	states := []pageState{
		{"home", "/", "", true},
		{"organizations", "/organizations", "", true},
		{"organization", "/organizations/" + ids.org, "", true},
		{"programmes", "/programmes", "", true},
		{"programme", "/programmes/" + ids.programme, "", true},
		{"proposals", "/programmes/" + ids.programme + "/proposals", "", false},
		{"proposal", "/proposals/" + ids.proposal, "", true},
		{"meetings", "/meetings", "", true},
		{"meetings-past", "/meetings?when=past", "", false},
		{"meeting", "/meetings/" + ids.meeting, "", true},
		{"signin", "/signin", "", false},
		{"signup", "/signup", "", false},
		{"me-member", "/me", "member@demo.ortaq.kz", true},
		{"me-organizer", "/me", "secretariat@demo.ortaq.kz", true},
		{"organization-member", "/organizations/" + ids.org, "member@demo.ortaq.kz", false},
		{"organization-organizer", "/organizations/" + ids.org, "orgadmin@demo.ortaq.kz", false},
		{"profile", "/profile", "member@demo.ortaq.kz", false},
		{"calls", "/calls", "", false},
		{"call", "/calls/" + ids.call, "", true},
		{"courses", "/courses", "", false},
		{"course", "/courses/" + ids.course, "", true},
		{"competitions", "/competitions", "", false},
		{"competition", "/competitions/" + ids.competition, "", true},
		{"mentor-pools", "/mentor-pools", "", false},
		{"mentor-pool", "/mentor-pools/" + ids.pool, "", true},
		{"reports", "/reports", "", false},
		{"report", "/reports/" + ids.report, "", true},
		{"search", "/search?q=" + url.QueryEscape("жастар"), "", false},
		// Forms that name an organization, a programme or a call by typing
		// or choosing, not by number.
		{"mentor-pool-new", "/mentor-pools/new", "secretariat@demo.ortaq.kz", false},
		{"roles", "/admin/roles", "secretariat@demo.ortaq.kz", false},
		{"awards-org", "/organizations/" + ids.org + "/awards", "orgadmin@demo.ortaq.kz", false},
		// The course forms, built from the courses' own partials.
		{"course-new", "/courses/new", "secretariat@demo.ortaq.kz", true},
		{"course-edit", "/courses/" + ids.course + "/edit", "secretariat@demo.ortaq.kz", true},
		{"course-organizer", "/courses/" + ids.course, "secretariat@demo.ortaq.kz", true},
	}
	viewports := []struct {
		name string
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}, {"desktop", 1280, 900, nil}}
	langs := []string{"kk", "kk-Latn", "ru", "en"}

	// axe itself works: an image without a text alternative is found.
	{
		ctx := browser(t)
		run(t, ctx, chromedp.Navigate(env.URL+"/kk/"), chromedp.WaitVisible(C("main")),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="data:,">')`))
		if v := axeRun(t, ctx); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "image-alt") {
			t.Fatalf("axe did not find an image without alt: %q", v)
		}
	}
	count := 0
	for _, who := range []string{"", "member@demo.ortaq.kz", "secretariat@demo.ortaq.kz", "orgadmin@demo.ortaq.kz"} {
		ctx := browserFor(t, 6*time.Minute)
		if who != "" {
			signInAs(t, ctx, env.URL, "kk", who)
		}
		for _, vp := range viewports {
			run(t, ctx, chromedp.EmulateViewport(vp.w, vp.h, vp.opts...))
			for _, l := range langs {
				for _, st := range states {
					if st.who != who {
						continue
					}
					// The desktop in two languages is enough: the layout is the same.
					if vp.name == "desktop" && l != "kk" && l != "en" {
						continue
					}
					url := env.URL + "/" + l + st.path
					run(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(C("main")))
					count++
					for _, v := range axeRun(t, ctx) {
						t.Errorf("%s %s (%s): %s", vp.name, url, st.name, v)
					}
					checkNoRawKeys(t, ctx)
					if l == "kk-Latn" {
						checkLatin(t, ctx)
					}
					checkSizes(t, ctx, vp.name == "phone")
					if shots != "" && st.shoot && vp.name == "phone" {
						png := get(t, ctx, chromedp.FullScreenshot(100))
						if err := os.WriteFile(filepath.Join(shots, l+"-"+st.name+".png"), png, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	}
	if count < 30 {
		t.Fatalf("axe ran on %d page states, want at least 30", count)
	}
	t.Logf("axe: %d page states", count)
}

type demoPageIDs struct {
	org, programme, proposal, meeting, electionMeeting string
	call, course, competition, pool, report            string
}

// demoIDs picks pages of each kind from the demo data.
func demoIDs(t *testing.T, env *apptest.Env) demoPageIDs {
	t.Helper()
	var ids demoPageIDs
	q := func(dst *string, sql string) {
		var id int64
		if err := env.App.DB.QueryRow(context.Background(), sql).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		*dst = fmt.Sprint(id)
	}
	q(&ids.org, `SELECT org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'member@demo.ortaq.kz' ORDER BY m.id LIMIT 1`)
	q(&ids.programme, `SELECT programme_id FROM proposals GROUP BY programme_id ORDER BY COUNT(*) DESC LIMIT 1`)
	q(&ids.proposal, `SELECT id FROM proposals WHERE hidden = FALSE AND answer <> '' ORDER BY id LIMIT 1`)
	q(&ids.meeting, `SELECT id FROM meetings ORDER BY starts_at DESC LIMIT 1`)
	q(&ids.electionMeeting, `SELECT meeting_id FROM elections WHERE meeting_id IS NOT NULL ORDER BY id LIMIT 1`)
	q(&ids.call, `SELECT id FROM calls ORDER BY id LIMIT 1`)
	q(&ids.course, `SELECT id FROM courses ORDER BY id LIMIT 1`)
	q(&ids.competition, `SELECT id FROM competitions ORDER BY id LIMIT 1`)
	q(&ids.pool, `SELECT id FROM mentor_pools ORDER BY id LIMIT 1`)
	q(&ids.report, `SELECT id FROM reports WHERE status = 'published' ORDER BY id LIMIT 1`)
	return ids
}
