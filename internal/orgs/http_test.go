package orgs_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/orgs"
)

func upload(t *testing.T, env *apptest.Env, c *apptest.Client, path, token, name string, data []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", env.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Language", "ru")
	} else {
		req.Header.Set("Origin", env.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return c.Do(req)
}

func TestDirectoryAndOrganizationPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		city := f.mustCreate(t, 0, "assembly", "Шымкент қаласының Қазақстан халқы Ассамблеясы", "Ассамблея народа Казахстана города Шымкента")
		council := f.mustCreate(t, city.ID, "council", "Аналар кеңесі", "Совет матерей")
		assoc := f.mustCreate(t, city.ID, "ethnocultural_association", "Корей этномәдени орталығы", "Корейский этнокультурный центр")
		zh := f.mustCreate(t, 0, "assembly", "Жамбыл облыстық Ассамблеясы", "")
		if err := f.svc.AddRegistration(ctx, f.admin.User, assoc.ID, orgs.RegInput{Number: "77-ШЫМ", Date: "2019-02-01", Authority: "Шымкент қаласының Әділет департаменті", Status: "re_registered"}); err != nil {
			t.Fatal(err)
		}
		m1, m2 := f.env.NewPerson(), f.env.NewPerson()
		for _, p := range []apptest.Person{m1, m2} {
			if _, err := f.svc.AddMember(ctx, f.admin.User, council.ID, orgs.MemberInput{PersonID: p.User.ID, Role: "member"}); err != nil {
				t.Fatal(err)
			}
		}
		c := f.env.Client()
		link := fmt.Sprintf(`/organizations/%d"`, city.ID)
		// The directory finds a Cyrillic name typed in Latin, on a Qaz page.
		for _, q := range []string{"Şymkent", "Shymkent", "шымкент"} {
			r := c.Get("/kk-Latn/organizations?q=" + url.QueryEscape(q))
			if r.StatusCode != 200 || !strings.Contains(r.Body, link) || strings.Contains(r.Body, fmt.Sprintf(`/organizations/%d"`, zh.ID)) {
				t.Fatalf("search %q: %d\n%.2000s", q, r.StatusCode, r.Body)
			}
			if !strings.Contains(r.Body, `<html lang="kk-Latn">`) || !strings.Contains(r.Body, "Şymkent") {
				t.Fatalf("the Qaz directory does not show names in Latin letters")
			}
			if regexp.MustCompile(`Шымкент`).MatchString(r.Body) {
				t.Fatalf("a Cyrillic name on the Qaz page")
			}
		}
		if r := c.Get("/ru/organizations?kind=nonsense"); r.StatusCode != 422 || !strings.Contains(r.Body, "Выберите") {
			t.Fatalf("bad kind filter: %d", r.StatusCode)
		}
		// The organization page: children, councils, counts, registration report.
		r := c.Get(fmt.Sprintf("/ru/organizations/%d", city.ID))
		for _, want := range []string{"Ассамблея народа Казахстана города Шымкента", "Совет матерей", "Корейский этнокультурный центр",
			"вместе с входящими организациями 2", `id="reg-report"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("organization page lacks %q", want)
			}
		}
		if len(r.Body) > 60<<10 {
			t.Errorf("organization page is %d bytes", len(r.Body))
		}
		if r := c.Get(fmt.Sprintf("/en/organizations/%d", assoc.ID)); !strings.Contains(r.Body, "77-ШЫМ") || !strings.Contains(r.Body, "re-registered") {
			t.Errorf("registration not on the page:\n%.3000s", r.Body)
		}
		// The member list: guests sign in, outsiders are refused, members see it.
		if r := c.Get(fmt.Sprintf("/kk/organizations/%d/members", council.ID)); r.StatusCode != http.StatusSeeOther {
			t.Errorf("guest on the member list: %d", r.StatusCode)
		}
		out := f.env.Client()
		out.SignIn(f.env.NewPerson())
		if r := out.Get(fmt.Sprintf("/kk/organizations/%d/members", council.ID)); r.StatusCode != http.StatusForbidden {
			t.Errorf("outsider on the member list: %d", r.StatusCode)
		}
		adm := f.env.Client()
		adm.SignIn(f.admin)
		if r := adm.Get(fmt.Sprintf("/kk/organizations/%d/members", council.ID)); r.StatusCode != 200 || !strings.Contains(r.Body, m1.User.Name+"<") || !strings.Contains(r.Body, m2.User.Name+"<") {
			t.Errorf("admin on the member list: %d", r.StatusCode)
		}
		// Forms: an error is shown next to its field, in the page's language.
		r = adm.PostForm(fmt.Sprintf("/ru/organizations/%d/move", city.ID), url.Values{"parent_id": {fmt.Sprint(council.ID)}})
		if r.StatusCode != 422 || !strings.Contains(r.Body, `class="field-error"`) || !strings.Contains(r.Body, "Нельзя перенести") {
			t.Errorf("moving under a descendant: %d", r.StatusCode)
		}
		// Exports: CSV with a byte-order mark.
		r = adm.Get(fmt.Sprintf("/kk/organizations/%d/members/export?format=csv", council.ID))
		if r.StatusCode != 200 || !strings.HasPrefix(r.Body, "\ufeffname,email,role,since,until,birth_date,region\n") || strings.Count(r.Body, "\n") != 3 {
			t.Errorf("members CSV: %d %q", r.StatusCode, r.Body)
		}
		r = adm.Get("/kk/organizations/export?format=xlsx&q=shymkent")
		if r.StatusCode != 200 || !strings.HasPrefix(r.Body, "PK") {
			t.Errorf("organizations XLSX: %d", r.StatusCode)
		}
	})
}

func TestAPIAndImportReport(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		token, err := f.env.App.Auth.CreateToken(ctx, f.admin.User, "script", f.admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.env.Client()
		r := c.JSON("POST", "/api/v1/organizations", token, `{"kind":"primary_organization","name":{"kk":"Теміртау Мәдениет сарайы","ru":"Дворец культуры Темиртау","en":""},
			"short_name":{"kk":"ТМС","ru":"","en":""},"region":"KZ-35","district":"KZ-35-temirtau",
			"registration":{"number":"123-ТМ","date":"2011-05-04","authority":"Әділет басқармасы","status":"registered"}}`)
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		var o map[string]any
		json.Unmarshal([]byte(r.Body), &o)
		for _, k := range []string{"id", "parent_id", "kind", "name", "short_name", "region", "registration", "member_count"} {
			if _, ok := o[k]; !ok {
				t.Errorf("organization JSON lacks %q: %s", k, r.Body)
			}
		}
		id := o["id"].(string)
		if reg := o["registration"].(map[string]any); reg["number"] != "123-ТМ" || reg["status"] != "registered" {
			t.Errorf("registration: %v", reg)
		}
		r = c.JSON("PATCH", "/api/v1/organizations/"+id, token, `{"kind":"club"}`)
		if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"kind"`) {
			t.Errorf("bad kind: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("GET", "/api/v1/organizations?q=Temirtau", "", ""); !strings.Contains(r.Body, `"id":"`+id+`"`) {
			t.Errorf("API search: %s", r.Body)
		}
		// An import with a bad last row: 422, every bad row, nothing written.
		var file strings.Builder
		file.WriteString("ФИО;Почта;Роль;С;По;Дата рождения;Регион\n")
		for i := range 300 {
			fmt.Fprintf(&file, "Участник %d;m%d@example.kz;член;01.02.2020;;;Карагандинская область\n", i, i)
		}
		file.WriteString("Последний;не-почта;член;2020-02-30;;;\n")
		r = upload(t, f.env, c, "/api/v1/organizations/"+id+"/members/import", token, "members.csv", []byte(file.String()))
		if r.StatusCode != 422 || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
			t.Fatalf("bad import: %d %s", r.StatusCode, r.Body)
		}
		var p struct {
			Errors []struct {
				Row     int    `json:"row"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		json.Unmarshal([]byte(r.Body), &p)
		if len(p.Errors) != 2 || p.Errors[0].Row != 302 || p.Errors[0].Field != "email" || p.Errors[1].Field != "since" ||
			!strings.Contains(p.Errors[0].Message, "адрес") {
			t.Fatalf("report: %s", r.Body)
		}
		var n int
		d.QueryRow(ctx, "SELECT COUNT(*) FROM users WHERE email LIKE 'm%@example.kz'").Scan(&n)
		if n != 0 {
			t.Fatalf("a rejected import created %d people", n)
		}
		// Without the bad row: all in; again: nothing new.
		good := []byte(strings.TrimSuffix(file.String(), "Последний;не-почта;член;2020-02-30;;;\n"))
		for i, want := range []string{`"created":300,"updated":0,"unchanged":0`, `"created":0,"updated":0,"unchanged":300`} {
			r = upload(t, f.env, c, "/api/v1/organizations/"+id+"/members/import", token, "members.csv", good)
			if r.StatusCode != 200 || !strings.Contains(r.Body, want) {
				t.Fatalf("import %d: %d %s", i, r.StatusCode, r.Body)
			}
		}
		r = c.JSON("GET", "/api/v1/organizations/"+id+"/members?limit=200", token, "")
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		json.Unmarshal([]byte(r.Body), &page)
		if len(page.Items) != 200 || page.NextCursor == "" || page.Items[0]["role"] != "member" || page.Items[0]["person_id"] == nil {
			t.Fatalf("members page: %d items, cursor %q", len(page.Items), page.NextCursor)
		}
		r = c.JSON("GET", "/api/v1/organizations/"+id+"/members?limit=200&cursor="+page.NextCursor, token, "")
		page.NextCursor = ""
		json.Unmarshal([]byte(r.Body), &page)
		if len(page.Items) != 100 || page.NextCursor != "" {
			t.Fatalf("second page: %d items", len(page.Items))
		}
		if r := c.JSON("GET", "/api/v1/organizations/"+id, "", ""); !strings.Contains(r.Body, `"member_count":300`) {
			t.Errorf("count after import: %s", r.Body)
		}
		// The page shows the report too, in the page's language.
		adm := f.env.Client()
		adm.SignIn(f.admin)
		r = upload(t, f.env, adm, "/kk/organizations/"+id+"/members/import", "", "x.csv", []byte("name,email,role\nА,bad,member\n"))
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="import-report"`) || !strings.Contains(r.Body, "<td>2</td>") {
			t.Fatalf("page report: %d\n%.3000s", r.StatusCode, r.Body)
		}
	})
}

// An imported person has an account without a password: "forgot password"
// lets them set one and sign in.
func TestImportedPersonCanSignIn(t *testing.T) {
	f := setup(t, dbtest.SQLite(t))
	org := f.mustCreate(t, 0, "primary_organization", "Орал бастауыш ұйымы", "")
	if _, err := f.svc.ImportMembers(ctx, f.admin.User, org.ID, []byte("name,email,role\nАрман Сейітов,arman@example.kz,member\n")); err != nil {
		t.Fatal(err)
	}
	c := f.env.Client()
	if r := c.PostForm("/kk/signin", url.Values{"email": {"arman@example.kz"}, "password": {"anything at all"}}); r.StatusCode == http.StatusSeeOther {
		t.Fatal("signed in without a password")
	}
	if r := c.PostForm("/kk/forgot", url.Values{"email": {"arman@example.kz"}}); r.StatusCode != 200 {
		t.Fatalf("forgot: %d", r.StatusCode)
	}
	m := f.env.Mail.WaitFor(t, "arman@example.kz", 10*time.Second)
	link := mailtest.FindLink(m.Text, f.env.URL+"/kk/reset?token=")
	u, _ := url.Parse(link)
	if r := c.PostForm("/kk/reset", url.Values{"token": {u.Query().Get("token")}, "password": {"a new long password"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	c.SignIn(apptest.Person{Email: "arman@example.kz", Password: "a new long password"})
}
