package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/photo/phototest"
	"github.com/ortaq/ortaq/internal/reports"
)

// node is one app node's reports service on d (its own workers), with an
// editor and an organization to write for.
func node(t *testing.T, d *db.DB, workers int) *reports.Service {
	t.Helper()
	a := auth.New(d, auth.NewHasher(1), nil, i18n.MustLoad(), slog.New(slog.DiscardHandler), auth.Settings{})
	return reports.New(reports.Deps{DB: d, Auth: a, PhotoWorkers: workers})
}

func editorAndOrg(t *testing.T, d *db.DB) (*auth.User, int64) {
	t.Helper()
	ctx := context.Background()
	var user, org int64
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, is_admin, created_at, updated_at) VALUES ('ed@photos.test', 'Editor', TRUE, ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&user); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, region, created_at, updated_at) VALUES ('', 'other', 'Фото ұйымы', 'KZ-79', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&org); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE organizations SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", org), org)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &auth.User{ID: user, IsAdmin: true}, org
}

type photoRow struct {
	id             int64
	state          string
	attempts       int
	hasOriginal    bool
	due, claim     bool
	display, thumb []byte
	width, height  int
	reason         string
}

func photoRows(t *testing.T, d *db.DB) []photoRow {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT id, state, attempts, original IS NOT NULL, due_at IS NOT NULL, claim IS NOT NULL,
		display, thumb, width, height, reason FROM report_photos ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []photoRow
	for rows.Next() {
		var p photoRow
		if err := rows.Scan(&p.id, &p.state, &p.attempts, &p.hasOriginal, &p.due, &p.claim, &p.display, &p.thumb, &p.width, &p.height, &p.reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Publishing stores the photos as uploaded and answers; two nodes' workers
// racing over them prepare each photo exactly once, keep no original
// (with its EXIF) and serve none before it is ready.
func TestPhotosPreparedOnceByRacingWorkers(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := node(t, d, 3), node(t, d, 3)
		u, org := editorAndOrg(t, d)
		var ids []int64
		for i := range 3 {
			var ups []reports.Upload
			for k := range 4 {
				ups = append(ups, reports.Upload{Name: fmt.Sprintf("IMG_%d%d.jpg", i, k), Data: exifPhoto(phototest.Phone(1200, 900, uint64(10*i+k)))})
			}
			r, err := a.Create(ctx, u, reports.Input{OrgID: org, Title: i18n.Text{KK: fmt.Sprintf("Есеп %d", i)}, Photos: ups})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
			// Answered before any decoding: pending, with the size to come.
			for _, p := range r.Photos {
				if p.State != reports.PhotoPending || p.Width != 1200 || p.Height != 900 || p.Hash != "" {
					t.Fatalf("at publishing: %+v", p)
				}
				if _, _, err := a.PhotoData(ctx, nil, p.ID, "display"); err == nil {
					t.Fatal("a pending photo is served")
				}
			}
		}
		for _, p := range photoRows(t, d) {
			if !p.hasOriginal || !p.due || p.state != "pending" {
				t.Fatalf("stored: %+v", p)
			}
		}

		// Both nodes at once, three workers each.
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for _, s := range []*reports.Service{a, b, a, b} {
			wg.Go(func() {
				// A round that could not start a transaction in time (a
				// loaded machine, -race) leaves its photos for the next,
				// as Run does; nothing is taken by a failed round.
				for range 20 {
					n, err := s.PreparePhotos(ctx)
					mu.Lock()
					total += n
					mu.Unlock()
					if err == nil {
						return
					}
					t.Log(err)
				}
				t.Error("no round without an error")
			})
		}
		wg.Wait()
		if total != 12 {
			t.Fatalf("prepared %d photos, want 12 (each once)", total)
		}
		for _, p := range photoRows(t, d) {
			if p.state != "ready" || p.attempts != 1 || p.hasOriginal || p.due || p.claim || len(p.display) == 0 || len(p.thumb) == 0 {
				t.Fatalf("after preparing: %+v (attempts = times taken)", p)
			}
			if bytes.Contains(p.display, []byte("GPS-43")) || bytes.Contains(p.display, []byte("Exif")) {
				t.Fatal("EXIF survived")
			}
		}
		if n, err := b.PreparePhotos(ctx); n != 0 || err != nil {
			t.Fatalf("a second round: %d %v", n, err)
		}
		r, err := b.Get(ctx, u, ids[2])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Photos {
			if !p.Ready() || p.Hash == "" || p.Width != 1200 {
				t.Fatalf("read: %+v", p)
			}
			if data, public, err := b.PhotoData(ctx, nil, p.ID, "thumb"); err != nil || !public || len(data) == 0 {
				t.Fatalf("served: %d bytes %v %v", len(data), public, err)
			}
		}
	})
}

// A node that dies while preparing leaves the photo taken until its lease
// ends; then another node takes it, and the first one, should it wake up,
// writes nothing.
func TestPhotoTakenAgainAfterLease(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
		a, b := node(t, d, 1), node(t, d, 1)
		u, org := editorAndOrg(t, d)
		if _, err := a.Create(ctx, u, reports.Input{OrgID: org, Title: i18n.Text{KK: "Есеп"},
			Photos: []reports.Upload{{Name: "a.jpg", Data: phototest.Phone(800, 600, 1)}}}); err != nil {
			t.Fatal(err)
		}
		first, err := a.Take(ctx)
		if err != nil || first == nil {
			t.Fatalf("take: %v %v", first, err)
		}
		if again, err := b.Take(ctx); again != nil || err != nil {
			t.Fatalf("taken twice within the lease: %v %v", again, err)
		}
		clock.Advance(3 * time.Minute)
		second, err := b.Take(ctx)
		if err != nil || second == nil || second.ID() != first.ID() {
			t.Fatalf("after the lease: %v %v", second, err)
		}
		if err := b.Finish(ctx, second); err != nil {
			t.Fatal(err)
		}
		before := photoRows(t, d)[0]
		if err := a.Finish(ctx, first); err != nil {
			t.Fatal(err)
		}
		after := photoRows(t, d)[0]
		if before.state != "ready" || after.attempts != 2 || !bytes.Equal(before.display, after.display) || after.hasOriginal {
			t.Fatalf("before %+v after %+v", before.state, after)
		}
	})
}

// exifPhoto puts an EXIF block with a GPS-looking marker into a JPEG.
func exifPhoto(b []byte) []byte {
	payload := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00GPS-43.2567N-76.9286E")
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

var photoImg = regexp.MustCompile(`<img src="/kk/reports/photos/(\d+)/display\?v=[0-9a-f]+" alt="" width="(\d+)" height="(\d+)">`)

// The report page shows a placeholder of the photo's size (text for
// screen readers, the page refreshing itself) while it is being prepared,
// then the photo in the same place; a photo that cannot be decoded is
// reported to the report's editors and shown to nobody.
func TestReportPagePlaceholderThenPhoto(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Фото ұйымы")
		editor := env.NewPerson()
		env.Grant(editor, org, "admin")
		ctx := context.Background()
		// Published through a service of its own, as another node would:
		// this node's worker is not woken (it looks every 30 s).
		other := reports.New(reports.Deps{DB: env.App.DB, Auth: env.App.Auth})
		whole := phototest.Phone(2000, 1500, 3)
		broken := append(append([]byte{}, whole[:len(whole)/2]...), bytes.Repeat([]byte{0xFF, 0x00}, 64)...)
		r, err := other.Create(ctx, editor.User, reports.Input{OrgID: org, Title: i18n.Text{KK: "Суреттер дайындалады"},
			Photos: []reports.Upload{{Name: "IMG_1.jpg", Data: whole}, {Name: "IMG_2_broken.jpg", Data: broken}}})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/kk/reports/%d", r.ID)
		ec := env.Client()
		ec.SignIn(editor)
		for _, c := range []*apptest.Client{env.Client(), ec} {
			g := c.Get(page)
			if g.StatusCode != 200 || !strings.Contains(g.Body, `<meta http-equiv="refresh" content="3">`) ||
				strings.Count(g.Body, `alt="Фото дайындалып жатыр: бет өзі жаңарады." width="1600" height="1200"`) != 2 ||
				!strings.Contains(g.Body, `src="data:image/svg`) || photoImg.MatchString(g.Body) {
				t.Fatalf("pending page: %d\n%s", g.StatusCode, g.Body)
			}
		}
		if _, err := env.App.Reports.PreparePhotos(ctx); err != nil {
			t.Fatal(err)
		}
		// A guest (the guest copy is gone with the change) sees the photo
		// where the placeholder was, and nothing of the broken one.
		g := env.Client().Get(page)
		m := photoImg.FindStringSubmatch(g.Body)
		if m == nil || m[2] != "1600" || m[3] != "1200" || strings.Contains(g.Body, "http-equiv") ||
			strings.Contains(g.Body, "photo-pending") || strings.Contains(g.Body, "IMG_2_broken") || strings.Contains(g.Body, "photo-problems") {
			t.Fatalf("prepared page (guest):\n%s", g.Body)
		}
		if p := env.Client().Get("/kk/reports/photos/" + m[1] + "/display"); p.StatusCode != http.StatusOK || p.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("photo: %d", p.StatusCode)
		}
		// The editor is told which photo failed and what to do.
		e := ec.Get(page)
		if !strings.Contains(e.Body, `id="photo-problems" role="alert"`) || !strings.Contains(e.Body, "«IMG_2_broken.jpg»: Суретті оқу мүмкін болмады.") {
			t.Fatalf("editor's page:\n%s", e.Body)
		}
		tok := token(t, env, editor)
		out := decode[reports.ReportOut](t, env.Client().JSON("GET", fmt.Sprintf("/api/v1/reports/%d", r.ID), tok, ""))
		if len(out.Photos) != 2 || out.Photos[0].State != "ready" || out.Photos[1].State != "failed" || out.Photos[1].Error == "" ||
			out.Photos[1].Name != "IMG_2_broken.jpg" || out.Photos[1].URL != "" {
			t.Fatalf("editor's API: %+v", out.Photos)
		}
		guest := decode[reports.ReportOut](t, env.Client().JSON("GET", fmt.Sprintf("/api/v1/reports/%d", r.ID), "", ""))
		if len(guest.Photos) != 1 || guest.Photos[0].State != "ready" {
			t.Fatalf("guest's API: %+v", guest.Photos)
		}
		for _, p := range photoRows(t, d) {
			if p.hasOriginal {
				t.Fatalf("an original is kept: %+v", p.state)
			}
		}
	})
}
