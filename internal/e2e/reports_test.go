package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// An organization's administrator on a phone publishes a report with a
// photo; a reader typing Latin without Kazakh letters ("zhastar",
// "Symkent") finds it, written in Cyrillic.
func TestBrowserReportWithPhotoAndLatinSearch(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Шымкент қалалық жастар ұйымы")
	editor := env.NewPerson()
	env.Grant(editor, org, "admin")

	// A photo as a phone takes it: large, JPEG.
	img := image.NewRGBA(image.Rect(0, 0, 3000, 2000))
	for y := 0; y < 2000; y += 4 {
		for x := 0; x < 3000; x += 4 {
			c := color.RGBA{uint8(x / 12), uint8(y / 8), 160, 255}
			for dy := 0; dy < 4; dy++ {
				for dx := 0; dx < 4; dx++ {
					img.Set(x+dx, y+dy, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "IMG_0042.jpg")
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t)
	meetingsSignIn(t, ctx, env, editor)
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/reports?organization_id=%d", env.URL, org)), chromedp.WaitVisible(C("#new-report")),
		chromedp.Click(C("#new-report")), chromedp.WaitVisible(C("#f-title_kk")))
	run(t, ctx,
		chromedp.SendKeys(C("#f-title_kk"), "Шымкентте жастар форумы өтті"),
		chromedp.SendKeys(C("#f-body_kk"), "Қаланың **жастары** еріктілер күніне жиналды."),
		chromedp.SetUploadFiles(C("#f-photo"), []string{photo}),
		chromedp.Click(C("#report-save")),
		chromedp.WaitVisible(C("#report")),
		chromedp.WaitVisible(C("#photos img")))
	// The photo is scaled after publishing: until it is, its place is
	// held by a placeholder of its size, and the page reloads itself; the
	// photo then takes exactly the placeholder's place in the report (no
	// jump; the flash message above the report is gone after the reload).
	box := func(sel string) []int {
		return get(t, ctx, chromedp.Evaluate[[]int](`(() => { const r = document.querySelector('`+sel+`').getBoundingClientRect(); const a = document.querySelector('#report').getBoundingClientRect(); return [Math.round(r.top - a.top), Math.round(r.width), Math.round(r.height)] })()`))
	}
	first := box("#photos img")
	run(t, ctx, chromedp.WaitVisible(C("#photos a img")))
	if then := box("#photos a img"); first[1] == 0 || first[0] != then[0] || first[1] != then[1] || first[2] != then[2] {
		t.Fatalf("the photo's place moved: %v, then %v", first, then)
	}
	if h := text(t, ctx, "#report h1"); h != "Шымкентте жастар форумы өтті" {
		t.Fatalf("heading %q", h)
	}
	if s := text(t, ctx, "#report .body"); !strings.Contains(s, "жастары") {
		t.Fatalf("body %q", s)
	}
	// The photo arrived scaled for display and fits the phone's screen.
	get(t, ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('#photos a img'); return !!(i && i.complete && i.naturalWidth > 0) })()`))
	w := get(t, ctx, chromedp.Evaluate[int](`document.querySelector('#photos a img').naturalWidth`))
	shown := get(t, ctx, chromedp.Evaluate[int](`Math.round(document.querySelector('#photos a img').getBoundingClientRect().width)`))
	page := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.clientWidth`))
	if w != 1600 || shown > page || shown == 0 {
		t.Fatalf("photo %d px wide, shown at %d px on a %d px screen", w, shown, page)
	}
	if over := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)); over {
		t.Fatal("the report page scrolls sideways on a phone")
	}

	// A guest searches in Latin without Kazakh letters.
	gctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	for _, q := range []string{"zhastar", "Symkent"} {
		run(t, gctx, chromedp.Navigate(env.URL+"/kk/search"), chromedp.WaitVisible(C("#f-q")),
			chromedp.SendKeys(C("#f-q"), q),
			chromedp.Click(C("#search-form button[type=submit]")),
			chromedp.WaitVisible(C("#results")))
		if s := text(t, gctx, "#results"); !strings.Contains(s, "Шымкентте жастар форумы өтті") {
			t.Fatalf("%q found %q", q, s)
		}
	}
	run(t, gctx, chromedp.Click(C(`#results a[href*="/reports/"]`)), chromedp.WaitVisible(C("#report")))
}
