package proposals_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
)

// phonePhoto is a w×h JPEG of noise (so it weighs what a phone's does)
// with an EXIF block carrying a GPS-looking marker.
func phonePhoto(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	payload := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00GPS-43.2567N-76.9286E")
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, b[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

// Issue 15, item 7: a phone's photo (several MB, with the place it was
// taken) is accepted as a proposal's attachment, scaled down on the
// server, without EXIF; a photo over 10 MB is refused by name with the
// form as it was typed.
func TestProposalPhoneSizedPhoto(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Жастар қанаты")
		admin, author := env.NewPerson(), env.NewPerson()
		env.Grant(admin, org, "admin")
		now := env.Clock.Now()
		p, err := env.App.Components.Programmes.Create(ctx, admin.User, programmes.Input{OrgID: org, Title: i18n.Text{KK: "Жастар – Отанға!"}, AgeMin: 14, AgeMax: 35,
			Directions: []programmes.Direction{{Title: i18n.Text{KK: "Білім"}}},
			Phases:     []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.SignIn(author)
		post := func(title string, file []byte) *apptest.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("title", title)
			mw.WriteField("body", "Ауылда спорт алаңы керек, суретте көрсетілген.")
			mw.WriteField("direction_id", fmt.Sprint(p.Directions[0].ID))
			mw.WriteField("region", "KZ-79")
			fw, _ := mw.CreateFormFile("attachment", "IMG_0042.JPG")
			fw.Write(file)
			mw.Close()
			req, _ := http.NewRequest("POST", env.URL+fmt.Sprintf("/en/programmes/%d/proposals", p.ID), &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Origin", env.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return c.Do(req)
		}
		big := phonePhoto(t, 3000, 2000)
		if len(big) < 2<<20 {
			t.Fatalf("the test photo weighs only %d bytes", len(big))
		}
		if r := post("Спорт алаңы", big); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a phone's photo: %d\n%s", r.StatusCode, r.Body)
		}
		var data []byte
		var typ string
		if err := d.QueryRow(ctx, `SELECT a.data, a.content_type FROM proposal_attachments a JOIN proposals p ON p.id = a.proposal_id
			WHERE p.title = 'Спорт алаңы'`).Scan(&data, &typ); err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || typ != "image/jpeg" || cfg.Width != 1600 || cfg.Height != 1066 {
			t.Fatalf("stored %s %d×%d %v", typ, cfg.Width, cfg.Height, err)
		}
		if bytes.Contains(data, []byte("GPS-43")) || bytes.Contains(data, []byte("Exif")) {
			t.Fatal("the place the photo was taken was kept")
		}
		// Over 10 MB: refused by name, what was typed kept.
		huge := append(phonePhoto(t, 100, 100), make([]byte, 10<<20)...)
		r := post("Менің жазғаным сақталады", huge)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Менің жазғаным сақталады") ||
			!strings.Contains(r.Body, "at most 10 MB") {
			t.Fatalf("a photo over 10 MB: %d\n%s", r.StatusCode, r.Body)
		}
	})
}
