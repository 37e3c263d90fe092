// Package tabular reads and writes the spreadsheets people exchange with
// Ortaq: CSV (UTF-8, comma, semicolon or tab separated, with or without a
// byte-order mark) and XLSX (the first sheet).
//
// Reading is bounded: the rows, the columns and the length of a cell are
// capped, an XLSX file is streamed from its zip entries (never unpacked
// whole: the declared sizes of the parts read are checked first) and every
// token of its XML is bounded, so that a file at the upload limit, or a zip
// bomb far below it, costs memory in proportion to the rows it may hold. A
// component passes its columns with their header synonyms (Kazakh and
// Russian names, compared folded) and gets the rows by column name, each
// with its line for a row-by-row report (errs.Field with Row).
//
// Writing neutralizes formulas: a text cell starting with =, +, -, @, a
// tab or a carriage return is written with a leading apostrophe; numbers
// passed as Go numbers are written as numbers. See docs/decisions/0008-tabular.md.
package tabular

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Default caps of Spec.
const (
	DefaultMaxRows     = 100_000
	DefaultMaxColumns  = 64
	DefaultMaxCell     = 32_767   // characters, as in Excel
	DefaultMaxUnpacked = 64 << 20 // bytes of the XLSX parts read, unpacked
)

// Column is a column of an import file.
type Column struct {
	Name     string   // identifier, accepted as a header itself
	Required bool     // a file without it is refused
	Synonyms []string // other header names (any case, either script)
}

// Keys are the catalog keys of a component's messages; empty ones fall
// back to the tabular.* keys.
type Keys struct {
	BadFile         string // no args
	NotUTF8         string // no args
	Empty           string // no args: no header row at all
	TooManyRows     string // "max"
	UnknownColumn   string // "column"
	DuplicateColumn string // "column"
	MissingColumn   string // "column"
}

// Spec describes the file a component reads.
type Spec struct {
	Columns []Column
	// IgnoreUnknown skips columns whose header is no known name instead of
	// refusing the file.
	IgnoreUnknown bool
	MaxRows       int   // data rows (blank ones too), the header not counted
	MaxColumns    int   // a non-blank cell further right is refused
	MaxCell       int   // characters of one cell
	MaxUnpacked   int64 // XLSX: bytes of the parts read once unpacked (413 above)
	// FileField, when set, reports problems with the whole file as a field
	// error on this form field instead of as the error's message.
	FileField string
	Keys      Keys
}

func (s *Spec) maxRows() int {
	if s.MaxRows > 0 {
		return s.MaxRows
	}
	return DefaultMaxRows
}

func (s *Spec) maxColumns() int {
	if s.MaxColumns > 0 {
		return s.MaxColumns
	}
	return DefaultMaxColumns
}

func (s *Spec) maxCell() int {
	if s.MaxCell > 0 {
		return s.MaxCell
	}
	return DefaultMaxCell
}

func (s *Spec) maxUnpacked() int64 {
	if s.MaxUnpacked > 0 {
		return s.MaxUnpacked
	}
	return DefaultMaxUnpacked
}

func or(key, def string) string {
	if key != "" {
		return key
	}
	return def
}

// fileErr is a problem with the whole file.
func (s *Spec) fileErr(key string, args ...any) error {
	if s.FileField != "" {
		var fs errs.Fields
		fs.Add(s.FileField, key, args...)
		return fs.Err()
	}
	return errs.New(errs.Invalid, key, args...)
}

func (s *Spec) badFile() error { return s.fileErr(or(s.Keys.BadFile, "tabular.bad_file")) }

func (s *Spec) tooLarge() error {
	return errs.New(errs.TooLarge, "tabular.too_large", "max", s.maxUnpacked()>>20)
}

// Table is a file read: its data rows, blank ones left out.
type Table struct {
	HeaderLine int
	Rows       []Row
	index      map[string]int // name of a column the file has → position in Row.cells
}

// Has reports whether the file has the column.
func (t *Table) Has(name string) bool {
	_, ok := t.index[name]
	return ok
}

// Row is a data row: Line is its number as the file's reader sees it (the
// spreadsheet's row number; for CSV the record's, the header being 1).
type Row struct {
	Line  int
	cells []string
	t     *Table
}

// Get returns the cell of the named column, trimmed; "" when the file
// has no such column.
func (r Row) Get(name string) string {
	i, ok := r.t.index[name]
	if !ok {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// Read reads a CSV or XLSX file (told apart by its first bytes) as spec
// describes it. Problems are coded errors: Invalid (422) with the message
// or, for the header, a field per bad column on the header's row;
// TooLarge (413) for an XLSX file that unpacks beyond spec.MaxUnpacked.
func Read(data []byte, spec *Spec) (*Table, error) {
	b := newBuilder(spec)
	var err error
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		err = readXLSX(data, b)
	} else {
		err = readCSV(data, b)
	}
	if err != nil {
		return nil, err
	}
	if !b.headerSeen {
		return nil, spec.fileErr(or(spec.Keys.Empty, "tabular.empty"))
	}
	return b.t, nil
}

// Neutralized reports whether a spreadsheet would take s, as a cell's
// text, for a formula.
func Neutralized(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}

// Safe returns s as a text cell that no spreadsheet runs as a formula.
func Safe(s string) string {
	if Neutralized(s) {
		return "'" + s
	}
	return s
}

// unescape undoes Safe, so that an exported file imports as it was.
func unescape(s string) string {
	if len(s) >= 2 && s[0] == '\'' && Neutralized(s[1:]) {
		return s[1:]
	}
	return s
}

// builder turns the cells the readers find into a Table, enforcing the
// caps the same way for both formats.
type builder struct {
	spec       *Spec
	t          *Table
	maxCols    int
	maxCell    int // characters
	maxBytes   int // bytes a cell of maxCell characters may take
	maxRows    int
	line       int
	headerSeen bool
	header     []string // the header row's cells by position, while it is read
	colMap     []int    // file position → position in Row.cells, -1 when skipped
	cells      []string // the current data row by position
	blank      bool
	dataRows   int
}

func newBuilder(spec *Spec) *builder {
	return &builder{spec: spec, t: &Table{index: map[string]int{}}, maxCols: spec.maxColumns(), maxCell: spec.maxCell(),
		maxBytes: 4 * spec.maxCell(), maxRows: spec.maxRows()}
}

func (b *builder) startRow(line int) error {
	b.line = line
	b.blank = true
	if b.headerSeen {
		b.dataRows++
		if b.dataRows > b.maxRows {
			return b.spec.fileErr(or(b.spec.Keys.TooManyRows, "tabular.too_many_rows"), "max", b.maxRows)
		}
		clear(b.cells)
	} else {
		b.header = b.header[:0]
	}
	return nil
}

// cell records the cell at position col (0-based) of the current row.
func (b *builder) cell(col int, v string) error {
	if v == "" {
		return nil
	}
	blank := strings.TrimSpace(v) == ""
	if col >= b.maxCols {
		if blank {
			return nil
		}
		return b.spec.fileErr("tabular.too_many_columns", "max", b.maxCols)
	}
	if len(v) > b.maxCell && (len(v) > b.maxBytes || utf8.RuneCountInString(v) > b.maxCell) {
		name := ""
		if b.headerSeen && col < len(b.colMap) && b.colMap[col] >= 0 {
			for n, i := range b.t.index {
				if i == b.colMap[col] {
					name = n
				}
			}
		}
		return (&errs.Fields{{Name: name, Key: "tabular.cell_too_long", Args: []any{"max", b.maxCell}, Row: b.line}}).Err()
	}
	if !blank {
		b.blank = false
	}
	if !b.headerSeen {
		for len(b.header) <= col {
			b.header = append(b.header, "")
		}
		b.header[col] = v
		return nil
	}
	if col < len(b.colMap) && b.colMap[col] >= 0 {
		b.cells[b.colMap[col]] = unescape(v)
	}
	return nil
}

func (b *builder) endRow() error {
	if b.blank {
		return nil
	}
	if !b.headerSeen {
		b.headerSeen = true
		b.t.HeaderLine = b.line
		return b.readHeader()
	}
	row := Row{Line: b.line, cells: make([]string, len(b.cells)), t: b.t}
	copy(row.cells, b.cells)
	b.t.Rows = append(b.t.Rows, row)
	return nil
}

// readHeader maps the header row's names to the spec's columns.
func (b *builder) readHeader() error {
	spec := b.spec
	names := map[string]int{}
	for i, c := range spec.Columns {
		names[kazakh.Fold(c.Name)] = i
		for _, s := range c.Synonyms {
			names[kazakh.Fold(s)] = i
		}
	}
	var fs errs.Fields
	add := func(field, key string, args ...any) {
		fs = append(fs, errs.Field{Name: field, Key: key, Args: args, Row: b.line})
	}
	b.colMap = make([]int, len(b.header))
	for i, h := range b.header {
		b.colMap[i] = -1
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "*"))
		if h == "" {
			continue
		}
		c, ok := names[kazakh.Fold(h)]
		if !ok {
			if !spec.IgnoreUnknown {
				add(h, or(spec.Keys.UnknownColumn, "tabular.unknown_column"), "column", h)
			}
			continue
		}
		if _, dup := b.t.index[spec.Columns[c].Name]; dup {
			add(h, or(spec.Keys.DuplicateColumn, "tabular.duplicate_column"), "column", h)
			continue
		}
		b.colMap[i] = len(b.t.index)
		b.t.index[spec.Columns[c].Name] = len(b.t.index)
	}
	b.cells = make([]string, len(b.t.index))
	for _, c := range spec.Columns {
		if _, ok := b.t.index[c.Name]; c.Required && !ok {
			add(c.Name, or(spec.Keys.MissingColumn, "tabular.missing_column"), "column", c.Name)
		}
	}
	b.header = nil
	return fs.Err()
}
