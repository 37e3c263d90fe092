// Package xlsxtest builds XLSX files for tests by hand, part by part, so
// that a test can make the files no spreadsheet program would: millions
// of rows, broken XML, parts that unpack to far more than they pack to.
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"io"

	"github.com/xuri/excelize/v2"
)

// Options are the parts of a file.
type Options struct {
	Strings    []string                     // <si> elements of the shared strings, as XML
	StringsXML func(w io.Writer)            // or the inside of <sst>, written as a stream
	Rows       func(w io.Writer)            // the inside of <sheetData>
	Extra      map[string]func(w io.Writer) // other parts by name, written whole
}

// Build returns the file, compressed.
func Build(o Options) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	part := func(name string, fn func(w io.Writer)) {
		w, err := z.Create(name)
		if err != nil {
			panic(err)
		}
		fn(w)
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	part("[Content_Types].xml", text(head+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`+
		`</Types>`))
	part("_rels/.rels", text(head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>`+
		`</Relationships>`))
	part("xl/workbook.xml", text(head+`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `+
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`+
		`<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	part("xl/_rels/workbook.xml.rels", text(head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`+
		`</Relationships>`))
	part("xl/sharedStrings.xml", func(w io.Writer) {
		io.WriteString(w, head+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for _, s := range o.Strings {
			io.WriteString(w, s)
		}
		if o.StringsXML != nil {
			o.StringsXML(w)
		}
		io.WriteString(w, `</sst>`)
	})
	for name, fn := range o.Extra {
		part(name, fn)
	}
	part("xl/worksheets/sheet1.xml", func(w io.Writer) {
		io.WriteString(w, head+`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		if o.Rows != nil {
			o.Rows(w)
		}
		io.WriteString(w, `</sheetData></worksheet>`)
	})
	if err := z.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Cells returns the first sheet's cells as stored, nothing unescaped
// (tests look for the apostrophe that neutralizes a formula), and each
// cell's formula, if any, prefixed with "FORMULA:".
func Cells(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		for j := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if fm, _ := f.GetCellFormula(sheet, cell); fm != "" {
				row[j] = "FORMULA:" + fm
			}
		}
	}
	return rows, nil
}
