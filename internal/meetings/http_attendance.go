package meetings

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
	"github.com/skip2/go-qrcode"
)

// --- registration and attendance

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	reg, err := h.svc.RegisterFor(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	flash := "meetings.registered"
	if reg.Status == "waitlist" {
		flash = "meetings.waitlisted"
	}
	h.back(w, r, id, flash, "registration")
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if err := h.svc.Cancel(r.Context(), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.cancelled", "registration")
}

func (h *Handler) checkinURL(r *http.Request, id int64, token string) string {
	return fmt.Sprintf("%s/%s/meetings/%d/checkin?t=%s", h.svc.baseURL, web.LangOf(r), id, url.QueryEscape(token))
}

// pass shows the person's QR code to show at the door.
func (h *Handler) pass(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	m, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	reg, err := h.svc.MyRegistration(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if reg.Status != "registered" {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "meetings.not_registered"))
		return
	}
	png, err := qrcode.Encode(h.checkinURL(r, id, reg.Token), qrcode.Medium, 256)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_pass", &web.PageData{Title: h.srv.T(r, "meetings.pass"), Data: map[string]any{
		"M": m, "Title": m.Title.In(web.LangOf(r)), "QR": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), "Reg": reg}})
}

func (h *Handler) attendancePage(w http.ResponseWriter, r *http.Request, u *auth.User, id int64, status int, fe map[string]string) {
	m, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	search := r.URL.Query().Get("q")
	list, err := h.svc.Attendees(r.Context(), u, id, search)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	qu, err := h.svc.QuorumOf(r.Context(), m)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, status, "meetings_attendance", &web.PageData{Title: h.srv.T(r, "meetings.attendance"), Errors: fe,
		Data: map[string]any{"M": m, "Title": m.Title.In(web.LangOf(r)), "List": list, "Q": search, "Quorum": qu,
			"Live": m.CancelledAt == nil && h.svc.db.Now().Before(m.EndsAt)}})
}

func (h *Handler) attendance(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if ok {
		h.attendancePage(w, r, req.User, req.ID, http.StatusOK, nil)
	}
}

func (h *Handler) markPresent(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	f := r.PostForm
	err := h.svc.MarkPresent(withIP(h, r), u, id, web.FormInt(f.Get("user_id")), f.Get("present") != "0")
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.attendancePage(w, r, u, id, http.StatusUnprocessableEntity, fe)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	p := fmt.Sprintf("/meetings/%d/attendance", id)
	if q := f.Get("q"); q != "" {
		p += "?q=" + url.QueryEscape(q)
	}
	h.srv.Redirect(w, r, p, "meetings.saved")
}

func (h *Handler) checkinForm(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	token := r.URL.Query().Get("t")
	a, err := h.svc.CheckInToken(r.Context(), u, id, token)
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.srv.Render(w, r, http.StatusNotFound, "message", &web.PageData{Title: h.srv.T(r, "meetings.checkin"),
				Data: map[string]any{"Text": fe["token"], "Next": fmt.Sprintf("/meetings/%d/attendance", id)}})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_checkin", &web.PageData{Title: h.srv.T(r, "meetings.checkin"),
		Data: map[string]any{"ID": id, "A": a, "Token": token}})
}

func (h *Handler) checkin(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	a, err := h.svc.CheckInToken(r.Context(), u, id, r.PostForm.Get("t"))
	if err == nil {
		err = h.svc.MarkPresent(withIP(h, r), u, id, a.UserID, true)
	}
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.attendancePage(w, r, u, id, http.StatusUnprocessableEntity, fe)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/meetings/%d/attendance", id), "meetings.checked_in")
}
