package reports

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/web"
)

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
	Failed   []failedView // the editors' only
	Refresh  bool         // photos are being prepared: the page reloads itself
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
	// Pending: the photo is being prepared; Placeholder is a picture of
	// its size saying so (a data: URL), shown in its place.
	Pending     bool
	Placeholder template.URL
	Name, State string // on the edit form
}

// failedView is a photo that could not be prepared, as its report's
// editors are told.
type failedView struct {
	Name, Message string
}

// placeholder is an SVG of w×h with text in its middle, as a data: URL:
// shown where a photo being prepared will be, with the photo's own
// width and height, so the page does not move when it comes (the page's
// CSP allows data: images and no inline styles).
func placeholder(w, h int, text string) template.URL {
	var b strings.Builder
	fs := max(12, w/28)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#eef2f5"/>`)
	fmt.Fprintf(&b, `<text x="50%%" y="50%%" text-anchor="middle" dominant-baseline="middle" font-family="sans-serif" font-size="%d" fill="#3d4852">`, fs)
	xml.EscapeText(&b, []byte(text))
	b.WriteString(`</text></svg>`)
	return template.URL("data:image/svg+xml," + url.PathEscape(b.String()))
}

type linkView struct {
	Path, Label string
}

func (s *Service) showPage(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	u, id := req.User, req.ID
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
	if u != nil {
		v.CanEdit, _ = s.CanEdit(r.Context(), u, rep.OrgID)
	}
	for _, p := range rep.Photos {
		switch p.State {
		case PhotoReady:
			v.Photos = append(v.Photos, photoView{Display: pagePath(p, "display"), Thumb: pagePath(p, "thumb"), Width: p.Width, Height: p.Height})
			if v.OGImage == "" {
				v.OGImage = s.baseURL + photoPath(l, p, "display")
			}
		case PhotoPending:
			v.Photos = append(v.Photos, photoView{Pending: true, Width: p.Width, Height: p.Height,
				Placeholder: placeholder(p.Width, p.Height, s.srv.T(r, "reports.photo.pending"))})
			v.Refresh = true
		case PhotoFailed:
			if v.CanEdit {
				v.Failed = append(v.Failed, failedView{Name: p.Name, Message: s.srv.T(r, "reports.photo."+p.Reason, "max", failArg(p.Reason))})
			}
		}
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
	req, ok := s.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if err := s.View(r.Context(), id, s.srv.ClientIP(r), r.UserAgent()); err != nil {
		s.log.Warn("reports: view", "err", err)
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(gif)
}

func (s *Service) photo(w http.ResponseWriter, r *http.Request) {
	req, ok := s.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	data, public, err := s.PhotoData(r.Context(), req.User, id, r.PathValue("size"))
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

type orgSectionView struct {
	OrgID int64 // the organization, or the thing the reports are linked to
	Kind  string
	Items []itemView
}

// orgSection is the newest reports of an organization and its subtree,
// on its page (web.Parts): the same for every reader, rendered once a
// moment.
func (s *Service) orgSection(r *http.Request, orgID int64) (template.HTML, error) {
	return s.section(r, "reports_org_section", Filter{OrgID: orgID, Limit: 5, NoPhotos: true}, orgID)
}

// linkedSection is the part of the page of a thing reports link to (a
// programme, a meeting, a call, a course, a competition): the reports
// about it ("you asked, we did"), the same for every reader.
func linkedSection(s *Service, kind string) web.Part {
	return func(r *http.Request, id int64) (template.HTML, error) {
		return s.section(r, "reports_linked_section", Filter{Link: Link{Kind: kind, ID: id}, Limit: 5, NoPhotos: true}, id)
	}
}

func (s *Service) section(r *http.Request, block string, f Filter, id int64) (template.HTML, error) {
	h, v, err := s.srv.Fragment(r, "reports_list", block, idStr(id), func() (any, error) {
		list, _, err := s.List(r.Context(), f)
		if err != nil {
			return nil, err
		}
		return &orgSectionView{OrgID: id, Kind: f.Link.Kind, Items: s.items(web.LangOf(r), list)}, nil
	})
	if err != nil || len(v.(*orgSectionView).Items) == 0 {
		return "", err
	}
	return h, nil
}
