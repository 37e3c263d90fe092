package proposals_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
)

func TestDownloadName(t *testing.T) {
	for _, c := range []struct{ name, typ, want string }{
		{"x.html", "application/pdf", "x.pdf"},
		{"report.pdf.html", "application/pdf", "report.pdf.pdf"},
		{"Есеп.PDF", "application/pdf", "Есеп.PDF"},
		{"сурет", "image/png", "сурет.png"},
		{"photo.jpeg", "image/jpeg", "photo.jpeg"},
		{"photo.png", "image/jpeg", "photo.jpg"},
		{".htaccess", "image/png", "attachment.png"},
		{"x.svg", "image/png", "x.png"},
		{"x. ", "application/pdf", "x.pdf"},
		{"x.exe", "application/x-unknown", "x.bin"},
	} {
		if got := proposals.DownloadName(c.name, c.typ); got != c.want {
			t.Errorf("DownloadName(%q, %s) = %q, want %q", c.name, c.typ, got, c.want)
		}
	}
}

// A file is offered under a name with the extension of the type its
// content was found to be, whatever name it came with (a PDF named x.html
// downloads as x.pdf), as a download that no browser sniffs; files stored
// before this rule are named by it when served.
func TestAttachmentNamedByItsType(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		a := env.App
		s := &a.Components
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, author := env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		now := env.Clock.Now()
		p, err := s.Programmes.Create(ctx, admin.User, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
			Directions: []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}},
			Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			upload, content, typ, name, ascii string
		}{
			{"x.html", "%PDF-1.4 <script>alert(1)</script>", "application/pdf", "x.pdf", "x.pdf"},
			// Photos are re-encoded as JPEG (internal/photo): a PNG named .svg
			// downloads as .jpg.
			{"жоспар.svg", string(smallImage(t, "png")), "image/jpeg", "жоспар.jpg", "jospar.jpg"},
			{`"a";b.HTM`, string(smallImage(t, "jpeg")), "image/jpeg", "_a__b.jpg", "_a__b.jpg"},
		}
		for i, c := range cases {
			pr, err := s.Proposals.Create(ctx, author.User, p.ID, proposals.NewProposal{Title: fmt.Sprintf("Файлы бар ұсыныс %d", i),
				Body: "Толығырақ тіркелген файлда.", DirectionID: p.Directions[0].ID, Region: "KZ-79",
				Attachment: &proposals.Attachment{Name: c.upload, Data: []byte(c.content)}})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				// As stored before names followed the type.
				if err := d.Write(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "UPDATE proposal_attachments SET name = ? WHERE proposal_id = ?", c.upload, pr.ID)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			r := env.Client().Get(fmt.Sprintf("/kk/proposals/%d/attachment", pr.ID))
			h := r.Header
			same := r.Body == c.content
			if c.typ == "image/jpeg" {
				_, err := jpeg.Decode(strings.NewReader(r.Body))
				same = err == nil
			}
			if r.StatusCode != 200 || h.Get("Content-Type") != c.typ || h.Get("X-Content-Type-Options") != "nosniff" || !same {
				t.Errorf("%s: %d %s %q", c.upload, r.StatusCode, h.Get("Content-Type"), h.Get("X-Content-Type-Options"))
			}
			cd := h.Get("Content-Disposition")
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil || disp != "attachment" || params["filename"] != c.name {
				t.Errorf("%s: Content-Disposition %q: %s %v", c.upload, cd, disp, params)
			}
			if !strings.Contains(cd, `filename="`+c.ascii+`"`) {
				t.Errorf("%s: no plain fallback %q in %q", c.upload, c.ascii, cd)
			}
			if page := env.Client().Get(fmt.Sprintf("/kk/proposals/%d", pr.ID)); !strings.Contains(page.Body, c.name) || strings.Contains(page.Body, c.upload) {
				t.Errorf("%s: the page names the file otherwise", c.upload)
			}
			if api := env.Client().JSON("GET", fmt.Sprintf("/api/v1/proposals/%d", pr.ID), "", ""); !strings.Contains(api.Body, `"name":"`+c.name+`"`) {
				t.Errorf("%s: API: %s", c.upload, api.Body)
			}
		}
	})
}

// smallImage is a 40×30 picture in format ("png" or "jpeg").
func smallImage(t testing.TB, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 90, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
