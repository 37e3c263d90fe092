package meetings

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	f := url.Values{"org_id": {r.URL.Query().Get("org")}, "quorum": {"50"}, "invite": {"members"}, "kind": {"report"}, "format": {"in_person"}}
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	prog, err := h.srv.Pick(r, "programme", f, "programme_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.new"), Form: f, Data: formData(pk, prog)})
}

// formData is what the create and edit form shows besides the fields: the
// organization picker (nil when editing) and the programme picker.
func formData(org, prog *web.Pick) map[string]any {
	return map[string]any{"Kinds": Kinds, "Formats": Formats, "Invites": Invites, "Org": org, "Prog": prog}
}

// pickProgramme resolves the form's optional programme (web.Pick): typed
// and not found, or found several times, is a field error.
func (h *Handler) pickProgramme(r *http.Request, f url.Values) (*web.Pick, map[string]string, error) {
	_, boxed := f["programme_id_q"]
	given := strings.TrimSpace(f.Get("programme_id")) != "" && !boxed
	prog, err := h.srv.Pick(r, "programme", f, "programme_id")
	switch {
	case err != nil || prog.ID != 0:
		return prog, nil, err
	case prog.Text != "":
		return prog, h.srv.PickError(r, prog, nil), nil
	case given:
		// An id of no programme (a link, a form without the text box).
		return prog, map[string]string{"programme_id": h.srv.T(r, "meetings.no_such_programme")}, nil
	}
	return prog, nil, nil
}

// meetingForm reads the create and edit form.
func meetingForm(f url.Values) (NewMeeting, error) {
	in := NewMeeting{OrgID: web.FormInt(f.Get("org_id")), Kind: f.Get("kind"), Format: f.Get("format"), Invite: f.Get("invite"),
		Title: i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")}, Description: f.Get("description"), Address: f.Get("address"),
		OnlineURL: f.Get("online_url"), Capacity: atoi(f.Get("capacity")), QuorumPct: atoi(f.Get("quorum"))}
	var fs errs.Fields
	if p := strings.TrimSpace(f.Get("programme_id")); p != "" {
		if in.ProgrammeID = web.FormInt(p); in.ProgrammeID <= 0 {
			fs.Add("programme_id", "meetings.no_such_programme")
		}
	}
	var ok bool
	if in.StartsAt, ok = ParseLocal(f.Get("starts_at")); !ok {
		fs.Add("starts_at", "validation.invalid_datetime")
	}
	if in.EndsAt, ok = ParseLocal(f.Get("ends_at")); !ok {
		fs.Add("ends_at", "validation.invalid_datetime")
	}
	if s := f.Get("registration_closes_at"); s != "" {
		if t, ok := ParseLocal(s); ok {
			in.RegistrationClosesAt = &t
		} else {
			fs.Add("registration_closes_at", "validation.invalid_datetime")
		}
	}
	return in, fs.Err()
}

// formErrors maps the service's field names to the form's.
func (h *Handler) formErrors(r *http.Request, err error) (map[string]string, bool) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if ok {
		for k, v := range map[string]string{"title": "title_kk", "organization_id": "org_id"} {
			if m, ok := fe[k]; ok {
				fe[v] = m
			}
		}
	}
	return fe, ok
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	u := req.User
	f := r.PostForm
	// The organization is named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	prog, pfe, err := h.pickProgramme(r, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	in, err := meetingForm(f)
	var id int64
	if err == nil && pk.ID != 0 && pfe == nil {
		id, err = h.svc.Create(withIP(h, r), u, in)
	}
	if err != nil || pk.ID == 0 || pfe != nil {
		fe, ok := h.formErrors(r, err)
		if err != nil && !ok {
			h.srv.Fail(w, r, err)
			return
		}
		fe = h.srv.PickError(r, pk, fe)
		for k, v := range pfe {
			fe[k] = v
		}
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.new"),
			Form: f, Errors: fe, Data: formData(pk, prog)})
		return
	}
	h.back(w, r, id, "meetings.created", "")
}
