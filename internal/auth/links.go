package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
)

// One-time links sent by email. Only a hash of each token is stored; a
// token works once, for one purpose, until it expires.

func (s *Service) newLink(ctx context.Context, userID int64, purpose, email string, ttl time.Duration) (string, error) {
	token, hash := randomToken("")
	err := s.write(ctx, func(tx *db.Tx) error {
		// A new link replaces older unused ones of the same purpose.
		if _, err := tx.Exec(ctx, "DELETE FROM email_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL", userID, purpose); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, hash, purpose, userID, email, tx.Now, tx.Now.Add(ttl))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("auth: link: %w", err)
	}
	return token, nil
}

// send delivers a message; failure is logged, not returned, because the
// action that sent it (a sign-up, say) has already happened and the person
// can ask for the link again.
func (s *Service) send(ctx context.Context, to string, l i18n.Lang, key string, args ...any) {
	p := s.printer(l)
	args = append(args, "site", s.set.SiteName)
	m := mail.Message{To: to, Subject: p.T(key+".subject", args...), Text: p.T(key+".body", args...)}
	if err := s.mail.Send(ctx, m); err != nil {
		s.log.Error("email not sent", "to", to, "kind", key, "err", err)
	}
}

func (s *Service) sendConfirmation(ctx context.Context, u *User) error {
	token, err := s.newLink(ctx, u.ID, "confirm", u.Email, confirmTTL)
	if err != nil {
		return err
	}
	s.send(ctx, u.Email, u.Lang, "email.confirm", "name", u.Name, "link", s.link(u.Lang, "confirm", token))
	return nil
}

// ResendConfirmation sends a new confirmation link to a signed-in person.
// It counts against the email limits (c is the client): an account made
// with someone else's address must not become a way to flood it.
func (s *Service) ResendConfirmation(ctx context.Context, u *User, c Client) error {
	if u.EmailConfirmed {
		return nil
	}
	if err := s.db.Write(ctx, func(tx *db.Tx) error { return s.reserveEmails(ctx, tx, c.IP, u.Email) }); err != nil {
		return err
	}
	return s.sendConfirmation(ctx, u)
}

// useLink checks a token of the given purpose inside tx and marks it used.
func useLink(ctx context.Context, tx *db.Tx, token, purpose string) (userID int64, email string, err error) {
	var expires db.Time
	var used db.Time
	err = tx.QueryRow(ctx, `SELECT user_id, email, expires_at, used_at FROM email_tokens
		WHERE token_hash = ? AND purpose = ?`, hashToken(token), purpose).Scan(&userID, &email, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || !tx.Now.Before(expires.Time))) {
		return 0, "", errs.New(errs.NotFound, "auth.link_invalid")
	}
	if err != nil {
		return 0, "", err
	}
	res, err := tx.Exec(ctx, "UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", tx.Now, hashToken(token))
	if err != nil {
		return 0, "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, "", errs.New(errs.NotFound, "auth.link_invalid")
	}
	return userID, email, nil
}

// peekLink checks a token without using it (to show the page a link opens).
func (s *Service) peekLink(ctx context.Context, token, purpose string) (int64, error) {
	var userID int64
	var expires, used db.Time
	err := s.db.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM email_tokens
		WHERE token_hash = ? AND purpose = ?`, hashToken(token), purpose).Scan(&userID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (used.Valid || !s.db.Now().Before(expires.Time))) {
		return 0, errs.New(errs.NotFound, "auth.link_invalid")
	}
	return userID, err
}

// ConfirmEmail confirms the address a confirmation link was sent to.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (*User, error) {
	var u *User
	err := s.write(ctx, func(tx *db.Tx) error {
		id, email, err := useLink(ctx, tx, token, "confirm")
		if err != nil {
			return err
		}
		// Only if the address is still the one the link was sent to.
		if _, err := tx.Exec(ctx, "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, ?), updated_at = ? WHERE id = ? AND email = ?",
			tx.Now, tx.Now, id, email); err != nil {
			return err
		}
		u, err = loadUserTx(ctx, tx, id)
		return err
	})
	return u, err
}

// RequestPasswordReset emails a reset link when the address belongs to an
// account. It says the same either way, takes the same time (one write
// transaction that counts the request against the email limits, per
// address whether or not it has an account, and per client c; the link is
// made and sent after the answer, see later), so it cannot be used to
// learn who has an account.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, l i18n.Lang, c Client) error {
	email = normalizeEmail(email)
	var fs errs.Fields
	checkEmail(&fs, "email", email, true)
	if err := fs.Err(); err != nil {
		return err
	}
	var u *User
	err := s.db.Write(ctx, func(tx *db.Tx) error { // changes no account: not s.write
		if err := s.reserveEmails(ctx, tx, c.IP, email); err != nil {
			return err
		}
		var err error
		u, _, err = userByEmail(ctx, tx, email)
		if errors.Is(err, sql.ErrNoRows) {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if u == nil {
		s.log.Info("password reset for unknown address", "email_domain", email[strings.LastIndexByte(email, '@')+1:])
		return nil
	}
	s.later(ctx, func(ctx context.Context) {
		token, err := s.newLink(ctx, u.ID, "reset", u.Email, resetTTL)
		if err != nil {
			s.log.Error("password reset link", "err", err)
			return
		}
		s.send(ctx, u.Email, l, "email.reset", "name", u.Name, "link", s.link(l, "reset", token))
	})
	return nil
}

// CheckResetLink tells whether a reset link is still good (before showing its form).
func (s *Service) CheckResetLink(ctx context.Context, token string) error {
	_, err := s.peekLink(ctx, token, "reset")
	return err
}

// ResetPassword sets a new password with a reset link, signs the person
// out everywhere and revokes their API tokens: whoever knew the old
// password is out.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	var fs errs.Fields
	CheckPassword(&fs, "password", password)
	if err := fs.Err(); err != nil {
		return err
	}
	if err := s.CheckResetLink(ctx, token); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *db.Tx) error {
		id, email, err := useLink(ctx, tx, token, "reset")
		if err != nil {
			return err
		}
		// Following the link proves the address too.
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ?,
			email_confirmed_at = COALESCE(email_confirmed_at, ?) WHERE id = ? AND email = ?`,
			hash, tx.Now, tx.Now, id, email); err != nil {
			return err
		}
		return endAccess(ctx, tx, id, 0)
	})
}

// ConsentRequest is what a guardian sees when opening the consent link.
type ConsentRequest struct {
	ChildName    string
	BirthDate    string
	GuardianName string
	Given        bool
}

// Consent returns the request a guardian's link is for.
func (s *Service) Consent(ctx context.Context, token string) (*ConsentRequest, error) {
	id, err := s.peekLink(ctx, token, "guardian")
	if err != nil {
		return nil, err
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return &ConsentRequest{ChildName: u.Name, BirthDate: u.BirthDate, GuardianName: u.GuardianName, Given: u.GuardianConsentAt != nil}, nil
}

// GiveConsent records a guardian's consent (their name as they confirm it,
// the address the link went to, and the time) and lifts the limits on the
// minor's account.
func (s *Service) GiveConsent(ctx context.Context, token, guardianName string) (*User, error) {
	guardianName = strings.TrimSpace(guardianName)
	var fs errs.Fields
	checkText(&fs, "guardian_name", guardianName, true, MaxName)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var u *User
	err := s.write(ctx, func(tx *db.Tx) error {
		id, email, err := useLink(ctx, tx, token, "guardian")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET guardian_name = ?, guardian_email = ?, guardian_consent_at = ?, updated_at = ?
			WHERE id = ? AND deleted_at IS NULL`, guardianName, email, tx.Now, tx.Now, id); err != nil {
			return err
		}
		if u, err = loadUserTx(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorLabel: "guardian", Action: "user.guardian_consent",
			TargetType: "user", TargetID: u.IDString(),
			After: map[string]any{"guardian_name": guardianName, "guardian_email": email, "at": tx.Now}})
	})
	return u, err
}
