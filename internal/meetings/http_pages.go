package meetings

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// showData is the meeting page.
type showData struct {
	M         *Meeting
	Title     string
	OrgName   string
	Organizer bool
	Member    bool
	Attend    bool // the reader may attend: the link to join online shows
	Voter     bool // signed in: questions get upvote buttons
	Reg       *Registration
	Agenda    []Item
	Decisions map[int64][]Decision // by agenda item (0: none)
	Voting    bool                 // a decision is being voted on online
	Questions []Question
	QTotal    int
	QNext     string
	Answered  bool
	Quorum    *Quorum
	Elections []ElectionLink
	Minutes   bool // minutes visible
	Upcoming  bool
	Open      bool            // registration and questions open
	Sections  []template.HTML // other components' parts of the page (its reports), via web.Parts
	Live      bool            // under way or to come, not called off: the quorum refreshes itself
	Decided   bool

	ElectionsByItem map[int64][]ElectionLink // elections held under an agenda item

	EditItem   int64             // the agenda item whose edit form failed
	ItemErrors map[string]string // its field errors
	ItemForm   url.Values        // and what was sent

	// The parts every reader of the same kind sees alike, rendered once
	// per moment (web.Server.Fragment); empty: rendered with the page.
	HeadHTML, AgendaHTML, QuestionsHTML template.HTML
}

// head is the meeting with its names in the reader's language.
func (h *Handler) head(ctx context.Context, r *http.Request, id int64) (*showData, error) {
	m, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	l := web.LangOf(r)
	return &showData{M: m, Title: m.Title.In(l), OrgName: m.OrgName.In(l)}, nil
}

// shared fills in what does not depend on who reads, beyond the kind of
// reader (a guest, a signed-in person, a member, an organizer: names says
// whose names show with the questions), and reader's own votes on
// decisions when reader is not 0.
func (h *Handler) shared(ctx context.Context, r *http.Request, head *showData, voter, organizer bool, names int, reader int64) (*showData, error) {
	d := *head
	m := d.M
	id := m.ID
	l := web.LangOf(r)
	d.Voter, d.Organizer = voter, organizer
	now := h.svc.db.Now()
	d.Upcoming = now.Before(m.StartsAt)
	d.Open = now.Before(m.EndsAt) && m.CancelledAt == nil
	d.Live = d.Open
	var err error
	if d.Agenda, err = h.svc.Agenda(ctx, id); err != nil {
		return nil, err
	}
	d.Minutes = m.MinutesApprovedAt != nil || d.Organizer
	decisions, err := h.svc.Decisions(ctx, id, reader)
	if err != nil {
		return nil, err
	}
	d.Decisions = map[int64][]Decision{}
	for _, x := range decisions {
		d.Decisions[x.ItemID] = append(d.Decisions[x.ItemID], x)
		d.Decided = true
		d.Voting = d.Voting || x.Status == "voting"
	}
	q := r.URL.Query()
	d.Answered = q.Get("questions") == "answered"
	f := QuestionFilter{Answered: d.Answered, All: d.Organizer, Limit: questionsPerPage + 1, Reader: reader, Names: names}
	if c := q.Get("qafter"); c != "" {
		if err := api.DecodeCursor(c, &f.AfterVote, &f.AfterID); err != nil {
			return nil, errs.New(errs.BadRequest, "api.invalid_cursor")
		}
	}
	if d.Questions, d.QTotal, err = h.svc.Questions(ctx, id, f); err != nil {
		return nil, err
	}
	if len(d.Questions) > questionsPerPage {
		d.Questions = d.Questions[:questionsPerPage]
		last := d.Questions[questionsPerPage-1]
		d.QNext = api.EncodeCursor(last.Votes, last.ID)
	}
	if !d.Upcoming || d.Organizer {
		qu, err := h.svc.QuorumOf(ctx, m)
		if err != nil {
			return nil, err
		}
		d.Quorum = &qu
	}
	if h.elections != nil {
		links, err := h.elections.LinksForMeeting(ctx, id, l)
		if err != nil {
			return nil, err
		}
		items := map[int64]bool{}
		for _, it := range d.Agenda {
			items[it.ID] = true
		}
		d.ElectionsByItem = map[int64][]ElectionLink{}
		for _, x := range links {
			if items[x.ItemID] {
				d.ElectionsByItem[x.ItemID] = append(d.ElectionsByItem[x.ItemID], x)
			} else {
				d.Elections = append(d.Elections, x)
			}
		}
	}
	return &d, nil
}

// role says how u stands towards the meeting's organization.
func (h *Handler) role(ctx context.Context, u *auth.User, m *Meeting) (organizer, member bool, err error) {
	if u == nil {
		return false, false, nil
	}
	role, err := h.svc.auth.RoleIn(ctx, u, m.OrgID)
	return role >= auth.Moderator, role >= auth.Member, err
}

// names says whose names the reader sees with the questions (NamesFor).
func names(organizer, member bool) int {
	switch {
	case organizer:
		return NamesAll
	case member:
		return NamesMembers
	}
	return NamesNone
}

// attend says whether the reader may attend (Service.MayAttend): the
// organization's members are invited to any meeting of it.
func (h *Handler) attend(ctx context.Context, u *auth.User, m *Meeting, organizer, member bool) (bool, error) {
	if organizer || (member && m.Invite != "anyone") {
		return true, nil
	}
	return h.svc.MayAttend(ctx, u, m)
}

// load builds the whole page for this reader, without shared fragments
// (a form sent back with errors).
func (h *Handler) load(ctx context.Context, r *http.Request, id int64) (*showData, error) {
	head, err := h.head(ctx, r, id)
	if err != nil {
		return nil, err
	}
	u := web.UserOf(r)
	organizer, member, err := h.role(ctx, u, head.M)
	if err != nil {
		return nil, err
	}
	var reader int64
	if u != nil {
		reader = u.ID
	}
	d, err := h.shared(ctx, r, head, u != nil, organizer, names(organizer, member), reader)
	if err != nil {
		return nil, err
	}
	d.Member = member
	if d.Attend, err = h.attend(ctx, u, d.M, organizer, member); err != nil {
		return nil, err
	}
	if d.Reg, err = h.svc.MyRegistration(ctx, u, id); err != nil {
		return nil, err
	}
	return d, nil
}

// roleKey names the copy of a reader's role in a meeting's organization.
type roleKey struct{ Person, Org int64 }

// sharedKey names the copies of a meeting's agenda and questions: the
// same for every reader of one kind (guest, reader, member, organizer)
// on the same page of questions.
type sharedKey struct {
	Meeting          int64
	Reader           string
	Questions, After string // the question list's filter and page
}

// questionsPerPage: a phone screen or two; the rest are a link away.
const questionsPerPage = 20

const showPage = "meetings_show"

// page builds the meeting page from fragments shared by every reader of
// the same kind (guest, signed in, organizer) for a moment — the facts,
// the agenda with minutes and decisions, the questions — and adds what is
// the reader's own: their registration, their upvotes (marked in the
// shared list), their votes on decisions under way (then the agenda is
// rendered for them alone), the organizer's forms.
func (h *Handler) page(r *http.Request, id int64) (*showData, error) {
	ctx := r.Context()
	headHTML, v, err := h.srv.Fragment(r, showPage, "meeting_head", id, func() (any, error) { return h.head(ctx, r, id) })
	if err != nil {
		return nil, err
	}
	head := v.(*showData)
	u := web.UserOf(r)
	var organizer, member bool
	if u != nil {
		// The reader's role decides only which controls show (every action
		// checks it again), so it may be as old as the fragments: kept
		// with them, as the data of a block that renders nothing.
		_, v, err := h.srv.Fragment(r, showPage, "meeting_role", roleKey{Person: u.ID, Org: head.M.OrgID}, func() (any, error) {
			o, m, err := h.role(ctx, u, head.M)
			return [2]bool{o, m}, err
		})
		if err != nil {
			return nil, err
		}
		organizer, member = v.([2]bool)[0], v.([2]bool)[1]
	}
	kind := "guest"
	switch {
	case organizer:
		kind = "organizer"
	case member:
		kind = "member" // sees the askers' names
	case u != nil:
		kind = "reader"
	}
	q := r.URL.Query()
	key := sharedKey{Meeting: id, Reader: kind, Questions: q.Get("questions"), After: q.Get("qafter")}
	agendaHTML, v, err := h.srv.Fragment(r, showPage, "meeting_agenda", key, func() (any, error) {
		return h.shared(ctx, r, head, u != nil, organizer, names(organizer, member), 0)
	})
	if err != nil {
		return nil, err
	}
	shared := v.(*showData)
	questionsHTML, _, err := h.srv.Fragment(r, showPage, "meeting_questions", key, func() (any, error) { return shared, nil })
	if err != nil {
		return nil, err
	}
	d := *shared
	d.HeadHTML, d.AgendaHTML, d.QuestionsHTML = headHTML, agendaHTML, questionsHTML
	if u == nil {
		return &d, nil
	}
	d.Member = member
	if d.Attend, err = h.attend(ctx, u, d.M, organizer, member); err != nil {
		return nil, err
	}
	var ids []int64 // the questions on the page the reader may upvote
	if d.Voter {
		for _, q := range d.Questions {
			if q.Status == "open" || q.Status == "answered" {
				ids = append(ids, q.ID)
			}
		}
	}
	var mine []int64
	if d.Reg, mine, err = h.svc.ReaderState(ctx, u, id, ids); err != nil {
		return nil, err
	}
	if d.Voting && member && d.Reg.PresentAt != nil {
		// A decision is being voted on among those present: the agenda
		// shows this reader's own vote or the buttons.
		decisions, err := h.svc.Decisions(ctx, id, u.ID)
		if err != nil {
			return nil, err
		}
		d.Decisions = map[int64][]Decision{}
		for _, x := range decisions {
			d.Decisions[x.ItemID] = append(d.Decisions[x.ItemID], x)
		}
		d.AgendaHTML = ""
	}
	if err := h.markMine(r, &d, mine); err != nil {
		return nil, err
	}
	return &d, nil
}

// markMine turns the upvote buttons of the questions mine (the reader
// upvoted them), in the shared list, into buttons that take the upvote
// back.
func (h *Handler) markMine(r *http.Request, d *showData, mine []int64) error {
	if len(mine) == 0 {
		return nil
	}
	pc := &web.PageContext{Lang: web.LangOf(r), P: h.srv.Printer(r)}
	pairs := make([]string, 0, 2*len(mine))
	var buf bytes.Buffer
	for _, q := range mine {
		for _, up := range []bool{false, true} {
			buf.Reset()
			err := h.srv.Renderer().Block(&buf, showPage, "meeting_vote_page", &web.PageData{Ctx: pc,
				Data: map[string]any{"c": pc, "m": d.M.ID, "q": q, "mine": up}})
			if err != nil {
				return err
			}
			pairs = append(pairs, buf.String())
		}
	}
	d.QuestionsHTML = template.HTML(strings.NewReplacer(pairs...).Replace(string(d.QuestionsHTML)))
	return nil
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	d, err := h.page(r, id)
	if err == nil {
		d.Sections, err = h.srv.Parts(r, showPage, id)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, showPage, &web.PageData{Title: d.Title, Data: d})
}
