package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// multipartProposal builds a multipart body: the JSON part "proposal"
// (when not empty), a file part "attachment" (when name is not empty) and
// any extra plain fields.
func multipartProposal(js, name string, data []byte, extra ...string) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if js != "" {
		mw.WriteField("proposal", js)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("attachment", name)
		fw.Write(data)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		mw.WriteField(extra[i], extra[i+1])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func apiReq(t *testing.T, env *apptest.Env, c *apptest.Client, method, path, token, lang, ctype string, body io.Reader) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return c.Do(req)
}

func wantProblem(t *testing.T, r *apptest.Response, status int, fragments ...string) {
	t.Helper()
	if r.StatusCode != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("status %d (%s), want a %d problem\n%s", r.StatusCode, r.Header.Get("Content-Type"), status, r.Body)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Body, f) {
			t.Fatalf("want %q in\n%s", f, r.Body)
		}
	}
}

func TestProposalAttachmentThroughAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		p := newProgramme(t, env, c, token(t, env, admin), org)
		young := env.NewPerson()
		tok := token(t, env, young)
		path := "/api/v1/programmes/" + p.ID + "/proposals"
		js := `{"title":"Жастар орталығы керек","body":"Қалада жастар орталығы жоқ, кітапхана мен коворкинг қажет.","direction_id":"` + p.Directions[1].ID + `","region":"KZ-79"}`
		count := func() int {
			var n int
			if err := d.QueryRow(t.Context(), "SELECT COUNT(*) FROM proposals").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Refusals write nothing.
		body, ct := multipartProposal(js, "plan.pdf", []byte("%PDF-1.4\n"))
		wantProblem(t, apiReq(t, env, c, "POST", path, "", "ru", ct, body), 401, "Сначала войдите")
		// Someone from a region the programme does not cover.
		astana, _, err := env.App.Auth.CreateConfirmed(t.Context(), 0, auth.NewUser{Name: "Астана", Email: "astana@example.kz", BirthDate: "1999-01-01", Region: "KZ-71"})
		if err != nil {
			t.Fatal(err)
		}
		body, ct = multipartProposal(js, "plan.pdf", []byte("%PDF-1.4\n"))
		wantProblem(t, apiReq(t, env, c, "POST", path, token(t, env, apptest.Person{User: astana}), "ru", ct, body), 403, "не охватывает ваш регион")
		body, ct = multipartProposal(js, "evil.html", []byte("<script>alert(1)</script>"))
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "ru", ct, body), 422, `"field":"attachment"`, "Можно прикрепить только PDF, PNG или JPEG")
		body, ct = multipartProposal(js, "big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 800<<10)...))
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "en", ct, body), 422, `"field":"attachment"`, "at most 768 KB")
		body, ct = multipartProposal("", "plan.pdf", []byte("%PDF-1.4\n"))
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "ru", ct, body), 422, `"field":"proposal"`, "Заполните это поле")
		body, ct = multipartProposal(js, "", nil, "title", "x")
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "ru", ct, body), 422, `"field":"title"`, "Неизвестное поле")
		body, ct = multipartProposal(`{"title":"Жастар","body":"қысқа","region":"KZ-79","extra":1}`, "plan.pdf", []byte("%PDF-1.4\n"))
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "ru", ct, body), 422, `"field":"extra"`, "Неизвестное поле")
		body, ct = multipartProposal(`{"title":"Жастар","body":"қысқа","region":"KZ-79"}`, "plan.pdf", []byte("%PDF-1.4\n"))
		wantProblem(t, apiReq(t, env, c, "POST", path, tok, "ru", ct, body), 422, `"field":"body"`, `"field":"direction_id"`)
		if n := count(); n != 0 {
			t.Fatalf("%d proposals after refusals", n)
		}

		// A PDF is stored with the proposal and served as a download.
		pdf := []byte("%PDF-1.4\n% план\n")
		body, ct = multipartProposal(js, "жоспар.pdf", pdf)
		var out struct {
			ID         string `json:"id"`
			Attachment *struct {
				Name string `json:"name"`
				Size int    `json:"size"`
			} `json:"attachment"`
		}
		decode(t, apiReq(t, env, c, "POST", path, tok, "", ct, body), 201, &out)
		if out.Attachment == nil || out.Attachment.Name != "жоспар.pdf" || out.Attachment.Size != len(pdf) {
			t.Fatalf("created: %+v", out)
		}
		a := c.Get("/kk/proposals/" + out.ID + "/attachment")
		if a.StatusCode != 200 || a.Body != string(pdf) || a.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %v", a.StatusCode, a.Header)
		}
		out.Attachment = nil
		decode(t, c.JSON("GET", "/api/v1/proposals/"+out.ID, "", ""), 200, &out)
		if out.Attachment == nil || out.Attachment.Size != len(pdf) {
			t.Fatalf("GET: %+v", out)
		}
		// Plain JSON still works, without a file.
		out.Attachment = nil
		decode(t, c.JSON("POST", path, tok, strings.Replace(js, "орталығы", "кеңістігі", 1)), 201, &out)
		if out.Attachment != nil {
			t.Fatalf("JSON proposal has an attachment: %+v", out)
		}
	})
}

func TestIndicatorThroughAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		adminTok := token(t, env, admin)
		p := newProgramme(t, env, c, adminTok, org)
		var ind struct {
			ID          string  `json:"id"`
			ProgrammeID string  `json:"programme_id"`
			Target      float64 `json:"target"`
			Values      []struct {
				Region string  `json:"region"`
				Period string  `json:"period"`
				Value  float64 `json:"value"`
			} `json:"values"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/indicators", adminTok,
			`{"name":{"kk":"NEET үлесі","ru":"Доля NEET","en":"NEET share"},"unit":"%","better":"lower","baseline":7.1,"target":5,"target_date":"2025-12-31"}`), 201, &ind)
		var other struct {
			ID string `json:"id"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/indicators", adminTok,
			`{"name":{"kk":"Еріктілер","ru":"Волонтёры","en":"Volunteers"},"unit":"%","better":"higher","baseline":10,"target":20,"target_date":"2025-12-31"}`), 201, &other)
		decode(t, c.JSON("PUT", "/api/v1/indicators/"+ind.ID+"/values", adminTok, `{"values":[{"region":"KZ","period":"2024","value":6.8},{"region":"KZ-79","period":"2024","value":8.2}]}`), 200, nil)
		decode(t, c.JSON("PUT", "/api/v1/indicators/"+other.ID+"/values", adminTok, `{"values":[{"region":"KZ","period":"2024","value":12}]}`), 200, nil)

		decode(t, c.JSON("GET", "/api/v1/indicators/"+ind.ID, "", ""), 200, &ind)
		if ind.ProgrammeID != p.ID || ind.Target != 5 || len(ind.Values) != 2 || ind.Values[0].Value != 6.8 || ind.Values[1].Region != "KZ-79" {
			t.Fatalf("indicator: %+v", ind)
		}
		wantProblem(t, apiReq(t, env, c, "GET", "/api/v1/indicators/999999", "", "ru", "", nil), 404)
		wantProblem(t, apiReq(t, env, c, "GET", "/api/v1/indicators/x", "", "ru", "", nil), 404)
	})
}

type inboxJSON struct {
	Items []struct {
		ID   string            `json:"id"`
		Kind string            `json:"kind"`
		Text string            `json:"text"`
		Args map[string]string `json:"args"`
		Link string            `json:"link"`
		Read bool              `json:"read"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestInboxThroughAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		p := newProgramme(t, env, c, token(t, env, admin), org)
		young, other := env.NewPerson(), env.NewPerson()
		tok, otherTok := token(t, env, young), token(t, env, other)
		var pr struct {
			ID string `json:"id"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", tok,
			`{"title":"Ауыл мектептеріне интернет","body":"Барлық ауыл мектептеріне кең жолақты интернет жүргізу керек.","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pr)
		for i := range 3 {
			decode(t, c.JSON("POST", "/api/v1/proposals/"+pr.ID+"/comments", otherTok, fmt.Sprintf(`{"body":"Қолдаймын, %d"}`, i)), 201, nil)
		}

		wantProblem(t, apiReq(t, env, c, "GET", "/api/v1/inbox", "", "ru", "", nil), 401, "Сначала войдите")
		wantProblem(t, apiReq(t, env, c, "GET", "/api/v1/inbox?cursor=zzz", tok, "ru", "", nil), 422, `"field":"cursor"`, "Недопустимое значение")
		wantProblem(t, apiReq(t, env, c, "GET", "/api/v1/inbox?limit=0", tok, "en", "", nil), 422, `"field":"limit"`)

		// Two pages, newest first, in the reader's language.
		var page inboxJSON
		decode(t, apiReq(t, env, c, "GET", "/api/v1/inbox?limit=2", tok, "ru", "", nil), 200, &page)
		if len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].Kind != "comment" || page.Items[0].Read ||
			!strings.Contains(page.Items[0].Text, "Ауыл мектептеріне интернет") || !strings.HasPrefix(page.Items[0].Link, "/proposals/"+pr.ID+"#c") {
			t.Fatalf("first page: %+v", page)
		}
		first := page.Items[0].ID
		var rest inboxJSON
		decode(t, apiReq(t, env, c, "GET", "/api/v1/inbox?limit=2&cursor="+page.NextCursor, tok, "en", "", nil), 200, &rest)
		if len(rest.Items) != 1 || rest.NextCursor != "" || rest.Items[0].ID == first || !strings.Contains(rest.Items[0].Text, "commented on your proposal") {
			t.Fatalf("second page: %+v", rest)
		}
		var none inboxJSON
		decode(t, c.JSON("GET", "/api/v1/inbox", otherTok, ""), 200, &none)
		if len(none.Items) != 0 || none.Items == nil {
			t.Fatalf("the commenter's inbox: %s", mustJSON(none))
		}

		// Mark read: refusals, then one, then all; another's ids change nothing.
		wantProblem(t, apiReq(t, env, c, "POST", "/api/v1/inbox/read", "", "ru", "application/json", strings.NewReader(`{"all":true}`)), 401)
		wantProblem(t, apiReq(t, env, c, "POST", "/api/v1/inbox/read", tok, "ru", "application/json", strings.NewReader(`{}`)), 422, `"field":"ids"`, "Заполните это поле")
		wantProblem(t, apiReq(t, env, c, "POST", "/api/v1/inbox/read", tok, "kk", "application/json", strings.NewReader(`{"ids":["1"],"all":true}`)), 422, `"field":"ids"`, "біреуін ғана")
		wantProblem(t, apiReq(t, env, c, "POST", "/api/v1/inbox/read", tok, "en", "application/json", strings.NewReader(`{"ids":["abc"]}`)), 422, `"field":"ids"`, "Invalid value")
		var unread struct {
			Unread int `json:"unread"`
		}
		decode(t, c.JSON("POST", "/api/v1/inbox/read", otherTok, `{"ids":["`+first+`"]}`), 200, &unread)
		if unread.Unread != 0 {
			t.Fatalf("the other's unread: %d", unread.Unread)
		}
		decode(t, c.JSON("POST", "/api/v1/inbox/read", tok, `{"ids":["`+first+`"]}`), 200, &unread)
		if unread.Unread != 2 {
			t.Fatalf("unread after one: %d", unread.Unread)
		}
		decode(t, c.JSON("GET", "/api/v1/inbox", tok, ""), 200, &page)
		if len(page.Items) != 3 || !page.Items[0].Read || page.Items[1].Read {
			t.Fatalf("after marking one: %+v", page)
		}
		decode(t, c.JSON("POST", "/api/v1/inbox/read", tok, `{"all":true}`), 200, &unread)
		if unread.Unread != 0 {
			t.Fatalf("unread after all: %d", unread.Unread)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
