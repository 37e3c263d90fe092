package meetings

import (
	"fmt"
	"net/http"
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
	if _, err := h.svc.AddDecision(withIP(h, r), u, id, NewDecision{ItemID: atoi64(f.Get("agenda_item_id")), Text: f.Get("text"),
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
	req, ok := h.srv.Begin(w, r, "id", "d")
	if !ok {
		return
	}
	u, id, dec := req.User, req.ID, req.PathID("d")
	if err := h.svc.CloseDecision(withIP(h, r), u, id, dec); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("decision-%d", dec))
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if err := h.svc.ApproveMinutes(withIP(h, r), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.minutes_published", "agenda")
}
