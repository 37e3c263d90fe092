package courses

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// newData is what the create page shows beside the form.
type newData struct {
	Org      *web.Pick // the organization, named by typing its name
	Weekdays []string
	Teachers teacherPart
}

func (h *handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	f := url.Values{"org_id": {r.URL.Query().Get("org")}, "capacity": {"30"}, "start_time": {"18:00"}, "minutes": {"90"},
		"threshold": {"80"}, "offer_hours": {"24"}, "remind_hours": {"24"}}
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "courses_new", &web.PageData{Title: h.srv.T(r, "courses.new"), Form: f, Data: newData{Org: pk, Weekdays: Weekdays}})
}

// courseForm reads the create and edit forms (after pickTeachers).
func courseForm(f url.Values) (NewCourse, error) {
	in := NewCourse{OrgID: web.FormInt(f.Get("org_id")), Capacity: atoi(f.Get("capacity")),
		Title:       i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		Description: i18n.Text{KK: f.Get("description_kk"), RU: f.Get("description_ru"), EN: f.Get("description_en")},
		Schedule: Schedule{Weekdays: f["weekdays"], Start: f.Get("start_time"), Minutes: atoi(f.Get("minutes")),
			From: f.Get("from"), To: f.Get("to")},
		Place: f.Get("place"), OnlineURL: f.Get("online_url"), Threshold: atoi(f.Get("threshold")), OfferHours: atoi(f.Get("offer_hours")),
		Eligibility: Eligibility{AgeMin: atoi(f.Get("age_min")), AgeMax: atoi(f.Get("age_max")), MembersOnly: f.Get("members_only") != ""}}
	var fs errs.Fields
	if v := strings.TrimSpace(f.Get("remind_hours")); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil {
			fs.Add("remind_hours", "courses.invalid_remind_hours")
		}
		in.RemindHours = &h
	}
	for _, r := range strings.FieldsFunc(f.Get("regions"), func(r rune) bool { return r == ',' || r == ' ' }) {
		in.Eligibility.Regions = append(in.Eligibility.Regions, strings.ToUpper(r))
	}
	in.Teachers = web.FormIDs(f, "teacher") // chosen by name: pickTeachers
	return in, fs.Err()
}

// formErrors maps the service's field names to the form's.
func (h *handler) formErrors(r *http.Request, err error) (map[string]string, bool) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if ok {
		for k, v := range map[string]string{"title": "title_kk", "organization_id": "org_id", "schedule.weekdays": "weekdays",
			"schedule.start_time": "start_time", "schedule.minutes": "minutes", "schedule.from": "from", "schedule.to": "to",
			"certificate_threshold": "threshold", "eligibility": "age_min", "description": "description_kk",
			"teachers": "teacher_q"} {
			if m, ok := fe[k]; ok {
				fe[v] = m
			}
		}
	}
	return fe, ok
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	// The organization is named by typing its name (web.Pick).
	pk, err := h.srv.Pick(r, "org", f, "org_id")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	tp, again, err := h.pickTeachers(r, req.User, pk.ID, f, nil)
	if err != nil && errs.CodeOf(err) != errs.Invalid {
		h.srv.Fail(w, r, err)
		return
	}
	again = again || pk.ID == 0
	var c *Course
	if err == nil && !again {
		var in NewCourse
		in, err = courseForm(f)
		if err == nil {
			c, _, err = h.svc.Create(withIP(h, r), req.User, in)
		}
	}
	if err != nil || again {
		fe, ok := h.formErrors(r, err)
		if !ok && err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		status := http.StatusOK
		if err != nil || pk.ID == 0 {
			status = http.StatusUnprocessableEntity
		}
		fe = h.srv.PickError(r, pk, fe)
		h.srv.Render(w, r, status, "courses_new", &web.PageData{Title: h.srv.T(r, "courses.new"),
			Form: f, Errors: fe, Data: newData{Org: pk, Weekdays: Weekdays, Teachers: tp}})
		return
	}
	h.back(w, r, c.ID, "courses.created", "")
}

// fail re-renders the course page with field errors (422) or fails.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, id int64, err error) {
	h.failWith(w, r, id, err, nil)
}

// failWith is fail showing matches of a typed name to enrol.
func (h *handler) failWith(w http.ResponseWriter, r *http.Request, id int64, err error, matches []Candidate) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	if m, ok := fe["person_id"]; ok { // the service's name for the person
		fe["person_q"] = m
	}
	h.renderWith(w, r, id, http.StatusUnprocessableEntity, fe, matches)
}

// personByName finds whom an organizer of course id means by name q:
// the one match (or the one whose name is exactly q), else the matches
// to choose from (none: a field error).
func (h *handler) personByName(r *http.Request, u *auth.User, id int64, q string) (int64, []Candidate, error) {
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	cs, more, err := h.svc.FindTeachers(r.Context(), u, c.OrgID, q)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			return 0, nil, errs.Fields{{Name: "person_q", Key: "courses.teacher_short"}}.Err()
		}
		return 0, nil, err
	}
	if len(cs) == 0 {
		return 0, nil, errs.Fields{{Name: "person_q", Key: "courses.teacher_none"}}.Err()
	}
	if one, ok := onlyMatch(cs, more, q); ok {
		return one.ID, nil, nil
	}
	return 0, cs, nil
}

func (h *handler) enrol(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	person := web.FormInt(r.PostForm.Get("person_id"))
	if s := strings.TrimSpace(r.PostForm.Get("person_id")); s != "" && person <= 0 {
		h.fail(w, r, req.ID, errs.Fields{{Name: "person_q", Key: "validation.invalid_value"}}.Err())
		return
	}
	if q := strings.TrimSpace(r.PostForm.Get("person_q")); person == 0 && q != "" {
		// An organizer names the person by typing (the people related to
		// the course's organization, as teachers are found); several
		// matches come back as buttons, each enrolling one of them.
		var matches []Candidate
		var err error
		if person, matches, err = h.personByName(r, req.User, req.ID, q); err != nil || person == 0 {
			if err == nil {
				err = errs.Fields{{Name: "person_q", Key: "courses.person_choose"}}.Err()
			}
			h.failWith(w, r, req.ID, err, matches)
			return
		}
	}
	e, err := h.svc.Enrol(withIP(h, r), req.User, req.ID, person)
	if err != nil {
		h.fail(w, r, req.ID, err)
		return
	}
	flash := "courses.enrolled"
	if person != 0 && person != req.User.ID {
		flash = "courses.enrolled_other"
	} else if e.Status == Waiting {
		flash = "courses.waitlisted"
	}
	h.back(w, r, req.ID, flash, "enrolment")
}

func (h *handler) leave(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.Leave(withIP(h, r), req.User, req.ID, web.FormInt(r.PostForm.Get("person_id"))); err != nil {
		h.fail(w, r, req.ID, err)
		return
	}
	h.back(w, r, req.ID, "courses.left", "enrolment")
}

func (h *handler) offer(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	answer := r.PostForm.Get("answer")
	if answer != "accept" && answer != "decline" {
		h.fail(w, r, req.ID, errs.Fields{{Name: "answer", Key: "validation.invalid_choice"}}.Err())
		return
	}
	if _, err := h.svc.AnswerOffer(r.Context(), req.User, req.ID, answer == "accept"); err != nil {
		h.fail(w, r, req.ID, err)
		return
	}
	h.back(w, r, req.ID, "courses.offer_"+answer+"ed", "enrolment")
}

func (h *handler) reminders(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	on := r.PostForm.Get("on") == "1"
	if err := h.svc.SetReminders(r.Context(), req.User, req.ID, on); err != nil {
		h.fail(w, r, req.ID, err)
		return
	}
	flash := "courses.reminders_off"
	if on {
		flash = "courses.reminders_on"
	}
	h.back(w, r, req.ID, flash, "enrolment")
}

func (h *handler) checkin(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	_, already, err := h.svc.CheckinCourse(r.Context(), req.User, req.ID, r.PostForm.Get("code"))
	if err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			if e, isE := errs.As(err); isE && e.Code != errs.NotFound && e.Code != errs.Unauthorized {
				fe, ok = map[string]string{"code": h.srv.T(r, e.Key, e.Args...)}, true
			}
		}
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		c, gerr := h.svc.Get(r.Context(), req.ID)
		if gerr != nil {
			h.srv.Fail(w, r, gerr)
			return
		}
		title, _ := c.Title.Pick(web.LangOf(r))
		status := http.StatusUnprocessableEntity
		if e, isE := errs.As(err); isE && e.Code != errs.Invalid {
			status = web.Status(err)
		}
		h.srv.Render(w, r, status, "courses_checkin", &web.PageData{Title: title, Data: map[string]any{"C": c}, Form: r.PostForm, Errors: fe})
		return
	}
	flash := "courses.checked_in"
	if already {
		flash = "courses.already_checked_in"
	}
	h.back(w, r, req.ID, flash, "enrolment")
}

func (h *handler) mark(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "session")
	if !ok {
		return
	}
	sid := req.PathID("session")
	if _, _, err := h.sessionIn(r.Context(), req.ID, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	person := web.FormInt(r.PostForm.Get("person_id"))
	if err := h.svc.Mark(r.Context(), req.User, sid, person, r.PostForm.Get("status")); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/courses/%d/sessions/%d#p-%d", req.ID, sid, person), "")
}

func (h *handler) move(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "session")
	if !ok {
		return
	}
	sid := req.PathID("session")
	if _, _, err := h.sessionIn(r.Context(), req.ID, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	at, ok := parseLocal(r.PostForm.Get("starts_at"))
	var err error
	if !ok {
		err = errs.Fields{{Name: "starts_at", Key: "validation.invalid_datetime"}}.Err()
	} else {
		err = h.svc.MoveSession(withIP(h, r), req.User, sid, at, atoi(r.PostForm.Get("minutes")))
	}
	if err != nil {
		h.fail(w, r, req.ID, err)
		return
	}
	h.back(w, r, req.ID, "courses.session_moved", "sessions")
}

func (h *handler) cancelSession(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "session")
	if !ok {
		return
	}
	sid := req.PathID("session")
	if _, _, err := h.sessionIn(r.Context(), req.ID, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if err := h.svc.CancelSession(withIP(h, r), req.User, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.back(w, r, req.ID, "courses.session_cancelled_ok", "sessions")
}

func (h *handler) certificates(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.IssueCertificates(withIP(h, r), req.User, req.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/courses/%d/attendance", req.ID), "courses.certificates_issued")
}

// readUpload reads the multipart field "file".
func readUpload(r *http.Request, max int) ([]byte, error) {
	noFile := errs.Fields{{Name: "file", Key: "courses.import.empty"}}.Err()
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if web.Status(err) == http.StatusRequestEntityTooLarge {
			return nil, errs.New(errs.TooLarge, "error.413.text")
		}
		return nil, noFile
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, noFile
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, errs.New(errs.TooLarge, "error.413.text")
	}
	if len(b) == 0 {
		return nil, noFile
	}
	return b, nil
}

// importEnrolments is the organizer's file upload on the course page:
// done, or the page again with every bad row listed and nothing written.
func (h *handler) importEnrolments(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	data, err := readUpload(r, MaxImportBytes)
	if err == nil {
		_, err = h.svc.ImportEnrolments(withIP(h, r), req.User, req.ID, data)
	}
	if err != nil {
		e, isE := errs.As(err)
		if !isE || e.Code != errs.Invalid {
			h.srv.Fail(w, r, err)
			return
		}
		p := h.srv.Printer(r)
		report := map[string]string{"import": p.T("courses.import.report")}
		for i, f := range e.Fields {
			msg := p.T(f.Key, f.Args...)
			if f.Row > 0 {
				msg = p.T("courses.import.row", "row", f.Row, "message", msg)
			}
			report[fmt.Sprintf("import-%03d", i)] = msg
		}
		h.render(w, r, req.ID, http.StatusUnprocessableEntity, report)
		return
	}
	h.back(w, r, req.ID, "courses.import.done", "learners")
}
