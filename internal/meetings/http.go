package meetings

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// ElectionLink is an election held at a meeting, as the meeting page lists
// it: under its agenda item when it has one, with its results once
// published.
type ElectionLink struct {
	ID     int64
	ItemID int64 // 0: the meeting as a whole
	Title  string
	Status string
	// Results, once published.
	Ballots, Electorate int
	QuorumReached       bool
	SecondRound         bool
	Elected             []string
}

// Elections lists the elections of a meeting (the elections package).
type Elections interface {
	LinksForMeeting(ctx context.Context, meetingID int64, l i18n.Lang) ([]ElectionLink, error)
}

// Handler serves the meeting pages and API.
type Handler struct {
	srv       *web.Server
	svc       *Service
	elections Elections
}

// Mount registers the templates and routes.
func Mount(srv *web.Server, svc *Service, el Elections) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &Handler{srv: srv, svc: svc, elections: el}
	srv.PageCached("GET /meetings", h.list)
	srv.Page("GET /meetings/new", h.newForm)
	srv.Page("POST /meetings", h.create)
	srv.PageCached("GET /meetings/{id}", h.show)
	srv.Page("POST /meetings/{id}/agenda", h.addItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/move", h.moveItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/minutes", h.minutes)
	srv.Page("POST /meetings/{id}/agenda/{item}/edit", h.editItem)
	srv.Page("POST /meetings/{id}/agenda/{item}/delete", h.deleteItem)
	srv.Page("GET /meetings/{id}/edit", h.editForm)
	srv.Page("POST /meetings/{id}/edit", h.update)
	srv.Page("POST /meetings/{id}/cancel-meeting", h.cancelMeeting)
	srv.Page("GET /meetings/{id}/quorum", h.quorum)
	srv.Page("POST /meetings/{id}/register", h.register)
	srv.Page("POST /meetings/{id}/cancel", h.cancel)
	srv.Page("GET /meetings/{id}/pass", h.pass)
	srv.Page("GET /meetings/{id}/attendance", h.attendance)
	srv.Page("POST /meetings/{id}/attendance", h.markPresent)
	srv.Page("GET /meetings/{id}/checkin", h.checkinForm)
	srv.Page("POST /meetings/{id}/checkin", h.checkin)
	srv.Page("POST /meetings/{id}/questions", h.ask)
	srv.Page("POST /meetings/{id}/questions/{q}/vote", h.upvote)
	srv.Page("POST /meetings/{id}/questions/{q}/moderate", h.moderate)
	srv.Page("POST /meetings/{id}/decisions", h.addDecision)
	srv.Page("POST /meetings/{id}/decisions/{d}/vote", h.voteDecision)
	srv.Page("POST /meetings/{id}/decisions/{d}/close", h.closeDecision)
	srv.Page("POST /meetings/{id}/minutes/approve", h.approve)
	srv.Page("GET /meetings/{id}/minutes.pdf", h.minutesPDF)
	srv.Page("GET /meetings/{id}/meeting.ics", h.ics)
	srv.Page("GET /organizations/{id}/meetings.ics", h.feed)

	tags := []string{"meetings"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/meetings", ID: "createMeeting", Summary: "Create a meeting (organizers)",
		Tags: tags, Auth: true, Request: MeetingIn{}, Response: MeetingOut{}, Status: 201, Errors: []int{401, 403, 422}}, h.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/meetings/{id}", ID: "getMeeting", Summary: "A meeting with its agenda",
		Tags: tags, Response: MeetingOut{}, Errors: []int{404}}, h.apiGet)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/meetings/{id}/registration", ID: "registerForMeeting",
		Summary: "Register (or join the waiting list when full)", Tags: tags, Auth: true, Response: RegistrationOut{},
		Errors: []int{401, 403, 404, 409}}, h.apiRegister)
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/meetings/{id}/registration", ID: "cancelMeetingRegistration",
		Summary: "Cancel a registration; the first on the waiting list moves up", Tags: tags, Auth: true, Response: RegistrationOut{},
		Errors: []int{401, 404}}, h.apiCancel)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/meetings/{id}/questions", ID: "askQuestion", Summary: "Ask a question",
		Tags: tags, Auth: true, Request: QuestionIn{}, Response: QuestionOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(h.srv, http.StatusCreated, true, h.apiAsk))
	return nil
}

func withIP(h *Handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}

func (h *Handler) id(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := web.PathID(r, name)
	if err != nil {
		h.srv.Fail(w, r, notFound())
		return 0, false
	}
	return id, true
}

func (h *Handler) back(w http.ResponseWriter, r *http.Request, id int64, flash, anchor string) {
	p := fmt.Sprintf("/meetings/%d", id)
	if anchor != "" {
		p += "#" + anchor
	}
	h.srv.Redirect(w, r, p, flash)
}

// ParseLocal reads "2006-01-02T15:04" (a datetime-local field) as
// Kazakhstan time.
func ParseLocal(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), Almaty); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

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

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if h.srv.SignedIn(w, r) == nil {
		return
	}
	f := url.Values{"org_id": {r.URL.Query().Get("org")}, "quorum": {"50"}, "invite": {"members"}, "kind": {"report"}, "format": {"in_person"}}
	h.srv.Render(w, r, http.StatusOK, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.new"), Form: f, Data: formData()})
}

func formData() map[string]any {
	return map[string]any{"Kinds": Kinds, "Formats": Formats, "Invites": Invites}
}

// meetingForm reads the create and edit form.
func meetingForm(f url.Values) (NewMeeting, error) {
	in := NewMeeting{OrgID: atoi64(f.Get("org_id")), Kind: f.Get("kind"), Format: f.Get("format"), Invite: f.Get("invite"),
		Title: i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")}, Description: f.Get("description"), Address: f.Get("address"),
		OnlineURL: f.Get("online_url"), Capacity: atoi(f.Get("capacity")), QuorumPct: atoi(f.Get("quorum"))}
	var fs errs.Fields
	if p := strings.TrimSpace(f.Get("programme_id")); p != "" {
		if in.ProgrammeID = atoi64(p); in.ProgrammeID <= 0 {
			fs.Add("programme_id", "meetings.no_such_programme")
		}
	}
	var ok bool
	if in.StartsAt, ok = ParseLocal(f.Get("starts_at")); !ok {
		fs.Add("starts_at", "validation.invalid_datetime")
	}
	if in.EndsAt, ok = ParseLocal(f.Get("ends_at")); !ok {
		fs.Add("ends_at", "validation.invalid_datetime")
	}
	if s := f.Get("registration_closes_at"); s != "" {
		if t, ok := ParseLocal(s); ok {
			in.RegistrationClosesAt = &t
		} else {
			fs.Add("registration_closes_at", "validation.invalid_datetime")
		}
	}
	return in, fs.Err()
}

// formErrors maps the service's field names to the form's.
func (h *Handler) formErrors(r *http.Request, err error) (map[string]string, bool) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if ok {
		for k, v := range map[string]string{"title": "title_kk", "organization_id": "org_id"} {
			if m, ok := fe[k]; ok {
				fe[v] = m
			}
		}
	}
	return fe, ok
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil || !h.srv.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	in, err := meetingForm(f)
	var id int64
	if err == nil {
		id, err = h.svc.Create(withIP(h, r), u, in)
	}
	if err != nil {
		if fe, ok := h.formErrors(r, err); ok {
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_new", &web.PageData{Title: h.srv.T(r, "meetings.new"),
				Form: f, Errors: fe, Data: formData()})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.created", "")
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

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
	Open      bool // registration and questions open
	Live      bool // under way or to come, not called off: the quorum refreshes itself
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
	key := strconv.FormatInt(id, 10)
	headHTML, v, err := h.srv.Fragment(r, showPage, "meeting_head", key, func() (any, error) { return h.head(ctx, r, id) })
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
		_, v, err := h.srv.Fragment(r, showPage, "meeting_role", fmt.Sprintf("%d\x00%d", u.ID, head.M.OrgID), func() (any, error) {
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
	key += "\x00" + kind + "\x00" + q.Get("questions") + "\x00" + q.Get("qafter")
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
	id, ok := h.id(w, r, "id")
	if !ok {
		return
	}
	d, err := h.page(r, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, showPage, &web.PageData{Title: d.Title, Data: d})
}

// formFail re-renders the meeting page with field errors (422), or fails.
func (h *Handler) formFail(w http.ResponseWriter, r *http.Request, id int64, err error) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	d, lerr := h.load(r.Context(), r, id)
	if lerr != nil {
		h.srv.Fail(w, r, lerr)
		return
	}
	h.srv.Render(w, r, http.StatusUnprocessableEntity, "meetings_show", &web.PageData{Title: d.Title, Data: d, Errors: fe, Form: r.PostForm})
}

// --- agenda, minutes, decisions

func (h *Handler) addItem(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok || !h.srv.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	if _, err := h.svc.AddItem(withIP(h, r), u, id, NewItem{Title: f.Get("title"), Presenter: f.Get("presenter"),
		Attachments: f.Get("attachments"), DurationMin: atoi(f.Get("duration_min"))}); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", "agenda")
}

func (h *Handler) moveItem(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	item, ok2 := h.id(w, r, "item")
	if u == nil || !ok || !ok2 || !h.srv.ParseForm(w, r) {
		return
	}
	dir := 1
	if r.PostForm.Get("dir") == "up" {
		dir = -1
	}
	if err := h.svc.MoveItem(withIP(h, r), u, id, item, dir); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "", "agenda")
}

func (h *Handler) minutes(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	item, ok2 := h.id(w, r, "item")
	if u == nil || !ok || !ok2 || !h.srv.ParseForm(w, r) {
		return
	}
	if err := h.svc.SetMinutes(withIP(h, r), u, id, item, r.PostForm.Get("minutes")); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("item-%d", item))
}

func (h *Handler) addDecision(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok || !h.srv.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	if _, err := h.svc.AddDecision(withIP(h, r), u, id, NewDecision{ItemID: atoi64(f.Get("agenda_item_id")), Text: f.Get("text"),
		Mode: f.Get("mode"), For: atoi(f.Get("votes_for")), Against: atoi(f.Get("votes_against")), Abstain: atoi(f.Get("votes_abstain"))}); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", "agenda")
}

func (h *Handler) voteDecision(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	dec, ok2 := h.id(w, r, "d")
	if u == nil || !ok || !ok2 || !h.srv.ParseForm(w, r) {
		return
	}
	if err := h.svc.VoteDecision(r.Context(), u, id, dec, r.PostForm.Get("choice")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.vote_recorded", fmt.Sprintf("decision-%d", dec))
}

func (h *Handler) closeDecision(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	dec, ok2 := h.id(w, r, "d")
	if u == nil || !ok || !ok2 {
		return
	}
	if err := h.svc.CloseDecision(withIP(h, r), u, id, dec); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("decision-%d", dec))
}

func (h *Handler) approve(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok {
		return
	}
	if err := h.svc.ApproveMinutes(withIP(h, r), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.minutes_published", "agenda")
}

// --- registration and attendance

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok {
		return
	}
	reg, err := h.svc.Register(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	flash := "meetings.registered"
	if reg.Status == "waitlist" {
		flash = "meetings.waitlisted"
	}
	h.back(w, r, id, flash, "registration")
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok {
		return
	}
	if err := h.svc.Cancel(r.Context(), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "meetings.cancelled", "registration")
}

func (h *Handler) checkinURL(r *http.Request, id int64, token string) string {
	return fmt.Sprintf("%s/%s/meetings/%d/checkin?t=%s", h.svc.baseURL, web.LangOf(r), id, url.QueryEscape(token))
}

// pass shows the person's QR code to show at the door.
func (h *Handler) pass(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok {
		return
	}
	m, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	reg, err := h.svc.MyRegistration(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if reg.Status != "registered" {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "meetings.not_registered"))
		return
	}
	png, err := qrcode.Encode(h.checkinURL(r, id, reg.Token), qrcode.Medium, 256)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_pass", &web.PageData{Title: h.srv.T(r, "meetings.pass"), Data: map[string]any{
		"M": m, "Title": m.Title.In(web.LangOf(r)), "QR": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), "Reg": reg}})
}

func (h *Handler) attendancePage(w http.ResponseWriter, r *http.Request, id int64, status int, fe map[string]string) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	m, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	search := r.URL.Query().Get("q")
	list, err := h.svc.Attendees(r.Context(), u, id, search)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	qu, err := h.svc.QuorumOf(r.Context(), m)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, status, "meetings_attendance", &web.PageData{Title: h.srv.T(r, "meetings.attendance"), Errors: fe,
		Data: map[string]any{"M": m, "Title": m.Title.In(web.LangOf(r)), "List": list, "Q": search, "Quorum": qu,
			"Live": m.CancelledAt == nil && h.svc.db.Now().Before(m.EndsAt)}})
}

func (h *Handler) attendance(w http.ResponseWriter, r *http.Request) {
	id, ok := h.id(w, r, "id")
	if ok {
		h.attendancePage(w, r, id, http.StatusOK, nil)
	}
}

func (h *Handler) markPresent(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok || !h.srv.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	err := h.svc.MarkPresent(withIP(h, r), u, id, atoi64(f.Get("user_id")), f.Get("present") != "0")
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.attendancePage(w, r, id, http.StatusUnprocessableEntity, fe)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	p := fmt.Sprintf("/meetings/%d/attendance", id)
	if q := f.Get("q"); q != "" {
		p += "?q=" + url.QueryEscape(q)
	}
	h.srv.Redirect(w, r, p, "meetings.saved")
}

func (h *Handler) checkinForm(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok {
		return
	}
	token := r.URL.Query().Get("t")
	a, err := h.svc.CheckInToken(r.Context(), u, id, token)
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.srv.Render(w, r, http.StatusNotFound, "message", &web.PageData{Title: h.srv.T(r, "meetings.checkin"),
				Data: map[string]any{"Text": fe["token"], "Next": fmt.Sprintf("/meetings/%d/attendance", id)}})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "meetings_checkin", &web.PageData{Title: h.srv.T(r, "meetings.checkin"),
		Data: map[string]any{"ID": id, "A": a, "Token": token}})
}

func (h *Handler) checkin(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok || !h.srv.ParseForm(w, r) {
		return
	}
	a, err := h.svc.CheckInToken(r.Context(), u, id, r.PostForm.Get("t"))
	if err == nil {
		err = h.svc.MarkPresent(withIP(h, r), u, id, a.UserID, true)
	}
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.attendancePage(w, r, id, http.StatusUnprocessableEntity, fe)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/meetings/%d/attendance", id), "meetings.checked_in")
}

// --- questions

func (h *Handler) ask(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	if u == nil || !ok || !h.srv.ParseForm(w, r) {
		return
	}
	if _, err := h.svc.Ask(r.Context(), u, id, r.PostForm.Get("body")); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.asked", "questions")
}

func (h *Handler) upvote(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	q, ok2 := h.id(w, r, "q")
	if u == nil || !ok || !ok2 || !h.srv.ParseForm(w, r) {
		return
	}
	if _, err := h.svc.Upvote(r.Context(), u, id, q, r.PostForm.Get("up") != "0"); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, id, "", fmt.Sprintf("q-%d", q))
}

func (h *Handler) moderate(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	id, ok := h.id(w, r, "id")
	q, ok2 := h.id(w, r, "q")
	if u == nil || !ok || !ok2 || !h.srv.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	if err := h.svc.Moderate(withIP(h, r), u, id, q, f.Get("action"), f.Get("answer"), atoi64(f.Get("into"))); err != nil {
		h.formFail(w, r, id, err)
		return
	}
	h.back(w, r, id, "meetings.saved", fmt.Sprintf("q-%d", q))
}

// --- API

// MeetingIn is the body of POST /api/v1/meetings.
type MeetingIn struct {
	OrganizationID       string     `json:"organization_id"`
	ProgrammeID          string     `json:"programme_id,omitempty"`
	Title                i18n.Text  `json:"title"`
	Kind                 string     `json:"kind" enum:"report,conference,council,public,qa,other"`
	Format               string     `json:"format" enum:"in_person,online,hybrid"`
	Description          string     `json:"description,omitempty" maxLength:"10000"`
	Address              string     `json:"address,omitempty"`
	OnlineURL            string     `json:"online_url,omitempty"`
	StartsAt             time.Time  `json:"starts_at"`
	EndsAt               time.Time  `json:"ends_at"`
	Invite               string     `json:"invite" enum:"members,subtree,anyone" doc:"members of the organization, of it and its subtree, or anyone signed in"`
	Capacity             int        `json:"capacity,omitempty" doc:"0: no limit"`
	RegistrationClosesAt *time.Time `json:"registration_closes_at,omitempty"`
	Quorum               float64    `json:"quorum,omitempty" doc:"share of members present needed for a quorum, 0 to 1 (default 0.5)"`
}

// MeetingOut is a meeting as the API shows it.
type MeetingOut struct {
	ID                   string     `json:"id"`
	OrganizationID       string     `json:"organization_id"`
	ProgrammeID          string     `json:"programme_id,omitempty"`
	Title                i18n.Text  `json:"title"`
	Kind                 string     `json:"kind"`
	Format               string     `json:"format"`
	Description          string     `json:"description"`
	Address              string     `json:"address,omitempty"`
	OnlineURL            string     `json:"online_url,omitempty"`
	StartsAt             time.Time  `json:"starts_at"`
	EndsAt               time.Time  `json:"ends_at"`
	Invite               string     `json:"invite"`
	Capacity             int        `json:"capacity"`
	Registered           int        `json:"registered"`
	RegistrationClosesAt *time.Time `json:"registration_closes_at,omitempty"`
	Quorum               float64    `json:"quorum"`
	Agenda               []ItemOut  `json:"agenda"`
}

// ItemOut is an agenda item.
type ItemOut struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Presenter   string   `json:"presenter,omitempty"`
	DurationMin int      `json:"duration_min"`
	Attachments []string `json:"attachments"`
}

// RegistrationOut is a person's registration.
type RegistrationOut struct {
	Status   string `json:"status" enum:"registered,waitlist,none"`
	Position int    `json:"position,omitempty" doc:"place on the waiting list"`
}

// QuestionIn is the body of POST …/questions.
type QuestionIn struct {
	Body string `json:"body" maxLength:"1000"`
}

// QuestionOut is a question.
type QuestionOut struct {
	ID        string    `json:"id"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	Votes     int       `json:"votes"`
	CreatedAt time.Time `json:"created_at"`
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func (h *Handler) apiUser(w http.ResponseWriter, r *http.Request) *auth.User {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
	}
	return u
}

func (h *Handler) apiID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.srv.Fail(w, r, notFound())
		return 0, false
	}
	return id, true
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	u := h.apiUser(w, r)
	if u == nil {
		return
	}
	var in MeetingIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	org, _ := strconv.ParseInt(in.OrganizationID, 10, 64)
	if org <= 0 {
		fs.Add("organization_id", "validation.invalid_value")
	}
	var prog int64
	if in.ProgrammeID != "" {
		if prog, _ = strconv.ParseInt(in.ProgrammeID, 10, 64); prog <= 0 {
			fs.Add("programme_id", "validation.invalid_value")
		}
	}
	if in.Quorum < 0 || in.Quorum > 1 {
		fs.Add("quorum", "meetings.invalid_quorum")
	}
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	quorum := 50
	if in.Quorum > 0 {
		quorum = int(in.Quorum*100 + 0.5)
	}
	id, err := h.svc.Create(withIP(h, r), u, NewMeeting{OrgID: org, ProgrammeID: prog, Kind: in.Kind, Format: in.Format, Title: in.Title,
		Description: in.Description, Address: in.Address, OnlineURL: in.OnlineURL, StartsAt: in.StartsAt, EndsAt: in.EndsAt,
		Invite: in.Invite, Capacity: in.Capacity, RegistrationClosesAt: in.RegistrationClosesAt, QuorumPct: quorum})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.writeMeeting(w, r, id, http.StatusCreated)
}

func (h *Handler) writeMeeting(w http.ResponseWriter, r *http.Request, id int64, status int) {
	m, err := h.svc.Get(r.Context(), id)
	if err == nil {
		m, err = h.svc.ForReader(r.Context(), web.UserOf(r), m)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	items, err := h.svc.Agenda(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	o := MeetingOut{ID: idStr(m.ID), OrganizationID: idStr(m.OrgID), ProgrammeID: idStr(m.ProgrammeID), Title: m.Title, Kind: m.Kind,
		Format: m.Format, Description: m.Description, Address: m.Address, OnlineURL: m.OnlineURL, StartsAt: m.StartsAt, EndsAt: m.EndsAt,
		Invite: m.Invite, Capacity: m.Capacity, Registered: m.Registered, RegistrationClosesAt: m.RegistrationClosesAt,
		Quorum: float64(m.QuorumPct) / 100, Agenda: []ItemOut{}}
	for _, it := range items {
		att := it.Attachments
		if att == nil {
			att = []string{}
		}
		o.Agenda = append(o.Agenda, ItemOut{ID: idStr(it.ID), Title: it.Title, Presenter: it.Presenter, DurationMin: it.DurationMin, Attachments: att})
	}
	api.WriteJSON(w, status, o)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if id, ok := h.apiID(w, r); ok {
		h.writeMeeting(w, r, id, http.StatusOK)
	}
}

func (h *Handler) apiRegister(w http.ResponseWriter, r *http.Request) {
	u := h.apiUser(w, r)
	if u == nil {
		return
	}
	id, ok := h.apiID(w, r)
	if !ok {
		return
	}
	reg, err := h.svc.Register(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, RegistrationOut{Status: reg.Status, Position: reg.Position})
}

func (h *Handler) apiCancel(w http.ResponseWriter, r *http.Request) {
	u := h.apiUser(w, r)
	if u == nil {
		return
	}
	id, ok := h.apiID(w, r)
	if !ok {
		return
	}
	if err := h.svc.Cancel(r.Context(), u, id); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, RegistrationOut{Status: "none"})
}

func (h *Handler) apiAsk(r *http.Request, u *auth.User, id int64, in QuestionIn) (QuestionOut, error) {
	q, err := h.svc.Ask(r.Context(), u, id, in.Body)
	if err != nil {
		return QuestionOut{}, err
	}
	return QuestionOut{ID: idStr(q.ID), Body: q.Body, Status: q.Status, Votes: q.Votes, CreatedAt: q.CreatedAt}, nil
}
