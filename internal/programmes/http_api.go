package programmes

import (
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/errs"
)

// listQuery documents the filters of GET /api/v1/programmes.
func listQuery() []api.Param {
	return api.ListQuery(
		api.Param{Name: "organization_id", Description: "only this organization's programmes"},
		api.Param{Name: "from", Description: "only programmes still running on or after this date (YYYY-MM-DD or RFC 3339)"},
		api.Param{Name: "to", Description: "only programmes starting on or before this date (YYYY-MM-DD or RFC 3339)"},
		api.Param{Name: "status", Description: "upcoming, running or ended (by the programme's dates, today in UTC)"})
}

// parseDay reads a date filter as YYYY-MM-DD (or an RFC 3339 time, of which
// the UTC date counts).
func parseDay(s string) (string, bool) {
	t, ok := api.ParseTime(s)
	if !ok {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// apiList is GET /api/v1/programmes: every programme (the pages show all
// of them to everyone), newest first, keyset-paged by id.
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	limit, err := h.Srv.Limit(r, 50, 200)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	var fs errs.Fields
	where, args := "WHERE 1=1", []any{}
	if v := q.Get("cursor"); v != "" {
		var after int64
		if err := api.DecodeCursor(v, &after); err != nil || after <= 0 {
			fs.Add("cursor", "api.invalid_cursor")
		}
		where += " AND p.id < ?"
		args = append(args, after)
	}
	if v := q.Get("organization_id"); v != "" {
		if org, err := strconv.ParseInt(v, 10, 64); err != nil || org <= 0 {
			fs.Add("organization_id", "validation.invalid_value")
		} else {
			where += " AND p.org_id = ?"
			args = append(args, org)
		}
	}
	if v := q.Get("from"); v != "" {
		if d, ok := parseDay(v); !ok {
			fs.Add("from", "validation.invalid_value")
		} else {
			where += " AND (p.ends_on = '' OR p.ends_on IS NULL OR p.ends_on >= ?)"
			args = append(args, d)
		}
	}
	if v := q.Get("to"); v != "" {
		if d, ok := parseDay(v); !ok {
			fs.Add("to", "validation.invalid_value")
		} else {
			where += " AND (p.starts_on = '' OR p.starts_on IS NULL OR p.starts_on <= ?)"
			args = append(args, d)
		}
	}
	today := h.S.DB.Now().UTC().Format("2006-01-02")
	switch q.Get("status") {
	case "":
	case "upcoming":
		where += " AND p.starts_on > ?"
		args = append(args, today)
	case "running":
		where += " AND (p.starts_on = '' OR p.starts_on IS NULL OR p.starts_on <= ?) AND (p.ends_on = '' OR p.ends_on IS NULL OR p.ends_on >= ?)"
		args = append(args, today, today)
	case "ended":
		where += " AND p.ends_on <> '' AND p.ends_on < ?"
		args = append(args, today)
	default:
		fs.Add("status", "validation.invalid_value")
	}
	if err := fs.Err(); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	rows, err := h.S.DB.Query(r.Context(), "SELECT p.id FROM programmes p "+where+" ORDER BY p.id DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			h.Srv.Fail(w, r, err)
			return
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	page := api.Paginate(ids, limit, func(id int64) []any { return []any{id} })
	out := api.Page[ProgrammeOut]{Items: make([]ProgrammeOut, 0, len(page.Items)), NextCursor: page.NextCursor}
	now := h.S.DB.Now()
	for _, id := range page.Items {
		p, err := h.S.Cached(r.Context(), id)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		out.Items = append(out.Items, Out(p, now))
	}
	api.WriteJSON(w, http.StatusOK, out)
}
