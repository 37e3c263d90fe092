package calls

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Team applications (decision 0102): the applicant names the others by
// email address; each gets an invitation through the outbox (by Telegram
// when their account has linked it, else by email) and confirms on the
// call's page with an account of that address. The team takes part in
// the first stage once it has the call's minimum; everyone in it counts
// for "one application per person per call" (call_participants).

// Member is one invited member of a team application.
type Member struct {
	Email      string
	Status     string // invited, confirmed, declined
	Name       string // once confirmed
	UserID     int64  // once confirmed
	InvitedAt  time.Time
	AnsweredAt *time.Time
}

// Invitation is an invitation waiting for the signed-in person.
type Invitation struct {
	ApplicationID int64
	Leader        string
	Status        string
}

// checkMembers validates a team's member addresses for call c and
// applicant u: each a valid address, none twice, not the applicant's
// own, and the team (the applicant included) within the call's size.
func checkMembers(c *Call, u *auth.User, members []string) ([]string, error) {
	var fs errs.Fields
	if !c.Team() {
		if len(members) > 0 {
			fs.Add("members", "calls.error.not_a_team")
		}
		return nil, fs.Err()
	}
	var out []string
	seen := map[string]bool{strings.ToLower(u.Email): true}
	for _, m := range members {
		m = strings.ToLower(strings.TrimSpace(m))
		if m == "" {
			continue
		}
		if a, err := mail.ParseAddress(m); err != nil || a.Address != m || len(m) > 254 {
			fs.Add("members", "calls.error.member_email", "email", m)
			return nil, fs.Err()
		}
		if seen[m] {
			fs.Add("members", "calls.error.member_twice", "email", m)
			return nil, fs.Err()
		}
		seen[m] = true
		out = append(out, m)
	}
	if n := len(out) + 1; n < c.TeamMin || n > c.TeamMax {
		fs.Add("members", "calls.error.team_size", "min", c.TeamMin, "max", c.TeamMax, "n", n)
	}
	return out, fs.Err()
}

// inviteTeam stores a new team application's members and queues their
// invitations; it writes the first stage's entry when the applicant alone
// makes the minimum, else keeps the holding until enough confirm.
func (s *Service) inviteTeam(ctx context.Context, tx *db.Tx, c *Call, u *auth.User, appID, holding int64, members []string) ([]int64, error) {
	for _, m := range members {
		if _, err := tx.Exec(ctx, "INSERT INTO call_team_members (application_id, email, invited_at) VALUES (?, ?, ?)", appID, m, tx.Now); err != nil {
			return nil, fmt.Errorf("calls: team member: %w", err)
		}
	}
	if c.TeamMin <= 1 {
		if _, err := tx.Exec(ctx, "INSERT INTO call_entries (stage_id, application_id, holding_id) VALUES (?, ?, ?)", c.Stages[0].ID, appID, holding); err != nil {
			return nil, err
		}
	} else if _, err := tx.Exec(ctx, "UPDATE call_applications SET team_holding = ? WHERE id = ?", holding, appID); err != nil {
		return nil, err
	}
	return s.inviteNotices(ctx, tx, c, u, appID, members)
}

// inviteNotices queues the invitations of members to application appID
// (by Telegram when that address's account linked it, else by email; an
// address without an account in the inviter's language).
func (s *Service) inviteNotices(ctx context.Context, tx *db.Tx, c *Call, u *auth.User, appID int64, members []string) ([]int64, error) {
	if s.Outbox == nil || s.Catalog == nil {
		return nil, nil
	}
	var ns []notice
	for _, m := range members {
		var uid int64
		err := tx.QueryRow(ctx, "SELECT id FROM users WHERE email = ? AND deleted_at IS NULL", m).Scan(&uid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		ns = append(ns, notice{What: "team_invite", UserID: uid, Email: m, Lang: u.Lang, CallID: c.ID, AppID: appID})
	}
	return s.addNotices(ctx, tx, ns)
}

// Invitations returns the team invitations of call callID addressed to
// u's confirmed email address, with the applicant who sent each.
func (s *Service) Invitations(ctx context.Context, u *auth.User, callID int64) ([]Invitation, error) {
	if u == nil || u.Deleted || !u.EmailConfirmed || u.Email == "" {
		return nil, nil
	}
	rows, err := s.DB.Query(ctx, `SELECT m.application_id, l.name, m.status FROM call_team_members m
		JOIN call_applications a ON a.id = m.application_id JOIN users l ON l.id = a.user_id
		WHERE a.call_id = ? AND m.email = ? ORDER BY m.application_id`, callID, strings.ToLower(u.Email))
	if err != nil {
		return nil, fmt.Errorf("calls: invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var in Invitation
		if err := rows.Scan(&in.ApplicationID, &in.Leader, &in.Status); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// Team returns application appID's invited members; names only of those
// who confirmed (they joined by their own act).
func (s *Service) Team(ctx context.Context, appID int64) ([]Member, error) {
	rows, err := s.DB.Query(ctx, `SELECT m.email, m.status, COALESCE(u.name, ''), COALESCE(u.id, 0), m.invited_at, m.answered_at FROM call_team_members m
		LEFT JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL WHERE m.application_id = ? ORDER BY m.email`, appID)
	if err != nil {
		return nil, fmt.Errorf("calls: team: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var inv, ans db.Time
		if err := rows.Scan(&m.Email, &m.Status, &m.Name, &m.UserID, &inv, &ans); err != nil {
			return nil, err
		}
		m.InvitedAt, m.AnsweredAt = inv.Time, ans.Ptr()
		out = append(out, m)
	}
	return out, rows.Err()
}

// AnswerInvitation records u's answer to the invitation to team
// application appID: accept joins the team (u must be eligible and in no
// other application of the call; the first stage must still take
// applications), otherwise u declines. The team enters the first stage
// when this confirmation brings it to the call's minimum. Each decided by
// one conditional statement, so a double click or a race changes nothing
// twice.
func (s *Service) AnswerInvitation(ctx context.Context, u *auth.User, appID int64, accept bool) (string, error) {
	if u == nil || u.Deleted {
		return "", errs.New(errs.Unauthorized, "auth.signin_required")
	}
	none := errs.New(errs.NotFound, "calls.error.no_invitation")
	if !u.EmailConfirmed || u.Email == "" {
		return "", none
	}
	email := strings.ToLower(u.Email)
	a, err := s.Application(ctx, appID)
	if err != nil {
		return "", none
	}
	var status string
	err = s.DB.QueryRow(ctx, "SELECT status FROM call_team_members WHERE application_id = ? AND email = ?", appID, email).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", none
	}
	if err != nil {
		return "", fmt.Errorf("calls: invitation: %w", err)
	}
	if status != "invited" {
		return "", errs.New(errs.Conflict, "calls.error.already_answered")
	}
	c, err := s.Get(ctx, a.CallID)
	if err != nil {
		return "", err
	}
	first := c.Stages[0]
	if accept {
		if first.Closed() || !s.DB.Now().Before(first.ClosesAt) {
			return "", errs.New(errs.Conflict, "calls.error.applications_closed")
		}
		if err := s.Eligible(ctx, u, c, s.DB.Now()); err != nil {
			return "", err
		}
	}
	answer := "declined"
	if accept {
		answer = "confirmed"
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The application's row is locked first: confirmations of one team
		// are counted one after another, so the one that completes the team
		// sees the others (on PostgreSQL; SQLite has one writer).
		var holding sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT team_holding FROM call_applications WHERE id = ?"+tx.ForUpdate(), appID).Scan(&holding); err != nil {
			return err
		}
		if accept {
			var closed db.Time
			if err := tx.QueryRow(ctx, "SELECT closed_at FROM call_stages WHERE id = ?"+tx.ForShare(), first.ID).Scan(&closed); err != nil {
				return err
			}
			if closed.Valid {
				return errs.New(errs.Conflict, "calls.error.applications_closed")
			}
			var one int64
			err := tx.QueryRow(ctx, `INSERT INTO call_participants (call_id, user_id, application_id) VALUES (?, ?, ?)
				ON CONFLICT (call_id, user_id) DO NOTHING RETURNING application_id`, c.ID, u.ID, appID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.Conflict, "calls.error.already_in_call")
			}
			if err != nil {
				return err
			}
		}
		var uid any
		if accept {
			uid = u.ID
		}
		var got string
		err := tx.QueryRow(ctx, `UPDATE call_team_members SET status = ?, user_id = ?, answered_at = ?
			WHERE application_id = ? AND email = ? AND status = 'invited' RETURNING status`, answer, uid, tx.Now, appID, email).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Conflict, "calls.error.already_answered")
		}
		if err != nil {
			return err
		}
		if !accept {
			return nil
		}
		var confirmed int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM call_team_members WHERE application_id = ? AND status = 'confirmed'", appID).Scan(&confirmed); err != nil {
			return err
		}
		if confirmed+1 < c.TeamMin {
			return nil
		}
		if !holding.Valid {
			return nil // already complete
		}
		// Complete: the team enters the first stage.
		if _, err := tx.Exec(ctx, "UPDATE call_applications SET team_holding = NULL WHERE id = ?", appID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO call_entries (stage_id, application_id, holding_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", first.ID, appID, holding.Int64)
		return err
	})
	if err != nil {
		return "", err
	}
	return answer, nil
}

// TeamStatus is "awaiting_team" while a team application lacks the
// call's minimum of confirmed people, else "submitted".
func (s *Service) TeamStatus(ctx context.Context, appID int64) (string, error) {
	var waiting bool
	if err := s.DB.QueryRow(ctx, "SELECT team_holding IS NOT NULL FROM call_applications WHERE id = ?", appID).Scan(&waiting); err != nil {
		return "", fmt.Errorf("calls: team status: %w", err)
	}
	if waiting {
		return "awaiting_team", nil
	}
	return "submitted", nil
}

func teamSizeText(c *Call) string {
	if c.TeamMin == c.TeamMax {
		return strconv.Itoa(c.TeamMax)
	}
	return strconv.Itoa(c.TeamMin) + "–" + strconv.Itoa(c.TeamMax)
}

// InviteMember lets the applicant of team application appID invite
// another person while the first stage takes applications: in the place
// of a member who declined or has not answered (replace, that member's
// address: their invitation is withdrawn), or as one more member while
// the team is below the call's maximum. The new address is checked as at
// applying (a valid address, not the applicant's own, not already in this
// team), must not belong to anyone already in an application of the call
// (409), and the team — confirmed and invited, the applicant included —
// stays within the maximum (422). The team enters the first stage only
// when its confirmed members reach the minimum, as before.
func (s *Service) InviteMember(ctx context.Context, u *auth.User, appID int64, email, replace string) error {
	if u == nil || u.Deleted {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	a, err := s.Application(ctx, appID)
	if err != nil {
		return err
	}
	if a.UserID != u.ID {
		return errs.New(errs.Forbidden, "calls.error.not_team_lead")
	}
	c, err := s.Get(ctx, a.CallID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	if !c.Team() {
		fs.Add("email", "calls.error.not_a_team")
		return fs.Err()
	}
	first := c.Stages[0]
	if first.Closed() || !s.DB.Now().Before(first.ClosesAt) {
		return errs.New(errs.Conflict, "calls.error.applications_closed")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	replace = strings.ToLower(strings.TrimSpace(replace))
	if m, err := mail.ParseAddress(email); err != nil || m.Address != email || len(email) > 254 {
		fs.Add("email", "calls.error.member_email", "email", email)
		return fs.Err()
	}
	if email == strings.ToLower(u.Email) || email == replace {
		fs.Add("email", "calls.error.member_twice", "email", email)
		return fs.Err()
	}
	var sent []int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The application's row first, as confirmations do: the team's
		// size is counted with no answer slipping in between.
		var holding sql.NullInt64
		if err := tx.QueryRow(ctx, "SELECT team_holding FROM call_applications WHERE id = ?"+tx.ForUpdate(), appID).Scan(&holding); err != nil {
			return err
		}
		var closed db.Time
		if err := tx.QueryRow(ctx, "SELECT closed_at FROM call_stages WHERE id = ?"+tx.ForShare(), first.ID).Scan(&closed); err != nil {
			return err
		}
		if closed.Valid {
			return errs.New(errs.Conflict, "calls.error.applications_closed")
		}
		var listed bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM call_team_members WHERE application_id = ? AND email = ?)", appID, email).Scan(&listed); err != nil {
			return err
		}
		if listed {
			fs.Add("email", "calls.error.member_twice", "email", email)
			return fs.Err()
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM call_participants p JOIN users x ON x.id = p.user_id
			WHERE p.call_id = ? AND x.email = ? AND x.deleted_at IS NULL)`, c.ID, email).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return errs.New(errs.Conflict, "calls.error.member_in_call", "email", email)
		}
		if replace != "" {
			var status string
			err := tx.QueryRow(ctx, "SELECT status FROM call_team_members WHERE application_id = ? AND email = ?", appID, replace).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.NotFound, "calls.error.no_member", "email", replace)
			}
			if err != nil {
				return err
			}
			if status == "confirmed" {
				return errs.New(errs.Conflict, "calls.error.replace_confirmed", "email", replace)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM call_team_members WHERE application_id = ? AND email = ? AND status <> 'confirmed'", appID, replace); err != nil {
				return err
			}
		}
		var size int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) + 2 FROM call_team_members WHERE application_id = ? AND status <> 'declined'", appID).Scan(&size); err != nil {
			return err
		}
		if size > c.TeamMax {
			fs.Add("email", "calls.error.team_full", "max", c.TeamMax)
			return fs.Err()
		}
		if _, err := tx.Exec(ctx, "INSERT INTO call_team_members (application_id, email, invited_at) VALUES (?, ?, ?)", appID, email, tx.Now); err != nil {
			return fmt.Errorf("calls: team member: %w", err)
		}
		var err error
		sent, err = s.inviteNotices(ctx, tx, c, u, appID, []string{email})
		return err
	})
	if err != nil {
		return err
	}
	if s.Outbox != nil {
		s.Outbox.Send(sent)
	}
	return nil
}
