package meetings

import (
	"fmt"
	"net/http"

	"github.com/ortaq/ortaq/internal/web"
)

// --- questions

func (h *Handler) ask(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	if _, err := h.svc.Ask(r.Context(), u, id, r.PostForm.Get("body")); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.asked", "questions")
}

func (h *Handler) upvote(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "q")
	if !ok {
		return
	}
	u, id, q := req.User, req.ID, req.PathID("q")
	if _, err := h.svc.Upvote(r.Context(), u, id, q, r.PostForm.Get("up") != "0"); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "", fmt.Sprintf("q-%d", q))
}

func (h *Handler) moderate(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "q")
	if !ok {
		return
	}
	u, id, q := req.User, req.ID, req.PathID("q")
	f := r.PostForm
	if err := h.svc.Moderate(withIP(h, r), u, id, q, f.Get("action"), f.Get("answer"), web.FormInt(f.Get("into"))); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("q-%d", q))
}
