package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/selection"
)

// Juror is a member of a stage's jury for one holding.
type Juror struct {
	UserID    int64
	Name      string
	HoldingID int64
	Chair     bool
	Assigned  int
	Scored    int
}

// stageOf loads the call and its stage id, 404 when they do not belong
// together.
func (s *Service) stageOf(ctx context.Context, callID, stageID int64) (*Call, *Stage, error) {
	c, err := s.Get(ctx, callID)
	if err != nil {
		return nil, nil, err
	}
	st := c.Stage(stageID)
	if st == nil {
		return nil, nil, errs.New(errs.NotFound, "calls.error.no_stage")
	}
	return c, st, nil
}

// requireHolding: moderators of the call's organization run every holding;
// moderators of a holding organization run their own.
func (s *Service) requireHolding(ctx context.Context, u *auth.User, c *Call, holding int64) error {
	err := s.Auth.Require(ctx, u, c.OrgID, auth.Moderator)
	if err == nil || errs.CodeOf(err) != errs.Forbidden || holding == 0 {
		return err
	}
	return s.Auth.Require(ctx, u, holding, auth.Moderator)
}

// AddJuror puts person personID on the jury of a stage's holding (the
// stage's only holding when hostID is 0).
func (s *Service) AddJuror(ctx context.Context, u *auth.User, callID, stageID, personID, hostID int64, chair bool) error {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return err
	}
	if hostID == 0 && len(st.Hosts) == 1 {
		hostID = st.Hosts[0].ID
	}
	if err := s.requireHolding(ctx, u, c, hostID); err != nil {
		return err
	}
	var fs errs.Fields
	if st.HostOf(hostID) == nil {
		fs.Add("host_id", "calls.error.choose_host")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	if st.Closed() {
		return errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	juror, err := s.Auth.UserByID(ctx, personID)
	if err != nil || juror.Deleted {
		fs.Add("person_id", "calls.error.no_person")
		return fs.Err()
	}
	if juror.Limited() {
		fs.Add("person_id", "calls.error.juror_limited")
		return fs.Err()
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var n int64
		err := tx.QueryRow(ctx, `INSERT INTO call_jurors (stage_id, user_id, holding_id, chair, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (stage_id, user_id) DO NOTHING RETURNING user_id`, stageID, personID, hostID, chair, tx.Now).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "calls.error.already_juror")
		}
		if err != nil {
			return fmt.Errorf("calls: add juror: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.juror.add", TargetType: "call_stage",
			TargetID: strconv.FormatInt(stageID, 10), OrgID: hostID, After: map[string]int64{"person_id": personID, "host_id": hostID}})
	})
}

// Jurors lists a stage's jurors with their progress.
func (s *Service) Jurors(ctx context.Context, stageID int64) ([]Juror, error) {
	rows, err := s.DB.Query(ctx, `SELECT j.user_id, u.name, j.holding_id, j.chair,
		(SELECT COUNT(*) FROM call_assignments a WHERE a.stage_id = j.stage_id AND a.juror_id = j.user_id),
		(SELECT COUNT(*) FROM call_scores sc WHERE sc.stage_id = j.stage_id AND sc.juror_id = j.user_id)
		FROM call_jurors j JOIN users u ON u.id = j.user_id WHERE j.stage_id = ? ORDER BY j.holding_id, j.chair DESC, u.name, j.user_id`, stageID)
	if err != nil {
		return nil, fmt.Errorf("calls: jurors: %w", err)
	}
	defer rows.Close()
	var out []Juror
	for rows.Next() {
		var j Juror
		if err := rows.Scan(&j.UserID, &j.Name, &j.HoldingID, &j.Chair, &j.Assigned, &j.Scored); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// IsJuror reports whether u sits on the stage's jury.
func (s *Service) IsJuror(ctx context.Context, u *auth.User, stageID int64) (bool, error) {
	if u == nil {
		return false, nil
	}
	var ok bool
	err := s.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_jurors WHERE stage_id = ? AND user_id = ?)", stageID, u.ID).Scan(&ok)
	return ok, err
}

// AssignResult is what one assignment run did, per holding.
type AssignResult struct {
	Added, Removed  int
	ScoredConflicts int
}

// Assign spreads each holding's applications over its jurors
// (selection.Assign: at least PerApplication jurors each, no conflicts of
// interest, even loads; scored pairs never move). It is run by the
// organizers after the applications close and again when jurors join.
func (s *Service) Assign(ctx context.Context, u *auth.User, callID, stageID int64) (*AssignResult, error) {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	if st.Closed() {
		return nil, errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	res := &AssignResult{}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, h := range st.Hosts {
			in, err := assignInput(ctx, tx, st, h.ID)
			if err != nil {
				return err
			}
			if len(in.Applications) == 0 {
				continue
			}
			out, err := selection.Assign(*in)
			var short *selection.ShortError
			if errors.As(err, &short) {
				return errs.New(errs.Conflict, "calls.error.assign_short", "holding", h.Name.KK, "need", short.Need,
					"count", len(short.Applications))
			}
			if err != nil {
				return fmt.Errorf("calls: assign: %w", err)
			}
			for _, p := range out.Removed {
				if _, err := tx.Exec(ctx, "DELETE FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?",
					stageID, p.Juror, p.Application); err != nil {
					return err
				}
			}
			if err := insertPairs(ctx, tx, stageID, out.Added); err != nil {
				return err
			}
			res.Added += len(out.Added)
			res.Removed += len(out.Removed)
			res.ScoredConflicts += len(out.ScoredConflicts)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.assign", TargetType: "call_stage",
			TargetID: strconv.FormatInt(stageID, 10), OrgID: c.OrgID, After: res})
	})
	return res, err
}

func insertPairs(ctx context.Context, tx *db.Tx, stageID int64, pairs []selection.Pair) error {
	const batch = 300
	for i := 0; i < len(pairs); i += batch {
		end := min(i+batch, len(pairs))
		var b strings.Builder
		args := make([]any, 0, 3*(end-i))
		b.WriteString("INSERT INTO call_assignments (stage_id, juror_id, application_id) VALUES ")
		for k, p := range pairs[i:end] {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			j, _ := strconv.ParseInt(p.Juror, 10, 64)
			a, _ := strconv.ParseInt(p.Application, 10, 64)
			args = append(args, stageID, j, a)
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("calls: store assignment: %w", err)
		}
	}
	return nil
}

// assignInput loads one holding's pool: its applications, its jurors, the
// stored and scored pairs, and the conflicts of interest — a juror never
// judges their own application, anyone who is a member of one of the
// juror's primary organizations, nor an application they declared a
// conflict with (a relative).
func assignInput(ctx context.Context, tx *db.Tx, st *Stage, holding int64) (*selection.AssignInput, error) {
	in := &selection.AssignInput{PerApplication: st.PerApplication, Seed: st.Seed}
	owner := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT e.application_id, a.user_id FROM call_entries e JOIN call_applications a ON a.id = e.application_id
		WHERE e.stage_id = ? AND e.holding_id = ?`, st.ID, holding)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, uid int64
		if err := rows.Scan(&id, &uid); err != nil {
			rows.Close()
			return nil, err
		}
		k := strconv.FormatInt(id, 10)
		in.Applications = append(in.Applications, k)
		owner[k] = uid
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	jurors, err := db.ScanIDs(tx.Query(ctx, "SELECT user_id FROM call_jurors WHERE stage_id = ? AND holding_id = ?", st.ID, holding))
	if err != nil {
		return nil, err
	}
	for _, j := range jurors {
		in.Jurors = append(in.Jurors, strconv.FormatInt(j, 10))
	}
	// Primary organizations of the jurors and the applicants.
	primary := map[int64]map[int64]bool{}
	prow, err := tx.Query(ctx, `SELECT m.user_id, m.org_id FROM memberships m JOIN organizations o ON o.id = m.org_id
		WHERE o.kind = 'primary_organization' AND m.user_id IN (SELECT user_id FROM call_jurors WHERE stage_id = ? AND holding_id = ?
		UNION SELECT a.user_id FROM call_entries e JOIN call_applications a ON a.id = e.application_id WHERE e.stage_id = ? AND e.holding_id = ?)`,
		st.ID, holding, st.ID, holding)
	if err != nil {
		return nil, err
	}
	for prow.Next() {
		var uid, org int64
		if err := prow.Scan(&uid, &org); err != nil {
			prow.Close()
			return nil, err
		}
		if primary[uid] == nil {
			primary[uid] = map[int64]bool{}
		}
		primary[uid][org] = true
	}
	if err := prow.Close(); err != nil {
		return nil, err
	}
	declared := map[selection.Pair]bool{}
	drows, err := tx.Query(ctx, "SELECT juror_id, application_id FROM call_conflicts WHERE stage_id = ?", st.ID)
	if err != nil {
		return nil, err
	}
	for drows.Next() {
		var j, a int64
		if err := drows.Scan(&j, &a); err != nil {
			drows.Close()
			return nil, err
		}
		declared[selection.Pair{Juror: strconv.FormatInt(j, 10), Application: strconv.FormatInt(a, 10)}] = true
	}
	if err := drows.Close(); err != nil {
		return nil, err
	}
	relatives, err := relativeConflicts(ctx, tx, st, holding)
	if err != nil {
		return nil, err
	}
	in.Conflict = func(juror, app string) bool {
		j, _ := strconv.ParseInt(juror, 10, 64)
		o := owner[app]
		pair := selection.Pair{Juror: juror, Application: app}
		if j == o || declared[pair] || relatives[pair] {
			return true
		}
		for org := range primary[j] {
			if primary[o][org] {
				return true
			}
		}
		return false
	}
	pairs := func(q string) ([]selection.Pair, error) {
		rows, err := tx.Query(ctx, q, st.ID, st.ID, holding)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []selection.Pair
		for rows.Next() {
			var j, a int64
			if err := rows.Scan(&j, &a); err != nil {
				return nil, err
			}
			out = append(out, selection.Pair{Juror: strconv.FormatInt(j, 10), Application: strconv.FormatInt(a, 10)})
		}
		return out, rows.Err()
	}
	if in.Current, err = pairs(`SELECT x.juror_id, x.application_id FROM call_assignments x JOIN call_entries e ON e.application_id = x.application_id
		AND e.stage_id = ? WHERE x.stage_id = ? AND e.holding_id = ?`); err != nil {
		return nil, err
	}
	if in.Scored, err = pairs(`SELECT x.juror_id, x.application_id FROM call_scores x JOIN call_entries e ON e.application_id = x.application_id
		AND e.stage_id = ? WHERE x.stage_id = ? AND e.holding_id = ?`); err != nil {
		return nil, err
	}
	return in, nil
}

// Assignment is one application on a juror's list.
type Assignment struct {
	ApplicationID int64
	Name          string // "" when the stage is blind
	Answers       map[string]string
	Scores        map[string]float64 // nil until scored
	Comment       string
	Total         float64
}

// Scored reports whether the juror has scored it.
func (a *Assignment) Scored() bool { return a.Scores != nil }

// Assignments is u's work at a stage, in a stable order. In a blind stage
// names and identifying answers are left out.
func (s *Service) Assignments(ctx context.Context, u *auth.User, callID, stageID int64) (*Call, *Stage, []Assignment, error) {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return nil, nil, nil, err
	}
	if u == nil {
		return nil, nil, nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	ok, err := s.IsJuror(ctx, u, stageID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !ok {
		return nil, nil, nil, errs.New(errs.Forbidden, "calls.error.not_juror")
	}
	rows, err := s.DB.Query(ctx, `SELECT a.id, u.name, a.answers, sc.scores, COALESCE(sc.comment, ''), COALESCE(sc.total, 0)
		FROM call_assignments x JOIN call_applications a ON a.id = x.application_id JOIN users u ON u.id = a.user_id
		LEFT JOIN call_scores sc ON sc.stage_id = x.stage_id AND sc.application_id = x.application_id AND sc.juror_id = x.juror_id
		WHERE x.stage_id = ? AND x.juror_id = ? ORDER BY a.id`, stageID, u.ID)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("calls: assignments: %w", err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var answers string
		var scores sql.NullString
		if err := rows.Scan(&a.ApplicationID, &a.Name, &answers, &scores, &a.Comment, &a.Total); err != nil {
			return nil, nil, nil, err
		}
		if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
			return nil, nil, nil, err
		}
		if scores.Valid {
			if err := json.Unmarshal([]byte(scores.String), &a.Scores); err != nil {
				return nil, nil, nil, err
			}
		}
		if st.Blind {
			a.Name = ""
			for _, f := range c.Form {
				if f.Identifying {
					delete(a.Answers, f.Key)
				}
			}
		}
		out = append(out, a)
	}
	return c, st, out, rows.Err()
}

// Score stores u's sheet for an application at a stage (replacing an
// earlier one until the stage closes). Only an assigned juror may score,
// every required criterion from 0 to its maximum.
func (s *Service) Score(ctx context.Context, u *auth.User, applicationID, stageID int64, scores map[string]float64, comment string) (float64, error) {
	if u == nil {
		return 0, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	a, err := s.Application(ctx, applicationID)
	if err != nil {
		return 0, err
	}
	_, st, err := s.stageOf(ctx, a.CallID, stageID)
	if err != nil {
		return 0, err
	}
	var assigned bool
	if err := s.DB.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_assignments WHERE stage_id = ? AND juror_id = ? AND application_id = ?)",
		stageID, u.ID, applicationID).Scan(&assigned); err != nil {
		return 0, err
	}
	if !assigned {
		return 0, errs.New(errs.Forbidden, "calls.error.not_assigned")
	}
	if st.Closed() {
		return 0, errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	if bad, err := conflicted(ctx, s.DB, st, u.ID, applicationID); err != nil {
		return 0, err
	} else if bad {
		return 0, errs.New(errs.Conflict, "calls.error.conflicted")
	}
	rub := st.Rubric()
	if err := rub.Validate(scores); err != nil {
		var se *selection.SheetError
		if errors.As(err, &se) {
			var fs errs.Fields
			for _, p := range se.Problems {
				switch p.Code {
				case selection.ProblemRange:
					fs.Add("scores."+p.Key, "calls.error.score_range", "max", formatNum(p.Max))
				case selection.ProblemUnknown:
					fs.Add("scores."+p.Key, "calls.error.unknown_field")
				case selection.ProblemRequired:
					fs.Add("scores."+p.Key, "validation.required")
				default:
					fs.Add("scores."+p.Key, "calls.error.not_a_number")
				}
			}
			return 0, fs.Err()
		}
		return 0, err
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 2000 {
		var fs errs.Fields
		fs.Add("comment", "validation.too_long", "max", 2000)
		return 0, fs.Err()
	}
	total := rub.Total(scores)
	body, _ := json.Marshal(scores)
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var closed db.Time
		if err := tx.QueryRow(ctx, "SELECT closed_at FROM call_stages WHERE id = ?"+tx.ForShare(), stageID).Scan(&closed); err != nil {
			return err
		}
		if closed.Valid {
			return errs.New(errs.Conflict, "calls.error.stage_closed")
		}
		_, err := tx.Exec(ctx, `INSERT INTO call_scores (stage_id, application_id, juror_id, scores, total, comment, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stage_id, application_id, juror_id)
			DO UPDATE SET scores = excluded.scores, total = excluded.total, comment = excluded.comment, updated_at = excluded.updated_at`,
			stageID, applicationID, u.ID, string(body), total, comment, tx.Now)
		return err
	})
	return total, err
}

func formatNum(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// DeclareConflict records that juror u may not judge an application (a
// relative, a friend, a pupil). An unscored assignment of it to u is
// removed at once; the organizers' next assignment run gives it to another
// juror. A sheet u already gave stays, reported by the assignment as a
// scored conflict for the organizers to decide.
func (s *Service) DeclareConflict(ctx context.Context, u *auth.User, applicationID, stageID int64) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	a, err := s.Application(ctx, applicationID)
	if err != nil {
		return err
	}
	_, st, err := s.stageOf(ctx, a.CallID, stageID)
	if err != nil {
		return err
	}
	ok, err := s.IsJuror(ctx, u, stageID)
	if err != nil {
		return err
	}
	if !ok {
		return errs.New(errs.Forbidden, "calls.error.not_juror")
	}
	if st.Closed() {
		return errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var in bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_entries WHERE stage_id = ? AND application_id = ?)", stageID, applicationID).Scan(&in); err != nil {
			return err
		}
		if !in {
			return errs.New(errs.NotFound, "calls.error.no_application")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO call_conflicts (stage_id, juror_id, application_id, declared_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (stage_id, juror_id, application_id) DO NOTHING`, stageID, u.ID, applicationID, tx.Now); err != nil {
			return fmt.Errorf("calls: declare conflict: %w", err)
		}
		var holding int64
		if err := tx.QueryRow(ctx, "SELECT holding_id FROM call_jurors WHERE stage_id = ? AND user_id = ?", stageID, u.ID).Scan(&holding); err != nil {
			return err
		}
		// Taken back and given to another juror of the holding where one may judge it.
		return s.reassignConflicts(ctx, tx, st, holding, u.ID, &DeclareResult{})
	})
}
