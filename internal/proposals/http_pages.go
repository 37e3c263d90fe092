package proposals

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/web"
)

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

// partKey names the fragments "head" and "tail": the same for every
// reader of the proposal.
type partKey struct{ Proposal int64 }

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
// (remembered by auth), and the reader's own blocks ("support", "forms":
// their buttons and forms), rendered for them alone.
func (h *Handler) showWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	ctx := r.Context()
	key := partKey{Proposal: id}
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
	u := req.User
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
	d.Title = pp.Title
	if pp.Lang == i18n.KKLatn {
		d.Title = kazakh.ToLatin(pp.Title)
	}
	d.Data = &v
	h.Srv.Render(w, r, status, "proposals_show", d)
}

// threadView is a proposal's comments: the same for every reader.
type threadView struct {
	Count    int
	Open     bool // replies are taken: the proposal is neither hidden nor merged
	Actions  bool // the reply and report links, for people who may comment
	Comments []Comment
}

// threadKey names a thread fragment: everything the "thread" block shows
// besides the comments, and their count, so that a new comment misses on
// every node.
type threadKey struct {
	Proposal int64
	Open     bool // replies are taken
	Actions  bool // the reader may comment: reply and report links
	Comments int
}

// thread fills v's comments: the thread rendered at most once per moment
// for every reader (the key names the proposal, whether it takes replies
// and its comment count, so a new comment misses on every node), then the
// reader's own links (edit, hide) in it and the form a link asked for.
func (h *Handler) thread(r *http.Request, pp *proposalPart, v *showView, d *web.PageData) error {
	u := web.UserOf(r)
	open, actions := !pp.Hidden && pp.MergedInto == 0, u != nil && !u.Limited()
	key := threadKey{Proposal: pp.ID, Open: open, Actions: actions, Comments: pp.CommentCount}
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

// attachment serves an uploaded file so that no browser runs or renders
// it in our origin: a download named for the type we checked (whatever
// name it came with), that type, no sniffing, and a sandbox.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	a, err := h.S.AttachmentOf(r.Context(), req.User, id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ContentType)
	hd.Set("Content-Disposition", ContentDisposition(a.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Write(a.Data)
}

// AnswerChoices are the statuses of an official answer.
func (v *showView) AnswerChoices() []string { return AnswerStatuses }
