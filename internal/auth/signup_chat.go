package auth

import (
	"context"
	"fmt"
	"slices"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Sign-up in a chat (the Telegram bot, docs/decisions/0060-telegram.md):
// the same rules as the web's form (checkSignUp), without an email address
// or a password — the chat the person signed up in is how the account is
// reached, and the caller links it in the transaction that creates the
// account. A minor's guardian is asked for consent as after the web's
// sign-up.

// CheckSignUp validates the named fields of a sign-up made in a chat,
// which asks one question at a time: it returns an Invalid error with the
// problems of those fields only (the others may not be asked yet), or nil.
func (s *Service) CheckSignUp(ctx context.Context, in SignUp, fields ...string) error {
	var fs errs.Fields
	if _, err := s.checkSignUp(ctx, &in, &fs, false); err != nil {
		return err
	}
	var out errs.Fields
	for _, f := range fs {
		if slices.Contains(fields, f.Name) {
			out = append(out, f)
		}
	}
	return out.Err()
}

// IsMinor reports whether someone born on birthDate (YYYY-MM-DD) is under
// 18 today in Kazakhstan, so that a chat's sign-up asks for the guardian;
// false for a date that does not parse.
func (s *Service) IsMinor(birthDate string) bool {
	a, ok := age(birthDate, s.db.Now())
	return ok && a < AdultAge
}

// RegisterChat creates an account from a sign-up made in a chat: no email
// address, no password. Nothing is written unless every field is valid.
// link runs inside the transaction that creates the account, with its id,
// so that the account and its chat come into being together (or neither
// does). A minor's account is limited until the guardian consents; the
// guardian is emailed the consent link after the commit (the web's
// sign-up wording), and that email counts against the limits per
// recipient and per client (c.IP: the caller's key for the chat).
func (s *Service) RegisterChat(ctx context.Context, in SignUp, c Client, link func(ctx context.Context, tx *db.Tx, userID int64) error) (*User, error) {
	var fs errs.Fields
	minor, err := s.checkSignUp(ctx, &in, &fs, false)
	if err != nil {
		return nil, err
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var u *User
	err = s.write(ctx, func(tx *db.Tx) error {
		if minor {
			if err := s.reserveEmails(ctx, tx, c.IP, in.GuardianEmail); err != nil {
				return err
			}
		}
		id, err := insertUser(ctx, tx, in, "", false, minor)
		if err != nil {
			return err
		}
		if err := link(ctx, tx, id); err != nil {
			return err
		}
		u, err = loadUserTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: chat sign-up: %w", err)
	}
	if minor {
		s.later(ctx, func(ctx context.Context) {
			if err := s.sendGuardianRequest(ctx, u, true); err != nil {
				s.log.Error("chat sign-up: consent link", "err", err)
			}
		})
	}
	return u, nil
}
