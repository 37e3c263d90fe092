package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/ortaq/ortaq/internal/errs"
)

// Export formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// CheckFormat validates an export format (the request's "format" field)
// before anything is written.
func CheckFormat(format string) error {
	if format != CSV && format != XLSX {
		var fs errs.Fields
		fs.Add("format", "validation.invalid_choice")
		return fs.Err()
	}
	return nil
}

// ContentType returns the MIME type of an export format.
func ContentType(format string) string {
	if format == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Writer writes rows to CSV (UTF-8 with a byte-order mark, which Excel
// needs to read Kazakh letters) or streams them into an XLSX sheet.
//
// A cell is text or a number by its Go type: int, int64, float64 (and
// the other integer and float types) are numbers; anything else is text,
// and a text that a spreadsheet would run as a formula (starting with =,
// +, -, @, a tab or a carriage return) gets a leading apostrophe.
type Writer struct {
	csv  *csv.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	w    io.Writer
	n    int
	rec  []string
	vals []any
}

// NewWriter starts a file in format (CSV or XLSX); sheet names the XLSX
// sheet. Call Close to finish it, and Discard (deferred) to release it on
// any other way out.
func NewWriter(w io.Writer, format, sheet string) (*Writer, error) {
	switch format {
	case CSV:
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return nil, err
		}
		return &Writer{csv: csv.NewWriter(w)}, nil
	case XLSX:
		f := excelize.NewFile()
		if sheet != "Sheet1" {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				f.Close()
				return nil, err
			}
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &Writer{f: f, sw: sw, w: w}, nil
	}
	return nil, CheckFormat(format)
}

// number returns v as a float64 when it is a Go number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// text returns v as a cell's text, neutralized.
func text(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return Safe(s)
	case fmt.Stringer:
		return Safe(s.String())
	}
	return Safe(fmt.Sprint(v))
}

// Row writes one row.
func (t *Writer) Row(cells ...any) error {
	if t.csv != nil {
		t.rec = t.rec[:0]
		for _, c := range cells {
			s := ""
			if f, ok := number(c); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				switch n := c.(type) {
				case float32, float64:
					s = strconv.FormatFloat(f, 'f', -1, 64)
				default:
					s = fmt.Sprint(n)
				}
			} else {
				s = text(c)
			}
			t.rec = append(t.rec, s)
		}
		return t.csv.Write(t.rec)
	}
	if t.sw == nil {
		return io.ErrClosedPipe
	}
	t.vals = t.vals[:0]
	for _, c := range cells {
		if f, ok := number(c); ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
			t.vals = append(t.vals, c)
			continue
		}
		if s := text(c); s != "" {
			t.vals = append(t.vals, s)
		} else {
			t.vals = append(t.vals, nil)
		}
	}
	t.n++
	cell, err := excelize.CoordinatesToCellName(1, t.n)
	if err != nil {
		return err
	}
	return t.sw.SetRow(cell, t.vals)
}

// Close finishes the file and writes the rest of it.
func (t *Writer) Close() error {
	if t.csv != nil {
		t.csv.Flush()
		return t.csv.Error()
	}
	if t.f == nil {
		return io.ErrClosedPipe
	}
	defer t.Discard()
	if err := t.sw.Flush(); err != nil {
		return err
	}
	return t.f.Write(t.w)
}

// Discard releases an XLSX file's temporary storage without writing it;
// after Close it does nothing.
func (t *Writer) Discard() {
	if t.f != nil {
		t.f.Close()
		t.f, t.sw = nil, nil
	}
}
