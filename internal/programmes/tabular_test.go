package programmes_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/tabular/xlsxtest"
)

// Indicator files are read by the bounded reader: an XLSX file of half a
// million rows is refused on the file field without loading the sheet; a
// spreadsheet's numbers are read as numbers.
func TestImportXLSX(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		ind, err := k.Programmes.CreateIndicator(ctx, admin, p.ID, programmes.IndicatorInput{Name: i18n.Text{KK: "NEET үлесі", RU: "Доля NEET"},
			Unit: "%", Better: "lower", Baseline: 7.1, Target: 5, TargetDate: "2025-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		big := xlsxtest.Build(xlsxtest.Options{Rows: []xlsxtest.Piece{
			xlsxtest.Text(`<row><c t="inlineStr"><is><t>Показатель</t></is></c><c t="inlineStr"><is><t>Регион</t></is></c>` +
				`<c t="inlineStr"><is><t>Период</t></is></c><c t="inlineStr"><is><t>Значение</t></is></c></row>`),
			xlsxtest.Repeat(`<row><c t="inlineStr"><is><t>NEET үлесі</t></is></c><c><v>1</v></c></row>`, 500_000),
		}})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err = k.Programmes.Import(ctx, admin, p.ID, "values.xlsx", big)
		runtime.ReadMemStats(&after)
		e, _ := errs.As(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Name != "file" || e.Fields[0].Key != "indicators.import_too_many" {
			t.Fatalf("half a million rows: %v", err)
		}
		// Everything the import allocated, garbage included: the rows up
		// to the cap, not the sheet.
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
			t.Errorf("a refused file allocated %d MB", n>>20)
		}

		var buf bytes.Buffer
		w, _ := tabular.NewWriter(&buf, tabular.XLSX, "values")
		w.Row("көрсеткіш", "өңір", "кезең", "мән", "ескерту")
		w.Row("NEET үлесі", "KZ", 2024, 6.8, "=1+1")
		w.Row(fmt.Sprint(ind.ID), "KZ-27", "2024", 7.5, "")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		res, err := k.Programmes.Import(ctx, admin, p.ID, "values.xlsx", buf.Bytes())
		if err != nil || res.Created != 2 {
			t.Fatalf("XLSX: %+v %v", res, err)
		}
		got, _ := k.Programmes.Indicator(ctx, ind.ID)
		if v, ok := got.ValueAt("KZ", "2024"); !ok || v != 6.8 {
			t.Errorf("value %v %v", v, ok)
		}
	})
}
