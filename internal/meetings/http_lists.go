package meetings

import (
	"html/template"
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
	past := q.Get("when") == "past"
	// A meeting stays among the coming ones for a day after it ended (its
	// minutes are being written); then it is a past one.
	edge := h.svc.db.Now().Add(-24 * time.Hour)
	var ms []*Meeting
	var err error
	if past {
		ms, err = h.svc.Past(r.Context(), org, edge, after, afterID, limit+1)
	} else {
		ms, err = h.svc.List(r.Context(), org, edge, after, afterID, limit+1)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	data := map[string]any{"Org": org, "Past": past}
	if len(ms) > limit {
		ms = ms[:limit]
		data["Next"] = api.EncodeCursor(ms[limit-1].StartsAt, ms[limit-1].ID)
	}
	data["Meetings"] = ms
	title := h.srv.T(r, "meetings.title")
	if past {
		title = h.srv.T(r, "meetings.past")
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_list", &web.PageData{Title: title, Data: data})
}

// orgMeetings is what an organization's page lists of its meetings.
type orgMeetings struct {
	OrgID      int64
	Coming     []*Meeting
	Past       []*Meeting
	MoreComing bool
	MorePast   bool
}

// orgSection lists an organization's coming and past meetings on its page
// (web.Parts): the same for every reader, rendered once a moment.
func (h *Handler) orgSection(r *http.Request, orgID int64) (template.HTML, error) {
	const n = 5
	html, v, err := h.srv.Fragment(r, "meetings_list", "meetings_org_section", orgID, func() (any, error) {
		coming, past, err := h.svc.OfOrg(r.Context(), orgID, h.svc.db.Now().Add(-24*time.Hour), n+1)
		if err != nil {
			return nil, err
		}
		v := &orgMeetings{OrgID: orgID, MoreComing: len(coming) > n, MorePast: len(past) > n}
		v.Coming, v.Past = coming[:min(n, len(coming))], past[:min(n, len(past))]
		return v, nil
	})
	if err != nil {
		return "", err
	}
	if m := v.(*orgMeetings); len(m.Coming) == 0 && len(m.Past) == 0 {
		return "", nil
	}
	return html, nil
}
