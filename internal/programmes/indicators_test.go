package programmes_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

func TestImportAllOrNothing(t *testing.T) {
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
		bad := "\ufeffкөрсеткіш;өңір;кезең;мән\nДоля NEET;KZ;2024;6,8\nNEET үлесі;KZ-63;2024;5\nбелгісіз;KZ;2024;1\nNEET үлесі;KZ-27;2024-Q5;x\n"
		_, err = k.Programmes.Import(ctx, admin, p.ID, "values.csv", []byte(bad))
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			t.Fatalf("bad file: %v", err)
		}
		rows := map[int][]string{}
		for _, f := range e.Fields {
			rows[f.Row] = append(rows[f.Row], f.Name)
		}
		if len(rows[3]) != 1 || rows[3][0] != "region" || len(rows[4]) != 1 || rows[4][0] != "indicator" || len(rows[5]) != 2 || len(rows[2]) != 0 {
			t.Fatalf("row report: %v", rows)
		}
		got, _ := k.Programmes.Indicator(ctx, ind.ID)
		if len(got.Values) != 0 {
			t.Fatalf("%d values written from a refused file", len(got.Values))
		}
		res, err := k.Programmes.Import(ctx, admin, p.ID, "values.csv", []byte("indicator,region,period,value\nNEET үлесі,KZ,2024,6.8\nДоля NEET,KZ-27,2024,7.5\n"))
		if err != nil || res.Created != 2 {
			t.Fatalf("good file: %+v %v", res, err)
		}
		_, err = k.Programmes.Import(ctx, k.Person(), p.ID, "values.csv", []byte("indicator,region,period,value\nNEET үлесі,KZ,2025,6\n"))
		if errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("import by a non-admin: %v", err)
		}
		got, _ = k.Programmes.Indicator(ctx, ind.ID)
		if v, ok := got.ValueAt("KZ", "2024"); !ok || v != 6.8 {
			t.Fatalf("value %v %v", v, ok)
		}
		if pr, ok := got.Progress(); !ok || pr != 14 { // (6.8-7.1)/(5-7.1) = 14%
			t.Fatalf("progress %d", pr)
		}
		kk := i18n.MustLoad().Printer(i18n.KK)
		svg := string(programmes.LineChart(got, programmes.ChartLabels{Title: "NEET", Baseline: "b", Target: "t", Num: func(v float64) string { return kk.Decimal(v, -1) }}))
		if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "<polyline") || strings.Contains(svg, "<script") {
			t.Fatalf("chart: %s", svg)
		}
		// The figures as a Kazakh reader writes them: the value, the
		// baseline and the target with a decimal comma.
		for _, f := range []string{"2024: 6,8<", "b 7,1<", "t 5<"} {
			if !strings.Contains(svg, f) {
				t.Fatalf("chart lacks %q: %s", f, svg)
			}
		}
	})
}

func TestPhasesAndEligibility(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		now := k.Clock.Now()
		if p.PhaseAt(now) != "proposals" || p.PhaseAt(now.Add(31*24*time.Hour)) != "evaluation" || p.PhaseAt(now.Add(-48*time.Hour)) != "" {
			t.Fatal("phase at")
		}
		// 14 on the birthday in Kazakhstan: 19:00 UTC on the eve is already the day in UTC+5.
		eve := time.Date(2026, 3, 1, 19, 30, 0, 0, time.UTC)
		u := k.People(1, "KZ-27", "2012-03-02")[0]
		if err := k.Programmes.CanTakePart(u, p, eve); err != nil {
			t.Fatalf("14 today in Kazakhstan refused: %v", err)
		}
		if err := k.Programmes.CanTakePart(u, p, eve.Add(-2*time.Hour)); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("13-year-old accepted: %v", err)
		}
		_, err := k.Programmes.Create(context.Background(), k.Person(), programmes.Input{OrgID: k.Org, Title: i18n.Text{KK: "x"}})
		if errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("non-admin created a programme: %v", err)
		}
	})
}

// TestUpdateIndicator: administrators change an indicator; its values
// stay; bad input is refused field by field; the audit log keeps it.
func TestUpdateIndicator(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := progtest.New(t, d)
		admin := k.Admin()
		p := k.Programme(admin)
		ind, err := k.Programmes.CreateIndicator(ctx, admin, p.ID, programmes.IndicatorInput{Name: i18n.Text{KK: "Жұмыссыздық"},
			Unit: "%", Better: "lower", Baseline: 4.1, Target: 3.5, TargetDate: "2025-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Programmes.SetValues(ctx, admin, ind.ID, []programmes.Value{{Region: "KZ", Period: "2024", Value: 4}}); err != nil {
			t.Fatal(err)
		}
		in := programmes.IndicatorInput{Name: i18n.Text{KK: "Жастар жұмыссыздығы", RU: "Молодёжная безработица"}, Unit: " % ",
			Better: "lower", Baseline: 4.15, Target: 3, TargetDate: "2027-12-31"}
		_, err = k.Programmes.UpdateIndicator(ctx, k.Granted("moderator"), ind.ID, in)
		if errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("moderator: %v", err)
		}
		got, err := k.Programmes.UpdateIndicator(ctx, admin, ind.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name.RU != "Молодёжная безработица" || got.Unit != "%" || got.Baseline != 4.15 || got.Target != 3 || got.TargetDate != "2027-12-31" || len(got.Values) != 1 {
			t.Fatalf("after update: %+v", got)
		}
		_, err = k.Programmes.UpdateIndicator(ctx, admin, ind.ID, programmes.IndicatorInput{Better: "sideways", TargetDate: "soon"})
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) < 4 {
			t.Fatalf("bad update: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'indicators.update'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d audit entries (%v)", n, err)
		}
	})
}
