package awards

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// callChoice is a call in the organizer page's choice, titled in the
// reader's language.
type callChoice struct {
	ID    string
	Title string
}

// orgData is the organizer page's.
type orgData struct {
	OrgID   int64
	OrgName string
	Kinds   []string
	Tos     []string     // recipients from the call: "", "participants", "winners"
	Calls   []callChoice // the organization's calls, to name the one an award is for
	Items   []item
	Batches []int64
	Issued  []Issued // just issued (after a redirect: none)
	Next    int64    // cursor for older awards
}

func (h *handler) orgData(r *http.Request, u *auth.User, orgID int64) (*orgData, error) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := h.svc.ForOrg(r.Context(), u, orgID, before, 101)
	if err != nil {
		return nil, err
	}
	d := &orgData{OrgID: orgID, Kinds: []string{"certificate", "diploma", "thanks"}, Tos: []string{"", "participants", "winners"}}
	if len(list) == 101 {
		list = list[:100]
		d.Next = list[99].ID
	}
	var name, nameRU, nameEN string
	if err := h.svc.d.QueryRow(r.Context(), "SELECT name_kk, COALESCE(name_ru, ''), COALESCE(name_en, '') FROM organizations WHERE id = ?", orgID).Scan(&name, &nameRU, &nameEN); err != nil {
		return nil, notFound()
	}
	base := string(web.LangOf(r))
	if base == "kk-Latn" {
		base = "kk"
	}
	d.OrgName = certificate.Text{KK: name, RU: nameRU, EN: nameEN}.In(base, true)
	d.Items = h.items(r, list)
	if h.svc.calls != nil {
		cs, err := h.svc.calls.OrgCalls(r.Context(), orgID)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			d.Calls = append(d.Calls, callChoice{ID: strconv.FormatInt(c.ID, 10), Title: c.Title.In(web.LangOf(r))})
		}
	}
	seen := map[int64]bool{}
	for _, a := range list {
		if !seen[a.BatchID] {
			seen[a.BatchID] = true
			d.Batches = append(d.Batches, a.BatchID)
		}
	}
	return d, nil
}

func (h *handler) orgPage(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	d, err := h.orgData(r, u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "awards_org", &web.PageData{Title: h.srv.T(r, "awards.org.title"), Data: d,
		Form: url.Values{"kind": {"certificate"}}})
}

// ParseRecipients reads the form's recipients, one a line: a name, or
// "#123" for the person with id 123, optionally followed by ";" and a
// place ("Айгүл Серікова; 1").
func ParseRecipients(text string) ([]Recipient, error) {
	var out []Recipient
	var fs errs.Fields
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var rec Recipient
		who, place, hasPlace := strings.Cut(line, ";")
		who = strings.TrimSpace(who)
		if hasPlace {
			n, err := strconv.Atoi(strings.TrimSpace(place))
			if err != nil || n <= 0 {
				fs = append(fs, errs.Field{Name: "recipients", Key: "awards.error.line_place", Args: []any{"line", i + 1}})
				continue
			}
			rec.Place = n
		}
		if id, ok := strings.CutPrefix(who, "#"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
			if err != nil || n <= 0 {
				fs = append(fs, errs.Field{Name: "recipients", Key: "awards.error.line_person", Args: []any{"line", i + 1}})
				continue
			}
			rec.PersonID = n
		} else {
			rec.Name = who
		}
		out = append(out, rec)
	}
	return out, fs.Err()
}

func (h *handler) issue(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	f := r.PostForm
	var fs errs.Fields
	b := Batch{OrgID: id, Kind: certificate.Kind(f.Get("kind")), Title: certificate.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		CallID: parseID("call_id", strings.TrimSpace(f.Get("call_id")), &fs), To: f.Get("to")}
	recs, perr := ParseRecipients(f.Get("recipients"))
	b.Recipients = recs
	fail := func(err error) {
		d, derr := h.orgData(r, u, id)
		if derr != nil {
			h.srv.Fail(w, r, derr)
			return
		}
		h.srv.FormError(w, r, "awards_org", formFields(err), &web.PageData{Title: h.srv.T(r, "awards.org.title"), Data: d})
	}
	if err := fs.Err(); err != nil {
		fail(err)
		return
	}
	if perr != nil {
		fail(perr)
		return
	}
	if _, err := h.svc.Issue(ctxIP(h, r), u, b); err != nil {
		fail(err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/organizations/%d/awards", id), "awards.flash.issued")
}

// formFields maps the service's field names onto the form's: the titles'
// "title.kk" to "title_kk", a recipient's "recipients[3].name" to the
// recipients box (with its line number).
func formFields(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		switch {
		case f.Name == "title":
			f.Name = "title_kk"
		case strings.HasPrefix(f.Name, "title."):
			f.Name = "title_" + strings.TrimPrefix(f.Name, "title.")
		case strings.HasPrefix(f.Name, "recipients["):
			f.Name = "recipients"
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

func (h *handler) print(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	batch, err := strconv.ParseInt(r.URL.Query().Get("batch"), 10, 64)
	if err != nil || batch <= 0 {
		h.srv.Fail(w, r, notFound())
		return
	}
	list, err := h.svc.Batch(r.Context(), u, id, batch)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.sendPDF(w, r, list, fmt.Sprintf("awards-%d.pdf", batch))
}
