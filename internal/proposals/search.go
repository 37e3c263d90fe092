package proposals

import (
	"context"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/search"
)

// SearchSource gives proposals to the search: a hidden one only to its
// author and the programme organization's moderators (as Readable).
func SearchSource(d *db.DB) search.Source { return searchSource{d} }

type searchSource struct{ d *db.DB }

func (searchSource) Kind() string         { return "proposal" }
func (searchSource) Path(id int64) string { return "/proposals/" + strconv.FormatInt(id, 10) }

func (s searchSource) Changed(ctx context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	rows, err := s.d.Query(ctx, `SELECT p.id, g.org_id, p.author_id, p.title, p.body, p.hidden, p.created_at, p.updated_at
		FROM proposals p JOIN programmes g ON g.id = p.programme_id WHERE p.updated_at >= ? AND (p.updated_at > ? OR p.id > ?) ORDER BY p.updated_at, p.id LIMIT ?`, since.UTC(), since.UTC(), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		var d search.Doc
		var hidden bool
		var created, updated db.Time
		if err := rows.Scan(&d.ID, &d.OrgID, &d.OwnerID, &d.Title.KK, &d.Body.KK, &hidden, &created, &updated); err != nil {
			return nil, err
		}
		d.Date, d.UpdatedAt, d.Vis = created.Time, updated.Time, search.Public
		if hidden {
			d.Vis = search.Editors
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
