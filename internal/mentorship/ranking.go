package mentorship

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Limits of a mentor's ranking.
const (
	MaxRanking    = 30 // requests a mentor may rank
	MaxCandidates = 60 // requests the ranking page shows
)

// Candidate is an open request a mentor could be matched with, as the
// mentor sees it: what the young person wrote on the request (spheres,
// languages, how they meet, their goal) and when they asked — no name,
// no contact, no region (only whether it is the mentor's own).
type Candidate struct {
	RequestID    int64
	Spheres      []string
	Languages    []string
	Mode         string
	SameRegion   bool
	Goal         string
	WaitingSince time.Time
	Fit          int
	NamedYou     bool // the young person put this mentor on their own list
	Rank         int  // 1-based place in the mentor's ranking; 0: not ranked
}

// candidate is a request row with what the rules need.
type candidate struct {
	Candidate
	region     string
	prefs      []int64
	onlyRanked bool
	userID     int64
}

// meets applies the round's hard constraints (matching's acceptability):
// a shared language, and a way to meet (both online, or both in person in
// the same region); a request that wants only its own list of mentors is
// out unless the mentor is on it.
func (c *candidate) meets(m *Mentor) bool {
	if c.userID == m.UserID {
		return false
	}
	shared := false
	for _, l := range c.Languages {
		if slices.Contains(m.Languages, l) {
			shared = true
			break
		}
	}
	if !shared {
		return false
	}
	online := c.Mode != "in_person" && m.Mode != "in_person"
	inPerson := c.Mode != "online" && m.Mode != "online" && m.Region != "" && c.region == m.Region
	if !online && !inPerson {
		return false
	}
	return !c.onlyRanked || len(c.prefs) == 0 || slices.Contains(c.prefs, m.ID)
}

// fit is matching's fit: 4 × shared spheres + 2 × same region + 1 × the
// mentor speaks the mentee's first language.
func (c *candidate) fit(m *Mentor) int {
	f := 0
	for _, s := range c.Spheres {
		if slices.Contains(m.Spheres, s) {
			f += 4
		}
	}
	if c.region != "" && c.region == m.Region {
		f += 2
	}
	if len(c.Languages) > 0 && slices.Contains(m.Languages, c.Languages[0]) {
		f++
	}
	return f
}

// rankingMentor is actor's mentor record in pool poolID, if they may rank.
func (s *Service) rankingMentor(ctx context.Context, actor *auth.User, poolID int64) (*Mentor, error) {
	if actor == nil || actor.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if actor.Limited() {
		return nil, errs.New(errs.ConsentRequired, "auth.consent_required")
	}
	if _, err := s.Pool(ctx, poolID); err != nil {
		return nil, err
	}
	m, err := s.MentorOf(ctx, actor, poolID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errs.New(errs.Forbidden, "mentorship.error.not_mentor")
	}
	if m.Status != "approved" && m.Status != "paused" {
		return nil, errs.New(errs.Conflict, "mentorship.error.not_approved")
	}
	return m, nil
}

const openRequestSQL = `SELECT r.id, r.user_id, r.spheres, r.languages, r.region, r.mode, r.goal, r.preferences, r.only_ranked, r.created_at
	FROM mentor_requests r JOIN users u ON u.id = r.user_id
	WHERE r.pool_id = ? AND r.status = 'open' AND u.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM mentorships s
	WHERE s.request_id = r.id AND s.status IN ('proposed', 'accepted', 'active'))`

// openRequests reads those of ids that are open requests of the mentor's
// pool and that no live mentorship holds.
func openRequests(ctx context.Context, tx *db.Tx, m *Mentor, ids []int64) (map[int64]*candidate, error) {
	out := map[int64]*candidate{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, openRequestSQL+` AND r.id IN (`+db.Placeholders(len(ids))+`)`, append([]any{m.PoolID}, db.Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	return out, scanCandidates(rows, func(c *candidate) { out[c.RequestID] = c })
}

func scanCandidates(rows *sql.Rows, add func(*candidate)) error {
	defer rows.Close()
	for rows.Next() {
		var c candidate
		var spheres, langs, prefs string
		var at db.Time
		if err := rows.Scan(&c.RequestID, &c.userID, &spheres, &langs, &c.region, &c.Mode, &c.Goal, &prefs, &c.onlyRanked, &at); err != nil {
			return err
		}
		c.Spheres, c.Languages, c.prefs, c.WaitingSince = unJSON[[]string](spheres), unJSON[[]string](langs), unJSON[[]int64](prefs), at.Time
		add(&c)
	}
	return rows.Err()
}

// jsonHas is a LIKE test of a JSON list column (as mustJSON writes it, no
// spaces) holding value v, with its arguments: a string v is quoted, a
// number is matched at the start, middle or end of the list.
func jsonHas(col string, v any) (string, []any) {
	if s, ok := v.(string); ok {
		return col + ` LIKE ?`, []any{`%"` + s + `"%`}
	}
	n := fmt.Sprint(v)
	return `(` + col + ` = ? OR ` + col + ` LIKE ? OR ` + col + ` LIKE ? OR ` + col + ` LIKE ?)`,
		[]any{`[` + n + `]`, `[` + n + `,%`, `%,` + n + `,%`, `%,` + n + `]`}
}

// bestRequests reads the limit best open requests for mentor m, leaving
// out skip: the round's hard constraints (meets) and the order (named the
// mentor, fit, waiting since) are in the SQL, so that a pool of 20,000
// requests is not read row by row into Go; meets checks again.
func bestRequests(ctx context.Context, tx *db.Tx, m *Mentor, limit int, skip []int64) ([]*candidate, error) {
	q, args := openRequestSQL+` AND r.user_id <> ?`, []any{m.PoolID, m.UserID}
	var or []string
	for _, l := range m.Languages {
		c, a := jsonHas("r.languages", l)
		or, args = append(or, c), append(args, a...)
	}
	if len(or) == 0 {
		return nil, nil
	}
	q += ` AND (` + strings.Join(or, ` OR `) + `)`
	var meet []string
	if m.Mode != "in_person" {
		meet = append(meet, `r.mode <> 'in_person'`)
	}
	if m.Mode != "online" && m.Region != "" {
		meet = append(meet, `(r.mode <> 'online' AND r.region = ?)`)
		args = append(args, m.Region)
	}
	if len(meet) == 0 {
		return nil, nil
	}
	q += ` AND (` + strings.Join(meet, ` OR `) + `)`
	named, namedArgs := jsonHas("r.preferences", m.ID)
	q += ` AND (r.only_ranked = FALSE OR r.preferences = '[]' OR ` + named + `)`
	args = append(args, namedArgs...)
	if len(skip) > 0 {
		q += ` AND r.id NOT IN (` + db.Placeholders(len(skip)) + `)`
		args = append(args, db.Args(skip)...)
	}
	// fit = 4 × shared spheres + 2 × same region + 1 × the mentor speaks
	// the request's first language (matching's Fit).
	fit := []string{`CASE WHEN r.region = ? AND r.region <> '' THEN 2 ELSE 0 END`}
	fitArgs := []any{m.Region}
	for _, sp := range m.Spheres {
		c, a := jsonHas("r.spheres", sp)
		fit, fitArgs = append(fit, `CASE WHEN `+c+` THEN 4 ELSE 0 END`), append(fitArgs, a...)
	}
	for _, l := range m.Languages {
		fit, fitArgs = append(fit, `CASE WHEN r.languages LIKE ? THEN 1 ELSE 0 END`), append(fitArgs, `["`+l+`"%`)
	}
	q += ` ORDER BY CASE WHEN ` + named + ` THEN 0 ELSE 1 END, (` + strings.Join(fit, ` + `) + `) DESC, r.created_at, r.id LIMIT ?`
	args = append(append(append(args, namedArgs...), fitArgs...), limit)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []*candidate
	return out, scanCandidates(rows, func(c *candidate) {
		if c.meets(m) {
			out = append(out, c)
		}
	})
}

// Candidates returns actor's mentor record in pool poolID and the open
// requests they could be matched with: the ones they ranked first (in
// their order), then those who named them, then by fit and waiting time,
// at most MaxCandidates.
func (s *Service) Candidates(ctx context.Context, actor *auth.User, poolID int64) (*Mentor, []Candidate, error) {
	m, err := s.rankingMentor(ctx, actor, poolID)
	if err != nil {
		return nil, nil, err
	}
	var out []Candidate
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		var rk string
		if err := tx.QueryRow(ctx, `SELECT ranking FROM mentors WHERE id = ?`, m.ID).Scan(&rk); err != nil {
			return err
		}
		ranked := unJSON[[]int64](rk)
		mine, err := openRequests(ctx, tx, m, ranked)
		if err != nil {
			return err
		}
		best, err := bestRequests(ctx, tx, m, MaxCandidates, ranked)
		if err != nil {
			return err
		}
		var list []*candidate
		for _, c := range mine {
			best = append(best, c)
		}
		for _, c := range best {
			if !c.meets(m) {
				continue
			}
			c.Fit, c.SameRegion = c.fit(m), c.region != "" && c.region == m.Region
			c.NamedYou = slices.Contains(c.prefs, m.ID)
			if i := slices.Index(ranked, c.RequestID); i >= 0 {
				c.Rank = i + 1
			}
			list = append(list, c)
		}
		slices.SortFunc(list, func(a, b *candidate) int {
			switch {
			case (a.Rank > 0) != (b.Rank > 0):
				return map[bool]int{true: -1, false: 1}[a.Rank > 0]
			case a.Rank != b.Rank:
				return a.Rank - b.Rank
			case a.NamedYou != b.NamedYou:
				return map[bool]int{true: -1, false: 1}[a.NamedYou]
			case a.Fit != b.Fit:
				return b.Fit - a.Fit
			case !a.WaitingSince.Equal(b.WaitingSince):
				return a.WaitingSince.Compare(b.WaitingSince)
			}
			return int(a.RequestID - b.RequestID)
		})
		// Renumber: ranked requests matched or withdrawn meanwhile are gone.
		n := 0
		for _, c := range list {
			if c.Rank > 0 {
				n++
				c.Rank = n
			}
			if len(out) < MaxCandidates || c.Rank > 0 {
				out = append(out, c.Candidate)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mentorship: candidates: %w", err)
	}
	return m, out, nil
}

// SetRanking saves actor's own order of open requests in pool poolID (ids
// best first; empty: no preference, fit decides). The next round puts
// them, in this order, before every other mentee in the mentor's
// preferences (matching.Mentor.Ranking). A request that is not open, not
// in the pool, or that the round could never give this mentor (no shared
// language, no way to meet, or the young person wants only other mentors)
// is refused, and nothing changes.
func (s *Service) SetRanking(ctx context.Context, actor *auth.User, poolID int64, ids []int64) ([]int64, error) {
	m, err := s.rankingMentor(ctx, actor, poolID)
	if err != nil {
		return nil, err
	}
	if len(ids) > MaxRanking {
		return nil, errs.Fields{{Name: "ranking", Key: "mentorship.error.too_many", Args: []any{"max", MaxRanking}}}.Err()
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return nil, errs.Fields{{Name: "ranking", Key: "mentorship.error.rank_repeated", Args: []any{"id", fmt.Sprint(id)}}}.Err()
		}
	}
	if ids == nil {
		ids = []int64{}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// The mentor's row is locked first, so that two saves take turns.
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM mentors WHERE id = ?`+tx.ForUpdate(), m.ID).Scan(&status); err != nil {
			return err
		}
		if status != "approved" && status != "paused" {
			return errs.New(errs.Conflict, "mentorship.error.not_approved")
		}
		open, err := openRequests(ctx, tx, m, ids)
		if err != nil {
			return err
		}
		var fs errs.Fields
		for _, id := range ids {
			c, ok := open[id]
			switch {
			case !ok:
				fs.Add("ranking", "mentorship.error.rank_not_open", "id", fmt.Sprint(id))
			case !c.meets(m):
				fs.Add("ranking", "mentorship.error.rank_incompatible", "id", fmt.Sprint(id))
			}
		}
		if err := fs.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE mentors SET ranking = ? WHERE id = ?`, mustJSON(ids), m.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mentorship: ranking: %w", err)
	}
	return ids, nil
}
