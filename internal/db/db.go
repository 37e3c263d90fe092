// Package db opens Ortaq's database — SQLite (embedded default) or
// PostgreSQL (for several nodes) — and gives both one code path: SQL is
// written once with ? placeholders, rebound for PostgreSQL; every write
// goes through a transaction helper that carries one clock reading.
package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the engine behind a DB. Differences between engines live in
// this package (and in the per-dialect migration folders), nowhere else.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune the connection pools.
type Options struct {
	MaxOpenConns int // PostgreSQL pool size, SQLite read pool size; 0 = a default
	// ConnectTimeout bounds opening a connection to PostgreSQL (unless the
	// URL sets connect_timeout); 0: 3 s.
	ConnectTimeout time.Duration
}

// withConnectTimeout adds connect_timeout to a PostgreSQL URL that has
// none, so that a server that is down or frozen fails a new connection in
// seconds rather than after the operating system's TCP timeout.
func withConnectTimeout(raw string, d time.Duration) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("connect_timeout") != "" {
		return raw
	}
	if d <= 0 {
		d = 3 * time.Second
	}
	q.Set("connect_timeout", strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))))
	u.RawQuery = q.Encode()
	return u.String()
}

// DB is the database handle shared by all services.
type DB struct {
	Dialect Dialect
	URL     string // as given, with any password removed (for logs)
	w       *sql.DB
	r       *sql.DB
	path    string // SQLite file path
	ws, rs  *stmts // SQLite's prepared statements per pool (nil on PostgreSQL)
	raw     string // the URL as given, password included (events.go listens with it); never logged
	ev      events // handlers of announced changes (events.go)
	gate    *Gate  // requests' reads, a few at once in arrival order (count.go)

	// Now is the clock; tests replace it to fix time. It is read once per
	// transaction and always returns UTC truncated to microseconds, the
	// precision both engines keep.
	Now func() time.Time
}

// ErrNotFound is returned when a row that must exist does not.
var ErrNotFound = errors.New("db: not found")

// Open connects to url: "sqlite:PATH" or "postgres://…" (also "postgresql://").
// It does not run migrations; call Migrate.
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	d := &DB{Now: func() time.Time { return time.Now() }, gate: NewGate(0)}
	d.ev.node = rand.Text()[:12]
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		d.Dialect = SQLite
		d.path = strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if d.path == "" {
			return nil, errors.New("db: empty SQLite path")
		}
		d.URL = rawURL
		if err := d.openSQLite(opt); err != nil {
			return nil, err
		}
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		d.Dialect = Postgres
		d.URL = redact(rawURL)
		d.raw = rawURL
		p, err := sql.Open("pgx", withConnectTimeout(rawURL, opt.ConnectTimeout))
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		n := opt.MaxOpenConns
		if n <= 0 {
			n = 20
		}
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(5 * time.Minute)
		d.w, d.r = p, p
	default:
		return nil, fmt.Errorf("db: unsupported database URL %q (want sqlite:PATH or postgres://…)", redact(rawURL))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.w.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: connect %s: %w", d.URL, err)
	}
	return d, nil
}

func (d *DB) openSQLite(opt Options) error {
	if dir := filepath.Dir(d.path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("db: create %s: %w", dir, err)
		}
	}
	// synchronous(FULL): an acknowledged commit survives a power cut, not
	// only a crash of the process. _time_format=sqlite stores times as
	// sortable text that the driver parses back into time.Time.
	base := "file:" + d.path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("db: open sqlite: %w", err)
	}
	// One writer: SQLite allows one at a time; queueing in Go is cheaper
	// than spinning on SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("db: open sqlite: %w", err)
	}
	n := opt.MaxOpenConns
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	d.w, d.r = w, r
	d.ws, d.rs = newStmts(w), newStmts(r)
	return nil
}

// Close closes the pools.
func (d *DB) Close() error {
	d.ws.close()
	d.rs.close()
	var err error
	if d.w != nil {
		err = d.w.Close()
	}
	if d.r != nil && d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

// Ping reports whether the database answers (for /healthz).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Track is the package's Track with this database's gate: statements sent with the
// returned context are counted, and the request's reads are admitted a
// few at a time in arrival order.
func (d *DB) Track(ctx context.Context) (context.Context, *Tracker) { return Track(ctx, d.gate) }

// Reading is how many requests hold a place at the gate now (the others
// with reads to make wait in line): for the metrics and the tests.
func (d *DB) Reading() int { return len(d.gate.places) }

// Stats returns the pool statistics of the writer and the reader pools
// (the same pool on PostgreSQL).
func (d *DB) Stats() (writer, reader sql.DBStats) { return d.w.Stats(), d.r.Stats() }

// now is the transaction clock: UTC, microsecond precision.
func (d *DB) now() time.Time { return d.Now().UTC().Truncate(time.Microsecond) }

// Tx is a transaction with one clock reading for all it writes.
type Tx struct {
	tx        *sql.Tx
	d         *DB
	write     bool // on the writer pool
	Now       time.Time
	announced []string // topics to tell every node about at commit (events.go)
}

// Dialect is the engine the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.d.Dialect }

// SkipLocked is the clause that ends a SELECT taking rows to work on, so
// that transactions on several nodes take different rows instead of
// waiting for each other: " FOR UPDATE SKIP LOCKED" on PostgreSQL, "" on
// SQLite, where the one writer makes every write transaction wait its
// turn and see what the one before it committed.
func (t *Tx) SkipLocked() string {
	if t.d.Dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ForUpdate ends a SELECT whose rows the transaction will change: " FOR
// UPDATE" on PostgreSQL (other writers of those rows wait), "" on SQLite,
// whose one writer already serializes every write transaction.
func (t *Tx) ForUpdate() string {
	if t.d.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// ForUpdateOf is ForUpdate for the rows of one table of a join.
func (t *Tx) ForUpdateOf(table string) string {
	if t.d.Dialect == Postgres {
		return " FOR UPDATE OF " + table
	}
	return ""
}

// ForShare ends a SELECT whose rows must not change until the transaction
// ends, while other readers that also share them go on: " FOR SHARE" on
// PostgreSQL, "" on SQLite (one writer).
func (t *Tx) ForShare() string {
	if t.d.Dialect == Postgres {
		return " FOR SHARE"
	}
	return ""
}

// LockKeys makes transactions that name the same key (in namespace ns)
// take turns until they end: transaction-scoped advisory locks on
// PostgreSQL, taken in sorted order so that two transactions never wait
// for each other in a circle; nothing on SQLite (one writer).
func (t *Tx) LockKeys(ctx context.Context, ns int32, keys ...string) error {
	if t.d.Dialect != Postgres {
		return nil
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	for _, k := range slices.Compact(sorted) {
		if _, err := t.Exec(ctx, "SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), hashtext(?))", ns, k); err != nil {
			return fmt.Errorf("db: lock %d/%s: %w", ns, k, err)
		}
	}
	return nil
}

// LockTable keeps other transactions from writing table until this one
// ends (they may still read it): on PostgreSQL a SHARE ROW EXCLUSIVE lock,
// on SQLite nothing (its one writer already does).
func (t *Tx) LockTable(ctx context.Context, table string) error {
	if t.d.Dialect != Postgres {
		return nil
	}
	_, err := t.Exec(ctx, "LOCK TABLE "+pgIdent(table)+" IN SHARE ROW EXCLUSIVE MODE")
	return err
}

// Write runs fn in a read-write transaction and commits when fn returns nil.
func (d *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.w, nil, true, fn)
}

// Read runs fn in a read-only transaction (a consistent snapshot).
func (d *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.r, &sql.TxOptions{ReadOnly: d.Dialect == Postgres}, false, fn)
}

func (d *DB) run(ctx context.Context, p *sql.DB, opts *sql.TxOptions, write bool, fn func(*Tx) error) (err error) {
	// BEGIN, and COMMIT or ROLLBACK. A write gives the request's place
	// at the gate back while it runs; a read transaction takes one.
	if write {
		counted(ctx, 2)
		defer Elsewhere(ctx)()
	} else {
		reading(ctx, 2)
	}
	sqlTx, err := p.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, d: d, write: write, Now: d.now()}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	for _, topic := range tx.announced {
		d.fire(topic) // this node at once; others by NOTIFY
	}
	return nil
}

// Exec runs a statement inside the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	counted(ctx, 1)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.d.Rebind(query), args...)
}

// Query runs a query inside the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	counted(ctx, 1)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.d.Rebind(query), args...)
}

// QueryRow runs a query that returns at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	counted(ctx, 1)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.d.Rebind(query), args...)
}

// stmt is the transaction's handle on the pool's cached statement for q
// (SQLite), or nil. Tx.Stmt reuses the statement already prepared on the
// transaction's connection and is closed with the transaction.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	c := t.d.rs
	if t.write {
		c = t.d.ws
	}
	st := c.get(ctx, q, true)
	if st == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

// Exists reports whether the query returns a row.
func (t *Tx) Exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := t.QueryRow(ctx, "SELECT 1 WHERE EXISTS ("+query+")", args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// QueryRow runs a single-row read outside a transaction (reader pool).
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	reading(ctx, 1)
	if st := d.rs.get(ctx, query, false); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.r.QueryRowContext(ctx, d.Rebind(query), args...)
}

// Query runs a read outside a transaction (reader pool).
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	reading(ctx, 1)
	if st := d.rs.get(ctx, query, false); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.r.QueryContext(ctx, d.Rebind(query), args...)
}

// Placeholders is n question marks separated by commas, for IN (…) and
// multi-row VALUES.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Args turns ids into query arguments.
func Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// NullID is NULL for 0, else id.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullStr is NULL for "", else s.
func NullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullTime is NULL for nil, else the time in UTC.
func NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// ScanIDs reads rows of one integer each (ids), as a query returns them:
// db.ScanIDs(tx.Query(ctx, "SELECT id FROM …")). It closes rows.
func ScanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Rebind turns ? placeholders into $1, $2… for PostgreSQL. Question marks
// inside quoted strings, quoted identifiers and comments are left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres || strings.IndexByte(q, '?') < 0 {
		return q
	}
	return rebind(q)
}

func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case '-':
			if i+1 < len(q) && q[i+1] == '-' {
				j := strings.IndexByte(q[i:], '\n')
				if j < 0 {
					j = len(q) - i
				}
				b.WriteString(q[i : i+j])
				i += j - 1
			} else {
				b.WriteByte(c)
			}
		case '?':
			n++
			b.WriteByte('$')
			b.WriteString(itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmt.Sprint(n)
}

// IsUnavailable reports whether err says the database could not be reached
// or did not answer in time — the server is down, restarting, refusing
// connections, or frozen past the caller's deadline — rather than that
// the request itself was wrong. Such a request may simply be tried again
// shortly: the web layer answers 503 with Retry-After.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01–57P03: the server is
		// shutting down, crashed or not yet accepting; 53300: too many
		// connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// Locked past the busy timeout: too much at once, not a bad request.
		return se.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// pgx reports a connection that broke mid-statement as a plain error.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "broken pipe")
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// IsForeignKey reports whether err is a foreign-key violation.
func IsForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// IsCheck reports whether err is a CHECK-constraint violation.
func IsCheck(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_CHECK
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514"
}

// Scrub removes what deleted rows of the tables leave behind in the
// engine's files, now rather than whenever the engine gets to it: on
// SQLite it checkpoints the write-ahead log into the database and
// truncates it; on PostgreSQL it vacuums the tables (dead tuples gone
// from their pages). Used after deleting rows that should not linger
// (sealed ballots). It runs outside any transaction.
func (d *DB) Scrub(ctx context.Context, tables ...string) error {
	if d.Dialect == SQLite {
		var busy, logFrames, done int
		if err := d.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("db: checkpoint: %w", err)
		}
		if busy != 0 {
			return errors.New("db: checkpoint: the database was busy; the log is truncated at the next checkpoint")
		}
		return nil
	}
	for _, t := range tables {
		if _, err := d.w.ExecContext(ctx, "VACUUM "+pgIdent(t)); err != nil {
			return fmt.Errorf("db: vacuum %s: %w", t, err)
		}
	}
	return nil
}

// Analyze refreshes the planner's statistics of tables a bulk write has
// just filled, so the next queries are planned for what is there now
// rather than for what was there before (PostgreSQL's autovacuum catches
// up only after a while: listing 50,000 freshly imported members took
// 141–151 ms per request until it did, 3–8 ms after). On PostgreSQL it
// runs ANALYZE on the tables; on SQLite PRAGMA optimize, which analyzes
// what needs it. Call it after the commit, outside any transaction.
func (d *DB) Analyze(ctx context.Context, tables ...string) error {
	if d.Dialect == SQLite {
		if _, err := d.w.ExecContext(ctx, "PRAGMA optimize"); err != nil {
			return fmt.Errorf("db: optimize: %w", err)
		}
		return nil
	}
	for _, t := range tables {
		if _, err := d.w.ExecContext(ctx, "ANALYZE "+pgIdent(t)); err != nil {
			return fmt.Errorf("db: analyze %s: %w", t, err)
		}
	}
	return nil
}

// pgIdent quotes a table name for PostgreSQL.
func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Backup writes a consistent copy of a SQLite database to out while the
// server keeps writing (VACUUM INTO reads one snapshot). PostgreSQL
// installations use pg_dump; see docs/operations.md.
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.Dialect != SQLite {
		return errors.New("db: backup of PostgreSQL: use pg_dump (see docs/operations.md)")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("db: backup: %s already exists", out)
	}
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("db: backup: %w", err)
		}
	}
	if _, err := d.w.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	return nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://…"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Path is the SQLite file ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// Time scans a nullable timestamp from either engine into UTC.
type Time struct {
	Time  time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t = Time{}
	case time.Time:
		*t = Time{Time: x.UTC(), Valid: true}
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("db: cannot scan %T into a time", v)
	}
	return nil
}

func (t *Time) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if x, err := time.Parse(layout, s); err == nil {
			*t = Time{Time: x.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("db: cannot parse time %q", s)
}

// Ptr returns nil for NULL, else the time.
func (t Time) Ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	x := t.Time
	return &x
}
