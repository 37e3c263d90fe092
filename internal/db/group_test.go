package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// A group-commit writer of rows into a scratch table: 500 requests at
// once are each answered after their own commit, exactly once; a refusal
// is one request's answer; a failing request fails alone; a panic is an
// error, not a crash; a caller who stops waiting is answered at once;
// Stop finishes what is queued and refuses what comes later.
func TestGroup(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "CREATE TABLE group_test (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var batches, biggest atomic.Int64
		refuse := errors.New("refused")
		g := db.NewGroup(d, db.GroupSpec[int, string]{
			Write: func(ctx context.Context, tx *db.Tx, batch []int) ([]db.Answer[string], func(), error) {
				batches.Add(1)
				if n := int64(len(batch)); n > biggest.Load() {
					biggest.Store(n)
				}
				out := make([]db.Answer[string], len(batch))
				for i, k := range batch {
					switch {
					case k == -1:
						panic("boom")
					case k%10 == 7:
						out[i].Err = refuse // an answer, not a failure
						continue
					case k == 13:
						// Fails the transaction: a NOT NULL violation.
						if _, err := tx.Exec(ctx, "INSERT INTO group_test (k, v) VALUES (?, NULL)", k); err != nil {
							return nil, nil, err
						}
					}
					if _, err := tx.Exec(ctx, "INSERT INTO group_test (k, v) VALUES (?, ?)", k, "v"); err != nil {
						return nil, nil, err
					}
					out[i].Value = "ok"
				}
				return out, nil, nil
			},
			Key: func(k int) any { return k },
		})

		var wg sync.WaitGroup
		var ok, refused, failed atomic.Int64
		for k := range 500 {
			wg.Go(func() {
				v, err := g.Do(ctx, k)
				switch {
				case err == nil && v == "ok":
					ok.Add(1)
				case errors.Is(err, refuse):
					refused.Add(1)
				case err != nil && k == 13:
					failed.Add(1)
				default:
					t.Errorf("%d: %q %v", k, v, err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 449 || refused.Load() != 50 || failed.Load() != 1 {
			t.Fatalf("ok %d, refused %d, failed %d; want 449, 50, 1", ok.Load(), refused.Load(), failed.Load())
		}
		var rows int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM group_test").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 449 {
			t.Fatalf("%d rows, want 449", rows)
		}
		if biggest.Load() < 2 {
			t.Errorf("500 requests at once were never batched (largest batch %d)", biggest.Load())
		}
		t.Logf("%d transactions, largest batch %d", batches.Load(), biggest.Load())

		// A panic is an error for its callers; the writer goes on.
		if _, err := g.Do(ctx, -1); err == nil || !strings.Contains(err.Error(), "panic") {
			t.Fatalf("panic: %v", err)
		}
		if v, err := g.Do(ctx, 1000); err != nil || v != "ok" {
			t.Fatalf("after a panic: %q %v", v, err)
		}

		// A caller whose context has ended is answered at once.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := g.Do(cctx, 1001); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}

		// Stop: what is queued is written, what comes later refused.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for k := 2000; k < 2100; k++ {
				if _, err := g.Do(ctx, k); err != nil && !errors.Is(err, db.ErrStopped) && !errors.Is(err, refuse) {
					t.Errorf("%d: %v", k, err)
				}
			}
		}()
		time.Sleep(5 * time.Millisecond)
		g.Stop()
		<-done
		if _, err := g.Do(ctx, 3000); !errors.Is(err, db.ErrStopped) {
			t.Fatalf("after Stop: %v", err)
		}
	})
}
