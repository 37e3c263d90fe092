package proposals

import (
	"crypto/rand"
	"encoding/binary"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/web"
)

func filterOf(r *http.Request, programmeID int64) Filter {
	q := r.URL.Query()
	f := Filter{ProgrammeID: programmeID, Region: q.Get("region"), Status: q.Get("status"), Q: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	f.DirectionID, _ = strconv.ParseInt(q.Get("direction"), 10, 64)
	if s := q.Get("seed"); s != "" {
		var err error
		if f.Seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			f.Seed = -1 // refused by Validate
		}
	}
	return f
}

func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) % 1_000_000)
}

// listView is the list page. Main is everything but the moderators'
// links, rendered once per moment for every reader from the rest.
type listView struct {
	P       *programmes.Programme
	Lang    i18n.Lang
	Main    template.HTML
	CanMod  bool
	Items   []*Proposal
	Next    string
	Filter  Filter
	Regions []struct{ Code, Name string }
	Phase   string
	Closed  string // why proposals and supports are closed, outside the collecting stage
}

func (v listView) T(t i18n.Text) string { return t.In(v.Lang) }

// Dir names a direction.
func (v listView) Dir(id int64) string {
	if d, ok := v.P.Direction(id); ok {
		return d.Title.In(v.Lang)
	}
	return ""
}

func (h *Handler) programme(w http.ResponseWriter, r *http.Request) (*programmes.Programme, bool) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return nil, false
	}
	p, err := h.S.Programmes.Cached(r.Context(), req.ID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return nil, false
	}
	return p, true
}

func (h *Handler) regionOptions(l i18n.Lang, p *programmes.Programme) []struct{ Code, Name string } {
	var out []struct{ Code, Name string }
	for _, o := range h.S.Programmes.Regions.Options(l) {
		if p.CoversRegion(o.Code) {
			out = append(out, struct{ Code, Name string }{o.Code, o.Name})
		}
	}
	return out
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	f := filterOf(r, p.ID)
	if f.Sort == "random" && r.URL.Query().Get("seed") == "" {
		// A seed of its own for this visitor, kept in the links.
		q := r.URL.Query()
		q.Set("seed", strconv.FormatInt(randomSeed(), 10))
		http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	f.Limit = 20
	l := web.LangOf(r)
	// The page but the moderators' links is rendered once per moment for
	// every reader (the key is the programme and the query, which name the
	// filter and the page); the reader's own supports are marked in it per
	// request.
	main, data, err := h.Srv.Fragment(r, "proposals_list", "main", listKey{p.ID, r.URL.RawQuery}, func() (any, error) {
		items, next, err := h.S.List(r.Context(), f)
		if err != nil {
			return nil, err
		}
		now := h.S.DB.Now()
		v := listView{P: p, Lang: l, Items: items, Filter: f, Regions: h.regionOptions(l, p), Phase: p.PhaseAt(now)}
		if v.Phase != "proposals" {
			v.Closed = h.closedNote(r, p, now)
		}
		if next != "" {
			q := r.URL.Query()
			q.Set("cursor", next)
			v.Next = q.Encode()
		}
		return v, nil
	})
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	v := data.(listView)
	var mine []int64
	if u := web.UserOf(r); u != nil {
		ids := make([]int64, len(v.Items))
		for i, it := range v.Items {
			ids[i] = it.ID
		}
		mine, err = h.S.SupportedAmong(r.Context(), u.ID, ids)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		v.CanMod = h.S.CanModerate(r.Context(), u, p.ID)
	}
	// The reader's own supports are shown in the rows they are written
	// hidden in.
	v.Main = h.Srv.Reveal(main, func(key string) bool {
		id, err := strconv.ParseInt(key, 10, 64)
		return err == nil && slices.Contains(mine, id)
	})
	h.Srv.Render(w, r, http.StatusOK, "proposals_list", &web.PageData{Title: h.Srv.T(r, "proposals.title") + " · " + p.Title.In(l), Data: v})
}

// listKey names a list fragment: the programme and the query, which name
// the filters, the order and the page.
type listKey struct {
	Programme int64
	Query     string
}

func (h *Handler) reports(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.Begin(w, r)
	if !ok {
		return
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	list, err := h.S.Reports(r.Context(), req.User, p.ID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Render(w, r, http.StatusOK, "proposals_reports", &web.PageData{Title: h.Srv.T(r, "proposals.reports"),
		Data: map[string]any{"P": p, "Items": list, "Lang": web.LangOf(r)}})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	format := r.URL.Query().Get("format")
	if format != tabular.XLSX {
		format = tabular.CSV
	}
	// Permission first, so that a refusal is a page and not a file.
	rules, err := h.S.Programmes.Rules(r.Context(), id)
	if err == nil {
		err = h.S.Auth.Require(r.Context(), u, rules.OrgID, auth.Moderator)
	}
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	name := "proposals-" + strconv.FormatInt(id, 10) + "." + format
	w.Header().Set("Content-Type", tabular.ContentType(format))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if err := h.S.Export(r.Context(), u, id, format, h.BaseURL, w); err != nil {
		h.Srv.Fail(w, r, err)
	}
}

// Statuses and Sorts are the list's choices.
func (v listView) Statuses() []string { return Statuses }

// Sorts are the list's orders.
func (v listView) Sorts() []string { return Sorts }
