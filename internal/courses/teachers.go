package courses

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Candidate is a person an organizer may name as a teacher: someone
// related to the course's organization by their own act (a member of it
// or of its subtree, or a holder of a grant there), with where they
// belong, to tell two people of one name apart.
type Candidate struct {
	ID    int64
	Name  string
	Where i18n.Text // the organization of their membership or grant
}

// teacherLimit is how many matches a search offers; more means "type more".
const teacherLimit = 10

// relatedSQL selects the people related to organization ?(1) with where
// they belong: current members of its subtree (?(2) today) and holders of
// a grant in its subtree or above it. Deleted people and minors without a
// guardian's consent (?(3) the adult cutoff) are never offered.
const relatedSQL = `SELECT u.id, u.name, mo.name_kk, mo.name_ru, mo.name_en, m.name_key
	FROM organizations o JOIN organizations mo ON substr(mo.path, 1, length(o.path)) = o.path
	JOIN memberships m ON m.org_id = mo.id JOIN users u ON u.id = m.user_id
	WHERE o.id = ? AND (m.until IS NULL OR m.until >= ?) AND u.deleted_at IS NULL AND u.name <> '' AND ` + auth.NotLimitedSQL + `
	AND (m.name_key LIKE ? OR m.name_key = '')
	UNION ALL
	SELECT u.id, u.name, gorg.name_kk, gorg.name_ru, gorg.name_en, ''
	FROM role_grants g JOIN organizations gorg ON gorg.id = g.org_id JOIN users u ON u.id = g.user_id, organizations o
	WHERE o.id = ? AND (substr(gorg.path, 1, length(o.path)) = o.path OR substr(o.path, 1, length(gorg.path)) = gorg.path)
	AND u.deleted_at IS NULL AND u.name <> '' AND ` + auth.NotLimitedSQL

// FindTeachers finds the people related to organization orgID whose
// name contains what was typed (in any script or spelling: kazakh.Fold),
// for u, who must organize for it. It returns at most teacherLimit, best
// first (a name equal to what was typed, then by name), and whether there
// were more.
func (s *Service) FindTeachers(ctx context.Context, u *auth.User, orgID int64, q string) ([]Candidate, bool, error) {
	if err := s.auth.Require(ctx, u, orgID, auth.Moderator); err != nil {
		return nil, false, err
	}
	key := kazakh.Fold(q)
	if len(strings.TrimSpace(key)) < 2 {
		return nil, false, errs.Fields{{Name: "teacher_q", Key: "courses.teacher_short"}}.Err()
	}
	now := s.db.Now()
	cutoff := auth.AdultCutoff(now)
	rows, err := s.db.Query(ctx, relatedSQL+" LIMIT 2000", orgID, today(now), cutoff, "%"+key+"%", orgID, cutoff)
	if err != nil {
		return nil, false, fmt.Errorf("courses: find teachers: %w", err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var nameKey string
		if err := rows.Scan(&c.ID, &c.Name, &c.Where.KK, &c.Where.RU, &c.Where.EN, &nameKey); err != nil {
			return nil, false, err
		}
		if seen[c.ID] || !strings.Contains(kazakh.Fold(c.Name), key) {
			continue
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		ei, ej := kazakh.Fold(out[i].Name) == key, kazakh.Fold(out[j].Name) == key
		if ei != ej {
			return ei
		}
		if ki, kj := kazakh.Fold(out[i].Name), kazakh.Fold(out[j].Name); ki != kj {
			return ki < kj
		}
		return out[i].ID < out[j].ID
	})
	more := len(out) > teacherLimit
	if more {
		out = out[:teacherLimit]
	}
	return out, more, nil
}

// TeacherCandidate returns person id as a candidate teacher of
// organization orgID for u, who must organize for it; someone not related
// to it is a field error (the same words for a stranger and for nobody, so
// the form reveals nothing about who has an account).
func (s *Service) TeacherCandidate(ctx context.Context, u *auth.User, orgID, id int64) (Candidate, error) {
	if err := s.auth.Require(ctx, u, orgID, auth.Moderator); err != nil {
		return Candidate{}, err
	}
	now := s.db.Now()
	cutoff := auth.AdultCutoff(now)
	rows, err := s.db.Query(ctx, `SELECT * FROM (`+relatedSQL+`) r WHERE r.id = ? LIMIT 1`,
		orgID, today(now), cutoff, "%", orgID, cutoff, id)
	if err != nil {
		return Candidate{}, fmt.Errorf("courses: teacher candidate: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Candidate{}, err
		}
		return Candidate{}, errs.Fields{{Name: "teacher_q", Key: "courses.teacher_not_member"}}.Err()
	}
	var c Candidate
	var nameKey string
	if err := rows.Scan(&c.ID, &c.Name, &c.Where.KK, &c.Where.RU, &c.Where.EN, &nameKey); err != nil {
		return Candidate{}, err
	}
	return c, rows.Err()
}
