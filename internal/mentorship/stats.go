package mentorship

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Count is one line of the organizer's tables.
type Count struct {
	Key      string
	Mentors  int
	Seats    int
	Requests int
}

// Stats is the organizer's view of a pool.
type Stats struct {
	Mentors, Pending, Paused, Seats, Free int
	BySphere, ByRegion                    []Count
	Requests                              int // every request but withdrawn ones
	Waiting                               int // open (or asking one mentor) without a live mentorship
	Matched                               int // requests that got a mentor (proposed or later)
	MatchedPct                            int
	Proposed, Active, Quiet, Completed    int
	Declined, Cancelled                   int
}

// Stats counts pool poolID for its organizers.
func (s *Service) Stats(ctx context.Context, u *auth.User, poolID int64) (*Stats, *Pool, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.auth.Require(ctx, u, p.OrgID, auth.Moderator); err != nil {
		return nil, nil, err
	}
	st := &Stats{}
	spheres, regions := map[string]*Count{}, map[string]*Count{}
	get := func(m map[string]*Count, k string) *Count {
		if m[k] == nil {
			m[k] = &Count{Key: k}
		}
		return m[k]
	}
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT status, capacity, taken, spheres, region FROM mentors WHERE pool_id = ?`, p.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var status, sp, region string
			var capacity, taken int
			if err := rows.Scan(&status, &capacity, &taken, &sp, &region); err != nil {
				rows.Close()
				return err
			}
			switch status {
			case "pending":
				st.Pending++
				continue
			case "paused":
				st.Paused++
				continue
			case "rejected":
				continue
			}
			st.Mentors++
			st.Seats += capacity
			st.Free += capacity - taken
			for _, k := range unJSON[[]string](sp) {
				c := get(spheres, k)
				c.Mentors++
				c.Seats += capacity
			}
			c := get(regions, region)
			c.Mentors++
			c.Seats += capacity
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT r.status, r.spheres, r.region, EXISTS (SELECT 1 FROM mentorships s WHERE s.request_id = r.id
			AND s.status NOT IN ('declined', 'cancelled')) FROM mentor_requests r WHERE r.pool_id = ? AND r.status <> 'closed'
			UNION ALL SELECT r.status, r.spheres, r.region, TRUE FROM mentor_requests r WHERE r.pool_id = ? AND r.status = 'closed'
			AND EXISTS (SELECT 1 FROM mentorships s WHERE s.request_id = r.id AND s.status = 'completed')`, p.ID, p.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var status, sp, region string
			var matched bool
			if err := rows.Scan(&status, &sp, &region, &matched); err != nil {
				rows.Close()
				return err
			}
			st.Requests++
			if matched {
				st.Matched++
			} else {
				st.Waiting++
			}
			for _, k := range unJSON[[]string](sp) {
				get(spheres, k).Requests++
			}
			get(regions, region).Requests++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT
			COUNT(CASE WHEN status = 'proposed' THEN 1 END),
			COUNT(CASE WHEN status IN ('accepted', 'active') THEN 1 END),
			COUNT(CASE WHEN status IN ('accepted', 'active') AND last_activity_at < ? THEN 1 END),
			COUNT(CASE WHEN status = 'completed' THEN 1 END),
			COUNT(CASE WHEN status = 'declined' THEN 1 END),
			COUNT(CASE WHEN status = 'cancelled' THEN 1 END)
			FROM mentorships WHERE pool_id = ?`, tx.Now.Add(-QuietAfter), p.ID).Scan(&st.Proposed, &st.Active, &st.Quiet,
			&st.Completed, &st.Declined, &st.Cancelled)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("mentorship: stats: %w", err)
	}
	if st.Requests > 0 {
		st.MatchedPct = (100*st.Matched + st.Requests/2) / st.Requests
	}
	st.BySphere, st.ByRegion = sorted(spheres), sorted(regions)
	return st, p, nil
}

// IsParticipant reports whether person took part in a completed
// mentorship of a pool of organization orgID (mentor or mentee): awards
// may then name them (awards.RecipientSource).
func (s *Service) IsParticipant(ctx context.Context, orgID, person int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mentorships s JOIN mentor_pools p ON p.id = s.pool_id
		JOIN mentors m ON m.id = s.mentor_id WHERE p.org_id = ? AND s.status = 'completed' AND (s.mentee_id = ? OR m.user_id = ?))`,
		orgID, person, person).Scan(&ok)
	return ok, err
}

// Certificates issues, through awards, a certificate to the mentee and a
// letter of thanks to the mentor of every completed mentorship of the
// pool not yet awarded. It returns how many awards were issued.
func (s *Service) Certificates(ctx context.Context, u *auth.User, poolID int64) (int, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, u, p.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	if s.awards == nil {
		return 0, errs.New(errs.Conflict, "mentorship.error.no_awards")
	}
	rows, err := s.db.Query(ctx, `SELECT s.id, s.mentee_id, m.user_id FROM mentorships s JOIN mentors m ON m.id = s.mentor_id
		WHERE s.pool_id = ? AND s.status = 'completed' AND s.awarded = FALSE ORDER BY s.id LIMIT 2000`, p.ID)
	if err != nil {
		return 0, err
	}
	var msIDs []int64
	var mentees, mentors []awards.Recipient
	seen := map[int64]bool{}
	for rows.Next() {
		var id, mentee, mentor int64
		if err := rows.Scan(&id, &mentee, &mentor); err != nil {
			rows.Close()
			return 0, err
		}
		msIDs = append(msIDs, id)
		mentees = append(mentees, awards.Recipient{PersonID: mentee})
		if !seen[mentor] {
			seen[mentor] = true
			mentors = append(mentors, awards.Recipient{PersonID: mentor})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(msIDs) == 0 {
		return 0, errs.New(errs.Conflict, "mentorship.error.nothing_to_award")
	}
	title := func(key string) certificate.Text {
		t := func(l i18n.Lang) string {
			return strings.TrimSpace(s.catalog.Printer(l).T(key, "pool", p.Title.In(l)))
		}
		return certificate.Text{KK: t(i18n.KK), RU: t(i18n.RU), EN: t(i18n.EN)}
	}
	n := 0
	for _, b := range []awards.Batch{
		{OrgID: p.OrgID, Kind: certificate.Certificate, Title: title("mentorship.award.mentee"), Recipients: mentees},
		{OrgID: p.OrgID, Kind: certificate.Thanks, Title: title("mentorship.award.mentor"), Recipients: mentors},
	} {
		issued, err := s.awards.IssueTrusted(ctx, b)
		if err != nil {
			return n, err
		}
		n += len(issued)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE mentorships SET awarded = TRUE WHERE id IN (`+db.Placeholders(len(msIDs))+`)`, db.Args(msIDs)...); err != nil {
			return err
		}
		return recordAward(ctx, tx, u.ID, p, n)
	})
	return n, err
}

// sorted lists counts, the largest first.
func sorted(m map[string]*Count) []Count {
	var list []Count
	for _, c := range m {
		list = append(list, *c)
	}
	sort.Slice(list, func(i, j int) bool {
		if a, b := list[i].Mentors+list[i].Requests, list[j].Mentors+list[j].Requests; a != b {
			return a > b
		}
		return list[i].Key < list[j].Key
	})
	return list
}

func recordAward(ctx context.Context, tx *db.Tx, actor int64, p *Pool, n int) error {
	return audit.Record(ctx, tx, audit.Entry{ActorID: actor, Action: "mentorship.certificates", TargetType: "mentor_pool",
		TargetID: fmt.Sprint(p.ID), OrgID: p.OrgID, After: map[string]int{"awards": n}})
}

// ExportRow is one mentorship in the organizer's export.
type ExportRow struct {
	ID                    int64
	Mentor, Mentee        string
	Spheres               []string
	Region                string
	Status                string
	Sessions, Minutes     int
	Created, LastActivity time.Time
}

// ExportRows lists a pool's mentorships for its organizers.
func (s *Service) ExportRows(ctx context.Context, u *auth.User, poolID int64) ([]ExportRow, *Pool, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.auth.Require(ctx, u, p.OrgID, auth.Moderator); err != nil {
		return nil, nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT s.id, mu.name, eu.name, r.spheres, r.region, s.status,
		(SELECT COUNT(*) FROM mentorship_sessions x WHERE x.mentorship_id = s.id),
		(SELECT COALESCE(SUM(x.minutes), 0) FROM mentorship_sessions x WHERE x.mentorship_id = s.id), s.created_at, s.last_activity_at
		FROM mentorships s JOIN mentors m ON m.id = s.mentor_id JOIN users mu ON mu.id = m.user_id JOIN users eu ON eu.id = s.mentee_id
		JOIN mentor_requests r ON r.id = s.request_id WHERE s.pool_id = ? ORDER BY s.id`, p.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []ExportRow
	for rows.Next() {
		var x ExportRow
		var sp string
		var c, a db.Time
		if err := rows.Scan(&x.ID, &x.Mentor, &x.Mentee, &sp, &x.Region, &x.Status, &x.Sessions, &x.Minutes, &c, &a); err != nil {
			return nil, nil, err
		}
		x.Spheres = unJSON[[]string](sp)
		x.Created, x.LastActivity = c.Time, a.Time
		out = append(out, x)
	}
	return out, p, rows.Err()
}
