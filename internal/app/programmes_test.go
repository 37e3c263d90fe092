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
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func decode(t *testing.T, r *apptest.Response, status int, v any) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d\n%s", r.StatusCode, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(r.Body), v); err != nil {
			t.Fatalf("%v\n%s", err, r.Body)
		}
	}
}

type programmeJSON struct {
	ID         string `json:"id"`
	Directions []struct {
		ID string `json:"id"`
	} `json:"directions"`
	CurrentPhase string `json:"current_phase"`
}

type supportJSON struct {
	Supported    bool `json:"supported"`
	SupportCount int  `json:"support_count"`
}

// newProgramme creates a programme through the API as an org admin, with
// the collecting phase open around the test clock.
func newProgramme(t *testing.T, env *apptest.Env, c *apptest.Client, adminTok string, org int64) programmeJSON {
	t.Helper()
	now := env.Clock.Now()
	body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жастар – Отанға!","ru":"Молодёжь – Родине!","en":"Youth for the Homeland"},
		"description":{"kk":"2025 жылға дейінгі бағдарлама","ru":"","en":""},"age_min":14,"age_max":35,"regions":["KZ-79","KZ-27"],
		"directions":[{"title":{"kk":"Жұмыспен қамту","ru":"Занятость","en":"Employment"}},{"title":{"kk":"Білім","ru":"Образование","en":"Education"}}],
		"phases":[{"kind":"proposals","starts_at":"%s","ends_at":"%s"},{"kind":"evaluation","starts_at":"%s","ends_at":"%s"}]}`,
		org, now.Add(-time.Hour).Format(time.RFC3339), now.Add(720*time.Hour).Format(time.RFC3339),
		now.Add(720*time.Hour).Format(time.RFC3339), now.Add(1440*time.Hour).Format(time.RFC3339))
	var p programmeJSON
	decode(t, c.JSON("POST", "/api/v1/programmes", adminTok, body), 201, &p)
	return p
}

func TestProgrammeCycleThroughAPIAndPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		c := env.Client()
		org := env.NewOrg(0, "Жастар қанаты")
		admin := env.NewPerson()
		env.Grant(admin, org, "admin")
		mod := env.NewPerson()
		env.Grant(mod, org, "moderator")
		young := env.NewPerson()
		adminTok, modTok, youngTok := token(t, env, admin), token(t, env, mod), token(t, env, young)

		// A plain member cannot create a programme; validation speaks Russian.
		decode(t, c.JSON("POST", "/api/v1/programmes", youngTok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"x","ru":"","en":""},"description":{"kk":"","ru":"","en":""},"age_min":14,"age_max":35,"regions":[],"directions":[],"phases":[]}`, org)), 403, nil)
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/programmes", strings.NewReader(fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"","ru":"","en":""},"description":{"kk":"","ru":"","en":""},"age_min":30,"age_max":20,"regions":["XX"],"directions":[],"phases":[]}`, org)))
		req.Header.Set("Authorization", "Bearer "+adminTok)
		req.Header.Set("Accept-Language", "ru")
		r := c.Do(req)
		if r.StatusCode != 422 || !strings.Contains(r.Body, "Неизвестный регион: XX") || !strings.Contains(r.Body, `"field":"age_max"`) {
			t.Fatalf("validation: %d %s", r.StatusCode, r.Body)
		}

		p := newProgramme(t, env, c, adminTok, org)
		if p.CurrentPhase != "proposals" || len(p.Directions) != 2 {
			t.Fatalf("programme: %+v", p)
		}
		var pr struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			SupportCount int    `json:"support_count"`
			Roadmap      []struct {
				ItemID string `json:"item_id"`
			} `json:"roadmap"`
			BodyHTML string `json:"body_html"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/proposals", youngTok,
			`{"title":"Ауыл мектептеріне интернет","body":"Барлық ауыл мектептеріне **кең жолақты** интернет жүргізу керек. <script>alert(1)</script> [x](javascript:alert(1))","direction_id":"`+p.Directions[0].ID+`","region":"KZ-79"}`), 201, &pr)
		if pr.Status != "new" || pr.SupportCount != 0 || strings.Contains(pr.BodyHTML, "<script") || strings.Contains(pr.BodyHTML, "javascript:") {
			t.Fatalf("proposal: %+v", pr)
		}

		// Supports: idempotent both ways, the count in every answer.
		var s supportJSON
		for range 2 {
			decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/support", modTok, ""), 200, &s)
			if !s.Supported || s.SupportCount != 1 {
				t.Fatalf("PUT support: %+v", s)
			}
		}
		decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/support", youngTok, ""), 200, &s)
		for range 2 {
			decode(t, c.JSON("DELETE", "/api/v1/proposals/"+pr.ID+"/support", modTok, ""), 200, &s)
			if s.Supported || s.SupportCount != 1 {
				t.Fatalf("DELETE support: %+v", s)
			}
		}
		decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/support", "", ""), 401, nil)

		// A minor without consent: refused, in the reader's language.
		minor := env.NewPerson("minor")
		mc := env.Client()
		mc.SignIn(minor)
		r = mc.PostForm("/ru/proposals/"+pr.ID+"/support", url.Values{"on": {"1"}})
		if r.StatusCode != 403 || !strings.Contains(r.Body, "согласие родителя или опекуна") {
			t.Fatalf("minor support: %d\n%.2000s", r.StatusCode, r.Body)
		}

		// Lists with filters.
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		decode(t, c.JSON("GET", "/api/v1/programmes/"+p.ID+"/proposals?region=KZ-79&sort=supports&q=интернет", "", ""), 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != pr.ID {
			t.Fatalf("list: %+v", list)
		}
		decode(t, c.JSON("GET", "/api/v1/programmes/"+p.ID+"/proposals?region=KZ-27", "", ""), 200, &list)
		if len(list.Items) != 0 {
			t.Fatalf("region filter: %+v", list)
		}
		decode(t, c.JSON("GET", "/api/v1/programmes/"+p.ID+"/proposals?sort=loudest", "", ""), 422, nil)

		// A roadmap link to a not-yet-accepted proposal is refused.
		item := `{"title":{"kk":"Ауыл мектептерін интернетке қосу","ru":"","en":""},"direction_id":"` + p.Directions[0].ID + `","deadline":"2026-12-31","progress":10,"proposal_ids":["` + pr.ID + `"]}`
		r = c.JSON("POST", "/api/v1/programmes/"+p.ID+"/roadmap", adminTok, item)
		if r.StatusCode != 422 || !strings.Contains(r.Body, "proposal_ids") {
			t.Fatalf("roadmap with a new proposal: %d %s", r.StatusCode, r.Body)
		}
		decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/answer", youngTok, `{"status":"accepted","text":"Ұсыныс қабылданды, жол картасына енеді."}`), 403, nil)
		decode(t, c.JSON("PUT", "/api/v1/proposals/"+pr.ID+"/answer", modTok, `{"status":"accepted","text":"Ұсыныс қабылданды, жол картасына енеді."}`), 200, &pr)
		if pr.Status != "accepted" {
			t.Fatalf("answer: %+v", pr)
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/roadmap", adminTok, item), 201, nil)
		decode(t, c.JSON("GET", "/api/v1/proposals/"+pr.ID, "", ""), 200, &pr)
		if len(pr.Roadmap) != 1 {
			t.Fatalf("proposal does not show its roadmap item: %+v", pr)
		}

		// Indicators: a value outside the programme's regions is refused
		// with its row, and nothing is written.
		var ind struct {
			ID string `json:"id"`
		}
		decode(t, c.JSON("POST", "/api/v1/programmes/"+p.ID+"/indicators", adminTok,
			`{"name":{"kk":"NEET үлесі (15–28 жас)","ru":"Доля NEET (15–28 лет)","en":"NEET share (15–28)"},"unit":"%","better":"lower","baseline":7.1,"target":5,"target_date":"2025-12-31"}`), 201, &ind)
		r = c.JSON("PUT", "/api/v1/indicators/"+ind.ID+"/values", adminTok, `{"values":[{"region":"KZ","period":"2024","value":6.8},{"region":"KZ-63","period":"2024","value":5.5}]}`)
		if r.StatusCode != 422 || !strings.Contains(r.Body, `"row":2`) {
			t.Fatalf("value outside: %d %s", r.StatusCode, r.Body)
		}
		var res struct{ Created, Updated, Unchanged int }
		decode(t, c.JSON("PUT", "/api/v1/indicators/"+ind.ID+"/values", adminTok, `{"values":[{"region":"KZ","period":"2023","value":7.1},{"region":"KZ","period":"2024","value":6.8},{"region":"KZ-79","period":"2024","value":8.2}]}`), 200, &res)
		if res.Created != 3 {
			t.Fatalf("values: %+v", res)
		}
		decode(t, c.JSON("PUT", "/api/v1/indicators/"+ind.ID+"/values", adminTok, `{"values":[{"region":"KZ","period":"2024","value":6.5},{"region":"KZ-79","period":"2024","value":8.2}]}`), 200, &res)
		if res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("values again: %+v", res)
		}

		// The pages, in every language, light and with the content.
		yc := env.Client()
		yc.SignIn(young)
		for _, lang := range []string{"kk", "kk-Latn", "ru", "en"} {
			for _, path := range []string{"/programmes", "/programmes/" + p.ID, "/programmes/" + p.ID + "/proposals", "/proposals/" + pr.ID,
				"/programmes/" + p.ID + "/roadmap", "/programmes/" + p.ID + "/indicators", "/inbox", "/programmes/" + p.ID + "/proposals/new"} {
				r := yc.Get("/" + lang + path)
				if r.StatusCode != 200 {
					t.Fatalf("%s%s: %d\n%.1500s", lang, path, r.StatusCode, r.Body)
				}
				if len(r.Body) > 60<<10 {
					t.Errorf("%s%s: %d bytes", lang, path, len(r.Body))
				}
			}
		}
		page := yc.Get("/kk-Latn/proposals/" + pr.ID).Body
		if !strings.Contains(page, "Auyl mektepterıne internet") || !strings.Contains(page, `id="roadmap"`) {
			t.Fatalf("proposal page in Qaz lacks the Latin title or the roadmap:\n%.3000s", page)
		}
		dash := yc.Get("/en/programmes/" + p.ID + "/indicators").Body
		if !strings.Contains(dash, "<svg") || !strings.Contains(dash, "<td>6.5</td>") || !strings.Contains(dash, "<td>8.2</td>") {
			t.Fatalf("dashboard lacks the chart or the numbers:\n%.3000s", dash)
		}
		inbox := yc.Get("/en/inbox").Body
		if !strings.Contains(inbox, "official answer") || !strings.Contains(inbox, "on the roadmap") {
			t.Fatalf("inbox:\n%.3000s", inbox)
		}
	})
}

func TestAttachmentIsServedSafely(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	c := env.Client()
	org := env.NewOrg(0, "Ұйым")
	admin := env.NewPerson()
	env.Grant(admin, org, "admin")
	p := newProgramme(t, env, c, token(t, env, admin), org)
	young := env.NewPerson()
	c.SignIn(young)
	post := func(name string, data []byte) *apptest.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("title", "Жастар орталығы керек")
		mw.WriteField("body", "Қалада жастар орталығы жоқ, кітапхана мен коворкинг қажет.")
		mw.WriteField("direction_id", p.Directions[1].ID)
		mw.WriteField("region", "KZ-79")
		fw, _ := mw.CreateFormFile("attachment", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", env.URL+"/kk/programmes/"+p.ID+"/proposals", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", env.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return c.Do(req)
	}
	r := post("evil.html", []byte("<html><script>alert(1)</script></html>"))
	if r.StatusCode != 422 || !strings.Contains(r.Body, "PDF, PNG немесе JPEG") {
		t.Fatalf("html attachment: %d\n%.2000s", r.StatusCode, r.Body)
	}
	r = post("жоспар\".pdf", []byte("%PDF-1.4\n% test\n"))
	if r.StatusCode != 303 {
		t.Fatalf("pdf attachment: %d\n%.2000s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	a := c.Get(loc + "/attachment")
	h := a.Header
	if a.StatusCode != 200 || h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || strings.Contains(h.Get("Content-Disposition"), `"".pdf`) {
		t.Fatalf("attachment served as %d %v", a.StatusCode, h)
	}
}
