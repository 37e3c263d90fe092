package orgs

import (
	"context"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/search"
)

// SearchSource gives organizations to the search (all public).
func SearchSource(d *db.DB) search.Source { return searchSource{d} }

type searchSource struct{ d *db.DB }

func (searchSource) Kind() string         { return "organization" }
func (searchSource) Path(id int64) string { return "/organizations/" + strconv.FormatInt(id, 10) }

func (s searchSource) Changed(ctx context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	rows, err := s.d.Query(ctx, `SELECT id, name_kk, name_ru, name_en, description_kk, description_ru, description_en,
		purpose_kk, purpose_ru, purpose_en, created_at, updated_at FROM organizations WHERE updated_at >= ? AND (updated_at > ? OR id > ?) ORDER BY updated_at, id LIMIT ?`, since.UTC(), since.UTC(), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		var d search.Doc
		var pk, pr, pe string
		var created, updated db.Time
		if err := rows.Scan(&d.ID, &d.Title.KK, &d.Title.RU, &d.Title.EN, &d.Body.KK, &d.Body.RU, &d.Body.EN, &pk, &pr, &pe, &created, &updated); err != nil {
			return nil, err
		}
		join := func(a, b string) string {
			if a == "" || b == "" {
				return a + b
			}
			return a + "\n\n" + b
		}
		d.Body.KK, d.Body.RU, d.Body.EN = join(d.Body.KK, pk), join(d.Body.RU, pr), join(d.Body.EN, pe)
		d.OrgID, d.Date, d.UpdatedAt, d.Vis = d.ID, created.Time, updated.Time, search.Public
		out = append(out, d)
	}
	return out, rows.Err()
}
