package meetings

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// --- list, create, show

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	const limit = 30
	q := r.URL.Query()
	var after time.Time
	var afterID int64
	if c := q.Get("after"); c != "" {
		if err := api.DecodeCursor(c, &after, &afterID); err != nil {
			h.srv.Fail(w, r, errs.New(errs.BadRequest, "api.invalid_cursor"))
			return
		}
	}
	org, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	ms, err := h.svc.List(r.Context(), org, h.svc.db.Now().Add(-24*time.Hour), after, afterID, limit+1)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	data := map[string]any{"Org": org}
	if len(ms) > limit {
		ms = ms[:limit]
		data["Next"] = api.EncodeCursor(ms[limit-1].StartsAt, ms[limit-1].ID)
	}
	data["Meetings"] = ms
	h.srv.Render(w, r, http.StatusOK, "meetings_list", &web.PageData{Title: h.srv.T(r, "meetings.title"), Data: data})
}
