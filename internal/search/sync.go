package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// batch is how many changed documents one pass copies per source.
const batch = 500

// overlap is how far back each pass looks again: on PostgreSQL a
// transaction that took its time may commit a change stamped a little
// before one already copied. A document already copied with the same
// change time is not written again.
const overlap = 5 * time.Second

// maxText is how much of a body is kept for snippets.
const maxText = 4000

// Sync copies what the sources changed into the index: at most one batch
// per source unless all is set (then until nothing is left). Searches call
// it first (unless it ran less than Deps.Every ago), so that what a
// component changed is found — or no longer found — at once.
func (s *Service) Sync(ctx context.Context, all bool) error {
	s.mu.Lock()
	if !all && s.every > 0 && !s.dirty && time.Since(s.synced) < s.every {
		s.mu.Unlock()
		return nil
	}
	s.synced, s.dirty = time.Now(), false
	sources := slices.Clone(s.sources)
	s.mu.Unlock()
	for _, src := range sources {
		if err := s.syncSource(ctx, src, all); err != nil {
			return fmt.Errorf("search: sync %s: %w", src.Kind(), err)
		}
	}
	if all {
		if err := s.fillLangs(ctx); err != nil {
			return fmt.Errorf("search: body languages: %w", err)
		}
	}
	return ctx.Err()
}

// fillLangs detects the body languages of rows copied before search_docs
// kept them (migration 0127), a batch at a time.
func (s *Service) fillLangs(ctx context.Context) error {
	type todo struct {
		id    int64
		langs string
	}
	for ctx.Err() == nil {
		var page []todo
		err := s.db.Read(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, body_kk, body_ru, body_en FROM search_docs WHERE body_langs = '' ORDER BY id LIMIT ?`, batch)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var t todo
				var b i18n.Text
				if err := rows.Scan(&t.id, &b.KK, &b.RU, &b.EN); err != nil {
					return err
				}
				t.langs = bodyLangs(b)
				page = append(page, t)
			}
			return rows.Err()
		})
		if err != nil || len(page) == 0 {
			return err
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			for _, t := range page {
				if _, err := tx.Exec(ctx, `UPDATE search_docs SET body_langs = ? WHERE id = ? AND body_langs = ''`, t.langs, t.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// mark returns how far kind is copied: from the table the first time
// (zero when the stored keys are of another kazakh.KeyVersion: all is
// copied again).
func (s *Service) mark(ctx context.Context, kind string) (time.Time, error) {
	if m, ok := s.marks[kind]; ok {
		return m, nil
	}
	var m db.Time
	var version string
	err := s.db.QueryRow(ctx, `SELECT watermark, version FROM search_sources WHERE kind = ?`, kind).Scan(&m, &version)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && version != kazakh.KeyVersion) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	s.marks[kind] = m.Time
	return m.Time, nil
}

// syncSource copies what src changed since the mark, less the overlap,
// page by page in (UpdatedAt, ID) order — many documents changed in one
// transaction share a time — skipping those already copied with the same
// change time. Unless all, it stops after a batch written. One page at a
// time holds the lock: a first start copying 100,000 documents in the
// background takes turns with searches instead of holding them up.
func (s *Service) syncSource(ctx context.Context, src Source, all bool) error {
	kind := src.Kind()
	var since time.Time
	var after int64
	first, written := true, 0
	for {
		s.syncMu.Lock()
		n, last, wrote, err := s.syncPage(ctx, src, kind, first, since, after)
		s.syncMu.Unlock()
		if err != nil {
			return err
		}
		first = false
		written += wrote
		if n < batch || (!all && written >= batch) || ctx.Err() != nil {
			return nil
		}
		since, after = last.UpdatedAt, last.ID
	}
}

func (s *Service) syncPage(ctx context.Context, src Source, kind string, first bool, since time.Time, after int64) (int, Doc, int, error) {
	mark, err := s.mark(ctx, kind)
	if err != nil {
		return 0, Doc{}, 0, err
	}
	if first {
		since, after = mark, 0
		if !since.IsZero() {
			since = since.Add(-overlap)
		}
	}
	docs, err := src.Changed(ctx, since, after, batch)
	if err != nil || len(docs) == 0 {
		return 0, Doc{}, 0, err
	}
	last := docs[len(docs)-1]
	seen := s.recent[kind]
	if seen == nil {
		seen = map[int64]time.Time{}
		// A node that starts has copied nothing itself yet, but what was
		// copied before within the overlap is stored: not written (and
		// stemmed) again. Without this every start rewrote each document
		// sharing the mark's change time — on an imported or generated
		// data set all of them (50,000 proposals, 10,000 organizations)
		// while the node served its first requests (docs/benchmarks.md,
		// "PostgreSQL regressions of issue 14").
		if !mark.IsZero() {
			if err := storedSince(ctx, s.db, kind, since, seen); err != nil {
				return 0, Doc{}, 0, err
			}
		}
		s.recent[kind] = seen
	}
	var todo []Doc
	newMark := mark
	for _, d := range docs {
		if t, ok := seen[d.ID]; ok && t.Equal(d.UpdatedAt) {
			continue
		}
		d.Kind = kind
		todo = append(todo, d)
		if d.UpdatedAt.After(newMark) {
			newMark = d.UpdatedAt
		}
	}
	if len(todo) == 0 {
		return len(docs), last, 0, nil
	}
	// Keys are computed before the transaction: stemming a long body
	// takes a while, and SQLite has one writer.
	rows := make([]row, len(todo))
	for i, d := range todo {
		rows[i] = keyed(d)
	}
	var put []indexed
	var gone []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		put, gone = put[:0], gone[:0]
		for _, r := range rows {
			p, g, err := write(ctx, tx, r)
			if err != nil {
				return err
			}
			if p.id != 0 {
				put = append(put, p)
			}
			gone = append(gone, g...)
		}
		_, err := tx.Exec(ctx, `INSERT INTO search_sources (kind, watermark, version) VALUES (?, ?, ?)
			ON CONFLICT (kind) DO UPDATE SET watermark = excluded.watermark, version = excluded.version
			WHERE search_sources.watermark < excluded.watermark OR search_sources.version <> excluded.version`,
			kind, newMark, kazakh.KeyVersion)
		return err
	})
	if err != nil {
		return 0, Doc{}, 0, err
	}
	s.idx.apply(put, gone)
	s.marks[kind] = newMark
	for _, d := range todo {
		seen[d.ID] = d.UpdatedAt
	}
	for id, t := range seen {
		if t.Before(newMark.Add(-2 * overlap)) {
			delete(seen, id)
		}
	}
	return len(docs), last, len(todo), nil
}

type row struct {
	Doc
	titleKey, bodyKey string
	body              i18n.Text
	bodyLangs         string // see bodyLangs
}

// bodyLangs is the language of each body field as a snippet detects it
// (kazakh.Detect of the plain text kept), one digit per field kk, ru, en.
func bodyLangs(body i18n.Text) string {
	b := []byte("000")
	for i, t := range []string{body.KK, body.RU, body.EN} {
		if t != "" {
			b[i] = '0' + byte(kazakh.Detect(plain(t)))
		}
	}
	return string(b)
}

func keyed(d Doc) row {
	cut := func(s string) string {
		if len(s) <= maxText {
			return s
		}
		i := maxText
		for i > 0 && !utf8RuneStart(s[i]) {
			i--
		}
		return s[:i]
	}
	r := row{Doc: d,
		titleKey: kazakh.SearchKeys(d.Title.KK, d.Title.RU, d.Title.EN),
		bodyKey:  kazakh.SearchKeys(d.Body.KK, d.Body.RU, d.Body.EN),
		body:     i18n.Text{KK: cut(d.Body.KK), RU: cut(d.Body.RU), EN: cut(d.Body.EN)}}
	r.body = i18n.Text{KK: strings.ToValidUTF8(r.body.KK, ""), RU: strings.ToValidUTF8(r.body.RU, ""), EN: strings.ToValidUTF8(r.body.EN, "")}
	r.bodyLangs = bodyLangs(r.body)
	return r
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// write writes one document; an older copy never overwrites a newer one
// (two nodes copying at once). It returns what the in-memory index takes:
// the row written (id 0 when a newer copy was kept), or the ids removed.
func write(ctx context.Context, tx *db.Tx, r row) (indexed, []int64, error) {
	if r.Gone {
		rows, err := tx.Query(ctx, `DELETE FROM search_docs WHERE kind = ? AND ref_id = ? RETURNING id`, r.Kind, r.ID)
		if err != nil {
			return indexed{}, nil, err
		}
		defer rows.Close()
		var gone []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return indexed{}, nil, err
			}
			gone = append(gone, id)
		}
		return indexed{}, gone, rows.Err()
	}
	vis := r.Vis
	if vis == "" {
		vis = Public
	}
	from := r.VisibleFrom
	if from.IsZero() {
		from = time.Unix(0, 0).UTC()
	}
	date := r.Date
	if date.IsZero() {
		date = r.UpdatedAt
	}
	out := indexed{ref: r.ID, kind: r.Kind, org: r.OrgID, owner: r.OwnerID, vis: vis, from: from.UTC(), epoch: date.Unix(),
		updated: r.UpdatedAt.UTC(), titleKey: r.titleKey, bodyKey: r.bodyKey}
	err := tx.QueryRow(ctx, `INSERT INTO search_docs (kind, ref_id, org_id, vis, owner_id, visible_from, epoch,
		title_kk, title_ru, title_en, body_kk, body_ru, body_en, title_key, body_key, updated_at, body_langs)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, ref_id) DO UPDATE SET org_id = excluded.org_id, vis = excluded.vis, owner_id = excluded.owner_id,
			visible_from = excluded.visible_from, epoch = excluded.epoch, title_kk = excluded.title_kk, title_ru = excluded.title_ru,
			title_en = excluded.title_en, body_kk = excluded.body_kk, body_ru = excluded.body_ru, body_en = excluded.body_en,
			title_key = excluded.title_key, body_key = excluded.body_key, updated_at = excluded.updated_at,
			body_langs = excluded.body_langs
		WHERE search_docs.updated_at <= excluded.updated_at
		RETURNING id`,
		r.Kind, r.ID, db.NullID(r.OrgID), string(vis), db.NullID(r.OwnerID), from.UTC(), date.Unix(),
		strings.ToValidUTF8(r.Title.KK, ""), strings.ToValidUTF8(r.Title.RU, ""), strings.ToValidUTF8(r.Title.EN, ""),
		r.body.KK, r.body.RU, r.body.EN, r.titleKey, r.bodyKey, r.UpdatedAt.UTC(), r.bodyLangs).Scan(&out.id)
	if errors.Is(err, sql.ErrNoRows) {
		return indexed{}, nil, nil // a newer copy is there
	}
	if err != nil {
		return indexed{}, nil, err
	}
	return out, nil, nil
}

// storedSince puts into seen the documents of kind stored with a change
// time from since on, with that time.
func storedSince(ctx context.Context, d *db.DB, kind string, since time.Time, seen map[int64]time.Time) error {
	rows, err := d.Query(ctx, `SELECT ref_id, updated_at FROM search_docs WHERE kind = ? AND updated_at >= ?`, kind, since)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t db.Time
		if err := rows.Scan(&id, &t); err != nil {
			return err
		}
		seen[id] = t.Time
	}
	return rows.Err()
}
