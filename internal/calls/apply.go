package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/proposals"
)

// Application is one person's application to a call.
type Application struct {
	ID          int64
	CallID      int64
	UserID      int64
	Name        string
	Answers     map[string]string
	SubmittedAt time.Time
}

// Eligible returns nil when u may apply to c at now, else a Forbidden
// error whose message says why.
func (s *Service) Eligible(ctx context.Context, u *auth.User, c *Call, now time.Time) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "auth.consent_required")
	}
	if c.AgeMin > 0 || c.AgeMax > 0 {
		age := auth.AgeOf(u, now)
		switch {
		case age < 0:
			return errs.New(errs.Forbidden, "calls.ineligible.age_unknown")
		case c.AgeMin > 0 && age < c.AgeMin:
			return errs.New(errs.Forbidden, "calls.ineligible.too_young", "min", c.AgeMin)
		case c.AgeMax > 0 && age > c.AgeMax:
			return errs.New(errs.Forbidden, "calls.ineligible.too_old", "max", c.AgeMax)
		}
	}
	if len(c.Regions) > 0 && !contains(c.Regions, u.Region) {
		return errs.New(errs.Forbidden, "calls.ineligible.region")
	}
	if c.MemberOf > 0 {
		var ok bool
		if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships m JOIN organizations o ON o.id = m.org_id
			JOIN organizations t ON t.id = ? WHERE m.user_id = ? AND substr(o.path, 1, length(t.path)) = t.path
			AND (m.until IS NULL OR m.until >= ?))`, c.MemberOf, u.ID, now.Format("2006-01-02")).Scan(&ok); err != nil {
			return fmt.Errorf("calls: eligibility: %w", err)
		}
		if !ok {
			return errs.New(errs.Forbidden, "calls.ineligible.member_of")
		}
	}
	return nil
}

// CheckAnswers validates answers against the form; it returns them
// trimmed, with only the form's keys.
func CheckAnswers(form []Field, answers map[string]string) (map[string]string, error) {
	var fs errs.Fields
	out := map[string]string{}
	for k := range answers {
		found := false
		for _, f := range form {
			found = found || f.Key == k
		}
		if !found {
			fs.Add("answers."+k, "calls.error.unknown_field")
		}
	}
	for _, f := range form {
		name := "answers." + f.Key
		v := strings.TrimSpace(answers[f.Key])
		if f.Type == "file" { // answered by a file (CheckFiles), never by text
			if v != "" {
				fs.Add(name, "calls.error.file_expected")
			}
			continue
		}
		if v == "" {
			if f.Required {
				fs.Add(name, "validation.required")
			}
			continue
		}
		max := 500
		if f.Type == "long_text" {
			max = 10000
		}
		if utf8.RuneCountInString(v) > max {
			fs.Add(name, "validation.too_long", "max", max)
			continue
		}
		switch f.Type {
		case "number":
			if _, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err != nil {
				fs.Add(name, "calls.error.not_a_number")
				continue
			}
		case "choice":
			if !contains(f.Options, v) {
				fs.Add(name, "validation.invalid_choice")
				continue
			}
		case "url":
			if !validURL(v) {
				fs.Add(name, "calls.error.bad_url")
				continue
			}
		}
		out[f.Key] = v
	}
	return out, fs.Err()
}

// holdingFor picks the first stage's holding for an applicant: the one
// they chose, the only one, or the one in their region.
func holdingFor(st *Stage, u *auth.User, chosen int64) (int64, error) {
	var fs errs.Fields
	if chosen != 0 {
		if st.HostOf(chosen) == nil {
			fs.Add("host_id", "validation.invalid_choice")
			return 0, fs.Err()
		}
		return chosen, nil
	}
	if len(st.Hosts) == 1 {
		return st.Hosts[0].ID, nil
	}
	var found int64
	for _, h := range st.Hosts {
		if h.Region != "" && h.Region == u.Region {
			if found != 0 {
				found = -1
				break
			}
			found = h.ID
		}
	}
	if found > 0 {
		return found, nil
	}
	fs.Add("host_id", "calls.error.choose_host")
	return 0, fs.Err()
}

// File is an uploaded answer to a file question: proposals' attachment,
// under the same rules (proposals.SniffAttachment, proposals.MaxAttachment).
type File = proposals.Attachment

// ApplyInput is what an applicant sends.
type ApplyInput struct {
	Answers map[string]string
	Files   map[string]*File // by question key
	HostID  int64
	Members []string // a team's other members, by email address
}

// Apply submits u's application with text answers only (see Submit).
func (s *Service) Apply(ctx context.Context, u *auth.User, callID int64, answers map[string]string, hostID int64) (*Application, error) {
	return s.Submit(ctx, u, callID, ApplyInput{Answers: answers, HostID: hostID})
}

// CheckFiles validates the files answering form's file questions, the
// way proposals check an attachment (type by content, size), and returns
// each one's download name by key, for the answers.
func CheckFiles(form []Field, files map[string]*File) (map[string]string, error) {
	var fs errs.Fields
	names := map[string]string{}
	for k := range files {
		ok := false
		for _, f := range form {
			ok = ok || (f.Key == k && f.Type == "file")
		}
		if !ok {
			fs.Add("answers."+k, "calls.error.unknown_field")
		}
	}
	for _, f := range form {
		if f.Type != "file" {
			continue
		}
		name := "answers." + f.Key
		file := files[f.Key]
		if file == nil || len(file.Data) == 0 {
			if f.Required {
				fs.Add(name, "validation.required")
			}
			continue
		}
		if len(file.Data) > proposals.MaxAttachment {
			fs.Add(name, "calls.error.file_too_big", "max", proposals.MaxAttachment>>10)
			continue
		}
		if file.ContentType = proposals.SniffAttachment(file.Data); file.ContentType == "" {
			fs.Add(name, "calls.error.file_type")
			continue
		}
		n := strings.TrimSpace(file.Name)
		if i := strings.LastIndexAny(n, `/\`); i >= 0 {
			n = n[i+1:]
		}
		if utf8.RuneCountInString(n) > 200 || !utf8.ValidString(n) {
			n = "file"
		}
		file.Name = proposals.DownloadName(n, file.ContentType)
		names[f.Key] = file.Name
	}
	return names, fs.Err()
}

// Submit submits u's application to call id. The first stage must be
// open, u eligible, the answers and files valid; a second application by
// the same person is a Conflict — the database's unique index decides
// under races. The files are stored with the application, all or none.
func (s *Service) Submit(ctx context.Context, u *auth.User, callID int64, in ApplyInput) (*Application, error) {
	if u == nil || u.Deleted {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, callID)
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	first := c.Stages[0]
	if first.Closed() || !now.Before(first.ClosesAt) {
		return nil, errs.New(errs.Conflict, "calls.error.applications_closed")
	}
	if now.Before(first.OpensAt) {
		return nil, errs.New(errs.Conflict, "calls.error.applications_not_open")
	}
	if err := s.Eligible(ctx, u, c, now); err != nil {
		return nil, err
	}
	clean, err := CheckAnswers(c.Form, in.Answers)
	fileNames, ferr := CheckFiles(c.Form, in.Files)
	members, merr := checkMembers(c, u, in.Members)
	if err = joinInvalid(joinInvalid(err, ferr), merr); err != nil {
		return nil, err
	}
	for k, n := range fileNames {
		clean[k] = n
	}
	holding, err := holdingFor(first, u, in.HostID)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(clean)
	a := &Application{CallID: callID, UserID: u.ID, Name: u.Name, Answers: clean}
	var sent []int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var closed db.Time
		if err := tx.QueryRow(ctx, "SELECT closed_at FROM call_stages WHERE id = ?"+tx.ForShare(), first.ID).Scan(&closed); err != nil {
			return err
		}
		if closed.Valid {
			return errs.New(errs.Conflict, "calls.error.applications_closed")
		}
		err := tx.QueryRow(ctx, `INSERT INTO call_applications (call_id, user_id, answers, submitted_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (call_id, user_id) DO NOTHING RETURNING id`, callID, u.ID, string(body), tx.Now).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "calls.error.already_applied")
		}
		if err != nil {
			return fmt.Errorf("calls: apply: %w", err)
		}
		a.SubmittedAt = tx.Now
		// A confirmed member of another team of this call is in it already.
		var one int64
		err = tx.QueryRow(ctx, `INSERT INTO call_participants (call_id, user_id, application_id) VALUES (?, ?, ?)
			ON CONFLICT (call_id, user_id) DO NOTHING RETURNING application_id`, callID, u.ID, a.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "calls.error.already_in_call")
		}
		if err != nil {
			return fmt.Errorf("calls: apply: %w", err)
		}
		for k := range fileNames {
			f := in.Files[k]
			if _, err := tx.Exec(ctx, "INSERT INTO call_files (application_id, field_key, name, content_type, size, data) VALUES (?, ?, ?, ?, ?, ?)",
				a.ID, k, f.Name, f.ContentType, len(f.Data), f.Data); err != nil {
				return fmt.Errorf("calls: file: %w", err)
			}
		}
		if c.Team() {
			sent, err = s.inviteTeam(ctx, tx, c, u, a.ID, holding, members)
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO call_entries (stage_id, application_id, holding_id) VALUES (?, ?, ?)", first.ID, a.ID, holding)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Outbox != nil {
		s.Outbox.Send(sent)
	}
	return a, nil
}

// FileOf returns the file answering question key of application appID of
// call callID, for its applicant, the call's organizers, and jurors
// assigned the application at a stage where the answer is shown to them
// (not an identifying answer at a blind stage). Anyone else: not found.
func (s *Service) FileOf(ctx context.Context, u *auth.User, callID, appID int64, key string) (*File, error) {
	notFound := errs.New(errs.NotFound, "calls.error.no_file")
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	c, err := s.Get(ctx, callID)
	if err != nil {
		return nil, err
	}
	a, err := s.Application(ctx, appID)
	if err != nil || a.CallID != callID {
		return nil, notFound
	}
	var field *Field
	for i := range c.Form {
		if c.Form[i].Key == key && c.Form[i].Type == "file" {
			field = &c.Form[i]
		}
	}
	if field == nil {
		return nil, notFound
	}
	allowed := a.UserID == u.ID || s.Organizer(ctx, u, c)
	if !allowed {
		if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM call_assignments x JOIN call_stages st ON st.id = x.stage_id
			WHERE x.application_id = ? AND x.juror_id = ? AND (st.blind = ? OR ?))`, appID, u.ID, false, !field.Identifying).Scan(&allowed); err != nil {
			return nil, fmt.Errorf("calls: file: %w", err)
		}
	}
	if !allowed {
		return nil, notFound
	}
	f := &File{}
	err = s.DB.QueryRow(ctx, "SELECT name, content_type, data FROM call_files WHERE application_id = ? AND field_key = ?", appID, key).
		Scan(&f.Name, &f.ContentType, &f.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("calls: file: %w", err)
	}
	return f, nil
}

// ApplicationOf returns u's application to call id, or nil.
func (s *Service) ApplicationOf(ctx context.Context, u *auth.User, callID int64) (*Application, error) {
	if u == nil {
		return nil, nil
	}
	a, err := s.application(ctx, "call_id = ? AND a.user_id = ?", callID, u.ID)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	return a, err
}

// Application returns an application by id.
func (s *Service) Application(ctx context.Context, id int64) (*Application, error) {
	return s.application(ctx, "a.id = ?", id)
}

func (s *Service) application(ctx context.Context, where string, args ...any) (*Application, error) {
	a := &Application{}
	var body string
	var at db.Time
	err := s.DB.QueryRow(ctx, `SELECT a.id, a.call_id, a.user_id, u.name, a.answers, a.submitted_at FROM call_applications a
		JOIN users u ON u.id = a.user_id WHERE `+where, args...).Scan(&a.ID, &a.CallID, &a.UserID, &a.Name, &body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "calls.error.no_application")
	}
	if err != nil {
		return nil, fmt.Errorf("calls: application: %w", err)
	}
	a.SubmittedAt = at.Time
	if err := json.Unmarshal([]byte(body), &a.Answers); err != nil {
		return nil, err
	}
	return a, nil
}

// Progress is where an application stands at one stage.
type Progress struct {
	Stage   *Stage
	In      bool   // the application takes part in this stage
	Holding string // the holding's name
	Result  *Result
	Sheets  []OwnSheet // published sheets, after the stage
}

// OwnSheet is a juror's sheet as its applicant sees it: no juror named.
type OwnSheet struct {
	Scores  map[string]float64
	Total   float64
	Comment string
}

// Standing returns where u's application stands at each stage.
func (s *Service) Standing(ctx context.Context, c *Call, a *Application) ([]Progress, error) {
	out := make([]Progress, len(c.Stages))
	for i, st := range c.Stages {
		out[i].Stage = st
		var holding int64
		err := s.DB.QueryRow(ctx, "SELECT holding_id FROM call_entries WHERE stage_id = ? AND application_id = ?", st.ID, a.ID).Scan(&holding)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].In = true
		if h := st.HostOf(holding); h != nil {
			out[i].Holding = h.Name.KK
		}
		if !st.Published(holding, s.DB.Now()) {
			continue // in progress until the holding's results are public
		}
		r, err := s.resultOf(ctx, st.ID, a.ID)
		if err != nil {
			return nil, err
		}
		out[i].Result = r
		if c.PublishScores {
			rows, err := s.DB.Query(ctx, "SELECT scores, total, comment FROM call_scores WHERE stage_id = ? AND application_id = ? ORDER BY total DESC", st.ID, a.ID)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var sh OwnSheet
				var body string
				if err := rows.Scan(&body, &sh.Total, &sh.Comment); err != nil {
					rows.Close()
					return nil, err
				}
				if err := json.Unmarshal([]byte(body), &sh.Scores); err != nil {
					rows.Close()
					return nil, err
				}
				out[i].Sheets = append(out[i].Sheets, sh)
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// joinInvalid is a and b's field problems as one Invalid error (every
// problem at once), or the first error that is not a list of problems.
func joinInvalid(a, b error) error {
	ea, okA := errs.As(a)
	eb, okB := errs.As(b)
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case okA && okB && ea.Code == errs.Invalid && eb.Code == errs.Invalid:
		return append(errs.Fields(ea.Fields), eb.Fields...).Err()
	case okA && ea.Code == errs.Invalid:
		return b
	}
	return a
}
