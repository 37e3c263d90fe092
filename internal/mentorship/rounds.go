package mentorship

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/matching"
)

// Round is a finished matching round.
type Round struct {
	ID         int64
	PoolID     int64
	Seed       uint64
	StartedAt  time.Time
	FinishedAt time.Time
	Matched    int
	Unmatched  int
	// Pairs: request id → mentor id, in request order (RunRound only).
	Pairs []RoundPair
}

// RoundPair is one request matched to one mentor by a round.
type RoundPair struct {
	RequestID int64
	MentorID  int64
}

// RunRound runs a matching round in pool poolID: the open requests and
// the free seats of the approved mentors go to internal/matching, and
// its result is stored: a proposed mentorship that holds a seat for every
// pair, and for every unmatched request why. One round at a time per pool:
// another one asked for meanwhile is refused (409).
func (s *Service) RunRound(ctx context.Context, actor *auth.User, poolID int64) (*Round, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	return s.runRound(ctx, actor.ID, p)
}

func (s *Service) runRound(ctx context.Context, actorID int64, p *Pool) (r *Round, err error) {
	r = &Round{PoolID: p.ID, Seed: db.RandomSeed()}
	// Take the pool's one running slot (the unique index on unfinished
	// rounds), and let go of it if anything fails.
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM mentor_rounds WHERE pool_id = ? AND finished_at IS NULL AND started_at < ?`,
			p.ID, tx.Now.Add(-staleRound)); err != nil {
			return err
		}
		r.StartedAt = tx.Now
		err := tx.QueryRow(ctx, `INSERT INTO mentor_rounds (pool_id, seed, started_by, started_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING RETURNING id`, p.ID, int64(r.Seed), db.NullID(actorID), tx.Now).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "mentorship.error.round_running")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// The round's id is kept apart: on failure the results are (nil, err),
	// and r is nil by the time this runs.
	id := r.ID
	defer func() {
		if err != nil {
			rctx := context.WithoutCancel(ctx)
			if derr := s.db.Write(rctx, func(tx *db.Tx) error {
				_, err := tx.Exec(rctx, `DELETE FROM mentor_rounds WHERE id = ? AND finished_at IS NULL`, id)
				return err
			}); derr != nil {
				s.log.Error("mentorship: release round", "round", id, "err", derr)
			}
		}
	}()

	t0 := time.Now()
	mentors, mentees, owners, err := s.roundInput(ctx, p.ID)
	t1 := time.Now()
	if err != nil {
		return nil, err
	}
	res, err := matching.Solve(mentors, mentees, matching.Options{Seed: r.Seed})
	if err != nil {
		return nil, fmt.Errorf("mentorship: round: %w", err)
	}
	t2 := time.Now()
	err = s.db.Write(ctx, func(tx *db.Tx) error { return s.storeRound(ctx, tx, actorID, p, r, res, owners) })
	s.log.Info("mentorship: round", "pool", p.ID, "round", r.ID, "mentors", len(mentors), "requests", len(mentees),
		"matched", r.Matched, "read", t1.Sub(t0), "solve", t2.Sub(t1), "store", time.Since(t2))
	// The notices of the pairs are queued after the commit, in batches
	// (Notices; the background loop catches up after a crash).
	s.background(func(ctx context.Context) {
		if _, err := s.Notices(ctx); err != nil {
			s.log.Warn("mentorship: notices", "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("mentorship: store round: %w", err)
	}
	return r, nil
}

// roundInput reads the approved mentors with free seats and the open
// requests; owners maps a request to its person.
func (s *Service) roundInput(ctx context.Context, poolID int64) ([]matching.Mentor, []matching.Mentee, map[int64]int64, error) {
	var mentors []matching.Mentor
	var mentees []matching.Mentee
	owners := map[int64]int64{}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		// Full and paused mentors take part with no seats, so that a
		// mentee who ranked them is told so.
		rows, err := tx.Query(ctx, `SELECT id, CASE WHEN status = 'approved' THEN capacity - taken ELSE 0 END, spheres, languages,
			region, mode, ranking FROM mentors WHERE pool_id = ? AND status IN ('approved', 'paused')`, poolID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m matching.Mentor
			var spheres, langs, mode, ranking string
			if err := rows.Scan(&m.ID, &m.Capacity, &spheres, &langs, &m.Region, &mode, &ranking); err != nil {
				return err
			}
			m.Spheres = unJSON[[]string](spheres)
			m.Languages = unJSON[[]string](langs)
			m.Mode, _ = matching.ParseMode(mode)
			m.Ranking = unJSON[[]int64](ranking) // the mentor's own order (ranking.go); stale ids are ignored
			mentors = append(mentors, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		rows, err = tx.Query(ctx, `SELECT id, user_id, spheres, languages, region, mode, preferences, only_ranked, created_at
			FROM mentor_requests r WHERE pool_id = ? AND status = 'open' AND NOT EXISTS (SELECT 1 FROM mentorships s
			WHERE s.request_id = r.id AND s.status IN ('proposed', 'accepted', 'active'))`, poolID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m matching.Mentee
			var user int64
			var spheres, langs, mode, prefs string
			var at db.Time
			if err := rows.Scan(&m.ID, &user, &spheres, &langs, &m.Region, &mode, &prefs, &m.OnlyRanked, &at); err != nil {
				return err
			}
			m.Spheres = unJSON[[]string](spheres)
			m.Languages = unJSON[[]string](langs)
			m.Preferences = unJSON[[]int64](prefs)
			m.Mode, _ = matching.ParseMode(mode)
			m.WaitingSince = at.Time
			owners[m.ID] = user
			mentees = append(mentees, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("mentorship: round input: %w", err)
	}
	return mentors, mentees, owners, nil
}

// insertRows writes rows (each of len(cols) values) in multi-row INSERTs.
func insertRows(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any) error {
	const batch = 400
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(one)
			args = append(args, rows[i]...)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// storeRound writes a round's result. What changed since the input was
// read (a request withdrawn or matched directly, a seat taken by a direct
// acceptance) is respected: such a pair is dropped and the request stays
// in the next round.
func (s *Service) storeRound(ctx context.Context, tx *db.Tx, actorID int64, p *Pool, r *Round, res matching.Result, owners map[int64]int64) error {
	free, users := map[int64]int{}, map[int64]int64{}
	rows, err := tx.Query(ctx, `SELECT id, capacity - taken, user_id FROM mentors WHERE pool_id = ? AND status = 'approved'`+tx.ForUpdate(), p.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, user int64
		var n int
		if err := rows.Scan(&id, &n, &user); err != nil {
			rows.Close()
			return err
		}
		free[id], users[id] = n, user
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT id FROM mentor_requests r WHERE pool_id = ? AND status = 'open' AND NOT EXISTS (SELECT 1
		FROM mentorships s WHERE s.request_id = r.id AND s.status IN ('proposed', 'accepted', 'active'))`+tx.ForUpdateOf("r"), p.ID)
	ids, err := db.ScanIDs(rows, err)
	if err != nil {
		return err
	}
	open := make(map[int64]bool, len(ids))
	for _, id := range ids {
		open[id] = true
	}

	var pairs, misses [][]any
	for _, pr := range res.Pairs {
		if !open[pr.MenteeID] {
			continue
		}
		if free[pr.MentorID] <= 0 || users[pr.MentorID] == owners[pr.MenteeID] {
			// Full meanwhile, or a person who became a mentor of the pool
			// after asking in it: never their own mentor.
			misses = append(misses, []any{r.ID, pr.MenteeID, mustJSON([]matching.Reason{{Code: matching.AllFull, N: 1}})})
			continue
		}
		free[pr.MentorID]--
		r.Pairs = append(r.Pairs, RoundPair{RequestID: pr.MenteeID, MentorID: pr.MentorID})
		pairs = append(pairs, []any{p.ID, pr.MentorID, owners[pr.MenteeID], pr.MenteeID, r.ID, "proposed", true, mustJSON(pr.Reasons),
			tx.Now, tx.Now, tx.Now})
	}
	for _, u := range res.Unmatched {
		if open[u.MenteeID] {
			misses = append(misses, []any{r.ID, u.MenteeID, mustJSON(u.Reasons)})
		}
	}
	if err := insertRows(ctx, tx, "mentorships", []string{"pool_id", "mentor_id", "mentee_id", "request_id", "round_id", "status",
		"seat", "reasons", "created_at", "updated_at", "last_activity_at"}, pairs); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "mentor_round_misses", []string{"round_id", "request_id", "reasons"}, misses); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE mentors SET taken = taken + (SELECT COUNT(*) FROM mentorships s WHERE s.round_id = ? AND s.mentor_id = mentors.id)
		WHERE id IN (SELECT mentor_id FROM mentorships WHERE round_id = ?)`, r.ID, r.ID); err != nil {
		return err
	}
	r.Matched, r.Unmatched, r.FinishedAt = len(pairs), len(misses), tx.Now
	if _, err := tx.Exec(ctx, `UPDATE mentor_rounds SET finished_at = ?, matched = ?, unmatched = ? WHERE id = ?`,
		tx.Now, r.Matched, r.Unmatched, r.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorLabel: map[bool]string{true: "schedule"}[actorID == 0],
		Action: "mentorship.round", TargetType: "mentor_round", TargetID: fmt.Sprint(r.ID), OrgID: p.OrgID,
		After: map[string]any{"matched": r.Matched, "unmatched": r.Unmatched, "seed": fmt.Sprint(r.Seed)}})
}

// Rounds lists a pool's finished rounds, newest first.
func (s *Service) Rounds(ctx context.Context, poolID int64, limit int) ([]Round, error) {
	rows, err := s.db.Query(ctx, `SELECT id, seed, started_at, finished_at, matched, unmatched FROM mentor_rounds
		WHERE pool_id = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?`, poolID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Round
	for rows.Next() {
		r := Round{PoolID: poolID}
		var seed int64
		var st, fin db.Time
		if err := rows.Scan(&r.ID, &seed, &st, &fin, &r.Matched, &r.Unmatched); err != nil {
			return nil, err
		}
		r.Seed, r.StartedAt, r.FinishedAt = uint64(seed), st.Time, fin.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
