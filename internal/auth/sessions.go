package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Session is one signed-in browser.
type Session struct {
	ID         int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
	Current    bool
}

// Client describes who is asking, for limits and the sessions list.
type Client struct {
	IP        string
	UserAgent string
}

// SignIn checks an email and password and opens a session. Attempts are
// limited per account and per client address in the database, so the
// limits hold across every node: each attempt is reserved (counted) before
// its password is hashed, so that a burst of concurrent attempts gets no
// more hashes than the limit; when a limit is reached the answer is
// TooMany whatever the password. A wrong password keeps its reservation as
// a failure; the right one removes its own and the account's failures that
// had been settled when it started — never those of attempts still being
// checked beside it.
func (s *Service) SignIn(ctx context.Context, email, password string, c Client) (token string, u *User, err error) {
	email = normalizeEmail(email)
	var fs errs.Fields
	checkText(&fs, "email", email, true, MaxEmail)
	if password == "" {
		fs.Add("password", "validation.required")
	} else if len(password) > MaxPassword {
		fs.Add("password", "validation.too_long", "max", MaxPassword)
	}
	if err := fs.Err(); err != nil {
		return "", nil, err
	}
	var hash string
	var att *attempt
	err = s.db.Write(ctx, func(tx *db.Tx) error { // changes no account: not s.write
		var err error
		if att, err = s.reserveSignin(ctx, tx, email, c.IP); err != nil {
			return err
		}
		u, hash, err = userByEmail(ctx, tx, email)
		if errors.Is(err, sql.ErrNoRows) {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return "", nil, err
	}
	ok := false
	if u != nil && hash != "" && !u.Deleted {
		ok, err = s.hasher.Verify(ctx, hash, password)
	} else {
		_, err = s.hasher.Verify(ctx, s.hasher.dummy(), password) // same time as a real check
	}
	if err != nil {
		return "", nil, err // the reservation stays: it counts as a failure
	}
	if !ok {
		if err := s.failed(ctx, att); err != nil {
			return "", nil, err
		}
		return "", nil, errs.New(errs.Unauthorized, "auth.wrong_credentials")
	}
	err = s.write(ctx, func(tx *db.Tx) error {
		if err := att.succeeded(ctx, tx); err != nil {
			return err
		}
		token, err = s.insertSession(ctx, tx, u, c)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: sign in: %w", err)
	}
	return token, u, nil
}

// insertSession opens a session for u and returns its token.
func (s *Service) insertSession(ctx context.Context, tx *db.Tx, u *User, c Client) (string, error) {
	token, hashed := randomToken("")
	ua, ip := truncate(c.UserAgent, 300), c.IP
	if u.Limited() {
		// A minor without consent: keep only what sign-up needs.
		ua, ip = "", ""
	}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hashed, u.ID, tx.Now, tx.Now, tx.Now.Add(s.set.SessionLifetime), ua, ip)
	return token, err
}

// OpenSession opens a session for a person who proved who they are
// another way than with a password: a one-time sign-in link from the
// Telegram chat their account was made in (such an account has no
// password). check runs in the session's transaction and spends that
// proof, returning whose it is; an error from it opens nothing. A deleted
// account gets no session.
func (s *Service) OpenSession(ctx context.Context, c Client, check func(ctx context.Context, tx *db.Tx) (int64, error)) (string, *User, error) {
	var token string
	var u *User
	err := s.write(ctx, func(tx *db.Tx) error {
		id, err := check(ctx, tx)
		if err != nil {
			return err
		}
		if u, err = loadUserTx(ctx, tx, id); err != nil {
			return err
		}
		if u.Deleted {
			return errs.New(errs.NotFound, "error.404.text")
		}
		token, err = s.insertSession(ctx, tx, u, c)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: open session: %w", err)
	}
	return token, u, nil
}

func truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SessionUser returns the person signed in with a session token and the
// session id. Expiry slides: a session used at least every lifetime lives
// on; last_seen_at is written at most every few minutes, so reading pages
// does not turn into a write per request.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, int64, error) {
	if token == "" || len(token) > 100 {
		return nil, 0, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u, sid, ok := s.recent.get("s" + token); ok {
		return u, sid, nil
	}
	var sid int64
	var seen, expires db.Time
	u, err := scanUser(s.db.Now(), s.db.QueryRow(ctx, "SELECT "+userColumns+`, s.id, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hashToken(token)), &sid, &seen, &expires)
	now := s.db.Now()
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!now.Before(expires.Time) || u.Deleted)) {
		return nil, 0, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("auth: session: %w", err)
	}
	if now.Sub(seen.Time) > sessionTouchEv {
		// Not s.write: a touch changes nothing anyone checked.
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
				tx.Now, tx.Now.Add(s.set.SessionLifetime), sid)
			return err
		})
		if err != nil {
			s.log.Warn("session touch failed", "err", err)
		}
	}
	s.recent.put("s"+token, u, sid, expires.Time)
	return u, sid, nil
}

// SignOut ends the session with this token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hashToken(token))
		return err
	})
}

// Sessions lists a person's open sessions, the current one marked.
func (s *Service) Sessions(ctx context.Context, userID, currentID int64) ([]Session, error) {
	rows, err := s.db.Query(ctx, `SELECT id, created_at, last_seen_at, expires_at, user_agent, ip
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC`, userID, s.db.Now())
	if err != nil {
		return nil, fmt.Errorf("auth: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		var c, l, e db.Time
		if err := rows.Scan(&x.ID, &c, &l, &e, &x.UserAgent, &x.IP); err != nil {
			return nil, err
		}
		x.CreatedAt, x.LastSeenAt, x.ExpiresAt, x.Current = c.Time, l.Time, e.Time, x.ID == currentID
		out = append(out, x)
	}
	return out, rows.Err()
}

// RevokeSession ends one of the person's own sessions.
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID int64) error {
	return s.write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM sessions WHERE id = ? AND user_id = ?", sessionID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.404.text")
		}
		return nil
	})
}

// SignOutEverywhere ends every session of the person and revokes their
// API tokens: a token acts with its owner's permissions, so whoever is
// being shut out must not keep one (tokens end with the password).
func (s *Service) SignOutEverywhere(ctx context.Context, userID int64) error {
	return s.write(ctx, func(tx *db.Tx) error {
		return endAccess(ctx, tx, userID, 0)
	})
}

// endAccess ends the person's sessions (all but keep, when not 0) and
// revokes their API tokens: after "sign out everywhere", a password reset
// or a password change, nothing opened with the old password still works.
func endAccess(ctx context.Context, tx *db.Tx, userID, keep int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", userID, keep); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "DELETE FROM api_tokens WHERE user_id = ?", userID)
	return err
}

// Cleanup removes expired sessions, used or expired links, old failed
// sign-ins and old email requests. Every node may run it; it is idempotent.
func (s *Service) Cleanup(ctx context.Context) error {
	return s.write(ctx, func(tx *db.Tx) error {
		for _, q := range []struct {
			sql string
			arg time.Time
		}{
			{"DELETE FROM sessions WHERE expires_at <= ?", tx.Now},
			{"DELETE FROM email_tokens WHERE expires_at <= ?", tx.Now},
			{"DELETE FROM signin_failures WHERE at <= ?", tx.Now.Add(-s.set.SigninWindow)},
			{"DELETE FROM email_requests WHERE at <= ?", tx.Now.Add(-s.set.MailWindow)},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.arg); err != nil {
				return fmt.Errorf("auth: cleanup: %w", err)
			}
		}
		return nil
	})
}

// Token is an API token as listed on the profile page (never the secret).
type Token struct {
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// CreateToken makes an API token for the person; the secret is returned
// once and stored only as a hash. A minor without consent cannot.
func (s *Service) CreateToken(ctx context.Context, u *User, name string, actorID int64) (string, error) {
	name = strings.TrimSpace(name)
	var fs errs.Fields
	checkText(&fs, "name", name, true, 100)
	if err := fs.Err(); err != nil {
		return "", err
	}
	if u.Limited() {
		return "", errs.New(errs.ConsentRequired, "auth.consent_required")
	}
	token, hash := randomToken("ortaq_")
	err := s.write(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, prefix, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, hash, u.ID, name, token[:10], tx.Now).Scan(&id); err != nil {
			return err
		}
		if actorID == u.ID {
			return nil // a person's own token is not an administrative action
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorLabel: cliLabel(actorID), Action: "token.create",
			TargetType: "user", TargetID: u.IDString(), After: map[string]any{"token_id": id, "name": name}})
	})
	if err != nil {
		return "", fmt.Errorf("auth: token: %w", err)
	}
	return token, nil
}

// Tokens lists a person's API tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	rows, err := s.db.Query(ctx, "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("auth: tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var c, l db.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &c, &l); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt = c.Time, l.Ptr()
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of the person's tokens.
func (s *Service) DeleteToken(ctx context.Context, userID, tokenID int64) error {
	return s.write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.404.text")
		}
		return nil
	})
}

// TokenUser returns the person an API token belongs to.
func (s *Service) TokenUser(ctx context.Context, token string) (*User, error) {
	if !strings.HasPrefix(token, "ortaq_") || len(token) > 100 {
		return nil, errs.New(errs.Unauthorized, "auth.token_invalid")
	}
	if u, _, ok := s.recent.get("t" + token); ok {
		return u, nil
	}
	var tid int64
	var used db.Time
	u, err := scanUser(s.db.Now(), s.db.QueryRow(ctx, "SELECT "+userColumns+`, t.id, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, hashToken(token)), &tid, &used)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Deleted) {
		return nil, errs.New(errs.Unauthorized, "auth.token_invalid")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: token: %w", err)
	}
	if now := s.db.Now(); !used.Valid || now.Sub(used.Time) > sessionTouchEv {
		if err := s.db.Write(ctx, func(tx *db.Tx) error { // a touch: see SessionUser
			_, err := tx.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", tx.Now, tid)
			return err
		}); err != nil {
			s.log.Warn("token touch failed", "err", err)
		}
	}
	s.recent.put("t"+token, u, 0, time.Time{})
	return u, nil
}
