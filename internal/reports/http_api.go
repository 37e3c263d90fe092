package reports

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// ---- API ----

// LinksIn names what a report is about.
type LinksIn struct {
	ProgrammeID   string `json:"programme_id,omitempty"`
	MeetingID     string `json:"meeting_id,omitempty"`
	CallID        string `json:"call_id,omitempty"`
	CourseID      string `json:"course_id,omitempty"`
	CompetitionID string `json:"competition_id,omitempty"`
}

// ReportIn is the body of POST and PUT /reports.
type ReportIn struct {
	OrganizationID string     `json:"organization_id" doc:"required on POST; ignored on PUT"`
	Title          i18n.Text  `json:"title" doc:"at least one language"`
	Body           i18n.Text  `json:"body" doc:"Markdown"`
	Status         string     `json:"status,omitempty" enum:"draft,scheduled,published"`
	PublishedAt    *time.Time `json:"published_at,omitempty" doc:"when a scheduled report appears"`
	Date           string     `json:"date,omitempty" doc:"YYYY-MM-DD: the day of what happened"`
	Links          LinksIn    `json:"links"`
	RemovePhotos   []string   `json:"remove_photos,omitempty" doc:"on PUT: ids of photos to remove"`
}

func (in ReportIn) input() (Input, error) {
	var fs errs.Fields
	id := func(field, v string) int64 {
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fs.Add(field, "validation.invalid_value")
		}
		return n
	}
	out := Input{OrgID: id("organization_id", in.OrganizationID), Title: in.Title, Body: in.Body, Status: in.Status,
		PublishedAt: in.PublishedAt, EventDate: in.Date}
	for _, l := range []struct{ kind, field, v string }{{"programme", "links.programme_id", in.Links.ProgrammeID},
		{"meeting", "links.meeting_id", in.Links.MeetingID}, {"call", "links.call_id", in.Links.CallID},
		{"course", "links.course_id", in.Links.CourseID}, {"competition", "links.competition_id", in.Links.CompetitionID}} {
		if n := id(l.field, l.v); n > 0 {
			out.Links = append(out.Links, Link{Kind: l.kind, ID: n})
		}
	}
	for _, p := range in.RemovePhotos {
		if n := id("remove_photos", p); n > 0 {
			out.RemovePhotos = append(out.RemovePhotos, n)
		}
	}
	return out, fs.Err()
}

// PhotoOut is a photo's addresses. A photo is scaled after the report is
// stored: until then its state is pending (no addresses yet; width and
// height are already the display copy's); failed says it could not be
// read, with the reason in error.
type PhotoOut struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	State    string `json:"state" enum:"pending,ready,failed"`
	Name     string `json:"name,omitempty" doc:"the file's name as uploaded (shown to the report's editors)"`
	Error    string `json:"error,omitempty" doc:"why a failed photo could not be read, in the language of Accept-Language"`
}

// ReportOut is a report as the API shows it.
type ReportOut struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	OrganizationID string     `json:"organization_id"`
	Title          i18n.Text  `json:"title"`
	Body           i18n.Text  `json:"body"`
	Status         string     `json:"status" enum:"draft,scheduled,published"`
	PublishedAt    time.Time  `json:"published_at"`
	Date           string     `json:"date,omitempty"`
	Links          LinksIn    `json:"links"`
	Photos         []PhotoOut `json:"photos"`
	ViewCount      int        `json:"view_count"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// out is r as the API shows it to req's reader; editor: the report's
// editors also see the photos that failed, with why, and files' names.
func (s *Service) out(r *Report, req *http.Request, editor bool) ReportOut {
	o := ReportOut{ID: idStr(r.ID), URL: s.baseURL + "/kk/reports/" + idStr(r.ID), OrganizationID: idStr(r.OrgID), Title: r.Title, Body: r.Body,
		Status: r.Status, PublishedAt: r.PublishedAt.UTC(), Date: r.EventDate, ViewCount: r.ViewCount, UpdatedAt: r.UpdatedAt.UTC(), Photos: []PhotoOut{}}
	for _, l := range r.Links {
		switch l.Kind {
		case "programme":
			o.Links.ProgrammeID = idStr(l.ID)
		case "meeting":
			o.Links.MeetingID = idStr(l.ID)
		case "call":
			o.Links.CallID = idStr(l.ID)
		case "course":
			o.Links.CourseID = idStr(l.ID)
		case "competition":
			o.Links.CompetitionID = idStr(l.ID)
		}
	}
	for _, p := range r.Photos {
		po := PhotoOut{ID: idStr(p.ID), Width: p.Width, Height: p.Height, State: p.State}
		switch {
		case p.Ready():
			po.URL, po.ThumbURL = s.baseURL+photoPath(i18n.KK, p, "display"), s.baseURL+photoPath(i18n.KK, p, "thumb")
		case !editor && p.State == PhotoFailed:
			continue // readers never see what failed
		case editor:
			po.Name = p.Name
			if p.State == PhotoFailed {
				po.Error = s.srv.T(req, "reports.photo."+p.Reason, "max", failArg(p.Reason))
			}
		}
		o.Photos = append(o.Photos, po)
	}
	return o
}

// failArg is the argument of a failed photo's message.
func failArg(reason string) int {
	if reason == "too_large" {
		return MaxPhotoBytes >> 20
	}
	return MaxPhotoSide
}

// pagePath is a photo's address in a page, before the language prefix
// (the link template function adds it).
func pagePath(p Photo, size string) string {
	return "/reports/photos/" + idStr(p.ID) + "/" + size + "?v=" + p.Hash
}

// photoPath is a photo's full path in language l.
func photoPath(l i18n.Lang, p Photo, size string) string {
	return "/" + string(l) + "/reports/photos/" + idStr(p.ID) + "/" + size + "?v=" + p.Hash
}

func queryID(r *http.Request, name string, fs *errs.Fields) int64 {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(name, "validation.invalid_value")
	}
	return n
}

func (s *Service) filterOf(r *http.Request) (Filter, error) {
	var fs errs.Fields
	q := r.URL.Query()
	f := Filter{OrgID: queryID(r, "organization_id", &fs), ProgrammeID: queryID(r, "programme_id", &fs),
		MeetingID: queryID(r, "meeting_id", &fs), Region: q.Get("region"), Month: q.Get("month"), Cursor: q.Get("cursor")}
	if f.Region != "" {
		if _, ok := s.regions.Get(f.Region); !ok {
			fs.Add("region", "validation.invalid_choice")
		}
	}
	return f, fs.Err()
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := s.filterOf(r)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	if f.Limit, err = s.srv.Limit(r, 20, 100); err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	items, next, err := s.List(r.Context(), f)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	out := api.Page[ReportOut]{Items: make([]ReportOut, 0, len(items)), NextCursor: next}
	for _, it := range items {
		out.Items = append(out.Items, s.out(it, r, false))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	rep, err := s.Get(r.Context(), req.User, id)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	editor, err := s.CanEdit(r.Context(), req.User, rep.OrgID)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, s.out(rep, r, editor))
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.Begin(w, r)
	if !ok {
		return
	}
	u := req.User
	var in ReportIn
	var photos []Upload
	if web.IsMultipart(r) {
		var err error
		if in, photos, err = s.readMultipart(r); err != nil {
			s.srv.Fail(w, r, err)
			return
		}
	} else if err := s.srv.Decode(r, &in); err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	inp, err := in.input()
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	inp.Photos = photos
	rep, err := s.Create(audit.WithIP(r.Context(), s.srv.ClientIP(r)), u, inp)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, s.out(rep, r, true))
}

// readMultipart reads the part "report" (JSON) and the parts "photo".
func (s *Service) readMultipart(r *http.Request) (ReportIn, []Upload, error) {
	var in ReportIn
	files, err := s.srv.DecodeMultipart(r, "report", &in, web.FileParts{Name: "photo", Limit: MaxPhotoBytes})
	if err != nil {
		return in, nil, err
	}
	var photos []Upload
	for _, f := range files {
		photos = append(photos, Upload{Name: f.Name, Data: f.Data})
	}
	return in, photos, nil
}
