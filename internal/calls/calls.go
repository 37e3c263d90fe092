// Package calls is the calls component (issue 16): calls, selections,
// contests and festivals with application forms, eligibility, stages held
// by several organizations at once, juries with rubrics, ranking,
// advancement with declines and backfill, and public results. The
// evaluation rules themselves live in internal/selection (decision 0100);
// this package stores what those functions take and return (decision 0102).
package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/selection"
)

// Kinds of call.
var Kinds = []string{"selection", "contest", "festival", "grant"}

// Field types of an application form.
var FieldTypes = []string{"text", "long_text", "number", "choice", "url", "file"}

// MaxFileQuestions is how many file questions a form may have: each answer
// is a file of up to proposals.MaxAttachment, and an application is sent
// in one request.
const MaxFileQuestions = 5

// Field is one question of a call's application form.
type Field struct {
	Key         string    `json:"key"`
	Label       i18n.Text `json:"label"`
	Type        string    `json:"type"`
	Required    bool      `json:"required"`
	Options     []string  `json:"options,omitempty"`
	Identifying bool      `json:"identifying,omitempty" doc:"hidden from jurors when the stage is blind"`
}

// Criterion is one line of a stage's rubric.
type Criterion struct {
	Key    string    `json:"key"`
	Title  i18n.Text `json:"title"`
	Weight float64   `json:"weight"`
	Max    float64   `json:"max"`
}

// Org is an organization as calls show it.
type Org struct {
	ID        int64
	Name      i18n.Text
	Path      string
	Region    string
	Kind      string
	PublishAt *time.Time // as a stage's holding: when its results become public (nil: at the close)
}

// Stage is one round of a call.
type Stage struct {
	ID             int64
	CallID         int64
	Position       int
	Title          i18n.Text
	OpensAt        time.Time
	ClosesAt       time.Time
	Criteria       []Criterion
	Advance        int
	Blind          bool
	KeepTies       bool
	Normalization  string
	PerApplication int
	Seed           uint64
	ClosedAt       *time.Time
	Hosts          []Org
}

// Closed reports whether the stage's results are fixed.
func (s *Stage) Closed() bool { return s.ClosedAt != nil }

// Rubric is the stage's criteria as selection takes them.
func (s *Stage) Rubric() selection.Rubric {
	r := make(selection.Rubric, len(s.Criteria))
	for i, c := range s.Criteria {
		r[i] = selection.Criterion{Key: c.Key, Weight: c.Weight, Max: c.Max}
	}
	return r
}

// HostOf returns the stage's holding with id, or nil.
func (s *Stage) HostOf(id int64) *Org {
	for i := range s.Hosts {
		if s.Hosts[i].ID == id {
			return &s.Hosts[i]
		}
	}
	return nil
}

// Call is a call with its stages, first stage first.
type Call struct {
	ID            int64
	OrgID         int64
	OrgName       i18n.Text
	ProgrammeID   int64
	Kind          string
	Title         i18n.Text
	Description   i18n.Text
	AgeMin        int // 0: none
	AgeMax        int
	Regions       []string
	MemberOf      int64
	Form          []Field
	PublishScores bool
	TeamMin       int // a team application's size, the applicant included; 0, 0: individual applications
	TeamMax       int
	Stages        []*Stage
	CreatedAt     time.Time
}

// Team reports whether the call takes team applications.
func (c *Call) Team() bool { return c.TeamMax > 0 }

// HasFiles reports whether the call's form has a file question.
func (c *Call) HasFiles() bool {
	for _, f := range c.Form {
		if f.Type == "file" {
			return true
		}
	}
	return false
}

// Stage returns the call's stage with id, or nil.
func (c *Call) Stage(id int64) *Stage {
	for _, s := range c.Stages {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Next returns the stage after st, or nil for the last.
func (c *Call) Next(st *Stage) *Stage {
	for i, s := range c.Stages {
		if s.ID == st.ID && i+1 < len(c.Stages) {
			return c.Stages[i+1]
		}
	}
	return nil
}

// Open reports whether applications are taken at now.
func (c *Call) Open(now time.Time) bool {
	f := c.Stages[0]
	return !f.Closed() && !now.Before(f.OpensAt) && now.Before(f.ClosesAt)
}

// Deps are what the service needs from the rest of the application.
type Deps struct {
	DB       *db.DB
	Auth     *auth.Service
	Outbox   *outbox.Box // nil: no notifications
	Catalog  *i18n.Catalog
	Log      *slog.Logger
	BaseURL  string
	SiteName string
}

// Service keeps calls.
type Service struct {
	Deps
}

// New makes the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Service{Deps: d}
	if d.Outbox != nil {
		d.Outbox.Register(NoticeKind, s.renderNotice)
	}
	return s
}

// --- creating a call

// StageInput is a stage as an organizer writes it.
type StageInput struct {
	Title          i18n.Text
	Hosts          []int64
	OpensAt        time.Time
	ClosesAt       time.Time
	Criteria       []Criterion
	Advance        int
	Blind          bool
	KeepTies       bool
	Normalization  string
	PerApplication int
}

// Input is a call as an organizer writes it.
type Input struct {
	OrgID         int64
	ProgrammeID   int64
	Kind          string
	Title         i18n.Text
	Description   i18n.Text
	AgeMin        int
	AgeMax        int
	Regions       []string
	MemberOf      int64
	Form          []Field
	PublishScores bool
	TeamMin       int // 0, 0: individual applications
	TeamMax       int
	Stages        []StageInput
}

// MaxTeam is the largest team a call may take.
const MaxTeam = 50

var keyOK = func(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func trimText(t *i18n.Text) {
	t.KK, t.RU, t.EN = strings.TrimSpace(t.KK), strings.TrimSpace(t.RU), strings.TrimSpace(t.EN)
}

func emptyText(t i18n.Text) bool { return t.KK == "" && t.RU == "" && t.EN == "" }

// check validates a call's input; every problem at once.
func (s *Service) check(ctx context.Context, in *Input) error {
	var fs errs.Fields
	if !contains(Kinds, in.Kind) {
		fs.Add("kind", "validation.invalid_choice")
	}
	trimText(&in.Title)
	trimText(&in.Description)
	if emptyText(in.Title) {
		fs.Add("title", "validation.required")
	}
	for _, t := range []string{in.Title.KK, in.Title.RU, in.Title.EN} {
		if utf8.RuneCountInString(t) > 200 {
			fs.Add("title", "validation.too_long", "max", 200)
			break
		}
	}
	if in.AgeMin < 0 || in.AgeMax < 0 || (in.AgeMax > 0 && in.AgeMin > in.AgeMax) || in.AgeMax > 120 {
		fs.Add("eligibility.age_max", "calls.error.age_range")
	}
	for _, r := range in.Regions {
		var ok bool
		if err := s.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM regions WHERE code = ?)", r).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			fs.Add("eligibility.regions", "calls.error.unknown_region", "region", r)
			break
		}
	}
	seen := map[string]bool{}
	files := 0
	for i := range in.Form {
		f := &in.Form[i]
		name := fmt.Sprintf("form.%d", i)
		trimText(&f.Label)
		switch {
		case !keyOK(f.Key):
			fs.Add(name+".key", "calls.error.bad_key")
		case seen[f.Key]:
			fs.Add(name+".key", "calls.error.duplicate_key", "key", f.Key)
		}
		seen[f.Key] = true
		if emptyText(f.Label) {
			fs.Add(name+".label", "validation.required")
		}
		if !contains(FieldTypes, f.Type) {
			fs.Add(name+".type", "validation.invalid_choice")
		}
		if f.Type == "file" {
			if files++; files > MaxFileQuestions {
				fs.Add(name+".type", "calls.error.too_many_files", "max", MaxFileQuestions)
			}
		}
		if f.Type == "choice" && len(f.Options) == 0 {
			fs.Add(name+".options", "calls.error.options_required")
		}
	}
	if in.TeamMin != 0 || in.TeamMax != 0 {
		if in.TeamMin < 1 {
			in.TeamMin = 1
		}
		if in.TeamMax < 2 || in.TeamMax > MaxTeam || in.TeamMin > in.TeamMax {
			fs.Add("team.max", "calls.error.team_range", "max", MaxTeam)
		}
	}
	if len(in.Form) > 50 {
		fs.Add("form", "calls.error.too_many_fields", "max", 50)
	}
	if len(in.Stages) == 0 {
		fs.Add("stages", "calls.error.no_stages")
	}
	if len(in.Stages) > 10 {
		fs.Add("stages", "calls.error.too_many_stages", "max", 10)
	}
	for i := range in.Stages {
		st := &in.Stages[i]
		name := fmt.Sprintf("stages.%d", i)
		trimText(&st.Title)
		if emptyText(st.Title) {
			fs.Add(name+".title", "validation.required")
		}
		if st.OpensAt.IsZero() || st.ClosesAt.IsZero() || !st.ClosesAt.After(st.OpensAt) {
			fs.Add(name+".closes_at", "calls.error.dates")
		}
		if i > 0 && !in.Stages[i-1].ClosesAt.IsZero() && st.OpensAt.Before(in.Stages[i-1].ClosesAt) {
			fs.Add(name+".opens_at", "calls.error.stage_order")
		}
		if st.Advance < 0 {
			fs.Add(name+".advance", "validation.invalid_choice")
		}
		if st.Normalization == "" {
			st.Normalization = "raw"
		}
		if !contains([]string{"raw", "zscore", "rank"}, st.Normalization) {
			fs.Add(name+".normalization", "validation.invalid_choice")
		}
		if st.PerApplication == 0 {
			st.PerApplication = 3
		}
		if st.PerApplication < 1 || st.PerApplication > 20 {
			fs.Add(name+".jurors_per_application", "validation.invalid_choice")
		}
		if len(st.Criteria) == 0 {
			fs.Add(name+".criteria", "calls.error.no_criteria")
		}
		ck := map[string]bool{}
		for j := range st.Criteria {
			c := &st.Criteria[j]
			cn := fmt.Sprintf("%s.criteria.%d", name, j)
			trimText(&c.Title)
			if !keyOK(c.Key) || ck[c.Key] {
				fs.Add(cn+".key", "calls.error.bad_key")
			}
			ck[c.Key] = true
			if emptyText(c.Title) {
				fs.Add(cn+".title", "validation.required")
			}
			if c.Weight == 0 {
				c.Weight = 1
			}
			if !(c.Weight > 0) || !(c.Max > 0) || c.Max > 1000 || c.Weight > 1000 {
				fs.Add(cn+".max", "calls.error.criterion_range")
			}
		}
		for _, h := range st.Hosts {
			var ok bool
			if err := s.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?)", h).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				fs.Add(name+".hosts", "calls.error.unknown_org")
				break
			}
		}
	}
	return fs.Err()
}

// Create adds a call (moderators and administrators of its organization;
// a stage's holdings must be in that organization's subtree or be
// organizations the organizer administers too).
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Call, error) {
	if in.OrgID == 0 {
		var fs errs.Fields
		fs.Add("organization_id", "validation.required")
		return nil, fs.Err()
	}
	if err := s.Auth.Require(ctx, u, in.OrgID, auth.Moderator); err != nil {
		if errs.CodeOf(err) == "" {
			return nil, err
		}
		var ok bool
		_ = s.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?)", in.OrgID).Scan(&ok)
		if !ok && u != nil {
			var fs errs.Fields
			fs.Add("organization_id", "calls.error.unknown_org")
			return nil, fs.Err()
		}
		return nil, err
	}
	if err := s.check(ctx, &in); err != nil {
		return nil, err
	}
	for _, st := range in.Stages {
		for _, h := range st.Hosts {
			if err := s.Auth.Require(ctx, u, h, auth.Moderator); err != nil && !s.inSubtree(ctx, h, in.OrgID) {
				return nil, err
			}
		}
	}
	form, _ := json.Marshal(in.Form)
	regions, _ := json.Marshal(orEmpty(in.Regions))
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO calls (org_id, programme_id, kind, title_kk, title_ru, title_en, description_kk, description_ru,
			description_en, age_min, age_max, regions, member_of, form, publish_scores, team_min, team_max, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, db.NullID(in.ProgrammeID), in.Kind, in.Title.KK, in.Title.RU, in.Title.EN, in.Description.KK, in.Description.RU,
			in.Description.EN, nullInt(in.AgeMin), nullInt(in.AgeMax), string(regions), db.NullID(in.MemberOf), string(form),
			in.PublishScores, in.TeamMin, in.TeamMax, u.ID, tx.Now, tx.Now).Scan(&id); err != nil {
			return fmt.Errorf("calls: create: %w", err)
		}
		for i, st := range in.Stages {
			crit, _ := json.Marshal(st.Criteria)
			var sid int64
			if err := tx.QueryRow(ctx, `INSERT INTO call_stages (call_id, position, title_kk, title_ru, title_en, opens_at, closes_at, criteria,
				advance, blind, keep_ties, normalization, per_application, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				id, i+1, st.Title.KK, st.Title.RU, st.Title.EN, st.OpensAt.UTC(), st.ClosesAt.UTC(), string(crit), st.Advance, st.Blind,
				st.KeepTies, st.Normalization, st.PerApplication, int64(db.RandomSeed())).Scan(&sid); err != nil {
				return fmt.Errorf("calls: create stage: %w", err)
			}
			hosts := st.Hosts
			if len(hosts) == 0 {
				hosts = []int64{in.OrgID}
			}
			for _, h := range hosts {
				if _, err := tx.Exec(ctx, "INSERT INTO call_holdings (stage_id, org_id) VALUES (?, ?) ON CONFLICT DO NOTHING", sid, h); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.create", TargetType: "call",
			TargetID: strconv.FormatInt(id, 10), OrgID: in.OrgID, After: in})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func (s *Service) inSubtree(ctx context.Context, org, root int64) bool {
	var ok bool
	err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organizations o JOIN organizations t ON t.id = ?
		WHERE o.id = ? AND substr(o.path, 1, length(t.path)) = t.path)`, root, org).Scan(&ok)
	return err == nil && ok
}

// --- reading

const callCols = `c.id, c.org_id, o.name_kk, o.name_ru, o.name_en, COALESCE(c.programme_id, 0), c.kind, c.title_kk, c.title_ru, c.title_en,
	c.description_kk, c.description_ru, c.description_en, COALESCE(c.age_min, 0), COALESCE(c.age_max, 0), c.regions,
	COALESCE(c.member_of, 0), c.form, c.publish_scores, c.created_at, c.team_min, c.team_max`

type scanner interface{ Scan(...any) error }

func scanCall(r scanner) (*Call, error) {
	c := &Call{}
	var regions, form string
	var created db.Time
	if err := r.Scan(&c.ID, &c.OrgID, &c.OrgName.KK, &c.OrgName.RU, &c.OrgName.EN, &c.ProgrammeID, &c.Kind, &c.Title.KK, &c.Title.RU,
		&c.Title.EN, &c.Description.KK, &c.Description.RU, &c.Description.EN, &c.AgeMin, &c.AgeMax, &regions, &c.MemberOf, &form,
		&c.PublishScores, &created, &c.TeamMin, &c.TeamMax); err != nil {
		return nil, err
	}
	c.CreatedAt = created.Time
	if err := json.Unmarshal([]byte(regions), &c.Regions); err != nil {
		return nil, fmt.Errorf("calls: regions of %d: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(form), &c.Form); err != nil {
		return nil, fmt.Errorf("calls: form of %d: %w", c.ID, err)
	}
	return c, nil
}

// Get returns a call with its stages and their holdings.
func (s *Service) Get(ctx context.Context, id int64) (*Call, error) {
	var c *Call
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		c, err = getTx(ctx, tx, id)
		return err
	})
	return c, err
}

func getTx(ctx context.Context, tx *db.Tx, id int64) (*Call, error) {
	c, err := scanCall(tx.QueryRow(ctx, "SELECT "+callCols+" FROM calls c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "calls.error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("calls: get %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT id, position, title_kk, title_ru, title_en, opens_at, closes_at, criteria, advance, blind, keep_ties,
		normalization, per_application, seed, closed_at FROM call_stages WHERE call_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]*Stage{}
	for rows.Next() {
		st := &Stage{CallID: id}
		var crit string
		var opens, closes db.Time
		var closed db.Time
		var seed int64
		if err := rows.Scan(&st.ID, &st.Position, &st.Title.KK, &st.Title.RU, &st.Title.EN, &opens, &closes, &crit, &st.Advance, &st.Blind,
			&st.KeepTies, &st.Normalization, &st.PerApplication, &seed, &closed); err != nil {
			return nil, err
		}
		st.OpensAt, st.ClosesAt, st.ClosedAt, st.Seed = opens.Time, closes.Time, closed.Ptr(), uint64(seed)
		if err := json.Unmarshal([]byte(crit), &st.Criteria); err != nil {
			return nil, err
		}
		c.Stages = append(c.Stages, st)
		byID[st.ID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	hr, err := tx.Query(ctx, `SELECT h.stage_id, o.id, o.name_kk, o.name_ru, o.name_en, o.path, COALESCE(o.region, ''), o.kind, h.publish_at
		FROM call_holdings h JOIN call_stages st ON st.id = h.stage_id JOIN organizations o ON o.id = h.org_id
		WHERE st.call_id = ? ORDER BY h.stage_id, o.id`, id)
	if err != nil {
		return nil, err
	}
	defer hr.Close()
	for hr.Next() {
		var sid int64
		var o Org
		var pub db.Time
		if err := hr.Scan(&sid, &o.ID, &o.Name.KK, &o.Name.RU, &o.Name.EN, &o.Path, &o.Region, &o.Kind, &pub); err != nil {
			return nil, err
		}
		o.PublishAt = pub.Ptr()
		if st := byID[sid]; st != nil {
			st.Hosts = append(st.Hosts, o)
		}
	}
	if err := hr.Err(); err != nil {
		return nil, err
	}
	if len(c.Stages) == 0 {
		return nil, errs.New(errs.NotFound, "calls.error.not_found")
	}
	return c, nil
}

// List returns calls, newest first, optionally of one organization.
func (s *Service) List(ctx context.Context, orgID int64, limit int, before int64) ([]*Call, error) {
	q := "SELECT " + callCols + " FROM calls c JOIN organizations o ON o.id = c.org_id WHERE 1 = 1"
	var args []any
	if orgID > 0 {
		q += " AND c.org_id = ?"
		args = append(args, orgID)
	}
	if before > 0 {
		q += " AND c.id < ?"
		args = append(args, before)
	}
	q += " ORDER BY c.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("calls: list: %w", err)
	}
	defer rows.Close()
	var out []*Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Organizer reports whether u may run the whole call (moderators and
// administrators of its organization and above).
func (s *Service) Organizer(ctx context.Context, u *auth.User, c *Call) bool {
	r, err := s.Auth.RoleIn(ctx, u, c.OrgID)
	return err == nil && r >= auth.Moderator
}

// --- helpers

func contains(list []string, x string) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
