package meetings

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

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
	MinutesApprovedAt    *time.Time `json:"minutes_approved_at,omitempty"`
	CancelledAt          *time.Time `json:"cancelled_at,omitempty" doc:"the meeting was called off"`
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

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
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
	o := meetingOut(m, items)
	api.WriteJSON(w, status, o)
}

// meetingOut is m (as ForReader gives it) with its agenda.
func meetingOut(m *Meeting, items []Item) MeetingOut {
	o := MeetingOut{ID: idStr(m.ID), OrganizationID: idStr(m.OrgID), ProgrammeID: idStr(m.ProgrammeID), Title: m.Title, Kind: m.Kind,
		Format: m.Format, Description: m.Description, Address: m.Address, OnlineURL: m.OnlineURL, StartsAt: m.StartsAt.UTC(), EndsAt: m.EndsAt.UTC(),
		Invite: m.Invite, Capacity: m.Capacity, Registered: m.Registered, RegistrationClosesAt: utcPtr(m.RegistrationClosesAt),
		Quorum: float64(m.QuorumPct) / 100, MinutesApprovedAt: utcPtr(m.MinutesApprovedAt), CancelledAt: utcPtr(m.CancelledAt), Agenda: []ItemOut{}}
	for _, it := range items {
		o.Agenda = append(o.Agenda, itemOut(it))
	}
	return o
}

func itemOut(it Item) ItemOut {
	att := it.Attachments
	if att == nil {
		att = []string{}
	}
	return ItemOut{ID: idStr(it.ID), Title: it.Title, Presenter: it.Presenter, DurationMin: it.DurationMin, Attachments: att}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if req, ok := h.srv.BeginGuest(w, r, "id"); ok {
		h.writeMeeting(w, r, req.ID, http.StatusOK)
	}
}

func (h *Handler) apiRegister(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	reg, err := h.svc.RegisterFor(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, RegistrationOut{Status: reg.Status, Position: reg.Position})
}

func (h *Handler) apiCancel(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
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

// --- read-only lists: meetings, a meeting's agenda, minutes, decisions

// listQuery documents the filters of GET /api/v1/meetings.
func listQuery() []api.Param {
	return api.ListQuery(
		api.Param{Name: "organization_id", Description: "only this organization's meetings"},
		api.Param{Name: "programme_id", Description: "only the meetings of this programme"},
		api.Param{Name: "from", Description: "only meetings ending at or after this time (RFC 3339, or YYYY-MM-DD for its start in UTC)"},
		api.Param{Name: "to", Description: "only meetings starting before this time (RFC 3339, or YYYY-MM-DD for its start in UTC)"},
		api.Param{Name: "status", Description: "upcoming (not started), ongoing, past (ended) or cancelled; the first three leave out cancelled meetings"})
}

// apiList is GET /api/v1/meetings: past and coming meetings by start time,
// keyset-paged by (starts_at, id). Meetings are public as on the pages;
// the link to join online goes only to those who may attend (MayAttend,
// as ForReader applies it).
func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := api.NewFilter(r.URL.Query())
	if v := f.Q.Get("cursor"); v != "" {
		var at time.Time
		var id int64
		if err := api.DecodeCursor(v, &at, &id); err != nil || id <= 0 {
			f.Invalid("cursor", "api.invalid_cursor")
		}
		f.Add("m.starts_at >= ? AND (m.starts_at > ? OR m.id > ?)", at.UTC(), at.UTC(), id)
	}
	f.ID("organization_id", "m.org_id")
	f.ID("programme_id", "m.programme_id")
	f.Time("from", "m.ends_at >= ?")
	f.Time("to", "m.starts_at < ?")
	now := h.svc.db.Now().UTC()
	switch f.Q.Get("status") {
	case "":
	case "upcoming":
		f.Add("m.cancelled_at IS NULL AND m.starts_at > ?", now)
	case "ongoing":
		f.Add("m.cancelled_at IS NULL AND m.starts_at <= ? AND m.ends_at > ?", now, now)
	case "past":
		f.Add("m.cancelled_at IS NULL AND m.ends_at <= ?", now)
	case "cancelled":
		f.Add("m.cancelled_at IS NOT NULL")
	default:
		f.Invalid("status", "validation.invalid_value")
	}
	if err := f.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	rows, err := h.svc.db.Query(ctx, "SELECT "+meetingColumns+" FROM meetings m JOIN organizations o ON o.id = m.org_id "+
		f.Where+" ORDER BY m.starts_at, m.id LIMIT ?", append(f.Args, limit+1)...)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var list []*Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			rows.Close()
			h.srv.Fail(w, r, err)
			return
		}
		list = append(list, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	page := api.Paginate(list, limit, func(m *Meeting) []any { return []any{m.StartsAt, m.ID} })
	agendas, err := h.agendasOf(r, page.Items)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	out := api.Page[MeetingOut]{Items: make([]MeetingOut, 0, len(page.Items)), NextCursor: page.NextCursor}
	// Whether u may attend depends only on the organization and whom it
	// invites: asked once per pair.
	type whom struct {
		org    int64
		invite string
	}
	attends := map[whom]bool{}
	for _, m := range page.Items {
		k := whom{m.OrgID, m.Invite}
		may, seen := attends[k]
		if !seen {
			if may, err = h.svc.MayAttend(ctx, u, m); err != nil {
				h.srv.Fail(w, r, err)
				return
			}
			attends[k] = may
		}
		if !may {
			c := *m
			c.OnlineURL = ""
			m = &c
		}
		out.Items = append(out.Items, meetingOut(m, agendas[m.ID]))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// agendasOf reads the agendas of the listed meetings in one query.
func (h *Handler) agendasOf(r *http.Request, list []*Meeting) (map[int64][]Item, error) {
	out := map[int64][]Item{}
	if len(list) == 0 {
		return out, nil
	}
	args := make([]any, len(list))
	for i, m := range list {
		args[i] = m.ID
	}
	rows, err := h.svc.db.Query(r.Context(), `SELECT meeting_id, id, position, title, presenter, duration_min, attachments
		FROM meeting_agenda_items WHERE meeting_id IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY meeting_id, position, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var it Item
		var att string
		if err := rows.Scan(&mid, &it.ID, &it.Position, &it.Title, &it.Presenter, &it.DurationMin, &att); err != nil {
			return nil, err
		}
		for _, l := range strings.Split(att, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				it.Attachments = append(it.Attachments, l)
			}
		}
		out[mid] = append(out[mid], it)
	}
	return out, rows.Err()
}

// meetingFor loads the meeting of {id}, or answers 404.
func (h *Handler) meetingFor(w http.ResponseWriter, r *http.Request) (*Meeting, bool) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return nil, false
	}
	m, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return nil, false
	}
	return m, true
}

// apiAgenda is GET /api/v1/meetings/{id}/agenda: the items in order.
func (h *Handler) apiAgenda(w http.ResponseWriter, r *http.Request) {
	m, ok := h.meetingFor(w, r)
	if !ok {
		return
	}
	items, err := h.svc.Agenda(r.Context(), m.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[ItemOut]{Items: make([]ItemOut, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, itemOut(it))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// MinutesOut is a meeting's minutes, by agenda item.
type MinutesOut struct {
	Approved   bool             `json:"approved"`
	ApprovedAt *time.Time       `json:"approved_at,omitempty"`
	Items      []MinutesItemOut `json:"items" doc:"empty until the minutes are approved, except for the meeting's organizers, who see the draft"`
}

// MinutesItemOut is what the minutes record under one agenda item.
type MinutesItemOut struct {
	AgendaItemID string `json:"agenda_item_id"`
	Title        string `json:"title"`
	Minutes      string `json:"minutes"`
}

// apiMinutes is GET /api/v1/meetings/{id}/minutes: as on the meeting's
// page, everyone reads approved minutes, only organizers a draft.
func (h *Handler) apiMinutes(w http.ResponseWriter, r *http.Request) {
	m, ok := h.meetingFor(w, r)
	if !ok {
		return
	}
	out := MinutesOut{Approved: m.MinutesApprovedAt != nil, ApprovedAt: utcPtr(m.MinutesApprovedAt), Items: []MinutesItemOut{}}
	visible := out.Approved
	if !visible {
		org, err := h.svc.IsOrganizer(r.Context(), web.UserOf(r), m)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		visible = org
	}
	if visible {
		items, err := h.svc.Agenda(r.Context(), m.ID)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		for _, it := range items {
			out.Items = append(out.Items, MinutesItemOut{AgendaItemID: idStr(it.ID), Title: it.Title, Minutes: it.Minutes})
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// DecisionOut is a decision of a meeting.
type DecisionOut struct {
	ID           string `json:"id"`
	AgendaItemID string `json:"agenda_item_id,omitempty"`
	Text         string `json:"text"`
	Mode         string `json:"mode" enum:"counted,online"`
	Status       string `json:"status" enum:"voting,closed"`
	For          *int   `json:"for,omitempty" doc:"the counts, once the vote is closed"`
	Against      *int   `json:"against,omitempty"`
	Abstain      *int   `json:"abstain,omitempty"`
	Adopted      bool   `json:"adopted"`
	MyChoice     string `json:"my_choice,omitempty" doc:"the reader's own vote in an online vote"`
}

// apiDecisions is GET /api/v1/meetings/{id}/decisions: in the order they
// were taken; counts only once a vote is closed, as on the page.
func (h *Handler) apiDecisions(w http.ResponseWriter, r *http.Request) {
	m, ok := h.meetingFor(w, r)
	if !ok {
		return
	}
	var reader int64
	if u := web.UserOf(r); u != nil {
		reader = u.ID
	}
	ds, err := h.svc.Decisions(r.Context(), m.ID, reader)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[DecisionOut]{Items: make([]DecisionOut, 0, len(ds))}
	for _, d := range ds {
		o := DecisionOut{ID: idStr(d.ID), AgendaItemID: idStr(d.ItemID), Text: d.Text, Mode: d.Mode, Status: d.Status,
			Adopted: d.Adopted(), MyChoice: d.MyChoice}
		if d.Status == "closed" {
			o.For, o.Against, o.Abstain = &d.For, &d.Against, &d.Abstain
		}
		out.Items = append(out.Items, o)
	}
	api.WriteJSON(w, http.StatusOK, out)
}
