package mentorship

import (
	"net/http"

	"github.com/ortaq/ortaq/internal/web"
)

type listItem struct {
	ID        int64
	Title     string
	Org       string
	Mentors   int
	FreeSeats int
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.BeginGuest(w, r); !ok {
		return
	}
	l := web.LangOf(r)
	pools, err := h.svc.Pools(r.Context(), 0, 0, 100)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var items []listItem
	for _, p := range pools {
		items = append(items, listItem{ID: p.ID, Title: p.Title.In(l), Org: p.OrgName.In(l), Mentors: p.Mentors, FreeSeats: p.FreeSeats})
	}
	h.srv.Render(w, r, http.StatusOK, "mentorship_list", &web.PageData{Title: h.srv.T(r, "mentorship.pools"), Data: items})
}
