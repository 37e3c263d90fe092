package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations live in migrations/sqlite and migrations/postgres, named
// NNNN_what.sql. Both folders hold the same versions: a test checks it.
//
//go:embed migrations
var migrationFS embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for a dialect, in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("db: migration %s: name must be NNNN_what.sql", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("db: two migrations with version %d", ms[i].Version)
		}
	}
	return ms, nil
}

// Migrate applies the migrations not yet applied, all in one transaction,
// and records them in schema_migrations. On PostgreSQL an advisory lock
// makes nodes that start at once wait for each other instead of racing.
// It returns the versions it applied.
func (d *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	var applied []int
	err = d.Write(ctx, func(tx *Tx) error {
		if d.Dialect == Postgres {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(727172)"); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at TIMESTAMP NOT NULL)`); err != nil {
			return err
		}
		done := map[int]bool{}
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			done[v] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, m := range ms {
			if done[m.Version] {
				continue
			}
			if err := tx.apply(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, tx.Now); err != nil {
				return err
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	return applied, nil
}

// A migration may hold sections that run only when what they read exists
// already: a migration numbered below another that it reads from (0008
// moves what 0026 and 0043 queued) runs before that other one on a fresh
// database, where there is nothing to move, and after it on an upgrade.
//
//	-- if exists: meeting_mail notifications.deliver_at
//	INSERT INTO … SELECT … FROM meeting_mail …;
//	-- end if
//
// names tables and table.column pairs; the section runs when all exist.
const (
	ifExists = "-- if exists:"
	endIf    = "-- end if"
)

// section is a part of a migration's SQL and what it needs to exist.
type section struct {
	sql   string
	needs []string
}

// sections splits a migration at its "if exists" guards.
func sections(sqlText string) ([]section, error) {
	var out []section
	var cur strings.Builder
	var needs []string
	in := false
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			out = append(out, section{sql: cur.String(), needs: needs})
		}
		cur.Reset()
	}
	for line := range strings.Lines(sqlText) {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, ifExists):
			if in {
				return nil, fmt.Errorf("%q inside another", t)
			}
			flush()
			needs = strings.Fields(strings.TrimPrefix(t, ifExists))
			if len(needs) == 0 {
				return nil, fmt.Errorf("%q names nothing", t)
			}
			in = true
		case t == endIf:
			if !in {
				return nil, fmt.Errorf("%q without %q", endIf, ifExists)
			}
			flush()
			needs, in = nil, false
		default:
			cur.WriteString(line)
		}
	}
	if in {
		return nil, fmt.Errorf("%q not closed by %q", ifExists, endIf)
	}
	flush()
	return out, nil
}

// apply runs a migration's SQL, skipping the guarded sections whose tables
// or columns do not exist.
func (t *Tx) apply(ctx context.Context, sqlText string) error {
	parts, err := sections(sqlText)
	if err != nil {
		return err
	}
	for _, p := range parts {
		run := true
		for _, name := range p.needs {
			ok, err := t.exists(ctx, name)
			if err != nil {
				return err
			}
			run = run && ok
		}
		if !run {
			continue
		}
		if _, err := t.tx.ExecContext(ctx, p.sql); err != nil {
			return err
		}
	}
	return nil
}

// exists reports whether a table ("name") or a column ("table.column")
// exists, in the current schema on PostgreSQL.
func (t *Tx) exists(ctx context.Context, name string) (bool, error) {
	table, column, isColumn := strings.Cut(name, ".")
	var q string
	args := []any{table}
	switch {
	case t.d.Dialect == SQLite && isColumn:
		q, args = "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", append(args, column)
	case t.d.Dialect == SQLite:
		q = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
	case isColumn:
		q = "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?"
		args = append(args, column)
	default:
		q = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	}
	return t.Exists(ctx, q, args...)
}
