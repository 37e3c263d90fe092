package programmes_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestCachedProgramme: within the cache lifetime the programme is not read
// again (a change written behind the service's back stays unseen, which
// is what another node's change looks like); a change through the service
// is seen at once; after the lifetime the stored programme is read again.
func TestCachedProgramme(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := progtest.New(t, d)
		c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		k.Programmes.SetCache(programmes.DefaultCacheTTL, c.now)
		admin := k.Admin()
		p := k.Programme(admin)

		got, err := k.Programmes.Cached(ctx, p.ID)
		if err != nil || got.Title.KK != "Жастар – Отанға!" || len(got.Phases) != 2 || len(got.Directions) != 2 {
			t.Fatalf("cached: %+v %v", got, err)
		}
		// Another node raises the age limit.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE programmes SET age_max = 40, title_kk = 'Басқа түйін' WHERE id = ?", p.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c.advance(programmes.DefaultCacheTTL - time.Millisecond)
		if got, _ := k.Programmes.Rules(ctx, p.ID); got.AgeMax != 35 {
			t.Fatalf("read again within the lifetime: age_max %d", got.AgeMax)
		}
		c.advance(time.Millisecond)
		if got, _ := k.Programmes.Rules(ctx, p.ID); got.AgeMax != 40 || got.Title.KK != "Басқа түйін" {
			t.Fatalf("not read again after the lifetime: %+v", got)
		}

		// A change on this node is seen at once.
		in := programmes.Input{Title: i18n.Text{KK: "Жаңа атау"}, AgeMin: 16, AgeMax: 29, Regions: []string{"KZ-79"},
			Directions: p.Directions, Phases: p.Phases}
		if _, err := k.Programmes.Update(ctx, admin, p.ID, in); err != nil {
			t.Fatal(err)
		}
		got, _ = k.Programmes.Cached(ctx, p.ID)
		if got.AgeMin != 16 || got.AgeMax != 29 || got.Title.KK != "Жаңа атау" || len(got.Regions) != 1 {
			t.Fatalf("after Update: %+v", got)
		}
		// A new sub-project shows on its parent at once.
		sub, err := k.Programmes.Create(ctx, admin, programmes.Input{OrgID: k.Org, ParentID: p.ID, Title: i18n.Text{KK: "Ішкі жоба"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := k.Programmes.Cached(ctx, p.ID); len(got.Children) != 1 || got.Children[0].ID != sub.ID {
			t.Fatalf("sub-project missing from the cached parent: %+v", got.Children)
		}
	})
}
