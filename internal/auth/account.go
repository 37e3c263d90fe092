package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Export is everything Ortaq keeps about one person, as they download it.
type Export struct {
	ExportedAt  time.Time        `json:"exported_at"`
	Profile     map[string]any   `json:"profile"`
	Sessions    []map[string]any `json:"sessions"`
	Tokens      []map[string]any `json:"api_tokens"`
	Memberships []map[string]any `json:"memberships"`
	Roles       []map[string]any `json:"roles"`
	Audit       []audit.Row      `json:"audit_log"`
	// Components holds what components keep about the person (their
	// awards, say), by component name: see AddExportPart.
	Components map[string]any `json:"components,omitempty"`
}

// ExportPart gives a component's part of a person's data export.
type ExportPart func(ctx context.Context, userID int64) (any, error)

// AddExportPart adds a component's part to the data export (at wiring).
func (s *Service) AddExportPart(name string, p ExportPart) {
	if s.exportParts == nil {
		s.exportParts = map[string]ExportPart{}
	}
	s.exportParts[name] = p
}

// ExportData gathers a person's data. Components that keep more about a
// person add their part through the Exporter hooks.
func (s *Service) ExportData(ctx context.Context, u *User) (*Export, error) {
	e := &Export{ExportedAt: s.db.Now().UTC()}
	e.Profile = map[string]any{
		"id": u.IDString(), "name": u.Name, "email": u.Email, "birth_date": u.BirthDate,
		"region": u.Region, "district": u.District, "language": u.Lang, "email_confirmed": u.EmailConfirmed,
		"hidden_from_lists": u.Hidden, "created_at": u.CreatedAt,
	}
	if u.ConsentRequired {
		e.Profile["guardian"] = map[string]any{"name": u.GuardianName, "email": u.GuardianEmail, "consent_at": u.GuardianConsentAt,
			"requested_at": u.GuardianRequestedAt, "changed_at": u.GuardianChangedAt}
	}
	if u.CreatedByOrg != 0 {
		e.Profile["created_by_organization"] = u.CreatedByOrg
	}
	sessions, err := s.Sessions(ctx, u.ID, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range sessions {
		e.Sessions = append(e.Sessions, map[string]any{"created_at": x.CreatedAt, "last_seen_at": x.LastSeenAt, "user_agent": x.UserAgent, "ip": x.IP})
	}
	tokens, err := s.Tokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		e.Tokens = append(e.Tokens, map[string]any{"name": t.Name, "prefix": t.Prefix, "created_at": t.CreatedAt, "last_used_at": t.LastUsedAt})
	}
	if err := s.rows(ctx, &e.Memberships, `SELECT o.name_kk, m.role, COALESCE(m.since, ''), COALESCE(m.until, '')
		FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ?`, u.ID, "organization", "role", "since", "until"); err != nil {
		return nil, err
	}
	if err := s.rows(ctx, &e.Roles, `SELECT o.name_kk, g.role FROM role_grants g JOIN organizations o ON o.id = g.org_id
		WHERE g.user_id = ?`, u.ID, "organization", "role"); err != nil {
		return nil, err
	}
	mine, err := audit.List(ctx, s.db, audit.Filter{ActorID: u.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	about, err := audit.List(ctx, s.db, audit.Filter{TargetOf: u.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	e.Audit = append(mine, about...)
	for name, part := range s.exportParts {
		v, err := part(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("auth: export %s: %w", name, err)
		}
		if e.Components == nil {
			e.Components = map[string]any{}
		}
		e.Components[name] = v
	}
	return e, nil
}

// rows reads a query's string columns into maps with the given names.
func (s *Service) rows(ctx context.Context, out *[]map[string]any, q string, id int64, names ...string) error {
	rows, err := s.db.Query(ctx, q, id)
	if err != nil {
		return fmt.Errorf("auth: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]string, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		m := make(map[string]any, len(names))
		for i, n := range names {
			m[n] = vals[i]
		}
		*out = append(*out, m)
	}
	return rows.Err()
}

// DeleteAccount removes a person's personal data after they confirm with
// their password. The row stays as an anonymous tombstone so that what
// they contributed in public (proposals, comments) stays, credited to a
// deleted participant; their sessions, tokens, links, memberships and
// roles go.
func (s *Service) DeleteAccount(ctx context.Context, u *User, password string, c Client) error {
	att, err := s.confirmPassword(ctx, u, "password", password, c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		if err := att.succeeded(ctx, tx); err != nil {
			return err
		}
		return deleteAccount(ctx, tx, u.ID)
	})
}

// ErrHasPassword: the account has a password, which deleting it needs
// (the profile page), so a chat alone cannot delete it.
var ErrHasPassword = errors.New("auth: the account has a password")

// DeleteChatAccount deletes, as DeleteAccount does, an account made in a
// chat (RegisterChat), at the request of the chat it is linked to (the
// caller's to check): such an account has no password, and the chat is
// the only key to it. An account with a password is refused with
// ErrHasPassword: its holder deletes it from the profile, with the password.
func (s *Service) DeleteChatAccount(ctx context.Context, userID int64) error {
	return s.write(ctx, func(tx *db.Tx) error {
		var noPassword bool
		err := tx.QueryRow(ctx, "SELECT password_hash IS NULL FROM users WHERE id = ? AND deleted_at IS NULL", userID).Scan(&noPassword)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "error.404.text")
		}
		if err != nil {
			return err
		}
		if !noPassword {
			return ErrHasPassword
		}
		return deleteAccount(ctx, tx, userID)
	})
}

// deleteAccount wipes the person's personal data and access, keeping the
// row as a tombstone, and records it.
func deleteAccount(ctx context.Context, tx *db.Tx, userID int64) error {
	for _, q := range []string{
		"DELETE FROM sessions WHERE user_id = ?",
		"DELETE FROM api_tokens WHERE user_id = ?",
		"DELETE FROM email_tokens WHERE user_id = ?",
		"DELETE FROM memberships WHERE user_id = ?",
		"DELETE FROM role_grants WHERE user_id = ?",
		// Requests to join (orgs, migration 0016) carry the person's note.
		"DELETE FROM org_join_requests WHERE user_id = ?",
	} {
		if _, err := tx.Exec(ctx, q, userID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET email = NULL, name = '', password_hash = NULL, birth_date = NULL,
		region = NULL, district = NULL, guardian_name = NULL, guardian_email = NULL, is_admin = FALSE,
		hidden = TRUE, deleted_at = ?, updated_at = ? WHERE id = ?`, tx.Now, tx.Now, userID); err != nil {
		return err
	}
	id := strconv.FormatInt(userID, 10)
	return audit.Record(ctx, tx, audit.Entry{ActorID: userID, Action: "user.delete", TargetType: "user", TargetID: id})
}

// SetHidden lets a person hide themselves from public member lists.
func (s *Service) SetHidden(ctx context.Context, u *User, hidden bool) error {
	return s.write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET hidden = ?, updated_at = ? WHERE id = ?", hidden, tx.Now, u.ID)
		return err
	})
}

// ChangePassword sets a new password for a signed-in person who gives
// their current one. The check of the current password counts against the
// sign-in limits like a sign-in (a session left open must not become a way
// to guess the password). Every other session ends, every API token is
// revoked and unused reset links die with the old password; the session
// the change was made in (sessionID, 0 for none) stays open.
func (s *Service) ChangePassword(ctx context.Context, u *User, sessionID int64, current, password string, c Client) error {
	var fs errs.Fields
	if current == "" {
		fs.Add("current_password", "validation.required")
	} else if len(current) > MaxPassword {
		fs.Add("current_password", "validation.too_long", "max", MaxPassword)
	}
	CheckPassword(&fs, "new_password", password)
	if err := fs.Err(); err != nil {
		return err
	}
	att, err := s.confirmPassword(ctx, u, "current_password", current, c)
	if err != nil {
		return err
	}
	newHash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		if err := att.succeeded(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", newHash, tx.Now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM email_tokens WHERE user_id = ? AND purpose = 'reset' AND used_at IS NULL", u.ID); err != nil {
			return err
		}
		return endAccess(ctx, tx, u.ID, sessionID)
	})
}

// confirmPassword checks the password of the signed-in person u before an
// act that needs it (changing the password or the guardian, deleting the
// account). The check counts against the sign-in limits exactly like a
// sign-in, so a session left open is no way to guess the password; a wrong
// password is answered on field. The returned attempt must be marked
// succeeded in the act's transaction.
func (s *Service) confirmPassword(ctx context.Context, u *User, field, password string, c Client) (*attempt, error) {
	var fs errs.Fields
	if password == "" {
		fs.Add(field, "validation.required")
	} else if len(password) > MaxPassword {
		fs.Add(field, "validation.too_long", "max", MaxPassword)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var hash string
	var att *attempt
	err := s.db.Write(ctx, func(tx *db.Tx) error { // changes no account: not s.write
		var err error
		if att, err = s.reserveSignin(ctx, tx, u.Email, c.IP); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT COALESCE(password_hash, '') FROM users WHERE id = ? AND deleted_at IS NULL", u.ID).Scan(&hash)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if err != nil {
		return nil, err
	}
	if hash == "" {
		hash = s.hasher.dummy()
	}
	ok, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.failed(ctx, att); err != nil {
			return nil, err
		}
		fs.Add(field, "auth.wrong_password")
		return nil, fs.Err()
	}
	return att, nil
}
