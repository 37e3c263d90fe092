package meetings

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/meetings/pdfdoc"
	"github.com/ortaq/ortaq/internal/web"
)

// --- iCalendar (RFC 5545)

func icsEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", "")
	return r.Replace(s)
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

// ICS writes meetings as an iCalendar document. Times are in UTC: every
// calendar shows them in its own zone (Kazakhstan for local readers).
func ICS(ms []*Meeting, l i18n.Lang, baseURL, name string, now time.Time) string {
	var b strings.Builder
	host := "ortaq"
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	icsLine(&b, "BEGIN:VCALENDAR")
	icsLine(&b, "VERSION:2.0")
	icsLine(&b, "PRODID:-//Ortaq//Meetings//"+strings.ToUpper(l.Base()))
	icsLine(&b, "CALSCALE:GREGORIAN")
	icsLine(&b, "METHOD:PUBLISH")
	if name != "" {
		icsLine(&b, "X-WR-CALNAME:"+icsEscape(name))
	}
	const f = "20060102T150405Z"
	for _, m := range ms {
		title := m.Title.In(l)
		if l == i18n.KKLatn {
			title = latin(title)
		}
		link := fmt.Sprintf("%s/%s/meetings/%d", baseURL, l, m.ID)
		icsLine(&b, "BEGIN:VEVENT")
		icsLine(&b, fmt.Sprintf("UID:meeting-%d@%s", m.ID, host))
		icsLine(&b, "DTSTAMP:"+now.UTC().Format(f))
		icsLine(&b, "DTSTART:"+m.StartsAt.UTC().Format(f))
		icsLine(&b, "DTEND:"+m.EndsAt.UTC().Format(f))
		icsLine(&b, "SUMMARY:"+icsEscape(title))
		if m.CancelledAt != nil {
			// Calendars that imported the meeting strike it out.
			icsLine(&b, "STATUS:CANCELLED")
			icsLine(&b, "SEQUENCE:1")
		}
		loc := m.Address
		if m.Format == "online" {
			loc = m.OnlineURL
		}
		if loc != "" {
			icsLine(&b, "LOCATION:"+icsEscape(loc))
		}
		desc := m.Description
		if m.OnlineURL != "" && m.Format != "in_person" {
			desc = strings.TrimSpace(desc + "\n" + m.OnlineURL)
		}
		icsLine(&b, "DESCRIPTION:"+icsEscape(strings.TrimSpace(desc+"\n"+link)))
		icsLine(&b, "URL:"+link)
		icsLine(&b, "END:VEVENT")
	}
	icsLine(&b, "END:VCALENDAR")
	return b.String()
}

func writeICS(w http.ResponseWriter, name, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write([]byte(body))
}

func (h *Handler) ics(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	m, err := h.svc.Get(r.Context(), id)
	if err == nil {
		m, err = h.svc.ForReader(r.Context(), web.UserOf(r), m)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	writeICS(w, fmt.Sprintf("meeting-%d.ics", id), ICS([]*Meeting{m}, web.LangOf(r), h.svc.baseURL, "", h.svc.db.Now()))
}

// feed is a subscribable calendar of an organization's meetings (from a
// month ago on).
func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	var name i18n.Text
	if err := h.svc.db.QueryRow(r.Context(), "SELECT name_kk, name_ru, name_en FROM organizations WHERE id = ?", id).Scan(&name.KK, &name.RU, &name.EN); err != nil {
		h.srv.Fail(w, r, notFound())
		return
	}
	now := h.svc.db.Now()
	ms, err := h.svc.List(r.Context(), id, now.AddDate(0, -1, 0), time.Time{}, 0, 500)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	// A calendar app fetches the feed without signing in: the links to
	// join online are left to those who may attend.
	for i, m := range ms {
		if ms[i], err = h.svc.ForReader(r.Context(), web.UserOf(r), m); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	l := web.LangOf(r)
	n := name.In(l)
	if l == i18n.KKLatn {
		n = latin(n)
	}
	writeICS(w, fmt.Sprintf("organization-%d.ics", id), ICS(ms, l, h.svc.baseURL, n, now))
}

// --- minutes as PDF

// MinutesPDF is the minutes of a meeting: agenda items with their minutes
// and decisions, the counts and whether adopted (unanimously).
func MinutesPDF(p *i18n.Printer, m *Meeting, items []Item, decisions []Decision, q *Quorum) ([]byte, error) {
	l := p.Lang()
	tx := func(s string) string {
		if l == i18n.KKLatn {
			return latin(s)
		}
		return s
	}
	title := tx(m.Title.In(l))
	d := pdfdoc.New(title, p.T("meetings.minutes"))
	d.AddPage()
	d.Title(p.T("meetings.minutes") + "\n" + title)
	d.KV(p.T("meetings.organization")+":", tx(m.OrgName.In(l)))
	d.KV(p.T("meetings.when")+":", p.DateTime(m.StartsAt)+" – "+p.DateTime(m.EndsAt)+" "+p.T("meetings.kz_time"))
	if m.Address != "" {
		d.KV(p.T("meetings.address")+":", tx(m.Address))
	}
	if m.Format != "in_person" {
		d.KV(p.T("meetings.format")+":", p.T("meetings.format."+m.Format))
	}
	if q != nil {
		d.KV(p.T("meetings.present")+":", p.T("meetings.quorum_line", "present", q.Present, "members", q.Members, "needed", q.Needed))
	}
	if m.MinutesApprovedAt == nil {
		d.Ln(2)
		d.Para(p.T("meetings.minutes_draft"))
	}
	byItem := map[int64][]Decision{}
	for _, x := range decisions {
		byItem[x.ItemID] = append(byItem[x.ItemID], x)
	}
	writeDecisions := func(ds []Decision) {
		for _, x := range ds {
			d.KV(p.T("meetings.decided")+":", tx(x.Text))
			d.Para(decisionLine(p, x))
		}
	}
	d.Heading(p.T("meetings.agenda"))
	for i, it := range items {
		d.Heading(fmt.Sprintf("%d. %s", i+1, tx(it.Title)))
		if it.Presenter != "" {
			d.KV(p.T("meetings.presenter")+":", tx(it.Presenter))
		}
		if it.Minutes != "" {
			d.Para(tx(it.Minutes))
		}
		writeDecisions(byItem[it.ID])
	}
	if len(byItem[0]) > 0 {
		d.Heading(p.T("meetings.decisions"))
		writeDecisions(byItem[0])
	}
	d.Ln(8)
	for _, role := range []string{"meetings.sign_chair", "meetings.sign_secretary"} {
		d.Para(p.T(role) + " ____________________________")
		d.Ln(3)
	}
	return d.Bytes()
}

func decisionLine(p *i18n.Printer, x Decision) string {
	if x.Status != "closed" {
		return p.T("meetings.decision_voting")
	}
	s := p.T("meetings.votes_line", "for", x.For, "against", x.Against, "abstain", x.Abstain)
	switch {
	case x.Unanimous():
		s += " " + p.T("meetings.adopted_unanimously")
	case x.Adopted():
		s += " " + p.T("meetings.adopted")
	default:
		s += " " + p.T("meetings.not_adopted")
	}
	return s
}

func (h *Handler) minutesPDF(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	m, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if m.MinutesApprovedAt == nil {
		// Drafts are for the organizers.
		req, ok := h.srv.Begin(w, r)
		if !ok {
			return
		}
		u := req.User
		if _, err := h.svc.requireOrganizer(r.Context(), u, id); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	items, err := h.svc.Agenda(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ds, err := h.svc.Decisions(r.Context(), id, 0)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	q, err := h.svc.QuorumOf(r.Context(), m)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	b, err := MinutesPDF(h.srv.Printer(r), m, items, ds, &q)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/pdf")
	hd.Set("Content-Disposition", fmt.Sprintf(`inline; filename="minutes-%d.pdf"`, id))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
