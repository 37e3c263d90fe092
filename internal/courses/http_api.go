package courses

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// CourseIn is POST /api/v1/courses.
type CourseIn struct {
	OrganizationID string       `json:"organization_id"`
	Title          i18n.Text    `json:"title"`
	Description    i18n.Text    `json:"description"`
	Capacity       int          `json:"capacity"`
	Schedule       Schedule     `json:"schedule"`
	Place          string       `json:"place,omitempty"`
	OnlineURL      string       `json:"online_url,omitempty"`
	Eligibility    *Eligibility `json:"eligibility,omitempty"`
	Threshold      int          `json:"certificate_threshold,omitempty"` // per cent; 80 when absent
	OfferHours     int          `json:"offer_hours,omitempty"`           // how long a waiting person's offer lasts; 24 when absent
	RemindHours    *int         `json:"remind_hours,omitempty"`          // reminders this many hours before each session; 24 when absent, 0: none
	Teachers       []string     `json:"teachers,omitempty"`              // person ids (members of the organization)
}

// SessionOut is one session.
type SessionOut struct {
	ID        string    `json:"id"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Cancelled bool      `json:"cancelled"`
}

// PersonOut is a teacher.
type PersonOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CourseOut is a course. The online link and the teachers' names only for
// those with a relation to it (see Service.Reveals).
type CourseOut struct {
	ID             string       `json:"id"`
	OrganizationID string       `json:"organization_id"`
	Title          i18n.Text    `json:"title"`
	Description    i18n.Text    `json:"description"`
	Capacity       int          `json:"capacity"`
	Enrolled       int          `json:"enrolled"` // seats taken (enrolled and offered)
	Waiting        int          `json:"waiting"`
	Schedule       Schedule     `json:"schedule"`
	Place          string       `json:"place,omitempty"`
	OnlineURL      string       `json:"online_url,omitempty"`
	Eligibility    Eligibility  `json:"eligibility"`
	Threshold      int          `json:"certificate_threshold"`
	OfferHours     int          `json:"offer_hours"`
	RemindHours    int          `json:"remind_hours"`
	EndsAt         time.Time    `json:"ends_at"`
	Teachers       []PersonOut  `json:"teachers,omitempty"`
	Sessions       []SessionOut `json:"sessions"`
}

// EnrolIn is POST /api/v1/courses/{id}/enrolments: empty for yourself.
type EnrolIn struct {
	PersonID string `json:"person_id,omitempty"`
}

// EnrolmentOut is a person's place.
type EnrolmentOut struct {
	Status         string     `json:"status"` // enrolled, waitlisted, offered, or none
	Position       int        `json:"position,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
}

// OfferIn answers an offer.
type OfferIn struct {
	Answer string `json:"answer"` // accept | decline
}

// AttendanceOut is one person's line of the attendance.
type AttendanceOut struct {
	PersonID  string  `json:"person_id"`
	Name      string  `json:"name"`
	Present   int     `json:"present"`
	Sessions  int     `json:"sessions"` // held so far
	Rate      float64 `json:"rate"`
	Completed bool    `json:"completed"`
}

// CertificatesOut says how many certificates were issued.
type CertificatesOut struct {
	Issued int `json:"issued"`
}

// SessionIn moves or cancels a session.
type SessionIn struct {
	StartsAt  *time.Time `json:"starts_at,omitempty"`
	Minutes   int        `json:"minutes,omitempty"`
	Cancelled bool       `json:"cancelled,omitempty"`
}

// MarkIn is PUT /api/v1/sessions/{id}/attendance.
type MarkIn struct {
	PersonID string `json:"person_id"`
	Status   string `json:"status"` // present | absent | excused
}

// CheckinIn is POST /api/v1/sessions/{id}/checkin.
type CheckinIn struct {
	Code string `json:"code"`
}

// CheckinOut is a check-in's result.
type CheckinOut struct {
	Status  string `json:"status"`  // present
	Already bool   `json:"already"` // was already marked present
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func parseIDs(field string, list []string, fs *errs.Fields) []int64 {
	var out []int64
	for _, s := range list {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			fs.Add(field, "validation.invalid_value")
			return nil
		}
		out = append(out, n)
	}
	return out
}

func enrolmentOut(e *Enrolment) EnrolmentOut {
	st := e.Status
	switch st {
	case Waiting:
		st = "waitlisted"
	case "":
		st = "none"
	}
	return EnrolmentOut{Status: st, Position: e.Position, OfferExpiresAt: e.OfferExpiresAt}
}

func sessionOut(se Session) SessionOut {
	return SessionOut{ID: idString(se.ID), StartsAt: se.StartsAt.UTC(), EndsAt: se.EndsAt.UTC(), Cancelled: se.CancelledAt != nil}
}

func (h *handler) courseOut(r *http.Request, u *auth.User, c *Course, sessions []Session) CourseOut {
	out := CourseOut{ID: idString(c.ID), OrganizationID: idString(c.OrgID), Title: c.Title, Description: c.Description,
		Capacity: c.Capacity, Enrolled: c.SeatsTaken, Waiting: c.Waiting, Schedule: c.Schedule, Place: c.Place,
		Eligibility: c.Eligibility, Threshold: c.Threshold, OfferHours: c.OfferHours, RemindHours: c.RemindHours, EndsAt: c.EndsAt.UTC(), Sessions: []SessionOut{}}
	if h.svc.Reveals(r.Context(), u, c) {
		out.OnlineURL = c.OnlineURL
		for _, t := range c.Teachers {
			out.Teachers = append(out.Teachers, PersonOut{ID: idString(t.ID), Name: t.Name})
		}
	}
	for _, se := range sessions {
		out.Sessions = append(out.Sessions, sessionOut(se))
	}
	return out
}

func (h *handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		h.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in CourseIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	org, _ := strconv.ParseInt(in.OrganizationID, 10, 64)
	nc := NewCourse{OrgID: org, Title: in.Title, Description: in.Description, Capacity: in.Capacity, Schedule: in.Schedule,
		Place: in.Place, OnlineURL: in.OnlineURL, Threshold: in.Threshold, OfferHours: in.OfferHours, RemindHours: in.RemindHours,
		Teachers: parseIDs("teachers", in.Teachers, &fs)}
	if in.Eligibility != nil {
		nc.Eligibility = *in.Eligibility
	}
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	c, sessions, err := h.svc.Create(withIP(h, r), u, nc)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, h.courseOut(r, u, c, sessions))
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	c, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	sessions, err := h.svc.Sessions(r.Context(), c.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, h.courseOut(r, req.User, c, sessions))
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := h.srv.Limit(r, 50, 200)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := Filter{Limit: limit}
	var fs errs.Fields
	if s := q.Get("organization_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			fs.Add("organization_id", "validation.invalid_value")
		}
		f.OrgID = &id
	}
	if s := q.Get("cursor"); s != "" {
		var cur struct {
			ID int64 `json:"id"`
		}
		if err := api.DecodeCursor(s, &cur); err != nil || cur.ID <= 0 {
			fs.Add("cursor", "validation.invalid_value")
		}
		f.BeforeID = cur.ID
	}
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	list, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[CourseOut]{Items: []CourseOut{}}
	u := web.UserOf(r)
	for _, c := range list {
		out.Items = append(out.Items, h.courseOut(r, u, c, nil))
	}
	if len(list) == f.Limit {
		out.NextCursor = api.EncodeCursor(struct {
			ID int64 `json:"id"`
		}{list[len(list)-1].ID})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// apiEnrol is POST …/enrolments: an empty body enrols the caller.
func (h *handler) apiEnrol(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	var in EnrolIn
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		h.srv.Fail(w, r, errs.New(errs.BadRequest, "error.400.text"))
		return
	}
	if len(bytes.TrimSpace(b)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(b))
		if err := h.srv.Decode(r, &in); err != nil {
			h.srv.Fail(w, r, err)
			return
		}
	}
	out, err := h.enrolAPI(r.WithContext(withIP(h, r)), req.User, req.ID, in)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, out)
}

func (h *handler) enrolAPI(r *http.Request, u *auth.User, id int64, in EnrolIn) (EnrolmentOut, error) {
	var person int64
	if in.PersonID != "" {
		var fs errs.Fields
		ids := parseIDs("person_id", []string{in.PersonID}, &fs)
		if err := fs.Err(); err != nil {
			return EnrolmentOut{}, err
		}
		person = ids[0]
	}
	e, err := h.svc.Enrol(r.Context(), u, id, person)
	if err != nil {
		return EnrolmentOut{}, err
	}
	return enrolmentOut(e), nil
}

func (h *handler) apiLeave(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "person_id")
	if !ok {
		return
	}
	if err := h.svc.Leave(withIP(h, r), req.User, req.ID, req.PathID("person_id")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, EnrolmentOut{Status: "none"})
}

func (h *handler) apiOffer(r *http.Request, u *auth.User, id int64, in OfferIn) (EnrolmentOut, error) {
	if in.Answer != "accept" && in.Answer != "decline" {
		return EnrolmentOut{}, errs.Fields{{Name: "answer", Key: "validation.invalid_choice"}}.Err()
	}
	e, err := h.svc.AnswerOffer(r.Context(), u, id, in.Answer == "accept")
	if err != nil {
		return EnrolmentOut{}, err
	}
	return enrolmentOut(e), nil
}

func (h *handler) apiAttendance(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	sh, err := h.svc.Sheet(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[AttendanceOut]{Items: []AttendanceOut{}}
	for _, row := range sh.Rows {
		out.Items = append(out.Items, AttendanceOut{PersonID: idString(row.ID), Name: row.Name, Present: row.Present,
			Sessions: sh.Held, Rate: float64(int(row.Rate*1000+0.5)) / 1000, Completed: row.Completed})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiCertificates(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	n, err := h.svc.IssueCertificates(withIP(h, r), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, CertificatesOut{Issued: n})
}

func (h *handler) apiSession(r *http.Request, u *auth.User, id int64, in SessionIn) (SessionOut, error) {
	var err error
	switch {
	case in.Cancelled:
		err = h.svc.CancelSession(r.Context(), u, id)
	case in.StartsAt != nil:
		err = h.svc.MoveSession(r.Context(), u, id, in.StartsAt.UTC(), in.Minutes)
	default:
		err = errs.Fields{{Name: "starts_at", Key: "validation.required"}}.Err()
	}
	if err != nil {
		return SessionOut{}, err
	}
	se, _, err := h.svc.session(r.Context(), id)
	if err != nil {
		return SessionOut{}, err
	}
	return sessionOut(*se), nil
}

func (h *handler) apiMark(r *http.Request, u *auth.User, id int64, in MarkIn) (MarkIn, error) {
	var fs errs.Fields
	ids := parseIDs("person_id", []string{in.PersonID}, &fs)
	if err := fs.Err(); err != nil {
		return MarkIn{}, err
	}
	if err := h.svc.Mark(r.Context(), u, id, ids[0], in.Status); err != nil {
		return MarkIn{}, err
	}
	return in, nil
}

func (h *handler) apiCheckin(r *http.Request, u *auth.User, id int64, in CheckinIn) (CheckinOut, error) {
	already, err := h.svc.Checkin(r.Context(), u, id, in.Code)
	if err != nil {
		return CheckinOut{}, err
	}
	return CheckinOut{Status: "present", Already: already}, nil
}

// ImportFile documents the multipart body of an import.
type ImportFile struct {
	File []byte `json:"file" contentEncoding:"binary" doc:"CSV (UTF-8) or XLSX with a header row and a column email"`
}

func (h *handler) apiImport(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	data, err := readUpload(r, MaxImportBytes)
	var res ImportResult
	if err == nil {
		res, err = h.svc.ImportEnrolments(withIP(h, r), req.User, req.ID, data)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}
