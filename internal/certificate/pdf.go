package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"github.com/go-fonts/dejavu/dejavuserif"
	"github.com/go-fonts/dejavu/dejavuserifbold"
	"github.com/go-fonts/dejavu/dejavuserifitalic"
	"github.com/yeqown/go-qrcode/v2"

	"github.com/ortaq/ortaq/internal/kazakh"
)

// Options say how awards are printed.
type Options struct {
	// Base is the site's public address ("https://ortaq.kz") for the
	// verification link in the QR code.
	Base string
	// Lang is the language of the verification link: "kk" (default),
	// "kk-Latn", "ru" or "en". With "kk-Latn" the Kazakh text is printed
	// in Latin script too.
	Lang string
	// Second is the language printed under Kazakh: "ru" (default), "en",
	// or "none" for Kazakh only. A field without text in it is printed in
	// Kazakh only.
	Second string
}

func (o Options) normalized() (Options, error) {
	if o.Lang == "" {
		o.Lang = "kk"
	}
	switch o.Lang {
	case "kk", "kk-Latn", "ru", "en":
	default:
		return o, fmt.Errorf("certificate: unknown language %q", o.Lang)
	}
	switch o.Second {
	case "":
		o.Second = "ru"
	case "ru", "en", "none":
	default:
		return o, fmt.Errorf("certificate: unknown second language %q", o.Second)
	}
	if o.Base == "" {
		return o, errors.New("certificate: the site's base address is needed for the QR code")
	}
	return o, nil
}

// Render prints one award as a one-page A4 PDF: certificates and diplomas
// in landscape, letters of thanks in portrait.
func Render(a Award, o Options) ([]byte, error) {
	return RenderBatch([]Award{a}, o)
}

// RenderBatch prints awards into one PDF, a page each, for printing a
// whole event at once: the fonts are embedded once for all pages.
func RenderBatch(awards []Award, o Options) ([]byte, error) {
	o, err := o.normalized()
	if err != nil {
		return nil, err
	}
	if len(awards) == 0 {
		return nil, errors.New("certificate: nothing to print")
	}
	d := newDoc(o)
	if len(awards) == 1 {
		a := awards[0]
		d.f.SetTitle(wording["kk"].kind[a.Kind]+" — "+a.Recipient, true)
	} else {
		d.f.SetTitle(fmt.Sprintf("%d awards", len(awards)), true)
	}
	for i := range awards {
		if err := d.page(&awards[i]); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := d.f.Output(&b); err != nil {
		return nil, fmt.Errorf("certificate: pdf: %w", err)
	}
	return b.Bytes(), nil
}

const serif = "serif"

// style is a kind's look: its colors and frame.
type style struct {
	main, accent [3]int
	portrait     bool
	frame        func(f *fpdf.Fpdf, w, h float64, s *style)
}

var styles = map[Kind]*style{
	Certificate: {main: [3]int{23, 52, 107}, accent: [3]int{176, 141, 62}, frame: doubleFrame},
	Diploma:     {main: [3]int{122, 28, 36}, accent: [3]int{176, 141, 62}, frame: ornateFrame},
	Thanks:      {main: [3]int{22, 92, 74}, accent: [3]int{176, 141, 62}, portrait: true, frame: thinFrame},
}

var (
	ink  = [3]int{30, 30, 30}
	grey = [3]int{105, 105, 105}
)

// doubleFrame: a strong outer line and a fine gold one inside.
func doubleFrame(f *fpdf.Fpdf, w, h float64, s *style) {
	setDraw(f, s.main)
	f.SetLineWidth(1.6)
	f.Rect(8, 8, w-16, h-16, "D")
	setDraw(f, s.accent)
	f.SetLineWidth(0.35)
	f.Rect(11.5, 11.5, w-23, h-23, "D")
}

// ornateFrame: a broad gold band, a fine inner line and a diamond at each
// corner.
func ornateFrame(f *fpdf.Fpdf, w, h float64, s *style) {
	setDraw(f, s.accent)
	f.SetLineWidth(2.4)
	f.Rect(7, 7, w-14, h-14, "D")
	f.SetLineWidth(0.4)
	f.Rect(9.6, 9.6, w-19.2, h-19.2, "D")
	setDraw(f, s.main)
	f.SetLineWidth(0.5)
	f.Rect(12, 12, w-24, h-24, "D")
	setFill(f, s.accent)
	for _, c := range [][2]float64{{12, 12}, {w - 12, 12}, {12, h - 12}, {w - 12, h - 12}} {
		diamond(f, c[0], c[1], 3.2)
	}
	setFill(f, s.main)
	for _, c := range [][2]float64{{12, 12}, {w - 12, 12}, {12, h - 12}, {w - 12, h - 12}} {
		diamond(f, c[0], c[1], 1.3)
	}
}

// thinFrame: two fine lines and a small ornament at the top.
func thinFrame(f *fpdf.Fpdf, w, h float64, s *style) {
	setDraw(f, s.main)
	f.SetLineWidth(0.9)
	f.Rect(9, 9, w-18, h-18, "D")
	f.SetLineWidth(0.25)
	f.Rect(11.5, 11.5, w-23, h-23, "D")
}

func diamond(f *fpdf.Fpdf, x, y, r float64) {
	f.Polygon([]fpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, "F")
}

func setDraw(f *fpdf.Fpdf, c [3]int) { f.SetDrawColor(c[0], c[1], c[2]) }
func setFill(f *fpdf.Fpdf, c [3]int) { f.SetFillColor(c[0], c[1], c[2]) }
func setText(f *fpdf.Fpdf, c [3]int) { f.SetTextColor(c[0], c[1], c[2]) }

type doc struct {
	f *fpdf.Fpdf
	o Options
	w float64 // page width of the current page
}

func newDoc(o Options) *doc {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(serif, "", dejavuserif.TTF)
	f.AddUTF8FontFromBytes(serif, "B", dejavuserifbold.TTF)
	f.AddUTF8FontFromBytes(serif, "I", dejavuserifitalic.TTF)
	f.SetCreator("Ortaq", true)
	f.SetMargins(0, 0, 0)
	f.SetAutoPageBreak(false, 0)
	return &doc{f: f, o: o}
}

// kk prints Kazakh text in the script of the options.
func (d *doc) kk(s string) string {
	if d.o.Lang == "kk-Latn" {
		return kazakh.ToLatin(s)
	}
	return s
}

// second returns the second-language form of a field, or "" when it is
// absent or the same as the Kazakh one.
func (d *doc) second(kk, other string) string {
	if d.o.Second == "none" || other == "" || other == kk {
		return ""
	}
	return other
}

// line writes s centered at y in a font shrunk until it fits maxW.
func (d *doc) line(y float64, fontStyle string, size, maxW float64, c [3]int, s string) float64 {
	if s == "" {
		return 0
	}
	d.f.SetFont(serif, fontStyle, size)
	for size > 9 && d.f.GetStringWidth(s) > maxW {
		size -= 0.5
		d.f.SetFont(serif, fontStyle, size)
	}
	setText(d.f, c)
	h := size * 0.3528 * 1.25 // points to mm, with leading
	d.f.SetXY(0, y)
	d.f.CellFormat(d.w, h, s, "", 0, "C", false, 0, "")
	return h
}

// para writes s centered and wrapped within maxW, returning its height.
func (d *doc) para(y float64, fontStyle string, size, maxW float64, c [3]int, s string) float64 {
	if s == "" {
		return 0
	}
	d.f.SetFont(serif, fontStyle, size)
	setText(d.f, c)
	h := size * 0.3528 * 1.35
	lines := d.f.SplitText(s, maxW)
	for i, l := range lines {
		d.f.SetXY(0, y+float64(i)*h)
		d.f.CellFormat(d.w, h, l, "", 0, "C", false, 0, "")
	}
	return float64(len(lines)) * h
}

func joinDot(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ·  ")
}

func (d *doc) page(a *Award) error {
	if err := a.check(); err != nil {
		return err
	}
	s := styles[a.Kind]
	f := d.f
	w, h := 297.0, 210.0
	if s.portrait {
		w, h = 210, 297
		f.AddPageFormat("P", fpdf.SizeType{Wd: 210, Ht: 297})
	} else {
		f.AddPageFormat("L", fpdf.SizeType{Wd: 210, Ht: 297})
	}
	d.w = w
	s.frame(f, w, h, s)

	l1 := wording["kk"]
	sec := d.o.Second
	l2, hasSecond := wording[sec]
	at := func(m map[Kind]string) string {
		if !hasSecond {
			return ""
		}
		return m[a.Kind]
	}
	textW := w - 70

	y := 22.0
	if s.portrait {
		y = 26
	}
	org := d.kk(a.Organization.In("kk", true))
	y += d.line(y, "B", 11, textW, s.main, strings.ToUpper(org))
	y += d.line(y+0.5, "", 9, textW, grey, d.second(a.Organization.In("kk", true), a.Organization.In(sec, false)))

	// The heading, large.
	y += 12
	if s.portrait {
		y += 14
	}
	heading := d.kk(l1.kind[a.Kind])
	y += d.line(y, "B", 38, textW, s.main, heading)
	if h2 := d.second(l1.kind[a.Kind], at(l2.kind)); h2 != "" {
		y += d.line(y+1, "", 13, textW, grey, h2) + 1
	}
	if a.Place > 0 {
		p2 := ""
		if hasSecond && sec != "kk" {
			p2 = l2.place(a.Place)
		}
		y += 3
		y += d.line(y, "B", 18, textW, s.accent, joinDot(d.kk(l1.place(a.Place)), p2))
	}

	// The recipient.
	y += 14
	if s.portrait {
		y += 22
	}
	y += d.line(y, "I", 12, textW, grey, joinDot(d.kk(l1.intro[a.Kind]), at(l2.intro)))
	y += 4
	y += d.line(y, "B", 30, textW, ink, d.kk(a.Recipient))
	y += 3
	setDraw(f, s.accent)
	f.SetLineWidth(0.5)
	f.Line(w/2-40, y, w/2+40, y)
	setFill(f, s.accent)
	diamond(f, w/2, y, 1.3)

	// What for.
	y += 6
	kkTitle := a.Title.In("kk", true)
	y += d.para(y, "", 13.5, w-90, ink, d.kk(kkTitle))
	y += 1.5
	d.para(y, "I", 11, w-90, grey, d.second(kkTitle, a.Title.In(sec, false)))

	// The foot: date and signatory on the left, the QR code on the right.
	foot := h - 24.0
	qr := 25.0
	left := 26.0
	setText(f, grey)
	f.SetFont(serif, "", 8)
	f.SetXY(left, foot-17)
	f.CellFormat(80, 4, joinDot(d.kk(l1.issuedAt), at(map[Kind]string{a.Kind: l2.issuedAt})), "", 0, "L", false, 0, "")
	setText(f, ink)
	f.SetFont(serif, "B", 10.5)
	f.SetXY(left, foot-12.5)
	f.CellFormat(80, 5, d.kk(formatDate("kk", a.IssuedAt)), "", 0, "L", false, 0, "")
	if hasSecond {
		setText(f, grey)
		f.SetFont(serif, "", 9)
		f.SetXY(left, foot-7.5)
		f.CellFormat(80, 4.5, formatDate(sec, a.IssuedAt), "", 0, "L", false, 0, "")
	}
	if sg := a.Signatory; sg != nil && sg.Name != "" {
		sx := w/2 - 58
		if s.portrait {
			sx, foot = left, foot-30 // above the date on the narrow page
		}
		setDraw(f, grey)
		f.SetLineWidth(0.25)
		f.Line(sx, foot-9, sx+70, foot-9)
		setText(f, ink)
		f.SetFont(serif, "B", 10)
		f.SetXY(sx, foot-8)
		align := "C"
		if s.portrait {
			align = "L"
		}
		f.CellFormat(70, 5, d.kk(sg.Name), "", 0, align, false, 0, "")
		setText(f, grey)
		f.SetFont(serif, "", 8)
		f.SetXY(sx, foot-3)
		f.CellFormat(70, 4, joinDot(d.kk(sg.Position.In("kk", true)), d.second(sg.Position.In("kk", true), sg.Position.In(sec, false))), "", 0, align, false, 0, "")
		if s.portrait {
			foot += 30
		}
	}

	url := VerifyURL(d.o.Base, d.o.Lang, a.Code)
	qx, qy := w-left-qr, foot-qr+2
	if err := d.qr(qx, qy, qr, url); err != nil {
		return err
	}
	right := qx - 4
	setText(f, grey)
	f.SetFont(serif, "", 7.5)
	f.SetXY(right-110, qy+qr-18)
	f.CellFormat(110, 4, joinDot(d.kk(l1.verify), at(map[Kind]string{a.Kind: l2.verify})), "", 0, "R", false, 0, "")
	f.SetXY(right-110, qy+qr-13.5)
	f.CellFormat(110, 4, strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"), "", 0, "R", false, 0, "")
	setText(f, s.main)
	f.SetFont(serif, "B", 11)
	f.SetXY(right-110, qy+qr-8)
	f.CellFormat(110, 6, d.kk(l1.code)+": "+FormatCode(a.Code), "", 0, "R", false, 0, "")
	return f.Error()
}

// qr draws content as a QR code of side size mm, module by module: vector,
// sharp at any print size, a few hundred bytes.
func (d *doc) qr(x, y, size float64, content string) error {
	q, err := qrcode.NewWith(content, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return fmt.Errorf("certificate: qr: %w", err)
	}
	var bm bitmap
	if err := q.Save(&bm); err != nil {
		return fmt.Errorf("certificate: qr: %w", err)
	}
	m := size / float64(len(bm.rows))
	d.f.SetFillColor(0, 0, 0)
	for r, row := range bm.rows {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			d.f.Rect(x+float64(start)*m, y+float64(r)*m, float64(c-start)*m, m, "F")
		}
	}
	return nil
}

// bitmap is a qrcode.Writer that keeps the modules.
type bitmap struct{ rows [][]bool }

func (b *bitmap) Write(m qrcode.Matrix) error { b.rows = m.Bitmap(); return nil }
func (b *bitmap) Close() error                { return nil }
