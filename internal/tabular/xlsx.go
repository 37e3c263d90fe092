package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// An XLSX file is a zip of XML parts. Only four are read: the workbook (to
// find the first sheet), its relationships, the shared strings and that
// sheet, which is decoded as a stream of tokens. Nothing else is parsed (a
// styles part of a few kilobytes that unpacks to millions of entries costs
// nothing), the declared unpacked sizes of the four are checked against
// Spec.MaxUnpacked before any is opened (archive/zip refuses an entry that
// unpacks to more than it declares), and no token may run longer than
// maxRun bytes, so that no single text or tag is read whole however big.

const (
	maxPartXML = 4 << 20 // the workbook and its relationships
	// maxStrings caps the shared strings kept (4 bytes each beside their
	// text); a sheet of 100,000 people has a few hundred thousand.
	maxStrings = 1_000_000
	maxColumn  = 16_384 // XFD, Excel's last column
	maxLine    = 1_048_576
)

var errRun = errors.New("tabular: xml token too long")

func readXLSX(data []byte, b *builder) error {
	spec := b.spec
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return spec.badFile()
	}
	files := map[string]*zip.File{}
	for _, f := range z.File {
		files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	wb, rels := files["xl/workbook.xml"], files["xl/_rels/workbook.xml.rels"]
	if wb == nil {
		return spec.badFile()
	}
	sheet, sst := files["xl/worksheets/sheet1.xml"], files["xl/sharedstrings.xml"]
	if rels != nil {
		if wb.UncompressedSize64 > maxPartXML || rels.UncompressedSize64 > maxPartXML {
			return spec.tooLarge()
		}
		id, err := firstSheetID(wb)
		if err != nil {
			return spec.badFile()
		}
		targets, err := relTargets(rels)
		if err != nil {
			return spec.badFile()
		}
		if t, ok := targets[id]; ok {
			sheet = files[t.path]
		}
		for _, t := range targets {
			if strings.HasSuffix(t.kind, "/sharedStrings") {
				sst = files[t.path]
			}
		}
	}
	if sheet == nil {
		return spec.badFile()
	}
	size := sheet.UncompressedSize64
	if sst != nil {
		size += sst.UncompressedSize64
	}
	if size > uint64(spec.maxUnpacked()) {
		return spec.tooLarge()
	}
	maxRun := 2*b.maxBytes + 4096
	strs := &stringTable{}
	if sst != nil {
		if sst.UncompressedSize64 > uint64(spec.maxUnpacked()/2) {
			return spec.tooLarge()
		}
		if strs, err = sharedStrings(sst, maxRun); err != nil {
			if errors.Is(err, errTooMany) {
				return spec.tooLarge()
			}
			return spec.badFile()
		}
	}
	return readSheet(sheet, strs, maxRun, b)
}

// open returns a part's content as a bounded stream of XML tokens.
func open(f *zip.File, maxRun int) (*xml.Decoder, io.Closer, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	d := xml.NewDecoder(&runLimiter{r: rc, max: maxRun})
	return d, rc, nil
}

// runLimiter fails a read once more than max bytes pass without a '<':
// a text or a tag longer than that is no spreadsheet's.
type runLimiter struct {
	r        io.Reader
	run, max int
}

func (l *runLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for b := p[:n]; ; {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			l.run += len(b)
			break
		}
		if l.run+i > l.max {
			return 0, errRun
		}
		l.run, b = 0, b[i+1:]
	}
	if l.run > l.max {
		return 0, errRun
	}
	return n, err
}

func attr(e xml.StartElement, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// firstSheetID returns the relationship id of the workbook's first sheet.
func firstSheetID(f *zip.File) (string, error) {
	d, c, err := open(f, maxPartXML)
	if err != nil {
		return "", err
	}
	defer c.Close()
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", err
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "sheet" {
			if id, ok := attr(e, "id"); ok {
				return id, nil
			}
			return "", errors.New("tabular: sheet without id")
		}
	}
}

type relTarget struct{ path, kind string }

// relTargets reads the workbook's relationships: id → part.
func relTargets(f *zip.File) (map[string]relTarget, error) {
	d, c, err := open(f, maxPartXML)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out := map[string]relTarget{}
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "Relationship" {
			continue
		}
		id, _ := attr(e, "Id")
		target, _ := attr(e, "Target")
		kind, _ := attr(e, "Type")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Join("xl", target)
		}
		out[id] = relTarget{path: strings.ToLower(target), kind: kind}
		if len(out) > 10_000 {
			return nil, errors.New("tabular: too many relationships")
		}
	}
}

var errTooMany = errors.New("tabular: too many shared strings")

// stringTable is the shared strings: their texts one after another in one
// buffer (no bigger than the part), and where each ends.
type stringTable struct {
	text []byte
	ends []uint32
}

func (t *stringTable) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return string(t.text[start:t.ends[i]]), true
}

// sharedStrings reads the shared string table: each <si> is the text of
// its <t> elements, phonetic runs (<rPh>) left out.
func sharedStrings(f *zip.File, maxRun int) (*stringTable, error) {
	d, c, err := open(f, maxRun)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	t := &stringTable{}
	start, inSI, inT, rph := 0, false, false, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "si":
				inSI, start = true, len(t.text)
			case "t":
				inT = inSI
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "si":
				if len(t.ends) >= maxStrings {
					return nil, errTooMany
				}
				t.ends = append(t.ends, uint32(len(t.text)))
				inSI = false
			case "t":
				inT = false
			case "rPh":
				rph--
			}
		case xml.CharData:
			if inT && rph == 0 {
				// Kept short: a cell using it is refused as too long.
				t.text = append(t.text, e[:min(len(e), maxRun+start-len(t.text))]...)
			}
		}
	}
}

// cellColumn returns the 1-based column of a reference such as "AB12".
func cellColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxColumn {
			return 0, false
		}
	}
	return col, i > 0
}

// readSheet streams the sheet's rows into the builder.
func readSheet(f *zip.File, strs *stringTable, maxRun int, b *builder) error {
	spec := b.spec
	d, c, err := open(f, maxRun)
	if err != nil {
		return spec.badFile()
	}
	defer c.Close()
	var (
		line, col          int
		inRow, inCell, inV bool
		inIS, inT          bool
		rph                int
		kind               string
		v, is              []byte
	)
	bad := func() error { return spec.badFile() }
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bad()
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "row":
				if inRow {
					return bad()
				}
				n := line + 1
				if r, ok := attr(e, "r"); ok {
					if n, err = strconv.Atoi(r); err != nil || n <= line || n > maxLine {
						return bad()
					}
				}
				line, col, inRow = n, 0, true
				if err := b.startRow(line); err != nil {
					return err
				}
			case "c":
				if !inRow || inCell {
					return bad()
				}
				col++
				if r, ok := attr(e, "r"); ok {
					n, ok := cellColumn(r)
					if !ok || n < col {
						return bad()
					}
					col = n
				}
				if col > maxColumn {
					return bad()
				}
				kind, _ = attr(e, "t")
				inCell, v, is = true, v[:0], is[:0]
			case "v":
				inV = inCell
			case "is":
				inIS = inCell
			case "t":
				inT = inIS
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "row":
				if !inRow {
					return bad()
				}
				inRow = false
				if err := b.endRow(); err != nil {
					return err
				}
			case "c":
				if !inCell {
					return bad()
				}
				inCell = false
				val, ok := cellValue(kind, v, is, strs)
				if !ok {
					return bad()
				}
				if err := b.cell(col-1, val); err != nil {
					return err
				}
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				rph--
			case "sheetData":
				return nil
			}
		case xml.CharData:
			// Kept at most one byte over the cap: the cell is then refused
			// as too long (a text may come in many pieces).
			switch {
			case inV:
				v = append(v, e[:min(len(e), b.maxBytes+1-len(v))]...)
			case inT && rph == 0:
				is = append(is, e[:min(len(e), b.maxBytes+1-len(is))]...)
			}
		}
	}
}

// cellValue is a cell's text as the reader gives it: strings as written,
// numbers (and dates, which are numbers) unformatted, booleans as TRUE or
// FALSE, a formula's last value.
func cellValue(kind string, v, is []byte, strs *stringTable) (string, bool) {
	switch kind {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil {
			return "", false
		}
		return strs.get(i)
	case "inlineStr":
		return string(is), true
	case "b":
		switch strings.TrimSpace(string(v)) {
		case "1":
			return "TRUE", true
		case "0":
			return "FALSE", true
		}
		return string(v), true
	case "d":
		// An ISO 8601 date-time: a date at midnight is a date.
		s := string(v)
		if len(s) > 10 && s[10] == 'T' && strings.Trim(s[11:], "0:.Z") == "" {
			s = s[:10]
		}
		return s, true
	}
	return string(v), true
}

// ExcelDate converts a spreadsheet's date serial number (days since
// 1899-12-30, with Excel's 1900 leap-year quirk) to a time.
func ExcelDate(serial float64) (time.Time, error) {
	return excelize.ExcelDateToTime(serial, false)
}
