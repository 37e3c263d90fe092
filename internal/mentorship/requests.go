package mentorship

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/matching"
)

// Request is a young person's request for a mentor.
type Request struct {
	ID          int64
	PoolID      int64
	UserID      int64
	Spheres     []string
	Languages   []string
	Region      string
	Mode        string
	Goal        string
	Preferences []int64
	OnlyRanked  bool
	Status      string // open, direct, matched, closed
	LastRoundID int64  // the last round that left it unmatched (0: none)
	CreatedAt   time.Time
	// Why is why the last round left it unmatched (empty: not in a round
	// yet, or matched).
	Why []matching.Reason
}

// RequestIn is what a young person asks for.
type RequestIn struct {
	Spheres     []string
	Languages   []string
	Mode        string
	Goal        string
	Preferences []int64 // mentor ids, best first
	OnlyRanked  bool
}

// Eligible returns nil when u may ask for a mentor in pool p, else an
// error saying why.
func (s *Service) Eligible(u *auth.User, p *Pool, now time.Time) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "auth.consent_required")
	}
	if p.AgeMin > 0 || p.AgeMax > 0 {
		age := auth.AgeOf(u, now)
		switch {
		case age < 0:
			return errs.New(errs.Forbidden, "mentorship.ineligible.age_unknown")
		case p.AgeMin > 0 && age < p.AgeMin:
			return errs.New(errs.Forbidden, "mentorship.ineligible.too_young", "min", p.AgeMin)
		case p.AgeMax > 0 && age > p.AgeMax:
			return errs.New(errs.Forbidden, "mentorship.ineligible.too_old", "max", p.AgeMax)
		}
	}
	if len(p.Regions) > 0 && !slices.Contains(p.Regions, u.Region) {
		return errs.New(errs.Forbidden, "mentorship.ineligible.region")
	}
	return nil
}

func (in *RequestIn) validate(p *Pool) error {
	var fs errs.Fields
	in.Spheres = checkSpheres(&fs, p, in.Spheres)
	in.Languages = checkLanguages(&fs, in.Languages)
	checkMode(&fs, &in.Mode)
	in.Goal = strings.TrimSpace(in.Goal)
	checkText(&fs, "goal", in.Goal, MaxGoal, true)
	if len(in.Preferences) > MaxPreferences {
		fs.Add("preferences", "mentorship.error.too_many_preferences", "max", MaxPreferences)
	}
	var prefs []int64
	for _, id := range in.Preferences {
		if !slices.Contains(prefs, id) {
			prefs = append(prefs, id)
		}
	}
	in.Preferences = prefs
	if in.Preferences == nil {
		in.Preferences = []int64{}
	}
	return fs.Err()
}

// checkPreferences refuses mentors who are not approved mentors of the pool.
func checkPreferences(ctx context.Context, tx *db.Tx, poolID int64, prefs []int64) error {
	if len(prefs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM mentors WHERE pool_id = ? AND status IN ('approved', 'paused') AND id IN (`+
		db.Placeholders(len(prefs))+`)`, append([]any{poolID}, db.Args(prefs)...)...)
	ids, err := db.ScanIDs(rows, err)
	if err != nil {
		return err
	}
	for _, id := range prefs {
		if !slices.Contains(ids, id) {
			return errs.Fields{{Name: "preferences", Key: "mentorship.error.unknown_mentor", Args: []any{"id", id}}}.Err()
		}
	}
	return nil
}

// Ask files u's request for a mentor in pool poolID: it waits for the
// next round. A second open request in the same pool is a conflict.
func (s *Service) Ask(ctx context.Context, u *auth.User, poolID int64, in RequestIn) (*Request, error) {
	return s.ask(ctx, u, poolID, 0, in)
}

// AskMentor asks mentor mentorID directly: the request waits for the
// mentor's answer (a proposed mentorship that holds no seat yet); if the
// mentor declines, it goes back to the rounds.
func (s *Service) AskMentor(ctx context.Context, u *auth.User, mentorID int64, in RequestIn) (*Request, int64, error) {
	m, err := s.Mentor(ctx, mentorID)
	if err != nil {
		return nil, 0, err
	}
	if m.Status != "approved" {
		return nil, 0, errs.New(errs.Conflict, "mentorship.error.mentor_unavailable")
	}
	if u != nil && m.UserID == u.ID {
		return nil, 0, errs.New(errs.Conflict, "mentorship.error.own_mentor")
	}
	in.Preferences = []int64{mentorID}
	r, err := s.ask(ctx, u, m.PoolID, mentorID, in)
	if err != nil {
		return nil, 0, err
	}
	var msID int64
	err = s.db.QueryRow(ctx, `SELECT id FROM mentorships WHERE request_id = ?`, r.ID).Scan(&msID)
	return r, msID, err
}

func (s *Service) ask(ctx context.Context, u *auth.User, poolID, direct int64, in RequestIn) (*Request, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if err := s.Eligible(u, p, s.db.Now()); err != nil {
		return nil, err
	}
	if err := in.validate(p); err != nil {
		return nil, err
	}
	status := "open"
	if direct != 0 {
		status = "direct"
	}
	var sent []int64
	r := &Request{PoolID: p.ID, UserID: u.ID, Spheres: in.Spheres, Languages: in.Languages, Region: u.Region, Mode: in.Mode,
		Goal: in.Goal, Preferences: in.Preferences, OnlyRanked: in.OnlyRanked && len(in.Preferences) > 0, Status: status}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// A mentor of the pool does not ask in it: a round could pair them
		// with themselves.
		if ok, err := tx.Exists(ctx, `SELECT 1 FROM mentors WHERE pool_id = ? AND user_id = ? AND status <> 'rejected'`, p.ID, u.ID); err != nil {
			return err
		} else if ok {
			return errs.New(errs.Conflict, "mentorship.error.mentor_asks")
		}
		if err := checkPreferences(ctx, tx, p.ID, in.Preferences); err != nil {
			return err
		}
		r.CreatedAt = tx.Now
		err := tx.QueryRow(ctx, `INSERT INTO mentor_requests (pool_id, user_id, spheres, languages, region, mode, goal, preferences,
			only_ranked, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
			p.ID, u.ID, mustJSON(r.Spheres), mustJSON(r.Languages), r.Region, r.Mode, r.Goal, mustJSON(r.Preferences), r.OnlyRanked,
			status, tx.Now).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "mentorship.error.request_open")
		}
		if err != nil {
			return err
		}
		if direct == 0 {
			return nil
		}
		var msID, mentorUser int64
		if err := tx.QueryRow(ctx, `INSERT INTO mentorships (pool_id, mentor_id, mentee_id, request_id, status, seat, reasons, created_at,
			updated_at, last_activity_at) VALUES (?, ?, ?, ?, 'proposed', FALSE, '[{"code":"asked_directly"}]', ?, ?, ?) RETURNING id`,
			p.ID, direct, u.ID, r.ID, tx.Now, tx.Now, tx.Now).Scan(&msID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT user_id FROM mentors WHERE id = ?`, direct).Scan(&mentorUser); err != nil {
			return err
		}
		sent, err = s.notify(ctx, tx, notice(msID, mentorUser, noticeAsked))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mentorship: ask: %w", err)
	}
	s.send(sent)
	return r, nil
}

const requestCols = `r.id, r.pool_id, r.user_id, r.spheres, r.languages, r.region, r.mode, r.goal, r.preferences, r.only_ranked,
	r.status, COALESCE(x.round_id, 0), r.created_at, COALESCE(x.reasons, '[]')`

func scanRequest(sc scanner) (*Request, error) {
	var r Request
	var spheres, langs, prefs, why string
	var at db.Time
	if err := sc.Scan(&r.ID, &r.PoolID, &r.UserID, &spheres, &langs, &r.Region, &r.Mode, &r.Goal, &prefs, &r.OnlyRanked, &r.Status,
		&r.LastRoundID, &at, &why); err != nil {
		return nil, err
	}
	r.Spheres = unJSON[[]string](spheres)
	r.Languages = unJSON[[]string](langs)
	r.Preferences = unJSON[[]int64](prefs)
	r.Why = unJSON[[]matching.Reason](why)
	r.CreatedAt = at.Time
	return &r, nil
}

// RequestOf returns u's current request in pool poolID (open, direct or
// matched), or nil.
func (s *Service) RequestOf(ctx context.Context, u *auth.User, poolID int64) (*Request, error) {
	if u == nil {
		return nil, nil
	}
	r, err := scanRequest(s.db.QueryRow(ctx, `SELECT `+requestCols+` FROM mentor_requests r
		LEFT JOIN mentor_round_misses x ON x.request_id = r.id AND x.round_id = (SELECT MAX(id) FROM mentor_rounds w
			WHERE w.pool_id = r.pool_id AND w.finished_at IS NOT NULL)
		WHERE r.pool_id = ? AND r.user_id = ? AND r.status IN ('open', 'direct', 'matched')`, poolID, u.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Withdraw closes u's own open request.
func (s *Service) Withdraw(ctx context.Context, u *auth.User, requestID int64) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE mentor_requests SET status = 'closed' WHERE id = ? AND user_id = ? AND status = 'open'`, requestID, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound()
		}
		return nil
	})
}
