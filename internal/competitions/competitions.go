// Package competitions holds competitions of organizations — a spartakiad
// of colleges, a debate championship, a league: teams with their members,
// optional disciplines each with its own rounds and table, rounds drawn by
// internal/draw (round robin, Swiss, seeded knockout; a Swiss or round
// robin stage may seed a knockout final), results entered by the
// organizers or named judges, standings with documented tie-breaks, an
// overall table by place points, and diplomas and certificates through
// the awards component.
//
// See docs/decisions/0150-competitions.md.
package competitions

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/draw"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Formats and point systems, as stored and in the API.
var (
	Formats = []string{"round_robin", "swiss", "knockout"}
	Points  = []string{"football", "chess", "debate"}
)

// Limits.
const (
	MaxTitle       = 200
	MaxName        = 120
	MaxDisciplines = 30
	MaxMembers     = 60
	MaxTeams       = 1000
)

// Awards is what competitions need of the awards component
// (*awards.Service): issuing diplomas and certificates to the teams'
// members once the organizer's permission is checked here, and vouching
// that a team member is related to the organization that awards them.
type Awards interface {
	IssueTrusted(ctx context.Context, b awards.Batch) ([]awards.Issued, error)
	AddRecipientSource(src awards.RecipientSource)
}

// Deps are what the competitions service needs.
type Deps struct {
	DB      *db.DB
	Auth    *auth.Service
	Catalog *i18n.Catalog
	Log     *slog.Logger
	// Awards issues diplomas and certificates; nil: the page offers none.
	Awards Awards
}

// Service is the competitions service.
type Service struct {
	db      *db.DB
	auth    *auth.Service
	catalog *i18n.Catalog
	log     *slog.Logger
	awards  Awards
}

// New returns the service; with Awards it registers the teams' members as
// people an organization may award.
func New(d Deps) *Service {
	s := &Service{db: d.DB, auth: d.Auth, catalog: d.Catalog, log: d.Log, awards: d.Awards}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.awards != nil {
		s.awards.AddRecipientSource(s.isParticipant)
	}
	return s
}

// Competition is one competition.
type Competition struct {
	ID          int64
	OrgID       int64
	OrgName     i18n.Text
	Title       i18n.Text
	Format      string
	Points      string
	Seed        uint64
	CreatedAt   time.Time
	Disciplines []Discipline
	// ForfeitScore is the winner's score of a forfeit (the loser's is 0).
	ForfeitScore float64
}

// Discipline is one event of a multi-discipline competition.
type Discipline struct {
	ID    int64
	Key   string
	Title i18n.Text
}

// Team is a team of a competition. Members are filled in only for its
// organizers (names of people are not public).
type Team struct {
	ID      int64
	Name    string
	OrgID   int64
	OrgName i18n.Text
	Members []Person
	// Withdrawn: the organizer withdrew the team (Reason says why); its
	// unplayed games are forfeits and it is paired no more.
	Withdrawn   bool
	WithdrawnAt time.Time
	Reason      string
	Group       int // 1 = A, 2 = B, …; 0: the competition has no groups
}

// Person is a team member or a judge, as organizers see them.
type Person struct {
	ID   int64
	Name string
}

// PointSystem is what a result is worth in c.
func (c *Competition) PointSystem() draw.Points {
	switch c.Points {
	case "chess":
		return draw.Chess
	case "debate":
		return draw.Debate
	}
	return draw.Football
}

// TieBreaks are the table's tie-breaks after points.
func (c *Competition) TieBreaks() []draw.Criterion {
	if c.Format == "swiss" {
		return draw.SwissTieBreaks
	}
	return draw.DefaultTieBreaks
}

// Discipline returns the discipline with key, or nil.
func (c *Competition) Discipline(key string) *Discipline {
	for i := range c.Disciplines {
		if c.Disciplines[i].Key == key {
			return &c.Disciplines[i]
		}
	}
	return nil
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
	case strings.ContainsAny(s, "\r\n\x00"):
		fs.Add(field, "validation.invalid_chars")
	}
}

var keyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// NewCompetition is what an organizer gives.
type NewCompetition struct {
	OrgID       int64
	Title       i18n.Text
	Format      string
	Points      string // "": football, or debate for… nothing: the organizer chooses
	Disciplines []Discipline
	// ForfeitScore is the winner's score of a forfeit; nil: 3.
	ForfeitScore *float64
}

func (in *NewCompetition) validate() error {
	var fs errs.Fields
	in.Title = in.Title.Trim()
	if in.OrgID <= 0 {
		fs.Add("organization_id", "validation.required")
	}
	if in.Title.Empty() {
		fs.Add("title", "validation.required")
	}
	checkText(&fs, "title.kk", in.Title.KK, MaxTitle, false)
	checkText(&fs, "title.ru", in.Title.RU, MaxTitle, false)
	checkText(&fs, "title.en", in.Title.EN, MaxTitle, false)
	if !slices.Contains(Formats, in.Format) {
		fs.Add("format", "validation.invalid_choice")
	}
	if in.Points == "" {
		in.Points = "football"
	}
	if !slices.Contains(Points, in.Points) {
		fs.Add("points", "validation.invalid_choice")
	}
	if in.ForfeitScore != nil && (math.IsNaN(*in.ForfeitScore) || *in.ForfeitScore < 0 || *in.ForfeitScore > 1e6) {
		fs.Add("forfeit_score", "competitions.error.score_range")
	}
	if len(in.Disciplines) > MaxDisciplines {
		fs.Add("disciplines", "competitions.error.too_many", "max", MaxDisciplines)
	}
	seen := map[string]bool{}
	for i := range in.Disciplines {
		d := &in.Disciplines[i]
		d.Key = strings.TrimSpace(d.Key)
		d.Title = d.Title.Trim()
		field := fmt.Sprintf("disciplines[%d]", i)
		switch {
		case !keyRe.MatchString(d.Key):
			fs.Add(field+".key", "competitions.error.discipline_key")
		case seen[d.Key]:
			fs.Add(field+".key", "competitions.error.discipline_twice")
		}
		seen[d.Key] = true
		if d.Title.Empty() {
			fs.Add(field+".title", "validation.required")
		}
		checkText(&fs, field+".title.kk", d.Title.KK, MaxTitle, false)
		checkText(&fs, field+".title.ru", d.Title.RU, MaxTitle, false)
		checkText(&fs, field+".title.en", d.Title.EN, MaxTitle, false)
	}
	return fs.Err()
}

// Create makes a competition of in.OrgID; the actor must be one of its
// organizers (a moderator or above).
func (s *Service) Create(ctx context.Context, actor *auth.User, in NewCompetition) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, actor, in.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		forfeit := 3.0
		if in.ForfeitScore != nil {
			forfeit = *in.ForfeitScore
		}
		err := tx.QueryRow(ctx, `INSERT INTO competitions (org_id, title_kk, title_ru, title_en, format, points, seed, created_by, created_at, forfeit_score)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.OrgID, in.Title.KK, in.Title.RU, in.Title.EN, in.Format, in.Points,
			int64(db.RandomSeed()), actor.ID, tx.Now, forfeit).Scan(&id)
		if err != nil {
			return err
		}
		for i, d := range in.Disciplines {
			if _, err := tx.Exec(ctx, `INSERT INTO competition_disciplines (competition_id, code, position, title_kk, title_ru, title_en)
				VALUES (?, ?, ?, ?, ?, ?)`, id, d.Key, i+1, d.Title.KK, d.Title.RU, d.Title.EN); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.create", TargetType: "competition",
			TargetID: fmt.Sprint(id), OrgID: in.OrgID, After: in})
	})
	if err != nil {
		if db.IsForeignKey(err) {
			return 0, errs.New(errs.NotFound, "error.404.text")
		}
		return 0, fmt.Errorf("competitions: create: %w", err)
	}
	return id, nil
}

const competitionCols = `c.id, c.org_id, o.name_kk, o.name_ru, o.name_en, c.title_kk, c.title_ru, c.title_en, c.format, c.points, c.seed, c.created_at, c.forfeit_score`

func scanCompetition(sc interface{ Scan(...any) error }) (*Competition, error) {
	var c Competition
	var seed int64
	var at db.Time
	if err := sc.Scan(&c.ID, &c.OrgID, &c.OrgName.KK, &c.OrgName.RU, &c.OrgName.EN, &c.Title.KK, &c.Title.RU, &c.Title.EN,
		&c.Format, &c.Points, &seed, &at, &c.ForfeitScore); err != nil {
		return nil, err
	}
	c.Seed, c.CreatedAt = uint64(seed), at.Time
	return &c, nil
}

// Get returns a competition with its disciplines.
func (s *Service) Get(ctx context.Context, id int64) (*Competition, error) {
	var c *Competition
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		c, err = getTx(ctx, tx, id, false)
		return err
	})
	return c, err
}

func getTx(ctx context.Context, tx *db.Tx, id int64, lock bool) (*Competition, error) {
	q := `SELECT ` + competitionCols + ` FROM competitions c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?`
	if lock {
		q += tx.ForUpdateOf("c")
	}
	c, err := scanCompetition(tx.QueryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("competitions: get %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT id, code, title_kk, title_ru, title_en FROM competition_disciplines
		WHERE competition_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("competitions: disciplines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Discipline
		if err := rows.Scan(&d.ID, &d.Key, &d.Title.KK, &d.Title.RU, &d.Title.EN); err != nil {
			return nil, err
		}
		c.Disciplines = append(c.Disciplines, d)
	}
	return c, rows.Err()
}

// List returns the newest competitions (of an organization's subtree when
// orgID is set), newest first.
func (s *Service) List(ctx context.Context, orgID int64, limit int) ([]*Competition, error) {
	q := `SELECT ` + competitionCols + ` FROM competitions c JOIN organizations o ON o.id = c.org_id`
	var args []any
	if orgID > 0 {
		q += ` JOIN organizations r ON r.id = ? WHERE substr(o.path, 1, length(r.path)) = r.path`
		args = append(args, orgID)
	}
	q += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("competitions: list: %w", err)
	}
	defer rows.Close()
	var out []*Competition
	for rows.Next() {
		c, err := scanCompetition(rows)
		if err != nil {
			return nil, fmt.Errorf("competitions: list: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// IsOrganizer reports whether u organizes c (a moderator of its
// organization or above).
func (s *Service) IsOrganizer(ctx context.Context, u *auth.User, c *Competition) (bool, error) {
	if u == nil {
		return false, nil
	}
	r, err := s.auth.RoleIn(ctx, u, c.OrgID)
	return r >= auth.Moderator, err
}

// IsJudge reports whether u is a named judge of competition id.
func (s *Service) IsJudge(ctx context.Context, u *auth.User, id int64) (bool, error) {
	if u == nil || u.Deleted || u.Limited() {
		return false, nil
	}
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM competition_judges WHERE competition_id = ? AND user_id = ?)`, id, u.ID).Scan(&ok)
	return ok, err
}

// requireOrganizer returns the competition when u organizes it.
func (s *Service) requireOrganizer(ctx context.Context, u *auth.User, id int64) (*Competition, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	return c, nil
}

// NewTeam is a team as an organizer enters it.
type NewTeam struct {
	Name    string
	OrgID   int64   // the organization it comes from (a college); 0: none
	Members []int64 // people
}

// Teams returns the teams of competition id in the order they were
// entered (the knockout's seeding order); with members when withMembers.
func (s *Service) Teams(ctx context.Context, id int64, withMembers bool) ([]Team, error) {
	rows, err := s.db.Query(ctx, `SELECT t.id, t.name, COALESCE(t.org_id, 0), COALESCE(o.name_kk, ''), COALESCE(o.name_ru, ''), COALESCE(o.name_en, ''),
			t.withdrawn_at, t.withdraw_reason, COALESCE(t.group_no, 0)
		FROM competition_teams t LEFT JOIN organizations o ON o.id = t.org_id WHERE t.competition_id = ? ORDER BY t.id`, id)
	if err != nil {
		return nil, fmt.Errorf("competitions: teams: %w", err)
	}
	var teams []Team
	index := map[int64]int{}
	for rows.Next() {
		var t Team
		var out db.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.OrgID, &t.OrgName.KK, &t.OrgName.RU, &t.OrgName.EN, &out, &t.Reason, &t.Group); err != nil {
			rows.Close()
			return nil, fmt.Errorf("competitions: teams: %w", err)
		}
		t.Withdrawn, t.WithdrawnAt = out.Valid, out.Time
		index[t.ID] = len(teams)
		teams = append(teams, t)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if !withMembers || len(teams) == 0 {
		return teams, nil
	}
	rows, err = s.db.Query(ctx, `SELECT m.team_id, u.id, u.name FROM competition_members m JOIN users u ON u.id = m.user_id
		WHERE m.competition_id = ? AND u.deleted_at IS NULL ORDER BY u.name, u.id`, id)
	if err != nil {
		return nil, fmt.Errorf("competitions: members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var team int64
		var p Person
		if err := rows.Scan(&team, &p.ID, &p.Name); err != nil {
			return nil, err
		}
		if i, ok := index[team]; ok {
			teams[i].Members = append(teams[i].Members, p)
		}
	}
	return teams, rows.Err()
}

// related returns the names of the people of ids who an organizer of
// orgID (or of another organization, extra) may name: adults or minors
// with consent, not deleted, members of either organization's subtree.
func related(ctx context.Context, tx *db.Tx, ids []int64, orgs ...int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var orgIDs []int64
	for _, o := range orgs {
		if o > 0 {
			orgIDs = append(orgIDs, o)
		}
	}
	args := []any{auth.AdultCutoff(tx.Now), tx.Now.In(i18n.Almaty).Format("2006-01-02")}
	args = append(args, db.Args(orgIDs)...)
	args = append(args, db.Args(ids)...)
	rows, err := tx.Query(ctx, `SELECT u.id, u.name FROM users u
		WHERE u.deleted_at IS NULL AND `+auth.NotLimitedSQL+` AND EXISTS (SELECT 1 FROM memberships m
			JOIN organizations mo ON mo.id = m.org_id
			WHERE m.user_id = u.id AND (m.until IS NULL OR m.until >= ?)
			AND EXISTS (SELECT 1 FROM organizations o WHERE o.id IN (`+db.Placeholders(len(orgIDs))+`) AND substr(mo.path, 1, length(o.path)) = o.path))
		AND u.id IN (`+db.Placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("competitions: people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// AddTeam enters a team. Its members must be people the organizers may
// name (members of the competition's organization or of the team's, by
// their own act), each in no other team of the competition; teams are
// entered before the first round is drawn.
func (s *Service) AddTeam(ctx context.Context, actor *auth.User, compID int64, in NewTeam) (int64, error) {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return 0, err
	}
	var fs errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	checkText(&fs, "name", in.Name, MaxName, true)
	if in.OrgID < 0 {
		fs.Add("organization_id", "validation.invalid_value")
	}
	if len(in.Members) > MaxMembers {
		fs.Add("members", "competitions.error.too_many", "max", MaxMembers)
	}
	seen := map[int64]bool{}
	for i, m := range in.Members {
		if m <= 0 {
			fs.Add(fmt.Sprintf("members[%d]", i), "validation.invalid_value")
		} else if seen[m] {
			fs.Add(fmt.Sprintf("members[%d]", i), "competitions.error.member_twice")
		}
		seen[m] = true
	}
	if err := fs.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := getTx(ctx, tx, compID, true); err != nil {
			return err
		}
		if in.OrgID > 0 {
			ok, err := tx.Exists(ctx, `SELECT 1 FROM organizations WHERE id = ?`, in.OrgID)
			if err != nil {
				return err
			}
			if !ok {
				fs.Add("organization_id", "competitions.error.no_such_org")
				return fs.Err()
			}
		}
		started, err := tx.Exists(ctx, `SELECT 1 FROM competition_rounds WHERE competition_id = ?`, compID)
		if err != nil {
			return err
		}
		if started {
			return errs.New(errs.Conflict, "competitions.error.teams_closed")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM competition_teams WHERE competition_id = ?`, compID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxTeams {
			return errs.New(errs.Conflict, "competitions.error.too_many_teams", "max", MaxTeams)
		}
		names, err := related(ctx, tx, in.Members, c.OrgID, in.OrgID)
		if err != nil {
			return err
		}
		for i, m := range in.Members {
			if _, ok := names[m]; !ok {
				fs.Add(fmt.Sprintf("members[%d]", i), "competitions.error.member_unrelated")
			}
		}
		if len(in.Members) > 0 {
			rows, err := tx.Query(ctx, `SELECT m.user_id, t.name FROM competition_members m JOIN competition_teams t ON t.id = m.team_id
				WHERE m.competition_id = ? AND m.user_id IN (`+db.Placeholders(len(in.Members))+`)`, append([]any{compID}, db.Args(in.Members)...)...)
			if err != nil {
				return err
			}
			taken := map[int64]string{}
			for rows.Next() {
				var u int64
				var team string
				if err := rows.Scan(&u, &team); err != nil {
					rows.Close()
					return err
				}
				taken[u] = team
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for i, m := range in.Members {
				if team, ok := taken[m]; ok {
					fs.Add(fmt.Sprintf("members[%d]", i), "competitions.error.member_in_other_team", "name", names[m], "team", team)
				}
			}
		}
		if err := fs.Err(); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO competition_teams (competition_id, name, org_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING RETURNING id`, compID, in.Name, db.NullID(in.OrgID), tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			fs.Add("name", "competitions.error.team_name_taken")
			return fs.Err()
		}
		if err != nil {
			return err
		}
		for i, m := range in.Members {
			// The primary key (competition, person) is the guarantee that
			// nobody plays for two teams, whatever runs at the same time.
			var got int64
			err := tx.QueryRow(ctx, `INSERT INTO competition_members (competition_id, team_id, user_id) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING RETURNING user_id`, compID, id, m).Scan(&got)
			if errors.Is(err, sql.ErrNoRows) {
				fs.Add(fmt.Sprintf("members[%d]", i), "competitions.error.member_in_other_team", "name", names[m], "team", "")
				return fs.Err()
			}
			if err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.team_add", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"team": id, "name": in.Name, "members": in.Members}})
	})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return 0, err
		}
		return 0, fmt.Errorf("competitions: add team: %w", err)
	}
	return id, nil
}

// Judges returns the judges of competition id (for its organizers).
func (s *Service) Judges(ctx context.Context, id int64) ([]Person, error) {
	rows, err := s.db.Query(ctx, `SELECT u.id, u.name FROM competition_judges j JOIN users u ON u.id = j.user_id
		WHERE j.competition_id = ? AND u.deleted_at IS NULL ORDER BY u.name, u.id`, id)
	if err != nil {
		return nil, fmt.Errorf("competitions: judges: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddJudge names person a judge of the competition: they may enter
// results. The person must be a member of the organization's subtree.
func (s *Service) AddJudge(ctx context.Context, actor *auth.User, compID, person int64) error {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	if person <= 0 {
		fs.Add("person_id", "validation.required")
		return fs.Err()
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		names, err := related(ctx, tx, []int64{person}, c.OrgID)
		if err != nil {
			return err
		}
		if _, ok := names[person]; !ok {
			fs.Add("person_id", "competitions.error.judge_unrelated")
			return fs.Err()
		}
		res, err := tx.Exec(ctx, `INSERT INTO competition_judges (competition_id, user_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			compID, person, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "competitions.error.judge_twice")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.judge_add", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"judge": person}})
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("competitions: add judge: %w", err)
	}
	return err
}

// nameMatches is how many people a typed name brings at most.
const nameMatches = 10

// FindJudges finds, for an organizer of competition compID, the people who
// may judge it (those AddJudge takes: members of its organization or of one
// under it) whose name contains q: findPeople.
func (s *Service) FindJudges(ctx context.Context, actor *auth.User, compID int64, q string) ([]Person, bool, error) {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return nil, false, err
	}
	return s.findPeople(ctx, "judge_q", q, c.OrgID)
}

// FindTeamMembers finds, for an organizer of competition compID, the
// people who may play in a team of organization teamOrg (0: none) — those
// AddTeam takes: members of the competition's organization or of the
// team's, or of one under them — whose name contains q: findPeople.
func (s *Service) FindTeamMembers(ctx context.Context, actor *auth.User, compID, teamOrg int64, q string) ([]Person, bool, error) {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return nil, false, err
	}
	return s.findPeople(ctx, "members", q, c.OrgID, teamOrg)
}

// findPeople finds the people related to orgs (as related counts them)
// whose name contains q in either script (kazakh.Fold): at most
// nameMatches, a name equal to q first, then by name, and whether there
// were more. field names the form field a too short q is reported on.
func (s *Service) findPeople(ctx context.Context, field, q string, orgs ...int64) ([]Person, bool, error) {
	key := kazakh.Fold(q)
	if utf8.RuneCountInString(strings.TrimSpace(key)) < 2 {
		return nil, false, errs.Fields{{Name: field, Key: "competitions.error.name_short"}}.Err()
	}
	var orgIDs []int64
	for _, o := range orgs {
		if o > 0 {
			orgIDs = append(orgIDs, o)
		}
	}
	now := s.db.Now()
	// The sort keys narrow the rows (name_key is the folded name; rows not
	// keyed yet are read too); the folded name decides.
	args := append(db.Args(orgIDs), now.In(i18n.Almaty).Format("2006-01-02"), auth.AdultCutoff(now), "%"+key+"%")
	rows, err := s.db.Query(ctx, `SELECT DISTINCT u.id, u.name FROM organizations o
		JOIN organizations mo ON substr(mo.path, 1, length(o.path)) = o.path
		JOIN memberships m ON m.org_id = mo.id JOIN users u ON u.id = m.user_id
		WHERE o.id IN (`+db.Placeholders(len(orgIDs))+`) AND (m.until IS NULL OR m.until >= ?) AND u.deleted_at IS NULL AND `+auth.NotLimitedSQL+`
		AND (m.name_key LIKE ? OR m.name_key = '') LIMIT 2000`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("competitions: find people: %w", err)
	}
	defer rows.Close()
	var out []Person
	seen := map[int64]bool{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, false, err
		}
		if !seen[p.ID] && strings.Contains(kazakh.Fold(p.Name), key) {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	slices.SortFunc(out, func(a, b Person) int {
		ka, kb := kazakh.Fold(a.Name), kazakh.Fold(b.Name)
		if ea, eb := ka == key, kb == key; ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		if ka != kb {
			return strings.Compare(ka, kb)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > nameMatches {
		return out[:nameMatches], true, nil
	}
	return out, false, nil
}

// isParticipant is the awards component's recipient source: person is a
// member of a team of a competition of organization orgID.
func (s *Service) isParticipant(ctx context.Context, orgID, person int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM competition_members m JOIN competitions c ON c.id = m.competition_id
		WHERE c.org_id = ? AND m.user_id = ?)`, orgID, person).Scan(&ok)
	return ok, err
}
