package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// Statements are prepared once and reused (SQLite), also inside write
// transactions that hold SQLite's only writer connection — where preparing
// on the pool would wait forever — and a bad statement still reports its
// error.
func TestStatementsReusedInsideAndOutsideTransactions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE stmt_probe (n INTEGER NOT NULL)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for round := range 5 {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				for i := range 3 {
					if _, err := tx.Exec(ctx, "INSERT INTO stmt_probe (n) VALUES (?)", round*3+i); err != nil {
						return err
					}
				}
				var n int
				return tx.QueryRow(ctx, "SELECT COUNT(*) FROM stmt_probe").Scan(&n)
			}); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			time.Sleep(10 * time.Millisecond) // let background preparing happen
		}
		var n, sum int
		if err := d.QueryRow(ctx, "SELECT COUNT(*), SUM(n) FROM stmt_probe").Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n != 15 || sum != 105 {
			t.Fatalf("%d rows summing to %d, want 15 and 105", n, sum)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO stmt_probe (nope) VALUES (?)", 1)
			return err
		}); err == nil {
			t.Fatal("a bad statement succeeded")
		}
		if err := d.QueryRow(ctx, "SELECT nope FROM stmt_probe").Scan(&n); err == nil {
			t.Fatal("a bad query succeeded")
		}
	})
}

// Work that runs once (the demo load) keeps no prepared statements, so
// their compiled programs do not stay in an idle server's memory; the
// same queries outside it are kept as before. SQLite only: PostgreSQL
// keeps no statements here (pgx caches its own per connection).
func TestOneOffKeepsNoStatements(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	q := "SELECT COUNT(*) FROM schema_migrations WHERE version > ?"
	before := d.PreparedStatements()
	var n int
	for range 3 {
		if err := d.QueryRow(db.OneOff(ctx), q, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Write(db.OneOff(ctx), func(tx *db.Tx) error {
		return tx.QueryRow(db.OneOff(ctx), q, 1).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // background preparing, were any asked for
	if got := d.PreparedStatements(); got != before {
		t.Fatalf("one-off queries kept %d statements", got-before)
	}
	if err := d.QueryRow(ctx, q, 0).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got := d.PreparedStatements(); got != before+1 {
		t.Fatalf("a plain query kept %d statements, want 1", got-before)
	}
}
