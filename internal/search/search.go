// Package search is one search over what components publish: reports,
// proposals, organizations, programmes, meetings (calls and courses when
// they exist). Components own their tables and never learn about search:
// each registers a Source, and the search package copies what changed
// into its own table (search_docs) — the stemmed keys (kazakh.SearchKeys:
// one Go stemmer), the plain text for snippets, and who may see each
// document.
//
// Ranking: each node holds search_docs' keys in memory (index.go) and
// ranks there with BM25 as FTS5 computes it, on both engines; a title
// match weighs ten times a body match; recent documents get a mild boost.
// See docs/decisions/0070-kazakh-search.md and 0127-search-in-memory.md.
package search

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"fmt"
	"html/template"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

// Kinds a search may be limited to, in the order the page offers them.
var Kinds = []string{"report", "proposal", "organization", "programme", "meeting", "call", "course"}

// candidates is how many text matches are ranked further (see run).
const candidates = 300

// MaxQuery is the longest query, in characters.
const MaxQuery = 200

// Vis says who may find a document.
type Vis string

// Visibilities.
const (
	Public  Vis = "public"  // anyone, from VisibleFrom on
	Members Vis = "members" // the organization's members and its (and its ancestors') officers
	Editors Vis = "editors" // the organization's (and its ancestors') moderators and administrators
	Admins  Vis = "admins"  // the organization's (and its ancestors') administrators
)

// Doc is a document as a source gives it. Its owner (OwnerID) always
// finds it; platform administrators find everything.
type Doc struct {
	Kind        string
	ID          int64
	OrgID       int64
	Title       i18n.Text // text in an unknown language may go in any field: keys detect the language
	Body        i18n.Text // plain text or Markdown
	Vis         Vis
	OwnerID     int64
	VisibleFrom time.Time
	Date        time.Time // what recency is measured from
	UpdatedAt   time.Time // the source's own change time (what Changed selects by)
	Gone        bool      // removed: drop it from the index
}

// Source is what a component registers: its documents changed after a
// time, oldest change first.
type Source interface {
	Kind() string
	// Path is the page of document id, without the language: "/reports/5".
	Path(id int64) string
	// Changed returns up to limit documents changed after (since, after):
	// UpdatedAt > since, or UpdatedAt = since and ID > after; in
	// (UpdatedAt, ID) order.
	Changed(ctx context.Context, since time.Time, after int64, limit int) ([]Doc, error)
}

// SyncEvery is how often the app's nodes look for changed documents
// before a search when nothing told them of a change (Deps.Every): a
// search used to ask every source first, a query each, for every search
// (decision 0127, "The budget"). A change made through a node's web
// server or API makes that node's next search look (Touch, from
// web.Server.OnChange), and on PostgreSQL every other node's too (the
// "pages" event); what changes otherwise (jobs, the bot, another node on
// a database that cannot tell) is found within SyncEvery.
const SyncEvery = 500 * time.Millisecond

// Deps are what the service needs.
type Deps struct {
	DB  *db.DB
	Log *slog.Logger
	// Every is how often a node looks for changed documents before a
	// search (0: before every search, so that a change — a proposal
	// hidden — shows at once). Touch makes the next search look.
	Every time.Duration
}

// Service searches.
type Service struct {
	db    *db.DB
	log   *slog.Logger
	every time.Duration
	srv   *web.Server

	// slots admits at most two searches per core at once (one on a core,
	// one waiting for the database), the others waiting in arrival order:
	// a search started runs to its end instead of sharing the cores with
	// every other. At 32 clients p99 fell from 27 to 8.5 ms on SQLite and
	// to 13 ms on PostgreSQL (docs/benchmarks.md, "Search's p99 tail").
	slots chan struct{}

	syncMu  sync.Mutex // one Sync at a time on this node (it owns marks and recent)
	mu      sync.Mutex
	sources []Source
	synced  time.Time                      // when this node last looked
	dirty   bool                           // Touch was called
	marks   map[string]time.Time           // per kind: changes up to here are copied
	recent  map[string]map[int64]time.Time // per kind: documents copied within the overlap, with their UpdatedAt
	idx     index                          // search_docs in memory (index.go)
}

// New returns the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d.DB, log: d.Log, every: d.Every, marks: map[string]time.Time{}, recent: map[string]map[int64]time.Time{},
		slots: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
}

// Add registers a component's source.
func (s *Service) Add(src Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sources = append(s.sources, src)
	s.dirty = true
}

// Touch makes the next search copy changes first (a component that just
// changed something on this node).
func (s *Service) Touch() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
}

// Query is a search.
type Query struct {
	Text  string
	Kind  string // "" : every kind
	OrgID int64  // 0: any; else the organization and its subtree
	Limit int
	Lang  i18n.Lang // the reader's language (which text to show)
}

// Result is one match.
type Result struct {
	Kind      string
	ID        int64
	Title     string
	TitleLang i18n.Lang
	Snippet   template.HTML // plain text with the matching words in <mark>
	Path      string        // without the language prefix
	Score     float64
}

// Parse checks a query's text and returns its terms, or a field error on
// "q" with a message for the reader: empty, too long, nothing to search.
// Invalid UTF-8 is dropped, never an error.
func Parse(text string) ([][]string, error) {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	var fs errs.Fields
	switch {
	case text == "":
		fs.Add("q", "search.empty")
	case utf8.RuneCountInString(text) > MaxQuery:
		fs.Add("q", "search.too_long", "max", MaxQuery)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	terms := kazakh.QueryTerms(text)
	if len(terms) == 0 {
		fs.Add("q", "search.no_words")
		return nil, fs.Err()
	}
	return terms, nil
}

// Search returns what u may see that matches q, best first. Every word
// of the query must match; when nothing does, any word may.
func (s *Service) Search(ctx context.Context, u *auth.User, q Query) ([]Result, error) {
	terms, err := Parse(q.Text)
	if err != nil {
		return nil, err
	}
	if q.Kind != "" && !slices.Contains(Kinds, q.Kind) {
		var fs errs.Fields
		fs.Add("kind", "validation.invalid_choice")
		return nil, fs.Err()
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 20
	}
	if err := s.ensureIndex(ctx); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if err := s.Sync(ctx, false); err != nil {
		s.log.Warn("search: sync", "err", err) // search what is indexed
	}
	// The search's own slots bound it, not the database's gate: the
	// request's place there goes to another meanwhile (no request waits
	// for one while holding the other).
	defer db.Elsewhere(ctx)()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res, err := s.run(ctx, u, q, terms, true)
	if err == nil && len(res) == 0 && len(terms) > 1 {
		res, err = s.run(ctx, u, q, terms, false)
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// Match is the text filter of a component's list (the organizations
// directory, the proposals list): the ids, in that component, of kind's
// documents having a token of every word of text — the words the search
// page finds, in any script or spelling, inflected or not — in no
// particular order. ok is false when text has no word to search for (no
// filter); text over MaxQuery characters is a field error on "q".
//
// Visibility is not applied: the list applies its own rules (hidden
// proposals, archived organizations) and its other filters and order to
// these ids, and must never show them otherwise. Changes are looked for
// first as for a search (Sync: when told of a change, or SyncEvery after
// the last look), so a list finds what the search page finds.
func (s *Service) Match(ctx context.Context, kind, text string) (ids []int64, ok bool, err error) {
	terms, err := Parse(text)
	if err != nil {
		if utf8.RuneCountInString(strings.TrimSpace(text)) > MaxQuery {
			return nil, false, err
		}
		return nil, false, nil // empty, or no word: no filter
	}
	if err := s.ensureIndex(ctx); err != nil {
		return nil, false, fmt.Errorf("search: match: %w", err)
	}
	if err := s.Sync(ctx, false); err != nil {
		s.log.Warn("search: sync", "err", err) // filter by what is indexed
	}
	code, known := s.idx.kindOf(kind)
	if !known {
		return nil, true, nil
	}
	return s.idx.match(terms, code), true, nil
}

// IDsIn is the condition "col is one of ids" for a list's SQL, with its
// arguments: placeholders for a few ids, one array argument for many
// (SQLite's json_each, PostgreSQL's bigint[]; neither engine takes
// 50,000 placeholders).
func IDsIn(d db.Dialect, col string, ids []int64) (string, []any) {
	if len(ids) == 0 {
		return "FALSE", nil
	}
	if len(ids) <= 500 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		return col + " IN (" + marks(len(ids)) + ")", args
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	if d == db.Postgres {
		a := b.String()
		return col + " = ANY(CAST(? AS bigint[]))", []any{"{" + a[1:len(a)-1] + "}"}
	}
	return col + " IN (SELECT value FROM json_each(?))", []any{b.String()}
}

// ensureIndex loads search_docs into this node's index once. The marks
// (how far each source is copied) are read first, then the documents:
// whatever another node copies in between is copied again here, never
// missed.
func (s *Service) ensureIndex(ctx context.Context) error {
	if s.idx.isLoaded() {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.idx.isLoaded() {
		return nil
	}
	rows, err := s.db.Query(ctx, `SELECT kind, watermark, version FROM search_sources`)
	if err != nil {
		return err
	}
	marks := map[string]time.Time{}
	for rows.Next() {
		var kind, version string
		var m db.Time
		if err := rows.Scan(&kind, &m, &version); err != nil {
			rows.Close()
			return err
		}
		if version == kazakh.KeyVersion {
			marks[kind] = m.Time
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.idx.load(ctx, s.db); err != nil {
		return err
	}
	for kind, m := range marks {
		if m.After(s.marks[kind]) {
			s.marks[kind] = m
		}
	}
	return nil
}

// run ranks in this node's index (index.go) and reads the text of the
// results from search_docs. The index ranks by text alone and keeps the
// best candidates among what the reader may see as far as the index
// knows (the kind; for guests, public documents already visible);
// visibility for signed-in readers and the organization filter are then
// checked in SQL on those candidates, as they always were; the recency
// boost applies last. A query whose best candidates are nearly all
// hidden from a signed-in reader finds fewer than it could.
func (s *Service) run(ctx context.Context, u *auth.User, q Query, terms [][]string, all bool) ([]Result, error) {
	now := s.db.Now()
	nowNs := now.UnixNano()
	guest := u == nil || u.Deleted
	// What is checked in SQL afterwards may drop candidates: then more
	// are kept. Otherwise the index's best are the results.
	k := q.Limit
	if (!guest && !u.IsAdmin) || q.OrgID > 0 {
		k = candidates
	}
	var kind uint8
	if q.Kind != "" {
		var ok bool
		if kind, ok = s.idx.kindOf(q.Kind); !ok {
			return nil, nil // no document of that kind
		}
	}
	cands := s.idx.rank(terms, all, k, filter{kind: kind, anyKind: q.Kind == "", guest: guest, now: nowNs, boost: true})
	if len(cands) == 0 {
		return nil, nil
	}
	// Who may see: the owner, anyone once public, officers and members as
	// the document says; platform administrators everything.
	var where string
	var args []any
	if !guest && !u.IsAdmin {
		for _, c := range cands {
			if c.doc.owner != u.ID && (!c.doc.public || c.doc.from > nowNs) {
				officer := `EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id JOIN organizations dorg ON dorg.id = d.org_id
					WHERE g.user_id = ? AND (d.vis <> 'admins' OR g.role = 'admin') AND substr(dorg.path, 1, length(go.path)) = go.path)`
				where += ` AND (d.owner_id = ? OR (d.vis = 'public' AND d.visible_from <= ?) OR (d.vis <> 'public' AND ` + officer + `)`
				args = append(args, u.ID, now, u.ID)
				if !u.Limited() {
					where += ` OR (d.vis = 'members' AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = d.org_id AND m.user_id = ?
						AND (m.until IS NULL OR m.until >= ?)))`
					args = append(args, u.ID, now.In(almaty).Format("2006-01-02"))
				}
				where += `)`
				break
			}
		}
	}
	if q.OrgID > 0 {
		where += ` AND EXISTS (SELECT 1 FROM organizations dorg, organizations p WHERE dorg.id = d.org_id AND p.id = ?
			AND substr(dorg.path, 1, length(p.path)) = p.path)`
		args = append(args, q.OrgID)
	}
	// Statements on their own, not in a transaction: on PostgreSQL a
	// read-only transaction is two more round trips a search (BEGIN,
	// COMMIT), and at READ COMMITTED it never made the two statements one
	// snapshot anyway. A document changed in between is shown as it is
	// now, or left out when gone, as a search a moment later would.
	if where != "" {
		ok, err := idsWhere(ctx, s.db, cands, where, args)
		if err != nil {
			return nil, err
		}
		cands = slices.DeleteFunc(cands, func(c cand) bool { return !ok[c.id] })
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.id, b.id)
	})
	if len(cands) > q.Limit {
		cands = cands[:q.Limit]
	}
	if len(cands) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT d.id, d.kind, d.ref_id, d.title_kk, d.title_ru, d.title_en, d.body_kk, d.body_ru, d.body_en,
		d.body_langs FROM search_docs d WHERE d.id IN (`+marks(len(cands))+`)`, ids(cands)...)
	if err != nil {
		return nil, err
	}
	got, err := fetch(rows, len(cands))
	rows.Close()
	if err != nil {
		return nil, err
	}
	// Snippets once the connection is back in the pool: holding it
	// meanwhile made readers queue for connections at 32 clients.
	return s.results(got, q, terms, cands), nil
}

// fetched is a result's row as read.
type fetched struct {
	id          int64
	kind        string
	ref         int64
	title, body i18n.Text
	langs       string
}

func fetch(rows *stdsql.Rows, n int) ([]fetched, error) {
	out := make([]fetched, 0, n)
	for rows.Next() {
		var f fetched
		if err := rows.Scan(&f.id, &f.kind, &f.ref, &f.title.KK, &f.title.RU, &f.title.EN, &f.body.KK, &f.body.RU, &f.body.EN, &f.langs); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// idsWhere returns which candidates pass a condition on search_docs d.
func idsWhere(ctx context.Context, d *db.DB, cands []cand, where string, args []any) (map[int64]bool, error) {
	rows, err := d.Query(ctx, `SELECT d.id FROM search_docs d WHERE d.id IN (`+marks(len(cands))+`)`+where,
		append(ids(cands), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ok := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ok[id] = true
	}
	return ok, rows.Err()
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func ids(cands []cand) []any {
	out := make([]any, len(cands))
	for i, c := range cands {
		out[i] = c.id
	}
	return out
}

func (s *Service) results(rows []fetched, q Query, terms [][]string, order []cand) []Result {
	st := newStems(terms)
	out := make([]Result, 0, len(order))
	for _, c := range order {
		i := slices.IndexFunc(rows, func(f fetched) bool { return f.id == c.id }) // a page of rows: no map
		if i < 0 {
			continue // gone since it was ranked: left out
		}
		f := &rows[i]
		r := Result{Kind: f.kind, ID: f.ref, Score: c.score}
		r.Title, r.TitleLang = f.title.Pick(q.Lang)
		// When the index knows no word asked for is in the body, its
		// words are not stemmed.
		r.Snippet = snippet(q.Lang, f.body, f.title, f.langs, st, c.bodyHit)
		if q.Lang == i18n.KKLatn {
			r.Snippet = template.HTML(kazakh.ToLatin(string(r.Snippet)))
		}
		r.Path = s.path(r.Kind, r.ID)
		out = append(out, r)
	}
	return out
}

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

func (s *Service) path(kind string, id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, src := range s.sources {
		if src.Kind() == kind {
			return src.Path(id)
		}
	}
	return fmt.Sprintf("/%ss/%d", kind, id)
}
