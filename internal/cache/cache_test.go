package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLifetime(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
	c := New[int, string](2*time.Second, 10, nil)
	c.SetClock(clk.now)
	c.Put(1, "a")
	if v, ok := c.Get(1); !ok || v != "a" {
		t.Fatalf("got %q %v, want a", v, ok)
	}
	clk.t = clk.t.Add(2 * time.Second)
	if _, ok := c.Get(1); ok {
		t.Fatal("an entry as old as the lifetime is still served")
	}
	if c.Len() != 0 || c.Used() != 0 {
		t.Fatalf("expired entry kept: len %d used %d", c.Len(), c.Used())
	}
}

func TestOff(t *testing.T) {
	c := New[int, int](0, 10, nil)
	c.Put(1, 1)
	if _, ok := c.Get(1); ok {
		t.Fatal("a cache with no lifetime kept a value")
	}
	n := 0
	for range 3 {
		c.Load(context.Background(), 1, func() (int, error) { n++; return n, nil })
	}
	if n != 3 {
		t.Fatalf("loads %d, want 3", n)
	}
}

// Two keys that differ in one field never share an entry.
func TestTypedKeys(t *testing.T) {
	type key struct {
		ID        int64
		SignedIn  bool
		Moderator bool
	}
	c := New[key, string](time.Minute, 10, nil)
	c.Put(key{ID: 1, SignedIn: true}, "member")
	if _, ok := c.Get(key{ID: 1, SignedIn: true, Moderator: true}); ok {
		t.Fatal("a moderator's key found a member's entry")
	}
}

func TestBoundEvicts(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
	c := New[int, []byte](time.Minute, 100, func(_ int, b []byte) int { return len(b) })
	c.SetClock(clk.now)
	c.Put(1, make([]byte, 40))
	clk.t = clk.t.Add(30 * time.Second)
	c.Put(2, make([]byte, 40))
	for i := 3; i < 50; i++ {
		c.Put(i, make([]byte, 30))
		if c.Used() > 100 {
			t.Fatalf("used %d over the bound 100", c.Used())
		}
		if _, ok := c.Get(i); !ok {
			t.Fatalf("the newest entry %d was evicted", i)
		}
	}
	c.Put(99, make([]byte, 101))
	if _, ok := c.Get(99); ok {
		t.Fatal("a value bigger than the bound was kept")
	}
	// Expired entries go before live ones.
	c.Clear()
	c.Put(1, make([]byte, 50))
	clk.t = clk.t.Add(time.Minute)
	c.Put(2, make([]byte, 40))
	c.Put(3, make([]byte, 40))
	if _, ok := c.Get(2); !ok {
		t.Fatal("a live entry was evicted while an expired one was there")
	}
}

func TestLoadOnceAtATime(t *testing.T) {
	c := New[string, int](time.Minute, 10, nil)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 16)
	for i := range got {
		wg.Go(func() {
			v, err := c.Load(context.Background(), "k", func() (int, error) {
				loads.Add(1)
				<-release
				return 7, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
	for _, v := range got {
		if v != 7 {
			t.Fatalf("got %v", got)
		}
	}
}

func TestLoadFailureNotKept(t *testing.T) {
	c := New[string, int](time.Minute, 10, nil)
	if _, err := c.Load(context.Background(), "k", func() (int, error) { return 0, errors.New("down") }); err == nil {
		t.Fatal("no error")
	}
	v, err := c.Load(context.Background(), "k", func() (int, error) { return 3, nil })
	if err != nil || v != 3 {
		t.Fatalf("got %d %v", v, err)
	}
}

// A value loaded from before a Clear (a change) is not kept after it.
func TestClearDuringLoad(t *testing.T) {
	c := New[string, int](time.Minute, 10, nil)
	c.Load(context.Background(), "k", func() (int, error) {
		c.Clear()
		return 1, nil
	})
	if _, ok := c.Get("k"); ok {
		t.Fatal("a value loaded before a Clear was kept")
	}
}
