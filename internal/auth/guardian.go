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
)

// A minor's guardian (docs/decisions/0003-minors.md): named once — by the
// child at sign-up, or by whoever made the account (the organization whose
// import made it, or a platform administrator) — and changed only by the
// account holder, once, confirmed with their password. The consent request
// can be sent again, at most once an hour, by the holder or by whoever made
// the account.

// GuardianWait is how long a new consent request for one account waits
// after the last one: the guardian's inbox is not a megaphone.
const GuardianWait = time.Hour

// askGuardian records, inside tx, that userID's guardian is being asked
// now and makes the consent link for email (replacing older unused ones).
// With wait > 0 it refuses (TooMany) when the last request is more recent;
// the conditional update makes two requests at once send one.
func askGuardian(ctx context.Context, tx *db.Tx, userID int64, email string, wait time.Duration) (string, error) {
	res, err := tx.Exec(ctx, `UPDATE users SET guardian_requested_at = ? WHERE id = ?
		AND (guardian_requested_at IS NULL OR guardian_requested_at <= ?)`, tx.Now, userID, tx.Now.Add(-wait))
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", errs.New(errs.TooMany, "consent.resend_wait")
	}
	token, hash := randomToken("")
	if _, err := tx.Exec(ctx, "DELETE FROM email_tokens WHERE user_id = ? AND purpose = 'guardian' AND used_at IS NULL", userID); err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `INSERT INTO email_tokens (token_hash, purpose, user_id, email, created_at, expires_at)
		VALUES (?, 'guardian', ?, ?, ?, ?)`, hash, userID, email, tx.Now, tx.Now.Add(consentTTL))
	return token, err
}

// mailGuardian emails u's guardian the consent link. signup: the child
// has just signed up and named them (the sign-up wording); otherwise the
// text says who made the account, when an organization did.
func (s *Service) mailGuardian(ctx context.Context, u *User, token string, signup bool) {
	args := []any{"name", u.GuardianName, "child", u.Name, "link", s.link(u.Lang, "consent", token)}
	key := "email.guardian"
	if !signup {
		key = "consent.email"
		if org := s.orgName(ctx, u.CreatedByOrg, u.Lang); org != "" {
			key, args = "consent.email_org", append(args, "org", org)
		}
	}
	s.send(ctx, u.GuardianEmail, u.Lang, key, args...)
}

// orgName is an organization's name in l (Kazakh when not written in l).
func (s *Service) orgName(ctx context.Context, id int64, l i18n.Lang) string {
	if id == 0 {
		return ""
	}
	var kk, ru, en string
	if err := s.db.QueryRow(ctx, "SELECT name_kk, name_ru, name_en FROM organizations WHERE id = ?", id).Scan(&kk, &ru, &en); err != nil {
		return ""
	}
	switch {
	case l == i18n.RU && ru != "":
		return ru
	case l == i18n.EN && en != "":
		return en
	}
	return kk
}

// sendGuardianRequest asks u's guardian for consent right after sign-up.
func (s *Service) sendGuardianRequest(ctx context.Context, u *User, signup bool) error {
	var token string
	err := s.write(ctx, func(tx *db.Tx) error {
		var err error
		token, err = askGuardian(ctx, tx, u.ID, u.GuardianEmail, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: guardian request: %w", err)
	}
	s.mailGuardian(ctx, u, token, signup)
	return nil
}

// checkGuardian validates a guardian's name and address (the address not
// the child's own).
func checkGuardian(fs *errs.Fields, name, email, own string) {
	checkText(fs, "guardian_name", name, true, MaxName)
	checkEmail(fs, "guardian_email", email, true)
	if !fs.Has("guardian_email") && email == own {
		fs.Add("guardian_email", "auth.guardian_email_own")
	}
}

// RequestGuardianConsent names the guardian of a minor whose account
// organization orgID's member import made without one, and sends the
// guardian the consent request, as sign-up does. It reports false,
// changing and sending nothing, unless orgID made the account, no guardian
// is recorded yet, and the account still waits for consent (not given,
// not deleted, not 18 yet; the guardian's address not the account's own).
// An import never touches the guardian of an account it did not make.
func (s *Service) RequestGuardianConsent(ctx context.Context, orgID, userID int64, guardianName, guardianEmail string) (bool, error) {
	guardianName, guardianEmail = strings.TrimSpace(guardianName), normalizeEmail(guardianEmail)
	var fs errs.Fields
	checkText(&fs, "guardian_name", guardianName, true, MaxName)
	checkEmail(&fs, "guardian_email", guardianEmail, true)
	if err := fs.Err(); err != nil {
		return false, err
	}
	if orgID == 0 {
		return false, nil
	}
	var u *User
	var token string
	err := s.write(ctx, func(tx *db.Tx) error {
		cur, err := loadUserTx(ctx, tx, userID)
		if err != nil || !cur.WaitsForConsent() {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE users SET guardian_name = ?, guardian_email = ?, updated_at = ?
			WHERE id = ? AND created_by_org = ? AND guardian_email IS NULL AND consent_required = TRUE
			AND guardian_consent_at IS NULL AND deleted_at IS NULL AND (email IS NULL OR email <> ?)`,
			guardianName, guardianEmail, tx.Now, userID, orgID, guardianEmail)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if token, err = askGuardian(ctx, tx, userID, guardianEmail, 0); err != nil {
			return err
		}
		u, err = loadUserTx(ctx, tx, userID)
		return err
	})
	if err != nil || u == nil {
		return false, err
	}
	s.mailGuardian(ctx, u, token, false)
	return true, nil
}

// GuardianInput names a guardian; empty when one is recorded already.
type GuardianInput struct {
	Name  string
	Email string
}

// AskGuardian sends a minor's guardian the consent request again, for
// those who made the account: administrators of organization orgID when
// its import made it, or platform administrators (orgID 0: any account).
// When no guardian is recorded it names one from in (once); a recorded
// guardian is never replaced here — only the account holder may correct
// the address. At most once an hour per account (GuardianWait).
func (s *Service) AskGuardian(ctx context.Context, actor *User, orgID, userID int64, in GuardianInput) (*User, error) {
	need := PlatformAdmin
	if orgID != 0 {
		need = OrgAdmin
	}
	if err := s.Require(ctx, actor, orgID, need); err != nil {
		return nil, err
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), normalizeEmail(in.Email)
	var u *User
	var token string
	err := s.write(ctx, func(tx *db.Tx) error {
		cur, err := loadUserTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if orgID != 0 && cur.CreatedByOrg != orgID {
			// Not an account this organization made: as if there were none.
			return errs.New(errs.NotFound, "error.404.text")
		}
		if !cur.WaitsForConsent() {
			return errs.New(errs.Conflict, "consent.not_waiting")
		}
		var fs errs.Fields
		before := map[string]any{"guardian_name": cur.GuardianName, "guardian_email": cur.GuardianEmail}
		if cur.GuardianEmail == "" {
			checkGuardian(&fs, in.Name, in.Email, cur.Email)
			if err := fs.Err(); err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE users SET guardian_name = ?, guardian_email = ?, updated_at = ?
				WHERE id = ? AND guardian_email IS NULL`, in.Name, in.Email, tx.Now, userID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.New(errs.Conflict, "consent.guardian_set")
			}
		} else if in.Email != "" && in.Email != cur.GuardianEmail {
			fs.Add("guardian_email", "consent.guardian_set")
			return fs.Err()
		}
		if u, err = loadUserTx(ctx, tx, userID); err != nil {
			return err
		}
		if token, err = askGuardian(ctx, tx, userID, u.GuardianEmail, GuardianWait); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "user.guardian_request", TargetType: "user",
			TargetID: u.IDString(), OrgID: orgID, Before: before,
			After: map[string]any{"guardian_name": u.GuardianName, "guardian_email": u.GuardianEmail}})
	})
	if err != nil {
		return nil, err
	}
	s.mailGuardian(ctx, u, token, false)
	return u, nil
}

// ResendGuardianRequest sends the account holder's guardian the consent
// request again (from the profile), at most once an hour.
func (s *Service) ResendGuardianRequest(ctx context.Context, holder *User) error {
	var u *User
	var token string
	err := s.write(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = loadUserTx(ctx, tx, holder.ID); err != nil {
			return err
		}
		if !u.WaitsForConsent() || u.GuardianEmail == "" {
			return errs.New(errs.Conflict, "consent.not_waiting")
		}
		token, err = askGuardian(ctx, tx, u.ID, u.GuardianEmail, GuardianWait)
		return err
	})
	if err != nil {
		return err
	}
	s.mailGuardian(ctx, u, token, false)
	return nil
}

// ChangeGuardian lets the account holder correct their guardian's address
// (and name) once, while consent is still awaited, confirmed with their
// password; the new guardian is asked at once and the old link stops
// working. An account made by an organization has no password until its
// holder sets one ("forgot password", which proves the address).
func (s *Service) ChangeGuardian(ctx context.Context, holder *User, password, name, email string, c Client) error {
	name, email = strings.TrimSpace(name), normalizeEmail(email)
	var hash sql.NullString
	cur, err := scanUser(s.db.Now(), s.db.QueryRow(ctx, "SELECT "+userColumns+", u.password_hash FROM users u WHERE u.id = ?", holder.ID), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return fmt.Errorf("auth: change guardian: %w", err)
	}
	if !cur.WaitsForConsent() {
		return errs.New(errs.Conflict, "consent.not_waiting")
	}
	if cur.GuardianChangedAt != nil {
		return errs.New(errs.Conflict, "consent.change_used")
	}
	if name == "" {
		name = cur.GuardianName
	}
	var fs errs.Fields
	checkGuardian(&fs, name, email, cur.Email)
	if password == "" {
		fs.Add("password", "validation.required")
	} else if !hash.Valid || hash.String == "" {
		fs.Add("password", "consent.no_password")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	att, err := s.confirmPassword(ctx, cur, "password", password, c)
	if err != nil {
		return err
	}
	var u *User
	var token string
	err = s.write(ctx, func(tx *db.Tx) error {
		if err := att.succeeded(ctx, tx); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE users SET guardian_name = ?, guardian_email = ?, guardian_changed_at = ?, updated_at = ?
			WHERE id = ? AND guardian_changed_at IS NULL AND guardian_consent_at IS NULL AND deleted_at IS NULL`,
			name, email, tx.Now, tx.Now, cur.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "consent.change_used")
		}
		if token, err = askGuardian(ctx, tx, cur.ID, email, 0); err != nil {
			return err
		}
		if u, err = loadUserTx(ctx, tx, cur.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: cur.ID, Action: "user.guardian_change", TargetType: "user",
			TargetID: cur.IDString(), Before: map[string]any{"guardian_name": cur.GuardianName, "guardian_email": cur.GuardianEmail},
			After: map[string]any{"guardian_name": name, "guardian_email": email}})
	})
	if err != nil {
		return err
	}
	s.mailGuardian(ctx, u, token, false)
	return nil
}
