// Package regions is the reference list of Kazakhstan's regions, cities of
// republican significance and districts, shipped as a migration and read
// into memory once: it changes rarely and is on every sign-up form.
package regions

import (
	"context"
	"fmt"
	"sync"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Region is one entry; top-level entries have parent "KZ".
type Region struct {
	Code   string            `json:"code"`
	Name   map[string]string `json:"name"` // kk, ru, en
	Kind   string            `json:"kind"`
	Parent string            `json:"parent_code,omitempty"`
}

// NameIn is the name in a language (Kazakh in Latin for kk-Latn).
func (r Region) NameIn(l i18n.Lang) string {
	switch l {
	case i18n.KKLatn:
		return kazakh.ToLatin(r.Name["kk"])
	case i18n.RU, i18n.EN:
		if n := r.Name[string(l)]; n != "" {
			return n
		}
	}
	return r.Name["kk"]
}

// List is the cached reference list.
type List struct {
	mu     sync.RWMutex
	all    []Region
	byCode map[string]Region
}

// Load reads the list from the database.
func Load(ctx context.Context, d *db.DB) (*List, error) {
	l := &List{}
	return l, l.Reload(ctx, d)
}

// Reload rereads the list (after an import).
func (l *List) Reload(ctx context.Context, d *db.DB) error {
	rows, err := d.Query(ctx, `SELECT code, kind, COALESCE(parent_code, ''), name_kk, name_ru, name_en
		FROM regions WHERE kind <> 'country' ORDER BY sort, name_kk`)
	if err != nil {
		return fmt.Errorf("regions: %w", err)
	}
	defer rows.Close()
	var all []Region
	by := map[string]Region{}
	for rows.Next() {
		var r Region
		var kk, ru, en string
		if err := rows.Scan(&r.Code, &r.Kind, &r.Parent, &kk, &ru, &en); err != nil {
			return fmt.Errorf("regions: %w", err)
		}
		r.Name = map[string]string{"kk": kk, "ru": ru, "en": en}
		all = append(all, r)
		by[r.Code] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	l.all, l.byCode = all, by
	l.mu.Unlock()
	return nil
}

// All returns every region, in display order.
func (l *List) All() []Region {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.all
}

// Get returns a region by code.
func (l *List) Get(code string) (Region, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	r, ok := l.byCode[code]
	return r, ok
}

// Option is a region with its districts, named in one language, for forms.
type Option struct {
	Code, Name string
	Districts  []Option
}

// Options returns the top-level regions with their districts named in l.
func (l *List) Options(lang i18n.Lang) []Option {
	all := l.All()
	var out []Option
	idx := map[string]int{}
	for _, r := range all {
		if r.Parent == "KZ" {
			idx[r.Code] = len(out)
			out = append(out, Option{Code: r.Code, Name: r.NameIn(lang)})
		}
	}
	for _, r := range all {
		if i, ok := idx[r.Parent]; ok {
			out[i].Districts = append(out[i].Districts, Option{Code: r.Code, Name: r.NameIn(lang)})
		}
	}
	return out
}
