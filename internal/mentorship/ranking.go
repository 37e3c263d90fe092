package mentorship

import (
	"context"
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

// openRequests reads the pool's open requests that no live mentorship
// holds, in the mentor's languages (a prefilter; meets decides), or only
// those of ids when ids is not nil.
func openRequests(ctx context.Context, tx *db.Tx, m *Mentor, ids []int64) (map[int64]*candidate, error) {
	q := `SELECT r.id, r.user_id, r.spheres, r.languages, r.region, r.mode, r.goal, r.preferences, r.only_ranked, r.created_at
		FROM mentor_requests r JOIN users u ON u.id = r.user_id
		WHERE r.pool_id = ? AND r.status = 'open' AND u.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM mentorships s
		WHERE s.request_id = r.id AND s.status IN ('proposed', 'accepted', 'active'))`
	args := []any{m.PoolID}
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]*candidate{}, nil
		}
		q += ` AND r.id IN (` + db.Placeholders(len(ids)) + `)`
		args = append(args, db.Args(ids)...)
	} else if len(m.Languages) > 0 {
		var or []string
		for _, l := range m.Languages {
			or = append(or, `r.languages LIKE ?`)
			args = append(args, `%"`+l+`"%`)
		}
		q += ` AND (` + strings.Join(or, ` OR `) + `)`
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*candidate{}
	for rows.Next() {
		var c candidate
		var spheres, langs, prefs string
		var at db.Time
		if err := rows.Scan(&c.RequestID, &c.userID, &spheres, &langs, &c.region, &c.Mode, &c.Goal, &prefs, &c.onlyRanked, &at); err != nil {
			return nil, err
		}
		c.Spheres, c.Languages, c.prefs, c.WaitingSince = unJSON[[]string](spheres), unJSON[[]string](langs), unJSON[[]int64](prefs), at.Time
		out[c.RequestID] = &c
	}
	return out, rows.Err()
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
		all, err := openRequests(ctx, tx, m, nil)
		if err != nil {
			return err
		}
		var list []*candidate
		for _, c := range all {
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
