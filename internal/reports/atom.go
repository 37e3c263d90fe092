package reports

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/web"
)

// Atom (RFC 4287) documents: what the feeds write and what the test reads.

// AtomFeed is an Atom feed.
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []AtomLink  `xml:"link"`
	Author  *AtomPerson `xml:"author"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomLink is an atom:link.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

// AtomPerson is an atom:author.
type AtomPerson struct {
	Name string `xml:"name"`
}

// AtomText is a text construct.
type AtomText struct {
	Type string `xml:"type,attr,omitempty"`
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Body string `xml:",chardata"`
}

// AtomEntry is an atom:entry.
type AtomEntry struct {
	ID        string      `xml:"id"`
	Title     AtomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published,omitempty"`
	Links     []AtomLink  `xml:"link"`
	Author    *AtomPerson `xml:"author"`
	Summary   *AtomText   `xml:"summary"`
	Content   *AtomText   `xml:"content"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feed writes the newest 30 public reports, of all or of one organization
// (and its subtree), in the page's language.
func (s *Service) feed(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	f := Filter{Limit: 30}
	base := s.baseURL + "/" + string(l)
	self := base + "/reports.atom"
	alt := base + "/reports"
	title := s.srv.T(r, "reports.title") + " · " + s.site
	if r.PathValue("id") != "" {
		req, ok := s.srv.BeginGuest(w, r, "id")
		if !ok {
			return
		}
		id := req.ID
		var name i18n.Text
		if err := s.db.QueryRow(r.Context(), `SELECT name_kk, name_ru, name_en FROM organizations WHERE id = ?`, id).Scan(&name.KK, &name.RU, &name.EN); err != nil {
			s.srv.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
			return
		}
		f.OrgID = id
		self = base + "/organizations/" + idStr(id) + "/reports.atom"
		alt = base + "/reports?organization_id=" + idStr(id)
		title = s.srv.T(r, "reports.title") + " · " + name.In(l)
	}
	list, _, err := s.List(r.Context(), f)
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	feed := AtomFeed{Lang: l.HTMLLang(), ID: self, Title: title, Updated: atomTime(time.Unix(0, 0)),
		Links:  []AtomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: alt}},
		Author: &AtomPerson{Name: s.site}}
	var newest time.Time
	for _, rep := range list {
		t, tl := rep.Title.Pick(l)
		body, bl := rep.Body.Pick(l)
		t, body = latin(l, tl, t), latin(l, bl, body)
		u := base + "/reports/" + idStr(rep.ID)
		upd := rep.UpdatedAt
		if upd.Before(rep.PublishedAt) {
			upd = rep.PublishedAt
		}
		if upd.After(newest) {
			newest = upd
		}
		e := AtomEntry{ID: u, Title: AtomText{Type: "text", Body: t}, Updated: atomTime(upd), Published: atomTime(rep.PublishedAt),
			Links:   []AtomLink{{Rel: "alternate", Type: "text/html", Href: u}},
			Author:  &AtomPerson{Name: rep.OrgName.In(l)},
			Summary: &AtomText{Type: "text", Body: excerpt(body, 300)},
			Content: &AtomText{Type: "html", Body: string(proposals.Markdown(body))}}
		if len(rep.Photos) > 0 {
			e.Links = append(e.Links, AtomLink{Rel: "enclosure", Type: "image/jpeg", Href: s.baseURL + photoPath(l, rep.Photos[0], "display")})
		}
		feed.Entries = append(feed.Entries, e)
	}
	if !newest.IsZero() {
		feed.Updated = atomTime(newest)
	}
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		s.srv.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// latin writes Kazakh text in Latin for kk-Latn readers.
func latin(reader, written i18n.Lang, s string) string {
	if reader == i18n.KKLatn && written == i18n.KK {
		return kazakh.ToLatin(s)
	}
	return s
}
