package mentorship

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.Begin(w, r); !ok {
		return
	}
	f := url.Values{"org_id": {r.URL.Query().Get("org")}, "programme_id": {r.URL.Query().Get("programme")}, "spheres": {DefaultSpheres}}
	pk, prog, err := h.picks(r, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "mentorship_new", &web.PageData{Title: h.srv.T(r, "mentorship.new"), Form: f, Data: map[string]any{"Org": pk, "Programme": prog}})
}

// picks reads the new-pool form's organization and programme, both named
// by typing (web.Pick); the programme is optional: none typed is no error.
func (h *handler) picks(r *http.Request, f url.Values) (org, prog *web.Pick, err error) {
	if org, err = h.srv.Pick(r, "org", f, "org_id"); err != nil {
		return nil, nil, err
	}
	if prog, err = h.srv.Pick(r, "programme", f, "programme_id"); err != nil {
		return nil, nil, err
	}
	if prog.ID == 0 && prog.Text == "" {
		prog.Err = ""
	}
	return org, prog, nil
}

// DefaultSpheres is the new-pool form's suggestion: one sphere a line,
// "key | kk | ru | en".
const DefaultSpheres = `it | IT | IT | IT
media | Медиа | Медиа | Media
business | Кәсіпкерлік | Бизнес | Business
sport | Спорт | Спорт | Sport
art | Өнер | Искусство | Art
politics | Саясат | Политика | Politics
public | Қоғамдық сала | Общественная сфера | Public sphere`

// ParseSpheres reads the pool form's spheres, one a line.
func ParseSpheres(text string) ([]Sphere, error) {
	var out []Sphere
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		if len(parts) > 4 {
			return nil, errs.Fields{{Name: "spheres", Key: "mentorship.error.sphere_line", Args: []any{"line", i + 1}}}.Err()
		}
		out = append(out, Sphere{Key: strings.TrimSpace(parts[0]), Title: i18n.Text{KK: parts[1], RU: parts[2], EN: parts[3]}.Trim()})
	}
	return out, nil
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	pk, prog, err := h.picks(r, f)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	in := NewPool{OrgID: web.FormInt(f.Get("org_id")), ProgrammeID: prog.ID,
		Title:  i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		AgeMin: atoi(f.Get("age_min")), AgeMax: atoi(f.Get("age_max"))}
	in.Spheres, err = ParseSpheres(f.Get("spheres"))
	var id int64
	picked := pk.ID != 0 && prog.Err == ""
	if err == nil && picked {
		id, err = h.svc.CreatePool(ctxIP(h, r).Context(), req.User, in)
	}
	if err != nil || !picked {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok || err == nil {
			fe = h.srv.PickError(r, prog, h.srv.PickError(r, pk, fe))
			for k, v := range map[string]string{"title": "title_kk", "organization_id": "org_id"} {
				if m, ok := fe[k]; ok {
					fe[v] = m
				}
			}
			for k, m := range fe {
				if strings.HasPrefix(k, "spheres[") {
					fe["spheres"] = m
				}
			}
			h.srv.Render(w, r, http.StatusUnprocessableEntity, "mentorship_new", &web.PageData{Title: h.srv.T(r, "mentorship.new"), Form: f, Errors: fe, Data: map[string]any{"Org": pk, "Programme": prog}})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.backTo(w, r, poolPath(id), "mentorship.flash.created")
}

// fail re-renders the pool page (or a mentor's card) with field errors, or fails.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, poolID, mentorID int64, err error) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	if mentorID != 0 {
		h.renderCard(w, r, u, poolID, mentorID, http.StatusUnprocessableEntity, r.PostForm, fe)
		return
	}
	h.renderPool(w, r, u, poolID, http.StatusUnprocessableEntity, r.PostForm, fe)
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	in := MentorIn{PersonID: web.FormInt(f.Get("person_id")), Spheres: f["spheres"], Languages: f["languages"], Capacity: atoi(f.Get("capacity")),
		Region: f.Get("region"), Mode: f.Get("mode"), Bio: f.Get("bio")}
	if strings.TrimSpace(f.Get("capacity")) == "" {
		in.Capacity = -1
	}
	m, err := h.svc.AddMentor(ctxIP(h, r).Context(), req.User, req.ID, in)
	if err != nil {
		h.fail(w, r, req.ID, 0, err)
		return
	}
	flash := "mentorship.flash.applied"
	if m.Status == "approved" {
		flash = "mentorship.flash.mentor_added"
	}
	h.backTo(w, r, poolPath(req.ID), flash)
}

func requestForm(f url.Values) (RequestIn, error) {
	prefs, ok := ids(f.Get("preferences"))
	if !ok {
		return RequestIn{}, errs.Fields{{Name: "preferences", Key: "mentorship.error.preferences_format"}}.Err()
	}
	return RequestIn{Spheres: f["spheres"], Languages: f["languages"], Mode: f.Get("mode"), Goal: f.Get("goal"),
		Preferences: prefs, OnlyRanked: f.Get("only_ranked") != ""}, nil
}

func (h *handler) ask(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	direct := web.FormInt(r.PostForm.Get("mentor"))
	in, err := requestForm(r.PostForm)
	if err == nil {
		if direct != 0 {
			var m *Mentor
			if m, err = h.svc.Mentor(r.Context(), direct); err == nil && m.PoolID != req.ID {
				err = notFound()
			}
			if err == nil {
				var msID int64
				if _, msID, err = h.svc.AskMentor(r.Context(), req.User, direct, in); err == nil {
					h.backTo(w, r, fmt.Sprintf("/mentorships/%d", msID), "mentorship.flash.asked_mentor")
					return
				}
			}
		} else if _, err = h.svc.Ask(r.Context(), req.User, req.ID, in); err == nil {
			h.backTo(w, r, poolPath(req.ID)+"#my-request", "mentorship.flash.asked")
			return
		}
	}
	h.fail(w, r, req.ID, direct, err)
}

func (h *handler) withdraw(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	rq, err := h.svc.RequestOf(r.Context(), req.User, req.ID)
	if err == nil && rq == nil {
		err = notFound()
	}
	if err == nil {
		err = h.svc.Withdraw(r.Context(), req.User, rq.ID)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.backTo(w, r, poolPath(req.ID), "mentorship.flash.withdrawn")
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	m, err := h.svc.Approve(ctxIP(h, r).Context(), req.User, req.ID, r.PostForm.Get("reject") == "")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.backTo(w, r, poolPath(m.PoolID)+"/manage", "mentorship.flash.saved")
}

func (h *handler) settings(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	m, err := h.svc.Settings(ctxIP(h, r).Context(), req.User, req.ID, atoi(r.PostForm.Get("capacity")), r.PostForm.Get("paused") != "")
	if err != nil {
		if old, gerr := h.svc.Mentor(r.Context(), req.ID); gerr == nil {
			h.fail(w, r, old.PoolID, 0, err)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.backTo(w, r, poolPath(m.PoolID)+"#me-mentor", "mentorship.flash.saved")
}

func (h *handler) newGroup(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	m, err := h.svc.Mentor(r.Context(), req.ID)
	if err == nil {
		_, err = h.svc.CreateGroup(r.Context(), req.User, req.ID, r.PostForm.Get("title"))
	}
	if err != nil {
		if m != nil {
			h.fail(w, r, m.PoolID, 0, err)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.backTo(w, r, poolPath(m.PoolID)+"#me-mentor", "mentorship.flash.saved")
}

// msFail re-renders the mentorship page with field errors, or fails.
func (h *handler) msFail(w http.ResponseWriter, r *http.Request, id int64, err error) {
	fe, ok := web.FieldErrors(h.srv.Printer(r), err)
	if !ok {
		h.srv.Fail(w, r, err)
		return
	}
	h.renderMS(w, r, web.UserOf(r), id, http.StatusUnprocessableEntity, r.PostForm, fe)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.SetStatus(ctxIP(h, r).Context(), req.User, req.ID, r.PostForm.Get("status"), r.PostForm.Get("reason")); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d", req.ID), "mentorship.flash.status_"+r.PostForm.Get("status"))
}

func (h *handler) logSession(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	minutes := atoi(f.Get("minutes"))
	if _, err := h.svc.LogSession(r.Context(), req.User, req.ID, f.Get("date"), minutes, f.Get("notes")); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d#sessions", req.ID), "mentorship.flash.session")
}

func (h *handler) feedback(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.Feedback(r.Context(), req.User, req.ID, r.PostForm.Get("feedback")); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d", req.ID), "mentorship.flash.feedback")
}

func (h *handler) setGroup(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.SetGroup(r.Context(), req.User, req.ID, web.FormInt(r.PostForm.Get("group"))); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d", req.ID), "mentorship.flash.saved")
}

func (h *handler) addGoal(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.AddGoal(r.Context(), req.User, req.ID, r.PostForm.Get("goal_title")); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d#goals", req.ID), "mentorship.flash.saved")
}

func (h *handler) checkGoal(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "goal")
	if !ok {
		return
	}
	if err := h.svc.CheckGoal(r.Context(), req.User, req.ID, req.PathID("goal"), r.PostForm.Get("action")); err != nil {
		h.msFail(w, r, req.ID, err)
		return
	}
	h.backTo(w, r, fmt.Sprintf("/mentorships/%d#goals", req.ID), "mentorship.flash.saved")
}
