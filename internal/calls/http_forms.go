package calls

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	files, err := h.formFiles(r)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	answers := map[string]string{}
	for k, vs := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "answers."); ok && len(vs) > 0 {
			answers[key] = vs[0]
		}
	}
	host, _ := strconv.ParseInt(r.PostForm.Get("host_id"), 10, 64)
	members := strings.FieldsFunc(r.PostForm.Get("members"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' || r == ' ' || r == '\r' })
	if _, err := h.s.Submit(r.Context(), u, id, ApplyInput{Answers: answers, Files: files, HostID: host, Members: members}); err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		h.showWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d#my-application", id), "calls.flash.applied")
}

// answerInvitation: an invited member joins a team, or declines.
func (h *handler) answerInvitation(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "app")
	if !ok {
		return
	}
	app := req.PathID("app")
	if a, err := h.s.Application(r.Context(), app); err != nil || a.CallID != req.ID {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.no_invitation"))
		return
	}
	st, err := h.s.AnswerInvitation(r.Context(), req.User, app, r.PostForm.Get("answer") == "accept")
	if err != nil {
		if ce, ok := errs.As(err); ok && (ce.Code == errs.Conflict || ce.Code == errs.Forbidden) {
			h.showWith(w, r, web.Status(err), &web.PageData{Errors: map[string]string{"invitation": h.srv.Printer(r).T(ce.Key, ce.Args...)}})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d#invitations", req.ID), "calls.flash.team_"+st)
}

// inviteMember: the applicant invites someone in the place of a member
// who declined or has not answered, or one more member.
func (h *handler) inviteMember(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "app")
	if !ok {
		return
	}
	app := req.PathID("app")
	if a, err := h.s.Application(r.Context(), app); err != nil || a.CallID != req.ID {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.no_application"))
		return
	}
	err := h.s.InviteMember(r.Context(), req.User, app, r.PostForm.Get("email"), r.PostForm.Get("replace"))
	if err != nil {
		ce, ok := errs.As(err)
		if !ok || ce.Code == errs.Forbidden || ce.Code == errs.Unauthorized {
			h.srv.Fail(w, r, err)
			return
		}
		msg := h.srv.Printer(r).T(ce.Key, ce.Args...)
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			msg = fe["email"]
		}
		h.showWith(w, r, web.Status(err), &web.PageData{Errors: map[string]string{"team": msg}})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d#my-application", req.ID), "calls.flash.team_invited")
}

// publication sets when a holding's results become public (empty: at the close).
func (h *handler) publication(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "stage_id", "org")
	if !ok {
		return
	}
	id, sid, org := req.ID, req.PathID("stage_id"), req.PathID("org")
	var at *time.Time
	var err error
	if v := strings.TrimSpace(r.PostForm.Get("publish_at")); v != "" {
		t, perr := time.ParseInLocation(draftTimeLayout, v, i18n.Almaty)
		if perr != nil {
			var fs errs.Fields
			fs.Add("publish_at", "calls.error.bad_time")
			err = fs.Err()
		}
		at = &t
	}
	if err == nil {
		err = h.s.SetPublication(audit.WithIP(r.Context(), h.srv.ClientIP(r)), req.User, id, sid, org, at)
	}
	if err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.stageWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: map[string]string{fmt.Sprintf("publish_at.%d", org): fe["publish_at"]}, Form: r.PostForm})
			return
		}
		if ce, isCoded := errs.As(err); isCoded && ce.Code == errs.Conflict {
			h.stageWith(w, r, http.StatusConflict, &web.PageData{Errors: map[string]string{"stage": h.srv.Printer(r).T(ce.Key, ce.Args...)}, Form: r.PostForm})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d/stages/%d#holding-%d", id, sid, org), "calls.flash.publication")
}

// stageAction runs an organizer's POST and returns to the stage page.
func (h *handler) stageAction(w http.ResponseWriter, r *http.Request, flash string, do func(u *auth.User, id, sid int64) error) {
	req, ok := h.srv.BeginForm(w, r, "id", "stage_id")
	if !ok {
		return
	}
	u, id, sid := req.User, req.ID, req.PathID("stage_id")
	if err := do(u, id, sid); err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			if ce, isCoded := errs.As(err); isCoded && ce.Code == errs.Conflict {
				// Shown on the page it came from, as the form's error.
				h.stageWith(w, r, http.StatusConflict, &web.PageData{Errors: map[string]string{"stage": h.srv.Printer(r).T(ce.Key, ce.Args...)}, Form: r.PostForm})
				return
			}
			h.srv.Fail(w, r, err)
			return
		}
		h.stageWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d/stages/%d", id, sid), flash)
}

func (h *handler) addJuror(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.juror_added", func(u *auth.User, id, sid int64) error {
		ctx := audit.WithIP(r.Context(), h.srv.ClientIP(r))
		host, _ := strconv.ParseInt(r.PostForm.Get("host_id"), 10, 64)
		c, _, err := h.s.stageOf(ctx, id, sid)
		if err != nil {
			return err
		}
		// Only organizers learn whether an address has an account.
		if err := h.s.requireHolding(ctx, u, c, host); err != nil {
			return err
		}
		email := strings.TrimSpace(r.PostForm.Get("email"))
		p, err := h.s.Auth.UserByEmail(ctx, email)
		if err != nil || p == nil {
			var fs errs.Fields
			fs.Add("email", "calls.error.no_person")
			return fs.Err()
		}
		return h.s.AddJuror(ctx, u, id, sid, p.ID, host, r.PostForm.Get("chair") == "1")
	})
}

func (h *handler) assign(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.assigned", func(u *auth.User, id, sid int64) error {
		_, err := h.s.Assign(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
		return err
	})
}

func (h *handler) close(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.closed", func(u *auth.User, id, sid int64) error {
		_, err := h.s.Close(audit.WithIP(r.Context(), h.srv.ClientIP(r)), u, id, sid)
		return err
	})
}

func (h *handler) decline(w http.ResponseWriter, r *http.Request) {
	h.stageAction(w, r, "calls.flash.declined", func(u *auth.User, id, sid int64) error {
		a, err := h.s.ApplicationOf(r.Context(), u, id)
		if err != nil {
			return err
		}
		if a == nil {
			return errs.New(errs.NotFound, "calls.error.no_application")
		}
		return h.s.Decline(r.Context(), u, a.ID, sid)
	})
}

func (h *handler) score(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "stage_id", "app")
	if !ok {
		return
	}
	u, id, sid, app := req.User, req.ID, req.PathID("stage_id"), req.PathID("app")
	c, st, err := h.s.stageOf(r.Context(), id, sid)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	a, err := h.s.Application(r.Context(), app)
	if err != nil || a.CallID != c.ID {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.no_application"))
		return
	}
	scores := map[string]float64{}
	var fs errs.Fields
	for _, cr := range st.Criteria {
		s := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("scores."+cr.Key), ",", "."))
		if s == "" {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fs.Add("scores."+cr.Key, "calls.error.not_a_number")
			continue
		}
		scores[cr.Key] = f
	}
	err = fs.Err()
	if err == nil {
		_, err = h.s.Score(r.Context(), u, app, sid, scores, r.PostForm.Get("comment"))
	}
	if err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		h.reviewWith(w, r, http.StatusUnprocessableEntity, app, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	next := fmt.Sprintf("/calls/%d/stages/%d/review", id, sid)
	if n := r.PostForm.Get("next"); n != "" {
		if nid, err := strconv.ParseInt(n, 10, 64); err == nil && nid > 0 {
			next += "?a=" + url.QueryEscape(strconv.FormatInt(nid, 10))
		}
	}
	h.srv.Redirect(w, r, next, "calls.flash.scored")
}

// conflict: a juror declares they may not judge this application.
func (h *handler) conflict(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "stage_id", "app")
	if !ok {
		return
	}
	u, id, sid, app := req.User, req.ID, req.PathID("stage_id"), req.PathID("app")
	if a, err := h.s.Application(r.Context(), app); err != nil || a.CallID != id {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "calls.error.no_application"))
		return
	}
	if err := h.s.DeclareConflict(r.Context(), u, app, sid); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d/stages/%d/review", id, sid), "calls.flash.conflict")
}

// formFiles reads the files of a multipart application form (the fields
// answers.KEY), each up to one byte over the limit so that the service
// refuses it by name; a form without files has none.
func (h *handler) formFiles(r *http.Request) (map[string]*File, error) {
	if !web.IsMultipart(r) {
		return nil, nil
	}
	if err := r.ParseMultipartForm(maxApplyBody); err != nil {
		return nil, web.MultipartError(err)
	}
	files := map[string]*File{}
	for name, hs := range r.MultipartForm.File {
		key, ok := strings.CutPrefix(name, "answers.")
		if !ok || len(hs) == 0 || hs[0].Size == 0 {
			continue
		}
		f, err := hs[0].Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, proposals.MaxAttachment+1))
		f.Close()
		if err != nil {
			return nil, web.MultipartError(err)
		}
		files[key] = &File{Name: hs[0].Filename, Data: data}
	}
	return files, nil
}
