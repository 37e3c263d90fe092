package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// An administrator sets a programme up in the browser, in Kazakh: the
// programme with its regions, directions and phases; an indicator with its
// baseline and target; a value typed with a decimal comma; then a file of
// values whose last row is wrong — the page says which row and why, and
// nothing of the file is written — and the corrected file. The dashboard
// shows each value in a table and the chart as SVG drawn on the server.
func TestBrowserAdministratorSetsUpProgramme(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.Options{})
	org := env.NewOrg(0, "Жастар қанаты")
	admin := env.NewPerson()
	env.Grant(admin, org, "admin")
	ctx := browser(t)
	signIn(t, ctx, env, admin)

	now := env.Clock.Now()
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	run(t, ctx, chromedp.Navigate(env.URL+"/kk/programmes/new"), chromedp.WaitVisible(C("#f-phases")),
		chromedp.SetValue(C("#f-organization_id"), fmt.Sprint(org)),
		chromedp.SendKeys(C(`#f-title\.kk`), "Жастар – Отанға!"),
		chromedp.SendKeys(C(`#f-description\.kk`), "2025 жылға дейінгі жастар бағдарламасы."),
		chromedp.SetValue(C("#f-age_min"), "14"),
		chromedp.SetValue(C("#f-age_max"), "35"),
		chromedp.Click(C(`input[name=regions][value="KZ-79"]`)),
		chromedp.SendKeys(C("#f-directions"), "Тәлімгерлер пулы\nКөшбасшылар мектебі\nIT және шығармашылық байқаулар"),
		chromedp.SetValue(C("#f-ph-proposals-from"), day(-1)),
		chromedp.SetValue(C("#f-ph-proposals-to"), day(30)),
		chromedp.SetValue(C("#f-ph-evaluation-from"), day(31)),
		chromedp.SetValue(C("#f-ph-evaluation-to"), day(60)),
		chromedp.Click(C(`form[action$="/programmes"] button[type=submit]`)),
		chromedp.WaitVisible(C("#timeline")))
	if s := text(t, ctx, "#timeline"); !strings.Contains(s, "▶ Ұсыныстар жинау") || !strings.Contains(s, "Қарау және бағалау") {
		t.Fatalf("timeline %q", s)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Көшбасшылар мектебі") || !strings.Contains(s, "IT және шығармашылық байқаулар") {
		t.Fatalf("the programme page lacks its directions: %.600q", s)
	}
	var prog int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(get(t, ctx, chromedp.Location()), env.URL), "/kk/programmes/%d", &prog); err != nil {
		t.Fatalf("where the form led: %v", err)
	}

	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/programmes/%d/indicators", env.URL, prog)), chromedp.WaitVisible(C(`#f-name\.kk`)),
		chromedp.SendKeys(C(`#f-name\.kk`), "NEET үлесі (15–28 жас)"),
		chromedp.SendKeys(C("#f-unit"), "%"),
		chromedp.SetValue(C("#f-better"), "lower"),
		chromedp.SendKeys(C("#f-baseline"), "8,5"),
		chromedp.SendKeys(C("#f-target"), "6"),
		chromedp.SetValue(C("#f-target_date"), "2025-12-31"),
		chromedp.Click(C(`form[action$="/indicators"] button[type=submit]`)),
		chromedp.WaitVisible(C("section.indicator")))
	var ind int64
	if _, err := fmt.Sscanf(get(t, ctx, chromedp.Evaluate[string](`document.querySelector('section.indicator').id`)), "indicator-%d", &ind); err != nil {
		t.Fatal(err)
	}
	sec := fmt.Sprintf("#indicator-%d", ind)
	run(t, ctx, chromedp.Click(C(sec+" details summary")),
		chromedp.SetValue(C(fmt.Sprintf("#v-region-%d", ind)), "KZ-79"),
		chromedp.SendKeys(C(fmt.Sprintf("#v-period-%d", ind)), "2024"),
		chromedp.SendKeys(C(fmt.Sprintf("#v-value-%d", ind)), "7,9"),
		chromedp.Click(C(fmt.Sprintf(`form[action$="/indicators/%d/values"] button`, ind))),
		chromedp.WaitVisible(C(sec+" table")))
	if s := text(t, ctx, sec+" table"); !strings.Contains(s, "2024") || !strings.Contains(s, "7,9") {
		t.Fatalf("values table %q", s)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sec+` figure svg').length`)); n < 1 {
		t.Fatal("no chart drawn")
	}

	file := filepath.Join(t.TempDir(), "мәндер.csv")
	upload := func(rows string) {
		t.Helper()
		if err := os.WriteFile(file, []byte("\ufeffкөрсеткіш;өңір;кезең;мән\n"+rows), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/kk/programmes/%d/indicators", env.URL, prog)), chromedp.WaitVisible(C("#f-file")),
			chromedp.SetUploadFiles(C("#f-file"), []string{file}))
		clickAndLoad(t, ctx, `form[action$="/indicators/import"] button`)
		run(t, ctx, chromedp.WaitVisible(C(sec)))
	}
	count := func() (n int) {
		t.Helper()
		if err := env.App.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM indicator_values WHERE indicator_id = ?", ind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	upload("NEET үлесі (15–28 жас);KZ-79;2025;7,1\nNEET үлесі (15–28 жас);KZ-79;2026;көп\n")
	if s := text(t, ctx, "#form-errors"); !strings.Contains(s, "3") || !strings.Contains(s, "Мәні дұрыс емес") {
		t.Fatalf("import report %q", s)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d values after a refused file, want the 1 typed in", n)
	}
	upload("NEET үлесі (15–28 жас);KZ-79;2025;7,1\nNEET үлесі (15–28 жас);KZ-79;2026;6,4\n")
	if s := text(t, ctx, sec+" table"); !strings.Contains(s, "2025") || !strings.Contains(s, "6,4") {
		t.Fatalf("values table after the import %q", s)
	}
	if n := count(); n != 3 {
		t.Fatalf("%d values after the import, want 3", n)
	}
}
