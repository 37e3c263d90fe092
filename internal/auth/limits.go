package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Rate limits kept in the database, so that they hold across every node on
// one PostgreSQL: failed sign-ins (signin_failures) and emails asked for by
// people who need not be signed in (email_requests). Both tables hold one
// row per event and key; a key is counted over a sliding window.
//
// An event is reserved before the work it limits (hashing a password,
// sending an email), inside a write transaction that first takes a lock
// per key and only then counts: concurrent requests for one key, on any
// node, queue behind each other, each sees what the ones before it
// recorded, and no burst can slip past a limit between a count and a
// write.

// limitTables are the tables lockAndCount may count in (the name goes into
// the SQL, so only these).
var limitTables = []string{"signin_failures", "email_requests"}

// lockAndCount locks keys for the rest of tx and returns, for each, how
// many events of table are newer than since. Keys are locked in sorted
// order, so two transactions that share keys cannot deadlock. On
// PostgreSQL the locks are transaction-level advisory locks (in their own
// namespace, class 7270); on SQLite the single writer connection already
// serializes every write transaction.
func lockAndCount(ctx context.Context, tx *db.Tx, table string, since time.Time, keys ...string) ([]int, error) {
	if !slices.Contains(limitTables, table) {
		return nil, fmt.Errorf("auth: limits: unknown table %q", table)
	}
	if err := tx.LockKeys(ctx, 7270, keys...); err != nil {
		return nil, fmt.Errorf("auth: limits: %w", err)
	}
	counts := make([]int, len(keys))
	q := "SELECT COUNT(*) FROM " + table + " WHERE key = ? AND at > ?"
	for i, k := range keys {
		if err := tx.QueryRow(ctx, q, k, since).Scan(&counts[i]); err != nil {
			return nil, fmt.Errorf("auth: limits: count: %w", err)
		}
	}
	return counts, nil
}

// inIDs returns "(?, ?, …)" for n ids and the ids as arguments.
func inIDs(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// attempt is a password check reserved before its hash is computed.
type attempt struct {
	own     []int64 // its rows, pending: one for the account, one for the client address
	settled []int64 // the account's failures already settled when it was reserved
}

// reserveSignin reserves a password check for the account with this email
// (whether or not it exists: the answer must not tell) from client address
// ip, or answers TooMany when either limit is reached.
func (s *Service) reserveSignin(ctx context.Context, tx *db.Tx, email, ip string) (*attempt, error) {
	acct, addr := "acct:"+email, "ip:"+ip
	since := tx.Now.Add(-s.set.SigninWindow)
	n, err := lockAndCount(ctx, tx, "signin_failures", since, acct, addr)
	if err != nil {
		return nil, err
	}
	if n[0] >= s.set.SigninAccount || n[1] >= s.set.SigninIP {
		return nil, errs.New(errs.TooMany, "auth.too_many_attempts", "minutes", int(s.set.SigninWindow.Minutes()))
	}
	a := &attempt{}
	if a.settled, err = db.ScanIDs(tx.Query(ctx, "SELECT id FROM signin_failures WHERE key = ? AND at > ? AND pending = FALSE", acct, since)); err != nil {
		return nil, fmt.Errorf("auth: limits: %w", err)
	}
	for _, k := range []string{acct, addr} {
		var id int64
		if err := tx.QueryRow(ctx, "INSERT INTO signin_failures (key, at, pending) VALUES (?, ?, TRUE) RETURNING id", k, tx.Now).Scan(&id); err != nil {
			return nil, fmt.Errorf("auth: limits: reserve: %w", err)
		}
		a.own = append(a.own, id)
	}
	return a, nil
}

// failed keeps the attempt's reservation as a failure.
func (s *Service) failed(ctx context.Context, a *attempt) error {
	in, args := inIDs(a.own)
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE signin_failures SET pending = FALSE WHERE id IN "+in, args...)
		return err
	})
}

// succeeded removes the attempt's reservation and the account's failures
// that were settled before it started: a successful sign-in clears the
// account's count, but not the failures of attempts that ran beside it.
func (a *attempt) succeeded(ctx context.Context, tx *db.Tx) error {
	in, args := inIDs(append(slices.Clone(a.own), a.settled...))
	_, err := tx.Exec(ctx, "DELETE FROM signin_failures WHERE id IN "+in, args...)
	return err
}

// reserveEmails counts one email asked for from client address ip to each
// of the addresses to (empty ones skipped), or answers TooMany, recording
// nothing, when the client or any recipient has reached its limit in the
// window. It counts requests, not emails sent: a request for an address
// with no account counts the same, so a refusal tells nothing about who
// has an account.
func (s *Service) reserveEmails(ctx context.Context, tx *db.Tx, ip string, to ...string) error {
	keys := []string{"ip:" + ip}
	for _, a := range to {
		if a != "" && !slices.Contains(keys, "to:"+a) {
			keys = append(keys, "to:"+a)
		}
	}
	n, err := lockAndCount(ctx, tx, "email_requests", tx.Now.Add(-s.set.MailWindow), keys...)
	if err != nil {
		return err
	}
	for i := range keys {
		max := s.set.MailPerAddress
		if i == 0 {
			max = s.set.MailPerClient
		}
		if n[i] >= max {
			return errs.New(errs.TooMany, "auth.too_many_emails", "minutes", int(s.set.MailWindow.Minutes()))
		}
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, "INSERT INTO email_requests (key, at) VALUES (?, ?)", k, tx.Now); err != nil {
			return fmt.Errorf("auth: limits: %w", err)
		}
	}
	return nil
}
