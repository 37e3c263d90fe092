package programmes

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// ChartLabels are the translated words a chart shows, and how it writes
// a figure in the reader's language.
type ChartLabels struct {
	Title, Baseline, Target string
	RegionName              func(code string) string
	Num                     func(v float64) string // a figure as the reader writes it ("7,9" in kk and ru, "1 500 000")
}

// num writes v with l.Num (shortest exact digits, "." without it).
func (l ChartLabels) num(v float64) string {
	if l.Num == nil {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return l.Num(v)
}

// tick rounds an axis value to what a reader needs of it: whole numbers
// over a wide range, tenths over a narrow one.
func tick(v, span float64) float64 {
	if span >= 10 {
		return math.Round(v)
	}
	return math.Round(v*10) / 10
}

// LineChart draws the national values over the periods, with the
// baseline and the target as dashed lines: plain SVG, rendered here, read
// without JavaScript (the same numbers are in a table beside it).
func LineChart(ind *Indicator, l ChartLabels) template.HTML {
	const w, h, left, right, top, bottom = 600.0, 240.0, 56.0, 16.0, 16.0, 36.0
	periods := ind.Periods()
	var pts []struct {
		x string
		v float64
	}
	lo, hi := math.Min(ind.Baseline, ind.Target), math.Max(ind.Baseline, ind.Target)
	for _, p := range periods {
		if v, ok := ind.ValueAt(Country, p); ok {
			pts = append(pts, struct {
				x string
				v float64
			}{p, v})
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	pad := (hi - lo) * 0.1
	lo, hi = lo-pad, hi+pad
	if lo < 0 && math.Min(ind.Baseline, ind.Target) >= 0 {
		lo = 0
	}
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*(h-top-bottom) }
	x := func(i, n int) float64 {
		if n <= 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)/float64(n-1)*(w-left-right)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`,
		w, h, html.EscapeString(l.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(l.Title))
	// axis with three ticks
	for i := 0; i <= 2; i++ {
		v := lo + (hi-lo)*float64(i)/2
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#d9dee4"/><text x="%.0f" y="%.1f" text-anchor="end" fill="#5b6470">%s</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, l.num(tick(v, hi-lo)))
	}
	line := func(v float64, color, label string) {
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4" stroke-width="2"/><text x="%.0f" y="%.1f" text-anchor="end" fill="%s">%s %s</text>`,
			left, w-right, y(v), y(v), color, w-right, y(v)-4, color, html.EscapeString(label), l.num(v))
	}
	line(ind.Baseline, "#8a5300", l.Baseline)
	line(ind.Target, "#1e7a3c", l.Target)
	if len(pts) > 0 {
		var path strings.Builder
		for i, p := range pts {
			fmt.Fprintf(&path, "%.1f,%.1f ", x(i, len(pts)), y(p.v))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#00729c" stroke-width="3"/>`, strings.TrimSpace(path.String()))
		for i, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#00729c"><title>%s: %s</title></circle><text x="%.1f" y="%.0f" text-anchor="middle" fill="#1b1f24">%s</text>`,
				x(i, len(pts)), y(p.v), html.EscapeString(p.x), l.num(p.v), x(i, len(pts)), h-12, html.EscapeString(p.x))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// BarChart compares the regions in one period with horizontal bars.
func BarChart(ind *Indicator, period string, l ChartLabels) template.HTML {
	type bar struct {
		name string
		v    float64
	}
	var bars []bar
	mx := 0.0
	for _, r := range ind.Regions() {
		if v, ok := ind.ValueAt(r, period); ok {
			bars = append(bars, bar{l.RegionName(r), v})
			mx = math.Max(mx, math.Abs(v))
		}
	}
	if len(bars) == 0 {
		return ""
	}
	if mx == 0 {
		mx = 1
	}
	const w, left, row = 600.0, 210.0, 24.0
	h := row*float64(len(bars)) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`,
		w, h, html.EscapeString(l.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(l.Title))
	for i, br := range bars {
		yy := 4 + float64(i)*row
		bw := math.Abs(br.v) / mx * (w - left - 60)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#1b1f24">%s</text><rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" fill="#00729c"/><text x="%.1f" y="%.1f" fill="#1b1f24">%s</text>`,
			left-6, yy+15, html.EscapeString(br.name), left, yy+3, bw, row-8, left+bw+4, yy+15, l.num(br.v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
