package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/selection"
)

// Report is what the organizers see after a stage: per holding, the
// cutoff, the ties at it and how they were broken, who declined and who
// moved up in their place. It is stored with the stage.
type Report struct {
	Normalization string          `json:"normalization"`
	Lead          string          `json:"lead_criterion"`
	Holdings      []HoldingReport `json:"holdings"`
	Ties          []selection.Tie `json:"ties"` // every tie of the ranking, with the rules that split it
	Declined      []string        `json:"declined"`
}

// HoldingReport is one holding's part of a Report.
type HoldingReport struct {
	Holding   string                `json:"holding_id"`
	N         int                   `json:"n"`
	Advanced  []string              `json:"advanced"`
	Cutoff    *selection.Cutoff     `json:"cutoff"`
	Ties      []selection.CutoffTie `json:"ties"`
	Backfills []selection.Backfill  `json:"backfills"`
}

// CloseResult is the answer of closing a stage.
type CloseResult struct {
	Advanced []int64
	Ties     []selection.CutoffTie
	Report   *Report
}

// computed is a stage's evaluation, recomputed from what is stored.
type computed struct {
	adv     *selection.Advancement
	ranking *selection.Ranking
	holding map[string]int64 // application → holding
	report  *Report
	rawIdx  map[string]float64
}

func compute(ctx context.Context, tx *db.Tx, st *Stage) (*computed, error) {
	cp := &computed{holding: map[string]int64{}}
	in := selection.RankInput{Rubric: st.Rubric(), Normalization: selection.Normalization(st.Normalization), Seed: st.Seed}
	rows, err := tx.Query(ctx, `SELECT e.application_id, e.holding_id, a.submitted_at FROM call_entries e
		JOIN call_applications a ON a.id = e.application_id WHERE e.stage_id = ?`, st.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, h int64
		var at db.Time
		if err := rows.Scan(&id, &h, &at); err != nil {
			rows.Close()
			return nil, err
		}
		k := strconv.FormatInt(id, 10)
		cp.holding[k] = h
		in.Applications = append(in.Applications, selection.Application{ID: k, Holding: strconv.FormatInt(h, 10), SubmittedAt: at.Time})
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, "SELECT application_id, juror_id, scores FROM call_scores WHERE stage_id = ?", st.ID)
	if err != nil {
		return nil, err
	}
	in.Sheets = make([]selection.Sheet, 0, 3*len(in.Applications))
	for rows.Next() {
		var a, j int64
		var body []byte
		if err := rows.Scan(&a, &j, &body); err != nil {
			rows.Close()
			return nil, err
		}
		sh := selection.Sheet{Application: strconv.FormatInt(a, 10), Juror: strconv.FormatInt(j, 10)}
		if sh.Scores, err = parseScores(body); err != nil {
			rows.Close()
			return nil, err
		}
		in.Sheets = append(in.Sheets, sh)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	declined, err := db.ScanIDs(tx.Query(ctx, "SELECT application_id FROM call_declines WHERE stage_id = ? ORDER BY declined_at, application_id", st.ID))
	if err != nil {
		return nil, err
	}
	rules := selection.AdvanceRules{N: st.Advance, KeepTies: st.KeepTies}
	for _, d := range declined {
		rules.Declined = append(rules.Declined, strconv.FormatInt(d, 10))
	}
	if cp.ranking, err = selection.Rank(in); err != nil {
		return nil, fmt.Errorf("calls: rank stage %d: %w", st.ID, err)
	}
	if cp.adv, err = cp.ranking.Advance(rules); err != nil {
		return nil, fmt.Errorf("calls: advance stage %d: %w", st.ID, err)
	}
	rep := &Report{Normalization: string(cp.ranking.Normalization), Lead: cp.ranking.Lead, Declined: orEmpty(rules.Declined), Ties: []selection.Tie{}}
	for _, h := range cp.ranking.Holdings {
		rep.Ties = append(rep.Ties, h.Ties...)
	}
	for _, h := range cp.adv.Holdings {
		rep.Holdings = append(rep.Holdings, HoldingReport{Holding: h.Holding, N: h.N, Advanced: h.Advanced, Cutoff: h.Cutoff, Ties: h.Ties, Backfills: h.Backfills})
	}
	cp.report = rep
	return cp, nil
}

// resultRow is one stored result (short JSON names: PostgreSQL reads
// 10,000 of them in one statement).
type resultRow struct {
	App       int64   `json:"a"`
	Holding   int64   `json:"h"`
	Rank      int     `json:"r"`
	Score     float64 `json:"s"`
	Raw       float64 `json:"w"`
	Status    string  `json:"t"`
	InPlaceOf *int64  `json:"p"`
}

// storeResults replaces the stage's stored results and report.
func storeResults(ctx context.Context, tx *db.Tx, st *Stage, cp *computed) error {
	if _, err := tx.Exec(ctx, "DELETE FROM call_results WHERE stage_id = ?", st.ID); err != nil {
		return err
	}
	var outs []selection.Outcome
	for _, h := range cp.adv.Holdings {
		outs = append(outs, h.Outcomes...)
	}
	rows := make([]resultRow, len(outs))
	for i, o := range outs {
		id, _ := strconv.ParseInt(o.Application, 10, 64)
		rows[i] = resultRow{App: id, Holding: cp.holding[o.Application], Rank: o.Rank, Score: o.Score, Raw: o.Score, Status: o.Status}
		if o.InPlaceOf != "" {
			p, _ := strconv.ParseInt(o.InPlaceOf, 10, 64)
			rows[i].InPlaceOf = &p
		}
		if r := cp.raw(o.Application); r >= 0 {
			rows[i].Raw = r
		}
	}
	if tx.Dialect() == db.Postgres {
		// One statement: on a server across the network each round trip
		// costs more than the rows it carries.
		body, _ := json.Marshal(rows)
		if _, err := tx.Exec(ctx, `INSERT INTO call_results (stage_id, application_id, holding_id, rank, score, raw_score, status, in_place_of)
			SELECT ?, x.a, x.h, x.r, x.s, x.w, x.t, x.p FROM jsonb_to_recordset(CAST(? AS jsonb))
			AS x(a BIGINT, h BIGINT, r INTEGER, s DOUBLE PRECISION, w DOUBLE PRECISION, t TEXT, p BIGINT)`, st.ID, string(body)); err != nil {
			return fmt.Errorf("calls: store results: %w", err)
		}
	} else {
		const batch = 1000 // 8,000 parameters, under SQLite's limit
		for i := 0; i < len(rows); i += batch {
			end := min(i+batch, len(rows))
			var b strings.Builder
			args := make([]any, 0, 8*(end-i))
			b.WriteString("INSERT INTO call_results (stage_id, application_id, holding_id, rank, score, raw_score, status, in_place_of) VALUES ")
			for k, r := range rows[i:end] {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
				var in any
				if r.InPlaceOf != nil {
					in = *r.InPlaceOf
				}
				args = append(args, st.ID, r.App, r.Holding, r.Rank, r.Score, r.Raw, r.Status, in)
			}
			if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("calls: store results: %w", err)
			}
		}
	}
	rep, _ := json.Marshal(cp.report)
	_, err := tx.Exec(ctx, "UPDATE call_stages SET report = ? WHERE id = ?", string(rep), st.ID)
	return err
}

func (cp *computed) raw(app string) float64 {
	if cp.rawIdx == nil {
		cp.rawIdx = map[string]float64{}
		for _, h := range cp.ranking.Holdings {
			for _, it := range h.Items {
				cp.rawIdx[it.Application] = it.RawScore
			}
		}
	}
	if r, ok := cp.rawIdx[app]; ok {
		return r
	}
	return -1
}

// nextHolding is where an application advanced from holding h goes: the
// next stage's holding that contains h in its subtree, else its only or
// first holding.
func nextHolding(cur *Stage, next *Stage, h int64) int64 {
	from := cur.HostOf(h)
	best, bestLen := next.Hosts[0].ID, -1
	for _, o := range next.Hosts {
		if from != nil && strings.HasPrefix(from.Path, o.Path) && len(o.Path) > bestLen {
			best, bestLen = o.ID, len(o.Path)
		}
	}
	return best
}

// Close fixes a stage's results (moderators of the call's organization):
// ranks every holding, advances each one's best N into the next stage,
// stores the results and the report, and tells those who advanced. A
// second close is a Conflict; the stage row's update decides under races.
func (s *Service) Close(ctx context.Context, u *auth.User, callID, stageID int64) (*CloseResult, error) {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	if st.Closed() {
		return nil, errs.New(errs.Conflict, "calls.error.already_closed")
	}
	for _, prev := range c.Stages {
		if prev.Position < st.Position && !prev.Closed() {
			return nil, errs.New(errs.Conflict, "calls.error.previous_open")
		}
	}
	next := c.Next(st)
	res := &CloseResult{}
	var sent []int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		r, err := tx.Exec(ctx, "UPDATE call_stages SET closed_at = ? WHERE id = ? AND closed_at IS NULL", tx.Now, stageID)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			if err != nil {
				return err
			}
			return errs.New(errs.Conflict, "calls.error.already_closed")
		}
		cp, err := compute(ctx, tx, st)
		if err != nil {
			return err
		}
		if err := storeResults(ctx, tx, st, cp); err != nil {
			return err
		}
		adv := cp.adv.AdvancedIDs()
		for _, a := range adv {
			id, _ := strconv.ParseInt(a, 10, 64)
			res.Advanced = append(res.Advanced, id)
		}
		res.Ties = cp.adv.CutoffTies()
		res.Report = cp.report
		if next != nil {
			if err := enter(ctx, tx, st, next, cp, adv); err != nil {
				return err
			}
		}
		if sent, err = s.notify(ctx, tx, c, st, next, res.Advanced, "advanced"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "calls.stage.close", TargetType: "call_stage",
			TargetID: strconv.FormatInt(stageID, 10), OrgID: c.OrgID, After: map[string]any{"advanced": adv}})
	})
	if err != nil {
		return nil, err
	}
	if s.Outbox != nil {
		s.Outbox.Send(sent)
	}
	return res, nil
}

// enter puts advanced applications into the next stage, in one statement
// per 500.
func enter(ctx context.Context, tx *db.Tx, st, next *Stage, cp *computed, ids []string) error {
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		var b strings.Builder
		args := make([]any, 0, 3*len(chunk))
		b.WriteString("INSERT INTO call_entries (stage_id, application_id, holding_id) VALUES ")
		for k, a := range chunk {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			id, _ := strconv.ParseInt(a, 10, 64)
			args = append(args, next.ID, id, nextHolding(st, next, cp.holding[a]))
		}
		b.WriteString(" ON CONFLICT (stage_id, application_id) DO NOTHING")
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("calls: enter the next stage: %w", err)
		}
	}
	return nil
}

// notify queues a message to everyone in the applications ids (the
// applicant and a team's confirmed members), each written in their
// language when it is sent: "advanced" (to the next stage, or among the
// winners after the last) or "backfilled" (moved up in place of one who
// declined). Those of a holding whose results are published later are
// told then.
func (s *Service) notify(ctx context.Context, tx *db.Tx, c *Call, st, next *Stage, ids []int64, what string) ([]int64, error) {
	if s.Outbox == nil || len(ids) == 0 || s.Catalog == nil {
		return nil, nil
	}
	if next == nil && what == "advanced" {
		what = "winner"
	}
	var ns []notice
	for _, chunk := range chunks(ids, 500) {
		// call_participants holds the applicant and every confirmed member.
		rows, err := tx.Query(ctx, `SELECT p.user_id, p.application_id, e.holding_id FROM call_participants p JOIN users u ON u.id = p.user_id
			JOIN call_entries e ON e.application_id = p.application_id AND e.stage_id = ?
			WHERE p.application_id IN (`+db.Placeholders(len(chunk))+`) AND u.deleted_at IS NULL ORDER BY p.application_id, p.user_id`,
			append([]any{st.ID}, db.Args(chunk)...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var uid, app, holding int64
			if err := rows.Scan(&uid, &app, &holding); err != nil {
				rows.Close()
				return nil, err
			}
			var due time.Time // told when their holding's results are public
			if h := st.HostOf(holding); h != nil && h.PublishAt != nil {
				due = *h.PublishAt
			}
			ns = append(ns, notice{What: what, UserID: uid, CallID: c.ID, StageID: st.ID, AppID: app, Due: due})
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return s.addNotices(ctx, tx, ns)
}

func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for i := 0; i < len(ids); i += n {
		out = append(out, ids[i:min(i+n, len(ids))])
	}
	return out
}

// Decline records that the applicant gives up their place at a stage:
// before the stage closes they are passed over; after it, the next in
// their holding's order moves up (and is told), and the declined
// application leaves the next stage.
func (s *Service) Decline(ctx context.Context, u *auth.User, applicationID, stageID int64) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	a, err := s.Application(ctx, applicationID)
	if err != nil {
		return err
	}
	if a.UserID != u.ID {
		return errs.New(errs.Forbidden, "error.403.text")
	}
	c, st, err := s.stageOf(ctx, a.CallID, stageID)
	if err != nil {
		return err
	}
	next := c.Next(st)
	if next != nil && next.Closed() {
		return errs.New(errs.Conflict, "calls.error.stage_closed")
	}
	var sent []int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var closed db.Time
		if err := tx.QueryRow(ctx, "SELECT closed_at FROM call_stages WHERE id = ?"+tx.ForUpdate(), stageID).Scan(&closed); err != nil {
			return err
		}
		var in bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_entries WHERE stage_id = ? AND application_id = ?)", stageID, applicationID).Scan(&in); err != nil {
			return err
		}
		if !in {
			return errs.New(errs.Conflict, "calls.error.not_in_stage")
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO call_declines (stage_id, application_id, declined_at) VALUES (?, ?, ?)
			ON CONFLICT (stage_id, application_id) DO NOTHING RETURNING application_id`, stageID, applicationID, tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "calls.error.already_declined")
		}
		if err != nil {
			return err
		}
		if !closed.Valid {
			return nil
		}
		before, err := db.ScanIDs(tx.Query(ctx, "SELECT application_id FROM call_results WHERE stage_id = ? AND status = 'advanced'", stageID))
		if err != nil {
			return err
		}
		cp, err := compute(ctx, tx, st)
		if err != nil {
			return err
		}
		if err := storeResults(ctx, tx, st, cp); err != nil {
			return err
		}
		was := map[int64]bool{}
		for _, b := range before {
			was[b] = true
		}
		var moved []int64
		var movedS []string
		for _, x := range cp.adv.AdvancedIDs() {
			id, _ := strconv.ParseInt(x, 10, 64)
			if !was[id] {
				moved = append(moved, id)
				movedS = append(movedS, x)
			}
		}
		if next != nil {
			for _, q := range []string{"DELETE FROM call_assignments WHERE stage_id = ? AND application_id = ?",
				"DELETE FROM call_entries WHERE stage_id = ? AND application_id = ?"} {
				if _, err := tx.Exec(ctx, q, next.ID, applicationID); err != nil {
					return err
				}
			}
			if err := enter(ctx, tx, st, next, cp, movedS); err != nil {
				return err
			}
		}
		sent, err = s.notify(ctx, tx, c, st, next, moved, "backfilled")
		return err
	})
	if err != nil {
		return err
	}
	if s.Outbox != nil {
		s.Outbox.Send(sent)
	}
	return nil
}

// Result is one application's place at a closed stage.
type Result struct {
	ApplicationID int64
	UserID        int64
	Name          string
	Hidden        bool
	HoldingID     int64
	Rank          int
	Score         float64
	RawScore      float64
	Status        string
	InPlaceOf     int64
}

// Advanced reports whether the application advanced.
func (r *Result) Advanced() bool { return r.Status == selection.StatusAdvanced }

func (s *Service) resultOf(ctx context.Context, stageID, appID int64) (*Result, error) {
	rs, err := s.results(ctx, "r.stage_id = ? AND r.application_id = ?", stageID, appID)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// Results returns a closed stage's results, by holding and rank, with its
// report; Conflict before the stage closes.
func (s *Service) Results(ctx context.Context, callID, stageID int64) (*Call, *Stage, []Result, *Report, error) {
	c, st, err := s.stageOf(ctx, callID, stageID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if !st.Closed() {
		return c, st, nil, nil, errs.New(errs.Conflict, "calls.error.not_closed")
	}
	rs, err := s.results(ctx, "r.stage_id = ?", stageID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var body string
	if err := s.DB.QueryRow(ctx, "SELECT report FROM call_stages WHERE id = ?", stageID).Scan(&body); err != nil {
		return nil, nil, nil, nil, err
	}
	rep := &Report{}
	if body != "" {
		if err := json.Unmarshal([]byte(body), rep); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return c, st, rs, rep, nil
}

func (s *Service) results(ctx context.Context, where string, args ...any) ([]Result, error) {
	rows, err := s.DB.Query(ctx, `SELECT r.application_id, a.user_id, u.name, u.hidden, r.holding_id, r.rank, r.score, r.raw_score, r.status,
		COALESCE(r.in_place_of, 0) FROM call_results r JOIN call_applications a ON a.id = r.application_id JOIN users u ON u.id = a.user_id
		WHERE `+where+` ORDER BY r.holding_id, r.rank`, args...)
	if err != nil {
		return nil, fmt.Errorf("calls: results: %w", err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		var r Result
		if err := rows.Scan(&r.ApplicationID, &r.UserID, &r.Name, &r.Hidden, &r.HoldingID, &r.Rank, &r.Score, &r.RawScore, &r.Status, &r.InPlaceOf); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// NamesFor reports whether u may see the names of a call's applicants:
// members of the call's organization and its officers (as its member
// list); guests and others see application numbers only.
func (s *Service) NamesFor(ctx context.Context, u *auth.User, c *Call) (names, hidden bool) {
	r, err := s.Auth.RoleIn(ctx, u, c.OrgID)
	if err != nil {
		return false, false
	}
	return r >= auth.Member, r >= auth.Moderator
}

// --- what the awards component needs (certificates for a call)

// Person is someone who took part in a call.
type Person struct {
	UserID int64
	Name   string
}

// Winner is a person with their place at the call's last closed stage.
type Winner struct {
	Person
	Place     int
	HoldingID int64
}

// Participants lists everyone who applied to call id, by name: the
// applicants and the team members who confirmed.
func (s *Service) Participants(ctx context.Context, callID int64) ([]Person, error) {
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.name FROM users u WHERE u.id IN (SELECT user_id FROM call_applications WHERE call_id = ?
		UNION SELECT user_id FROM call_participants WHERE call_id = ?) AND u.deleted_at IS NULL ORDER BY u.name, u.id`, callID, callID)
	if err != nil {
		return nil, fmt.Errorf("calls: participants: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.UserID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Winners lists who advanced at the call's last closed stage, with their
// place (rank within their holding), best first. Empty until a stage has
// closed.
func (s *Service) Winners(ctx context.Context, callID int64) ([]Winner, error) {
	c, err := s.Get(ctx, callID)
	if err != nil {
		return nil, err
	}
	var last *Stage
	for _, st := range c.Stages {
		if st.Closed() {
			last = st
		}
	}
	if last == nil {
		return nil, nil
	}
	rs, err := s.results(ctx, "r.stage_id = ? AND r.status = 'advanced' AND u.deleted_at IS NULL", last.ID)
	if err != nil {
		return nil, err
	}
	// Places count only those who advanced: a backfill takes the place
	// after the ones above it.
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].HoldingID != rs[j].HoldingID {
			return rs[i].HoldingID < rs[j].HoldingID
		}
		return rs[i].Rank < rs[j].Rank
	})
	var out []Winner
	place, holding := 0, int64(-1)
	for _, r := range rs {
		if r.HoldingID != holding {
			place, holding = 0, r.HoldingID
		}
		place++
		out = append(out, Winner{Person: Person{UserID: r.UserID, Name: r.Name}, Place: place, HoldingID: r.HoldingID})
		if c.Team() { // a team wins together: its members who confirmed share the place
			members, err := s.Team(ctx, r.ApplicationID)
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				if m.Status == "confirmed" && m.UserID != 0 {
					out = append(out, Winner{Person: Person{UserID: m.UserID, Name: m.Name}, Place: place, HoldingID: r.HoldingID})
				}
			}
		}
	}
	return out, nil
}
