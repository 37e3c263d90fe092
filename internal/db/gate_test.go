package db_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// read runs one query in ctx and fails the test if it does not answer.
func read(t *testing.T, d *db.DB, ctx context.Context) {
	t.Helper()
	var one int
	if err := d.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("read: %v", err)
	}
}

// withGate runs fn on both engines with a gate of one place and a context
// that ends the test's waits if the gate never admits.
func withGate(t *testing.T, fn func(t *testing.T, d *db.DB, ctx context.Context, g *db.Gate)) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		fn(t, d, ctx, db.NewGate(1))
	})
}

// settle gives goroutines just started time to reach the gate's queue:
// the order in which they queue is what the test is about.
func settle() { time.Sleep(50 * time.Millisecond) }

// Requests' reads are admitted a few at a time, in the order they came:
// with one place, four requests queued behind a fifth read in the order
// they queued, each when the one before it began its answer.
func TestGateAdmitsInArrivalOrder(t *testing.T) {
	withGate(t, func(t *testing.T, d *db.DB, ctx context.Context, g *db.Gate) {
		first, a := db.Track(ctx, g)
		read(t, d, first)

		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		for i := 1; i <= 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, tr := db.Track(ctx, g)
				read(t, d, c)
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				tr.Done()
			}()
			settle()
		}
		mu.Lock()
		if len(order) != 0 {
			t.Errorf("admitted while the only place was held: %v", order)
		}
		mu.Unlock()
		read(t, d, first) // the holder's own reads do not wait: it never holds two places
		a.Done()
		wg.Wait()
		if want := []int{1, 2, 3, 4}; !slices.Equal(order, want) {
			t.Errorf("admitted in order %v, want %v", order, want)
		}
		if n := a.Statements(); n != 2 {
			t.Errorf("statements counted: %d, want 2", n)
		}
	})
}

// A request gives its place back while it writes (so reads do not queue
// behind writes waiting for a flush), reads inside its write without
// waiting for one, and takes a place again to read afterwards.
func TestGatePlaceGoesBackWhileWriting(t *testing.T) {
	withGate(t, func(t *testing.T, d *db.DB, ctx context.Context, g *db.Gate) {
		wctx, w := db.Track(ctx, g)
		read(t, d, wctx)
		otherRead := make(chan struct{})
		err := d.Write(wctx, func(tx *db.Tx) error {
			go func() {
				c, tr := db.Track(ctx, g)
				read(t, d, c)
				tr.Done()
				close(otherRead)
			}()
			select {
			case <-otherRead:
			case <-ctx.Done():
				t.Error("another request could not read while this one was writing")
			}
			read(t, d, wctx) // a read inside the write does not wait for a place
			_, err := tx.Exec(wctx, "UPDATE regions SET code = code WHERE code = 'none'")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The place is free again, and the writer takes it to read on.
		read(t, d, wctx)
		late, cancelLate := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancelLate()
		c, _ := db.Track(late, g)
		var one int
		if err := d.QueryRow(c, "SELECT 1").Scan(&one); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a read while the writer reads again: %v, want it to wait for the place", err)
		}
		w.Done()
	})
}

// A request whose context ends while it waits for a place stops waiting,
// its read fails with the context's error, and it holds no place after.
// After Done (the answer has begun) a request's reads do not wait.
func TestGateWaitEndsWithContext(t *testing.T) {
	withGate(t, func(t *testing.T, d *db.DB, ctx context.Context, g *db.Gate) {
		hctx, holder := db.Track(ctx, g)
		read(t, d, hctx)

		short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancelShort()
		sctx, _ := db.Track(short, g)
		rows, err := d.Query(sctx, "SELECT 1")
		if err == nil {
			rows.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("read after the wait's deadline: %v, want %v", err, context.DeadlineExceeded)
		}

		done, answered := db.Track(ctx, g)
		answered.Done()
		read(t, d, done) // does not wait although the place is held

		holder.Done()
		next, tr := db.Track(ctx, g)
		read(t, d, next) // the timed-out request left no place taken
		tr.Done()
	})
}
