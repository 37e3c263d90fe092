package awards

import (
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/web"
)

// showData is the verification page's.
type showData struct {
	A          *Award
	Code       string // grouped
	Title      string // in the reader's language
	Org        string
	Place      string
	CanRevoke  bool
	PDF        string
	Credential string
	Verify     string
}

func (h *handler) showData(r *http.Request, a *Award) *showData {
	l := string(web.LangOf(r))
	base := l
	if base == "kk-Latn" {
		base = "kk"
	}
	d := &showData{A: a, Code: certificate.FormatCode(a.Code), Title: a.Title.In(base, true), Org: a.Org.In(base, true),
		PDF: "/awards/" + certificate.FormatCode(a.Code) + ".pdf", Credential: "/api/v1/awards/" + a.Code + "/credential",
		Verify: h.svc.VerifyURL(l, a.Code)}
	if a.Place > 0 {
		d.Place = h.srv.T(r, "awards.place", "n", a.Place)
	}
	if u := web.UserOf(r); u != nil && !a.Revoked {
		role, err := h.svc.auth.ViewRole(r.Context(), u, a.OrgID)
		d.CanRevoke = err == nil && role >= auth.Moderator
	}
	return d
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	pdf := false
	if c, ok := strings.CutSuffix(strings.ToLower(code), ".pdf"); ok {
		code, pdf = c, true
	}
	a, err := h.svc.ByCode(r.Context(), code)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if pdf {
		h.sendPDF(w, r, []*Award{a}, "award-"+a.Code+".pdf")
		return
	}
	d := h.showData(r, a)
	h.srv.Render(w, r, http.StatusOK, "awards_show", &web.PageData{Title: d.Title, Data: d})
}

func (h *handler) sendPDF(w http.ResponseWriter, r *http.Request, list []*Award, name string) {
	b, err := h.svc.PDF(string(web.LangOf(r)), list)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r)
	if !ok {
		return
	}
	u := req.User
	a, err := h.svc.ByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if _, err := h.svc.Revoke(ctxIP(h, r), u, a.ID, r.PostForm.Get("reason")); err != nil {
		d := h.showData(r, a)
		h.srv.FormError(w, r, "awards_show", err, &web.PageData{Title: d.Title, Data: d})
		return
	}
	h.srv.Redirect(w, r, "/awards/"+certificate.FormatCode(a.Code), "awards.flash.revoked")
}
