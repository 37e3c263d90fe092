package reports

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// maxUpload is the most a report with its photos may weigh as sent.
const maxUpload = 6*MaxPhotoBytes + 1<<20

// Register adds the pages, feeds and API.
func (s *Service) Register(srv *web.Server) error {
	s.srv = srv
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	srv.AllowLargeBody(isUpload, maxUpload)
	srv.PageCached("GET /reports", s.listPage)
	srv.Page("GET /reports/new", s.newForm)
	srv.Page("POST /reports", s.createPage)
	srv.PageCached("GET /reports/{id}", s.showPage)
	srv.Page("GET /reports/{id}/edit", s.editForm)
	srv.Page("POST /reports/{id}", s.updatePage)
	srv.Page("GET /reports/{id}/seen.gif", s.seen)
	srv.Page("GET /reports/photos/{id}/{size}", s.photo)
	srv.AddSection("orgs_show", s.orgSection)
	srv.PageCached("GET /reports.atom", s.feed)
	srv.PageCached("GET /organizations/{id}/reports.atom", s.feed)

	listQ := api.ListQuery(api.Param{Name: "organization_id", Description: "an organization: its reports and its subtree's"},
		api.Param{Name: "programme_id", Description: "reports linked to a programme"},
		api.Param{Name: "meeting_id", Description: "reports linked to a meeting"},
		api.Param{Name: "region", Description: "region code of the organization"},
		api.Param{Name: "month", Description: "YYYY-MM of publication"})
	srv.APIOperation(api.Operation{Method: "GET", Path: "/reports", ID: "listReports", Summary: "Published reports, newest first",
		Tags: []string{"reports"}, Response: api.Page[ReportOut]{}, Query: listQ, Errors: []int{422}}, s.apiList)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/reports", ID: "createReport", Summary: "Write a report (the organization's administrators)",
		Description: "A JSON body, or multipart/form-data: the part \"report\" holds the same JSON, parts \"photo\" JPEG or PNG photos of at most 10 MB each " +
			"(scaled on the server to 1600 px and a 400 px thumbnail; EXIF is removed). status defaults to published; scheduled needs published_at in the future.",
		Tags: []string{"reports"}, Auth: true, Request: ReportIn{}, Response: ReportOut{}, Status: 201, Errors: []int{401, 403, 404, 413, 422}}, s.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/reports/{id}", ID: "getReport", Summary: "A report (drafts: its organization's administrators only)",
		Tags: []string{"reports"}, Response: ReportOut{}, Errors: []int{404}}, s.apiGet)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/reports/{id}", ID: "updateReport", Summary: "Edit a report; the audit log keeps what it was",
		Tags: []string{"reports"}, Auth: true, Request: ReportIn{}, Response: ReportOut{}, Errors: []int{401, 403, 404, 422}},
		web.JSONAction(s.srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in ReportIn) (ReportOut, error) {
			inp, err := in.input()
			if err != nil {
				return ReportOut{}, err
			}
			rep, err := s.Update(r.Context(), u, id, inp)
			if err != nil {
				return ReportOut{}, err
			}
			return s.out(rep), nil
		}))
	return nil
}

func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return false
	}
	p := r.URL.Path
	if p == "/api/v1/reports" {
		return true
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if rest == "reports" {
		return true
	}
	id, ok := strings.CutPrefix(rest, "reports/")
	if !ok {
		return false
	}
	_, err := strconv.ParseInt(id, 10, 64)
	return err == nil
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

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

// PhotoOut is a photo's addresses.
type PhotoOut struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
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

func (s *Service) out(r *Report) ReportOut {
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
		o.Photos = append(o.Photos, PhotoOut{ID: idStr(p.ID), URL: s.baseURL + photoPath(i18n.KK, p, "display"),
			ThumbURL: s.baseURL + photoPath(i18n.KK, p, "thumb"), Width: p.Width, Height: p.Height})
	}
	return o
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
		out.Items = append(out.Items, s.out(it))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	rep, err := s.Get(r.Context(), web.UserOf(r), id)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, s.out(rep))
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request) {
	u := web.UserOf(r)
	if u == nil {
		s.srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
		return
	}
	var in ReportIn
	var photos []Upload
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
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
	api.WriteJSON(w, http.StatusCreated, s.out(rep))
}

// readMultipart reads the part "report" (JSON, decoded as strictly as a
// body) and the parts "photo".
func (s *Service) readMultipart(r *http.Request) (ReportIn, []Upload, error) {
	var in ReportIn
	var photos []Upload
	seen := false
	mr, err := r.MultipartReader()
	if err != nil {
		return in, nil, errs.New(errs.BadRequest, "api.invalid_body")
	}
	var fs errs.Fields
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, nil, bodyErr(err)
		}
		switch name := part.FormName(); {
		case name == "report" && !seen:
			seen = true
			data, err := io.ReadAll(io.LimitReader(part, api.MaxBodySize+1))
			if err != nil {
				return in, nil, bodyErr(err)
			}
			if len(data) > api.MaxBodySize {
				return in, nil, errs.New(errs.TooLarge, "error.413.text")
			}
			jr := r.Clone(r.Context())
			jr.Body, jr.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
			jr.Header = r.Header.Clone()
			jr.Header.Set("Content-Type", "application/json")
			if err := s.srv.Decode(jr, &in); err != nil {
				return in, nil, err
			}
		case name == "photo":
			data, err := io.ReadAll(io.LimitReader(part, MaxPhotoBytes+1))
			if err != nil {
				return in, nil, bodyErr(err)
			}
			photos = append(photos, Upload{Name: part.FileName(), Data: data})
		default:
			fs.Add(name, "validation.unknown_field")
		}
		part.Close()
	}
	if !seen {
		fs.Add("report", "validation.required")
	}
	return in, photos, fs.Err()
}

func bodyErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.New(errs.TooLarge, "error.413.text")
	}
	return errs.New(errs.BadRequest, "api.invalid_body")
}

// ---- pages ----

type listView struct {
	Items     []itemView
	Next      string
	Filter    Filter
	Query     url.Values
	Regions   []regionOpt
	OrgName   string
	FeedPath  string
	CanWrite  bool
	WriteOrgs int64
}

type regionOpt struct{ Code, Name string }

type itemView struct {
	ID      int64
	Title   string
	TLang   i18n.Lang
	Org     string
	OrgID   int64
	At      time.Time
	Status  string
	Public  bool
	Thumb   string
	Excerpt string
	Views   int
}

func (s *Service) items(l i18n.Lang, list []*Report) []itemView {
	out := make([]itemView, 0, len(list))
	for _, r := range list {
		t, tl := r.Title.Pick(l)
		b, _ := r.Body.Pick(l)
		v := itemView{ID: r.ID, Title: t, TLang: tl, Org: r.OrgName.In(l), OrgID: r.OrgID, At: r.PublishedAt, Status: r.Status,
			Public: r.Public, Excerpt: excerpt(b, 220), Views: r.ViewCount}
		if len(r.Photos) > 0 {
			v.Thumb = pagePath(r.Photos[0], "thumb")
		}
		out = append(out, v)
	}
	return out
}

// excerpt is the start of a Markdown text as plain text.
func excerpt(md string, n int) string {
	var b strings.Builder
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimLeft(strings.TrimSpace(line), "#>*-+ ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(line)
		if b.Len() > n*4 {
			break
		}
	}
	s := strings.NewReplacer("**", "", "__", "", "`", "", "[", "", "](", " (").Replace(b.String())
	rs := []rune(s)
	if len(rs) > n {
		cut := n
		for cut > n/2 && rs[cut] != ' ' {
			cut--
		}
		return string(rs[:cut]) + "…"
	}
	return s
}

func (s *Service) listPage(w http.ResponseWriter, r *http.Request) {
	f, err := s.filterOf(r)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	f.Limit = 20
	u := web.UserOf(r)
	if u != nil && f.OrgID > 0 {
		f.Viewer, f.Drafts = u, true // administrators see their drafts in their organization's list
	}
	list, next, err := s.List(r.Context(), f)
	if err != nil {
		if fe, ok := web.FieldErrors(s.srv.Printer(r), err); ok {
			s.srv.Render(w, r, http.StatusUnprocessableEntity, "reports_list", &web.PageData{Title: s.srv.T(r, "reports.title"), Errors: fe,
				Data: &listView{Query: r.URL.Query(), Regions: s.regionOpts(web.LangOf(r))}})
			return
		}
		s.srv.Fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	v := &listView{Items: s.items(l, list), Filter: f, Query: r.URL.Query(), Regions: s.regionOpts(l), FeedPath: "/reports.atom"}
	if next != "" {
		q := r.URL.Query()
		q.Set("cursor", next)
		v.Next = "/reports?" + q.Encode()
	}
	if f.OrgID > 0 {
		var name i18n.Text
		if err := s.db.QueryRow(r.Context(), `SELECT name_kk, name_ru, name_en FROM organizations WHERE id = ?`, f.OrgID).Scan(&name.KK, &name.RU, &name.EN); err != nil {
			s.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
			return
		}
		v.OrgName = name.In(l)
		v.FeedPath = "/organizations/" + idStr(f.OrgID) + "/reports.atom"
		if ok, _ := s.CanEdit(r.Context(), u, f.OrgID); ok {
			v.CanWrite, v.WriteOrgs = true, f.OrgID
		}
	}
	s.srv.Render(w, r, http.StatusOK, "reports_list", &web.PageData{Title: s.srv.T(r, "reports.title"), Data: v})
}

func (s *Service) regionOpts(l i18n.Lang) []regionOpt {
	var out []regionOpt
	for _, rg := range s.regions.All() {
		if rg.Parent == "" || rg.Kind == "region" || rg.Kind == "city" {
			out = append(out, regionOpt{Code: rg.Code, Name: rg.NameIn(l)})
		}
	}
	return out
}

type showView struct {
	R        *Report
	Title    string
	TLang    i18n.Lang
	Body     template.HTML
	BLang    i18n.Lang
	Org      string
	Photos   []photoView
	Related  []itemView
	Links    []linkView
	CanEdit  bool
	OGImage  string
	OGDesc   string
	URL      string
	SeenPath string
}

type photoView struct {
	Display, Thumb string
	Width, Height  int
}

type linkView struct {
	Path, Label string
}

func (s *Service) showPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	u := web.UserOf(r)
	rep, err := s.Get(r.Context(), u, id)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	v := &showView{R: rep, Org: rep.OrgName.In(l), URL: s.baseURL + "/" + string(l) + "/reports/" + idStr(rep.ID)}
	v.Title, v.TLang = rep.Title.Pick(l)
	body, bl := rep.Body.Pick(l)
	v.Body, v.BLang = template.HTML(latin(l, bl, string(proposals.Markdown(body)))), bl
	v.OGDesc = excerpt(body, 200)
	for _, p := range rep.Photos {
		v.Photos = append(v.Photos, photoView{Display: pagePath(p, "display"), Thumb: pagePath(p, "thumb"), Width: p.Width, Height: p.Height})
	}
	if len(rep.Photos) > 0 {
		v.OGImage = s.baseURL + photoPath(l, rep.Photos[0], "display")
	}
	if rep.Public {
		v.SeenPath = "/reports/" + idStr(rep.ID) + "/seen.gif"
		rel, err := s.Related(r.Context(), rep, 5)
		if err != nil {
			s.srv.Fail(w, r, err)
			return
		}
		v.Related = s.items(l, rel)
	}
	for _, lk := range rep.Links {
		label, path := s.linkLabel(r, l, lk)
		if path != "" {
			v.Links = append(v.Links, linkView{Path: path, Label: label})
		}
	}
	if u != nil {
		v.CanEdit, _ = s.CanEdit(r.Context(), u, rep.OrgID)
	}
	s.srv.Render(w, r, http.StatusOK, "reports_show", &web.PageData{Title: v.Title, Data: v})
}

// linkLabel names what a report links to, with its page.
func (s *Service) linkLabel(r *http.Request, l i18n.Lang, lk Link) (string, string) {
	table := map[string]string{"programme": "programmes", "meeting": "meetings"}[lk.Kind]
	if table == "" {
		return s.srv.T(r, "reports.link."+lk.Kind), "/" + lk.Kind + "s/" + idStr(lk.ID)
	}
	var t i18n.Text
	if err := s.db.QueryRow(r.Context(), `SELECT title_kk, title_ru, title_en FROM `+table+` WHERE id = ?`, lk.ID).Scan(&t.KK, &t.RU, &t.EN); err != nil {
		return "", ""
	}
	return s.srv.T(r, "reports.link."+lk.Kind) + ": " + t.In(l), "/" + table + "/" + idStr(lk.ID)
}

// gif is a transparent 1×1 GIF.
var gif, _ = base64.StdEncoding.DecodeString("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

// seen counts a reader: the page (cached for guests) shows it as an
// image, so each reader's browser asks once per visit, without a cookie.
func (s *Service) seen(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	if err := s.View(r.Context(), id, s.srv.ClientIP(r), r.UserAgent()); err != nil {
		s.log.Warn("reports: view", "err", err)
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(gif)
}

func (s *Service) photo(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	data, public, err := s.PhotoData(r.Context(), web.UserOf(r), id, r.PathValue("size"))
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	if public {
		// A photo never changes (an edit adds new ones): the address
		// carries its hash, so caches may keep it for a year.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

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
			v.Photos = append(v.Photos, photoView{Thumb: pagePath(p, "thumb")})
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
	u := s.srv.SignedIn(w, r)
	if u == nil {
		return
	}
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
	u := s.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
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
		s.srv.Fail(w, r, bodyErr(err))
		return false
	}
	return true
}

func (s *Service) createPage(w http.ResponseWriter, r *http.Request) {
	u := s.srv.SignedIn(w, r)
	if u == nil || !s.parse(w, r) {
		return
	}
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
	u := s.srv.SignedIn(w, r)
	if u == nil || !s.parse(w, r) {
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
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

type orgSectionView struct {
	OrgID int64
	Items []itemView
}

// orgSection is the newest reports of an organization and its subtree,
// on its page (web.Sections): the same for every reader, rendered once a
// moment.
func (s *Service) orgSection(r *http.Request, orgID int64) (template.HTML, error) {
	h, v, err := s.srv.Fragment(r, "reports_list", "reports_org_section", idStr(orgID), func() (any, error) {
		list, _, err := s.List(r.Context(), Filter{OrgID: orgID, Limit: 5, NoPhotos: true})
		if err != nil {
			return nil, err
		}
		return &orgSectionView{OrgID: orgID, Items: s.items(web.LangOf(r), list)}, nil
	})
	if err != nil || len(v.(*orgSectionView).Items) == 0 {
		return "", err
	}
	return h, nil
}
