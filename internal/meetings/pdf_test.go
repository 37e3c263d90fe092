package meetings_test

import (
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/meetings"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc/pdftest"
)

// The minutes PDF, in Kazakh and in Russian, carries every Kazakh letter
// in its text and embeds a glyph for each in both its fonts (a title and
// item titles in bold, minutes in regular).
func TestMinutesPDFHasKazakhLetters(t *testing.T) {
	const letters = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"
	cat := i18n.MustLoad()
	start := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	m := &meetings.Meeting{ID: 1, Kind: "report", Format: "in_person", Title: i18n.Text{KK: "Есеп беру жиналысы: " + letters, RU: "Отчётное собрание: " + letters},
		OrgName: i18n.Text{KK: "Бастауыш ұйым"}, Address: "Орал қ.", StartsAt: start, EndsAt: start.Add(2 * time.Hour), QuorumPct: 50}
	items := []meetings.Item{{ID: 1, Title: "Жыл қорытындысы: " + letters, Minutes: "Баяндама тыңдалды: " + letters}}
	decisions := []meetings.Decision{{ID: 1, ItemID: 1, Text: "Бірауыздан қабылдансын: " + letters, Mode: "counted", Status: "closed", For: 12}}
	for _, l := range []i18n.Lang{i18n.KK, i18n.RU} {
		b, err := meetings.MinutesPDF(cat.Printer(l), m, items, decisions, &meetings.Quorum{Members: 20, Present: 12, Needed: 10, Reached: true})
		if err != nil {
			t.Fatal(err)
		}
		if missing, err := pdftest.Missing(b, letters); err != nil || len(missing) != 0 {
			t.Fatalf("%s: missing %q (%v)", l, missing, err)
		}
	}
}
