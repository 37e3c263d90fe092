package calls_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

var (
	pdfFile = append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 600<<10)...) // with pngFile over the 1 MB body limit of other forms
	pngFile = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 600<<10)...)
)

// multipartReq is a multipart request: the JSON part (if any) and files by
// field name, each as {file name, content}.
func multipartReq(env *apptest.Env, path, tok, jsonPart, jsonName string, files map[string][2]string, form map[string]string) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if jsonPart != "" {
		w, _ := mw.CreateFormField(jsonName)
		w.Write([]byte(jsonPart))
	}
	for k, v := range form {
		mw.WriteField(k, v)
	}
	for field, f := range files {
		w, _ := mw.CreateFormFile(field, f[0])
		w.Write([]byte(f[1]))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", env.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

// File questions: the same rules as proposals' attachments (type by
// content, 768 KB), stored with the application or not at all, and
// downloadable only by the applicant, the organizers and the jurors the
// answer is shown to.
func TestFileQuestions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Шығармашылық орталық")
		organizer, juror, blindJuror, stranger := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(organizer, org, "moderator")
		now := env.Clock.Now()
		stage := func(title string, blind bool, from time.Duration) calls.StageInput {
			return calls.StageInput{Title: i18n.Text{KK: title}, OpensAt: now.Add(from), ClosesAt: now.Add(from + 25*time.Hour), Advance: 1, PerApplication: 1, Blind: blind,
				Criteria: []calls.Criterion{{Key: "art", Title: i18n.Text{KK: "Шеберлік"}, Weight: 1, Max: 10}}}
		}
		form := []calls.Field{
			{Key: "title", Label: i18n.Text{KK: "Жұмыс атауы"}, Type: "text", Required: true},
			{Key: "work", Label: i18n.Text{KK: "Жұмыстың суреті"}, Type: "file", Required: true},
			{Key: "cv", Label: i18n.Text{KK: "Түйіндеме"}, Type: "file", Identifying: true},
		}
		// Six file questions are too many.
		six := append([]calls.Field{}, form...)
		for i := range 4 {
			six = append(six, calls.Field{Key: fmt.Sprintf("f%d", i), Label: i18n.Text{KK: "Файл"}, Type: "file"})
		}
		if _, err := env.App.Calls.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "Сурет байқауы"},
			Form: six, Stages: []calls.StageInput{stage("Іріктеу", false, -time.Hour)}}); !hasField(err, "form.6.type") {
			t.Fatalf("six file questions: %v", err)
		}
		c, err := env.App.Calls.Create(ctx, organizer.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "Сурет байқауы"},
			Form: form, Stages: []calls.StageInput{stage("Іріктеу", false, -time.Hour), stage("Финал", true, 48*time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		cl := env.Client()
		applicant := env.NewPerson()
		tok := token(t, env, applicant)
		path := fmt.Sprintf("/api/v1/calls/%d/applications", c.ID)

		// Refused, each with its field named and nothing stored.
		wantStatus(t, "no file", js(env, cl, "POST", path, tok, `{"answers":{"title":"Дала"}}`), 422, `"answers.work"`)
		wantStatus(t, "text for a file", js(env, cl, "POST", path, tok, `{"answers":{"title":"Дала","work":"сурет.pdf"}}`), 422, "Answer this question with a file")
		wantStatus(t, "wrong type", cl.Do(multipartReq(env, path, tok, `{"answers":{"title":"Дала"}}`, "application",
			map[string][2]string{"answers.work": {"work.pdf", "<html><script>alert(1)</script>"}}, nil)), 422, "Only PDF, PNG or JPEG")
		big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 768<<10)...)
		wantStatus(t, "too big", cl.Do(multipartReq(env, path, tok, `{"answers":{"title":"Дала"}}`, "application",
			map[string][2]string{"answers.work": {"work.pdf", string(big)}}, nil)), 422, "at most 768 KB")
		wantStatus(t, "unknown file", cl.Do(multipartReq(env, path, tok, `{"answers":{"title":"Дала"}}`, "application",
			map[string][2]string{"answers.work": {"w.pdf", string(pdfFile)}, "answers.title": {"t.pdf", string(pdfFile)}}, nil)), 422, `"answers.title"`)
		wantStatus(t, "no JSON part", cl.Do(multipartReq(env, path, tok, "", "", map[string][2]string{"answers.work": {"w.pdf", string(pdfFile)}}, nil)), 422, `"application"`)
		if n := count(t, d, "SELECT COUNT(*) FROM call_applications WHERE call_id = ?", c.ID) + count(t, d, "SELECT COUNT(*) FROM call_files"); n != 0 {
			t.Fatalf("refused applications stored %d rows", n)
		}

		// Accepted: named for the type found (an HTML name does not make it HTML).
		r := cl.Do(multipartReq(env, path, tok, `{"answers":{"title":"Дала"}}`, "application",
			map[string][2]string{"answers.work": {"жұмыс.html", string(pdfFile)}, "answers.cv": {"cv.png", string(pngFile)}}, nil))
		out := decode[calls.ApplicationOut](t, r, 201)
		var appID int64
		fmt.Sscan(out.ID, &appID)
		a, err := env.App.Calls.Application(ctx, appID)
		if err != nil || a.Answers["work"] != "жұмыс.pdf" || a.Answers["cv"] != "cv.png" || a.Answers["title"] != "Дала" {
			t.Fatalf("answers %+v %v", a, err)
		}

		// The page's form sends files too (multipart), to the same rules.
		second := env.NewPerson()
		sc := env.Client()
		sc.SignIn(second)
		page := fmt.Sprintf("/en/calls/%d", c.ID)
		if r := sc.Get(page); !strings.Contains(r.Body, `enctype="multipart/form-data"`) || !strings.Contains(r.Body, `type="file"`) {
			t.Fatal("the apply form takes no files")
		}
		r = sc.Do(multipartReq(env, page+"/apply", "", "", "", map[string][2]string{"answers.work": {"w.txt", "plain text"}}, map[string]string{"answers.title": "Тау"}))
		if r.StatusCode != 422 || !strings.Contains(r.Body, "Only PDF, PNG or JPEG") || !strings.Contains(r.Body, `id="files-again"`) || !strings.Contains(r.Body, `value="Тау"`) {
			t.Fatalf("page, wrong type: %d", r.StatusCode)
		}
		r = sc.Do(multipartReq(env, page+"/apply", "", "", "", map[string][2]string{"answers.work": {"w.png", string(pngFile)}}, map[string]string{"answers.title": "Тау"}))
		if r.StatusCode != 303 || count(t, d, "SELECT COUNT(*) FROM call_files") != 3 {
			t.Fatalf("page apply with a file: %d %s", r.StatusCode, r.Body)
		}

		// Downloads: the applicant and organizers; a juror of the application, except an identifying answer at a blind stage.
		download := func(p *apptest.Person, key string) *apptest.Response {
			cl := env.Client()
			if p != nil {
				cl.SignIn(*p)
			}
			return cl.Get(fmt.Sprintf("/kk/calls/%d/applications/%d/files/%s", c.ID, appID, key))
		}
		r = download(&applicant, "work")
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") ||
			r.Body != string(pdfFile) {
			t.Fatalf("applicant's download: %d %v", r.StatusCode, r.Header)
		}
		if r := download(&organizer, "cv"); r.StatusCode != 200 || r.Body != string(pngFile) {
			t.Fatalf("organizer's download: %d", r.StatusCode)
		}
		if r := download(&stranger, "work"); r.StatusCode != 404 {
			t.Fatalf("stranger's download: %d", r.StatusCode)
		}
		if r := download(nil, "work"); r.StatusCode != 303 && r.StatusCode != 401 {
			t.Fatalf("guest's download: %d", r.StatusCode)
		}
		if r := download(&applicant, "title"); r.StatusCode != 404 {
			t.Fatalf("a text answer as a file: %d", r.StatusCode)
		}
		if err := env.App.Calls.AddJuror(ctx, organizer.User, c.ID, c.Stages[0].ID, juror.User.ID, 0, false); err != nil {
			t.Fatal(err)
		}
		if r := download(&juror, "work"); r.StatusCode != 404 {
			t.Fatalf("a juror before assignment: %d", r.StatusCode)
		}
		if _, err := env.App.Calls.Assign(ctx, organizer.User, c.ID, c.Stages[0].ID); err != nil {
			t.Fatal(err)
		}
		if r := download(&juror, "work"); r.StatusCode != 200 {
			t.Fatalf("an assigned juror: %d", r.StatusCode)
		}
		if r := download(&juror, "cv"); r.StatusCode != 200 {
			t.Fatalf("an assigned juror, identifying answer at an open stage: %d", r.StatusCode)
		}
		// At the blind final, the juror gets the work but not the CV.
		if err := exec(d, "INSERT INTO call_assignments (stage_id, juror_id, application_id) VALUES (?, ?, ?)", c.Stages[1].ID, blindJuror.User.ID, appID); err != nil {
			t.Fatal(err)
		}
		if r := download(&blindJuror, "work"); r.StatusCode != 200 {
			t.Fatalf("a blind juror, the work: %d", r.StatusCode)
		}
		if r := download(&blindJuror, "cv"); r.StatusCode != 404 {
			t.Fatalf("a blind juror, the CV: %d", r.StatusCode)
		}
	})
}

// hasField reports whether err is a list of problems naming field.
func hasField(err error, field string) bool {
	e, ok := errs.As(err)
	return ok && errs.Fields(e.Fields).Has(field)
}

// exec runs one statement in its own transaction.
func exec(d *db.DB, q string, args ...any) error {
	return d.Write(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	})
}
