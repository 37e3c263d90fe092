package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
)

func TestMinorIsLimitedUntilGuardianConsents(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		birth := env.Clock.Now().AddDate(-15, 0, 0).Format("2006-01-02")

		// Under 18 without a guardian: refused, nothing written.
		r := c.PostForm("/kk/signup", signupForm("teen@example.kz", birth))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `id="e-guardian_email"`, `id="e-guardian_name"`)
		var n int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d users after a refused sign-up (%v)", n, err)
		}
		// Under 14: refused.
		mustStatus(t, c.PostForm("/kk/signup", signupForm("child@example.kz", env.Clock.Now().AddDate(-12, 0, 0).Format("2006-01-02"))), http.StatusUnprocessableEntity)

		f := signupForm("teen@example.kz", birth)
		f.Set("guardian_name", "Серік Ахметов")
		f.Set("guardian_email", "parent@example.kz")
		mustStatus(t, c.PostForm("/kk/signup", f), http.StatusOK)
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {"teen@example.kz"}, "password": {"a long enough password"}}), http.StatusSeeOther)
		r = c.Get("/kk/profile")
		mustContain(t, r, `class="notice warn"`)
		// Limited: no API token, and the session keeps no address or browser.
		mustStatus(t, c.PostForm("/kk/profile/tokens", url.Values{"token_name": {"x"}}), http.StatusForbidden)
		var ua, ip string
		if err := d.QueryRow(t.Context(), "SELECT user_agent, ip FROM sessions").Scan(&ua, &ip); err != nil || ua != "" || ip != "" {
			t.Fatalf("a limited account's session stores ua %q ip %q (%v)", ua, ip, err)
		}

		token := waitLink(t, env, "parent@example.kz", "/kk/consent?token=")
		r = c.Get("/kk/consent?token=" + token)
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "Айжан Серікова")
		mustStatus(t, env.Client().PostForm("/kk/consent", url.Values{"token": {token}, "guardian_name": {"Серік Ахметов"}}), http.StatusOK)

		r = c.Get("/kk/profile")
		if strings.Contains(r.Body, `class="notice warn"`) {
			t.Fatal("still limited after the guardian consented")
		}
		mustStatus(t, c.PostForm("/kk/profile/tokens", url.Values{"token_name": {"x"}}), http.StatusCreated)
		var gname, gemail string
		var at db.Time
		if err := d.QueryRow(t.Context(), "SELECT guardian_name, guardian_email, guardian_consent_at FROM users WHERE email = 'teen@example.kz'").Scan(&gname, &gemail, &at); err != nil {
			t.Fatal(err)
		}
		if gname != "Серік Ахметов" || gemail != "parent@example.kz" || !at.Valid {
			t.Fatalf("consent recorded as %q %q %v", gname, gemail, at)
		}
	})
}

func TestBadInput(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.MaxBodyBytes = 4096 }})
		c := env.Client()
		taken := env.NewPerson()
		admin := env.NewPerson("admin")
		tok, err := env.App.Auth.CreateToken(t.Context(), admin.User, "t", admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}

		ru := env.App.Catalog.Printer(i18n.RU)
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
			msg   string // in Russian: the form is posted to /ru/
		}{
			{"empty name", url.Values{"name": {""}}, "name", ru.T("validation.required")},
			{"too long name", url.Values{"name": {strings.Repeat("я", 201)}}, "name", ru.T("validation.too_long", "max", 200)},
			{"invalid UTF-8", url.Values{"name": {"\xff\xfe"}}, "name", ru.T("validation.invalid_utf8")},
			{"bad email", url.Values{"email": {"not-an-email"}}, "email", ru.T("validation.invalid_email")},
			{"short password", url.Values{"password": {"short"}}, "password", ru.T("validation.password_too_short", "min", 10)},
			{"future birth date", url.Values{"birth_date": {"2099-01-01"}}, "birth_date", ru.T("validation.date_in_future")},
			{"not a date", url.Values{"birth_date": {"31.12.2001"}}, "birth_date", ru.T("validation.invalid_date")},
			{"unknown region", url.Values{"region": {"KZ-00"}}, "region", ru.T("validation.invalid_choice")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := signupForm(fmt.Sprintf("bad%d@example.kz", time.Now().UnixNano()), "2000-01-01")
				for k, v := range tc.form {
					f[k] = v
				}
				r := c.PostForm("/ru/signup", f)
				mustStatus(t, r, http.StatusUnprocessableEntity)
				mustContain(t, r, `<p class="field-error" id="e-`+tc.field+`">`+html.EscapeString(tc.msg)+`</p>`, `aria-invalid="true"`)
			})
		}
		var n int
		if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d users after refused sign-ups, want 2 (%v)", n, err)
		}

		for _, tc := range []struct {
			name, body, lang, field, msg string
			status                       int
		}{
			{"unknown field", `{"name":"A","email":"a1@example.kz","age":3}`, "kk", "age", "", 422},
			{"wrong type", `{"name":5,"email":"a2@example.kz"}`, "en", "name", "", 422},
			{"invalid email", `{"name":"A","email":"nope"}`, "ru", "email", "", 422},
			{"email taken", `{"name":"A","email":"` + taken.Email + `"}`, "en", "email", "", 422},
			{"future birth", `{"name":"A","email":"a3@example.kz","birth_date":"2100-01-01"}`, "en", "birth_date", "", 422},
			{"syntax", `{"name":`, "en", "", "", 400},
			{"too large", `{"name":"` + strings.Repeat("a", 5000) + `"}`, "en", "", "", 413},
		} {
			t.Run("api "+tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("POST", env.URL+"/api/v1/people", strings.NewReader(tc.body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Accept-Language", tc.lang)
				r := c.Do(req)
				mustStatus(t, r, tc.status)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Fatalf("Content-Type %q", ct)
				}
				var p struct {
					Status int
					Title  string
					Errors []struct{ Field, Message string }
				}
				if err := json.Unmarshal([]byte(r.Body), &p); err != nil || p.Status != tc.status || p.Title == "" {
					t.Fatalf("problem %s (%v)", r.Body, err)
				}
				if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Message == "") {
					t.Fatalf("errors %+v, want field %q", p.Errors, tc.field)
				}
			})
		}
		// Messages follow Accept-Language.
		for _, lang := range []i18n.Lang{i18n.KK, i18n.KKLatn, i18n.RU, i18n.EN} {
			req, _ := http.NewRequest("POST", env.URL+"/api/v1/people", strings.NewReader(`{"name":"A","email":"x"}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Accept-Language", string(lang)+";q=0.9")
			want, _ := json.Marshal(env.App.Catalog.Printer(lang).T("validation.invalid_email"))
			if r := c.Do(req); !strings.Contains(r.Body, string(want)) {
				t.Errorf("Accept-Language %s: %s lacks %s", lang, r.Body, want)
			}
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	p := env.NewPerson()
	c := env.Client()
	c.SignIn(p)
	for _, h := range []map[string]string{
		{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
	} {
		req, _ := http.NewRequest("POST", env.URL+"/kk/profile/signout-all", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		r := c.Do(req)
		mustStatus(t, r, http.StatusForbidden)
		mustContain(t, r, `lang="kk"`)
	}
	// The session survived: the forged requests did nothing.
	mustStatus(t, c.Get("/kk/profile"), http.StatusOK)
}

func TestSigninThrottling(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.SigninAccount, c.SigninIP = 3, 5 }})
		p := env.NewPerson()
		c := env.Client()
		wrong := url.Values{"email": {p.Email}, "password": {"wrong password"}}
		for i := 0; i < 3; i++ {
			mustStatus(t, c.PostForm("/kk/signin", wrong), http.StatusUnauthorized)
		}
		// The account is locked for the window, even with the right password…
		right := url.Values{"email": {p.Email}, "password": {p.Password}}
		mustStatus(t, c.PostForm("/kk/signin", right), http.StatusTooManyRequests)
		// …and a second node on the same database sees the same count.
		env2 := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.SigninAccount, c.SigninIP = 3, 5 }})
		mustStatus(t, env2.Client().PostForm("/kk/signin", right), http.StatusTooManyRequests)
		// Per address: other accounts from the same address are limited too.
		for i := 0; i < 2; i++ {
			mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {fmt.Sprintf("x%d@example.kz", i)}, "password": {"x"}}), http.StatusUnauthorized)
		}
		q := env.NewPerson()
		mustStatus(t, c.PostForm("/kk/signin", url.Values{"email": {q.Email}, "password": {q.Password}}), http.StatusTooManyRequests)
		// After the window it works again.
		env.Clock.Advance(16 * time.Minute)
		env2.Clock.Advance(16 * time.Minute)
		mustStatus(t, c.PostForm("/kk/signin", right), http.StatusSeeOther)
	})
}

func TestSessionsExpireAndAreRevocable(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.SessionLifetime = time.Hour }})
		p := env.NewPerson()
		a, b := env.Client(), env.Client()
		a.SignIn(p)
		b.SignIn(p)
		r := a.Get("/kk/profile")
		ids := regexp.MustCompile(`/kk/profile/sessions/(\d+)/revoke`).FindStringSubmatch(r.Body)
		if ids == nil {
			t.Fatal("the other session is not listed")
		}
		mustStatus(t, a.PostForm("/kk/profile/sessions/"+ids[1]+"/revoke", nil), http.StatusSeeOther)
		mustStatus(t, b.Get("/kk/profile"), http.StatusSeeOther)
		mustStatus(t, a.Get("/kk/profile"), http.StatusOK)
		env.Clock.Advance(61 * time.Minute)
		mustStatus(t, a.Get("/kk/profile"), http.StatusSeeOther)
	})
}

func TestLanguagesAndErrorPages(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	c := env.Client()
	// / goes by Accept-Language, then by the remembered choice.
	req, _ := http.NewRequest("GET", env.URL+"/", nil)
	req.Header.Set("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")
	r := c.Do(req)
	mustStatus(t, r, http.StatusFound)
	if loc := r.Header.Get("Location"); loc != "/ru/" {
		t.Fatalf("/ redirects to %q", loc)
	}
	mustContain(t, c.Get("/en/"), `lang="en"`)
	r = c.Do(req)
	if loc := r.Header.Get("Location"); loc != "/en/" {
		t.Fatalf("after visiting /en/, / redirects to %q", loc)
	}
	// Case-insensitive prefix, one canonical address.
	r = c.Get("/KK-LATN/signin")
	mustStatus(t, r, http.StatusMovedPermanently)
	if loc := r.Header.Get("Location"); loc != "/kk-Latn/signin" {
		t.Fatalf("redirect to %q", loc)
	}
	// Qaz is generated Latin: no Cyrillic letters in the Latin page's own text.
	r = c.Get("/kk-Latn/signin")
	mustStatus(t, r, http.StatusOK)
	mustContain(t, r, `lang="kk-Latn"`)
	body := regexp.MustCompile(`(?s)<main.*</main>`).FindString(r.Body)
	if regexp.MustCompile(`\p{Cyrillic}`).MatchString(body) {
		t.Fatalf("Cyrillic in the Qaz page:\n%s", body)
	}
	// Error pages in the page's language, never internal details.
	for lang, word := range map[string]string{"kk": "табылмады", "kk-Latn": "tabylmady", "ru": "не найдена", "en": "not found"} {
		r := c.Get("/" + lang + "/no-such-page")
		mustStatus(t, r, http.StatusNotFound)
		if !strings.Contains(strings.ToLower(r.Body), word) {
			t.Errorf("%s 404 page lacks %q", lang, word)
		}
	}
	mustStatus(t, c.Get("/xx/signin"), http.StatusNotFound)
}

func TestStaticAssetsAndOperations(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	c := env.Client()
	home := c.Get("/kk/")
	mustStatus(t, home, http.StatusOK)
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{10}\.css`).FindString(home.Body)
	js := regexp.MustCompile(`/static/htmx\.min\.[0-9a-f]{10}\.js`).FindString(home.Body)
	if css == "" || js == "" {
		t.Fatalf("hashed assets not linked: %q %q", css, js)
	}
	r := c.Get(css)
	mustStatus(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Fatalf("Cache-Control %q", cc)
	}
	// No request to any other host: every src/href is local.
	for _, m := range regexp.MustCompile(`(?:src|href|action)="([^"]+)"`).FindAllStringSubmatch(home.Body, -1) {
		if strings.Contains(m[1], "//") {
			t.Errorf("the home page refers to another host: %s", m[1])
		}
	}
	if len(home.Body) > 60_000 {
		t.Errorf("home page is %d bytes", len(home.Body))
	}
	mustStatus(t, c.Get("/healthz"), http.StatusOK)
	// Not configured for monitoring: no metrics (metrics_test.go has the rest).
	mustStatus(t, c.Get("/metrics"), http.StatusNotFound)

	r = c.Get("/api/v1/openapi.json")
	mustStatus(t, r, http.StatusOK)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: %v %q", err, doc.OpenAPI)
	}
	for _, p := range []string{"/api/v1/me", "/api/v1/people", "/api/v1/regions"} {
		if doc.Paths[p] == nil && doc.Paths[strings.TrimPrefix(p, "/api/v1")] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}
	// A guest asking the API gets a problem, not a page.
	r = c.Get("/api/v1/me")
	mustStatus(t, r, http.StatusUnauthorized)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
}

func TestAuditLog(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		admin := env.NewPerson("admin")
		other := env.NewPerson()
		org := env.NewOrg(0, "Ұйым")
		c := env.Client()
		c.SignIn(admin)
		mustStatus(t, c.PostForm("/en/admin/roles", url.Values{"email": {other.Email}, "org_id": {fmt.Sprint(org)}, "role": {"admin"}}), http.StatusSeeOther)
		r := c.Get("/en/admin/audit")
		mustStatus(t, r, http.StatusOK)
		mustContain(t, r, "role.grant", "user.create", admin.User.Name, `&#34;role&#34;:&#34;admin&#34;`)
		// Only platform admins see it.
		o := env.Client()
		o.SignIn(other)
		mustStatus(t, o.Get("/en/admin/audit"), http.StatusForbidden)
		// There is no route that changes or removes entries.
		for _, rt := range env.App.Web.Routes() {
			if strings.Contains(rt.Pattern, "audit") && rt.Method != "GET" {
				t.Errorf("a route changes the audit log: %s %s", rt.Method, rt.Pattern)
			}
		}
	})
}

// Pages in languages other than Kazakh are parsed on first use; every
// component's every page must parse in every language.
func TestEveryPageParsesInEveryLanguage(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	if err := env.App.Web.Renderer().Check(); err != nil {
		t.Fatal(err)
	}
}

// Every answer says how long the server worked on it (Server-Timing): the
// benchmarks' budgets are server time.
func TestServerTimingHeader(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	for _, p := range []string{"/kk/", "/kk/signin", "/healthz", "/kk/no-such-page"} {
		r := env.Client().Get(p)
		if v := r.Header.Get("Server-Timing"); !regexp.MustCompile(`^app;dur=[0-9]+\.[0-9]{3}, db;desc="[0-9]+ statements"$`).MatchString(v) {
			t.Errorf("%s: Server-Timing %q", p, v)
		}
	}
}

// The roles page names the organization of a grant by typing its name
// (the "org" picker), not by its number: an unknown name comes back next
// to the field with what was typed kept, and nothing is granted.
func TestGrantNamesTheOrganizationByTyping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		admin := env.NewPerson("admin")
		other := env.NewPerson()
		env.NewOrg(0, "Сарысу аудандық мәслихаты")
		c := env.Client()
		c.SignIn(admin)
		mustContain(t, c.Get("/en/admin/roles"), `id="f-org_id_q"`)
		r := c.PostForm("/en/admin/roles", url.Values{"email": {other.Email}, "org_id_q": {"Жоқ ұйым"}, "role": {"admin"}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, `id="e-org_id"`, `value="Жоқ ұйым"`)
		grants := func() int {
			var n int
			if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM role_grants WHERE user_id = ?", other.User.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := grants(); n != 0 {
			t.Fatalf("%d grants after a refused form", n)
		}
		mustStatus(t, c.PostForm("/en/admin/roles", url.Values{"email": {other.Email}, "org_id_q": {"sarysu audandyq"}, "role": {"moderator"}}), http.StatusSeeOther)
		if n := grants(); n != 1 {
			t.Fatalf("%d grants, want 1", n)
		}
	})
}
