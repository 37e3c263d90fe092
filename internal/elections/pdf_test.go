package elections_test

import (
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/elections"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc/pdftest"
)

// The results protocol PDF, in Kazakh and in Russian, carries every
// Kazakh letter in its text and embeds a glyph for each in both its fonts
// (the title in bold, the candidates' names in regular).
func TestProtocolPDFHasKazakhLetters(t *testing.T) {
	const letters = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"
	cat := i18n.MustLoad()
	at := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	e := &elections.Election{ID: 1, OrgName: "Бастауыш ұйым", Title: i18n.Text{KK: "Делегаттар сайлауы: " + letters, RU: "Выборы делегатов: " + letters},
		Seats: 1, Method: elections.MethodChoose, Rule: "plurality", QuorumBP: 5000, Status: "closed", OpenedAt: &at, ClosedAt: &at, Electorate: 3}
	r := &elections.Result{Electorate: 3, Ballots: 3, Valid: 3, Turnout: 1, QuorumReached: true, Candidates: []elections.CandidateResult{
		{ID: 1, Name: "Әлия Ғалымқызы " + letters, Votes: 2, Elected: true}, {ID: 2, Name: "Нұрлан Үсенов", Votes: 1}}}
	for _, l := range []i18n.Lang{i18n.KK, i18n.RU} {
		b, err := elections.ProtocolPDF(cat.Printer(l), e, r)
		if err != nil {
			t.Fatal(err)
		}
		if missing, err := pdftest.Missing(b, letters); err != nil || len(missing) != 0 {
			t.Fatalf("%s: missing %q (%v)", l, missing, err)
		}
	}
}
