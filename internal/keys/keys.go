// Package keys holds the installation's secret key, from which the keys
// that must stay outside the database are derived: the key that seals
// secret ballots while an election is open (and, later, the key that signs
// credentials). A copy of the database alone must not be enough to read
// what they protect, so the secret lives in the configuration
// (ORTAQ_SECRET_KEY or ORTAQ_SECRET_KEY_FILE) or, when none is given, in a
// file beside the database that Ortaq creates on first start.
//
// Every node of an installation needs the same secret. The database keeps a
// fingerprint of it (never the secret), so a node started with another
// secret refuses to start instead of sealing ballots no other node can
// open. See docs/decisions/0040-secret-ballot.md.
package keys

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ortaq/ortaq/internal/db"
)

// MinLength is the shortest secret accepted (`openssl rand -base64 32`
// prints 44 characters).
const MinLength = 32

// FileName is the secret's file beside the database when none is
// configured.
const FileName = "secret.key"

// Keys derives purpose-bound keys from the installation's secret.
type Keys struct {
	master []byte
}

// New makes Keys from a secret of at least MinLength characters.
func New(secret string) (*Keys, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < MinLength {
		return nil, fmt.Errorf("keys: the secret key must have at least %d characters (openssl rand -base64 32)", MinLength)
	}
	prk, err := hkdf.Extract(sha256.New, []byte(secret), []byte("ortaq-secret-key-v1"))
	if err != nil {
		return nil, err
	}
	return &Keys{master: prk}, nil
}

// ForTest returns keys from a fixed secret, for tests.
func ForTest() *Keys {
	k, err := New("ortaq test secret key, never used in production")
	if err != nil {
		panic(err)
	}
	return k
}

// Derive returns the 32-byte key for purpose (a fixed label such as
// "ballot-wrap"). Different purposes give unrelated keys.
func (k *Keys) Derive(purpose string) []byte {
	b, err := hkdf.Expand(sha256.New, k.master, "ortaq:"+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give
	}
	return b
}

// Fingerprint identifies the secret without revealing it.
func (k *Keys) Fingerprint() string {
	m := hmac.New(sha256.New, k.Derive("fingerprint"))
	m.Write([]byte("ortaq secret key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Load returns the installation's keys: from secret when it is given, else
// from dir/secret.key, which is created (0600) with a new random secret
// when missing. It then checks the secret against the fingerprint the
// database keeps, recording it on first use.
func Load(ctx context.Context, d *db.DB, secret, dir string) (*Keys, error) {
	if strings.TrimSpace(secret) == "" {
		var err error
		if secret, err = fromFile(filepath.Join(dir, FileName)); err != nil {
			return nil, err
		}
	}
	k, err := New(secret)
	if err != nil {
		return nil, err
	}
	if err := k.check(ctx, d); err != nil {
		return nil, err
	}
	return k, nil
}

// DefaultDir is where the secret's file goes when none is configured:
// beside the SQLite database, or ortaq-data for PostgreSQL.
func DefaultDir(d *db.DB) string {
	if p := d.Path(); p != "" {
		return filepath.Dir(p)
	}
	return "ortaq-data"
}

func fromFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return string(b), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("keys: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	secret := base64.StdEncoding.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		return fromFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("keys: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("keys: %w", err)
	}
	return secret, f.Close()
}

// check compares the secret with the fingerprint the database keeps.
func (k *Keys) check(ctx context.Context, d *db.DB) error {
	fp := k.Fingerprint()
	var stored string
	err := d.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO secret_key_check (id, fingerprint, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING", fp, tx.Now); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT fingerprint FROM secret_key_check WHERE id = 1").Scan(&stored)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && stored == "") {
		return errors.New("keys: the database keeps no fingerprint of the secret key")
	}
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	if stored != fp {
		return errors.New("keys: this secret key is not the one this database was set up with: " +
			"give every node the same ORTAQ_SECRET_KEY (or the same secret.key file); " +
			"see docs/operations.md, 'The secret key'")
	}
	return nil
}
