package web

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Section is a part of the site anyone can reach from every page: a link
// in the header on wide screens and in the menu on phones, and a card on
// the home page. Components add theirs while wiring (Server.Section), so a
// new component appears in the navigation without touching the layout.
type Section struct {
	Path  string // without the language, e.g. "/organizations"
	Title string // message key of the link, e.g. "nav.organizations"
	Text  string // message key of the home page card's sentence ("": no card)
	Order int    // smaller first; ties keep the order of registration
}

// Section adds a section to the navigation. Call it while wiring.
func (s *Server) Section(sec Section) {
	s.sections = append(s.sections, sec)
	sort.SliceStable(s.sections, func(i, j int) bool { return s.sections[i].Order < s.sections[j].Order })
	s.render.sections = slices.Clone(s.sections)
}

// Sections returns the registered sections in their order.
func (s *Server) Sections() []Section { return slices.Clone(s.sections) }

// Reader is who a panel is made for.
type Reader struct {
	User *auth.User // nil: a guest (home page only)
	Lang i18n.Lang
	P    *i18n.Printer
}

// Panel is one box of a person's home (/{lang}/me) or of the home page's
// "happening now": a heading and a few items that link where they are.
type Panel struct {
	ID    string // anchor and test hook, e.g. "me-meetings"
	Title string // translated
	Items []PanelItem
	More  string // a link to the whole list ("": none); MoreText its words
	// MoreText is the translated text of More.
	MoreText string
	Empty    string // translated text shown when Items is empty ("": the panel is left out)
	Order    int    // smaller first
}

// PanelItem is one line of a panel.
type PanelItem struct {
	Title string // translated or the user's own text
	URL   string // with the language prefix
	Meta  string // a short second line: a date, a role, an organization
	Badge string // a short state word: "open", "waiting" ("": none)
	Lang  string // the item's own language when it is not the page's (lang attribute)
	// Actions are buttons that answer the item where it is (accept or
	// decline an invitation): each a form POSTing to its URL, which
	// returns to Next.
	Actions []PanelAction
}

// PanelAction is a button of a panel's item: a form that POSTs to URL
// (with the language prefix) and asks to come back to Next.
type PanelAction struct {
	Label     string // translated
	URL       string
	Next      string // a path without the language, e.g. "/me"
	Secondary bool
}

// MeBoard is a component that offers panels to every signed-in person's
// home (/{lang}/me): what is theirs (organizations and roles,
// registrations, votes open to them, answers, invitations) and, for
// organizers, what needs them. MePanels returns no panel when it has
// nothing to say; it must be a few indexed queries.
type MeBoard interface {
	MePanels(ctx context.Context, rd Reader) ([]Panel, error)
}

// NowBoard is a component that offers panels to the home page's
// "happening now" (open proposal collections, coming meetings, newest
// items). NowPanels runs for guests too (rd.User nil), whose copy of the
// page may be cached.
type NowBoard interface {
	NowPanels(ctx context.Context, rd Reader) ([]Panel, error)
}

type board func(ctx context.Context, rd Reader) ([]Panel, error)

type namedBoard struct {
	name string
	b    board
}

// AddBoards adds what component c (named name, for the logs) offers to
// the person's home and the home page: its panels if it is a MeBoard, a
// NowBoard or both. Call it while wiring; app does it for every
// registered component.
func (s *Server) AddBoards(name string, c any) {
	if b, ok := c.(MeBoard); ok {
		s.meBoards = append(s.meBoards, namedBoard{name, b.MePanels})
	}
	if b, ok := c.(NowBoard); ok {
		s.nowBoards = append(s.nowBoards, namedBoard{name, b.NowPanels})
	}
}

// panels runs boards for the request's reader. A board that fails is
// logged and left out: one component's trouble must not take a person's
// home away.
func (s *Server) panels(r *http.Request, boards []namedBoard) []Panel {
	l := LangOf(r)
	return s.panelsFor(r.Context(), Reader{User: UserOf(r), Lang: l, P: s.catalog.Printer(l)}, boards)
}

// NowPanels is what the home page shows as happening now, for rd (outside
// a web request: the Telegram bot's /start). rd.P may be nil.
func (s *Server) NowPanels(ctx context.Context, rd Reader) []Panel {
	if rd.P == nil {
		rd.P = s.catalog.Printer(rd.Lang)
	}
	return s.panelsFor(ctx, rd, s.nowBoards)
}

func (s *Server) panelsFor(ctx context.Context, rd Reader, boards []namedBoard) []Panel {
	var out []Panel
	for _, nb := range boards {
		ps, err := nb.b(ctx, rd)
		if err != nil {
			s.log.Error("panel", "board", nb.name, "err", err)
			continue
		}
		for _, p := range ps {
			if len(p.Items) == 0 && p.Empty == "" {
				continue
			}
			out = append(out, p)
		}
	}
	// What has something to show comes first; empty panels keep their
	// place below (they tell where things will appear).
	sort.SliceStable(out, func(i, j int) bool {
		ei, ej := len(out[i].Items) == 0, len(out[j].Items) == 0
		if ei != ej {
			return ej
		}
		return out[i].Order < out[j].Order
	})
	return out
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u := s.SignedIn(w, r)
	if u == nil {
		return
	}
	s.Render(w, r, http.StatusOK, "me", &PageData{Title: s.T(r, "me.title"), Data: map[string]any{
		"Panels": s.panels(r, s.meBoards),
	}})
}

// Text is t for the reader (in their script) and the lang attribute to
// put on it: "" when it is in the page's language.
func (rd Reader) Text(t i18n.Text) (string, string) {
	s, l := t.Pick(rd.Lang)
	if l == rd.Lang || rd.Lang == i18n.KKLatn && l == i18n.KK {
		return t.In(rd.Lang), ""
	}
	return s, l.HTMLLang()
}

// Link is p (a path without the language) in the reader's language.
func (rd Reader) Link(p string) string { return "/" + string(rd.Lang) + p }

// Sort puts items in the alphabetical order of the reader's language (an
// English reader's list in English order, a Russian reader's in Russian
// order), by their titles as shown.
func (rd Reader) Sort(items []PanelItem) {
	tag := language.Kazakh
	switch rd.Lang {
	case i18n.RU:
		tag = language.Russian
	case i18n.EN:
		tag = language.English
	}
	c := collate.New(tag, collate.IgnoreCase, collate.Loose)
	sort.SliceStable(items, func(i, j int) bool { return c.CompareString(items[i].Title, items[j].Title) < 0 })
}

// UserText is a person's own words (a proposal's title: its language not
// recorded) for the reader, and the lang attribute to mark it with when
// its script shows it is not in the page's language ("" when it is, or
// when it cannot be told): Cyrillic with letters only Kazakh has is
// Kazakh, other Cyrillic Russian. kk-Latn readers get Kazakh Cyrillic in
// Latin letters, as everywhere.
func (rd Reader) UserText(s string) (string, string) {
	g := GuessLang(s)
	if rd.Lang == i18n.KKLatn {
		if g == i18n.RU {
			return s, "ru"
		}
		return kazakh.ToLatin(s), ""
	}
	if g == "" || g == rd.Lang {
		return s, ""
	}
	return s, g.HTMLLang()
}

// GuessLang tells the language of a short text by its letters: KK for
// Cyrillic with a letter only Kazakh uses, RU for other Cyrillic, "" for
// anything else (Latin may be English or Kazakh in Latin letters).
func GuessLang(s string) i18n.Lang {
	cyr := false
	for _, r := range s {
		switch {
		case strings.ContainsRune("әғқңөұүһіӘҒҚҢӨҰҮҺІ", r):
			return i18n.KK
		case unicode.Is(unicode.Cyrillic, r):
			cyr = true
		}
	}
	if cyr {
		return i18n.RU
	}
	return ""
}
