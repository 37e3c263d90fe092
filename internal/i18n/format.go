package i18n

import (
	"bytes"
	"math"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/kazakh"
)

// Almaty is Kazakhstan's time, UTC+5 all year since March 2024, for the
// whole program (calendar days, dates in forms). A fixed zone keeps the
// program independent of the tzdata installed on the host.
var Almaty = time.FixedZone("UTC+5", 5*3600)

// locale holds what formatting needs besides the catalog.
type locale struct {
	months [12]string // in the form used after a day number
	year   string     // abbreviation of "year" in long dates, with its spacing
	group  string     // thousands separator
	point  byte       // decimal separator
}

const nbsp = "\u00a0"

var kkLocale = locale{
	months: [12]string{"қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
		"шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"},
	year:  " ж. ",
	group: nbsp,
	point: ',',
}

var locales = map[Lang]*locale{
	KK:     &kkLocale,
	KKLatn: latinLocale(kkLocale),
	RU: {
		months: [12]string{"января", "февраля", "марта", "апреля", "мая", "июня",
			"июля", "августа", "сентября", "октября", "ноября", "декабря"},
		year:  " г.",
		group: nbsp,
		point: ',',
	},
	EN: {
		months: [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"},
		group: ",",
		point: '.',
	},
}

// latinLocale derives kk-Latn from kk, as the catalog is derived.
func latinLocale(kk locale) *locale {
	l := kk
	for i, m := range l.months {
		l.months[i] = kazakh.ToLatin(m)
	}
	l.year = kazakh.ToLatin(l.year)
	return &l
}

// Date formats the day of t in Kazakhstan, in the long form of the
// language: "2020 ж. 4 қараша", "2020 j. 4 qaraşa", "4 ноября 2020 г.",
// "4 November 2020".
func (p *Printer) Date(t time.Time) string {
	return string(p.appendDate(make([]byte, 0, 32), t))
}

// DateTime is Date followed by the 24-hour time in Kazakhstan:
// "4 November 2020 15:04".
func (p *Printer) DateTime(t time.Time) string {
	b := p.appendDate(make([]byte, 0, 40), t)
	b = append(b, ' ')
	return string(t.In(Almaty).AppendFormat(b, "15:04"))
}

// TimeRange is a span of time in Kazakhstan: the date once when both ends
// fall on the same day ("4 November 2020 15:00–17:00"), both dates and
// times otherwise ("4 November 2020 15:00 – 5 November 2020 10:00").
func (p *Printer) TimeRange(from, to time.Time) string {
	fy, fm, fd := from.In(Almaty).Date()
	ty, tm, td := to.In(Almaty).Date()
	if fy == ty && fm == tm && fd == td {
		b := p.appendDate(make([]byte, 0, 48), from)
		b = append(b, ' ')
		b = from.In(Almaty).AppendFormat(b, "15:04")
		b = append(b, "–"...)
		return string(to.In(Almaty).AppendFormat(b, "15:04"))
	}
	return p.DateTime(from) + " – " + p.DateTime(to)
}

func (p *Printer) appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.In(Almaty).Date()
	if p.base == "kk" {
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, p.loc.year...)
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, ' ')
		return append(b, p.loc.months[m-1]...)
	}
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, ' ')
	b = append(b, p.loc.months[m-1]...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(y), 10)
	return append(b, p.loc.year...)
}

// Number formats an integer with the language's thousands separator: a
// non-breaking space in kk and ru ("1 234 567"), a comma in en.
func (p *Printer) Number(n int64) string {
	var buf [40]byte
	return string(p.appendNumber(buf[:0], n))
}

func (p *Printer) appendNumber(b []byte, n int64) []byte {
	u := uint64(n)
	if n < 0 {
		b = append(b, '-')
		u = -u // also right for math.MinInt64, in two's complement
	}
	var digits [20]byte
	return p.appendGrouped(b, strconv.AppendUint(digits[:0], u, 10))
}

// appendGrouped appends a run of digits with thousands separators.
func (p *Printer) appendGrouped(b, digits []byte) []byte {
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, p.loc.group...)
		}
		b = append(b, c)
	}
	return b
}

// Decimal formats f with digits decimals (the shortest exact form when
// digits < 0), the language's decimal separator and thousands separators:
// "12,5" in kk and ru, "12.5" in en.
func (p *Printer) Decimal(f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'f', digits, 64)
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'f', digits, 64)
	out := make([]byte, 0, len(s)+len(s)/3*len(p.loc.group))
	if s[0] == '-' {
		s = s[1:]
		if !allZero(s) { // no "-0,0" for a small negative rounded away
			out = append(out, '-')
		}
	}
	whole, frac, hasFrac := bytes.Cut(s, []byte{'.'})
	out = p.appendGrouped(out, whole)
	if hasFrac {
		out = append(out, p.loc.point)
		out = append(out, frac...)
	}
	return string(out)
}

// allZero reports whether a formatted number has no digit but 0.
func allZero(s []byte) bool {
	for _, c := range s {
		if c >= '1' && c <= '9' {
			return false
		}
	}
	return true
}
