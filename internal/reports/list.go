package reports

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Filter selects reports for a list, newest first. Pointer-free: zero
// values mean "any".
type Filter struct {
	OrgID       int64  // the organization and its subtree
	Region      string // the organization's region (or a district in it)
	ProgrammeID int64
	MeetingID   int64
	Link        Link   // reports linked to this (any kind)
	Month       string // YYYY-MM of publication
	Viewer      *auth.User
	Drafts      bool // also the viewer's organizations' drafts and scheduled reports
	NoPhotos    bool // without the first photo of each (one query less)
	Limit       int
	Cursor      string
}

// List returns reports, newest first, and the cursor of the next page.
func (s *Service) List(ctx context.Context, f Filter) ([]*Report, string, error) {
	if f.Limit <= 0 {
		f.Limit = 20
	}
	now := s.db.Now()
	var where []string
	var args []any
	vis := visibleSQL
	args = append(args, now)
	if f.Drafts && f.Viewer != nil {
		if f.Viewer.IsAdmin {
			vis = "1 = 1"
			args = args[:0]
		} else {
			vis = "(" + visibleSQL + " OR " + editorSQL + ")"
			args = append(args, f.Viewer.ID)
		}
	}
	where = append(where, vis)
	if f.OrgID > 0 {
		where = append(where, `substr(o.path, 1, length(p.path)) = p.path`)
	}
	if f.Region != "" {
		where = append(where, `(o.region = ? OR o.region IN (SELECT code FROM regions WHERE parent_code = ?))`)
		args = append(args, f.Region, f.Region)
	}
	if f.ProgrammeID > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM report_links l WHERE l.report_id = r.id AND l.kind = 'programme' AND l.target_id = ?)`)
		args = append(args, f.ProgrammeID)
	}
	if f.MeetingID > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM report_links l WHERE l.report_id = r.id AND l.kind = 'meeting' AND l.target_id = ?)`)
		args = append(args, f.MeetingID)
	}
	if f.Link.ID > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM report_links l WHERE l.report_id = r.id AND l.kind = ? AND l.target_id = ?)`)
		args = append(args, f.Link.Kind, f.Link.ID)
	}
	if f.Month != "" {
		m, err := time.Parse("2006-01", f.Month)
		if err != nil {
			var fs errs.Fields
			fs.Add("month", "validation.invalid_date")
			return nil, "", fs.Err()
		}
		where = append(where, `r.published_at >= ? AND r.published_at < ?`)
		args = append(args, m.UTC(), m.AddDate(0, 1, 0).UTC())
	}
	if f.Cursor != "" {
		var at time.Time
		var id int64
		if err := api.DecodeCursor(f.Cursor, &at, &id); err != nil {
			var fs errs.Fields
			fs.Add("cursor", "validation.invalid_value")
			return nil, "", fs.Err()
		}
		where = append(where, `(r.published_at < ? OR (r.published_at = ? AND r.id < ?))`)
		args = append(args, at, at, id)
	}
	from := `reports r JOIN organizations o ON o.id = r.org_id`
	if f.OrgID > 0 {
		from += ` JOIN organizations p ON p.id = ?`
		args = append([]any{f.OrgID}, args...)
	}
	args = append(args, f.Limit+1)
	q := `SELECT ` + reportCols + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY r.published_at DESC, r.id DESC LIMIT ?`
	// Plain statements, no transaction: a list is one query (and one
	// for the photos), which an organization's page pays too.
	var out []*Report
	err := func() error {
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r := &Report{}
			if err := scanReport(rows, r); err != nil {
				rows.Close()
				return err
			}
			r.Public = r.Status == "published" || (r.Status == "scheduled" && !r.PublishedAt.After(now))
			out = append(out, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if f.NoPhotos {
			return nil
		}
		return s.firstPhotos(ctx, out)
	}()
	if err != nil {
		return nil, "", fmt.Errorf("reports: list: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = api.EncodeCursor(last.PublishedAt, last.ID)
	}
	return out, next, nil
}

// firstPhotos fills each report's first photo (for lists and feeds) in
// one query.
func (s *Service) firstPhotos(ctx context.Context, list []*Report) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	by := map[int64]*Report{}
	for i, r := range list {
		ids[i] = r.ID
		by[r.ID] = r
	}
	rows, err := s.db.Query(ctx, `SELECT report_id, id, hash, width, height FROM report_photos p
		WHERE report_id IN (`+db.Placeholders(len(ids))+`) AND state = 'ready'
		AND position = (SELECT MIN(position) FROM report_photos q WHERE q.report_id = p.report_id AND q.state = 'ready')`,
		db.Args(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		p := Photo{State: PhotoReady}
		if err := rows.Scan(&rid, &p.ID, &p.Hash, &p.Width, &p.Height); err != nil {
			return err
		}
		by[rid].Photos = []Photo{p}
	}
	return rows.Err()
}

// Related returns up to n public reports about the same things as r (the
// same programme or meeting), then the same organization's, newest first.
func (s *Service) Related(ctx context.Context, r *Report, n int) ([]*Report, error) {
	now := s.db.Now()
	q := `SELECT ` + reportCols + ` FROM reports r JOIN organizations o ON o.id = r.org_id
		WHERE ` + visibleSQL + ` AND r.id <> ? AND (r.org_id = ? OR EXISTS (SELECT 1 FROM report_links a JOIN report_links b
			ON b.kind = a.kind AND b.target_id = a.target_id WHERE a.report_id = ? AND b.report_id = r.id))
		ORDER BY CASE WHEN EXISTS (SELECT 1 FROM report_links a JOIN report_links b
			ON b.kind = a.kind AND b.target_id = a.target_id WHERE a.report_id = ? AND b.report_id = r.id) THEN 0 ELSE 1 END,
			r.published_at DESC, r.id DESC LIMIT ?`
	var out []*Report
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, now, r.ID, r.OrgID, r.ID, r.ID, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x := &Report{Public: true}
			if err := scanReport(rows, x); err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

// PhotoData returns a photo's bytes ("display" or "thumb") and whether
// anyone may read it (its report is public); u is asked for otherwise.
// Only a prepared photo has any: what was uploaded (with its EXIF) is
// never served.
func (s *Service) PhotoData(ctx context.Context, u *auth.User, id int64, size string) ([]byte, bool, error) {
	col := map[string]string{"display": "display", "thumb": "thumb"}[size]
	if col == "" {
		return nil, false, errs.New(errs.NotFound, "error.404.text")
	}
	var data []byte
	var rid int64
	err := s.db.QueryRow(ctx, `SELECT `+col+`, report_id FROM report_photos WHERE id = ? AND state = 'ready'`, id).Scan(&data, &rid)
	if err != nil {
		return nil, false, errs.New(errs.NotFound, "error.404.text")
	}
	r, err := s.Get(ctx, u, rid)
	if err != nil {
		return nil, false, err
	}
	return data, r.Public, nil
}

// View counts a reader of a public report once a day, without a cookie
// and without keeping who they are: the reader is a hash of the address
// and browser with a random salt made for the day and deleted after it, so
// no one (nor we) can tell later whose hash it was.
func (s *Service) View(ctx context.Context, id int64, ip, agent string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		day := tx.Now.UTC().Format("2006-01-02")
		var salt string
		err := tx.QueryRow(ctx, `SELECT salt FROM report_salts WHERE day = ?`, day).Scan(&salt)
		if err != nil {
			b := make([]byte, 32)
			rand.Read(b)
			if _, err := tx.Exec(ctx, `INSERT INTO report_salts (day, salt) VALUES (?, ?) ON CONFLICT DO NOTHING`, day, hex.EncodeToString(b)); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT salt FROM report_salts WHERE day = ?`, day).Scan(&salt); err != nil {
				return err
			}
			// Yesterday's salts and readers go: only the counts stay.
			if _, err := tx.Exec(ctx, `DELETE FROM report_salts WHERE day < ?`, day); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM report_views WHERE day < ?`, day); err != nil {
				return err
			}
		}
		sum := sha256.Sum256([]byte(salt + "\x00" + ip + "\x00" + agent))
		reader := hex.EncodeToString(sum[:16])
		var got int64
		err = tx.QueryRow(ctx, `INSERT INTO report_views (report_id, day, reader)
			SELECT r.id, ?, ? FROM reports r WHERE r.id = ? AND `+visibleSQL+`
			ON CONFLICT DO NOTHING RETURNING report_id`, day, reader, id, tx.Now).Scan(&got)
		if err != nil {
			return nil // already counted today, or not a public report
		}
		_, err = tx.Exec(ctx, `UPDATE reports SET view_count = view_count + 1 WHERE id = ?`, id)
		return err
	})
}
