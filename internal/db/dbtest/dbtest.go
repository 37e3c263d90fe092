// Package dbtest gives storage tests a real, migrated, empty database on
// each engine: SQLite in a temporary directory, and a database of its own
// on the PostgreSQL server named by ORTAQ_TEST_POSTGRES_URL (scripts/test
// starts one); both are copies of a template migrated once
// (docs/decisions/0183-test-database-template.md). Without that variable the PostgreSQL half fails under CI=true and
// is skipped, loudly, elsewhere.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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
	base := server(tb)
	schema := randomName()
	onServer(tb, base, "CREATE SCHEMA "+schema, "DROP SCHEMA "+schema+" CASCADE")
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated database on the test server: a database of
// its own, created from a template database migrated once for this set of
// migrations (CREATE DATABASE … TEMPLATE copies it in a fraction of the
// time migrating takes), dropped when the test ends. Tests that need an
// empty database (migrations from scratch, several nodes started by the
// CLI) use PostgresURL.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	base := server(tb)
	tmpl, err := pgTemplate(base)
	if err != nil {
		tb.Fatalf("postgres template: %v", err)
	}
	name := randomName()
	onServer(tb, base, "CREATE DATABASE "+name+" TEMPLATE "+tmpl, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return open(tb, u.String())
}

var pgTmpl struct {
	once sync.Once
	name string
	err  error
}

// pgTemplate returns the name of the template database for this binary's
// migrations, making it if no test binary has yet: its name carries a
// hash of the migrations, so a changed migration makes a new one.
func pgTemplate(base string) (string, error) {
	pgTmpl.once.Do(func() {
		pgTmpl.name, pgTmpl.err = makePGTemplate(base)
	})
	return pgTmpl.name, pgTmpl.err
}

// templateFormat changes when how a template is made changes.
const templateFormat = "1"

func makePGTemplate(base string) (string, error) {
	ms, err := db.Migrations(db.Postgres)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(templateFormat))
	for _, m := range ms {
		fmt.Fprintf(h, "\x00%d\x00%s\x00%s", m.Version, m.Name, m.SQL)
	}
	name := "ortaq_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// One maker at a time among the test binaries running at once.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727173)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(727173)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Made under another name and renamed when complete: a binary that
	// dies halfway leaves nothing that looks finished.
	tmp := name + "_new"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+tmp+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+tmp); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + tmp
	d, err := db.Open(ctx, u.String(), db.Options{MaxOpenConns: 1})
	if err != nil {
		return "", err
	}
	_, err = d.Migrate(ctx)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+tmp+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

var warnOnce sync.Once

// randomName is a new schema's or database's name.
func randomName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "t_" + hex.EncodeToString(b[:])
}

// onServer runs create on the test server now, and drop when the test
// ends.
func onServer(tb testing.TB, base, create, drop string) {
	tb.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), create); err != nil {
		tb.Fatalf("%s: %v", create, err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		if _, err := a.ExecContext(context.Background(), drop); err != nil {
			tb.Logf("%s: %v", drop, err)
		}
	})
}

// server returns the test server's URL, or fails or skips the test when
// there is none (see the package comment).
func server(tb testing.TB) string {
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
	return base
}

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
