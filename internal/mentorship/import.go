package mentorship

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/tabular"
)

// mentorFile is the organizer's import of mentors: members of the
// organization, by email.
var mentorFile = &tabular.Spec{
	Columns: []tabular.Column{
		{Name: "email", Required: true, Synonyms: []string{"e-mail", "эл. пошта", "электрондық пошта", "почта", "эл. почта"}},
		{Name: "spheres", Required: true, Synonyms: []string{"салалар", "сала", "сферы", "сфера"}},
		{Name: "capacity", Required: true, Synonyms: []string{"орын", "орындар", "мест", "места"}},
		{Name: "languages", Required: true, Synonyms: []string{"тілдер", "тіл", "языки", "язык"}},
		{Name: "region", Synonyms: []string{"өңір", "регион"}},
		{Name: "mode", Synonyms: []string{"формат"}},
		{Name: "bio", Synonyms: []string{"өзі туралы", "о себе"}},
	},
	MaxRows:   5000,
	FileField: "file",
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		out = append(out, strings.ToLower(f))
	}
	return out
}

// ImportMentors adds the mentors of a CSV or XLSX file to pool poolID as
// approved: all rows or none, each problem reported with its row. People
// already mentors of the pool are left as they are. It returns how many
// were added.
func (s *Service) ImportMentors(ctx context.Context, u *auth.User, poolID int64, data []byte) (int, error) {
	p, err := s.Pool(ctx, poolID)
	if err != nil {
		return 0, err
	}
	if err := s.auth.Require(ctx, u, p.OrgID, auth.Moderator); err != nil {
		return 0, err
	}
	t, err := tabular.Read(data, mentorFile)
	if err != nil {
		return 0, err
	}
	added := 0
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var fs errs.Fields
		for _, row := range t.Rows {
			capacity, cerr := strconv.Atoi(row.Get("capacity"))
			if cerr != nil {
				capacity = -1
			}
			in := MentorIn{Email: row.Get("email"), Spheres: splitList(row.Get("spheres")), Capacity: capacity,
				Languages: splitList(row.Get("languages")), Region: strings.ToUpper(row.Get("region")), Mode: row.Get("mode"), Bio: row.Get("bio")}
			if err := in.validate(p); err != nil {
				if e, ok := errs.As(err); ok {
					for _, f := range e.Fields {
						fs = append(fs, errs.Field{Name: f.Name, Key: f.Key, Args: f.Args, Row: row.Line})
					}
				}
				continue
			}
			if !s.knownRegion(in.Region) {
				fs = append(fs, errs.Field{Name: "region", Key: "validation.invalid_choice", Row: row.Line})
				continue
			}
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(email) = lower(?) AND deleted_at IS NULL`, in.Email).Scan(&in.PersonID)
			if errors.Is(err, sql.ErrNoRows) {
				fs = append(fs, errs.Field{Name: "email", Key: "mentorship.error.not_member", Row: row.Line})
				continue
			}
			if err != nil {
				return err
			}
			if ok, err := tx.Exists(ctx, `SELECT 1 FROM mentors WHERE pool_id = ? AND user_id = ?`, p.ID, in.PersonID); err != nil {
				return err
			} else if ok {
				continue
			}
			if _, err := s.addMentor(ctx, tx, u.ID, p, in, true); err != nil {
				if e, ok := errs.As(err); ok {
					fs = append(fs, errs.Field{Name: "email", Key: e.Key, Args: e.Args, Row: row.Line})
					continue
				}
				return err
			}
			added++
		}
		return fs.Err()
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}
