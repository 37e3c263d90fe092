package orgs

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// ---- the directory ----

func (h *Handler) filterFrom(q url.Values) (Filter, bool) {
	f := Filter{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), Region: q.Get("region"),
		Cursor: q.Get("cursor"), Archived: q.Get("archived") == "1"}
	tree := q.Get("view") == "tree"
	if p, err := strconv.ParseInt(q.Get("parent"), 10, 64); err == nil && p > 0 {
		f.Parent = p
	}
	return f, tree
}

// dirBlock is the directory without what depends on the reader: the
// filter form and the page of organizations (a table or a tree), rendered
// once per moment for everyone who asks for the same filter
// (web.Server.Fragment).
type dirBlock struct {
	Q, Kind, Region string // the filter as the form shows it
	Kinds, Regions  []option
	District        *option
	Errors          map[string]string
	Parent          int64
	Rows            []orgRow
	Tree            bool
	Nodes           []treeNode
	Open            bool
	Next            string
	ParentName      string
	Crumbs          []crumb
	Err             error // the filter's field errors (the page is a 422)
}

func (h *Handler) directory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, tree := h.filterFrom(q)
	f.Limit = 50
	f.Lang = web.LangOf(r) // English readers get English order
	if tree {
		f.Roots = f.Parent == 0
	}
	// Everything the blocks depend on, normalized: the key of their copies
	// and the next page's link.
	norm := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "kind": f.Kind, "region": f.Region, "cursor": f.Cursor} {
		if v != "" {
			norm.Set(k, v)
		}
	}
	if f.Parent != 0 {
		norm.Set("parent", strconv.FormatInt(f.Parent, 10))
	}
	if f.Archived {
		norm.Set("archived", "1")
	}
	if tree {
		norm.Set("view", "tree")
	}
	key := norm.Encode()
	head, v, err := h.srv.Fragment(r, "orgs_list", "orgs_list_head", key, func() (any, error) {
		return h.directoryBlock(r, f, tree, norm)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := v.(*dirBlock)
	rows, _, err := h.srv.Fragment(r, "orgs_list", "orgs_list_rows", key, func() (any, error) { return b, nil })
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The reader's part: links to exports and, for platform administrators,
	// to new organizations and the regions.
	u := web.UserOf(r)
	norm.Del("cursor")
	norm.Del("view")
	data := map[string]any{"Head": head, "Rows": rows, "Tree": tree, "Query": norm.Encode(),
		"CanCreateRoot": u != nil && u.IsAdmin}
	status := http.StatusOK
	if b.Err != nil {
		status = http.StatusUnprocessableEntity
	}
	h.srv.Render(w, r, status, "orgs_list", &web.PageData{Title: h.srv.T(r, "orgs.directory.title"), Data: data})
}

// directoryBlock loads the directory's page of organizations for f.
func (h *Handler) directoryBlock(r *http.Request, f Filter, tree bool, norm url.Values) (*dirBlock, error) {
	ctx := r.Context()
	if err := h.svc.EnsureCounts(ctx); err != nil {
		return nil, err
	}
	h.svc.freshRegions(ctx)
	p := h.srv.Printer(r)
	b := &dirBlock{Q: f.Q, Kind: f.Kind, Region: f.Region, Kinds: kindOptions(p), Parent: f.Parent, Tree: tree}
	// The filter offers the regions; a district (from a link) stays selected.
	for _, r := range h.svc.regions.Options(p.Lang()) {
		b.Regions = append(b.Regions, option{Value: r.Code, Label: r.Name})
	}
	if reg, ok := h.svc.regions.Get(f.Region); ok && reg.Parent != "KZ" {
		b.District = &option{Value: reg.Code, Label: reg.NameIn(p.Lang())}
	}
	list, next, err := h.svc.List(ctx, f)
	if err != nil {
		fe, ok := web.FieldErrors(p, err)
		if !ok {
			return nil, err
		}
		b.Err, b.Errors = err, fe
	}
	b.Rows = make([]orgRow, len(list))
	for i, o := range list {
		b.Rows[i] = h.row(p, o)
	}
	if tree && len(list) > 0 {
		ids := make([]int64, len(list))
		for i, o := range list {
			ids[i] = o.ID
		}
		below, more, err := h.svc.TreeBelowIn(ctx, ids, treeChildren, f.Lang)
		if err != nil {
			return nil, err
		}
		b.Nodes = make([]treeNode, len(b.Rows))
		for i, row := range b.Rows {
			b.Nodes[i] = treeNode{orgRow: row, More: more[row.ID]}
			for _, c := range below[row.ID] {
				b.Nodes[i].Children = append(b.Nodes[i].Children, treeChild{ID: c.ID, Name: c.Name.In(p.Lang()),
					Kind: p.T("orgs.kind." + c.Kind), Count: c.Count, Below: c.Below})
			}
		}
		// A few organizations open at once; many stay folded, one line each.
		b.Open = len(b.Nodes) <= 5
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range norm {
			nq[k] = v
		}
		nq.Set("cursor", next)
		b.Next = "/organizations?" + nq.Encode()
	}
	if f.Parent != 0 {
		parent, err := h.svc.Get(ctx, f.Parent)
		if err == nil {
			anc, err := h.svc.Ancestors(ctx, parent)
			if err != nil {
				return nil, err
			}
			b.ParentName = parent.Name.In(p.Lang())
			b.Crumbs = h.crumbs(p.Lang(), anc)
		} else if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
	}
	return b, nil
}

// treeChildren is how many organizations the tree shows below each of the
// page's organizations; the rest are a link away.
const treeChildren = 12

type treeNode struct {
	orgRow
	Children []treeChild
	More     bool
}

type treeChild struct {
	ID         int64
	Name, Kind string
	Count      int
	Below      bool
}

type crumb struct {
	ID   int64
	Name string
}

func (h *Handler) crumbs(l i18n.Lang, anc []Named) []crumb {
	out := make([]crumb, len(anc))
	for i, a := range anc {
		out[i] = crumb{ID: a.ID, Name: a.Name.In(l)}
	}
	return out
}

func (h *Handler) exportOrgs(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	q := r.URL.Query()
	f, _ := h.filterFrom(q)
	format := q.Get("format")
	if err := CheckFormat(format); err != nil {
		h.fail(w, r, err)
		return
	}
	// Validate before the headers go out: an error is still a page.
	if _, _, err := h.svc.List(r.Context(), Filter{Q: f.Q, Kind: f.Kind, Region: f.Region, Parent: f.Parent, Limit: 1}); err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := h.svc.ExportOrgs(r.Context(), u, f, &buf, format); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, format, "organizations", buf.Bytes())
}
