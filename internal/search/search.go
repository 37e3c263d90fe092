// Package search is one search over what components publish: reports,
// proposals, organizations, programmes, meetings (calls and courses when
// they exist). Components own their tables and never learn about search:
// each registers a Source, and the search package copies what changed
// into its own index (search_docs) — the stemmed keys the full-text index
// reads (kazakh.DocumentKey: one Go stemmer, whose output both engines
// store), the plain text for snippets, and who may see each document.
//
// Ranking: BM25 on SQLite (FTS5), ts_rank_cd on PostgreSQL (a 'simple'
// tsvector over the same keys); a title match weighs ten times a body
// match; recent documents get a mild boost. See
// docs/decisions/0070-kazakh-search.md.
package search

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"html/template"
	"log/slog"
	"slices"
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

// readCap is how many matches each engine reads before ranking, once for
// titles and once anywhere (see run).
const readCap = 1000

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

	syncMu  sync.Mutex // one Sync at a time on this node (it owns marks and recent)
	mu      sync.Mutex
	sources []Source
	synced  time.Time                      // when this node last looked
	dirty   bool                           // Touch was called
	marks   map[string]time.Time           // per kind: changes up to here are copied
	recent  map[string]map[int64]time.Time // per kind: documents copied within the overlap, with their UpdatedAt
}

// New returns the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d.DB, log: d.Log, every: d.Every, marks: map[string]time.Time{}, recent: map[string]map[int64]time.Time{}}
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

// matchExpr writes the terms as an FTS5 MATCH expression or a tsquery:
// every word must match (AND), through any of its tokens (OR). Tokens are
// [a-z0-9…] only (kazakh.Tokens), quoted for FTS5 all the same.
func matchExpr(d db.Dialect, terms [][]string, all bool) string {
	join := " AND "
	alt := " OR "
	if d == db.Postgres {
		join, alt = " & ", " | "
	}
	if !all {
		join = alt
	}
	parts := make([]string, 0, len(terms))
	for _, word := range terms {
		toks := make([]string, 0, len(word))
		for _, t := range word {
			if d == db.Postgres {
				toks = append(toks, t)
			} else {
				toks = append(toks, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
			}
		}
		parts = append(parts, "("+strings.Join(toks, alt)+")")
	}
	return strings.Join(parts, join)
}

// matchTitles is matchExpr limited to titles: an FTS5 column filter, or
// the tsquery's tokens limited to weight A (the title).
func matchTitles(d db.Dialect, terms [][]string, all bool) string {
	if d != db.Postgres {
		return "title_key : (" + matchExpr(d, terms, all) + ")"
	}
	a := make([][]string, len(terms))
	for i, w := range terms {
		for _, t := range w {
			a[i] = append(a[i], t+":A")
		}
	}
	return matchExpr(d, a, all)
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
	if err := s.Sync(ctx, false); err != nil {
		s.log.Warn("search: sync", "err", err) // search what is indexed
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

func (s *Service) run(ctx context.Context, u *auth.User, q Query, terms [][]string, all bool) ([]Result, error) {
	now := s.db.Now()
	match := matchExpr(s.db.Dialect, terms, all)
	cols := `d.kind, d.ref_id, d.title_kk, d.title_ru, d.title_en, d.body_kk, d.body_ru, d.body_en`
	// Recency: up to ×1.2 for today's documents, fading over a year.
	boost := `(1.0 + 0.2 / (1.0 + (CAST(? AS BIGINT) - d.epoch) / 31536000.0))`
	// The engine ranks text matches by text alone and keeps the best
	// candidates; visibility, filters and the recency boost apply to
	// those. A query whose best candidates are nearly all hidden from the
	// reader finds fewer than it could.
	//
	// Neither engine stops early when it ranks (FTS5 bm25 and ts_rank_cd
	// score every row they are given), so the rows given are capped.
	// SQLite: the newest readCap matches in the title and the newest
	// readCap anywhere (FTS5 indexes each column, so a title-only MATCH
	// is as cheap as any); a title match weighs ten times a body match,
	// so the best documents are nearly always among the title matches,
	// and the body matches keep queries whose words meet only in bodies.
	// PostgreSQL: the GIN index does not know titles from bodies (a
	// weight is checked on the row), so a title-only pass reads every
	// match; it ranks the first readCap matches in table order instead.
	// With fewer matches than the cap (every query of the evaluation set)
	// the ranking is exact on both.
	var sql string
	var args []any
	if s.db.Dialect == db.Postgres {
		// Weights {D, C, B, A}: title (A) 1.0, body (B) 0.1.
		sql = `WITH c AS (SELECT id, ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', vec, tq, 1) AS s
				FROM (SELECT id, vec FROM search_docs WHERE vec @@ to_tsquery('simple', ?) LIMIT ?) m, to_tsquery('simple', ?) tq
				ORDER BY s DESC LIMIT ?)
			SELECT ` + cols + `, c.s * ` + boost + ` AS score FROM c JOIN search_docs d ON d.id = c.id WHERE 1 = 1`
		args = append(args, match, readCap, match, candidates, now.Unix())
	} else {
		// FTS5 scores what the MATCH selects, with the statistics of that
		// MATCH: a row found anywhere keeps that score; one found only
		// through its title (beyond the cap) is scored on its title.
		rank := `SELECT rowid AS id, bm25(search_fts, 10.0, 1.0) AS s FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`
		sql = `WITH b AS MATERIALIZED (` + rank + `), t AS MATERIALIZED (` + rank + `),
			c AS (SELECT id, s FROM (SELECT id, s FROM b UNION ALL SELECT id, s FROM t WHERE id NOT IN (SELECT id FROM b)) ORDER BY s LIMIT ?)
			SELECT ` + cols + `, -c.s * ` + boost + ` AS score FROM c JOIN search_docs d ON d.id = c.id WHERE 1 = 1`
		args = append(args, match, readCap, matchTitles(s.db.Dialect, terms, all), readCap, candidates, now.Unix())
	}
	// Who may see: the owner, anyone once public, officers and members as
	// the document says; platform administrators everything.
	if u == nil || u.Deleted {
		sql += ` AND d.vis = 'public' AND d.visible_from <= ?`
		args = append(args, now)
	} else if !u.IsAdmin {
		officer := `EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id JOIN organizations dorg ON dorg.id = d.org_id
			WHERE g.user_id = ? AND (d.vis <> 'admins' OR g.role = 'admin') AND substr(dorg.path, 1, length(go.path)) = go.path)`
		sql += ` AND (d.owner_id = ? OR (d.vis = 'public' AND d.visible_from <= ?) OR (d.vis <> 'public' AND ` + officer + `)`
		args = append(args, u.ID, now, u.ID)
		if !u.Limited() {
			sql += ` OR (d.vis = 'members' AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = d.org_id AND m.user_id = ?
				AND (m.until IS NULL OR m.until >= ?)))`
			args = append(args, u.ID, now.In(almaty).Format("2006-01-02"))
		}
		sql += `)`
	}
	if q.Kind != "" {
		sql += ` AND d.kind = ?`
		args = append(args, q.Kind)
	}
	if q.OrgID > 0 {
		sql += ` AND EXISTS (SELECT 1 FROM organizations dorg, organizations p WHERE dorg.id = d.org_id AND p.id = ?
			AND substr(dorg.path, 1, length(p.path)) = p.path)`
		args = append(args, q.OrgID)
	}
	sql += ` ORDER BY score DESC, d.id LIMIT ?`
	args = append(args, q.Limit)
	words := flatten(terms)
	var out []Result
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		if s.db.Dialect == db.Postgres {
			// With a LIMIT, the planner prefers reading the table in
			// order until enough rows match: for a rare word, the whole
			// table. The GIN index bounds the work by the matches.
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = s.results(rows, q, words)
		return err
	})
	return out, err
}

func (s *Service) results(rows *stdsql.Rows, q Query, words map[string]bool) ([]Result, error) {
	var out []Result
	for rows.Next() {
		var r Result
		var title, body i18n.Text
		if err := rows.Scan(&r.Kind, &r.ID, &title.KK, &title.RU, &title.EN, &body.KK, &body.RU, &body.EN, &r.Score); err != nil {
			return nil, err
		}
		r.Title, r.TitleLang = title.Pick(q.Lang)
		r.Snippet = snippet(q.Lang, body, title, words)
		if q.Lang == i18n.KKLatn {
			r.Snippet = template.HTML(kazakh.ToLatin(string(r.Snippet)))
		}
		r.Path = s.path(r.Kind, r.ID)
		out = append(out, r)
	}
	return out, rows.Err()
}

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

func flatten(terms [][]string) map[string]bool {
	m := map[string]bool{}
	for _, w := range terms {
		for _, t := range w {
			m[t] = true
		}
	}
	return m
}

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
