package reports

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// ---- the form ----

type formView struct {
	Report     *Report
	OrgID      int64
	OrgName    string
	Programmes []opt
	Meetings   []opt
	Photos     []photoView
	PhotoIDs   []int64
	Langs      []string
	Statuses   []string
}

type opt struct {
	ID    int64
	Label string
}

func (s *Service) options(r *http.Request, orgID int64) (progs, meets []opt, err error) {
	l := web.LangOf(r)
	load := func(q string) ([]opt, error) {
		rows, err := s.db.Query(r.Context(), q, orgID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []opt
		for rows.Next() {
			var o opt
			var t i18n.Text
			if err := rows.Scan(&o.ID, &t.KK, &t.RU, &t.EN); err != nil {
				return nil, err
			}
			o.Label = t.In(l)
			out = append(out, o)
		}
		return out, rows.Err()
	}
	// The organization's own and its ancestors' programmes (a branch
	// reports on the republic's programme), and its own recent meetings.
	if progs, err = load(`SELECT p.id, p.title_kk, p.title_ru, p.title_en FROM programmes p JOIN organizations po ON po.id = p.org_id
		JOIN organizations o ON o.id = ? WHERE substr(o.path, 1, length(po.path)) = po.path ORDER BY p.id DESC LIMIT 100`); err != nil {
		return nil, nil, err
	}
	meets, err = load(`SELECT id, title_kk, title_ru, title_en FROM meetings WHERE org_id = ? ORDER BY starts_at DESC LIMIT 100`)
	return progs, meets, err
}

func (s *Service) formPage(w http.ResponseWriter, r *http.Request, status int, orgID int64, rep *Report, d *web.PageData) {
	v := &formView{Report: rep, OrgID: orgID, Langs: []string{"kk", "ru", "en"}, Statuses: []string{"published", "scheduled", "draft"}}
	var name i18n.Text
	if err := s.db.QueryRow(r.Context(), `SELECT name_kk, name_ru, name_en FROM organizations WHERE id = ?`, orgID).Scan(&name.KK, &name.RU, &name.EN); err != nil {
		s.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	v.OrgName = name.In(web.LangOf(r))
	var err error
	if v.Programmes, v.Meetings, err = s.options(r, orgID); err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	if rep != nil {
		for _, p := range rep.Photos {
			pv := photoView{Thumb: pagePath(p, "thumb"), Name: p.Name, State: p.State}
			if !p.Ready() {
				pv.Thumb = ""
			}
			v.Photos = append(v.Photos, pv)
			v.PhotoIDs = append(v.PhotoIDs, p.ID)
		}
	}
	d.Data = v
	if d.Title == "" {
		d.Title = s.srv.T(r, "reports.new.title")
		if rep != nil {
			d.Title = s.srv.T(r, "reports.edit.title")
		}
	}
	s.srv.Render(w, r, status, "reports_form", d)
}

func (s *Service) newForm(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	org, _ := strconv.ParseInt(r.URL.Query().Get("organization_id"), 10, 64)
	if err := s.auth.Require(r.Context(), u, org, auth.OrgAdmin); err != nil || org <= 0 {
		if err == nil {
			err = errs.New(errs.NotFound, "error.404.text")
		}
		s.srv.Fail(w, r, err)
		return
	}
	s.formPage(w, r, http.StatusOK, org, nil, &web.PageData{Form: url.Values{"status": {"published"}, "date": {time.Now().In(almaty).Format("2006-01-02")}}})
}

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

func formValues(rep *Report) url.Values {
	f := url.Values{"title_kk": {rep.Title.KK}, "title_ru": {rep.Title.RU}, "title_en": {rep.Title.EN},
		"body_kk": {rep.Body.KK}, "body_ru": {rep.Body.RU}, "body_en": {rep.Body.EN}, "status": {rep.Status}, "date": {rep.EventDate},
		"programme_id": {idStr(rep.Link("programme"))}, "meeting_id": {idStr(rep.Link("meeting"))}}
	if rep.Status == "scheduled" {
		f.Set("published_at", rep.PublishedAt.In(almaty).Format("2006-01-02T15:04"))
	}
	return f
}

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
	rep, err := s.Get(r.Context(), u, id)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	if err := s.auth.Require(r.Context(), u, rep.OrgID, auth.OrgAdmin); err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	s.formPage(w, r, http.StatusOK, rep.OrgID, rep, &web.PageData{Form: formValues(rep)})
}

// readForm reads the report form (multipart, with photos).
func readForm(r *http.Request) (Input, error) {
	f := r.Form
	in := Input{Title: i18n.Text{KK: f.Get("title_kk"), RU: f.Get("title_ru"), EN: f.Get("title_en")},
		Body:   i18n.Text{KK: f.Get("body_kk"), RU: f.Get("body_ru"), EN: f.Get("body_en")},
		Status: f.Get("status"), EventDate: f.Get("date")}
	in.OrgID, _ = strconv.ParseInt(f.Get("organization_id"), 10, 64)
	var fs errs.Fields
	if v := f.Get("published_at"); v != "" && in.Status == "scheduled" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, almaty)
		if err != nil {
			fs.Add("published_at", "validation.invalid_datetime")
		} else {
			in.PublishedAt = &t
		}
	}
	for _, k := range []string{"programme", "meeting"} {
		if v := f.Get(k + "_id"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				fs.Add(k+"_id", "validation.invalid_choice")
				continue
			}
			in.Links = append(in.Links, Link{Kind: k, ID: n})
		}
	}
	for _, v := range f["remove_photo"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.RemovePhotos = append(in.RemovePhotos, n)
		}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photo"] {
			if fh.Size == 0 {
				continue
			}
			data, err := readFile(fh)
			if err != nil {
				return in, err
			}
			in.Photos = append(in.Photos, Upload{Name: fh.Filename, Data: data})
		}
	}
	return in, fs.Err()
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > MaxPhotoBytes {
		var fs errs.Fields
		fs.Add("photo", "reports.photo.too_large", "max", MaxPhotoBytes>>20)
		return nil, fs.Err()
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxPhotoBytes+1))
}

func (s *Service) parse(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return s.srv.ParseForm(w, r)
		}
		s.srv.Fail(w, r, web.MultipartError(err))
		return false
	}
	return true
}

func (s *Service) createPage(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.Begin(w, r)
	if !ok || !s.parse(w, r) {
		return
	}
	u := req.User
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	in, err := readForm(r)
	if err == nil {
		var rep *Report
		if rep, err = s.Create(audit.WithIP(r.Context(), s.srv.ClientIP(r)), u, in); err == nil {
			s.srv.Redirect(w, r, "/reports/"+idStr(rep.ID), "reports.saved")
			return
		}
	}
	fe, ok := web.FieldErrors(s.srv.Printer(r), err)
	if !ok || in.OrgID <= 0 {
		s.srv.Fail(w, r, err)
		return
	}
	s.formPage(w, r, http.StatusUnprocessableEntity, in.OrgID, nil, &web.PageData{Errors: fe, Form: r.Form})
}

func (s *Service) updatePage(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.Begin(w, r, "id")
	if !ok || !s.parse(w, r) {
		return
	}
	u, id := req.User, req.ID
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	in, err := readForm(r)
	if err == nil {
		if _, err = s.Update(audit.WithIP(r.Context(), s.srv.ClientIP(r)), u, id, in); err == nil {
			s.srv.Redirect(w, r, "/reports/"+idStr(id), "reports.saved")
			return
		}
	}
	fe, ok := web.FieldErrors(s.srv.Printer(r), err)
	if !ok {
		s.srv.Fail(w, r, err)
		return
	}
	rep, gerr := s.Get(r.Context(), u, id)
	if gerr != nil {
		s.srv.Fail(w, r, gerr)
		return
	}
	s.formPage(w, r, http.StatusUnprocessableEntity, rep.OrgID, rep, &web.PageData{Errors: fe, Form: r.Form})
}
