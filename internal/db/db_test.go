package db_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, s[i].Name, p[i].Name)
		}
	}
}

func TestRebind(t *testing.T) {
	d := &db.DB{Dialect: db.Postgres}
	for in, want := range map[string]string{
		"SELECT 1":                               "SELECT 1",
		"SELECT * FROM t WHERE a = ? AND b = ?":  "SELECT * FROM t WHERE a = $1 AND b = $2",
		"SELECT '?' , ? -- what?\n, ?":           "SELECT '?' , $1 -- what?\n, $2",
		`SELECT "a?b" FROM t WHERE x IN (?,?,?)`: `SELECT "a?b" FROM t WHERE x IN ($1,$2,$3)`,
		"VALUES (?,?,?,?,?,?,?,?,?,?,?)":         "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
	} {
		if got := d.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
	s := &db.DB{Dialect: db.SQLite}
	if got := s.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func TestStorage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()

		t.Run("migrate is idempotent", func(t *testing.T) {
			applied, err := d.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate applied %v, %v", applied, err)
			}
		})

		t.Run("write commits, error rolls back, clock is fixed", func(t *testing.T) {
			err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", tx.Now.Format("2006-01-02"))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			boom := errors.New("boom")
			err = d.Write(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "b", "x"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			var n int
			var v string
			if err := d.QueryRow(ctx, "SELECT COUNT(*), MIN(value) FROM settings").Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			if n != 1 || v != "2026-03-02" {
				t.Fatalf("settings: %d rows, value %q; want 1 row, the fixed clock's date", n, v)
			}
		})

		t.Run("time round-trips in UTC", func(t *testing.T) {
			var id int64
			err := d.Write(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO users (email, name, created_at, updated_at)
					VALUES (?, ?, ?, ?) RETURNING id`, "t@example.kz", "Т", tx.Now, tx.Now).Scan(&id)
			})
			if err != nil {
				t.Fatal(err)
			}
			var created db.Time
			if err := d.QueryRow(ctx, "SELECT created_at FROM users WHERE id = ?", id).Scan(&created); err != nil {
				t.Fatal(err)
			}
			if !created.Time.Equal(dbtest.Clock) || created.Time.Location() != time.UTC {
				t.Fatalf("created_at = %v, want %v in UTC", created.Time, dbtest.Clock)
			}
		})

		t.Run("unique violation is recognised", func(t *testing.T) {
			err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('a', 'again')")
				return err
			})
			if !db.IsUnique(err) {
				t.Fatalf("IsUnique(%v) = false", err)
			}
		})

		t.Run("audit log refuses change and removal", func(t *testing.T) {
			err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO audit_log (at, action) VALUES (?, 'test')", tx.Now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"} {
				err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q); return err })
				if err == nil {
					t.Errorf("%s succeeded on the append-only audit log", q)
				}
			}
		})

		t.Run("concurrent writers each land exactly once", func(t *testing.T) {
			const n = 50
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- d.Write(ctx, func(tx *db.Tx) error {
						_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'c')", fmt.Sprint("c", i))
						return err
					})
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var got int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM settings WHERE value = 'c'").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Fatalf("%d rows, want %d", got, n)
			}
		})
	})
}

func TestBackupWhileWriting(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		i := 0
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			i++
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'w')", fmt.Sprint("w", i))
				return err
			}); err != nil {
				done <- err
				return
			}
		}
	}()
	out := filepath.Join(t.TempDir(), "backup.db")
	// A second handle, as `ortaq backup` is a second process.
	b, err := db.Open(ctx, "sqlite:"+d.Path(), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Backup(ctx, out)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(ctx, "sqlite:"+out, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var check string
	if err := c.QueryRow(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if err := b.Backup(ctx, out); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}
