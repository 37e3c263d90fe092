package meetings

import (
	"context"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/search"
)

// SearchSource gives meetings to the search: open ones ("anyone") to
// everyone, members' meetings only to the organization's members and
// officers.
func SearchSource(d *db.DB) search.Source { return searchSource{d} }

type searchSource struct{ d *db.DB }

func (searchSource) Kind() string         { return "meeting" }
func (searchSource) Path(id int64) string { return "/meetings/" + strconv.FormatInt(id, 10) }

func (s searchSource) Changed(ctx context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	rows, err := s.d.Query(ctx, `SELECT id, org_id, title_kk, title_ru, title_en, description, invite, starts_at, updated_at
		FROM meetings WHERE updated_at >= ? AND (updated_at > ? OR id > ?) ORDER BY updated_at, id LIMIT ?`, since.UTC(), since.UTC(), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		var d search.Doc
		var invite string
		var starts, updated db.Time
		if err := rows.Scan(&d.ID, &d.OrgID, &d.Title.KK, &d.Title.RU, &d.Title.EN, &d.Body.KK, &invite, &starts, &updated); err != nil {
			return nil, err
		}
		d.Date, d.UpdatedAt, d.Vis = starts.Time, updated.Time, search.Public
		if invite != "anyone" {
			d.Vis = search.Members
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
