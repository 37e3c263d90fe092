// Package orgs is the registry of organizations and their members: the
// organization tree (republic → region → city or district → primary
// organization, councils and working groups below any of them), names in
// kk/ru/en, state registration records with their history, the
// organizations members come from, memberships with roles and terms,
// member counts per organization and subtree, the directory with a name
// search that meets across scripts and spellings, imports (all or nothing,
// with a row report) and exports. Its pages and API live here too.
//
// It extends the core tables organizations and memberships with columns of
// its own (migrations 0010–0019); the core columns keep their meaning.
package orgs

import (
	"context"
	"encoding/hex"
	"log/slog"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/regions"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Kinds of organization (API identifiers).
var Kinds = []string{"party", "party_branch", "primary_organization", "youth_wing", "assembly",
	"ethnocultural_association", "council", "working_group", "public_institution", "akimat", "school",
	"college", "university", "company", "ngo", "other"}

// GroupKinds are shown on the parent's page as its councils and groups.
var GroupKinds = []string{"council", "working_group"}

// Roles are the membership roles Ortaq names; others are custom roles,
// kept as written.
var Roles = []string{"chair", "deputy_chair", "secretary", "member", "delegate", "mentor"}

// Statuses of a state registration.
var Statuses = []string{"registered", "re_registered", "suspended", "liquidated"}

// Limits on what people type.
const (
	MaxName        = 300
	MaxShort       = 60
	MaxText        = 5000
	MaxRole        = 60
	MaxContact     = 200
	MaxPersonName  = auth.MaxName
	MaxImportBytes = 16 << 20 // a member file: 50,000 rows of CSV are about 4 MB
)

// Org is an organization.
type Org struct {
	ID, ParentID int64
	Path         string
	Kind         string
	Name, Short  i18n.Text
	Description  i18n.Text
	Purpose      i18n.Text
	Region       string
	District     string
	Phone        string
	Email        string
	Website      string
	Address      string
	MemberCount  int // current members of this organization
	SubtreeCount int // sum of MemberCount over this organization and all below it
	RegStatus    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ArchivedAt   *time.Time
	SortKey      string
}

// IsGroup reports whether the organization is a council or working group.
func (o *Org) IsGroup() bool { return slices.Contains(GroupKinds, o.Kind) }

// Archived reports whether the organization is archived.
func (o *Org) Archived() bool { return o.ArchivedAt != nil }

// Registration is one state registration record.
type Registration struct {
	ID        int64
	Number    string
	Date      string
	Authority string
	Status    string
	CreatedAt time.Time
}

// Service is the registry.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	regions *regions.List
	catalog *i18n.Catalog
	log     *slog.Logger
	notes   Notifier // nil: invitations are not announced
	search  Matcher  // the directory's text filter

	mu      sync.Mutex   // serializes the daily recount in this process
	counted atomic.Value // string: the day counts were last made exact (Kazakhstan's calendar)

	regionsVersion atomic.Value // string: settings regions.version of the list in memory
	regionsChecked atomic.Int64 // unix time of the last look at regions.version
}

// Deps are what the registry needs from the core and from other
// components.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Regions *regions.List
	Catalog *i18n.Catalog
	Log     *slog.Logger
	// Notifier announces invitations (inbox, email, Telegram); nil: they
	// are found on the page only.
	Notifier Notifier
	// Search is the directory's text filter: the search component's, so
	// that the directory finds what the search page finds (issue 17,
	// item 9). nil: a text filter is an error.
	Search Matcher
}

// Matcher filters a list by text (search.Service.Match).
type Matcher interface {
	Match(ctx context.Context, kind, text string) (ids []int64, ok bool, err error)
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{db: d.DB, auth: d.Auth, regions: d.Regions, catalog: d.Catalog, log: d.Log, notes: d.Notifier, search: d.Search}
}

// today is the calendar day in Kazakhstan at t.
func today(t time.Time) string { return t.In(i18n.Almaty).Format("2006-01-02") }

// searchKey is what the directory search matches: every name and short
// name, folded and stemmed, each in its own language (both scripts and all
// spellings meet).
func searchKey(name, short i18n.Text) string {
	return kazakh.SearchKeys(name.KK, name.RU, name.EN, short.KK, short.RU, short.EN)
}

// sortKey orders the directory: the Kazakh name folded (quotes and case
// do not matter, Cyrillic and Latin names interleave).
func sortKey(name i18n.Text) string {
	k := kazakh.Fold(name.In(i18n.KK))
	if len(k) > 120 {
		k = k[:120]
	}
	return k
}

// enCollator orders names in English (case and accents set aside).
var enCollator = sync.Pool{New: func() any { return collate.New(language.English, collate.IgnoreCase, collate.Loose) }}

// sortKeyEN orders the directory for English readers: the English
// collation key of the name they are shown (the English name, else
// another), hex-encoded so that byte order is collation order in a TEXT
// column under any database collation.
func sortKeyEN(name i18n.Text) string {
	n := []rune(strings.TrimSpace(strings.Trim(name.In(i18n.EN), `"«»“”'`)))
	if len(n) > 60 {
		n = n[:60]
	}
	c := enCollator.Get().(*collate.Collator)
	defer enCollator.Put(c)
	var buf collate.Buffer
	return hex.EncodeToString(c.KeyFromString(&buf, string(n)))
}

// nameKey orders member lists.
func nameKey(name string) string {
	k := kazakh.Fold(name)
	if len(k) > 120 {
		k = k[:120]
	}
	return k
}

// ---- validation helpers ----

func checkText(fs *errs.Fields, field, v string, required bool, max int, multiline bool) {
	switch {
	case !utf8.ValidString(v):
		fs.Add(field, "validation.invalid_utf8")
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "validation.required")
	case utf8.RuneCountInString(v) > max:
		fs.Add(field, "validation.too_long", "max", max)
	case strings.ContainsRune(v, 0) || (!multiline && strings.ContainsAny(v, "\r\n")):
		fs.Add(field, "validation.invalid_chars")
	}
}

func checkDate(fs *errs.Fields, field, v string) bool {
	if v == "" {
		return true
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		fs.Add(field, "validation.invalid_date")
		return false
	}
	return true
}

func parseDate(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }

func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	return err == nil && a.Address == v && strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".")
}

var phoneRe = regexp.MustCompile(`^[0-9+()\- ]{5,40}$`)

var customRoleRe = regexp.MustCompile(`^[\p{L}\p{N}_ \-]+$`)

// normalizeRole lowercases and trims a role; it reports an error key when
// the role cannot be used.
func normalizeRole(r string) (string, string) {
	r = strings.ToLower(strings.Join(strings.Fields(r), " "))
	switch {
	case r == "":
		return "", "validation.required"
	case !utf8.ValidString(r):
		return "", "validation.invalid_utf8"
	case utf8.RuneCountInString(r) > MaxRole:
		return "", "validation.too_long"
	case !customRoleRe.MatchString(r):
		return "", "validation.invalid_chars"
	}
	return r, ""
}

// normalizeNumber makes registration numbers comparable: trimmed, single
// spaces, upper case.
func normalizeNumber(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), " "))
}

// checkRegion validates a region code (top level) and an optional district
// inside it.
func (s *Service) checkRegion(fs *errs.Fields, region, district string) {
	if region == "" {
		if district != "" {
			fs.Add("district", "orgs.district_without_region")
		}
		return
	}
	r, ok := s.regions.Get(region)
	if !ok || r.Parent != "KZ" {
		fs.Add("region", "validation.invalid_choice")
		return
	}
	if district != "" {
		d, ok := s.regions.Get(district)
		if !ok || d.Parent != region {
			fs.Add("district", "validation.invalid_choice")
		}
	}
}

func checkWebsite(fs *errs.Fields, field, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v) > MaxContact {
		fs.Add(field, "orgs.invalid_website")
	}
}

// ids parses a materialized path "/1/5/9/" into [1 5 9].
func pathIDs(p string) []int64 {
	var out []int64
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		if n, err := strconv.ParseInt(part, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// subtreeRange gives the bounds of the paths in the subtree of path p
// ("/1/5/" → ["/1/5/", "/1/50")): every descendant's path starts with p,
// and '0' is the byte after '/'.
func subtreeRange(p string) (lo, hi string) {
	return p, p[:len(p)-1] + "0"
}

// pathCol is the path column compared byte by byte on both engines.
func pathCol(d db.Dialect, col string) string {
	if d == db.Postgres {
		return col + ` COLLATE "C"`
	}
	return col
}

// placeholders returns "?, ?, …" n times.

// Has reports whether v is one of the list.
func has(list []string, v string) bool { return slices.Contains(list, v) }
