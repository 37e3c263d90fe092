package calls

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// The juror's page of declared relatives (decision 0105): pick from the
// applicants they see, or type a full name or an email address; the page
// says only "declared".

type relativesView struct {
	view
	C          *Call
	Candidates []Candidate
	Declared   []Relative
}

func (h *handler) relatives(w http.ResponseWriter, r *http.Request) {
	h.relativesWith(w, r, http.StatusOK, &web.PageData{})
}

func (h *handler) relativesWith(w http.ResponseWriter, r *http.Request, status int, d *web.PageData) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := h.s.Get(ctx, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if ok, err := h.s.IsCallJuror(ctx, req.User, c); err != nil || !ok {
		if err == nil {
			err = errs.New(errs.Forbidden, "calls.error.not_juror")
		}
		h.srv.Fail(w, r, err)
		return
	}
	v := relativesView{view: view{Lang: web.LangOf(r)}, C: c}
	if v.Candidates, err = h.s.RelativeCandidates(ctx, req.User, c); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if v.Declared, err = h.s.Relatives(ctx, req.User, c.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d.Title = h.srv.T(r, "calls.relatives.title")
	d.Data = v
	h.srv.Render(w, r, status, "calls_relatives", d)
}

func (h *handler) postRelative(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	in := RelativeInput{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email")}
	if r.PostForm.Get("op") == "pick" {
		in = RelativeInput{}
		in.PersonID, _ = strconv.ParseInt(r.PostForm.Get("person_id"), 10, 64)
		if in.PersonID == 0 {
			in.PersonID = -1 // nothing chosen: refused next to the list
		}
	}
	if _, err := h.s.DeclareRelative(audit.WithIP(r.Context(), h.srv.ClientIP(r)), req.User, req.ID, in); err != nil {
		fe, ok := web.FieldErrors(h.srv.Printer(r), err)
		if !ok {
			h.srv.Fail(w, r, err)
			return
		}
		h.relativesWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/calls/%d/relatives", req.ID), "calls.flash.relative")
}

// RelativeIn is the body of POST /calls/{id}/relatives: one of the three.
type RelativeIn struct {
	PersonID string `json:"person_id,omitempty" doc:"a person in an application the juror judges with names shown"`
	Name     string `json:"name,omitempty" doc:"the relative's full name (at a blind stage)"`
	Email    string `json:"email,omitempty" doc:"the relative's email address (at a blind stage)"`
}

// RelativeOut confirms a declaration, and nothing more: whether anyone
// matched, and in which application, is not told.
type RelativeOut struct {
	Declared bool `json:"declared"`
}

func (h *handler) apiRelative(r *http.Request, u *auth.User, id int64, in RelativeIn) (RelativeOut, error) {
	ri := RelativeInput{Name: in.Name, Email: in.Email}
	if in.PersonID != "" {
		n, err := strconv.ParseInt(in.PersonID, 10, 64)
		if err != nil || n <= 0 {
			var fs errs.Fields
			fs.Add("person_id", "calls.error.relative_pick")
			return RelativeOut{}, fs.Err()
		}
		ri.PersonID = n
	}
	if _, err := h.s.DeclareRelative(r.Context(), u, id, ri); err != nil {
		return RelativeOut{}, err
	}
	return RelativeOut{Declared: true}, nil
}
