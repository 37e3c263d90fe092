package proposals_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

// start runs fn for every i in 0..n-1, all at once (released together).
func start(n int, fn func(i int)) {
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gate
			fn(i)
		})
	}
	close(gate)
	wg.Wait()
}

// TestSupportRaceSamePerson: 64 goroutines, one person, one proposal, all
// at once: exactly one of them adds the support, all see count 1.
func TestSupportRaceSamePerson(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Ауылдық мектептерге кітапхана")
		u := k.Person()
		var changed atomic.Int64
		errc := make(chan error, 64)
		start(64, func(int) {
			res, err := k.Proposals.Support(ctx, u, pr.ID, true)
			if err == nil && (!res.Supported || res.SupportCount != 1) {
				err = errors.New("wrong answer")
			}
			if res.Changed {
				changed.Add(1)
			}
			errc <- err
		})
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		if changed.Load() != 1 {
			t.Errorf("%d answers say they added the support, want 1", changed.Load())
		}
		if stored, rows := k.Count(pr.ID); stored != 1 || rows != 1 {
			t.Fatalf("count %d, rows %d; want exactly one support", stored, rows)
		}
	})
}

// TestSupportRaceThousandPeople: 1,000 people support at once: exactly
// 1,000, and the answers' counts are 1..1000 each once (every support
// sees the count its own change made).
func TestSupportRaceThousandPeople(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Жастар орталығын ашу")
		other := k.Proposal(p, k.Person(), "Велосипед жолдарын салу")
		people := k.People(1000, "KZ-79", "2003-02-01")
		counts := make([]int, 1000)
		errc := make(chan error, 1000)
		start(1000, func(i int) {
			res, err := k.Proposals.Support(ctx, people[i], pr.ID, true)
			if err == nil && (!res.Changed || !res.Supported) {
				err = errors.New("a new support not reported as changed")
			}
			counts[i] = res.SupportCount
			errc <- err
			// Every tenth also supports another proposal, in the same batches.
			if i%10 == 0 {
				if _, err := k.Proposals.Support(ctx, people[i], other.ID, true); err != nil {
					t.Error(err)
				}
			}
		})
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := make([]bool, 1001)
		for _, c := range counts {
			if c < 1 || c > 1000 || seen[c] {
				t.Fatalf("answer count %d repeated or out of range", c)
			}
			seen[c] = true
		}
		if stored, rows := k.Count(pr.ID); stored != 1000 || rows != 1000 {
			t.Fatalf("count %d, rows %d; want 1000", stored, rows)
		}
		if stored, rows := k.Count(other.ID); stored != 100 || rows != 100 {
			t.Fatalf("other: count %d, rows %d; want 100", stored, rows)
		}
	})
}

// TestSupportRaceSupportWithdraw: the same people support and withdraw
// the same proposal concurrently, many times: the stored count always
// ends equal to the rows, and each person's last answer agrees with
// whether their row exists.
func TestSupportRaceSupportWithdraw(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Спорт алаңдарын жөндеу")
		people := k.People(8, "KZ-79", "2003-02-01")
		start(8*16, func(i int) {
			u := people[i%8]
			if _, err := k.Proposals.Support(ctx, u, pr.ID, (i/8)%2 == 0); err != nil {
				t.Error(err)
			}
		})
		stored, rows := k.Count(pr.ID)
		if stored != rows {
			t.Fatalf("count %d, rows %d after concurrent supports and withdrawals", stored, rows)
		}
		// Now a final, known state: everyone supports, half withdraw twice, concurrently.
		start(8, func(i int) {
			if _, err := k.Proposals.Support(ctx, people[i], pr.ID, true); err != nil {
				t.Error(err)
			}
		})
		start(8, func(i int) {
			for range 2 {
				if _, err := k.Proposals.Support(ctx, people[i], pr.ID, i%2 == 0); err != nil {
					t.Error(err)
				}
			}
		})
		if stored, rows := k.Count(pr.ID); stored != 4 || rows != 4 {
			t.Fatalf("count %d, rows %d; want 4", stored, rows)
		}
	})
}

// TestSupportBatchIsolatesRefusals: in one burst, supports of a hidden
// proposal, of a missing one, by an ineligible person and valid ones: the
// refusals get their own errors, the valid ones go through.
func TestSupportBatchIsolatesRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		open := k.Proposal(p, k.Person(), "Ауылға интернет жеткізу")
		hidden := k.Proposal(p, k.Person(), "Жасырылатын ұсыныс мәтіні")
		if err := k.Proposals.Hide(ctx, k.Granted("moderator"), hidden.ID, true, "Ереже бұзылды"); err != nil {
			t.Fatal(err)
		}
		people := k.People(50, "KZ-79", "2003-02-01")
		old := k.People(1, "KZ-79", "1970-01-01")[0]
		type call struct {
			u    *auth.User
			id   int64
			code errs.Code
		}
		var calls []call
		for i, u := range people {
			calls = append(calls, call{u, open.ID, ""})
			if i%10 == 0 {
				calls = append(calls, call{u, hidden.ID, errs.Conflict}, call{u, 99999999, errs.NotFound})
			}
		}
		calls = append(calls, call{old, open.ID, errs.Forbidden})
		start(len(calls), func(i int) {
			c := calls[i]
			_, err := k.Proposals.Support(ctx, c.u, c.id, true)
			if errs.CodeOf(err) != c.code || (c.code == "" && err != nil) {
				t.Errorf("call %d: err %v, want code %q", i, err, c.code)
			}
		})
		if stored, rows := k.Count(open.ID); stored != 50 || rows != 50 {
			t.Fatalf("count %d, rows %d; want 50", stored, rows)
		}
		if stored, rows := k.Count(hidden.ID); stored != 0 || rows != 0 {
			t.Fatalf("hidden: count %d, rows %d; want 0", stored, rows)
		}
	})
}

// TestSupportBatchSurvivesFailure: a request that makes the batch's
// transaction fail (here a person whose row is gone: the foreign key
// refuses the insert) fails alone; the others of its batch are retried
// and written.
func TestSupportBatchSurvivesFailure(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Ауыл жастарына жұмыс")
		people := k.People(40, "KZ-79", "2003-02-01")
		ghost := k.People(1, "KZ-79", "2003-02-01")[0]
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM users WHERE id = ?", ghost.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var ghostErr error
		start(len(people)+1, func(i int) {
			if i == len(people) {
				_, ghostErr = k.Proposals.Support(ctx, ghost, pr.ID, true)
				return
			}
			if _, err := k.Proposals.Support(ctx, people[i], pr.ID, true); err != nil {
				t.Error(err)
			}
		})
		if ghostErr == nil {
			t.Error("a support by a person without a row was accepted")
		}
		if stored, rows := k.Count(pr.ID); stored != 40 || rows != 40 {
			t.Fatalf("count %d, rows %d; want 40", stored, rows)
		}
	})
}

// TestSupportPhaseClosedElsewhere: the collecting phase closed by a change
// the programme cache has not seen (as another node would make it) stops
// supports at once: the phase is read inside the support transaction.
func TestSupportPhaseClosedElsewhere(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Жастарға тұрғын үй бағдарламасы")
		k.Programmes.SetCache(time.Hour, nil)
		if _, err := k.Proposals.Support(ctx, k.Person(), pr.ID, true); err != nil {
			t.Fatal(err) // the programme is now in the cache, phase open
		}
		// Close the phase behind the cache's back.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE programme_phases SET ends_at = ? WHERE programme_id = ? AND kind = 'proposals'", tx.Now.Add(-time.Minute), p.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if c, err := k.Programmes.Cached(ctx, p.ID); err != nil || c.PhaseAt(k.Clock.Now()) != "proposals" {
			t.Fatalf("the cache should still see the phase open: %v", err)
		}
		_, err := k.Proposals.Support(ctx, k.Person(), pr.ID, true)
		wantCode(t, err, errs.Conflict, "programmes.phase_closed")
		if stored, rows := k.Count(pr.ID); stored != 1 || rows != 1 {
			t.Fatalf("count %d, rows %d; want 1", stored, rows)
		}
	})
}

// TestSupportCallerGone: a caller whose context has ended gets its error
// and the others are not held up.
func TestSupportCallerGone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		p := k.Programme(k.Admin())
		pr := k.Proposal(p, k.Person(), "Ауылға автобус қатынасы")
		gone, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := k.Proposals.Support(gone, k.Person(), pr.ID, true); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		res, err := k.Proposals.Support(ctx, k.Person(), pr.ID, true)
		if err != nil || !res.Changed {
			t.Fatalf("%+v %v", res, err)
		}
		if stored, rows := k.Count(pr.ID); stored != rows {
			t.Fatalf("count %d, rows %d", stored, rows)
		}
	})
}

// BenchmarkSupportParallel: new supports by many goroutines at once (go
// test -bench SupportParallel -run X ./internal/proposals/).
func BenchmarkSupportParallel(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSupport(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchSupport(b, dbtest.Postgres(b)) })
}

func benchSupport(b *testing.B, d *db.DB) {
	{
		k := progtest.New(b, d)
		p := k.Programme(k.Admin())
		var props []int64
		for i := range 50 {
			props = append(props, k.Proposal(p, k.Person(), "Бенчмарк ұсынысы "+strconv.Itoa(i)).ID)
		}
		people := k.People(b.N+64, "KZ-79", "2003-02-01")
		var next atomic.Int64
		b.SetParallelism(32)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1) - 1
				if _, err := k.Proposals.Support(ctx, people[i], props[i%int64(len(props))], true); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}
