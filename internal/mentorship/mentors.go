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
	"github.com/ortaq/ortaq/internal/i18n"
)

// Mentor is one mentor of a pool.
type Mentor struct {
	ID        int64
	PoolID    int64
	UserID    int64
	Name      string
	Spheres   []string
	Languages []string
	Capacity  int
	Taken     int
	Region    string
	Mode      string
	Bio       string
	Status    string // pending, approved, paused, rejected
	CreatedAt time.Time
}

// Free is the number of free seats.
func (m *Mentor) Free() int { return max(m.Capacity-m.Taken, 0) }

// MentorIn is an application to be a mentor, or the organizer's addition
// of one (PersonID set, or Email for an import).
type MentorIn struct {
	PersonID  int64
	Email     string
	Spheres   []string
	Capacity  int
	Languages []string
	Region    string
	Mode      string
	Bio       string
}

func (in *MentorIn) validate(p *Pool) error {
	var fs errs.Fields
	in.Spheres = checkSpheres(&fs, p, in.Spheres)
	in.Languages = checkLanguages(&fs, in.Languages)
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		fs.Add("capacity", "mentorship.error.capacity", "max", MaxCapacity)
	}
	in.Region = strings.TrimSpace(in.Region)
	checkText(&fs, "region", in.Region, 20, false)
	checkMode(&fs, &in.Mode)
	if in.Mode == "in_person" && in.Region == "" {
		fs.Add("region", "mentorship.error.region_for_in_person")
	}
	in.Bio = strings.TrimSpace(in.Bio)
	checkText(&fs, "bio", in.Bio, MaxBio, false)
	return fs.Err()
}

// AddMentor adds a mentor to pool poolID. With in.PersonID zero (or the
// actor's own id) the actor applies and waits for approval; otherwise an
// organizer adds a member of the pool's organization (or its subtree), who
// is approved at once.
func (s *Service) AddMentor(ctx context.Context, actor *auth.User, poolID int64, in MentorIn) (*Mentor, error) {
	if actor == nil || actor.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	byOrganizer := in.PersonID != 0 && in.PersonID != actor.ID
	if byOrganizer {
		if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
			return nil, err
		}
	} else {
		if actor.Limited() {
			return nil, errs.New(errs.ConsentRequired, "auth.consent_required")
		}
		in.PersonID = actor.ID
	}
	if err := in.validate(p); err != nil {
		return nil, err
	}
	if !s.knownRegion(in.Region) {
		return nil, errs.Fields{{Name: "region", Key: "validation.invalid_choice"}}.Err()
	}
	var m *Mentor
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		m, err = s.addMentor(ctx, tx, actor.ID, p, in, byOrganizer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Service) addMentor(ctx context.Context, tx *db.Tx, actorID int64, p *Pool, in MentorIn, byOrganizer bool) (*Mentor, error) {
	status := "pending"
	if byOrganizer {
		status = "approved"
		// Only a member of the organization (by their own act) may be
		// named: the mentor's card shows their name to anyone.
		ok, err := tx.Exists(ctx, `SELECT 1 FROM memberships m JOIN organizations o ON o.id = m.org_id
			JOIN organizations t ON t.id = ? JOIN users u ON u.id = m.user_id
			WHERE m.user_id = ? AND substr(o.path, 1, length(t.path)) = t.path AND u.deleted_at IS NULL
			AND (m.until IS NULL OR m.until >= ?) AND `+auth.NotLimitedSQL,
			p.OrgID, in.PersonID, tx.Now.In(i18n.Almaty).Format("2006-01-02"), auth.AdultCutoff(tx.Now))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.New(errs.Forbidden, "mentorship.error.not_member")
		}
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO mentors (pool_id, user_id, spheres, languages, capacity, region, mode, bio, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		p.ID, in.PersonID, mustJSON(in.Spheres), mustJSON(in.Languages), in.Capacity, in.Region, in.Mode, in.Bio, status, tx.Now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.Conflict, "mentorship.error.already_mentor")
	}
	if err != nil {
		return nil, fmt.Errorf("mentorship: add mentor: %w", err)
	}
	if byOrganizer {
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: actorID, Action: "mentorship.mentor_add", TargetType: "mentor",
			TargetID: fmt.Sprint(id), OrgID: p.OrgID, After: in}); err != nil {
			return nil, err
		}
	}
	return &Mentor{ID: id, PoolID: p.ID, UserID: in.PersonID, Spheres: in.Spheres, Languages: in.Languages, Capacity: in.Capacity,
		Region: in.Region, Mode: in.Mode, Bio: in.Bio, Status: status, CreatedAt: tx.Now}, nil
}

const mentorCols = `m.id, m.pool_id, m.user_id, u.name, m.spheres, m.languages, m.capacity, m.taken, m.region, m.mode, m.bio, m.status, m.created_at`

func scanMentor(sc scanner) (*Mentor, error) {
	var m Mentor
	var spheres, langs string
	var at db.Time
	if err := sc.Scan(&m.ID, &m.PoolID, &m.UserID, &m.Name, &spheres, &langs, &m.Capacity, &m.Taken, &m.Region, &m.Mode, &m.Bio,
		&m.Status, &at); err != nil {
		return nil, err
	}
	m.Spheres = unJSON[[]string](spheres)
	m.Languages = unJSON[[]string](langs)
	m.CreatedAt = at.Time
	return &m, nil
}

// Mentor returns mentor id.
func (s *Service) Mentor(ctx context.Context, id int64) (*Mentor, error) {
	m, err := scanMentor(s.db.QueryRow(ctx, `SELECT `+mentorCols+` FROM mentors m JOIN users u ON u.id = m.user_id WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("mentorship: mentor: %w", err)
	}
	return m, nil
}

// MentorFilter selects a pool's mentors.
type MentorFilter struct {
	Status string // "" = approved (the public cards)
	Sphere string
	After  int64 // id cursor
	Limit  int
}

// Mentors lists a pool's mentors in id order. The public cards (approved
// mentors) leave out people hidden from lists or deleted.
func (s *Service) Mentors(ctx context.Context, poolID int64, f MentorFilter) ([]*Mentor, error) {
	if f.Status == "" {
		f.Status = "approved"
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT ` + mentorCols + ` FROM mentors m JOIN users u ON u.id = m.user_id
		WHERE m.pool_id = ? AND m.status = ? AND m.id > ? AND u.deleted_at IS NULL AND u.hidden = FALSE`
	args := []any{poolID, f.Status, f.After}
	if f.Sphere != "" {
		q += ` AND m.spheres LIKE ?`
		args = append(args, `%"`+strings.ReplaceAll(f.Sphere, `%`, ``)+`"%`)
	}
	q += ` ORDER BY m.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mentorship: mentors: %w", err)
	}
	defer rows.Close()
	var out []*Mentor
	for rows.Next() {
		m, err := scanMentor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MentorOf returns u's mentor record in pool poolID (nil: none).
func (s *Service) MentorOf(ctx context.Context, u *auth.User, poolID int64) (*Mentor, error) {
	if u == nil {
		return nil, nil
	}
	m, err := scanMentor(s.db.QueryRow(ctx, `SELECT `+mentorCols+` FROM mentors m JOIN users u ON u.id = m.user_id
		WHERE m.pool_id = ? AND m.user_id = ?`, poolID, u.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// Approve approves (or, with approve false, rejects) a pending mentor.
func (s *Service) Approve(ctx context.Context, actor *auth.User, mentorID int64, approve bool) (*Mentor, error) {
	m, err := s.Mentor(ctx, mentorID)
	if err != nil {
		return nil, err
	}
	p, err := s.Pool(ctx, m.PoolID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	status := "approved"
	if !approve {
		status = "rejected"
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE mentors SET status = ? WHERE id = ? AND status IN ('pending', 'rejected')`, status, m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if m.Status == status || (approve && m.Status == "paused") {
				return nil // approving twice changes nothing
			}
			return errs.New(errs.Conflict, "mentorship.error.not_pending")
		}
		action := "mentorship.mentor_approve"
		if !approve {
			action = "mentorship.mentor_reject"
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: action,
			TargetType: "mentor", TargetID: fmt.Sprint(m.ID), OrgID: p.OrgID, Before: m.Status, After: status})
	})
	if err != nil {
		return nil, err
	}
	return s.Mentor(ctx, mentorID)
}

// Settings changes a mentor's capacity and pause; by the mentor or an
// organizer. A capacity below the mentees they already have is refused.
func (s *Service) Settings(ctx context.Context, actor *auth.User, mentorID int64, capacity int, paused bool) (*Mentor, error) {
	if actor == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	m, err := s.Mentor(ctx, mentorID)
	if err != nil {
		return nil, err
	}
	p, err := s.Pool(ctx, m.PoolID)
	if err != nil {
		return nil, err
	}
	own := m.UserID == actor.ID
	if !own {
		if err := s.auth.Require(ctx, actor, p.OrgID, auth.Moderator); err != nil {
			return nil, err
		}
	}
	if capacity < 1 || capacity > MaxCapacity {
		return nil, errs.Fields{{Name: "capacity", Key: "mentorship.error.capacity", Args: []any{"max", MaxCapacity}}}.Err()
	}
	if m.Status != "approved" && m.Status != "paused" {
		return nil, errs.New(errs.Conflict, "mentorship.error.not_approved")
	}
	status := "approved"
	if paused {
		status = "paused"
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		// The condition keeps the seats held, whatever happened meanwhile.
		res, err := tx.Exec(ctx, `UPDATE mentors SET capacity = ?, status = ? WHERE id = ? AND taken <= ? AND status IN ('approved', 'paused')`,
			capacity, status, m.ID, capacity)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Fields{{Name: "capacity", Key: "mentorship.error.capacity_below_taken", Args: []any{"n", m.Taken}}}.Err()
		}
		if own {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "mentorship.mentor_settings", TargetType: "mentor",
			TargetID: fmt.Sprint(m.ID), OrgID: p.OrgID, Before: map[string]any{"capacity": m.Capacity, "status": m.Status},
			After: map[string]any{"capacity": capacity, "status": status}})
	})
	if err != nil {
		return nil, err
	}
	return s.Mentor(ctx, mentorID)
}
