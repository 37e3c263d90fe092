package meetings

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// --- agenda, minutes, decisions

func (h *Handler) addItem(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	f := r.PostForm
	if _, err := h.svc.AddItem(withIP(h, r), u, id, NewItem{Title: f.Get("title"), Presenter: f.Get("presenter"),
		Attachments: f.Get("attachments"), DurationMin: atoi(f.Get("duration_min"))}); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", "agenda")
}

func (h *Handler) moveItem(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "item")
	if !ok {
		return
	}
	u, id, item := req.User, req.ID, req.PathID("item")
	dir := 1
	if r.PostForm.Get("dir") == "up" {
		dir = -1
	}
	if err := h.svc.MoveItem(withIP(h, r), u, id, item, dir); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "", "agenda")
}

func (h *Handler) minutes(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "item")
	if !ok {
		return
	}
	u, id, item := req.User, req.ID, req.PathID("item")
	if err := h.svc.SetMinutes(withIP(h, r), u, id, item, r.PostForm.Get("minutes")); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("item-%d", item))
}

func (h *Handler) addDecision(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	f := r.PostForm
	if _, err := h.svc.AddDecision(withIP(h, r), u, id, NewDecision{ItemID: web.FormInt(f.Get("agenda_item_id")), Text: f.Get("text"),
		Mode: f.Get("mode"), For: atoi(f.Get("votes_for")), Against: atoi(f.Get("votes_against")), Abstain: atoi(f.Get("votes_abstain"))}); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", "agenda")
}

func (h *Handler) voteDecision(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "d")
	if !ok {
		return
	}
	u, id, dec := req.User, req.ID, req.PathID("d")
	if err := h.svc.VoteDecision(r.Context(), u, id, dec, r.PostForm.Get("choice")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.vote_recorded", fmt.Sprintf("decision-%d", dec))
}

func (h *Handler) closeDecision(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "d")
	if !ok {
		return
	}
	u, id, dec := req.User, req.ID, req.PathID("d")
	if !web.Confirmed(r) {
		h.confirmCloseDecision(w, r, u, id, dec)
		return
	}
	if err := h.svc.CloseDecision(withIP(h, r), u, id, dec); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("decision-%d", dec))
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if !web.Confirmed(r) {
		h.confirmApprove(w, r, u, id)
		return
	}
	if err := h.svc.ApproveMinutes(withIP(h, r), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.minutes_published", "agenda")
}

// confirmApprove says what approving the minutes does before it is done
// (web.Confirmation), or refuses as approving would: only organizers,
// once, and not before the meeting has started.
func (h *Handler) confirmApprove(w http.ResponseWriter, r *http.Request, u *auth.User, id int64) {
	m, err := h.svc.requireOrganizer(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	switch {
	case m.MinutesApprovedAt != nil:
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.minutes_approved"))
		return
	case h.svc.db.Now().Before(m.StartsAt):
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.minutes_not_started"))
		return
	}
	p := h.srv.Printer(r)
	items, err := h.svc.Agenda(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	empty := 0
	for _, it := range items {
		if strings.TrimSpace(it.Minutes) == "" {
			empty++
		}
	}
	c := &web.Confirmation{Title: p.T("meetings.confirm.approve.title", "title", m.Title.In(p.Lang())),
		Lines:  []string{p.T("meetings.confirm.approve.public"), p.T("meetings.confirm.approve.frozen")},
		Action: fmt.Sprintf("/meetings/%d/minutes/approve", id), Back: fmt.Sprintf("/meetings/%d#agenda", id),
		Submit: p.T("meetings.approve_minutes")}
	if empty > 0 {
		c.Warn = []string{p.N("meetings.confirm.approve.empty_items", empty)}
	}
	h.srv.Confirm(w, r, c)
}
