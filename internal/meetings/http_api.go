package meetings

import (
	"net/http"
	"strconv"
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
