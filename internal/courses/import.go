package courses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/tabular"
)

// Enrolment import: a CSV or XLSX file with a header row and an email
// column (other columns are ignored), all or nothing.
const (
	MaxImportRows  = 5000
	MaxImportBytes = 5 << 20
)

var enrolFile = &tabular.Spec{
	Columns: []tabular.Column{{Name: "email", Required: true,
		Synonyms: []string{"e-mail", "электрондық пошта", "эл. пошта", "электронная почта", "эл. почта", "почта"}}},
	IgnoreUnknown: true,
	MaxRows:       MaxImportRows,
	FileField:     "file",
}

// ImportResult counts what an import did.
type ImportResult struct {
	Enrolled   int `json:"enrolled"`
	Waitlisted int `json:"waitlisted"`
	Unchanged  int `json:"unchanged"` // already enrolled or waiting
}

// ImportEnrolments enrols the people a file names by email, in the file's
// order (seats first, then the waiting list), for the course's
// organizers. Each person must be a member of the organization (a
// relation they entered) and not a minor without consent. Any bad row
// refuses the whole file with a report of every bad row; nothing is
// written.
func (s *Service) ImportEnrolments(ctx context.Context, u *auth.User, courseID int64, data []byte) (ImportResult, error) {
	var res ImportResult
	c, err := s.Get(ctx, courseID)
	if err != nil {
		return res, err
	}
	if err := s.auth.Require(ctx, u, c.OrgID, auth.Moderator); err != nil {
		return res, err
	}
	table, err := tabular.Read(data, enrolFile)
	if err != nil {
		return res, err
	}
	var fs errs.Fields
	bad := func(line int, key string) { fs = append(fs, errs.Field{Name: "email", Key: key, Row: line}) }
	seen := map[string]int{}
	var people []int64
	err = s.db.Read(ctx, func(tx *db.Tx) error {
		cutoff := auth.AdultCutoff(tx.Now)
		for _, row := range table.Rows {
			email := strings.ToLower(row.Get("email"))
			if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
				bad(row.Line, "courses.import.bad_email")
				continue
			}
			if first, dup := seen[email]; dup {
				fs = append(fs, errs.Field{Name: "email", Key: "courses.import.duplicate", Args: []any{"row", first}, Row: row.Line})
				continue
			}
			seen[email] = row.Line
			var id int64
			var adult bool
			err := tx.QueryRow(ctx, "SELECT u.id, "+auth.NotLimitedSQL+" FROM users u WHERE lower(u.email) = ? AND u.deleted_at IS NULL",
				cutoff, email).Scan(&id, &adult)
			if errors.Is(err, sql.ErrNoRows) {
				bad(row.Line, "courses.import.not_member") // the same words as for a stranger: nothing revealed
				continue
			}
			if err != nil {
				return err
			}
			ok, err := isMember(ctx, tx, c.OrgID, id)
			if err != nil {
				return err
			}
			switch {
			case !ok:
				bad(row.Line, "courses.import.not_member")
			case !adult:
				bad(row.Line, "courses.import.consent")
			default:
				people = append(people, id)
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if err := fs.Err(); err != nil {
		return res, err
	}
	if len(people) == 0 {
		return res, errs.Fields{{Name: "file", Key: "courses.import.empty"}}.Err()
	}
	var queued []int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res = ImportResult{}
		capacity, taken, _, ends, err := lockCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if !tx.Now.Before(ends) {
			return errs.New(errs.Conflict, "courses.ended")
		}
		var fresh []int64
		for _, id := range people {
			var arrival int
			if err := tx.QueryRow(ctx, "UPDATE courses SET arrivals = arrivals + 1 WHERE id = ? RETURNING arrivals", courseID).Scan(&arrival); err != nil {
				return err
			}
			status := Enrolled
			if taken >= capacity {
				status = Waiting
			}
			var got int64
			err := tx.QueryRow(ctx, `INSERT INTO course_enrolments (course_id, user_id, status, arrival, enrolled_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (course_id, user_id) DO NOTHING RETURNING id`,
				courseID, id, status, arrival, u.ID, tx.Now).Scan(&got)
			if errors.Is(err, sql.ErrNoRows) {
				res.Unchanged++
				continue
			}
			if err != nil {
				return fmt.Errorf("courses: import: %w", err)
			}
			if status == Enrolled {
				fresh = append(fresh, id)
				taken++
				res.Enrolled++
			} else {
				res.Waitlisted++
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE courses SET seats_taken = ?, sheet_version = sheet_version + 1 WHERE id = ?", taken, courseID); err != nil {
			return err
		}
		if err := recordAudit(ctx, tx, u.ID, "courses.import", courseID, c.OrgID, nil,
			map[string]any{"enrolled": res.Enrolled, "waitlisted": res.Waitlisted, "unchanged": res.Unchanged}); err != nil {
			return err
		}
		queued, err = s.tell(ctx, tx, fresh, c, "courses.msg.enrolled_subject", "courses.msg.enrolled_text", nil)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.send(queued)
	return res, nil
}
