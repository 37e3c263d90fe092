package courses

import (
	"context"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/search"
)

// SearchSource gives courses to the search: titles and descriptions,
// public (as the course pages are), in the order of their last change
// (COALESCE(updated_at, created_at): an edit sends the course again).
func SearchSource(d *db.DB) search.Source { return searchSource{d} }

type searchSource struct{ d *db.DB }

func (searchSource) Kind() string         { return "course" }
func (searchSource) Path(id int64) string { return "/courses/" + strconv.FormatInt(id, 10) }

func (s searchSource) Changed(ctx context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	rows, err := s.d.Query(ctx, `SELECT id, org_id, title_kk, title_ru, title_en, description_kk, description_ru, description_en, date_from,
		COALESCE(updated_at, created_at) FROM courses WHERE COALESCE(updated_at, created_at) >= ?
		AND (COALESCE(updated_at, created_at) > ? OR id > ?) ORDER BY COALESCE(updated_at, created_at), id LIMIT ?`, since.UTC(), since.UTC(), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		var d search.Doc
		var from string
		var changed db.Time
		if err := rows.Scan(&d.ID, &d.OrgID, &d.Title.KK, &d.Title.RU, &d.Title.EN, &d.Body.KK, &d.Body.RU, &d.Body.EN, &from, &changed); err != nil {
			return nil, err
		}
		d.Date, d.UpdatedAt, d.Vis = changed.Time, changed.Time, search.Public
		if t, err := time.Parse("2006-01-02", from); err == nil {
			d.Date = t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
