// Package reports keeps an organization's reports of what it did: a title
// and a Markdown body in one or more of kk, ru, en, a date, photos, and
// links to what the report is about (a programme, a meeting, later calls
// and courses). Reports are drafts, scheduled (published when their time
// comes, with no job: visibility is decided when read) or published.
// An organization's administrators write them; every edit is in the audit
// log with what it was before. See docs/decisions/0120-reports.md.
package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/regions"
	"github.com/ortaq/ortaq/internal/web"
)

// Statuses of a report.
var Statuses = []string{"draft", "scheduled", "published"}

// LinkKinds are what a report may be about.
var LinkKinds = []string{"programme", "meeting", "call", "course", "competition"}

// Limits.
const (
	MaxTitle  = 200
	MaxBody   = 50000
	MaxPhotos = 20
)

// Link is something a report is about.
type Link struct {
	Kind string
	ID   int64
}

// Photo is a stored photo (its bytes are read apart, see PhotoData).
// Until a worker has scaled it (prepare.go) it is pending: Width and
// Height are already those its display copy will have, Hash is empty.
type Photo struct {
	ID     int64
	Hash   string
	Width  int
	Height int
	State  string // PhotoPending, PhotoReady, PhotoFailed
	Name   string // the file's name as uploaded
	Reason string // why it failed: too_large, type, broken, dimensions
}

// Ready says whether the photo's copies exist (and may be served).
func (p Photo) Ready() bool { return p.State == PhotoReady }

// Report is one report.
type Report struct {
	ID          int64
	OrgID       int64
	OrgName     i18n.Text
	OrgRegion   string
	AuthorID    int64
	Title       i18n.Text
	Body        i18n.Text
	Status      string
	PublishedAt time.Time
	EventDate   string // YYYY-MM-DD, the day of what happened ("" : the publication day)
	ViewCount   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Links       []Link
	Photos      []Photo
	Public      bool // readable by anyone now
}

// BodyHTML is the body in the reader's language as sanitized HTML.
func (r *Report) BodyHTML(l i18n.Lang) template.HTML {
	s, _ := r.Body.Pick(l)
	return proposals.Markdown(s)
}

// Upload is a photo as sent.
type Upload struct {
	Name string
	Data []byte
}

// Input is what an editor writes.
type Input struct {
	OrgID        int64
	Title        i18n.Text
	Body         i18n.Text
	Status       string     // "" : published
	PublishedAt  *time.Time // nil: now (scheduled needs it)
	EventDate    string
	Links        []Link
	Photos       []Upload
	RemovePhotos []int64 // on edit
}

// Deps are what the service needs.
type Deps struct {
	DB       *db.DB
	Auth     *auth.Service
	Regions  *regions.List
	Log      *slog.Logger
	BaseURL  string // for feeds and social previews
	SiteName string
	// PhotoWorkers is how many photos this node scales at once in Run
	// (0: half the processors, at least one).
	PhotoWorkers int
}

// Service keeps reports.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	log     *slog.Logger
	regions *regions.List
	baseURL string
	site    string
	srv     *web.Server
	wake    chan struct{} // photos stored on this node wait (prepare.go)
	workers int
}

// New returns the service; Register adds its pages and API.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.PhotoWorkers <= 0 {
		d.PhotoWorkers = photoWorkers()
	}
	return &Service{db: d.DB, auth: d.Auth, log: d.Log, regions: d.Regions, baseURL: strings.TrimRight(d.BaseURL, "/"), site: d.SiteName,
		wake: make(chan struct{}, 1), workers: d.PhotoWorkers}
}

// visibleSQL is true for reports of r that anyone may read at ?.
const visibleSQL = `(r.status = 'published' OR (r.status = 'scheduled' AND r.published_at <= ?))`

// editorSQL is true when user ? administers r's organization or an ancestor.
const editorSQL = `EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id
	JOIN organizations ro ON ro.id = r.org_id
	WHERE g.user_id = ? AND g.role = 'admin' AND substr(ro.path, 1, length(go.path)) = go.path)`

func (s *Service) validate(ctx context.Context, tx *db.Tx, in *Input) error {
	var fs errs.Fields
	trim := func(t i18n.Text) i18n.Text {
		return i18n.Text{KK: strings.TrimSpace(t.KK), RU: strings.TrimSpace(t.RU), EN: strings.TrimSpace(t.EN)}
	}
	in.Title, in.Body = trim(in.Title), trim(in.Body)
	check := func(field string, t i18n.Text, max int) {
		for _, p := range []struct{ l, v string }{{"kk", t.KK}, {"ru", t.RU}, {"en", t.EN}} {
			switch {
			case !utf8.ValidString(p.v):
				fs.Add(field+"."+p.l, "validation.invalid_value")
			case utf8.RuneCountInString(p.v) > max:
				fs.Add(field+"."+p.l, "validation.too_long", "max", max)
			}
		}
	}
	check("title", in.Title, MaxTitle)
	check("body", in.Body, MaxBody)
	if in.Title.KK == "" && in.Title.RU == "" && in.Title.EN == "" {
		fs.Add("title", "reports.title_required")
	}
	for _, l := range []struct{ t, b, name string }{{in.Title.KK, in.Body.KK, "kk"}, {in.Title.RU, in.Body.RU, "ru"}, {in.Title.EN, in.Body.EN, "en"}} {
		if l.t == "" && l.b != "" {
			fs.Add("title."+l.name, "reports.title_for_body")
		}
	}
	if in.Status == "" {
		in.Status = "published"
	}
	if !slices.Contains(Statuses, in.Status) {
		fs.Add("status", "validation.invalid_value")
	}
	if in.Status == "scheduled" && (in.PublishedAt == nil || !in.PublishedAt.After(tx.Now)) {
		fs.Add("published_at", "reports.schedule_future")
	}
	if in.EventDate != "" {
		if _, err := time.Parse("2006-01-02", in.EventDate); err != nil {
			fs.Add("date", "validation.invalid_date")
		}
	}
	if len(in.Links) > 20 {
		fs.Add("links", "validation.invalid_value")
	}
	for _, l := range in.Links {
		if !slices.Contains(LinkKinds, l.Kind) || l.ID <= 0 {
			fs.Add("links", "validation.invalid_value")
			continue
		}
		// Programmes and meetings exist today: a link must name one of
		// this organization's subtree's or an ancestor's, so a report
		// cannot attach itself to just any page.
		table := map[string]string{"programme": "programmes", "meeting": "meetings"}[l.Kind]
		if table == "" {
			continue
		}
		ok, err := tx.Exists(ctx, `SELECT 1 FROM `+table+` x WHERE x.id = ?`, l.ID)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add(l.Kind+"_id", "reports.link_unknown")
		}
	}
	return fs.Err()
}

// Create stores a new report written by u for in.OrgID.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Report, error) {
	if in.OrgID <= 0 {
		var fs errs.Fields
		fs.Add("organization_id", "validation.required")
		return nil, fs.Err()
	}
	if err := s.auth.Require(ctx, u, in.OrgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	photos, err := checkAll(in.Photos, 0)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := s.validate(ctx, tx, &in); err != nil {
			return err
		}
		if ok, err := tx.Exists(ctx, `SELECT 1 FROM organizations WHERE id = ?`, in.OrgID); err != nil {
			return err
		} else if !ok {
			return errs.New(errs.NotFound, "error.404.text")
		}
		at := tx.Now
		if in.PublishedAt != nil && in.Status != "published" {
			at = in.PublishedAt.UTC()
		}
		err := tx.QueryRow(ctx, `INSERT INTO reports (org_id, author_id, title_kk, title_ru, title_en, body_kk, body_ru, body_en,
			status, published_at, event_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, u.ID, in.Title.KK, in.Title.RU, in.Title.EN, in.Body.KK, in.Body.RU, in.Body.EN,
			in.Status, at, in.EventDate, tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return fmt.Errorf("reports: create: %w", err)
		}
		if err := writeLinks(ctx, tx, id, in.Links); err != nil {
			return err
		}
		if err := insertPending(ctx, tx, id, 0, photos); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "reports.create", TargetType: "report",
			TargetID: fmt.Sprint(id), OrgID: in.OrgID, After: auditView(in, len(photos))})
	})
	if err != nil {
		return nil, err
	}
	if len(photos) > 0 {
		s.wakeWorkers()
	}
	return s.Get(ctx, u, id)
}

// auditView is what the audit log keeps of a report: its text and state.
func auditView(in Input, photos int) map[string]any {
	m := map[string]any{"title": in.Title, "body": in.Body, "status": in.Status, "date": in.EventDate, "links": in.Links}
	if in.PublishedAt != nil {
		m["published_at"] = in.PublishedAt.UTC()
	}
	if photos > 0 {
		m["photos_added"] = photos
	}
	if len(in.RemovePhotos) > 0 {
		m["photos_removed"] = in.RemovePhotos
	}
	return m
}

func writeLinks(ctx context.Context, tx *db.Tx, id int64, links []Link) error {
	if _, err := tx.Exec(ctx, `DELETE FROM report_links WHERE report_id = ?`, id); err != nil {
		return err
	}
	for _, l := range links {
		if _, err := tx.Exec(ctx, `INSERT INTO report_links (report_id, kind, target_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			id, l.Kind, l.ID); err != nil {
			return fmt.Errorf("reports: link: %w", err)
		}
	}
	return nil
}

// Update changes a report. The audit log keeps what it was before and
// what it became (issue 17: editing after publication keeps the history).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*Report, error) {
	old, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, u, old.OrgID, auth.OrgAdmin); err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Forbidden && !old.Public {
			return nil, errs.New(errs.NotFound, "error.404.text")
		}
		return nil, err
	}
	in.OrgID = old.OrgID
	if in.Status == "published" && old.Status == "published" && in.PublishedAt == nil {
		t := old.PublishedAt
		in.PublishedAt = &t
	}
	photos, err := checkAll(in.Photos, len(old.Photos)-len(in.RemovePhotos))
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := s.validate(ctx, tx, &in); err != nil {
			return err
		}
		at := tx.Now
		switch {
		case in.PublishedAt != nil && in.Status != "published":
			at = in.PublishedAt.UTC()
		case old.Status == "published" && in.Status == "published":
			at = old.PublishedAt // an edit does not move it up the list
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET title_kk = ?, title_ru = ?, title_en = ?, body_kk = ?, body_ru = ?, body_en = ?,
			status = ?, published_at = ?, event_date = ?, updated_at = ? WHERE id = ?`,
			in.Title.KK, in.Title.RU, in.Title.EN, in.Body.KK, in.Body.RU, in.Body.EN, in.Status, at, in.EventDate, tx.Now, id); err != nil {
			return fmt.Errorf("reports: update: %w", err)
		}
		if err := writeLinks(ctx, tx, id, in.Links); err != nil {
			return err
		}
		for _, pid := range in.RemovePhotos {
			if _, err := tx.Exec(ctx, `DELETE FROM report_photos WHERE id = ? AND report_id = ?`, pid, id); err != nil {
				return err
			}
		}
		var maxPos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM report_photos WHERE report_id = ?`, id).Scan(&maxPos); err != nil {
			return err
		}
		if err := insertPending(ctx, tx, id, maxPos, photos); err != nil {
			return err
		}
		before := Input{Title: old.Title, Body: old.Body, Status: old.Status, EventDate: old.EventDate, Links: old.Links, PublishedAt: &old.PublishedAt}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "reports.edit", TargetType: "report",
			TargetID: fmt.Sprint(id), OrgID: old.OrgID, Before: auditView(before, 0), After: auditView(in, len(photos))})
	})
	if err != nil {
		return nil, err
	}
	if len(photos) > 0 {
		s.wakeWorkers()
	}
	return s.Get(ctx, u, id)
}

const reportCols = `r.id, r.org_id, o.name_kk, o.name_ru, o.name_en, COALESCE(o.region, ''), COALESCE(r.author_id, 0),
	r.title_kk, r.title_ru, r.title_en, r.body_kk, r.body_ru, r.body_en, r.status, r.published_at, r.event_date,
	r.view_count, r.created_at, r.updated_at`

func scanReport(sc interface{ Scan(...any) error }, r *Report) error {
	var pub, created, updated db.Time
	err := sc.Scan(&r.ID, &r.OrgID, &r.OrgName.KK, &r.OrgName.RU, &r.OrgName.EN, &r.OrgRegion, &r.AuthorID,
		&r.Title.KK, &r.Title.RU, &r.Title.EN, &r.Body.KK, &r.Body.RU, &r.Body.EN, &r.Status, &pub, &r.EventDate,
		&r.ViewCount, &created, &updated)
	r.PublishedAt, r.CreatedAt, r.UpdatedAt = pub.Time, created.Time, updated.Time
	return err
}

// load reads a report whoever may see it (callers decide).
func (s *Service) load(ctx context.Context, id int64) (*Report, error) {
	r := &Report{}
	now := s.db.Now()
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		if err := scanReport(tx.QueryRow(ctx, `SELECT `+reportCols+` FROM reports r JOIN organizations o ON o.id = r.org_id WHERE r.id = ?`, id),
			r); err != nil {
			return err
		}
		return s.details(ctx, tx, r)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, fmt.Errorf("reports: get: %w", err)
	}
	r.Public = r.Status == "published" || (r.Status == "scheduled" && !r.PublishedAt.After(now))
	return r, nil
}

func (s *Service) details(ctx context.Context, tx *db.Tx, r *Report) error {
	rows, err := tx.Query(ctx, `SELECT kind, target_id FROM report_links WHERE report_id = ? ORDER BY kind, target_id`, r.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Kind, &l.ID); err != nil {
			rows.Close()
			return err
		}
		r.Links = append(r.Links, l)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT id, hash, width, height, state, name, reason FROM report_photos WHERE report_id = ? ORDER BY position, id`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p Photo
		if err := rows.Scan(&p.ID, &p.Hash, &p.Width, &p.Height, &p.State, &p.Name, &p.Reason); err != nil {
			return err
		}
		r.Photos = append(r.Photos, p)
	}
	return rows.Err()
}

// Get returns a report u may read: anyone a public one, the
// organization's administrators drafts and scheduled ones too (404 for
// anyone else: a draft is not announced).
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Report, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Public {
		ok, err := s.CanEdit(ctx, u, r.OrgID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.New(errs.NotFound, "error.404.text")
		}
	}
	return r, nil
}

// CanEdit says whether u may write reports for org.
func (s *Service) CanEdit(ctx context.Context, u *auth.User, org int64) (bool, error) {
	if u == nil {
		return false, nil
	}
	role, err := s.auth.RoleIn(ctx, u, org)
	return role >= auth.OrgAdmin, err
}

// Link returns the link of kind in r (0: none).
func (r *Report) Link(kind string) int64 {
	for _, l := range r.Links {
		if l.Kind == kind {
			return l.ID
		}
	}
	return 0
}
