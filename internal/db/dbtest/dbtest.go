// Package dbtest gives storage tests a real, migrated, empty database on
// each engine: SQLite in a temporary directory (a copy of one migrated
// once per test binary), and a fresh schema on the PostgreSQL server
// named by ORTAQ_TEST_POSTGRES_URL (scripts/test starts one). Without that variable the PostgreSQL half fails under CI=true and
// is skipped, loudly, elsewhere.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
)

// EnvPostgres names the variable holding the test server's URL.
const EnvPostgres = "ORTAQ_TEST_POSTGRES_URL"

// Clock is the fixed time test databases start at.
var Clock = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// Engines runs fn as two subtests, "sqlite" and "postgres", each with its
// own fresh database.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in t.TempDir(): a copy of one
// migrated once per test binary (migrating takes seconds under -race,
// copying milliseconds; see docs/decisions/0183-test-database-template.md).
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		tb.Fatalf("sqlite template: %v", err)
	}
	path := filepath.Join(tb.TempDir(), "test.db")
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		tb.Fatal(err)
	}
	return open(tb, "sqlite:"+path)
}

var sqliteTmpl struct {
	once sync.Once
	data []byte
	err  error
}

// sqliteTemplate is the file of a freshly migrated SQLite database, made
// once and kept in memory (no file outlives the test binary).
func sqliteTemplate() ([]byte, error) {
	sqliteTmpl.once.Do(func() {
		sqliteTmpl.data, sqliteTmpl.err = migrateSQLite()
	})
	return sqliteTmpl.data, sqliteTmpl.err
}

func migrateSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "ortaq-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+path, db.Options{MaxOpenConns: 1})
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	// One file with everything in it (no WAL beside it).
	out := filepath.Join(dir, "copy.db")
	err = d.Backup(ctx, out)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// PostgresURL returns the URL of a new empty schema on the test server,
// dropped when the test ends; it fails or skips the test when there is no
// server (see the package comment).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set: PostgreSQL tests cannot run (run the tests with scripts/test)", EnvPostgres)
		}
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! %s is not set: SKIPPING every PostgreSQL test. Run scripts/test (or scripts/with-postgres) to run them.\n\n", EnvPostgres)
		})
		tb.Skipf("!!! PostgreSQL not available (%s unset): skipped; scripts/test runs it", EnvPostgres)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		if _, err := a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated database in a fresh schema on the test server.
// (A database copied from a template, CREATE DATABASE … TEMPLATE, was
// slower than migrating a schema on the shared server: see
// docs/decisions/0183-test-database-template.md.)
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	return open(tb, PostgresURL(tb))
}

var warnOnce sync.Once

func open(tb testing.TB, url string) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxOpenConns: 8})
	if err != nil {
		tb.Fatalf("open %s: %v", url, err)
	}
	tb.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	SetClock(d, Clock)
	return d
}

// Fixed is a clock that tests move by hand.
type Fixed struct {
	mu sync.Mutex
	t  time.Time
}

func (f *Fixed) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

// clocks are the fixed clocks installed, one per database: a second
// SetClock on the same database sets the time of the first instead of
// replacing d.Now, which the background loops of a node already serving
// that database read (two nodes on one database are started this way).
var clocks sync.Map // *db.DB → *Fixed

// SetClock gives d a fixed clock at t and returns it; the clock is d's
// one fixed clock, shared by everything that set it.
func SetClock(d *db.DB, t time.Time) *Fixed {
	f := &Fixed{t: t}
	if old, loaded := clocks.LoadOrStore(d, f); loaded {
		f = old.(*Fixed)
		f.mu.Lock()
		f.t = t
		f.mu.Unlock()
		return f
	}
	d.Now = f.Now
	return f
}

// Advance moves the clock forward.
func (f *Fixed) Advance(dt time.Duration) { f.mu.Lock(); f.t = f.t.Add(dt); f.mu.Unlock() }
