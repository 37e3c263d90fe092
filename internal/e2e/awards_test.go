package e2e

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/yeqown/go-qrcode/v2"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// An organizer issues a diploma from the organization's awards page on a
// phone; the printed diploma's QR code holds the address of its
// verification page, which opens in the browser and says whose award it
// is and that it is valid.
func TestBrowserCertificateQROpensVerification(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Сарысу аудандық Қазақстан халқы Ассамблеясы")
	organizer := env.NewPerson()
	env.Grant(organizer, org, "moderator")

	ctx := browser(t)
	signIn(t, ctx, env, organizer)
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/organizations/%d/awards", env.URL, org)), chromedp.WaitVisible(C("#issue-form")))
	run(t, ctx, chromedp.SetValue(C("#f-kind"), "diploma"),
		chromedp.SendKeys(C("#f-title_kk"), "«Достық керуені» аудандық фестивалі"),
		chromedp.SendKeys(C("#f-title_ru"), "Районный фестиваль «Караван дружбы»"),
		chromedp.SendKeys(C("#f-recipients"), "Гүлшат Рахымжанова; 1"))
	clickAndLoad(t, ctx, "#issue-form button[type=submit]")
	run(t, ctx, chromedp.WaitVisible(C("#issued tbody a code")))
	if s := text(t, ctx, "#issued tbody"); !strings.Contains(s, "Гүлшат Рахымжанова") {
		t.Fatalf("issued list: %q", s)
	}
	grouped := text(t, ctx, "#issued tbody a code")
	code, err := certificate.NormalizeCode(grouped)
	if err != nil {
		t.Fatalf("code %q: %v", grouped, err)
	}

	// The PDF: its QR code is the verification address.
	pdf := env.Client().Get("/kk/awards/" + grouped + ".pdf")
	if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Fatalf("pdf: %d", pdf.StatusCode)
	}
	printed := qrModules(t, []byte(pdf.Body))
	url := certificate.VerifyURL(env.URL, "kk", code)
	if want := encodeQR(t, url); !equalModules(printed, want) {
		t.Fatalf("the QR code printed is not the code of %s", url)
	}
	if equalModules(printed, encodeQR(t, certificate.VerifyURL(env.URL, "kk", certificate.NewCode()))) {
		t.Fatal("the comparison cannot tell two addresses apart")
	}

	// Opened as a guest would: a fresh browser tab without the session.
	guest, cancel := chromedp.NewContext(ctx)
	defer cancel()
	run(t, guest, chromedp.Navigate(url), chromedp.WaitVisible(C("#award-status")))
	if s := text(t, guest, "#award-status"); s != "Жарамды" {
		t.Errorf("status %q", s)
	}
	if s := text(t, guest, "#award-recipient"); s != "Гүлшат Рахымжанова" {
		t.Errorf("recipient %q", s)
	}
	if s := text(t, guest, "#award"); !strings.Contains(s, "«Достық керуені» аудандық фестивалі") || !strings.Contains(s, "1-орын") {
		t.Errorf("page: %q", s)
	}
}

var (
	streamRE = regexp.MustCompile(`(?s)<<([^>]*?)>>\s*stream\r?\n`)
	rectRE   = regexp.MustCompile(`(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f\b`)
)

// qrModules reads the QR code's dark modules back from the page's drawing
// operators: the QR is the largest set of filled rectangles of one height
// (a module), drawn row by row.
func qrModules(t *testing.T, pdf []byte) map[[2]int]bool {
	t.Helper()
	type rect struct{ x, y, w, h float64 }
	var rects []rect
	for _, m := range streamRE.FindAllSubmatchIndex(pdf, -1) {
		end := bytes.Index(pdf[m[1]:], []byte("endstream"))
		data := pdf[m[1] : m[1]+end]
		if bytes.Contains(pdf[m[2]:m[3]], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				continue
			}
			if data, err = io.ReadAll(r); err != nil {
				continue
			}
		}
		for _, f := range rectRE.FindAllSubmatch(data, -1) {
			var v [4]float64
			for i := range v {
				v[i], _ = strconv.ParseFloat(string(f[i+1]), 64)
			}
			rects = append(rects, rect{v[0], v[1], v[2], math.Abs(v[3])})
		}
	}
	byH := map[float64][]rect{}
	var best float64
	for _, r := range rects {
		byH[r.h] = append(byH[r.h], r)
		if len(byH[r.h]) > len(byH[best]) {
			best = r.h
		}
	}
	mods := byH[best]
	if len(mods) < 50 {
		t.Fatalf("no QR code in the PDF (%d rectangles of the commonest height)", len(mods))
	}
	minX, maxY := math.Inf(1), math.Inf(-1)
	for _, r := range mods {
		minX, maxY = math.Min(minX, r.x), math.Max(maxY, r.y)
	}
	out := map[[2]int]bool{}
	for _, r := range mods {
		row := int(math.Round((maxY - r.y) / best))
		c0 := int(math.Round((r.x - minX) / best))
		for c := range int(math.Round(r.w / best)) {
			out[[2]int{row, c0 + c}] = true
		}
	}
	return out
}

type bits struct{ rows [][]bool }

func (b *bits) Write(m qrcode.Matrix) error { b.rows = m.Bitmap(); return nil }
func (b *bits) Close() error                { return nil }

// encodeQR gives the dark modules of content's QR code (error correction
// M, as printed), from its top-left dark module.
func encodeQR(t *testing.T, content string) map[[2]int]bool {
	t.Helper()
	q, err := qrcode.NewWith(content, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		t.Fatal(err)
	}
	var b bits
	if err := q.Save(&b); err != nil {
		t.Fatal(err)
	}
	out := map[[2]int]bool{}
	r0, c0 := -1, math.MaxInt
	for r, row := range b.rows {
		for c, on := range row {
			if on {
				if r0 < 0 {
					r0 = r
				}
				c0 = min(c0, c)
			}
		}
	}
	for r, row := range b.rows {
		for c, on := range row {
			if on {
				out[[2]int{r - r0, c - c0}] = true
			}
		}
	}
	return out
}

func equalModules(a, b map[[2]int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
