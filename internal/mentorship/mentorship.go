// Package mentorship is the mentorship component (issue 19): a pool of
// mentors that belongs to an organization, with its spheres; people apply
// to be mentors (the organizer approves) or are added by the organizer;
// eligible young people ask for a mentor, with a ranked list of mentors
// they would like; the organizer runs matching rounds (internal/matching:
// mentee-proposing deferred acceptance with capacities) whose result is
// stored with each person's "why"; people may also ask one mentor
// directly. A mentorship moves proposed → accepted → active → completed
// (or declined / cancelled with a reason), with groups, logged sessions,
// reminders after three quiet weeks, feedback and certificates through
// awards. See docs/decisions/0160-mentorship.md.
package mentorship

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/regions"
)

// Limits.
const (
	MaxCapacity    = 20
	MaxPreferences = 5
	MaxSpheres     = 30
	MaxBio         = 1000
	MaxGoal        = 1000
	MaxNotes       = 2000
	MaxTitle       = 200
	QuietAfter     = 21 * 24 * time.Hour // a pair with no session for three weeks is reminded
	staleRound     = 10 * time.Minute    // a round not finished by then was abandoned (a crash)
)

// Languages a mentor or a mentee may speak.
var Languages = []string{"kk", "ru", "en", "uz", "ug", "tr", "de", "zh"}

// Modes of meeting.
var Modes = []string{"either", "online", "in_person"}

// Awards is what mentorship needs of the awards component: issuing
// certificates after its own permission check (*awards.Service).
type Awards interface {
	IssueTrusted(ctx context.Context, b awards.Batch) ([]awards.Issued, error)
}

// Deps are what the service is built from.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Outbox  *outbox.Box // reminders and notices; nil: none are sent
	Catalog *i18n.Catalog
	Log     *slog.Logger
	BaseURL string
	Awards  Awards        // nil: no certificates
	Regions *regions.List // region names and checks; nil: codes as given
}

// Service is the mentorship service.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	outbox  *outbox.Box
	catalog *i18n.Catalog
	log     *slog.Logger
	base    string
	awards  Awards
	regions *regions.List

	bgMu    sync.Mutex
	bg      sync.WaitGroup // work started after a commit (a round's notices)
	stopped bool
}

// background runs fn after a commit, unless the service is stopping.
func (s *Service) background(fn func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.stopped {
		return // the background loop catches up at the next start
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		fn(context.Background())
	}()
}

// Stop waits for the work started after commits (wired into app's stop).
func (s *Service) Stop() {
	s.bgMu.Lock()
	s.stopped = true
	s.bgMu.Unlock()
	s.bg.Wait()
}

// New builds the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d.DB, auth: d.Auth, outbox: d.Outbox, catalog: d.Catalog, log: d.Log,
		base: strings.TrimRight(d.BaseURL, "/"), awards: d.Awards, regions: d.Regions}
	if d.Outbox != nil {
		d.Outbox.Register(KindQuiet, s.renderQuiet)
		d.Outbox.Register(KindNotice, s.renderNotice)
	}
	return s
}

// Sphere is one field of a pool (IT, media, business …).
type Sphere struct {
	Key   string    `json:"key"`
	Title i18n.Text `json:"title"`
}

// Pool is a pool of mentors.
type Pool struct {
	ID          int64
	OrgID       int64
	OrgName     i18n.Text
	ProgrammeID int64
	Title       i18n.Text
	Spheres     []Sphere
	AgeMin      int
	AgeMax      int
	Regions     []string
	CreatedAt   time.Time
}

// SphereTitle is the title of sphere key in l (the key when unknown).
func (p *Pool) SphereTitle(key string, l i18n.Lang) string {
	for _, s := range p.Spheres {
		if s.Key == key {
			if t := s.Title.In(l); t != "" {
				return t
			}
		}
	}
	return key
}

func (p *Pool) hasSphere(key string) bool {
	for _, s := range p.Spheres {
		if s.Key == key {
			return true
		}
	}
	return false
}

func notFound() error { return errs.New(errs.NotFound, "error.404.text") }

func checkText(fs *errs.Fields, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		fs.Add(field, "validation.required")
	case !utf8.ValidString(s):
		fs.Add(field, "validation.invalid_utf8")
	case utf8.RuneCountInString(s) > max:
		fs.Add(field, "validation.too_long", "max", max)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func unJSON[T any](s string) T {
	var v T
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

var keyRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// NewPool is what an organizer gives to create a pool.
type NewPool struct {
	OrgID       int64
	ProgrammeID int64
	Title       i18n.Text
	Spheres     []Sphere
	AgeMin      int
	AgeMax      int
	Regions     []string
}

func (in *NewPool) validate() error {
	var fs errs.Fields
	in.Title = in.Title.Trim()
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if in.Title.Empty() {
		fs.Add("title", "validation.required")
	}
	for _, s := range []string{in.Title.KK, in.Title.RU, in.Title.EN} {
		checkText(&fs, "title", s, MaxTitle, false)
	}
	if len(in.Spheres) == 0 {
		fs.Add("spheres", "mentorship.error.spheres_required")
	}
	if len(in.Spheres) > MaxSpheres {
		fs.Add("spheres", "mentorship.error.too_many", "max", MaxSpheres)
	}
	seen := map[string]bool{}
	for i := range in.Spheres {
		s := &in.Spheres[i]
		s.Key = strings.TrimSpace(s.Key)
		s.Title = s.Title.Trim()
		f := fmt.Sprintf("spheres[%d]", i)
		switch {
		case !keyRE.MatchString(s.Key):
			fs.Add(f+".key", "mentorship.error.sphere_key")
		case seen[s.Key]:
			fs.Add(f+".key", "mentorship.error.sphere_repeated")
		}
		seen[s.Key] = true
		if s.Title.Empty() {
			fs.Add(f+".title", "validation.required")
		}
		for _, t := range []string{s.Title.KK, s.Title.RU, s.Title.EN} {
			checkText(&fs, f+".title", t, 100, false)
		}
	}
	if in.AgeMin < 0 || in.AgeMax < 0 || (in.AgeMax > 0 && in.AgeMin > in.AgeMax) || in.AgeMax > 120 {
		fs.Add("age_max", "mentorship.error.age_range")
	}
	return fs.Err()
}

// CreatePool creates a pool; actor must be an organizer of the organization.
func (s *Service) CreatePool(ctx context.Context, actor *auth.User, in NewPool) (int64, error) {
	if in.OrgID > 0 {
		if err := s.auth.Require(ctx, actor, in.OrgID, auth.Moderator); err != nil {
			return 0, err
		}
	}
	if err := in.validate(); err != nil {
		return 0, err
	}
	if in.Regions == nil {
		in.Regions = []string{}
	}
	var id int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO mentor_pools (org_id, programme_id, title_kk, title_ru, title_en, spheres, age_min,
			age_max, regions, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, db.NullID(in.ProgrammeID), in.Title.KK, in.Title.RU, in.Title.EN, mustJSON(in.Spheres), in.AgeMin, in.AgeMax,
			mustJSON(in.Regions), actor.ID, tx.Now).Scan(&id); err != nil {
			if db.IsForeignKey(err) {
				return errs.New(errs.NotFound, "error.404.text")
			}
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "mentorship.pool_create", TargetType: "mentor_pool",
			TargetID: fmt.Sprint(id), OrgID: in.OrgID, After: in})
	})
	if err != nil {
		return 0, fmt.Errorf("mentorship: create pool: %w", err)
	}
	return id, nil
}

const poolCols = `p.id, p.org_id, o.name_kk, o.name_ru, o.name_en, COALESCE(p.programme_id, 0), p.title_kk, p.title_ru, p.title_en,
	p.spheres, p.age_min, p.age_max, p.regions, p.created_at`

type scanner interface{ Scan(...any) error }

func scanPool(sc scanner) (*Pool, error) {
	var p Pool
	var spheres, regions string
	var at db.Time
	if err := sc.Scan(&p.ID, &p.OrgID, &p.OrgName.KK, &p.OrgName.RU, &p.OrgName.EN, &p.ProgrammeID, &p.Title.KK, &p.Title.RU,
		&p.Title.EN, &spheres, &p.AgeMin, &p.AgeMax, &regions, &at); err != nil {
		return nil, err
	}
	p.Spheres = unJSON[[]Sphere](spheres)
	p.Regions = unJSON[[]string](regions)
	p.CreatedAt = at.Time
	return &p, nil
}

// Pool returns pool id.
func (s *Service) Pool(ctx context.Context, id int64) (*Pool, error) {
	p, err := scanPool(s.db.QueryRow(ctx, `SELECT `+poolCols+` FROM mentor_pools p JOIN organizations o ON o.id = p.org_id
		WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("mentorship: pool: %w", err)
	}
	return p, nil
}

// PoolItem is a pool in the list, with its numbers.
type PoolItem struct {
	*Pool
	Mentors   int
	FreeSeats int
}

// Pools lists pools, newest first (limit at most 200; before: an id
// cursor, 0 for the first page).
func (s *Service) Pools(ctx context.Context, orgID, before int64, limit int) ([]PoolItem, error) {
	q := `SELECT ` + poolCols + `,
		(SELECT COUNT(*) FROM mentors m WHERE m.pool_id = p.id AND m.status = 'approved'),
		(SELECT COALESCE(SUM(m.capacity - m.taken), 0) FROM mentors m WHERE m.pool_id = p.id AND m.status = 'approved')
		FROM mentor_pools p JOIN organizations o ON o.id = p.org_id WHERE (? = 0 OR p.id < ?) AND (? = 0 OR p.org_id = ?)
		ORDER BY p.id DESC LIMIT ?`
	rows, err := s.db.Query(ctx, q, before, before, orgID, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("mentorship: pools: %w", err)
	}
	defer rows.Close()
	var out []PoolItem
	for rows.Next() {
		var it PoolItem
		var p Pool
		var spheres, regions string
		var at db.Time
		if err := rows.Scan(&p.ID, &p.OrgID, &p.OrgName.KK, &p.OrgName.RU, &p.OrgName.EN, &p.ProgrammeID, &p.Title.KK, &p.Title.RU,
			&p.Title.EN, &spheres, &p.AgeMin, &p.AgeMax, &regions, &at, &it.Mentors, &it.FreeSeats); err != nil {
			return nil, err
		}
		p.Spheres = unJSON[[]Sphere](spheres)
		p.Regions = unJSON[[]string](regions)
		p.CreatedAt = at.Time
		it.Pool = &p
		out = append(out, it)
	}
	return out, rows.Err()
}

// IsOrganizer reports whether u organizes pool p (a moderator of its
// organization or above).
func (s *Service) IsOrganizer(ctx context.Context, u *auth.User, p *Pool) bool {
	if u == nil {
		return false
	}
	r, err := s.auth.RoleIn(ctx, u, p.OrgID)
	return err == nil && r >= auth.Moderator
}

// checkKeys validates a list of sphere keys against the pool, and
// languages against Languages.
func checkSpheres(fs *errs.Fields, p *Pool, keys []string) []string {
	var out []string
	if len(keys) == 0 {
		fs.Add("spheres", "mentorship.error.spheres_required")
	}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if !p.hasSphere(k) {
			fs.Add("spheres", "mentorship.error.unknown_sphere", "key", k)
			continue
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func checkLanguages(fs *errs.Fields, langs []string) []string {
	var out []string
	if len(langs) == 0 {
		fs.Add("languages", "mentorship.error.languages_required")
	}
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if !slices.Contains(Languages, l) {
			fs.Add("languages", "mentorship.error.unknown_language", "lang", l)
			continue
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func checkMode(fs *errs.Fields, m *string) {
	if *m == "" {
		*m = "either"
	}
	if !slices.Contains(Modes, *m) {
		fs.Add("mode", "validation.invalid_choice")
	}
}

// RegionName is a region's name in l (the code when unknown).
func (s *Service) RegionName(code string, l i18n.Lang) string {
	if s.regions != nil {
		if r, ok := s.regions.Get(code); ok {
			return r.NameIn(l)
		}
	}
	return code
}

func (s *Service) knownRegion(code string) bool {
	if s.regions == nil || code == "" {
		return true
	}
	_, ok := s.regions.Get(code)
	return ok
}
