package proposals

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Handler serves proposal pages and API.
type Handler struct {
	S       *Service
	Srv     *web.Server
	BaseURL string
	Roadmap Roadmaps
}

// Register adds the routes and templates.
func (h *Handler) Register() error {
	if err := h.Srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	s := h.Srv
	s.PageCached("GET /programmes/{id}/proposals", h.list)
	s.Page("GET /programmes/{id}/proposals/new", h.newForm)
	s.Page("POST /programmes/{id}/proposals", h.create)
	s.Page("GET /programmes/{id}/proposals/export", h.export)
	s.Page("GET /programmes/{id}/reports", h.reports)
	s.PageCached("GET /proposals/{id}", h.show)
	s.Page("GET /proposals/{id}/attachment", h.attachment)
	s.Page("POST /proposals/{id}/support", h.support)
	s.Page("POST /proposals/{id}/follow", h.follow)
	s.Page("POST /proposals/{id}/comments", h.comment)
	s.Page("POST /proposals/{id}/report", h.report)
	s.Page("POST /proposals/{id}/answer", h.answer)
	s.Page("POST /proposals/{id}/hide", h.hide)
	s.Page("POST /proposals/{id}/merge", h.merge)
	s.Page("POST /proposals/{id}/reports/resolve", h.resolveReports)
	s.Page("POST /comments/{id}/edit", h.editComment)
	s.Page("POST /comments/{id}/hide", h.hideComment)

	listQ := api.ListQuery(api.Param{Name: "direction", Description: "direction id"}, api.Param{Name: "region", Description: "region code"},
		api.Param{Name: "status", Description: "new, evaluating, accepted or rejected"}, api.Param{Name: "q", Description: "text to search"},
		api.Param{Name: "sort", Description: "supports (default), newest, comments or random"},
		api.Param{Name: "seed", Type: "integer", Description: "for sort=random: the same seed gives the same order"})
	s.APIOperation(api.Operation{Method: "GET", Path: "/programmes/{id}/proposals", ID: "listProposals", Summary: "Proposals of a programme",
		Tags: []string{"proposals"}, Response: api.Page[ProposalOut]{}, Query: listQ, Errors: []int{404, 422}}, h.apiList)
	s.APIOperation(api.Operation{Method: "POST", Path: "/programmes/{id}/proposals", ID: "createProposal", Summary: "Submit a proposal (eligible people, while proposals are collected)",
		Description: "A JSON body, or multipart/form-data to attach a file: the part \"proposal\" holds the same JSON, the optional part \"attachment\" a PDF, PNG or JPEG " +
			"file of at most 768 KB (its type is judged by its content; a refusal names the field attachment). The proposal and its file are stored together or not at all. " +
			"The file is then downloaded from /{lang}/proposals/{id}/attachment; the proposal's attachment field gives its name and size.",
		Tags: []string{"proposals"}, Auth: true, Request: ProposalIn{}, Response: ProposalOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}}, h.apiCreate())
	s.APIOperation(api.Operation{Method: "GET", Path: "/proposals/{id}", ID: "getProposal", Summary: "A proposal with its answer and roadmap links",
		Tags: []string{"proposals"}, Response: ProposalOut{}, Errors: []int{404}}, h.apiGet)
	s.APIOperation(api.Operation{Method: "PUT", Path: "/proposals/{id}/support", ID: "supportProposal", Summary: "Support a proposal (idempotent)",
		Tags: []string{"proposals"}, Auth: true, Response: SupportResult{}, Errors: []int{401, 403, 404, 409}}, h.apiSupport(true))
	s.APIOperation(api.Operation{Method: "DELETE", Path: "/proposals/{id}/support", ID: "withdrawSupport", Summary: "Withdraw a support (idempotent)",
		Tags: []string{"proposals"}, Auth: true, Response: SupportResult{}, Errors: []int{401, 403, 404, 409}}, h.apiSupport(false))
	s.APIOperation(api.Operation{Method: "GET", Path: "/proposals/{id}/comments", ID: "listComments", Summary: "A proposal's comments in the order they were written (replies carry parent_id)",
		Tags: []string{"proposals"}, Response: api.Page[CommentOut]{}, Query: api.ListQuery(), Errors: []int{404, 422}}, h.apiComments)
	s.APIOperation(api.Operation{Method: "POST", Path: "/proposals/{id}/comments", ID: "commentProposal", Summary: "Comment on a proposal, or reply to a comment",
		Tags: []string{"proposals"}, Auth: true, Request: CommentIn{}, Response: CommentOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}}, h.apiComment())
	s.APIOperation(api.Operation{Method: "PUT", Path: "/proposals/{id}/answer", ID: "answerProposal", Summary: "Publish the official answer (moderators)",
		Tags: []string{"proposals"}, Auth: true, Request: AnswerIn{}, Response: ProposalOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiAnswer())
	return nil
}

func ctxIP(h *Handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.Srv.ClientIP(r))
}

func back(id int64) string { return "/proposals/" + strconv.FormatInt(id, 10) }

// ---- lists ----

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
	Main    web.Revealed
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
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return nil, false
	}
	p, err := h.S.Programmes.Cached(r.Context(), id)
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
	main, data, err := h.Srv.Fragment(r, "proposals_list", "main", strconv.FormatInt(p.ID, 10)+"?"+r.URL.RawQuery, func() (any, error) {
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
	// hidden in (for the same cost as the rows alone when gzipped).
	v.Main = h.Srv.Reveal(main, func(key string) bool {
		id, err := strconv.ParseInt(key, 10, 64)
		return err == nil && slices.Contains(mine, id)
	})
	h.Srv.Render(w, r, http.StatusOK, "proposals_list", &web.PageData{Title: h.Srv.T(r, "proposals.title") + " · " + p.Title.In(l), Data: v})
}

func (h *Handler) reports(w http.ResponseWriter, r *http.Request) {
	if h.Srv.SignedIn(w, r) == nil {
		return
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	list, err := h.S.Reports(r.Context(), web.UserOf(r), p.ID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Render(w, r, http.StatusOK, "proposals_reports", &web.PageData{Title: h.Srv.T(r, "proposals.reports"),
		Data: map[string]any{"P": p, "Items": list, "Lang": web.LangOf(r)}})
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	if h.Srv.SignedIn(w, r) == nil {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != tabular.XLSX {
		format = tabular.CSV
	}
	// Permission first, so that a refusal is a page and not a file.
	rules, err := h.S.Programmes.Rules(r.Context(), id)
	if err == nil {
		err = h.S.Auth.Require(r.Context(), web.UserOf(r), rules.OrgID, auth.Moderator)
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
	if err := h.S.Export(r.Context(), web.UserOf(r), id, format, h.BaseURL, w); err != nil {
		h.Srv.Fail(w, r, err)
	}
}

// ---- new proposal ----

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, p *programmes.Programme, status int, d *web.PageData) {
	l := web.LangOf(r)
	u := web.UserOf(r)
	var refusal string
	now := h.S.DB.Now()
	if err := h.S.Programmes.CanTakePart(u, p, now); err != nil {
		refusal = message(h.Srv.Printer(r), err)
	} else if err := programmes.RequirePhase(p, "proposals", now); err != nil {
		refusal = message(h.Srv.Printer(r), err)
	}
	if d.Form == nil {
		d.Form = url.Values{"region": {u.Region}}
	}
	d.Title = h.Srv.T(r, "proposals.new")
	d.Data = map[string]any{"P": listView{P: p, Lang: l}, "Regions": h.regionOptions(l, p), "Refusal": refusal, "MaxKB": MaxAttachment >> 10}
	h.Srv.Render(w, r, status, "proposals_form", d)
}

func message(p *i18n.Printer, err error) string {
	if e, ok := errs.As(err); ok {
		return p.T(e.Key, e.Args...)
	}
	return p.T("error.500.text")
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if h.Srv.SignedIn(w, r) == nil {
		return
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	h.formPage(w, r, p, http.StatusOK, &web.PageData{})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	u := h.Srv.SignedIn(w, r)
	if u == nil {
		return
	}
	if err := r.ParseMultipartForm(MaxAttachment + 64<<10); err != nil {
		if !h.Srv.ParseForm(w, r) {
			return
		}
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	f := r.Form
	in := NewProposal{Title: f.Get("title"), Body: f.Get("body"), Region: f.Get("region")}
	in.DirectionID, _ = strconv.ParseInt(f.Get("direction_id"), 10, 64)
	if file, hdr, err := r.FormFile("attachment"); err == nil {
		data, err := io.ReadAll(io.LimitReader(file, MaxAttachment+1))
		file.Close()
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		in.Attachment = &Attachment{Name: hdr.Filename, Data: data}
	}
	pr, err := h.S.Create(r.Context(), u, p.ID, in)
	if err != nil {
		fe, ok := web.FieldErrors(h.Srv.Printer(r), err)
		if !ok {
			h.Srv.Fail(w, r, err)
			return
		}
		h.formPage(w, r, p, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: f})
		return
	}
	h.Srv.Redirect(w, r, back(pr.ID), "proposals.created")
}

// ---- one proposal ----

// proposalPart is the part of a proposal's page that is the same for
// every reader — the proposal, its answer, its roadmap links — loaded and
// rendered at most once per moment (see showWith). Shared: never changed
// after load.
type proposalPart struct {
	*Proposal
	P         *programmes.Programme
	Lang      i18n.Lang
	Body      template.HTML
	AnswerH   template.HTML
	Direction string
	Region    string
	Into      *Proposal
	Roadmap   []RoadmapRef
}

func (v *proposalPart) T(t i18n.Text) string { return t.In(v.Lang) }

// showView is the rest of the page, made per request: the reader's
// buttons, forms and links around the parts rendered for everyone. Its
// fields are plain (no embedded struct): the template looks each one up by
// reflection on every request.
type showView struct {
	ID           int64
	MergedInto   int64
	Hidden       bool
	Status       string
	Answer       string
	SupportCount int
	Head         template.HTML // the proposal (proposalPart's "head")
	Tail         template.HTML // its answer and roadmap links ("tail")
	Thread       template.HTML // the comments (threadView, rendered once per moment) with the reader's links
	Support      template.HTML // the "support" block for readers in this one's state (see stateKeys); empty: rendered in the page
	Forms        template.HTML // the "forms" block, likewise
	SignedIn     bool
	Limited      bool     // signed in, but may not take part yet (a minor without consent)
	ReplyTo      *Comment // the comment the comment form answers (?reply=)
	EditC        *Comment // the reader's own comment to edit (?edit=)
	ReportC      *Comment // the comment to report (?report=)
	HideC        *Comment // the comment a moderator hides (?hide=)
	Supported    bool
	Following    bool
	CanMod       bool
	CanAct       bool
	Refusal      string
	Open         bool
	Now          time.Time
	Closed       string // why supports are closed, when the collecting stage is not running
}

// Editable reports whether the viewer may still edit comment c.
func (v *showView) Editable(c Comment, u *auth.User) bool {
	return u != nil && c.AuthorID == u.ID && !c.Hidden && v.Now.Sub(c.CreatedAt) <= EditWindow
}

func latin(l i18n.Lang, s string) template.HTML {
	if l == i18n.KKLatn {
		return template.HTML(kazakh.ToLatin(s))
	}
	return template.HTML(s)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	h.showWith(w, r, http.StatusOK, &web.PageData{})
}

// loadPart reads what every reader sees of proposal id: 1 query, 2 when
// it was merged, and 1 for its roadmap links.
func (h *Handler) loadPart(r *http.Request, id int64) (*proposalPart, error) {
	ctx := r.Context()
	pr, err := h.S.get(ctx, id, false)
	if err != nil {
		return nil, err
	}
	p, err := h.S.Programmes.Cached(ctx, pr.ProgrammeID)
	if err != nil {
		return nil, err
	}
	l := web.LangOf(r)
	v := &proposalPart{Proposal: pr, P: p, Lang: l, Body: latin(l, string(pr.BodyHTML)), AnswerH: latin(l, string(pr.AnswerHTML))}
	if dir, ok := p.Direction(pr.DirectionID); ok {
		v.Direction = dir.Title.In(l)
	}
	if reg, ok := h.S.Programmes.Regions.Get(pr.Region); ok {
		v.Region = reg.NameIn(l)
	}
	if pr.MergedInto != 0 {
		// The proposal it was merged into, unless that one has been hidden
		// since (this part is shared by every reader).
		if into, _ := h.S.get(ctx, pr.MergedInto, false); into != nil && !into.Hidden {
			v.Into = into
		}
	}
	if h.Roadmap != nil {
		if v.Roadmap, err = h.Roadmap.ForProposal(ctx, id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// showWith serves a proposal's page. What is the same for every reader —
// the proposal with its answer and roadmap links, and the comments — comes
// from fragments rendered at most once per moment (emptied by any change
// on this node, like guests' pages); per request there remain the
// reader's support and follow (1 query when signed in) and their role
// (remembered by auth), and the small template around the fragments.
func (h *Handler) showWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	key := strconv.FormatInt(id, 10)
	head, data, err := h.Srv.Fragment(r, "proposals_show", "head", key, func() (any, error) { return h.loadPart(r, id) })
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pp := data.(*proposalPart)
	p, err := h.S.Programmes.Cached(ctx, pp.ProgrammeID)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	now := h.S.DB.Now()
	v := showView{ID: id, MergedInto: pp.MergedInto, Hidden: pp.Hidden, Status: pp.Status, Answer: pp.Answer, SupportCount: pp.SupportCount,
		Head: head, Now: now, CanMod: h.S.CanModerate(ctx, u, p.ID), Open: p.PhaseAt(now) == "proposals",
		SignedIn: u != nil, Limited: u != nil && u.Limited()}
	if pp.Hidden {
		// Only its author and the moderators read a hidden proposal; the
		// shared parts were made for them.
		if err := h.S.Readable(ctx, u, pp.Proposal); err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
	}
	if v.Tail, _, err = h.Srv.Fragment(r, "proposals_show", "tail", key, func() (any, error) { return pp, nil }); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if !v.Open {
		v.Closed = h.closedNote(r, p, now)
	}
	if err := h.S.Programmes.CanTakePart(u, p, now); err != nil {
		v.Refusal = message(h.Srv.Printer(r), err)
	} else {
		v.CanAct = true
	}
	if err := h.thread(r, pp, &v, d); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if u != nil {
		vw, err := h.S.ViewerOf(ctx, u, id)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		v.Supported, v.Following = vw.Supports, vw.Following
	}
	if d.Errors == nil && d.Form == nil {
		// The reader's buttons and forms are the same for every reader in
		// the same state: rendered once per moment for each state.
		support, forms := v.stateKeys()
		state := func() (any, error) {
			c := v // what the blocks read, without the parts (kept with the copy)
			c.Head, c.Tail, c.Thread = "", "", ""
			return &c, nil
		}
		if v.Support, _, err = h.Srv.Fragment(r, "proposals_show", "support", support, state); err == nil {
			v.Forms, _, err = h.Srv.Fragment(r, "proposals_show", "forms", forms, state)
		}
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
	}
	d.Title = pp.Title
	if pp.Lang == i18n.KKLatn {
		d.Title = kazakh.ToLatin(pp.Title)
	}
	d.Data = &v
	h.Srv.Render(w, r, status, "proposals_show", d)
}

// stateKeys name everything the blocks "support" and "forms" show: two
// readers with the same key get the same HTML.
func (v *showView) stateKeys() (support, forms string) {
	b := func(x bool) byte {
		if x {
			return '1'
		}
		return '0'
	}
	id := func(c *Comment) string {
		if c == nil {
			return "-"
		}
		return strconv.FormatInt(c.ID, 10)
	}
	common := strconv.FormatInt(v.ID, 10) + ":" + strconv.FormatInt(v.MergedInto, 10) + ":" +
		string([]byte{b(v.Hidden), b(v.SignedIn), b(v.Limited)})
	support = common + ":" + strconv.Itoa(v.SupportCount) + ":" + string([]byte{b(v.Open), b(v.CanAct), b(v.Supported), b(v.Following)}) +
		"\x00" + v.Closed + "\x00" + v.Refusal
	forms = common + ":" + id(v.ReplyTo) + ":" + id(v.EditC) + ":" + id(v.ReportC) + ":" + id(v.HideC)
	return support, forms
}

// threadView is a proposal's comments: the same for every reader.
type threadView struct {
	Count    int
	Open     bool // replies are taken: the proposal is neither hidden nor merged
	Actions  bool // the reply and report links, for people who may comment
	Comments []Comment
}

// thread fills v's comments: the thread rendered at most once per moment
// for every reader (the key names the proposal, whether it takes replies
// and its comment count, so a new comment misses on every node), then the
// reader's own links (edit, hide) in it and the form a link asked for.
func (h *Handler) thread(r *http.Request, pp *proposalPart, v *showView, d *web.PageData) error {
	u := web.UserOf(r)
	open, actions := !pp.Hidden && pp.MergedInto == 0, u != nil && !u.Limited()
	key := fmt.Sprintf("%d:%t:%t:%d", pp.ID, open, actions, pp.CommentCount)
	html, data, err := h.Srv.Fragment(r, "proposals_show", "thread", key, func() (any, error) {
		list, err := h.S.Comments(r.Context(), pp.ID)
		return threadView{Count: pp.CommentCount, Open: open, Actions: actions, Comments: list}, err
	})
	if err != nil {
		return err
	}
	v.Thread = html
	if !actions {
		return nil
	}
	tv := data.(threadView)
	v.Thread = h.readerLinks(r, html, tv.Comments, v, u)
	find := func(s string) *Comment {
		if s == "" {
			return nil
		}
		id, _ := strconv.ParseInt(s, 10, 64)
		for i := range tv.Comments {
			if c := &tv.Comments[i]; c.ID == id && id != 0 && !c.Hidden {
				return c
			}
		}
		return nil
	}
	q := r.URL.Query()
	reply := q.Get("reply")
	if d.Form != nil && d.Form.Get("parent_id") != "" {
		reply = d.Form.Get("parent_id")
	}
	if c := find(reply); c != nil && open {
		v.ReplyTo = c
	}
	if c := find(q.Get("edit")); c != nil && v.Editable(*c, u) {
		v.EditC = c
	}
	v.ReportC = find(q.Get("report"))
	if c := find(q.Get("hide")); c != nil && v.CanMod {
		v.HideC = c
	}
	return nil
}

// readerLinks adds the reader's own links to the thread: edit after each
// of their comments still editable, hide after every comment for
// moderators. Each goes right after the comment's report link, which only
// the template writes (anything a person wrote is escaped, so it has no
// "<a"); the comments are in the thread's order, so one pass finds them.
func (h *Handler) readerLinks(r *http.Request, html template.HTML, comments []Comment, v *showView, u *auth.User) template.HTML {
	s := string(html)
	var b strings.Builder
	var edit, hide string
	at := 0
	for i := range comments {
		c := &comments[i]
		if c.Hidden {
			continue
		}
		editable := v.Editable(*c, u)
		if !editable && !v.CanMod {
			continue
		}
		n := strconv.FormatInt(c.ID, 10)
		mark := `<a href="?report=` + n + `#report-form">`
		i := strings.Index(s[at:], mark)
		if i < 0 {
			continue
		}
		j := strings.Index(s[at+i+len(mark):], "</a>")
		if j < 0 {
			continue
		}
		end := at + i + len(mark) + j + len("</a>")
		if b.Len() == 0 {
			b.Grow(len(s) + 1024)
			pt := h.Srv.Printer(r)
			edit, hide = template.HTMLEscapeString(pt.T("proposals.edit")), template.HTMLEscapeString(pt.T("proposals.hide"))
		}
		b.WriteString(s[at:end])
		if editable {
			b.WriteString(` · <a href="?edit=` + n + `#edit-form">` + edit + `</a>`)
		}
		if v.CanMod {
			b.WriteString(` · <a href="?hide=` + n + `#hide-form">` + hide + `</a>`)
		}
		at = end
	}
	if at == 0 {
		return html
	}
	b.WriteString(s[at:])
	return template.HTML(b.String())
}

// closedNote says why supports are closed: collecting has not begun yet,
// has ended (and which stage runs now), or the programme has no
// collecting stage.
func (h *Handler) closedNote(r *http.Request, p *programmes.Programme, now time.Time) string {
	pt := h.Srv.Printer(r)
	for _, ph := range p.Phases {
		if ph.Kind != "proposals" {
			continue
		}
		if now.Before(ph.StartsAt) {
			return pt.T("proposals.closed_not_yet", "date", pt.Date(ph.StartsAt))
		}
		last := ph.LastDay()
		if cur := p.PhaseAt(now); cur != "" {
			return pt.T("proposals.closed_ended_now", "date", pt.Date(last), "phase", pt.T("programmes.phase."+cur))
		}
		return pt.T("proposals.closed_ended", "date", pt.Date(last))
	}
	return pt.T("proposals.closed_none")
}

// act runs a state change from a proposal page's form and goes back to
// the page, or shows the page again with the form's errors.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, fn func(u *auth.User, id int64, f url.Values) (string, error)) {
	u := h.Srv.SignedIn(w, r)
	if u == nil || !h.Srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	flash, err := fn(u, id, r.PostForm)
	if err != nil {
		if fe, ok := web.FieldErrors(h.Srv.Printer(r), err); ok {
			h.showWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
			return
		}
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(id), flash)
}

func (h *Handler) support(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		on := f.Get("on") != "0"
		res, err := h.S.Support(r.Context(), u, id, on)
		switch {
		case err != nil:
			return "", err
		case !res.Changed && on:
			return "proposals.already_supported", nil
		case on:
			return "proposals.supported", nil
		}
		return "proposals.withdrawn", nil
	})
}

func (h *Handler) follow(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		on := f.Get("on") != "0"
		if on {
			return "proposals.following", h.S.Follow(r.Context(), u, id, true)
		}
		return "proposals.unfollowed", h.S.Follow(r.Context(), u, id, false)
	})
}

func (h *Handler) comment(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		parent, _ := strconv.ParseInt(f.Get("parent_id"), 10, 64)
		_, err := h.S.AddComment(r.Context(), u, id, parent, f.Get("body"))
		return "proposals.commented", err
	})
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		cid, _ := strconv.ParseInt(f.Get("comment_id"), 10, 64)
		return "proposals.reported", h.S.Report(r.Context(), u, id, cid, f.Get("reason"))
	})
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		_, err := h.S.SetAnswer(ctxIP(h, r), u, id, f.Get("status"), f.Get("text"))
		return "proposals.answered", err
	})
}

func (h *Handler) hide(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		hide := f.Get("hide") != "0"
		return "proposals.moderated", h.S.Hide(ctxIP(h, r), u, id, hide, f.Get("reason"))
	})
}

func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		into, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("into")), "#"), 10, 64)
		return "proposals.merged", h.S.Merge(ctxIP(h, r), u, id, into)
	})
}

func (h *Handler) resolveReports(w http.ResponseWriter, r *http.Request) {
	u := h.Srv.SignedIn(w, r)
	if u == nil || !h.Srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	cid, _ := strconv.ParseInt(r.PostForm.Get("comment_id"), 10, 64)
	if _, err := h.S.ResolveReports(ctxIP(h, r), u, id, cid); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pr, err := h.S.get(r.Context(), id, false)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(pr.ProgrammeID, 10)+"/reports", "proposals.reports_resolved")
}

func (h *Handler) editComment(w http.ResponseWriter, r *http.Request) {
	u := h.Srv.SignedIn(w, r)
	if u == nil || !h.Srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pid, err := h.S.EditComment(r.Context(), u, id, r.PostForm.Get("body"))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(pid)+"#c"+strconv.FormatInt(id, 10), "proposals.comment_saved")
}

func (h *Handler) hideComment(w http.ResponseWriter, r *http.Request) {
	u := h.Srv.SignedIn(w, r)
	if u == nil || !h.Srv.ParseForm(w, r) {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pid, err := h.S.HideComment(ctxIP(h, r), u, id, r.PostForm.Get("reason"))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(pid), "proposals.moderated")
}

// attachment serves an uploaded file so that no browser runs or renders
// it in our origin: a download named for the type we checked (whatever
// name it came with), that type, no sniffing, and a sandbox.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	a, err := h.S.AttachmentOf(r.Context(), web.UserOf(r), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Set("Content-Disposition", contentDisposition(a.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Write(a.Data)
}

// ---- API ----

// ProposalIn is the body of POST …/proposals.
type ProposalIn struct {
	Title       string `json:"title" maxLength:"200"`
	Body        string `json:"body" doc:"Markdown" maxLength:"10000"`
	DirectionID string `json:"direction_id,omitempty"`
	Region      string `json:"region,omitempty" doc:"region code; the author's region when absent"`
}

// Author is who wrote something.
type Author struct {
	ID   string `json:"id"`
	Name string `json:"name" doc:"empty for deleted or hidden people"`
}

// AnswerOut is an official answer.
type AnswerOut struct {
	Status     string    `json:"status"`
	Text       string    `json:"text"`
	AnsweredAt time.Time `json:"answered_at"`
}

// RoadmapOut is a roadmap item a proposal is linked to.
type RoadmapOut struct {
	ItemID   string    `json:"item_id"`
	Title    i18n.Text `json:"title"`
	Status   string    `json:"status"`
	Progress int       `json:"progress"`
}

// ProposalOut is a proposal as the API shows it.
type ProposalOut struct {
	ID           string       `json:"id"`
	ProgrammeID  string       `json:"programme_id"`
	Title        string       `json:"title"`
	Body         string       `json:"body,omitempty"`
	BodyHTML     string       `json:"body_html,omitempty"`
	DirectionID  string       `json:"direction_id,omitempty"`
	Region       string       `json:"region"`
	Status       string       `json:"status" enum:"new,evaluating,accepted,rejected"`
	SupportCount int          `json:"support_count"`
	CommentCount int          `json:"comment_count"`
	Author       Author       `json:"author"`
	Answer       *AnswerOut   `json:"answer,omitempty"`
	Hidden       bool         `json:"hidden"`
	HiddenReason string       `json:"hidden_reason,omitempty" doc:"why moderators hid it (only its author and the moderators read a hidden proposal)"`
	MergedInto   string       `json:"merged_into,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Roadmap      []RoadmapOut `json:"roadmap,omitempty"`
	Attachment   *FileOut     `json:"attachment,omitempty" doc:"the attached file, when there is one (download: /{lang}/proposals/{id}/attachment)"`
}

// FileOut names an attached file.
type FileOut struct {
	Name string `json:"name"`
	Size int    `json:"size" doc:"bytes"`
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// Out is the API form of a proposal.
func Out(p *Proposal, full bool) ProposalOut {
	o := ProposalOut{ID: idStr(p.ID), ProgrammeID: idStr(p.ProgrammeID), Title: p.Title, DirectionID: idStr(p.DirectionID), Region: p.Region,
		Status: p.Status, SupportCount: p.SupportCount, CommentCount: p.CommentCount, Author: Author{ID: idStr(p.AuthorID), Name: p.AuthorName},
		Hidden: p.Hidden, HiddenReason: p.HiddenReason, MergedInto: idStr(p.MergedInto), CreatedAt: p.CreatedAt.UTC()}
	if full {
		o.Body, o.BodyHTML = p.Body, string(p.BodyHTML)
		if p.AttachmentName != "" {
			o.Attachment = &FileOut{Name: p.AttachmentName, Size: p.AttachmentSize}
		}
	}
	if p.AnsweredAt != nil {
		o.Answer = &AnswerOut{Status: p.Status, Text: p.Answer, AnsweredAt: p.AnsweredAt.UTC()}
	}
	return o
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	if _, err := h.S.Programmes.Rules(r.Context(), id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	f := filterOf(r, id)
	if f.Limit, err = h.Srv.Limit(r, 20, 100); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	items, next, err := h.S.List(r.Context(), f)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	out := api.Page[ProposalOut]{Items: make([]ProposalOut, 0, len(items)), NextCursor: next}
	for _, p := range items {
		out.Items = append(out.Items, Out(p, false))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// apiCreate takes a proposal as JSON, or as multipart/form-data with the
// JSON in the part "proposal" and an optional file in the part
// "attachment" (docs/decisions/0021-proposal-attachments-api.md): one
// request, so the proposal and its file are stored together or not at all.
func (h *Handler) apiCreate() http.HandlerFunc {
	create := func(r *http.Request, u *auth.User, id int64, in ProposalIn, a *Attachment) (ProposalOut, error) {
		dir, _ := strconv.ParseInt(in.DirectionID, 10, 64)
		p, err := h.S.Create(r.Context(), u, id, NewProposal{Title: in.Title, Body: in.Body, DirectionID: dir, Region: in.Region, Attachment: a})
		if err != nil {
			return ProposalOut{}, err
		}
		return Out(p, true), nil
	}
	asJSON := web.JSONAction(h.Srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in ProposalIn) (ProposalOut, error) {
		return create(r, u, id, in, nil)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
			asJSON(w, r)
			return
		}
		id, err := web.PathID(r, "id")
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		u := web.UserOf(r)
		if u == nil {
			h.Srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
			return
		}
		in, a, err := h.readMultipart(r)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		out, err := create(r.WithContext(ctxIP(h, r)), u, id, in, a)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusCreated, out)
	}
}

// readMultipart reads the parts "proposal" (JSON, decoded as strictly as
// a JSON body) and "attachment" (a file, read up to one byte over the
// limit so that Create can refuse it by name).
func (h *Handler) readMultipart(r *http.Request) (ProposalIn, *Attachment, error) {
	var in ProposalIn
	var a *Attachment
	seen := false
	mr, err := r.MultipartReader()
	if err != nil {
		return in, nil, errs.New(errs.BadRequest, "api.invalid_body")
	}
	var fs errs.Fields
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, nil, bodyErr(err)
		}
		switch name := part.FormName(); {
		case name == "proposal" && !seen:
			seen = true
			data, err := io.ReadAll(io.LimitReader(part, api.MaxBodySize+1))
			if err != nil {
				return in, nil, bodyErr(err)
			}
			if len(data) > api.MaxBodySize {
				return in, nil, errs.New(errs.TooLarge, "error.413.text")
			}
			jr := r.Clone(r.Context())
			jr.Body, jr.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
			if err := h.Srv.Decode(jr, &in); err != nil {
				return in, nil, err
			}
		case name == "attachment" && a == nil:
			data, err := io.ReadAll(io.LimitReader(part, MaxAttachment+1))
			if err != nil {
				return in, nil, bodyErr(err)
			}
			a = &Attachment{Name: part.FileName(), Data: data}
		default:
			fs.Add(name, "validation.unknown_field")
		}
		part.Close()
	}
	if !seen {
		fs.Add("proposal", "validation.required")
	}
	return in, a, fs.Err()
}

// bodyErr is a failure to read a multipart body: too large, or malformed.
func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.New(errs.TooLarge, "error.413.text")
	}
	return errs.New(errs.BadRequest, "api.invalid_body")
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	p, err := h.S.GetFor(r.Context(), web.UserOf(r), id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	o := Out(p, true)
	if h.Roadmap != nil {
		refs, err := h.Roadmap.ForProposal(r.Context(), id)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		for _, ref := range refs {
			o.Roadmap = append(o.Roadmap, RoadmapOut{ItemID: idStr(ref.ItemID), Title: ref.Title, Status: ref.Status, Progress: ref.Progress})
		}
	}
	api.WriteJSON(w, http.StatusOK, o)
}

func (h *Handler) apiSupport(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r, "id")
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		res, err := h.S.Support(r.Context(), web.UserOf(r), id, on)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, res)
	}
}

// CommentIn is the body of POST …/comments.
type CommentIn struct {
	Body     string `json:"body" maxLength:"4000"`
	ParentID string `json:"parent_id,omitempty" doc:"the comment this replies to"`
}

// CommentOut is a comment as the API shows it.
type CommentOut struct {
	ID           string     `json:"id"`
	ParentID     string     `json:"parent_id,omitempty"`
	Author       Author     `json:"author"`
	Body         string     `json:"body" doc:"empty when hidden by a moderator"`
	Hidden       bool       `json:"hidden,omitempty"`
	HiddenReason string     `json:"hidden_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	EditedAt     *time.Time `json:"edited_at,omitempty"`
}

func (h *Handler) apiComments(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	limit, err := h.Srv.Limit(r, 50, 200)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := api.DecodeCursor(c, &after); err != nil {
			var fs errs.Fields
			fs.Add("cursor", "validation.invalid_value")
			h.Srv.Fail(w, r, fs.Err())
			return
		}
	}
	if _, err := h.S.GetFor(r.Context(), web.UserOf(r), id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	list, more, err := h.S.CommentsAfter(r.Context(), id, after, limit)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	out := api.Page[CommentOut]{Items: make([]CommentOut, 0, len(list))}
	for _, c := range list {
		o := CommentOut{ID: idStr(c.ID), ParentID: idStr(c.ParentID), Author: Author{ID: idStr(c.AuthorID), Name: c.AuthorName},
			Body: c.Body, Hidden: c.Hidden, HiddenReason: c.HiddenReason, CreatedAt: c.CreatedAt.UTC()}
		if c.Hidden {
			o.Body = ""
		}
		if c.EditedAt != nil {
			t := c.EditedAt.UTC()
			o.EditedAt = &t
		}
		out.Items = append(out.Items, o)
	}
	if more {
		out.NextCursor = api.EncodeCursor(list[len(list)-1].ID)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) apiComment() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in CommentIn) (CommentOut, error) {
		parent, _ := strconv.ParseInt(in.ParentID, 10, 64)
		c, err := h.S.AddComment(r.Context(), u, id, parent, in.Body)
		if err != nil {
			return CommentOut{}, err
		}
		return CommentOut{ID: idStr(c.ID), ParentID: idStr(c.ParentID), Author: Author{ID: idStr(u.ID), Name: u.Name},
			Body: c.Body, CreatedAt: c.CreatedAt.UTC()}, nil
	})
}

// AnswerIn is the body of PUT …/answer.
type AnswerIn struct {
	Status string `json:"status" enum:"evaluating,accepted,rejected"`
	Text   string `json:"text" doc:"Markdown"`
}

func (h *Handler) apiAnswer() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in AnswerIn) (ProposalOut, error) {
		p, err := h.S.SetAnswer(r.Context(), u, id, in.Status, in.Text)
		if err != nil {
			return ProposalOut{}, err
		}
		return Out(p, true), nil
	})
}

// Statuses and Sorts are the list's choices.
func (v listView) Statuses() []string { return Statuses }

// Sorts are the list's orders.
func (v listView) Sorts() []string { return Sorts }

// AnswerChoices are the statuses of an official answer.
func (v *showView) AnswerChoices() []string { return AnswerStatuses }
