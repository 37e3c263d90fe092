package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func must(t *testing.T, r *apptest.Response, status int, contains ...string) string {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d\n%.3000s", r.StatusCode, status, r.Body)
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("response lacks %q:\n%.4000s", s, r.Body)
		}
	}
	return r.Body
}

// TestAdministratorRunsTheCycleInTheBrowser: the forms an administrator and
// a moderator need — roadmap items with a responsible organization chosen
// from a list, edited and deleted; indicators edited; reports resolved —
// work without JavaScript, speak the reader's language and refuse bad
// input next to the field.
func TestAdministratorRunsTheCycleInTheBrowser(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		api := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		branch := env.NewOrg(org, "Орал филиалы")
		outside := env.NewOrg(0, "Бөтен ұйым")
		admin, mod, young := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		env.Grant(mod, org, "moderator")
		adminTok, modTok, youngTok := token(t, env, admin), token(t, env, mod), token(t, env, young)
		p := newProgramme(t, env, api, adminTok, org)
		var pr struct{ ID string }
		decode(t, api.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", youngTok,
			`{"title":"Ауылда жастар орталығы","body":"Ауылда жастар жиналатын орын жоқ, кітапхана мен үйірмелер керек.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pr)
		decode(t, api.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/answer", modTok, `{"status":"accepted","text":"Қабылданды, жол картасына енеді."}`), 200, nil)

		ac := env.Client()
		ac.SignIn(admin)
		// The responsible organization is chosen from the owner's tree.
		page := must(t, ac.Get("/ru/programmes/"+p.ID+"/roadmap"), 200, `<select id="f-responsible_id"`, "Орал филиалы")
		if strings.Contains(page, "Бөтен ұйым") {
			t.Fatal("an organization outside the owner's tree is offered")
		}
		r := ac.PostForm("/ru/programmes/"+p.ID+"/roadmap", url.Values{"title.kk": {"Ауылдық жастар орталықтары"}, "responsible_id": {fmt.Sprint(branch)},
			"deadline": {"2026-12-31"}, "progress": {"0"}})
		must(t, r, 303)
		var item int64
		if err := d.QueryRow(context.Background(), "SELECT id FROM roadmap_items WHERE responsible_org_id = ?", branch).Scan(&item); err != nil {
			t.Fatal(err)
		}
		// Edit on its own page: a bad date is refused next to the field, in
		// Russian; a good edit is shown.
		must(t, ac.Get(fmt.Sprintf("/ru/roadmap/%d/edit", item)), 200, `id="edit-form"`, `value="Ауылдық жастар орталықтары"`, `id="delete-form"`)
		yc0 := env.Client()
		yc0.SignIn(young)
		must(t, yc0.Get(fmt.Sprintf("/ru/roadmap/%d/edit", item)), 403)
		must(t, ac.PostForm(fmt.Sprintf("/ru/roadmap/%d/edit", item), url.Values{"title.kk": {"Орталықтар"}, "deadline": {"31.12.2026"}}), 422,
			`id="e-deadline"`, `value="Орталықтар"`)
		must(t, ac.PostForm(fmt.Sprintf("/ru/roadmap/%d/edit", item), url.Values{"title.kk": {"Ауылдық жастар орталықтары"}, "title.ru": {"Сельские молодёжные центры"},
			"responsible_id": {fmt.Sprint(outside)}, "deadline": {"2027-03-31"}}), 303)
		must(t, ac.Get("/ru/programmes/"+p.ID+"/roadmap"), 200, "Сельские молодёжные центры", "Бөтен ұйым", "2027-03-31")
		must(t, ac.PostForm(fmt.Sprintf("/ru/roadmap/%d/delete", item), url.Values{"confirm": {"1"}}), 303)
		if strings.Contains(ac.Get("/ru/programmes/"+p.ID+"/roadmap").Body, "Сельские молодёжные центры") {
			t.Fatal("the deleted item is still shown")
		}

		// Indicators: edited through the dashboard's form.
		var ind struct{ ID string }
		decode(t, api.JSON("POST", "/api/v1/programmes/"+p.ID+"/indicators", adminTok,
			`{"name":{"kk":"Еріктілер үлесі","ru":"","en":""},"unit":"%","better":"higher","baseline":12.25,"target":20,"target_date":"2027-12-31"}`), 201, &ind)
		must(t, ac.Get("/en/programmes/"+p.ID+"/indicators"), 200, `id="edit-indicator-`+ind.ID+`"`, `value="12.25"`)
		must(t, ac.PostForm("/en/indicators/"+ind.ID+"/edit", url.Values{"name.kk": {"Еріктілер үлесі"}, "unit": {"%"}, "better": {"higher"},
			"baseline": {"many"}, "target": {"20"}, "target_date": {"2027-12-31"}}), 422)
		must(t, ac.PostForm("/en/indicators/"+ind.ID+"/edit", url.Values{"name.kk": {"Еріктілер үлесі"}, "name.en": {"Volunteers among youth"}, "unit": {"%"},
			"better": {"higher"}, "baseline": {"12,5"}, "target": {"25"}, "target_date": {"2028-12-31"}}), 303)
		must(t, ac.Get("/en/programmes/"+p.ID+"/indicators"), 200, "Volunteers among youth", "2028-12-31")

		// Reports: a moderator looks and resolves.
		yc := env.Client()
		yc.SignIn(young)
		must(t, yc.PostForm("/kk/proposals/"+pr.ID+"/report", url.Values{"reason": {"Жарнама сияқты"}}), 303)
		mc := env.Client()
		mc.SignIn(mod)
		must(t, mc.Get("/ru/programmes/"+p.ID+"/reports"), 200, "Жарнама сияқты", "Рассмотрено, скрывать не нужно")
		r = mc.PostForm("/ru/proposals/"+pr.ID+"/reports/resolve", url.Values{"comment_id": {"0"}})
		must(t, r, 303)
		if loc := r.Header.Get("Location"); loc != "/ru/programmes/"+p.ID+"/reports" {
			t.Fatalf("resolve goes to %q", loc)
		}
		must(t, mc.Get("/ru/programmes/"+p.ID+"/reports"), 200, "Открытых жалоб нет")
		must(t, mc.PostForm("/ru/proposals/"+pr.ID+"/reports/resolve", url.Values{"comment_id": {"0"}}), 404)
	})
}

// TestInboxCountAndClosedProposals: the header shows a signed-in person
// their unread notifications, guests nothing; after the collecting stage a
// proposal page says supports are closed and why, with no button.
func TestInboxCountAndClosedProposals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, young, other := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		p := newProgramme(t, env, c, token(t, env, admin), org)
		var pr struct{ ID string }
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", token(t, env, young),
			`{"title":"Жастарға арналған гранттар","body":"Жастар бастамаларына гранттарды көбейту керек, әсіресе ауылда.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pr)
		otherTok := token(t, env, other)
		for i := range 3 {
			decode(t, c.JSON("POST", "/api/v1/proposals/"+pr.ID+"/comments", otherTok, fmt.Sprintf(`{"body":"Қолдаймын, %d"}`, i)), 201, nil)
		}
		decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/support", otherTok, ""), 200, nil)

		yc := env.Client()
		yc.SignIn(young)
		must(t, yc.Get("/kk/programmes"), 200, `id="inbox-link"`, "Хабарламалар (3)")
		if strings.Contains(c.Get("/kk/programmes").Body, "inbox-link") {
			t.Fatal("a guest's header links to an inbox")
		}
		must(t, yc.PostForm("/kk/inbox/read", nil), 303)
		if b := must(t, yc.Get("/en/programmes"), 200, `id="inbox-link"`); strings.Contains(b, "Notifications (") {
			t.Fatal("the count stays after reading")
		}

		// Comments through the API, two at a time.
		var page struct {
			Items []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		decode(t, c.JSON("GET", "/api/v1/proposals/"+pr.ID+"/comments?limit=2", "", ""), 200, &page)
		if len(page.Items) != 2 || page.Next == "" || page.Items[0].Body != "Қолдаймын, 0" {
			t.Fatalf("first page: %+v", page)
		}
		r := c.JSON("GET", "/api/v1/proposals/"+pr.ID+"/comments?limit=2&cursor="+url.QueryEscape(page.Next), "", "")
		page.Next = ""
		if err := json.Unmarshal([]byte(r.Body), &page); err != nil || len(page.Items) != 1 || page.Next != "" || page.Items[0].Body != "Қолдаймын, 2" {
			t.Fatalf("second page: %s", r.Body)
		}
		decode(t, c.JSON("GET", "/api/v1/proposals/999999/comments", "", ""), 404, nil)

		// While collecting: the button. After: the note, in every language.
		must(t, yc.Get("/kk/proposals/"+pr.ID), 200, `id="support-button"`)
		env.Clock.Advance(31 * 24 * time.Hour)
		body := must(t, yc.Get("/ru/proposals/"+pr.ID), 200, `id="closed"`, "Сбор предложений завершён", "«Рассмотрение»")
		if strings.Contains(body, `id="support-button"`) {
			t.Fatal("a support button after the collecting stage")
		}
		oc := env.Client()
		oc.SignIn(other)
		must(t, oc.Get("/en/proposals/"+pr.ID), 200, `id="closed"`, `id="you-supported"`)
		must(t, oc.Get("/kk/programmes/"+p.ID+"/proposals"), 200, `id="closed"`, "Ұсыныстар жинау аяқталды")
		for _, lang := range []string{"kk-Latn", "en"} {
			must(t, c.Get("/"+lang+"/proposals/"+pr.ID), 200, `id="closed"`)
		}
	})
}

// A file of indicator values bigger than the import takes is refused
// whole (413), not read up to the limit and imported as if that were all
// — even where the request limit is raised above it.
func TestIndicatorImportTooBigIsRefusedWhole(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.MaxBodyBytes = 16 << 20 }})
		api := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		p := newProgramme(t, env, api, token(t, env, admin), org)
		var ind struct{ ID string }
		decode(t, api.JSON("POST", "/api/v1/programmes/"+p.ID+"/indicators", token(t, env, admin),
			`{"name":{"kk":"NEET үлесі"},"unit":"%","better":"lower","baseline":7.1,"target":5,"target_date":"2027-12-31"}`), 201, &ind)
		// Three good rows with a long note each: the cut would fall in
		// the second.
		var b strings.Builder
		b.WriteString("indicator,region,period,value,note\n")
		for i := range 3 {
			fmt.Fprintf(&b, "%s,KZ,%d,6.%d,%s\n", ind.ID, 2024+i, i, strings.Repeat("ә", 1<<20))
		}
		ac := env.Client()
		ac.SignIn(admin)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "values.csv")
		fw.Write([]byte(b.String()))
		mw.Close()
		req, _ := http.NewRequest("POST", env.URL+"/kk/programmes/"+p.ID+"/indicators/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", env.URL)
		must(t, ac.Do(req), 413)
		var n int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM indicator_values").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d values written from a refused file (%v)", n, err)
		}
	})
}
