// Package xlsxtest builds XLSX files for tests by hand, part by part, so
// that a test can make the files no spreadsheet program would: millions
// of rows, broken XML, parts that unpack to far more than they pack to.
//
// A part is a list of pieces, each a text repeated some times. A repeated
// text is compressed once and its compressed form repeated (each piece is
// a run of whole deflate blocks that refers to nothing before it), so a
// file that unpacks to hundreds of megabytes is built in milliseconds,
// even under the race detector.
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Piece is a text, written Times times (0 and 1: once).
type Piece struct {
	Text  string
	Times int
}

// Text is a piece written once.
func Text(s string) Piece { return Piece{Text: s} }

// Repeat is a piece written n times.
func Repeat(s string, n int) Piece { return Piece{Text: s, Times: n} }

// Options are the parts of a file.
type Options struct {
	Strings []Piece            // the inside of <sst>: <si> elements
	Rows    []Piece            // the inside of <sheetData>: <row> elements
	Extra   map[string][]Piece // other parts by name
}

// segment compresses s on its own: whole, non-final deflate blocks ending
// on a byte boundary, which may follow any other such run.
func segment(s string) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		panic(err)
	}
	w.Write([]byte(s))
	if err := w.Flush(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// part writes one part of the zip from its pieces.
func part(z *zip.Writer, name string, pieces []Piece) {
	var data bytes.Buffer
	var crc uint32
	var size uint64
	add := func(text string, times int) {
		if times == 0 || text == "" {
			return
		}
		seg := segment(text)
		for range times {
			data.Write(seg)
			crc = crc32.Update(crc, crc32.IEEETable, []byte(text))
		}
		size += uint64(times) * uint64(len(text))
	}
	for _, p := range pieces {
		// Compressed in chunks of about 256 KB: deflate's own ratio.
		n := max(p.Times, 1)
		k := max(1, min(n, (256<<10)/max(len(p.Text), 1)))
		add(strings.Repeat(p.Text, k), n/k)
		add(strings.Repeat(p.Text, n%k), 1)
	}
	var end bytes.Buffer // the final, empty block
	w, _ := flate.NewWriter(&end, flate.BestCompression)
	if err := w.Close(); err != nil {
		panic(err)
	}
	data.Write(end.Bytes())
	out, err := z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(data.Len()), UncompressedSize64: size})
	if err != nil {
		panic(err)
	}
	if _, err := out.Write(data.Bytes()); err != nil {
		panic(err)
	}
}

// Build returns the file.
func Build(o Options) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	text := func(name, s string) { part(z, name, []Piece{Text(s)}) }
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	text("[Content_Types].xml", head+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`+
		`</Types>`)
	text("_rels/.rels", head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>`+
		`</Relationships>`)
	text("xl/workbook.xml", head+`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `+
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`+
		`<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	text("xl/_rels/workbook.xml.rels", head+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`+
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`+
		`</Relationships>`)
	sst := append([]Piece{Text(head + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)}, o.Strings...)
	part(z, "xl/sharedStrings.xml", append(sst, Text(`</sst>`)))
	for name, pieces := range o.Extra {
		part(z, name, pieces)
	}
	sheet := append([]Piece{Text(head + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)}, o.Rows...)
	part(z, "xl/worksheets/sheet1.xml", append(sheet, Text(`</sheetData></worksheet>`)))
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
