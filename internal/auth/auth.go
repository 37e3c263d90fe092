// Package auth holds people's accounts and everything about who they are
// and what they may do: sign-up with the guardian consent minors need,
// passwords (argon2id), sessions and API tokens stored in the database (so
// they hold on every node), sign-in throttling, one-time email links, and
// the role × organization-subtree permission checks every service calls.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
)

// Settings are the parts of the configuration auth needs.
type Settings struct {
	BaseURL         string
	SiteName        string
	SessionLifetime time.Duration
	SigninAccount   int // failed sign-ins per account per window
	SigninIP        int // failed sign-ins per client address per window
	SigninWindow    time.Duration
	CheckedTTL      time.Duration // how long a checked session or token is trusted without a query; 0: always query
	MailPerAddress  int           // sign-up, reset and confirmation emails per recipient address per MailWindow (0: 3)
	MailPerClient   int           // the same per client address (0: 20)
	MailWindow      time.Duration // (0: an hour)
}

// Service is the accounts service.
type Service struct {
	db          *db.DB
	hasher      *Hasher
	mail        mail.Sender
	catalog     *i18n.Catalog
	log         *slog.Logger
	exportParts map[string]ExportPart // components' parts of the data export (AddExportPart)
	set         Settings
	recent      *recent // checked sessions and tokens
	views       *recent // ViewRole's roles

	mailing sync.WaitGroup // emails being sent after their request was answered (see later)
	senders chan struct{}  // bounds them
}

// New returns the service.
func New(d *db.DB, h *Hasher, m mail.Sender, c *i18n.Catalog, log *slog.Logger, s Settings) *Service {
	if s.MailPerAddress <= 0 {
		s.MailPerAddress = 3
	}
	if s.MailPerClient <= 0 {
		s.MailPerClient = 20
	}
	if s.MailWindow <= 0 {
		s.MailWindow = time.Hour
	}
	svc := &Service{db: d, hasher: h, mail: m, catalog: c, log: log, set: s, recent: newRecent(s.CheckedTTL, func() time.Time { return d.Now() }),
		views: newRecent(s.CheckedTTL, func() time.Time { return d.Now() }), senders: make(chan struct{}, 4)}
	d.OnEvent("auth", svc.forgetChecked)
	return svc
}

// later runs fn — sending an email, and making its link — after the
// request that asked for it has been answered, with a context that
// outlives the request. Whether a sign-up or a password reset mails a
// link, a notice or nothing depends on whether the address has an
// account; doing that work here keeps it out of the answer's timing.
// At most four run at once; Wait waits for them.
func (s *Service) later(ctx context.Context, fn func(ctx context.Context)) {
	s.mailing.Add(1)
	go func() {
		defer s.mailing.Done()
		s.senders <- struct{}{}
		defer func() { <-s.senders }()
		fn(db.Untracked(context.WithoutCancel(ctx)))
	}()
}

// Wait returns when the emails being sent in the background have gone
// (or failed, which is logged): at shutdown, once the last request has
// been answered, and in tests.
func (s *Service) Wait() { s.mailing.Wait() }

// write runs fn in a write transaction and, when it commits, has every
// node forget the sessions, tokens and roles it checked recently (the
// "auth" event: this node at once, the others as soon as PostgreSQL
// tells them): whatever fn changed (a sign-out, a deletion, a consent, a
// revoked role) counts from the next request on, on every node.
func (s *Service) write(ctx context.Context, fn func(*db.Tx) error) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Announce(ctx, "auth")
	})
}

// forgetChecked drops what this node remembers of sessions, tokens and
// roles (the "auth" event's handler).
func (s *Service) forgetChecked() {
	s.recent.forget()
	s.views.forget()
}

// User is a person with an account.
type User struct {
	ID                int64
	Email             string
	Name              string
	BirthDate         string // YYYY-MM-DD or ""
	Region            string
	District          string
	Lang              i18n.Lang
	IsAdmin           bool
	EmailConfirmed    bool
	ConsentRequired   bool
	GuardianName      string
	GuardianEmail     string
	GuardianConsentAt *time.Time
	Hidden            bool
	CreatedAt         time.Time
	Deleted           bool
	// CreatedByOrg is the organization whose member import made the
	// account (0: the person signed up, or an administrator made it).
	CreatedByOrg        int64
	GuardianRequestedAt *time.Time // when the guardian was last sent a consent link
	GuardianChangedAt   *time.Time // when the holder corrected the guardian's address (once)

	at time.Time // when the account was read: Limited judges the age on that day
}

// Limited reports whether the person is a minor whose guardian has not yet
// consented: they can sign in and read, but appear in no member list and
// can apply to nothing, and Ortaq keeps only what sign-up needed. The
// limit ends with consent or on the 18th birthday (Kazakhstan's calendar
// day, judged when the account was read: no job needs to lift it).
func (u *User) Limited() bool {
	if !u.ConsentRequired || u.GuardianConsentAt != nil {
		return false
	}
	at := u.at
	if at.IsZero() {
		at = time.Now()
	}
	a, ok := age(u.BirthDate, at)
	return !ok || a < AdultAge
}

// WaitsForConsent reports whether the account is limited and its guardian
// can still be asked (the profile's and organizations' resend).
func (u *User) WaitsForConsent() bool { return !u.Deleted && u.Limited() }

// AdultCutoff is the latest birth date of a person who is 18 on now's
// calendar day in Kazakhstan: birth_date <= AdultCutoff(now) means adult.
func AdultCutoff(now time.Time) string {
	d := now.In(i18n.Almaty)
	return fmt.Sprintf("%04d-%02d-%02d", d.Year()-AdultAge, d.Month(), d.Day())
}

// NotLimitedSQL is the SQL form of !Limited() for a users row aliased u;
// it takes one argument, AdultCutoff(now). Lists and counts of people who
// may take part use it (with u.deleted_at IS NULL).
const NotLimitedSQL = `(u.consent_required = FALSE OR u.guardian_consent_at IS NOT NULL OR u.birth_date <= ?)`

// IDString is the opaque id used in the API and in URLs.
func (u *User) IDString() string { return strconv.FormatInt(u.ID, 10) }

const userColumns = `u.id, COALESCE(u.email, ''), u.name, COALESCE(u.birth_date, ''), COALESCE(u.region, ''),
	COALESCE(u.district, ''), u.lang, u.is_admin, u.email_confirmed_at, u.consent_required,
	COALESCE(u.guardian_name, ''), COALESCE(u.guardian_email, ''), u.guardian_consent_at, u.hidden,
	u.created_at, u.deleted_at, COALESCE(u.created_by_org, 0), u.guardian_requested_at, u.guardian_changed_at`

type scanner interface{ Scan(...any) error }

// scanUser reads a row of userColumns (then extra) read at now.
func scanUser(now time.Time, s scanner, extra ...any) (*User, error) {
	var u User
	var confirmed, consent, created, deleted, requested, changed db.Time
	var lang string
	dest := []any{&u.ID, &u.Email, &u.Name, &u.BirthDate, &u.Region, &u.District, &lang, &u.IsAdmin,
		&confirmed, &u.ConsentRequired, &u.GuardianName, &u.GuardianEmail, &consent, &u.Hidden, &created, &deleted,
		&u.CreatedByOrg, &requested, &changed}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	u.at = now
	u.GuardianRequestedAt = requested.Ptr()
	u.GuardianChangedAt = changed.Ptr()
	u.Lang = i18n.Lang(lang)
	u.EmailConfirmed = confirmed.Valid
	u.GuardianConsentAt = consent.Ptr()
	u.CreatedAt = created.Time
	u.Deleted = deleted.Valid
	return &u, nil
}

// UserByID returns a user (deleted ones too: their tombstone).
func (s *Service) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.db.Now(), s.db.QueryRow(ctx, "SELECT "+userColumns+" FROM users u WHERE u.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: user %d: %w", id, err)
	}
	return u, nil
}

func userByEmail(ctx context.Context, tx *db.Tx, email string) (*User, string, error) {
	var hash sql.NullString
	u, err := scanUser(tx.Now, tx.QueryRow(ctx, "SELECT "+userColumns+", u.password_hash FROM users u WHERE u.email = ?", email), &hash)
	if err != nil {
		return nil, "", err
	}
	return u, hash.String, nil
}

// randomToken returns a URL-safe secret with 256 bits of entropy and the
// hash under which it is stored: a database leak does not leak sign-ins.
func randomToken(prefix string) (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// age in whole years on day now.
func age(birth string, now time.Time) (int, bool) {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return 0, false
	}
	now = now.In(i18n.Almaty)
	y := now.Year() - b.Year()
	if now.Month() < b.Month() || (now.Month() == b.Month() && now.Day() < b.Day()) {
		y--
	}
	return y, true
}

// AgeOf returns u's age at now, or -1 when the birth date is unknown.
func AgeOf(u *User, now time.Time) int {
	a, ok := age(u.BirthDate, now)
	if !ok {
		return -1
	}
	return a
}

// UserByEmail returns the account with this address.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u *User
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		var err error
		u, _, err = userByEmail(ctx, tx, normalizeEmail(email))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	return u, err
}
