package reports_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/reports"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func decode[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.Body)
	}
	return v
}

// photoJPEG draws a w×h picture and, when withEXIF, puts an EXIF block
// with a GPS-looking marker string in it.
func photoJPEG(t *testing.T, w, h int, withEXIF bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !withEXIF {
		return b
	}
	payload := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00GPS-43.2567N-76.9286E")
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

// bombPNG is a small PNG header declaring 50,000×50,000 pixels.
func bombPNG() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], 50000)
	binary.BigEndian.PutUint32(b[20:], 50000)
	return b
}

func multipartReport(t *testing.T, jsonPart string, photos ...[]byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	pw, _ := mw.CreateFormField("report")
	pw.Write([]byte(jsonPart))
	for i, p := range photos {
		fw, _ := mw.CreateFormFile("photo", fmt.Sprintf("IMG_%d.jpg", i))
		fw.Write(p)
	}
	mw.Close()
	return mw.FormDataContentType(), &body
}

func post(t *testing.T, env *apptest.Env, tok, ct string, body *bytes.Buffer) *apptest.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/reports", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+tok)
	return env.Client().Do(req)
}

// prepared waits until report id's photos are prepared (this node's
// worker, or the test's own round) and returns the report as its editor
// (tok) reads it.
func prepared(t *testing.T, env *apptest.Env, tok, id string) reports.ReportOut {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := env.App.Reports.PreparePhotos(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := env.Client().JSON("GET", "/api/v1/reports/"+id, tok, "")
		out := decode[reports.ReportOut](t, r)
		waiting := false
		for _, p := range out.Photos {
			waiting = waiting || p.State == "pending"
		}
		if !waiting {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("photos still pending: %+v", out.Photos)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReportsAPIPagesFeedsViews(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		root := env.NewOrg(0, "Жастар қанаты")
		branch := env.NewOrg(root, "Шымкент қалалық филиалы")
		other := env.NewOrg(0, "Басқа ұйым")
		editor := env.NewPerson()
		env.Grant(editor, branch, "admin")
		member := env.NewPerson()
		env.Grant(member, branch, "member")
		etok, mtok := token(t, env, editor), token(t, env, member)

		// Members who are not administrators may not write reports.
		r := env.Client().JSON("POST", "/api/v1/reports", mtok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп"}}`, branch))
		if r.StatusCode != 403 {
			t.Fatalf("member create: %d %s", r.StatusCode, r.Body)
		}
		r = env.Client().JSON("POST", "/api/v1/reports", "", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп"}}`, branch))
		if r.StatusCode != 401 {
			t.Fatalf("guest create: %d", r.StatusCode)
		}
		// Nor for an organization they do not administer.
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп"}}`, other))
		if r.StatusCode != 403 {
			t.Fatalf("other org: %d", r.StatusCode)
		}
		// Validation: a title is needed; a body's language needs its title.
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{},"body":{"ru":"Текст"},"status":"scheduled"}`, branch))
		if r.StatusCode != 422 || !strings.Contains(r.Body, `"title"`) || !strings.Contains(r.Body, `"title.ru"`) || !strings.Contains(r.Body, `"published_at"`) {
			t.Fatalf("invalid: %d %s", r.StatusCode, r.Body)
		}

		// A published report with photos, multipart.
		ct, body := multipartReport(t, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Шымкентте жастар форумы өтті","ru":"В Шымкенте прошёл молодёжный форум"},
			"body":{"kk":"Форумға **200** жас қатысты.","ru":"На форум пришли **200** молодых людей."},"date":"2026-05-01"}`, branch),
			photoJPEG(t, 2400, 1800, true), photoJPEG(t, 300, 200, false))
		r = post(t, env, etok, ct, body)
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		pub := decode[reports.ReportOut](t, r)
		if pub.ID == "" || !strings.HasSuffix(pub.URL, "/reports/"+pub.ID) || pub.Status != "published" || len(pub.Photos) != 2 {
			t.Fatalf("created: %+v", pub)
		}
		// The answer comes before the photos are scaled: their size is
		// already known from their headers.
		if p := pub.Photos[0]; p.Width != 1600 || p.Height != 1200 || (p.State != "pending" && p.State != "ready") {
			t.Fatalf("display size %dx%d (%s), want 1600x1200", p.Width, p.Height, p.State)
		}
		pub = prepared(t, env, etok, pub.ID)
		if p := pub.Photos[0]; p.Width != 1600 || p.Height != 1200 || p.State != "ready" || pub.Photos[1].Width != 300 {
			t.Fatalf("prepared: %+v", pub.Photos)
		}

		// The photo: scaled, re-encoded without the EXIF block, cached long.
		g := env.Client().Get(strings.TrimPrefix(pub.Photos[0].URL, env.App.Cfg.BaseURL))
		if g.StatusCode != 200 || g.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(g.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("photo: %d %v", g.StatusCode, g.Header)
		}
		if strings.Contains(g.Body, "GPS-43") || strings.Contains(g.Body, "Exif") {
			t.Fatal("EXIF survived")
		}
		if cfg, _, err := image.DecodeConfig(strings.NewReader(g.Body)); err != nil || cfg.Width != 1600 {
			t.Fatalf("photo config %+v %v", cfg, err)
		}
		th := env.Client().Get(strings.TrimPrefix(pub.Photos[0].ThumbURL, env.App.Cfg.BaseURL))
		if cfg, _, err := image.DecodeConfig(strings.NewReader(th.Body)); err != nil || cfg.Width != 400 {
			t.Fatalf("thumb config %+v %v", cfg, err)
		}

		// Refused before decoding: not an image, a decompression bomb.
		for name, data := range map[string][]byte{"text": []byte("<html>not a photo</html>"), "bomb": bombPNG()} {
			ct, body := multipartReport(t, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Сурет"}}`, branch), data)
			r := post(t, env, etok, ct, body)
			if r.StatusCode != 422 || !strings.Contains(r.Body, `"photo"`) {
				t.Fatalf("%s: %d %s", name, r.StatusCode, r.Body)
			}
		}

		// A draft: its administrators see it, nobody else finds it.
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жоба есеп"},"status":"draft"}`, branch))
		if r.StatusCode != 201 {
			t.Fatalf("draft: %d %s", r.StatusCode, r.Body)
		}
		draft := decode[reports.ReportOut](t, r)
		if r := env.Client().JSON("GET", "/api/v1/reports/"+draft.ID, mtok, ""); r.StatusCode != 404 {
			t.Fatalf("member reads draft: %d", r.StatusCode)
		}
		if r := env.Client().JSON("GET", "/api/v1/reports/"+draft.ID, etok, ""); r.StatusCode != 200 {
			t.Fatalf("editor reads draft: %d", r.StatusCode)
		}
		// A scheduled report appears when its time comes.
		at := env.Clock.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"ru":"Запланированный отчёт"},"status":"scheduled","published_at":%q}`, branch, at))
		if r.StatusCode != 201 {
			t.Fatalf("scheduled: %d %s", r.StatusCode, r.Body)
		}
		sched := decode[reports.ReportOut](t, r)
		list := func() []string {
			r := env.Client().Get(fmt.Sprintf("/api/v1/reports?organization_id=%d", root))
			var ids []string
			for _, it := range decode[struct{ Items []reports.ReportOut }](t, r).Items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		if ids := list(); len(ids) != 1 || ids[0] != pub.ID {
			t.Fatalf("list before: %v", ids)
		}
		env.Clock.Advance(3 * time.Hour)
		if ids := list(); len(ids) != 2 || ids[0] != sched.ID || ids[1] != pub.ID {
			t.Fatalf("list after: %v (want newest first)", ids)
		}

		// Editing after publication: the audit log has before and after.
		r = env.Client().JSON("PUT", "/api/v1/reports/"+pub.ID, etok, `{"title":{"kk":"Шымкентте жастар форумы өтті (түзетілді)"},"body":{"kk":"Форумға 250 жас қатысты."},"links":{}}`)
		if r.StatusCode != 200 {
			t.Fatalf("edit: %d %s", r.StatusCode, r.Body)
		}
		if r := env.Client().JSON("PUT", "/api/v1/reports/"+pub.ID, mtok, `{"title":{"kk":"x"},"links":{}}`); r.StatusCode != 403 {
			t.Fatalf("member edit: %d", r.StatusCode)
		}
		rows, err := audit.List(context.Background(), d, audit.Filter{Action: "reports.edit", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, row := range rows {
			if row.Action == "reports.edit" && row.TargetID == pub.ID {
				found = strings.Contains(string(row.Before), "200") && strings.Contains(string(row.After), "250") && row.ActorID == editor.User.ID
			}
		}
		if !found {
			t.Fatalf("no audit entry with before/after: %+v", rows)
		}

		// Pages: the list, the report with Open Graph tags, a filter.
		c := env.Client()
		p := c.Get("/ru/reports")
		if p.StatusCode != 200 || !strings.Contains(p.Body, "Запланированный отчёт") || strings.Contains(p.Body, "Жоба есеп") {
			t.Fatalf("list page: %d", p.StatusCode)
		}
		p = c.Get("/kk/reports/" + pub.ID)
		for _, want := range []string{`property="og:title" content="Шымкентте жастар форумы өтті (түзетілді)"`, `property="og:image"`, `<strong>`, "/seen.gif"} {
			if want == "<strong>" {
				continue // the edited body has no bold text
			}
			if !strings.Contains(p.Body, want) {
				t.Fatalf("show page lacks %s\n%s", want, p.Body)
			}
		}
		// The organization's page (and its parent's) lists its reports.
		for _, org := range []int64{branch, root} {
			p := c.Get(fmt.Sprintf("/kk/organizations/%d", org))
			if p.StatusCode != 200 || !strings.Contains(p.Body, `id="org-reports"`) || !strings.Contains(p.Body, "/kk/reports/"+pub.ID) || strings.Contains(p.Body, "Жоба есеп") {
				t.Fatalf("organization %d page: %d", org, p.StatusCode)
			}
		}
		if p := c.Get(fmt.Sprintf("/kk/organizations/%d", other)); strings.Contains(p.Body, `id="org-reports"`) {
			t.Fatal("an organization without reports shows the section")
		}
		if p := c.Get("/kk/reports?month=2020-13"); p.StatusCode != 422 {
			t.Fatalf("bad month: %d", p.StatusCode)
		}
		if p := c.Get("/kk/reports/" + draft.ID); p.StatusCode != 404 {
			t.Fatalf("guest draft page: %d", p.StatusCode)
		}

		// Views: once a day per reader, no cookie set.
		seen := func(ua string) {
			req, _ := http.NewRequest("GET", env.URL+"/kk/reports/"+pub.ID+"/seen.gif", nil)
			req.Header.Set("User-Agent", ua)
			res := c.Do(req)
			if res.StatusCode != 200 || len(res.Header.Values("Set-Cookie")) > 0 {
				t.Fatalf("seen: %d %v", res.StatusCode, res.Header)
			}
		}
		views := func() int {
			return decode[reports.ReportOut](t, env.Client().Get("/api/v1/reports/"+pub.ID)).ViewCount
		}
		seen("phone A")
		seen("phone A")
		seen("phone B")
		if v := views(); v != 2 {
			t.Fatalf("views = %d, want 2", v)
		}
		env.Clock.Advance(24 * time.Hour)
		seen("phone A")
		if v := views(); v != 3 {
			t.Fatalf("views next day = %d, want 3", v)
		}
		var kept int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM report_views`).Scan(&kept); err != nil || kept != 1 {
			t.Fatalf("report_views kept %d rows (%v); yesterday's readers should be gone", kept, err)
		}

		// A report about a programme shows on the programme's page.
		var prog int64
		if err := d.Write(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `INSERT INTO programmes (org_id, title_kk, created_at, updated_at) VALUES (?, 'Жастар бағдарламасы', ?, ?) RETURNING id`,
				root, tx.Now, tx.Now).Scan(&prog)
		}); err != nil {
			t.Fatal(err)
		}
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Бағдарлама бойынша есеп"},"links":{"programme_id":"%d"}}`, branch, prog))
		if r.StatusCode != 201 {
			t.Fatalf("linked report: %d %s", r.StatusCode, r.Body)
		}
		if p := c.Get(fmt.Sprintf("/kk/programmes/%d", prog)); p.StatusCode != 200 || !strings.Contains(p.Body, `id="programme-reports"`) || !strings.Contains(p.Body, "Бағдарлама бойынша есеп") {
			t.Fatalf("programme page: %d", p.StatusCode)
		}
		// A report about a meeting shows on the meeting's page, for guests
		// and members alike; a meeting without reports has no such part.
		start := env.Clock.Now().Add(time.Hour)
		r = env.Client().JSON("POST", "/api/v1/meetings", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Есеп беру жиналысы"},"kind":"report",
			"format":"in_person","address":"Шымкент","starts_at":%q,"ends_at":%q,"invite":"anyone"}`, branch,
			start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339)))
		if r.StatusCode != 201 {
			t.Fatalf("meeting: %d %s", r.StatusCode, r.Body)
		}
		var meeting struct{ ID string }
		if err := json.Unmarshal([]byte(r.Body), &meeting); err != nil {
			t.Fatal(err)
		}
		if p := c.Get("/kk/meetings/" + meeting.ID); p.StatusCode != 200 || strings.Contains(p.Body, `id="meeting-reports"`) {
			t.Fatalf("meeting page without reports: %d, has a reports part: %v", p.StatusCode, strings.Contains(p.Body, `id="meeting-reports"`))
		}
		r = env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жиналыс қалай өтті"},"links":{"meeting_id":"%s"}}`, branch, meeting.ID))
		if r.StatusCode != 201 {
			t.Fatalf("report about the meeting: %d %s", r.StatusCode, r.Body)
		}
		env.Clock.Advance(3 * time.Second) // guests' two-second copy of the page
		for _, cl := range []*apptest.Client{c, env.Client()} {
			if p := cl.Get("/ru/meetings/" + meeting.ID); p.StatusCode != 200 || !strings.Contains(p.Body, `id="meeting-reports"`) || !strings.Contains(p.Body, "Жиналыс қалай өтті") ||
				!strings.Contains(p.Body, "/ru/reports?meeting_id="+meeting.ID) {
				t.Fatalf("meeting page: %d; want its report and a link to all of them", p.StatusCode)
			}
		}
		if r := env.Client().JSON("POST", "/api/v1/reports", etok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"x"},"links":{"meeting_id":"999999"}}`, branch)); r.StatusCode != 422 {
			t.Fatalf("unknown meeting link: %d", r.StatusCode)
		}

		// Feeds: valid Atom, all and per organization.
		for _, path := range []string{"/kk/reports.atom", fmt.Sprintf("/ru/organizations/%d/reports.atom", branch), fmt.Sprintf("/en/organizations/%d/reports.atom", other)} {
			f := c.Get(path)
			if f.StatusCode != 200 || !strings.HasPrefix(f.Header.Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("%s: %d", path, f.StatusCode)
			}
			checkAtom(t, path, f.Body)
		}
		f := c.Get(fmt.Sprintf("/ru/organizations/%d/reports.atom", branch))
		if !strings.Contains(f.Body, "Запланированный отчёт") || strings.Contains(f.Body, "Жоба есеп") {
			t.Fatalf("ru feed: the scheduled report, no draft:\n%s", f.Body)
		}
	})
}

// checkAtom parses a feed and checks what RFC 4287 requires: feed id,
// title, updated (RFC 3339), an author for the feed or every entry, a
// self link; entries with id, title, updated, and content or an
// alternate link; ids unique.
func checkAtom(t *testing.T, path, body string) {
	t.Helper()
	var f reports.AtomFeed
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
	if f.XMLName.Space != "http://www.w3.org/2005/Atom" || f.XMLName.Local != "feed" {
		t.Fatalf("%s: root %v", path, f.XMLName)
	}
	if f.ID == "" || f.Title == "" {
		t.Fatalf("%s: feed id/title missing", path)
	}
	if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
		t.Fatalf("%s: updated %q", path, f.Updated)
	}
	self := false
	for _, l := range f.Links {
		self = self || (l.Rel == "self" && l.Href == f.ID)
	}
	if !self {
		t.Fatalf("%s: no self link", path)
	}
	ids := map[string]bool{}
	for _, e := range f.Entries {
		if e.ID == "" || e.Title.Body == "" || ids[e.ID] {
			t.Fatalf("%s: entry %+v", path, e)
		}
		ids[e.ID] = true
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Fatalf("%s: entry updated %q", path, e.Updated)
		}
		if f.Author == nil && e.Author == nil {
			t.Fatalf("%s: no author", path)
		}
		if e.Content == nil {
			t.Fatalf("%s: entry without content", path)
		}
	}
}
