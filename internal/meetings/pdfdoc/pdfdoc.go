// Package pdfdoc makes the simple A4 documents meetings and elections
// print — minutes, results protocols, voting-code slips — with the DejaVu
// fonts, which have every Kazakh letter (Go's own fonts lack most of them).
package pdfdoc

import (
	"bytes"
	"fmt"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavusans"
	"github.com/go-fonts/dejavu/dejavusansbold"
	"github.com/skip2/go-qrcode"
)

// Doc is a PDF being written.
type Doc struct {
	*fpdf.Fpdf
}

// Font is the family name registered in every Doc.
const Font = "dejavu"

// New starts an A4 portrait document with a footer carrying footer and the
// page number.
func New(title, footer string) *Doc {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(Font, "", dejavusans.TTF)
	f.AddUTF8FontFromBytes(Font, "B", dejavusansbold.TTF)
	f.SetTitle(title, true)
	f.SetCreator("Ortaq", true)
	f.SetMargins(18, 16, 18)
	f.SetAutoPageBreak(true, 18)
	f.SetFooterFunc(func() {
		f.SetY(-13)
		f.SetFont(Font, "", 8)
		f.SetTextColor(110, 110, 110)
		f.CellFormat(0, 5, fmt.Sprintf("%s · %d", footer, f.PageNo()), "", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	return &Doc{f}
}

// Title writes a large bold heading.
func (d *Doc) Title(s string) {
	d.SetFont(Font, "B", 15)
	d.MultiCell(0, 7.5, s, "", "C", false)
	d.Ln(3)
}

// Heading writes a section heading.
func (d *Doc) Heading(s string) {
	d.Ln(2)
	d.SetFont(Font, "B", 11.5)
	d.MultiCell(0, 6, s, "", "L", false)
	d.Ln(1)
}

// Para writes a paragraph.
func (d *Doc) Para(s string) {
	d.SetFont(Font, "", 10.5)
	d.MultiCell(0, 5.5, s, "", "L", false)
	d.Ln(1.5)
}

// KV writes a label and its value on one line.
func (d *Doc) KV(k, v string) {
	d.SetFont(Font, "B", 10.5)
	w := d.GetStringWidth(k+" ") + 1
	d.CellFormat(w, 5.5, k, "", 0, "L", false, 0, "")
	d.SetFont(Font, "", 10.5)
	d.MultiCell(0, 5.5, v, "", "L", false)
}

// Row writes one table row with the given column widths; bold for a header.
func (d *Doc) Row(widths []float64, cells []string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	d.SetFont(Font, style, 9.5)
	h := 6.0
	if _, y := d.GetXY(); y+h > 297-20 {
		d.AddPage()
	}
	for i, c := range cells {
		align := "L"
		if i > 0 {
			align = "C"
		}
		// Long cells are cut rather than wrapped: tables stay aligned.
		for d.GetStringWidth(c) > widths[i]-2 && len([]rune(c)) > 1 {
			r := []rune(c)
			c = string(r[:len(r)-2]) + "…"
		}
		d.CellFormat(widths[i], h, c, "1", 0, align, false, 0, "")
	}
	d.Ln(h)
}

// QR draws content as a QR code of side size mm at x, y, module by module
// (vector: sharp at any print size, no image per code).
func (d *Doc) QR(x, y, size float64, content string) error {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return err
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := float64(len(bm))
	m := size / n
	d.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			d.Rect(x+float64(start)*m, y+float64(r)*m, float64(c-start)*m, m, "F")
		}
	}
	return nil
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}
