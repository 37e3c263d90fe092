package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Limits on what people type.
const (
	MaxName        = 200
	MaxEmail       = 254
	MinPassword    = 10
	MaxPassword    = 256 // hashing megabytes of "password" is a denial of service
	MinAge         = 14  // Ortaq's programmes are for people from 14 (docs/decisions/0003-minors.md)
	AdultAge       = 18
	consentTTL     = 14 * 24 * time.Hour
	confirmTTL     = 7 * 24 * time.Hour
	resetTTL       = time.Hour
	sessionTouchEv = 5 * time.Minute // how stale last_seen_at may get before a write refreshes it
)

// SignUp is what a person fills in to create an account.
type SignUp struct {
	Name          string
	Email         string
	Password      string
	BirthDate     string // YYYY-MM-DD
	Region        string // region code
	District      string // district code, optional
	Lang          i18n.Lang
	GuardianName  string // needed under 18
	GuardianEmail string
}

// normalizeEmail lowercases and trims an address; uniqueness is on this form.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkText(fs *errs.Fields, field, v string, required bool, max int) {
	switch {
	case !utf8.ValidString(v):
		fs.Add(field, "validation.invalid_utf8")
	case required && strings.TrimSpace(v) == "":
		fs.Add(field, "validation.required")
	case utf8.RuneCountInString(v) > max:
		fs.Add(field, "validation.too_long", "max", max)
	case strings.ContainsAny(v, "\x00\r\n"):
		fs.Add(field, "validation.invalid_chars")
	}
}

func checkEmail(fs *errs.Fields, field, v string, required bool) {
	checkText(fs, field, v, required, MaxEmail)
	if fs.Has(field) || v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		fs.Add(field, "validation.invalid_email")
	}
}

// CheckPassword validates a new password.
func CheckPassword(fs *errs.Fields, field, pw string) {
	switch {
	case !utf8.ValidString(pw):
		fs.Add(field, "validation.invalid_utf8")
	case utf8.RuneCountInString(pw) < MinPassword:
		fs.Add(field, "validation.password_too_short", "min", MinPassword)
	case len(pw) > MaxPassword:
		fs.Add(field, "validation.too_long", "max", MaxPassword)
	}
}

// checkBirthDate validates a birth date and returns the age at now.
func checkBirthDate(fs *errs.Fields, field, v string, now time.Time, required bool) int {
	if v == "" {
		if required {
			fs.Add(field, "validation.required")
		}
		return -1
	}
	b, err := time.Parse("2006-01-02", v)
	if err != nil {
		fs.Add(field, "validation.invalid_date")
		return -1
	}
	if b.After(now.In(i18n.Almaty)) {
		fs.Add(field, "validation.date_in_future")
		return -1
	}
	if b.Year() < 1900 {
		fs.Add(field, "validation.invalid_date")
		return -1
	}
	a, _ := age(v, now)
	return a
}

// checkRegion validates a region and an optional district inside it.
func checkRegion(ctx context.Context, tx *db.Tx, fs *errs.Fields, region, district string, required bool) error {
	if region == "" {
		if required {
			fs.Add("region", "validation.required")
		}
		if district != "" {
			fs.Add("district", "validation.invalid_choice")
		}
		return nil
	}
	ok, err := tx.Exists(ctx, "SELECT 1 FROM regions WHERE code = ? AND kind IN ('region', 'city') AND parent_code = 'KZ'", region)
	if err != nil {
		return err
	}
	if !ok {
		fs.Add("region", "validation.invalid_choice")
		return nil
	}
	if district != "" {
		ok, err := tx.Exists(ctx, "SELECT 1 FROM regions WHERE code = ? AND parent_code = ?", district, region)
		if err != nil {
			return err
		}
		if !ok {
			fs.Add("district", "validation.invalid_choice")
		}
	}
	return nil
}

// checkSignUp validates a sign-up, normalizing in (trimmed names,
// lowercased addresses, a known language), and reports whether the person
// is a minor (whose guardian fields are then required; an adult's are
// cleared). web: the sign-up form, with an email address and a password;
// otherwise a sign-up in a chat (RegisterChat), which has neither. The
// region is checked against the database.
func (s *Service) checkSignUp(ctx context.Context, in *SignUp, fs *errs.Fields, web bool) (bool, error) {
	in.Email = normalizeEmail(in.Email)
	in.GuardianEmail = normalizeEmail(in.GuardianEmail)
	in.Name = strings.TrimSpace(in.Name)
	in.GuardianName = strings.TrimSpace(in.GuardianName)
	if _, ok := i18n.Parse(string(in.Lang)); !ok {
		in.Lang = i18n.KK
	}
	checkText(fs, "name", in.Name, true, MaxName)
	if web {
		checkEmail(fs, "email", in.Email, true)
		CheckPassword(fs, "password", in.Password)
	} else {
		in.Email, in.Password = "", ""
	}
	a := checkBirthDate(fs, "birth_date", in.BirthDate, s.db.Now(), true)
	if a >= 0 && a < MinAge {
		fs.Add("birth_date", "auth.too_young", "min", MinAge)
	}
	minor := a >= 0 && a < AdultAge
	if minor {
		checkGuardian(fs, in.GuardianName, in.GuardianEmail, in.Email)
	} else {
		// An adult's guardian fields are not needed: not kept.
		in.GuardianName, in.GuardianEmail = "", ""
	}
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return checkRegion(ctx, tx, fs, in.Region, in.District, true)
	})
	return minor, err
}

// SignedUp is what the sign-up page may say afterwards: what was asked
// for, never whether the address already had an account.
type SignedUp struct {
	Email         string
	GuardianEmail string // a minor's guardian, who is asked for consent when the account is new; "" for an adult
}

// Register creates an account from a sign-up form and emails the link that
// confirms the address, and, for a minor, the consent link to the
// guardian. Nothing is written unless every field is valid.
//
// When the address already has an account, nothing is created and that
// account's owner gets an email instead ("someone tried to sign up with
// your address; if it was you, sign in or reset your password"). The
// answer is the same either way, and so is the work done before it (one
// hash, one write transaction; the emails go after the answer, see later),
// so sign-up does not tell who has an account. The emails count against
// the limits per recipient (the address and the guardian's) and per client
// address (reserveEmails).
func (s *Service) Register(ctx context.Context, in SignUp, c Client) (*SignedUp, error) {
	var fs errs.Fields
	minor, err := s.checkSignUp(ctx, &in, &fs, true)
	if err != nil {
		return nil, err
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password) // whether or not the account will be made
	if err != nil {
		return nil, err
	}
	var u, taken *User
	err = s.write(ctx, func(tx *db.Tx) error {
		if err := s.reserveEmails(ctx, tx, c.IP, in.Email, in.GuardianEmail); err != nil {
			return err
		}
		id, err := insertUserOr(ctx, tx, "ON CONFLICT (email) DO NOTHING", in, hash, false, minor)
		if errors.Is(err, sql.ErrNoRows) { // the address has an account
			taken, _, err = userByEmail(ctx, tx, in.Email)
			return err
		}
		if err != nil {
			return err
		}
		u, err = loadUserTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if taken != nil {
		s.later(ctx, func(ctx context.Context) { s.sendSignupTaken(ctx, taken) })
	} else {
		s.later(ctx, func(ctx context.Context) {
			if err := s.sendConfirmation(ctx, u); err != nil {
				s.log.Error("sign-up: confirmation link", "err", err)
			}
			if minor {
				if err := s.sendGuardianRequest(ctx, u, true); err != nil {
					s.log.Error("sign-up: consent link", "err", err)
				}
			}
		})
	}
	return &SignedUp{Email: in.Email, GuardianEmail: in.GuardianEmail}, nil
}

// sendSignupTaken tells the owner of an address that someone tried to sign
// up with it, in the owner's language.
func (s *Service) sendSignupTaken(ctx context.Context, u *User) {
	s.send(ctx, u.Email, u.Lang, "email.signup_taken", "name", u.Name,
		"signin", fmt.Sprintf("%s/%s/signin", s.set.BaseURL, u.Lang), "reset", fmt.Sprintf("%s/%s/forgot", s.set.BaseURL, u.Lang))
}

func insertUser(ctx context.Context, tx *db.Tx, in SignUp, hash string, confirmed, consentRequired bool) (int64, error) {
	return insertUserOr(ctx, tx, "", in, hash, confirmed, consentRequired)
}

// insertUserOr inserts with an ON CONFLICT clause (sql.ErrNoRows when it
// inserted nothing).
func insertUserOr(ctx context.Context, tx *db.Tx, onConflict string, in SignUp, hash string, confirmed, consentRequired bool) (int64, error) {
	var id int64
	var confirmedAt any
	if confirmed {
		confirmedAt = tx.Now
	}
	err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, birth_date, region, district, lang,
		email_confirmed_at, consent_required, guardian_name, guardian_email, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+onConflict+` RETURNING id`,
		nullStr(in.Email), in.Name, nullStr(hash), nullStr(in.BirthDate), nullStr(in.Region), nullStr(in.District), string(in.Lang),
		confirmedAt, consentRequired, nullStr(in.GuardianName), nullStr(in.GuardianEmail), tx.Now, tx.Now).Scan(&id)
	return id, err
}

func loadUserTx(ctx context.Context, tx *db.Tx, id int64) (*User, error) {
	u, err := scanUser(tx.Now, tx.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	return u, err
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// NewUser is an account created by an administrator or the command line.
type NewUser struct {
	Name, Email, BirthDate, Region, Password string
	Admin                                    bool
	// A minor's guardian, optional: when given, they are asked for consent
	// at once (the administrator who makes the account names them, once).
	GuardianName, GuardianEmail string
}

// CreateConfirmed creates an account with a confirmed email, as
// `ortaq user add` and POST /api/v1/people do. A minor's account still
// waits for the guardian's consent; a guardian given for a minor is sent
// the consent request (an adult's is discarded). actorID 0 means the
// command line. It returns the password, generated when none was given.
func (s *Service) CreateConfirmed(ctx context.Context, actorID int64, in NewUser) (*User, string, error) {
	su := SignUp{Name: strings.TrimSpace(in.Name), Email: normalizeEmail(in.Email), BirthDate: in.BirthDate, Region: in.Region, Lang: i18n.KK,
		GuardianName: strings.TrimSpace(in.GuardianName), GuardianEmail: normalizeEmail(in.GuardianEmail)}
	var fs errs.Fields
	checkText(&fs, "name", su.Name, true, MaxName)
	checkEmail(&fs, "email", su.Email, true)
	pw := in.Password
	if pw == "" {
		t, _ := randomToken("")
		pw = t[:16]
	}
	CheckPassword(&fs, "password", pw)
	a := checkBirthDate(&fs, "birth_date", su.BirthDate, s.db.Now(), false)
	minor := a >= 0 && a < AdultAge
	if minor && (su.GuardianName != "" || su.GuardianEmail != "") {
		checkGuardian(&fs, su.GuardianName, su.GuardianEmail, su.Email)
	} else if !minor {
		su.GuardianName, su.GuardianEmail = "", ""
	}
	if err := fs.Err(); err != nil {
		return nil, "", err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return nil, "", err
	}
	var u *User
	err = s.write(ctx, func(tx *db.Tx) error {
		if err := checkRegion(ctx, tx, &fs, su.Region, "", false); err != nil {
			return err
		}
		if err := fs.Err(); err != nil {
			return err
		}
		id, err := insertUser(ctx, tx, su, hash, true, minor)
		if db.IsUnique(err) {
			fs.Add("email", "validation.email_taken")
			return fs.Err()
		}
		if err != nil {
			return err
		}
		if in.Admin {
			if _, err := tx.Exec(ctx, "UPDATE users SET is_admin = TRUE WHERE id = ?", id); err != nil {
				return err
			}
		}
		if u, err = loadUserTx(ctx, tx, id); err != nil {
			return err
		}
		after := map[string]any{"name": u.Name, "email": u.Email, "admin": u.IsAdmin, "region": u.Region}
		if u.GuardianEmail != "" {
			after["guardian_name"], after["guardian_email"] = u.GuardianName, u.GuardianEmail
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorLabel: cliLabel(actorID), Action: "user.create",
			TargetType: "user", TargetID: u.IDString(), After: after})
	})
	if err != nil {
		return nil, "", err
	}
	if u.GuardianEmail != "" && u.WaitsForConsent() {
		if err := s.sendGuardianRequest(ctx, u, false); err != nil {
			return u, pw, err
		}
	}
	return u, pw, nil
}

func cliLabel(actorID int64) string {
	if actorID == 0 {
		return "cli"
	}
	return ""
}

// SetLanguage remembers a person's language.
func (s *Service) SetLanguage(ctx context.Context, userID int64, l i18n.Lang) error {
	return s.write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET lang = ?, updated_at = ? WHERE id = ?", string(l), tx.Now, userID)
		return err
	})
}

func (s *Service) printer(l i18n.Lang) *i18n.Printer { return s.catalog.Printer(l) }

// link builds an absolute link into the site for emails.
func (s *Service) link(l i18n.Lang, path, token string) string {
	return fmt.Sprintf("%s/%s/%s?token=%s", s.set.BaseURL, l, path, token)
}
