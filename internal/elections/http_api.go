package elections

import (
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// listQuery documents the filters of GET /api/v1/elections.
func listQuery() []api.Param {
	return api.ListQuery(
		api.Param{Name: "organization_id", Description: "only this organization's elections"},
		api.Param{Name: "meeting_id", Description: "only the elections held at this meeting"},
		api.Param{Name: "from", Description: "only elections opened (or, not yet open, created) at or after this time (RFC 3339 or YYYY-MM-DD)"},
		api.Param{Name: "to", Description: "only elections opened (or, not yet open, created) before this time (RFC 3339 or YYYY-MM-DD)"},
		api.Param{Name: "status", Description: "draft, open, closed or published"})
}

// apiList is GET /api/v1/elections: newest first, keyset-paged by id. The
// pages show every election to everyone; each item is what GET
// /elections/{id} shows the same reader.
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := api.NewFilter(r.URL.Query())
	if v := f.Q.Get("cursor"); v != "" {
		var after int64
		if err := api.DecodeCursor(v, &after); err != nil || after <= 0 {
			f.Invalid("cursor", "api.invalid_cursor")
		}
		f.Add("e.id < ?", after)
	}
	f.ID("organization_id", "e.org_id")
	f.ID("meeting_id", "e.meeting_id")
	f.Time("from", "COALESCE(e.opened_at, e.created_at) >= ?")
	f.Time("to", "COALESCE(e.opened_at, e.created_at) < ?")
	switch v := f.Q.Get("status"); v {
	case "":
	case Draft, Open, Closed, Published:
		f.Add("e.status = ?", v)
	default:
		f.Invalid("status", "validation.invalid_value")
	}
	if err := f.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	rows, err := h.svc.db.Query(ctx, "SELECT "+electionColumns+" FROM elections e JOIN organizations o ON o.id = e.org_id "+
		f.Where+" ORDER BY e.id DESC LIMIT ?", append(f.Args, limit+1)...)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var list []*Election
	for rows.Next() {
		e, err := scanElection(rows, i18n.KK)
		if err != nil {
			rows.Close()
			h.srv.Fail(w, r, err)
			return
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := api.Paginate(list, limit, func(e *Election) []any { return []any{e.ID} })
	cands, err := h.candidatesOf(r, page.Items)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	out := api.Page[ElectionOut]{Items: make([]ElectionOut, 0, len(page.Items)), NextCursor: page.NextCursor}
	officer := map[int64]bool{} // by organization
	for _, e := range page.Items {
		off, seen := officer[e.OrgID]
		if !seen {
			if off, err = h.svc.IsOfficer(ctx, u, e); err != nil {
				h.srv.Fail(w, r, err)
				return
			}
			officer[e.OrgID] = off
		}
		out.Items = append(out.Items, electionOut(e, cands[e.ID], u, off))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// candidatesOf reads the candidates of the listed elections in one query,
// by election, in the order of Candidates.
func (h *Handler) candidatesOf(r *http.Request, list []*Election) (map[int64][]Candidate, error) {
	out := map[int64][]Candidate{}
	if len(list) == 0 {
		return out, nil
	}
	args := make([]any, len(list))
	for i, e := range list {
		args[i] = e.ID
	}
	rows, err := h.svc.db.Query(r.Context(), `SELECT c.election_id, c.id, c.person_id, u.name, c.status, COALESCE(c.nominated_by, 0)
		FROM election_candidates c JOIN users u ON u.id = c.person_id WHERE c.election_id IN (?`+strings.Repeat(", ?", len(args)-1)+`)
		ORDER BY u.name, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var eid int64
		var c Candidate
		if err := rows.Scan(&eid, &c.ID, &c.PersonID, &c.Name, &c.Status, &c.NominatedBy); err != nil {
			return nil, err
		}
		out[eid] = append(out[eid], c)
	}
	return out, rows.Err()
}
