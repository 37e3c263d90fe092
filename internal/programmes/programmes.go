// Package programmes is the space in which an organization runs its work
// with young people: a programme, a project or a permanent council, with
// directions, sub-projects and dated phases (collecting proposals →
// evaluation → roadmap → implementation → report). The current phase
// decides what people can do. Indicators (baseline, target, values by
// region and period) live here too.
package programmes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/cache"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/regions"
)

// PhaseKinds are the phases in their usual order.
var PhaseKinds = []string{"proposals", "evaluation", "roadmap", "implementation", "report"}

// Kinds of spaces.
var Kinds = []string{"programme", "project", "council"}

// Phase is a dated phase.
type Phase struct {
	Kind     string    `json:"kind" enum:"proposals,evaluation,roadmap,implementation,report"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// LastDay is an instant on the phase's last day (EndsAt is exclusive:
// forms end a phase at the start of the day after the one they name).
func (ph Phase) LastDay() time.Time { return ph.EndsAt.Add(-time.Second) }

// Direction is a line of work inside a programme.
type Direction struct {
	ID    int64
	Title i18n.Text
}

// Summary is a programme in a list.
type Summary struct {
	ID       int64
	OrgID    int64
	ParentID int64
	Kind     string
	Title    i18n.Text
	OrgName  i18n.Text
}

// Programme is a space with everything its pages need.
type Programme struct {
	Summary
	Description i18n.Text
	StartsOn    string
	EndsOn      string
	AgeMin      int
	AgeMax      int
	Regions     []string
	Directions  []Direction
	Phases      []Phase
	Children    []Summary
	Parent      *Summary
}

// PhaseAt returns the kind of the phase running at now ("" for none).
func (p *Programme) PhaseAt(now time.Time) string {
	for _, ph := range p.Phases {
		if !now.Before(ph.StartsAt) && now.Before(ph.EndsAt) {
			return ph.Kind
		}
	}
	return ""
}

// Direction returns the direction with id.
func (p *Programme) Direction(id int64) (Direction, bool) {
	for _, d := range p.Directions {
		if d.ID == id {
			return d, true
		}
	}
	return Direction{}, false
}

// CoversRegion reports whether code is one of the programme's regions (a
// programme without regions covers the whole country).
func (p *Programme) CoversRegion(code string) bool {
	return len(p.Regions) == 0 || slices.Contains(p.Regions, code)
}

// Service keeps programmes and indicators.
type Service struct {
	DB      *db.DB
	Auth    *auth.Service
	Regions *regions.List
	cache   *cache.Cache[int64, *Programme]

	log       *slog.Logger
	proposals ProposalCounter
}

// ProposalCounter is what the programme page shows of the proposals
// component: how many proposals a programme has.
type ProposalCounter interface {
	Count(ctx context.Context, programmeID int64) (int, error)
}

// Deps are what the programmes service needs.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Regions *regions.List
	Log     *slog.Logger // nil: discarded
	// Proposals counts a programme's proposals for its page; nil: no count.
	Proposals ProposalCounter
}

// New returns the service, keeping programmes for DefaultCacheTTL.
func New(d Deps) *Service {
	s := &Service{DB: d.DB, Auth: d.Auth, Regions: d.Regions, cache: newCache(DefaultCacheTTL), log: d.Log, proposals: d.Proposals}
	if d.DB != nil {
		// A change made on another node: forget this node's copies.
		d.DB.OnEvent("pages", func() { s.cache.Clear() })
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Input is what an administrator writes when creating or editing.
type Input struct {
	OrgID       int64
	ParentID    int64
	Kind        string
	Title       i18n.Text
	Description i18n.Text
	StartsOn    string
	EndsOn      string
	AgeMin      int
	AgeMax      int
	Regions     []string
	Directions  []Direction // ID 0: new
	Phases      []Phase
}

func checkText(fs *errs.Fields, name, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		fs.Add(name, "validation.required")
	case !utf8.ValidString(s):
		fs.Add(name, "validation.invalid_utf8")
	case utf8.RuneCountInString(s) > max:
		fs.Add(name, "validation.too_long", "max", max)
	}
}

// CheckDate validates an optional YYYY-MM-DD.
func CheckDate(fs *errs.Fields, name, s string) {
	if s == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		fs.Add(name, "validation.invalid_date")
	}
}

func (s *Service) validate(in *Input) error {
	var fs errs.Fields
	in.Title.KK, in.Title.RU, in.Title.EN = strings.TrimSpace(in.Title.KK), strings.TrimSpace(in.Title.RU), strings.TrimSpace(in.Title.EN)
	if in.Title.KK == "" && in.Title.RU == "" {
		fs.Add("title.kk", "validation.required")
	}
	for name, v := range map[string]string{"title.kk": in.Title.KK, "title.ru": in.Title.RU, "title.en": in.Title.EN} {
		checkText(&fs, name, v, false, 200)
	}
	for name, v := range map[string]string{"description.kk": in.Description.KK, "description.ru": in.Description.RU, "description.en": in.Description.EN} {
		checkText(&fs, name, v, false, 20000)
	}
	if in.Kind == "" {
		in.Kind = "programme"
	}
	if !slices.Contains(Kinds, in.Kind) {
		fs.Add("kind", "validation.invalid_choice")
	}
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	CheckDate(&fs, "starts_on", in.StartsOn)
	CheckDate(&fs, "ends_on", in.EndsOn)
	if in.StartsOn != "" && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		fs.Add("ends_on", "programmes.ends_before_start")
	}
	if in.AgeMin == 0 && in.AgeMax == 0 {
		in.AgeMin, in.AgeMax = 14, 35
	}
	if in.AgeMin < 0 || in.AgeMin > 120 {
		fs.Add("age_min", "validation.invalid_value")
	}
	if in.AgeMax < in.AgeMin || in.AgeMax > 120 {
		fs.Add("age_max", "programmes.age_range_invalid")
	}
	seen := map[string]bool{}
	var regs []string
	for _, r := range in.Regions {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		if reg, ok := s.Regions.Get(r); !ok || reg.Parent != "KZ" {
			fs.Add("regions", "programmes.unknown_region", "code", r)
			continue
		}
		regs = append(regs, r)
	}
	in.Regions = regs
	for i, d := range in.Directions {
		d.Title.KK, d.Title.RU, d.Title.EN = strings.TrimSpace(d.Title.KK), strings.TrimSpace(d.Title.RU), strings.TrimSpace(d.Title.EN)
		in.Directions[i] = d
		if d.Title.KK == "" && d.Title.RU == "" {
			fs.Add("directions", "validation.required")
		}
		checkText(&fs, "directions", d.Title.KK+d.Title.RU+d.Title.EN, false, 600)
	}
	if len(in.Directions) > 50 {
		fs.Add("directions", "validation.too_long", "max", 50)
	}
	kinds := map[string]bool{}
	for _, ph := range in.Phases {
		field := "phases." + ph.Kind
		if !slices.Contains(PhaseKinds, ph.Kind) {
			fs.Add("phases", "validation.invalid_choice")
			continue
		}
		if kinds[ph.Kind] {
			fs.Add(field, "programmes.phase_twice")
		}
		kinds[ph.Kind] = true
		if ph.StartsAt.IsZero() || ph.EndsAt.IsZero() {
			fs.Add(field, "validation.required")
		} else if !ph.EndsAt.After(ph.StartsAt) {
			fs.Add(field, "programmes.phase_ends_before_start")
		}
	}
	return fs.Err()
}

// Create makes a programme (or a sub-project when ParentID is set);
// administrators of the owning organization only.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Programme, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, in.OrgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ? AND archived_at IS NULL", in.OrgID)
		if err != nil {
			return err
		}
		if !ok {
			var fs errs.Fields
			fs.Add("organization_id", "programmes.unknown_org")
			return fs.Err()
		}
		if in.ParentID != 0 {
			ok, err := tx.Exists(ctx, "SELECT 1 FROM programmes WHERE id = ?", in.ParentID)
			if err != nil {
				return err
			}
			if !ok {
				var fs errs.Fields
				fs.Add("parent_id", "programmes.unknown_parent")
				return fs.Err()
			}
		}
		err = tx.QueryRow(ctx, `INSERT INTO programmes (org_id, parent_id, kind, title_kk, title_ru, title_en,
			description_kk, description_ru, description_en, starts_on, ends_on, age_min, age_max, regions,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, nullInt(in.ParentID), in.Kind, in.Title.KK, in.Title.RU, in.Title.EN,
			in.Description.KK, in.Description.RU, in.Description.EN, db.NullStr(in.StartsOn), db.NullStr(in.EndsOn),
			in.AgeMin, in.AgeMax, strings.Join(in.Regions, ","), u.ID, tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return fmt.Errorf("programmes: create: %w", err)
		}
		if err := saveDirections(ctx, tx, id, in.Directions); err != nil {
			return err
		}
		if err := savePhases(ctx, tx, id, in.Phases); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "programmes.create", TargetType: "programme",
			TargetID: strconv.FormatInt(id, 10), OrgID: in.OrgID, After: in})
	})
	if err != nil {
		return nil, err
	}
	s.cache.Forget(in.ParentID) // its list of sub-projects changed
	return s.Get(ctx, id)
}

// Update changes a programme; the owning organization stays.
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*Programme, error) {
	old, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	in.OrgID, in.ParentID = old.OrgID, old.ParentID
	if err := s.Auth.Require(ctx, u, old.OrgID, auth.OrgAdmin); err != nil {
		return nil, err
	}
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE programmes SET kind = ?, title_kk = ?, title_ru = ?, title_en = ?,
			description_kk = ?, description_ru = ?, description_en = ?, starts_on = ?, ends_on = ?,
			age_min = ?, age_max = ?, regions = ?, updated_at = ? WHERE id = ?`,
			in.Kind, in.Title.KK, in.Title.RU, in.Title.EN, in.Description.KK, in.Description.RU, in.Description.EN,
			db.NullStr(in.StartsOn), db.NullStr(in.EndsOn), in.AgeMin, in.AgeMax, strings.Join(in.Regions, ","), tx.Now, id)
		if err != nil {
			return fmt.Errorf("programmes: update: %w", err)
		}
		// Directions: keep those named by id, add new ones, remove the rest
		// unless something refers to them.
		keep := map[int64]bool{}
		for _, d := range in.Directions {
			if d.ID != 0 {
				if _, ok := old.Direction(d.ID); !ok {
					var fs errs.Fields
					fs.Add("directions", "validation.invalid_choice")
					return fs.Err()
				}
				keep[d.ID] = true
			}
		}
		for _, d := range old.Directions {
			if keep[d.ID] {
				continue
			}
			used, err := tx.Exists(ctx, `SELECT 1 FROM proposals WHERE direction_id = ?
				UNION ALL SELECT 1 FROM roadmap_items WHERE direction_id = ?`, d.ID, d.ID)
			if err != nil {
				return err
			}
			if used {
				var fs errs.Fields
				fs.Add("directions", "programmes.direction_in_use", "name", d.Title.KK)
				return fs.Err()
			}
			if _, err := tx.Exec(ctx, "DELETE FROM programme_directions WHERE id = ?", d.ID); err != nil {
				return err
			}
		}
		if err := saveDirections(ctx, tx, id, in.Directions); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM programme_phases WHERE programme_id = ?", id); err != nil {
			return err
		}
		if err := savePhases(ctx, tx, id, in.Phases); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "programmes.update", TargetType: "programme",
			TargetID: strconv.FormatInt(id, 10), OrgID: old.OrgID, Before: old, After: in})
	})
	s.cache.Forget(id, old.ParentID)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func saveDirections(ctx context.Context, tx *db.Tx, programmeID int64, ds []Direction) error {
	for i, d := range ds {
		var err error
		if d.ID != 0 {
			_, err = tx.Exec(ctx, "UPDATE programme_directions SET title_kk = ?, title_ru = ?, title_en = ?, sort = ? WHERE id = ? AND programme_id = ?",
				d.Title.KK, d.Title.RU, d.Title.EN, i, d.ID, programmeID)
		} else {
			_, err = tx.Exec(ctx, "INSERT INTO programme_directions (programme_id, title_kk, title_ru, title_en, sort) VALUES (?, ?, ?, ?, ?)",
				programmeID, d.Title.KK, d.Title.RU, d.Title.EN, i)
		}
		if err != nil {
			return fmt.Errorf("programmes: directions: %w", err)
		}
	}
	return nil
}

func savePhases(ctx context.Context, tx *db.Tx, programmeID int64, ps []Phase) error {
	for _, p := range ps {
		if _, err := tx.Exec(ctx, "INSERT INTO programme_phases (programme_id, kind, starts_at, ends_at) VALUES (?, ?, ?, ?)",
			programmeID, p.Kind, p.StartsAt.UTC(), p.EndsAt.UTC()); err != nil {
			return fmt.Errorf("programmes: phases: %w", err)
		}
	}
	return nil
}

const summaryCols = `p.id, p.org_id, COALESCE(p.parent_id, 0), p.kind, p.title_kk, p.title_ru, p.title_en, o.name_kk, o.name_ru, o.name_en`

func scanSummary(sc interface{ Scan(...any) error }, extra ...any) (Summary, error) {
	var s Summary
	err := sc.Scan(append([]any{&s.ID, &s.OrgID, &s.ParentID, &s.Kind, &s.Title.KK, &s.Title.RU, &s.Title.EN,
		&s.OrgName.KK, &s.OrgName.RU, &s.OrgName.EN}, extra...)...)
	return s, err
}

// querier is a *db.DB or a *db.Tx.
type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Get returns a programme with its directions, phases and sub-projects.
func (s *Service) Get(ctx context.Context, id int64) (*Programme, error) {
	return s.get(ctx, s.DB, id)
}

func (s *Service) get(ctx context.Context, q querier, id int64) (*Programme, error) {
	var p Programme
	var starts, ends sql.NullString
	var regs string
	sum, err := scanSummary(q.QueryRow(ctx, `SELECT `+summaryCols+`, p.description_kk, p.description_ru, p.description_en,
		p.starts_on, p.ends_on, p.age_min, p.age_max, p.regions
		FROM programmes p JOIN organizations o ON o.id = p.org_id WHERE p.id = ?`, id),
		&p.Description.KK, &p.Description.RU, &p.Description.EN, &starts, &ends, &p.AgeMin, &p.AgeMax, &regs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, fmt.Errorf("programmes: get %d: %w", id, err)
	}
	p.Summary = sum
	p.StartsOn, p.EndsOn = starts.String, ends.String
	if regs != "" {
		p.Regions = strings.Split(regs, ",")
	}
	rows, err := q.Query(ctx, "SELECT id, title_kk, title_ru, title_en FROM programme_directions WHERE programme_id = ? ORDER BY sort, id", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d Direction
		if err := rows.Scan(&d.ID, &d.Title.KK, &d.Title.RU, &d.Title.EN); err != nil {
			rows.Close()
			return nil, err
		}
		p.Directions = append(p.Directions, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, "SELECT kind, starts_at, ends_at FROM programme_phases WHERE programme_id = ? ORDER BY starts_at", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ph Phase
		var a, b db.Time
		if err := rows.Scan(&ph.Kind, &a, &b); err != nil {
			rows.Close()
			return nil, err
		}
		ph.StartsAt, ph.EndsAt = a.Time, b.Time
		p.Phases = append(p.Phases, ph)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p.Children, err = s.listQ(ctx, q, "WHERE p.parent_id = ?", id)
	if err != nil {
		return nil, err
	}
	if p.ParentID != 0 {
		parents, err := s.listQ(ctx, q, "WHERE p.id = ?", p.ParentID)
		if err != nil {
			return nil, err
		}
		if len(parents) == 1 {
			p.Parent = &parents[0]
		}
	}
	return &p, nil
}

// List returns the top-level programmes, newest first.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	return s.list(ctx, "WHERE p.parent_id IS NULL")
}

// OfOrg returns an organization's own programmes and projects, newest
// first.
func (s *Service) OfOrg(ctx context.Context, orgID int64) ([]Summary, error) {
	return s.list(ctx, "WHERE p.org_id = ?", orgID)
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Summary, error) {
	return s.listQ(ctx, s.DB, where, args...)
}

func (s *Service) listQ(ctx context.Context, q querier, where string, args ...any) ([]Summary, error) {
	rows, err := q.Query(ctx, "SELECT "+summaryCols+" FROM programmes p JOIN organizations o ON o.id = p.org_id "+where+" ORDER BY p.id DESC LIMIT 500", args...)
	if err != nil {
		return nil, fmt.Errorf("programmes: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sm, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

// AdminOrgs lists the organizations u may create programmes for.
func (s *Service) AdminOrgs(ctx context.Context, u *auth.User) ([]Summary, error) {
	if u == nil {
		return nil, nil
	}
	q := `SELECT o.id, o.name_kk, o.name_ru, o.name_en FROM organizations o WHERE o.archived_at IS NULL`
	var args []any
	if !u.IsAdmin {
		q += ` AND EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id
			WHERE g.user_id = ? AND g.role = 'admin' AND substr(o.path, 1, length(go.path)) = go.path)`
		args = append(args, u.ID)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY o.path LIMIT 500", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var o Summary
		if err := rows.Scan(&o.OrgID, &o.OrgName.KK, &o.OrgName.RU, &o.OrgName.EN); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Role is u's role in the programme's organization.
func (s *Service) Role(ctx context.Context, u *auth.User, p *Programme) (auth.Role, error) {
	return s.Auth.RoleIn(ctx, u, p.OrgID)
}

// CanTakePart checks that u may take part in p: signed in, guardian
// consent for minors, age within the programme's range (by the calendar
// day in Kazakhstan) and home region among the programme's regions.
func (s *Service) CanTakePart(u *auth.User, p *Programme, now time.Time) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	age := auth.AgeOf(u, now)
	if age < 0 {
		return errs.New(errs.Forbidden, "programmes.age_unknown", "min", p.AgeMin, "max", p.AgeMax)
	}
	if age < p.AgeMin || age > p.AgeMax {
		return errs.New(errs.Forbidden, "programmes.age_outside", "min", p.AgeMin, "max", p.AgeMax)
	}
	if len(p.Regions) > 0 && !slices.Contains(p.Regions, u.Region) {
		return errs.New(errs.Forbidden, "programmes.region_outside")
	}
	return nil
}

// RequirePhase refuses with a clear message when phase kind is not running.
func RequirePhase(p *Programme, kind string, now time.Time) error {
	if p.PhaseAt(now) != kind {
		return PhaseClosed(kind)
	}
	return nil
}

// PhaseClosed is the refusal of an act that only the stage kind allows.
func PhaseClosed(kind string) error {
	return errs.New(errs.Conflict, "programmes.phase_closed", "phase", i18n.M("programmes.phase."+kind))
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// TitleIn is the title in language l.
func (s Summary) TitleIn(l i18n.Lang) string { return s.Title.In(l) }

// OrgIn is the organization's name in language l.
func (s Summary) OrgIn(l i18n.Lang) string { return s.OrgName.In(l) }
