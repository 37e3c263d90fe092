package meetings_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// An organization's page gives its administrators "new meeting / election
// / programme" with the organization already chosen, and lists its coming
// and past meetings and its programmes; /meetings has the past ones too.
func TestOrgPageStartsOrganizersWorkAndListsMeetings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Ақтөбе облыстық филиалы")
		other := env.NewOrg(0, "Басқа ұйым")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		tok := token(t, env, admin)

		past := createMeetingTitled(t, env, tok, org, "Өткен жиналыс")
		env.Clock.Advance(72 * time.Hour)
		coming := createMeetingTitled(t, env, tok, org, "Алдағы жиналыс")
		createMeetingTitled(t, env, token(t, env, grant(env, other)), other, "Басқаның жиналысы")
		if r := env.Client().JSON("POST", "/api/v1/programmes", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жастар бағдарламасы"},
			"description":{"kk":"Сипаттама"},"age_min":14,"age_max":35,"regions":[],"directions":[],"phases":[]}`, org)); r.StatusCode != 201 {
			t.Fatalf("programme: %d %s", r.StatusCode, r.Body)
		}

		c := env.Client()
		c.SignIn(admin)
		page := c.Get(fmt.Sprintf("/kk/organizations/%d", org))
		for _, want := range []string{
			fmt.Sprintf(`href="/kk/meetings/new?org=%d"`, org),
			fmt.Sprintf(`href="/kk/elections/new?org=%d"`, org),
			fmt.Sprintf(`href="/kk/programmes/new?org=%d"`, org),
			`id="org-meetings-coming"`, "Алдағы жиналыс", `id="org-meetings-past"`, "Өткен жиналыс", `id="org-programmes"`, "Жастар бағдарламасы",
		} {
			if !strings.Contains(page.Body, want) {
				t.Fatalf("the organization's page for its administrator lacks %s", want)
			}
		}
		if strings.Contains(page.Body, "Басқаның жиналысы") {
			t.Fatal("another organization's meeting on the page")
		}
		if i, j := strings.Index(page.Body, "Алдағы жиналыс"), strings.Index(page.Body, "Өткен жиналыс"); i > j {
			t.Fatal("past meetings before coming ones")
		}
		// The forms open with the organization chosen.
		for _, path := range []string{"/kk/meetings/new?org=%d", "/kk/elections/new?org=%d", "/kk/programmes/new?org=%d"} {
			f := c.Get(fmt.Sprintf(path, org))
			if f.StatusCode != 200 || !strings.Contains(f.Body, "Ақтөбе облыстық филиалы") {
				t.Fatalf("%s: %d, the organization is not chosen", path, f.StatusCode)
			}
		}

		// Guests and members see the lists, not the "new …" links.
		member := env.NewPerson()
		env.Grant(member, org, "member")
		mc := env.Client()
		mc.SignIn(member)
		for _, cl := range []*apptest.Client{env.Client(), mc} {
			p := cl.Get(fmt.Sprintf("/kk/organizations/%d", org))
			if strings.Contains(p.Body, `id="org-new"`) || !strings.Contains(p.Body, "Өткен жиналыс") {
				t.Fatal("a guest or member is offered to create, or sees no meetings")
			}
		}

		// /meetings: coming by default, past on its tab.
		list := env.Client().Get("/ru/meetings")
		if !strings.Contains(list.Body, "/ru/meetings/"+coming) || strings.Contains(list.Body, "/ru/meetings/"+past+`"`) {
			t.Fatalf("coming meetings list:\n%s", list.Body)
		}
		pl := env.Client().Get(fmt.Sprintf("/ru/meetings?when=past&org=%d", org))
		if pl.StatusCode != 200 || !strings.Contains(pl.Body, "/ru/meetings/"+past) || strings.Contains(pl.Body, "/ru/meetings/"+coming+`"`) ||
			!strings.Contains(pl.Body, `aria-current="page">Прошедшие`) {
			t.Fatalf("past meetings list: %d\n%s", pl.StatusCode, pl.Body)
		}
	})
}

func grant(env *apptest.Env, org int64) apptest.Person {
	p := env.NewPerson()
	env.Grant(p, org, "admin")
	return p
}

func createMeetingTitled(t *testing.T, env *apptest.Env, tok string, org int64, title string) string {
	t.Helper()
	start := env.Clock.Now().Add(24 * time.Hour).Truncate(time.Hour)
	r := env.Client().JSON("POST", "/api/v1/meetings", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":%q},"kind":"report","format":"in_person",
		"address":"Ақтөбе","starts_at":%q,"ends_at":%q,"invite":"members"}`, org, title, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
	if r.StatusCode != 201 {
		t.Fatalf("create meeting: %d %s", r.StatusCode, r.Body)
	}
	return decode[map[string]any](t, r)["id"].(string)
}

// The meeting form names the organization by typing its name: one match
// is taken, several are offered as radio buttons (what was typed kept),
// organizations the person does not organize for are not offered.
func TestMeetingFormPicksOrganizationByName(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		region := env.NewOrg(0, "Ақтөбе облыстық филиалы")
		city := env.NewOrg(region, "Ақтөбе қалалық филиалы")
		env.NewOrg(0, "Басқа ұйым")
		// Organizations made by the test's shortcut get their search keys
		// as at start (those made through the service have them at once).
		if err := env.App.Orgs.Backfill(context.Background()); err != nil {
			t.Fatal(err)
		}
		admin := env.NewPerson()
		env.Grant(admin, region, "admin")
		c := env.Client()
		c.SignIn(admin)
		start := env.Clock.Now().Add(48 * time.Hour).In(time.FixedZone("Almaty", 5*3600))
		form := func(q string) url.Values {
			return url.Values{"org_id_q": {q}, "title_kk": {"Қалалық жиналыс"}, "kind": {"report"}, "format": {"in_person"},
				"invite": {"members"}, "quorum": {"50"}, "address": {"Ақтөбе"},
				"starts_at": {start.Format("2006-01-02T15:04")}, "ends_at": {start.Add(time.Hour).Format("2006-01-02T15:04")}}
		}
		r := c.PostForm("/ru/meetings", form("ақтөбе"))
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="choices-org_id"`) || !strings.Contains(r.Body, fmt.Sprintf(`value="%d"`, city)) ||
			!strings.Contains(r.Body, fmt.Sprintf(`value="%d"`, region)) || !strings.Contains(r.Body, `value="Қалалық жиналыс"`) ||
			!strings.Contains(r.Body, "Подходят несколько") {
			t.Fatalf("two matches: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.PostForm("/ru/meetings", form("Басқа")); r.StatusCode != 422 || !strings.Contains(r.Body, "ничего из доступного вам") {
			t.Fatalf("an organization the person does not run was offered: %d", r.StatusCode)
		}
		f := form("ақтөбе")
		f.Set("org_id_pick", fmt.Sprint(city))
		if r := c.PostForm("/ru/meetings", f); r.StatusCode != 303 {
			t.Fatalf("chosen: %d\n%s", r.StatusCode, r.Body)
		}
		// Typed in Latin letters, one match: taken at once.
		if r := c.PostForm("/ru/meetings", form("Aqtobe oblystyq")); r.StatusCode != 303 {
			t.Fatalf("one match: %d\n%s", r.StatusCode, r.Body)
		}
		var nCity, nRegion int
		d.QueryRow(context.Background(), "SELECT COUNT(*) FROM meetings WHERE org_id = ?", city).Scan(&nCity)
		d.QueryRow(context.Background(), "SELECT COUNT(*) FROM meetings WHERE org_id = ?", region).Scan(&nRegion)
		if nCity != 1 || nRegion != 1 {
			t.Fatalf("meetings: city %d, region %d", nCity, nRegion)
		}
		// The datalist's answers: only what the person may choose.
		js := c.Get("/ru/pick/org?q=" + url.QueryEscape("Басқа"))
		if js.StatusCode != 200 || strings.TrimSpace(js.Body) != "[]" {
			t.Fatalf("pick: %d %s", js.StatusCode, js.Body)
		}
		if js := c.Get("/ru/pick/org?q=" + url.QueryEscape("ақтөбе")); !strings.Contains(js.Body, "Ақтөбе қалалық филиалы") {
			t.Fatalf("pick: %s", js.Body)
		}
		if g := env.Client().Get("/ru/pick/org?q=x"); g.StatusCode == 200 {
			t.Fatal("a guest got the picker's answers")
		}
	})
}

// The meeting form names its programme by typing the title; an emptied
// box takes the programme off.
func TestMeetingFormPicksProgrammeByTitle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		tok := token(t, env, admin)
		r := env.Client().JSON("POST", "/api/v1/programmes", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"ЖАСТАР – ОТАНҒА!","ru":"Молодёжь – Родине!"},
			"description":{"kk":"Сипаттама"},"age_min":14,"age_max":35,"regions":[],"directions":[],"phases":[]}`, org))
		if r.StatusCode != 201 {
			t.Fatalf("programme: %d %s", r.StatusCode, r.Body)
		}
		prog := decode[map[string]any](t, r)["id"].(string)
		id := createMeetingTitled(t, env, tok, org, "Жастар форумы")
		c := env.Client()
		c.SignIn(admin)
		edit := c.Get("/kk/meetings/" + id + "/edit")
		form := url.Values{}
		for _, k := range []string{"kind", "format", "invite", "title_kk", "address", "quorum", "starts_at", "ends_at"} {
			m := regexpValue(edit.Body, k)
			form.Set(k, m)
		}
		form.Set("programme_id_q", "jastar otanga")
		if r := c.PostForm("/kk/meetings/"+id+"/edit", form); r.StatusCode != 303 {
			t.Fatalf("edit with a programme typed in Latin: %d\n%s", r.StatusCode, r.Body)
		}
		var got int64
		d.QueryRow(context.Background(), "SELECT COALESCE(programme_id, 0) FROM meetings WHERE id = ?", id).Scan(&got)
		if fmt.Sprint(got) != prog {
			t.Fatalf("programme %d, want %s", got, prog)
		}
		if e := c.Get("/kk/meetings/" + id + "/edit"); !strings.Contains(e.Body, `value="ЖАСТАР – ОТАНҒА!"`) {
			t.Fatal("the edit form does not name the programme")
		}
		form.Set("programme_id", prog)
		form.Set("programme_id_q", "")
		if r := c.PostForm("/kk/meetings/"+id+"/edit", form); r.StatusCode != 303 {
			t.Fatalf("edit without a programme: %d", r.StatusCode)
		}
		d.QueryRow(context.Background(), "SELECT COALESCE(programme_id, 0) FROM meetings WHERE id = ?", id).Scan(&got)
		if got != 0 {
			t.Fatalf("the emptied box kept programme %d", got)
		}
		form.Set("programme_id_q", "жоқ бағдарлама")
		if r := c.PostForm("/ru/meetings/"+id+"/edit", form); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-programme_id"`) {
			t.Fatalf("an unknown programme: %d", r.StatusCode)
		}
	})
}

// regexpValue is the value of the form field name on a page.
func regexpValue(body, name string) string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*value="([^"]*)"`),
		regexp.MustCompile(`<select id="f-` + regexp.QuoteMeta(name) + `"[^>]*>(?s:.*?)<option value="([^"]*)" selected>`),
	} {
		if m := re.FindStringSubmatch(body); m != nil {
			return html.UnescapeString(m[1])
		}
	}
	return ""
}
