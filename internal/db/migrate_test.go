package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// A guarded section runs only when every table and column it names
// exists; the rest of the migration runs either way; malformed guards are
// refused.
func TestMigrationGuards(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const migration = `CREATE TABLE g_target (v TEXT NOT NULL);
-- if exists: settings settings.value
INSERT INTO g_target (v) SELECT 'settings.value exists';
-- end if
  -- if exists: settings g_missing
INSERT INTO g_target (v) SELECT 'a missing table';
INSERT INTO g_target (v) SELECT v FROM g_missing;
  -- end if
-- if exists: settings.no_such_column
INSERT INTO g_target (v) SELECT no_such_column FROM settings;
-- end if
INSERT INTO g_target (v) VALUES ('after');
`
		if err := d.Write(ctx, func(tx *db.Tx) error { return tx.Apply(ctx, migration) }); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, "SELECT v FROM g_target ORDER BY v")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		rows.Close()
		if len(got) != 2 || got[0] != "after" || got[1] != "settings.value exists" {
			t.Fatalf("ran %q, want the section whose names exist and the unguarded SQL", got)
		}
		for _, bad := range []string{
			"-- if exists: settings\nSELECT 1;\n",
			"SELECT 1;\n-- end if\n",
			"-- if exists:\nSELECT 1;\n-- end if\n",
			"-- if exists: settings\n-- if exists: users\nSELECT 1;\n-- end if\n-- end if\n",
		} {
			if err := d.Write(ctx, func(tx *db.Tx) error { return tx.Apply(ctx, bad) }); err == nil {
				t.Errorf("Apply(%q) succeeded", bad)
			}
		}
	})
}

// SkipLocked lets a second transaction take the rows that a first one
// does not hold, at once, instead of waiting for it (PostgreSQL; SQLite
// has one writer, and no clause).
func TestSkipLocked(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if d.Dialect == db.SQLite && tx.SkipLocked() != "" {
				t.Errorf("SkipLocked on SQLite = %q, want none", tx.SkipLocked())
			}
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('s1', 'x'), ('s2', 'x')")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			return
		}
		held, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			err := d.Write(ctx, func(tx *db.Tx) error {
				var k string
				if err := tx.QueryRow(ctx, "SELECT key FROM settings WHERE key = 's1'"+tx.SkipLocked()).Scan(&k); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		<-held
		start := time.Now()
		var keys []string
		err := d.Write(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, "SELECT key FROM settings WHERE key IN ('s1', 's2') ORDER BY key"+tx.SkipLocked())
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				keys = append(keys, k)
			}
			return rows.Err()
		})
		close(release)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 1 || keys[0] != "s2" || time.Since(start) > 5*time.Second {
			t.Fatalf("second transaction took %q after %v, want only s2 at once", keys, time.Since(start))
		}
	})
}
