package courses

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/yeqown/go-qrcode/v2"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/web"
	"html/template"
)

// sheetXLSX is the attendance sheet as a spreadsheet: a row per person,
// a column per session (its Almaty date and time), then the totals.
func (h *handler) sheetXLSX(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	sh, err := h.svc.Sheet(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	var buf bytes.Buffer
	tw, err := tabular.NewWriter(&buf, tabular.XLSX, "attendance")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	defer tw.Discard()
	head := []any{p.T("field.name")}
	for _, se := range sh.Sessions {
		head = append(head, se.StartsAt.In(i18n.Almaty).Format("2006-01-02 15:04"))
	}
	head = append(head, p.T("courses.col.present"), p.T("courses.col.held"), p.T("courses.col.rate"), p.T("courses.col.completed"))
	if err := tw.Row(head...); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, row := range sh.Rows {
		cells := []any{row.Name}
		for i, m := range row.Marks {
			switch {
			case sh.Sessions[i].CancelledAt != nil:
				cells = append(cells, "—")
			case m == "":
				cells = append(cells, "")
			default:
				cells = append(cells, p.T("courses.mark."+m))
			}
		}
		done := ""
		if row.Completed {
			done = p.T("courses.yes")
		}
		cells = append(cells, row.Present, sh.Held, float64(int(row.Rate*1000+0.5))/10, done)
		if err := tw.Row(cells...); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	if err := tw.Close(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", tabular.ContentType(tabular.XLSX))
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="course-%d-attendance.xlsx"`, sh.Course.ID))
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// qrSVG draws content as a QR code in SVG, one path of modules: sharp on
// any screen, no image request, allowed by the page's CSP.
func qrSVG(content, label string) (template.HTML, error) {
	q, err := qrcode.NewWith(content, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", fmt.Errorf("courses: qr: %w", err)
	}
	var bm bitmap
	if err := q.Save(&bm); err != nil {
		return "", fmt.Errorf("courses: qr: %w", err)
	}
	n := len(bm.rows)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="320" height="320" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`,
		n, n, template.HTMLEscapeString(label), n, n)
	for y, row := range bm.rows {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil // built here from numbers and an escaped label
}

// bitmap is a qrcode.Writer that keeps the modules.
type bitmap struct{ rows [][]bool }

func (b *bitmap) Write(m qrcode.Matrix) error { b.rows = m.Bitmap(); return nil }
func (b *bitmap) Close() error                { return nil }

// --- iCalendar (RFC 5545): a course's sessions as a feed.

func icsEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "").Replace(s)
}

// icsLine folds a content line at 75 octets, never inside a UTF-8 letter.
func icsLine(b *strings.Builder, s string) {
	for len(s) > 75 {
		cut := 75
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
	}
	b.WriteString(s + "\r\n")
}

// ICS writes a course's sessions as an iCalendar document (UTC times);
// cancelled sessions are marked so, so calendars strike them out. The
// online link only when reveal is set.
func ICS(c *Course, sessions []Session, l i18n.Lang, baseURL string, reveal bool) string {
	var b strings.Builder
	host := "ortaq"
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	title := c.Title.In(l)
	if l == i18n.KKLatn {
		title = kazakh.ToLatin(title)
	}
	icsLine(&b, "BEGIN:VCALENDAR")
	icsLine(&b, "VERSION:2.0")
	icsLine(&b, "PRODID:-//Ortaq//Courses//"+strings.ToUpper(l.Base()))
	icsLine(&b, "CALSCALE:GREGORIAN")
	icsLine(&b, "METHOD:PUBLISH")
	icsLine(&b, "X-WR-CALNAME:"+icsEscape(title))
	const f = "20060102T150405Z"
	link := fmt.Sprintf("%s/%s/courses/%d", baseURL, l, c.ID)
	for _, se := range sessions {
		icsLine(&b, "BEGIN:VEVENT")
		icsLine(&b, fmt.Sprintf("UID:course-session-%d@%s", se.ID, host))
		icsLine(&b, "DTSTAMP:"+c.EndsAt.UTC().Format(f))
		icsLine(&b, "DTSTART:"+se.StartsAt.UTC().Format(f))
		icsLine(&b, "DTEND:"+se.EndsAt.UTC().Format(f))
		icsLine(&b, "SUMMARY:"+icsEscape(title))
		if se.CancelledAt != nil {
			icsLine(&b, "STATUS:CANCELLED")
			icsLine(&b, "SEQUENCE:1")
		}
		loc := c.Place
		if loc == "" && reveal {
			loc = c.OnlineURL
		}
		if loc != "" {
			icsLine(&b, "LOCATION:"+icsEscape(loc))
		}
		icsLine(&b, "URL:"+link)
		icsLine(&b, "END:VEVENT")
	}
	icsLine(&b, "END:VCALENDAR")
	return b.String()
}

func (h *handler) ics(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	c, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	sessions, err := h.svc.Sessions(r.Context(), c.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	body := ICS(c, sessions, web.LangOf(r), h.svc.baseURL, h.svc.Reveals(r.Context(), req.User, c))
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="course-%d.ics"`, c.ID))
	w.Write([]byte(body))
}
