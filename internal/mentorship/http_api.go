package mentorship

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

// PoolIn is POST /api/v1/mentor-pools.
type PoolIn struct {
	OrganizationID string    `json:"organization_id"`
	ProgrammeID    string    `json:"programme_id,omitempty"`
	Title          i18n.Text `json:"title"`
	Spheres        []Sphere  `json:"spheres"`
	AgeMin         int       `json:"age_min,omitempty"`
	AgeMax         int       `json:"age_max,omitempty"`
	Regions        []string  `json:"regions,omitempty"`
}

// PoolOut is a pool.
type PoolOut struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	ProgrammeID    string    `json:"programme_id,omitempty"`
	Title          i18n.Text `json:"title"`
	Spheres        []Sphere  `json:"spheres"`
	AgeMin         int       `json:"age_min,omitempty"`
	AgeMax         int       `json:"age_max,omitempty"`
	Regions        []string  `json:"regions"`
	URL            string    `json:"url"`
}

// MentorBody is POST /api/v1/mentor-pools/{id}/mentors.
type MentorBody struct {
	PersonID  string   `json:"person_id,omitempty"`
	Spheres   []string `json:"spheres"`
	Capacity  int      `json:"capacity"`
	Languages []string `json:"languages"`
	Region    string   `json:"region,omitempty"`
	Mode      string   `json:"mode,omitempty"`
	Bio       string   `json:"bio,omitempty"`
}

// MentorSettingsIn is PUT /api/v1/mentors/{id}.
type MentorSettingsIn struct {
	Capacity int  `json:"capacity"`
	Paused   bool `json:"paused"`
}

// MentorOut is a mentor's card.
type MentorOut struct {
	ID        string   `json:"id"`
	PoolID    string   `json:"pool_id"`
	Name      string   `json:"name"`
	Status    string   `json:"status"`
	Spheres   []string `json:"spheres"`
	Languages []string `json:"languages"`
	Capacity  int      `json:"capacity"`
	Free      int      `json:"free"`
	Region    string   `json:"region,omitempty"`
	Mode      string   `json:"mode"`
	Bio       string   `json:"bio,omitempty"`
}

// RequestBody is a request for a mentor.
type RequestBody struct {
	Spheres     []string `json:"spheres"`
	Languages   []string `json:"languages"`
	Mode        string   `json:"mode,omitempty"`
	Goal        string   `json:"goal"`
	Preferences []string `json:"preferences,omitempty"`
	OnlyRanked  bool     `json:"only_ranked,omitempty"`
}

// RequestOut is a filed request.
type RequestOut struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	MentorshipID string `json:"mentorship_id,omitempty"`
}

// RoundOut is a finished round.
type RoundOut struct {
	ID        string         `json:"id"`
	Matched   int            `json:"matched"`
	Unmatched int            `json:"unmatched"`
	Seed      string         `json:"seed"`
	Items     []RoundPairOut `json:"items"`
}

// RoundPairOut is one pair of a round.
type RoundPairOut struct {
	RequestID string `json:"request_id"`
	MentorID  string `json:"mentor_id"`
}

// MentorshipOut is a mentorship.
type MentorshipOut struct {
	ID        string   `json:"id"`
	PoolID    string   `json:"pool_id"`
	MentorID  string   `json:"mentor_id"`
	Mentor    string   `json:"mentor"`
	Mentee    string   `json:"mentee"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Why       []string `json:"why"`
	CreatedAt string   `json:"created_at"`
}

// StatusIn is PUT /api/v1/mentorships/{id}.
type StatusIn struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// SessionIn is POST /api/v1/mentorships/{id}/sessions.
type SessionIn struct {
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
	Notes   string `json:"notes,omitempty"`
}

// SessionOut is a logged session.
type SessionOut struct {
	ID      string `json:"id"`
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
	Notes   string `json:"notes,omitempty"`
}

func s64(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func parseID(fs *errs.Fields, field, s string) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(field, "validation.invalid_value")
	}
	return n
}

func (s *Service) poolOut(p *Pool) PoolOut {
	return PoolOut{ID: s64(p.ID), OrganizationID: s64(p.OrgID), ProgrammeID: s64(p.ProgrammeID), Title: p.Title, Spheres: p.Spheres,
		AgeMin: p.AgeMin, AgeMax: p.AgeMax, Regions: p.Regions, URL: s.base + "/kk" + poolPath(p.ID)}
}

func mentorOut(m *Mentor) MentorOut {
	return MentorOut{ID: s64(m.ID), PoolID: s64(m.PoolID), Name: m.Name, Status: m.Status, Spheres: m.Spheres, Languages: m.Languages,
		Capacity: m.Capacity, Free: m.Free(), Region: m.Region, Mode: m.Mode, Bio: m.Bio}
}

func (h *handler) apiCreatePool(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in PoolIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	np := NewPool{OrgID: parseID(&fs, "organization_id", in.OrganizationID), ProgrammeID: parseID(&fs, "programme_id", in.ProgrammeID),
		Title: in.Title, Spheres: in.Spheres, AgeMin: in.AgeMin, AgeMax: in.AgeMax, Regions: in.Regions}
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	id, err := h.svc.CreatePool(ctxIP(h, r).Context(), u, np)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p, err := h.svc.Pool(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, h.svc.poolOut(p))
}

func (h *handler) apiPool(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	p, err := h.svc.Pool(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, h.svc.poolOut(p))
}

func (h *handler) apiMentors(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if after, err = strconv.ParseInt(c, 10, 64); err != nil {
			h.srv.Fail(w, r, errs.Fields{{Name: "cursor", Key: "validation.invalid_value"}}.Err())
			return
		}
	}
	if _, err := h.svc.Pool(r.Context(), req.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	list, err := h.svc.Mentors(r.Context(), req.ID, MentorFilter{Sphere: r.URL.Query().Get("sphere"), After: after, Limit: limit})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[MentorOut]{Items: []MentorOut{}}
	for _, m := range list {
		out.Items = append(out.Items, mentorOut(m))
	}
	if len(list) == limit {
		out.NextCursor = s64(list[len(list)-1].ID)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiAddMentor(r *http.Request, u *auth.User, id int64, in MentorBody) (MentorOut, error) {
	var fs errs.Fields
	person := parseID(&fs, "person_id", in.PersonID)
	if err := fs.Err(); err != nil {
		return MentorOut{}, err
	}
	m, err := h.svc.AddMentor(r.Context(), u, id, MentorIn{PersonID: person, Spheres: in.Spheres, Capacity: in.Capacity,
		Languages: in.Languages, Region: in.Region, Mode: in.Mode, Bio: in.Bio})
	if err != nil {
		return MentorOut{}, err
	}
	m.Name = u.Name
	if person != 0 && person != u.ID {
		if full, err := h.svc.Mentor(r.Context(), m.ID); err == nil {
			m = full
		}
	}
	return mentorOut(m), nil
}

func (h *handler) apiApprove(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	m, err := h.svc.Approve(ctxIP(h, r).Context(), req.User, req.ID, true)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, mentorOut(m))
}

func (h *handler) apiSettings(r *http.Request, u *auth.User, id int64, in MentorSettingsIn) (MentorOut, error) {
	m, err := h.svc.Settings(r.Context(), u, id, in.Capacity, in.Paused)
	if err != nil {
		return MentorOut{}, err
	}
	return mentorOut(m), nil
}

func (in RequestBody) request() (RequestIn, error) {
	var fs errs.Fields
	out := RequestIn{Spheres: in.Spheres, Languages: in.Languages, Mode: in.Mode, Goal: in.Goal, OnlyRanked: in.OnlyRanked}
	for _, p := range in.Preferences {
		out.Preferences = append(out.Preferences, parseID(&fs, "preferences", p))
	}
	return out, fs.Err()
}

func (h *handler) apiAsk(r *http.Request, u *auth.User, id int64, in RequestBody) (RequestOut, error) {
	rq, err := in.request()
	if err != nil {
		return RequestOut{}, err
	}
	q, err := h.svc.Ask(r.Context(), u, id, rq)
	if err != nil {
		return RequestOut{}, err
	}
	return RequestOut{ID: s64(q.ID), Status: q.Status}, nil
}

func (h *handler) apiAskMentor(r *http.Request, u *auth.User, id int64, in RequestBody) (RequestOut, error) {
	rq, err := in.request()
	if err != nil {
		return RequestOut{}, err
	}
	q, ms, err := h.svc.AskMentor(r.Context(), u, id, rq)
	if err != nil {
		return RequestOut{}, err
	}
	return RequestOut{ID: s64(q.ID), Status: q.Status, MentorshipID: s64(ms)}, nil
}

func (h *handler) apiRound(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	rd, err := h.svc.RunRound(ctxIP(h, r).Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := RoundOut{ID: s64(rd.ID), Matched: rd.Matched, Unmatched: rd.Unmatched, Seed: strconv.FormatUint(rd.Seed, 10), Items: []RoundPairOut{}}
	for _, p := range rd.Pairs {
		out.Items = append(out.Items, RoundPairOut{RequestID: s64(p.RequestID), MentorID: s64(p.MentorID)})
	}
	api.WriteJSON(w, http.StatusCreated, out)
}

func (h *handler) msOut(r *http.Request, m *Mentorship) MentorshipOut {
	var p *Pool
	if pool, err := h.svc.Pool(r.Context(), m.PoolID); err == nil {
		p = pool
	}
	l := i18n.Negotiate(r.Header.Get("Accept-Language"))
	why := h.svc.Why(h.svc.catalog.Printer(l), l, p, m.Reasons)
	if why == nil {
		why = []string{}
	}
	return MentorshipOut{ID: s64(m.ID), PoolID: s64(m.PoolID), MentorID: s64(m.MentorID), Mentor: m.MentorName, Mentee: m.MenteeName,
		Status: m.Status, Reason: m.Reason, Why: why, CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339)}
}

func (h *handler) apiMine(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	list, err := h.svc.MentorshipsOf(r.Context(), req.User, 0)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[MentorshipOut]{Items: []MentorshipOut{}}
	for _, m := range list {
		out.Items = append(out.Items, h.msOut(r, m))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiMentorship(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	m, err := h.svc.Mentorship(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, h.msOut(r, m))
}

func (h *handler) apiStatus(r *http.Request, u *auth.User, id int64, in StatusIn) (MentorshipOut, error) {
	m, err := h.svc.SetStatus(r.Context(), u, id, in.Status, in.Reason)
	if err != nil {
		return MentorshipOut{}, err
	}
	return h.msOut(r, m), nil
}

func (h *handler) apiSession(r *http.Request, u *auth.User, id int64, in SessionIn) (SessionOut, error) {
	x, err := h.svc.LogSession(r.Context(), u, id, in.Date, in.Minutes, in.Notes)
	if err != nil {
		return SessionOut{}, err
	}
	return SessionOut{ID: s64(x.ID), Date: x.Day, Minutes: x.Minutes, Notes: x.Notes}, nil
}
