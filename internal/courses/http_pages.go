package courses

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r)
	if !ok {
		return
	}
	f := Filter{Limit: 50}
	if org := web.FormInt(r.URL.Query().Get("org")); org > 0 {
		f.OrgID = &org
	}
	f.BeforeID = web.FormInt(r.URL.Query().Get("before"))
	list, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d := map[string]any{"Courses": list, "Org": f.OrgID, "Signed": req.User != nil}
	if len(list) == f.Limit {
		d["Next"] = list[len(list)-1].ID
	}
	h.srv.Render(w, r, http.StatusOK, "courses_list", &web.PageData{Title: h.srv.T(r, "courses.title"), Data: d})
}

// showData is what the course page shows.
type showData struct {
	C          *Course
	Sessions   []Session
	Next       *Session // the next session not yet ended
	Mine       *Enrolment
	Organizer  bool
	Teacher    bool
	Reveals    bool
	Ended      bool
	CheckinNow bool // a session of the course is open for check-in now
	Learners   []Learner
	Enrolled   []Learner
	Waiting    []Learner
	Offered    []Learner
	MinutesStr string
	Matches    []Candidate // people matching a name an organizer typed to enrol
	Now        time.Time   // for the sessions' states
}

func (h *handler) load(r *http.Request, id int64) (*showData, error) {
	ctx := r.Context()
	u := web.UserOf(r)
	c, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sessions, err := h.svc.Sessions(ctx, id)
	if err != nil {
		return nil, err
	}
	mine, err := h.svc.Mine(ctx, u, id)
	if err != nil {
		return nil, err
	}
	now := h.svc.db.Now()
	d := &showData{C: c, Sessions: sessions, Mine: mine, Organizer: h.svc.Organizer(ctx, u, c), Teacher: h.svc.Teaches(ctx, u, c),
		Ended: !now.Before(c.EndsAt), MinutesStr: strconv.Itoa(c.Schedule.Minutes), Now: now}
	d.Reveals = d.Teacher || h.svc.Reveals(ctx, u, c)
	for i := range sessions {
		se := &sessions[i]
		if se.CancelledAt == nil && now.Before(se.EndsAt) && d.Next == nil {
			d.Next = se
		}
		if open(se, now) {
			d.CheckinNow = true
		}
	}
	if d.Teacher {
		if d.Learners, err = h.svc.Learners(ctx, u, c); err != nil {
			return nil, err
		}
		for _, l := range d.Learners {
			switch l.Status {
			case Enrolled:
				d.Enrolled = append(d.Enrolled, l)
			case Offered:
				d.Offered = append(d.Offered, l)
			default:
				d.Waiting = append(d.Waiting, l)
			}
		}
	}
	return d, nil
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	h.render(w, r, req.ID, http.StatusOK, nil)
}

// render shows the course page, with field errors when errs is set.
func (h *handler) render(w http.ResponseWriter, r *http.Request, id int64, status int, errs map[string]string) {
	h.renderWith(w, r, id, status, errs, nil)
}

// renderWith is render showing matches of a name typed to enrol.
func (h *handler) renderWith(w http.ResponseWriter, r *http.Request, id int64, status int, errs map[string]string, matches []Candidate) {
	d, err := h.load(r, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d.Matches = matches
	title, _ := d.C.Title.Pick(web.LangOf(r))
	h.srv.Render(w, r, status, "courses_show", &web.PageData{Title: title, Data: d, Errors: errs, Form: r.PostForm})
}

// roll is the teacher's list of a session: one line per enrolled person
// with three buttons, for a phone held in one hand.
func (h *handler) roll(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "session")
	if !ok {
		return
	}
	if _, _, err := h.sessionIn(r.Context(), req.ID, req.PathID("session")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	roll, err := h.svc.Roll(r.Context(), req.User, req.PathID("session"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, p := range roll.People {
		counts[p.Status]++
	}
	title, _ := roll.Course.Title.Pick(web.LangOf(r))
	h.srv.Render(w, r, http.StatusOK, "courses_roll", &web.PageData{Title: title, Data: map[string]any{"Roll": roll, "Counts": counts,
		"Open": open(&roll.Session, h.svc.db.Now()), "Marks": Statuses}})
}

// code is the screen the teacher shows: the session's current code as
// text and as a QR code of the check-in address; the page reloads itself
// when the code changes (a meta refresh, no script needed).
func (h *handler) code(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "session")
	if !ok {
		return
	}
	se, c, err := h.sessionIn(r.Context(), req.ID, req.PathID("session"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	code, changes, err := h.svc.Code(r.Context(), req.User, se.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	target := h.svc.baseURL + "/" + string(web.LangOf(r)) + "/courses/" + idString(c.ID) + "/checkin?code=" + code
	svg, err := qrSVG(target, h.srv.T(r, "courses.qr_label"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	wait := int(time.Until(changes).Seconds()) + 1
	if d := changes.Sub(h.svc.db.Now()); d > 0 {
		wait = int(d.Seconds()) + 1
	}
	if wait < 1 || wait > 31 {
		wait = 30
	}
	w.Header().Set("Refresh", strconv.Itoa(wait))
	w.Header().Set("Cache-Control", "no-store")
	title, _ := c.Title.Pick(web.LangOf(r))
	h.srv.Render(w, r, http.StatusOK, "courses_code", &web.PageData{Title: title, Data: map[string]any{"C": c, "S": se,
		"Code": code, "QR": svg, "URL": target, "Wait": wait}})
}

func (h *handler) checkinForm(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	c, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	title, _ := c.Title.Pick(web.LangOf(r))
	f := r.URL.Query()
	h.srv.Render(w, r, http.StatusOK, "courses_checkin", &web.PageData{Title: title, Data: map[string]any{"C": c}, Form: f})
}

func (h *handler) sheet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	sh, organizer, err := h.svc.SheetFor(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	title, _ := sh.Course.Title.Pick(web.LangOf(r))
	parts := sh.page(web.LangOf(r), h.srv.Printer(r))
	h.srv.Render(w, r, http.StatusOK, "courses_sheet", &web.PageData{Title: title, Data: map[string]any{"S": sh, "Completed": parts.completed,
		"Head": parts.head, "Body": parts.body,
		"Organizer": organizer, "Awards": h.svc.awards != nil}})
}

// sheetParts is a sheet's table as one language's page shows it.
type sheetParts struct {
	head, body template.HTML
	completed  int
}

// page returns the sheet's table in language l (p its printer), built on
// the first request in that language and kept with the sheet: a kept
// sheet is the same for every reader until it is replaced, and building
// 12,000 cells was a sixth of the page's CPU (docs/benchmarks.md,
// "Courses: the sheet's CPU").
func (sh *Sheet) page(l i18n.Lang, p *i18n.Printer) *sheetParts {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if ps, ok := sh.pages[l]; ok {
		return ps
	}
	ps := &sheetParts{}
	ps.head, ps.body = sheetHTML(sh, p)
	for _, row := range sh.Rows {
		if row.Completed {
			ps.completed++
		}
	}
	if sh.pages == nil {
		sh.pages = map[i18n.Lang]*sheetParts{}
	}
	sh.pages[l] = ps
	return ps
}

// sheetHTML is the sheet's table head and body, built here: 12,000
// cells through the template's range and escapers cost tens of
// milliseconds (docs/benchmarks.md, courses). Cells leave out their end
// tags (optional in HTML) to halve the page.
func sheetHTML(sh *Sheet, p *i18n.Printer) (head, body template.HTML) {
	var b strings.Builder
	for _, se := range sh.Sessions {
		b.WriteString(`<th scope="col">`)
		b.WriteString(template.HTMLEscapeString(p.Date(se.StartsAt)))
		b.WriteString("</th>")
	}
	head = template.HTML(b.String()) // escaped above
	// A cell by the status's first letter: a switch, not a map lookup of
	// the whole status, for 12,000 cells a page (docs/benchmarks.md,
	// "PostgreSQL at 32 clients").
	excused := "<td>" + template.HTMLEscapeString(p.T("courses.mark_short.excused"))
	cell := func(m string) string {
		switch {
		case m == "":
			return "<td>"
		case m[0] == 'p':
			return "<td>+"
		case m[0] == 'a':
			return "<td>−"
		case m[0] == 'e':
			return excused
		}
		return "<td>"
	}
	b.Reset()
	b.Grow(len(sh.Rows) * (len(sh.Sessions)*5 + 80))
	for _, r := range sh.Rows {
		b.WriteString(`<tr><th scope="row">`)
		b.WriteString(template.HTMLEscapeString(r.Name))
		if r.Completed {
			b.WriteString(" ✓")
		}
		b.WriteString("</th><td>")
		b.WriteString(strconv.Itoa(r.Pct))
		for _, m := range r.Marks {
			b.WriteString(cell(m))
		}
		b.WriteString("</tr>\n")
	}
	return head, template.HTML(b.String()) // names escaped, the rest fixed
}
