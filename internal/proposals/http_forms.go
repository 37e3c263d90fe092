package proposals

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *Handler) formPage(w http.ResponseWriter, r *http.Request, p *programmes.Programme, status int, d *web.PageData) {
	l := web.LangOf(r)
	u := web.UserOf(r)
	var refusal string
	now := h.S.DB.Now()
	if err := h.S.Programmes.CanTakePart(u, p, now); err != nil {
		refusal = message(h.Srv.Printer(r), err)
	} else if err := programmes.RequirePhase(p, "proposals", now); err != nil {
		refusal = message(h.Srv.Printer(r), err)
	}
	if d.Form == nil {
		d.Form = url.Values{"region": {u.Region}}
	}
	d.Title = h.Srv.T(r, "proposals.new")
	d.Data = map[string]any{"P": listView{P: p, Lang: l}, "Regions": h.regionOptions(l, p), "Refusal": refusal, "MaxKB": MaxAttachment >> 10, "MaxMB": MaxUpload >> 20}
	h.Srv.Render(w, r, status, "proposals_form", d)
}

func (h *Handler) newForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.Srv.Begin(w, r); !ok {
		return
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	h.formPage(w, r, p, http.StatusOK, &web.PageData{})
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if !h.Srv.ParseForm(w, r) {
			return
		}
	}
	p, ok := h.programme(w, r)
	if !ok {
		return
	}
	f := r.Form
	in := NewProposal{Title: f.Get("title"), Body: f.Get("body"), Region: f.Get("region")}
	in.DirectionID, _ = strconv.ParseInt(f.Get("direction_id"), 10, 64)
	if file, hdr, err := r.FormFile("attachment"); err == nil {
		data, err := io.ReadAll(io.LimitReader(file, MaxUpload+1))
		file.Close()
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		in.Attachment = &Attachment{Name: hdr.Filename, Data: data}
	}
	pr, err := h.S.Create(r.Context(), u, p.ID, in)
	if err != nil {
		fe, ok := web.FieldErrors(h.Srv.Printer(r), err)
		if !ok {
			h.Srv.Fail(w, r, err)
			return
		}
		h.formPage(w, r, p, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: f})
		return
	}
	h.Srv.Redirect(w, r, back(pr.ID), "proposals.created")
}

// act runs a state change from a proposal page's form and goes back to
// the page, or shows the page again with the form's errors.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, fn func(u *auth.User, id int64, f url.Values) (string, error)) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	flash, err := fn(u, id, r.PostForm)
	if err != nil {
		if fe, ok := web.FieldErrors(h.Srv.Printer(r), err); ok {
			h.showWith(w, r, http.StatusUnprocessableEntity, &web.PageData{Errors: fe, Form: r.PostForm})
			return
		}
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(id), flash)
}

func (h *Handler) support(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		on := f.Get("on") != "0"
		res, err := h.S.Support(r.Context(), u, id, on)
		switch {
		case err != nil:
			return "", err
		case !res.Changed && on:
			return "proposals.already_supported", nil
		case on:
			return "proposals.supported", nil
		}
		return "proposals.withdrawn", nil
	})
}

func (h *Handler) follow(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		on := f.Get("on") != "0"
		if on {
			return "proposals.following", h.S.Follow(r.Context(), u, id, true)
		}
		return "proposals.unfollowed", h.S.Follow(r.Context(), u, id, false)
	})
}

func (h *Handler) comment(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		parent, _ := strconv.ParseInt(f.Get("parent_id"), 10, 64)
		_, err := h.S.AddComment(r.Context(), u, id, parent, f.Get("body"))
		return "proposals.commented", err
	})
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		cid, _ := strconv.ParseInt(f.Get("comment_id"), 10, 64)
		return "proposals.reported", h.S.Report(r.Context(), u, id, cid, f.Get("reason"))
	})
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		_, err := h.S.SetAnswer(ctxIP(h, r), u, id, f.Get("status"), f.Get("text"))
		return "proposals.answered", err
	})
}

func (h *Handler) hide(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		hide := f.Get("hide") != "0"
		return "proposals.moderated", h.S.Hide(ctxIP(h, r), u, id, hide, f.Get("reason"))
	})
}

func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, func(u *auth.User, id int64, f url.Values) (string, error) {
		into, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("into")), "#"), 10, 64)
		return "proposals.merged", h.S.Merge(ctxIP(h, r), u, id, into)
	})
}

func (h *Handler) resolveReports(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	cid, _ := strconv.ParseInt(r.PostForm.Get("comment_id"), 10, 64)
	if _, err := h.S.ResolveReports(ctxIP(h, r), u, id, cid); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	pr, err := h.S.get(r.Context(), id, false)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, "/programmes/"+strconv.FormatInt(pr.ProgrammeID, 10)+"/reports", "proposals.reports_resolved")
}

func (h *Handler) editComment(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	pid, err := h.S.EditComment(r.Context(), u, id, r.PostForm.Get("body"))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(pid)+"#c"+strconv.FormatInt(id, 10), "proposals.comment_saved")
}

func (h *Handler) hideComment(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	pid, err := h.S.HideComment(ctxIP(h, r), u, id, r.PostForm.Get("reason"))
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	h.Srv.Redirect(w, r, back(pid), "proposals.moderated")
}
