package reports

import (
	"context"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/search"
)

// SearchSource gives reports to the search: public ones from their
// publication time on; drafts and scheduled ones to the organization's
// administrators and their author.
func SearchSource(d *db.DB) search.Source { return source{d} }

type source struct{ d *db.DB }

func (source) Kind() string         { return "report" }
func (source) Path(id int64) string { return "/reports/" + idStr(id) }
func (s source) Changed(ctx context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	rows, err := s.d.Query(ctx, `SELECT id, org_id, COALESCE(author_id, 0), title_kk, title_ru, title_en, body_kk, body_ru, body_en,
		status, published_at, updated_at FROM reports WHERE updated_at >= ? AND (updated_at > ? OR id > ?) ORDER BY updated_at, id LIMIT ?`, since.UTC(), since.UTC(), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		var d search.Doc
		var status string
		var pub, upd db.Time
		if err := rows.Scan(&d.ID, &d.OrgID, &d.OwnerID, &d.Title.KK, &d.Title.RU, &d.Title.EN, &d.Body.KK, &d.Body.RU, &d.Body.EN,
			&status, &pub, &upd); err != nil {
			return nil, err
		}
		d.Date, d.UpdatedAt, d.VisibleFrom = pub.Time, upd.Time, pub.Time
		switch status {
		case "draft":
			d.Vis = search.Admins
		default: // published, or scheduled: public from its time on
			d.Vis = search.Public
		}
		if status == "published" {
			d.VisibleFrom = time.Unix(0, 0)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
