package keys_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/keys"
)

func TestLoad(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()

		// No secret configured: one is made in dir/secret.key, readable
		// by its owner only.
		k1, err := keys.Load(ctx, d, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, keys.FileName))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("secret.key mode %v, want 0600", st.Mode().Perm())
		}
		// The next start reads the same file and gets the same keys.
		k2, err := keys.Load(ctx, d, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k1.Derive("ballot-wrap"), k2.Derive("ballot-wrap")) {
			t.Fatal("the same file gave other keys")
		}
		// Purposes give unrelated keys.
		if bytes.Equal(k1.Derive("ballot-wrap"), k1.Derive("credentials")) {
			t.Fatal("two purposes, one key")
		}
		// The secret itself is in the file; its fingerprint is all the
		// database keeps.
		secret, _ := os.ReadFile(filepath.Join(dir, keys.FileName))
		var fp string
		if err := d.QueryRow(ctx, "SELECT fingerprint FROM secret_key_check").Scan(&fp); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(secret), fp) || strings.Contains(fp, strings.TrimSpace(string(secret))) {
			t.Fatal("the database keeps the secret")
		}

		// A node with another secret (a second node that made its own
		// file, or a configured one) refuses to start.
		_, err = keys.Load(ctx, d, "", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "not the one this database was set up with") {
			t.Fatalf("another secret file accepted: %v", err)
		}
		_, err = keys.Load(ctx, d, "a configured secret of thirty-two characters or more", dir)
		if err == nil {
			t.Fatal("another configured secret accepted")
		}
		// The same secret, given in the configuration, is accepted.
		if _, err := keys.Load(ctx, d, string(secret), t.TempDir()); err != nil {
			t.Fatalf("the same secret from the configuration: %v", err)
		}
	})
}

func TestTooShort(t *testing.T) {
	if _, err := keys.New("short"); err == nil {
		t.Fatal("a 5-character secret accepted")
	}
}
