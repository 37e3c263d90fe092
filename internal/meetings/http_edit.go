package meetings

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func editValues(m *Meeting) url.Values {
	f := url.Values{"org_id": {strconv.FormatInt(m.OrgID, 10)}, "kind": {m.Kind}, "format": {m.Format}, "invite": {m.Invite},
		"title_kk": {m.Title.KK}, "title_ru": {m.Title.RU}, "title_en": {m.Title.EN}, "description": {m.Description},
		"address": {m.Address}, "online_url": {m.OnlineURL}, "quorum": {strconv.Itoa(m.QuorumPct)},
		"starts_at": {m.StartsAt.In(i18n.Almaty).Format("2006-01-02T15:04")}, "ends_at": {m.EndsAt.In(i18n.Almaty).Format("2006-01-02T15:04")}}
	if m.Capacity > 0 {
		f.Set("capacity", strconv.Itoa(m.Capacity))
	}
	if m.ProgrammeID > 0 {
		f.Set("programme_id", strconv.FormatInt(m.ProgrammeID, 10))
	}
	if m.RegistrationClosesAt != nil {
		f.Set("registration_closes_at", m.RegistrationClosesAt.In(i18n.Almaty).Format("2006-01-02T15:04"))
	}
	return f
}

func editData(m *Meeting, title string, prog *web.Pick) map[string]any {
	d := formData(nil, prog)
	d["M"], d["Title"] = m, title
	return d
}

// editForm shows the meeting's details for its organizers to change, and
// the form that calls it off.
func (h *Handler) editForm(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	m, err := h.svc.requireOrganizer(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := editValues(m)
	prog, err := h.srv.Pick(r, "programme", f, "programme_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.edit"), Form: f,
		Data: editData(m, m.Title.In(web.LangOf(r)), prog)})
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	f := r.PostForm
	prog, pfe, err := h.pickProgramme(r, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	in, err := meetingForm(f)
	if err == nil && pfe == nil {
		err = h.svc.Update(withIP(h, r), u, id, in)
	}
	if err != nil || pfe != nil {
		fe, ok := h.formErrors(r, err)
		if ok || err == nil {
			m, gerr := h.svc.Get(r.Context(), id)
			if gerr != nil {
				h.srv.Fail(w, r, gerr)
				return
			}
			if fe == nil {
				fe = map[string]string{}
			}
			for k, v := range pfe {
				fe[k] = v
			}
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.edit"),
				Form: f, Errors: fe, Data: editData(m, m.Title.In(web.LangOf(r)), prog)})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.saved", "")
}

func (h *Handler) cancelMeeting(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if !web.Confirmed(r) {
		h.confirmCancel(w, r, u, id)
		return
	}
	if _, err := h.svc.CancelMeeting(withIP(h, r), u, id, r.PostForm.Get("reason")); err != nil {
		if fe, ok := h.formErrors(r, err); ok {
			m, gerr := h.svc.Get(r.Context(), id)
			if gerr != nil {
				h.srv.Fail(w, r, gerr)
				return
			}
			f := editValues(m)
			prog, perr := h.srv.Pick(r, "programme", f, "programme_id")
			if perr != nil {
				h.srv.Fail(w, r, perr)
				return
			}
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.edit"),
				Form: f, Errors: fe, Data: editData(m, m.Title.In(web.LangOf(r)), prog)})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.meeting_cancelled", "")
}

func (h *Handler) editItem(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "item")
	if !ok {
		return
	}
	u, id, item := req.User, req.ID, req.PathID("item")
	f := r.PostForm
	err := h.svc.EditItem(withIP(h, r), u, id, item, NewItem{Title: f.Get("title"), Presenter: f.Get("presenter"),
		Attachments: f.Get("attachments"), DurationMin: atoi(f.Get("duration_min"))})
	if err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		// The errors belong to this item's form, not to the new-item form.
		d, lerr := h.load(r.Context(), r, id)
		if lerr != nil {
			h.srv.Fail(w, r, lerr)
			return
		}
		d.EditItem, d.ItemErrors, d.ItemForm = item, fe, f
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_show", &web.PageData{Title: d.Title, Data: d})
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("item-%d", item))
}

func (h *Handler) deleteItem(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "item")
	if !ok {
		return
	}
	u, id, item := req.User, req.ID, req.PathID("item")
	if !web.Confirmed(r) {
		h.confirmDeleteItem(w, r, u, id, item)
		return
	}
	if err := h.svc.DeleteItem(withIP(h, r), u, id, item); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.item_deleted", "agenda")
}

// quorum is the live count of members present: a small page of its own
// without JavaScript, and the part of the meeting and attendance pages
// that htmx refreshes every few seconds. An htmx request that already
// shows the current count (since=present-members) gets 204, which htmx
// leaves alone, so screen readers hear only real changes.
func (h *Handler) quorum(w http.ResponseWriter, r *http.Request) {
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
	now := h.svc.db.Now()
	organizer, err := h.svc.IsOrganizer(r.Context(), web.UserOf(r), m)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	data := map[string]any{"M": m, "Title": m.Title.In(web.LangOf(r)), "Live": m.CancelledAt == nil && now.Before(m.EndsAt)}
	if !now.Before(m.StartsAt) || organizer {
		q, err := h.svc.QuorumOf(r.Context(), m)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		data["Quorum"] = &q
		if r.Header.Get("HX-Request") == "true" && r.URL.Query().Get("since") == q.Since() {
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	h.srv.Render(w, r, http.StatusOK, "meetings_quorum", &web.PageData{Title: m.Title.In(web.LangOf(r)), Data: data})
}
