package courses

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// editData is what the edit page shows beside the form.
type editData struct {
	Course   *Course
	Weekdays []string
	Teachers teacherPart
}

// editValues is course c as the edit form's fields.
func editValues(c *Course) url.Values {
	in := c.Editable()
	f := url.Values{
		"title_kk": {in.Title.KK}, "title_ru": {in.Title.RU}, "title_en": {in.Title.EN},
		"description_kk": {in.Description.KK}, "description_ru": {in.Description.RU}, "description_en": {in.Description.EN},
		"capacity": {strconv.Itoa(in.Capacity)}, "weekdays": in.Schedule.Weekdays, "start_time": {in.Schedule.Start},
		"minutes": {strconv.Itoa(in.Schedule.Minutes)}, "from": {in.Schedule.From}, "to": {in.Schedule.To},
		"place": {in.Place}, "online_url": {in.OnlineURL}, "regions": {strings.Join(in.Eligibility.Regions, ", ")},
		"threshold": {strconv.Itoa(in.Threshold)}, "offer_hours": {strconv.Itoa(in.OfferHours)},
		"remind_hours": {strconv.Itoa(*in.RemindHours)},
	}
	if in.Eligibility.AgeMin > 0 {
		f.Set("age_min", strconv.Itoa(in.Eligibility.AgeMin))
	}
	if in.Eligibility.AgeMax > 0 {
		f.Set("age_max", strconv.Itoa(in.Eligibility.AgeMax))
	}
	if in.Eligibility.MembersOnly {
		f.Set("members_only", "1")
	}
	for _, t := range in.Teachers {
		f.Add("teacher", strconv.FormatInt(t, 10))
	}
	return f
}

// editable returns the course when u organizes it, else the error to show.
func (h *handler) editable(r *http.Request, u *auth.User, id int64) (*Course, error) {
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !h.svc.Organizer(r.Context(), u, c) {
		return nil, errs.New(errs.Forbidden, "error.403.text")
	}
	return c, nil
}

func (h *handler) editForm(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	c, err := h.editable(r, req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var tp teacherPart
	for _, t := range c.Teachers {
		tp.Chosen = append(tp.Chosen, Candidate{ID: t.ID, Name: t.Name})
	}
	h.srv.Render(w, r, http.StatusOK, "courses_edit", &web.PageData{Title: h.srv.T(r, "courses.edit"), Form: editValues(c),
		Data: editData{Course: c, Weekdays: Weekdays, Teachers: tp}})
}

// update is the edit form's POST: the teachers chosen by name
// (pickTeachers; a button of that part brings the form back) and every
// other field.
func (h *handler) update(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	c, err := h.editable(r, req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	f := r.PostForm
	tp, again, err := h.pickTeachers(r, req.User, c.OrgID, f, c.Teachers)
	if err != nil && errs.CodeOf(err) != errs.Invalid {
		h.srv.Fail(w, r, err)
		return
	}
	var ch *Changes
	if err == nil && !again {
		var in NewCourse
		in, err = courseForm(f)
		if err == nil {
			_, ch, err = h.svc.Update(withIP(h, r), req.User, req.ID, in)
		}
	}
	if err != nil || again {
		fe, ok := h.formErrors(r, err)
		if !ok && err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		status := http.StatusOK
		if err != nil {
			status = http.StatusUnprocessableEntity
		}
		h.srv.Render(w, r, status, "courses_edit", &web.PageData{Title: h.srv.T(r, "courses.edit"),
			Form: f, Errors: fe, Data: editData{Course: c, Weekdays: Weekdays, Teachers: tp}})
		return
	}
	flash := "courses.updated"
	if ch.Rescheduled {
		flash = "courses.updated_rescheduled"
	}
	h.back(w, r, req.ID, flash, "")
}

// TextPatch changes some languages of a multilingual text; absent ones
// stay.
type TextPatch struct {
	KK *string `json:"kk,omitempty"`
	RU *string `json:"ru,omitempty"`
	EN *string `json:"en,omitempty"`
}

func (p *TextPatch) apply(t *i18n.Text) {
	if p == nil {
		return
	}
	for _, x := range []struct {
		v   *string
		dst *string
	}{{p.KK, &t.KK}, {p.RU, &t.RU}, {p.EN, &t.EN}} {
		if x.v != nil {
			*x.dst = *x.v
		}
	}
}

// CoursePatch is PATCH /api/v1/courses/{id}: the fields given change,
// the others stay. A schedule is given whole.
type CoursePatch struct {
	Title       *TextPatch   `json:"title,omitempty"`
	Description *TextPatch   `json:"description,omitempty"`
	Capacity    *int         `json:"capacity,omitempty" doc:"raising it offers the new seats to the waiting list in order; below the seats held: 422"`
	Schedule    *Schedule    `json:"schedule,omitempty" doc:"a new schedule regenerates the sessions after now; sessions that started or have marks stay"`
	Place       *string      `json:"place,omitempty"`
	OnlineURL   *string      `json:"online_url,omitempty"`
	Eligibility *Eligibility `json:"eligibility,omitempty"`
	Threshold   *int         `json:"certificate_threshold,omitempty"`
	OfferHours  *int         `json:"offer_hours,omitempty"`
	RemindHours *int         `json:"remind_hours,omitempty" doc:"hours before each session; 0: no reminders"`
	Teachers    *[]string    `json:"teachers,omitempty" doc:"the whole list of teachers' person ids"`
}

func (h *handler) apiUpdate(r *http.Request, u *auth.User, id int64, p CoursePatch) (CourseOut, error) {
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return CourseOut{}, err
	}
	if !h.svc.Organizer(r.Context(), u, c) {
		return CourseOut{}, errs.New(errs.Forbidden, "error.403.text")
	}
	in := c.Editable()
	p.Title.apply(&in.Title)
	p.Description.apply(&in.Description)
	var fs errs.Fields
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Capacity, p.Capacity)
	set(&in.Threshold, p.Threshold)
	set(&in.OfferHours, p.OfferHours)
	if p.Threshold != nil && *p.Threshold == 0 {
		fs.Add("certificate_threshold", "courses.invalid_threshold")
	}
	if p.OfferHours != nil && *p.OfferHours == 0 {
		fs.Add("offer_hours", "courses.invalid_offer_hours")
	}
	if p.RemindHours != nil {
		in.RemindHours = p.RemindHours
	}
	if p.Schedule != nil {
		in.Schedule = *p.Schedule
	}
	if p.Place != nil {
		in.Place = *p.Place
	}
	if p.OnlineURL != nil {
		in.OnlineURL = *p.OnlineURL
	}
	if p.Eligibility != nil {
		in.Eligibility = *p.Eligibility
	}
	if p.Teachers != nil {
		in.Teachers = parseIDs("teachers", *p.Teachers, &fs)
	}
	if err := fs.Err(); err != nil {
		return CourseOut{}, err
	}
	c, _, err = h.svc.Update(r.Context(), u, id, in)
	if err != nil {
		return CourseOut{}, err
	}
	sessions, err := h.svc.Sessions(r.Context(), id)
	if err != nil {
		return CourseOut{}, err
	}
	return h.courseOut(r, u, c, sessions), nil
}
