package mentorship

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/tabular"
	"github.com/ortaq/ortaq/internal/web"
)

// manageView is the organizer's view of a pool.
type manageView struct {
	ID       int64
	Title    string
	Stats    *Stats
	Spheres  []Count
	Regions  []Count
	Names    map[string]string // sphere and region names
	Pending  []cardView
	Rounds   []Round
	Imported string
	Schedule *scheduleView
}

func (h *handler) manage(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	h.renderManage(w, r, req.ID, http.StatusOK, nil)
}

func (h *handler) renderManage(w http.ResponseWriter, r *http.Request, id int64, status int, fe map[string]string) {
	h.renderManageForm(w, r, id, status, fe, nil)
}

// renderManageForm is renderManage with the schedule form as it was sent
// (nil: as stored).
func (h *handler) renderManageForm(w http.ResponseWriter, r *http.Request, id int64, status int, fe map[string]string, form map[string][]string) {
	ctx := r.Context()
	st, p, err := h.svc.Stats(ctx, web.UserOf(r), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	pr, l := h.srv.Printer(r), web.LangOf(r)
	v := &manageView{ID: p.ID, Title: p.Title.In(l), Stats: st, Names: map[string]string{}}
	for _, c := range st.BySphere {
		v.Names["s:"+c.Key] = p.SphereTitle(c.Key, l)
	}
	for _, c := range st.ByRegion {
		name := h.svc.RegionName(c.Key, l)
		if c.Key == "" {
			name = pr.T("mentorship.no_region")
		}
		v.Names["r:"+c.Key] = name
	}
	pending, err := h.svc.Mentors(ctx, p.ID, MentorFilter{Status: "pending", Limit: 100})
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, m := range pending {
		v.Pending = append(v.Pending, h.cardOf(p, m, pr, l))
	}
	if v.Rounds, err = h.svc.Rounds(ctx, p.ID, 10); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	sc, err := h.svc.schedule(ctx, p.ID) // Stats above checked that the reader organizes the pool
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	v.Schedule = h.scheduleView(r, sc, form)
	h.srv.Render(w, r, status, "mentorship_manage", &web.PageData{Title: v.Title, Data: v, Errors: fe})
}

func (h *handler) round(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	rd, err := h.svc.RunRound(ctxIP(h, r).Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/mentor-pools/%d/manage?round=%d#rounds", req.ID, rd.ID), "mentorship.flash.round")
}

func (h *handler) certificates(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	if _, err := h.svc.Certificates(ctxIP(h, r).Context(), req.User, req.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/mentor-pools/%d/manage", req.ID), "mentorship.flash.certificates")
}

// readUpload reads the multipart field "file" (at most max bytes).
func readUpload(r *http.Request, max int) ([]byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if web.Status(err) == http.StatusRequestEntityTooLarge {
			return nil, errs.New(errs.TooLarge, "error.413.text")
		}
		return nil, errs.Fields{{Name: "file", Key: "mentorship.error.no_file"}}.Err()
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, errs.Fields{{Name: "file", Key: "mentorship.error.no_file"}}.Err()
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
		return nil, errs.Fields{{Name: "file", Key: "mentorship.error.no_file"}}.Err()
	}
	return b, nil
}

func (h *handler) importMentors(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	data, err := readUpload(r, 5<<20)
	n := 0
	if err == nil {
		n, err = h.svc.ImportMentors(ctxIP(h, r).Context(), req.User, req.ID, data)
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			pr := h.srv.Printer(r)
			var lines []string
			for i, f := range e.Fields {
				if i == 20 {
					break
				}
				line := pr.T(f.Key, f.Args...)
				if f.Row > 0 {
					line = pr.T("mentorship.import.row", "row", f.Row, "field", f.Name) + ": " + line
				}
				lines = append(lines, line)
			}
			if len(lines) == 0 {
				lines = append(lines, pr.T(e.Key, e.Args...))
			}
			h.renderManage(w, r, req.ID, http.StatusUnprocessableEntity, map[string]string{"file": strings.Join(lines, "; ")})
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/mentor-pools/%d/manage", req.ID), "mentorship.flash.imported")
	_ = n
}

// export writes the pool's mentorships as XLSX (or CSV with ?format=csv).
func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = tabular.XLSX
	}
	if err := tabular.CheckFormat(format); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	rows, p, err := h.svc.ExportRows(ctx, req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	pr, l := h.srv.Printer(r), web.LangOf(r)
	w.Header().Set("Content-Type", tabular.ContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="mentorships-%d.%s"`, p.ID, format))
	tw, err := tabular.NewWriter(w, format, "mentorships")
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	defer tw.Discard()
	head := []any{}
	for _, k := range []string{"id", "mentor", "mentee", "spheres", "region", "status", "sessions", "minutes", "created", "last_activity"} {
		head = append(head, pr.T("mentorship.export."+k))
	}
	if err := tw.Row(head...); err != nil {
		return
	}
	for _, x := range rows {
		var sp []string
		for _, k := range x.Spheres {
			sp = append(sp, p.SphereTitle(k, l))
		}
		if err := tw.Row(x.ID, x.Mentor, x.Mentee, strings.Join(sp, ", "), h.svc.RegionName(x.Region, l), pr.T("mentorship.status."+x.Status),
			x.Sessions, x.Minutes, x.Created.Format("2006-01-02"), x.LastActivity.Format("2006-01-02")); err != nil {
			return
		}
	}
	_ = tw.Close()
}
