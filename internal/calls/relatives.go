package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/selection"
)

// querier is a *db.DB or a *db.Tx.
type querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Relatives a juror declares (decision 0105). A relative is a person, not
// an application: every application of the call they are in — as its
// applicant or a confirmed team member, now or later — is a conflict of
// interest for that juror at every stage. At a stage the juror judges
// with names shown they pick the person from the applicants they see; at
// a blind stage they type the full name or the email address, matched on
// the server, and are told only "declared": whether anyone matched, and
// which application, stays hidden.

// RelativeInput is one declaration: a person picked from the applicants
// the juror sees, or a full name, or an email address.
type RelativeInput struct {
	PersonID int64
	Name     string
	Email    string
}

// Relative is a declaration as its juror sees it again: what they picked
// or typed.
type Relative struct {
	Label      string
	DeclaredAt time.Time
}

// Candidate is a person a juror may pick as a relative: someone in an
// application of a holding they judge at a stage whose names they see.
type Candidate struct {
	UserID int64
	Name   string
}

// DeclareResult is what a declaration changed (for the organizers and
// tests; the juror's page and the API say only "declared").
type DeclareResult struct {
	Unassigned int     // assignments of the juror taken back
	Reassigned int     // of those, given to another juror of the holding
	Short      []int64 // applications left with fewer than K jurors
}

// jurorStages are the stages of call callID whose jury u sits on.
func (s *Service) jurorStages(ctx context.Context, q querier, u *auth.User, c *Call) (map[int64]int64, error) {
	rows, err := q.Query(ctx, `SELECT j.stage_id, j.holding_id FROM call_jurors j JOIN call_stages st ON st.id = j.stage_id
		WHERE st.call_id = ? AND j.user_id = ?`, c.ID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("calls: juror's stages: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var st, h int64
		if err := rows.Scan(&st, &h); err != nil {
			return nil, err
		}
		out[st] = h
	}
	return out, rows.Err()
}

// IsCallJuror reports whether u sits on any jury of the call.
func (s *Service) IsCallJuror(ctx context.Context, u *auth.User, c *Call) (bool, error) {
	if u == nil {
		return false, nil
	}
	st, err := s.jurorStages(ctx, s.DB, u, c)
	return len(st) > 0, err
}

// RelativeCandidates lists the people u may pick as relatives: those in
// applications of the holdings u judges at open stages that are not blind.
func (s *Service) RelativeCandidates(ctx context.Context, u *auth.User, c *Call) ([]Candidate, error) {
	stages, err := s.jurorStages(ctx, s.DB, u, c)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	seen := map[int64]bool{u.ID: true}
	for _, st := range c.Stages {
		h, ok := stages[st.ID]
		if !ok || st.Blind || st.Closed() {
			continue
		}
		rows, err := s.DB.Query(ctx, `SELECT u.id, u.name FROM call_entries e JOIN call_participants p ON p.application_id = e.application_id
			JOIN users u ON u.id = p.user_id WHERE e.stage_id = ? AND e.holding_id = ? AND u.deleted_at IS NULL`, st.ID, h)
		if err != nil {
			return nil, fmt.Errorf("calls: relative candidates: %w", err)
		}
		for rows.Next() {
			var cd Candidate
			if err := rows.Scan(&cd.UserID, &cd.Name); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[cd.UserID] {
				seen[cd.UserID] = true
				out = append(out, cd)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		if c := strings.Compare(kazakh.Fold(a.Name), kazakh.Fold(b.Name)); c != 0 {
			return c
		}
		return int(a.UserID - b.UserID)
	})
	return out, nil
}

// Relatives lists u's declarations at call callID, as they made them.
func (s *Service) Relatives(ctx context.Context, u *auth.User, callID int64) ([]Relative, error) {
	rows, err := s.DB.Query(ctx, "SELECT label, declared_at FROM call_relatives WHERE call_id = ? AND juror_id = ? ORDER BY declared_at, person_key", callID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("calls: relatives: %w", err)
	}
	defer rows.Close()
	var out []Relative
	for rows.Next() {
		var r Relative
		var at db.Time
		if err := rows.Scan(&r.Label, &at); err != nil {
			return nil, err
		}
		r.DeclaredAt = at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

func nameKey(name string) string {
	return "name:" + strings.Join(strings.Fields(kazakh.Fold(name)), " ")
}

// DeclareRelative records that juror u is related to a person of call
// callID. Only a juror of the call declares, while one of their stages is
// open. Their unscored assignments of that person's applications are
// taken back at once and given to other jurors of the holding where one
// may judge it; an application left short of K jurors shows on the
// stage's page for the organizers. Scoring such an application is refused
// from then on.
func (s *Service) DeclareRelative(ctx context.Context, u *auth.User, callID int64, in RelativeInput) (*DeclareResult, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, callID)
	if err != nil {
		return nil, err
	}
	stages, err := s.jurorStages(ctx, s.DB, u, c)
	if err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return nil, errs.New(errs.Forbidden, "calls.error.not_juror")
	}
	open := false
	for _, st := range c.Stages {
		if _, ok := stages[st.ID]; ok && !st.Closed() {
			open = true
		}
	}
	if !open {
		return nil, errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	var fs errs.Fields
	var key, label, by string
	var uid any
	name, email := strings.TrimSpace(in.Name), strings.ToLower(strings.TrimSpace(in.Email))
	switch {
	case in.PersonID != 0:
		cands, err := s.RelativeCandidates(ctx, u, c)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(cands, func(cd Candidate) bool { return cd.UserID == in.PersonID })
		if i < 0 {
			fs.Add("person_id", "calls.error.relative_pick")
			return nil, fs.Err()
		}
		key, label, uid, by = "user:"+strconv.FormatInt(in.PersonID, 10), cands[i].Name, in.PersonID, "pick"
	case email != "":
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			fs.Add("email", "calls.error.member_email", "email", email)
			return nil, fs.Err()
		}
		key, label, by = "email:"+email, email, "email"
	case name != "":
		if n := utf8.RuneCountInString(name); n > 200 {
			fs.Add("name", "validation.too_long", "max", 200)
			return nil, fs.Err()
		}
		if len(strings.Fields(kazakh.Fold(name))) < 2 {
			fs.Add("name", "calls.error.relative_full_name")
			return nil, fs.Err()
		}
		key, label, by = nameKey(name), name, "name"
	default:
		fs.Add("name", "calls.error.relative_required")
		return nil, fs.Err()
	}
	if key == "email:"+strings.ToLower(u.Email) || (by == "pick" && in.PersonID == u.ID) {
		fs.Add(map[string]string{"pick": "person_id", "email": "email"}[by], "calls.error.relative_self")
		return nil, fs.Err()
	}
	res := &DeclareResult{}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO call_relatives (call_id, juror_id, person_key, user_id, label, declared_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (call_id, juror_id, person_key) DO NOTHING`, c.ID, u.ID, key, uid, label, tx.Now); err != nil {
			return fmt.Errorf("calls: declare relative: %w", err)
		}
		for _, st := range c.Stages {
			h, ok := stages[st.ID]
			if !ok || st.Closed() {
				continue
			}
			if err := s.reassignConflicts(ctx, tx, st, h, u.ID, res); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.relative.declare", TargetType: "call",
			TargetID: strconv.FormatInt(c.ID, 10), OrgID: c.OrgID,
			After: map[string]any{"by": by, "unassigned": res.Unassigned, "reassigned": res.Reassigned, "short": len(res.Short)}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// reassignConflicts takes back juror's unscored assignments at stage st
// (holding h) that are conflicts now, and gives each to the least loaded
// juror of the holding who may judge it and does not have it yet (ties to
// the lower id). Nothing else moves.
func (s *Service) reassignConflicts(ctx context.Context, tx *db.Tx, st *Stage, h, juror int64, res *DeclareResult) error {
	in, err := assignInput(ctx, tx, st, h)
	if err != nil {
		return err
	}
	j := strconv.FormatInt(juror, 10)
	scored := map[selection.Pair]bool{}
	for _, p := range in.Scored {
		scored[p] = true
	}
	has := map[selection.Pair]bool{}
	load := map[string]int{}
	count := map[string]int{}
	for _, p := range in.Current {
		has[p] = true
		load[p.Juror]++
		count[p.Application]++
	}
	var taken []string
	for _, p := range in.Current {
		if p.Juror == j && !scored[p] && in.Conflict(p.Juror, p.Application) {
			taken = append(taken, p.Application)
		}
	}
	slices.Sort(taken)
	for _, app := range taken {
		if _, err := tx.Exec(ctx, "DELETE FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?", st.ID, juror, app); err != nil {
			return err
		}
		res.Unassigned++
		load[j]--
		count[app]--
		best := ""
		for _, other := range in.Jurors {
			if other == j || has[selection.Pair{Juror: other, Application: app}] || in.Conflict(other, app) {
				continue
			}
			if best == "" || load[other] < load[best] || (load[other] == load[best] && idLess(other, best)) {
				best = other
			}
		}
		if best != "" {
			if err := insertPairs(ctx, tx, st.ID, []selection.Pair{{Juror: best, Application: app}}); err != nil {
				return err
			}
			has[selection.Pair{Juror: best, Application: app}] = true
			load[best]++
			count[app]++
			res.Reassigned++
		}
		if count[app] < st.PerApplication {
			id, _ := strconv.ParseInt(app, 10, 64)
			res.Short = append(res.Short, id)
		}
	}
	return nil
}

func idLess(a, b string) bool {
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return x < y
}

// relativeConflicts returns the (juror, application) pairs of a holding's
// pool at stage st that are conflicts by a declared relative: the juror
// declared a person who is in the application (its applicant or a
// confirmed member), by pick, by email or by full name.
func relativeConflicts(ctx context.Context, q querier, st *Stage, holding int64) (map[selection.Pair]bool, error) {
	type decl struct {
		juror int64
		key   string
	}
	rows, err := q.Query(ctx, `SELECT r.juror_id, r.person_key FROM call_relatives r JOIN call_jurors j ON j.user_id = r.juror_id
		WHERE r.call_id = ? AND j.stage_id = ? AND j.holding_id = ?`, st.CallID, st.ID, holding)
	if err != nil {
		return nil, fmt.Errorf("calls: relatives of the jury: %w", err)
	}
	var ds []decl
	for rows.Next() {
		var d decl
		if err := rows.Scan(&d.juror, &d.key); err != nil {
			rows.Close()
			return nil, err
		}
		ds = append(ds, d)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	out := map[selection.Pair]bool{}
	if len(ds) == 0 {
		return out, nil
	}
	prows, err := q.Query(ctx, `SELECT p.application_id, u.id, COALESCE(u.email, ''), u.name FROM call_entries e
		JOIN call_participants p ON p.application_id = e.application_id JOIN users u ON u.id = p.user_id
		WHERE e.stage_id = ? AND e.holding_id = ?`, st.ID, holding)
	if err != nil {
		return nil, fmt.Errorf("calls: people of the holding: %w", err)
	}
	byKey := map[string][]int64{}
	for prows.Next() {
		var app, uid int64
		var email, name string
		if err := prows.Scan(&app, &uid, &email, &name); err != nil {
			prows.Close()
			return nil, err
		}
		for _, k := range []string{"user:" + strconv.FormatInt(uid, 10), "email:" + strings.ToLower(email), nameKey(name)} {
			byKey[k] = append(byKey[k], app)
		}
	}
	if err := prows.Close(); err != nil {
		return nil, err
	}
	for _, d := range ds {
		for _, app := range byKey[d.key] {
			out[selection.Pair{Juror: strconv.FormatInt(d.juror, 10), Application: strconv.FormatInt(app, 10)}] = true
		}
	}
	return out, nil
}

// conflicted reports whether juror may not judge application appID at
// stage st: a conflict declared on it, or a declared relative in it.
func conflicted(ctx context.Context, q querier, st *Stage, juror, appID int64) (bool, error) {
	var declared bool
	if err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_conflicts WHERE stage_id = ? AND juror_id = ? AND application_id = ?)",
		st.ID, juror, appID).Scan(&declared); err != nil {
		return false, err
	}
	if declared {
		return true, nil
	}
	rows, err := q.Query(ctx, "SELECT person_key FROM call_relatives WHERE call_id = ? AND juror_id = ?", st.CallID, juror)
	if err != nil {
		return false, err
	}
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return false, err
		}
		keys[k] = true
	}
	if err := rows.Close(); err != nil || len(keys) == 0 {
		return false, err
	}
	prows, err := q.Query(ctx, `SELECT u.id, COALESCE(u.email, ''), u.name FROM call_participants p JOIN users u ON u.id = p.user_id
		WHERE p.application_id = ?`, appID)
	if err != nil {
		return false, err
	}
	defer prows.Close()
	for prows.Next() {
		var uid int64
		var email, name string
		if err := prows.Scan(&uid, &email, &name); err != nil {
			return false, err
		}
		if keys["user:"+strconv.FormatInt(uid, 10)] || keys["email:"+strings.ToLower(email)] || keys[nameKey(name)] {
			return true, nil
		}
	}
	return false, prows.Err()
}

// ShortApplications counts a stage's applications that have fewer than
// K jurors although the stage has assignments (after conflicts were
// declared, no other juror of the holding could take them): the
// organizers add jurors and run the assignment again.
func (s *Service) ShortApplications(ctx context.Context, st *Stage) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM call_entries e WHERE e.stage_id = ?
		AND EXISTS (SELECT 1 FROM call_assignments x WHERE x.stage_id = e.stage_id)
		AND (SELECT COUNT(*) FROM call_assignments x WHERE x.stage_id = e.stage_id AND x.application_id = e.application_id) < ?`,
		st.ID, st.PerApplication).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
