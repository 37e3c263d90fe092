package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/search"
)

// IDsIn names a few ids as placeholders and many as one array argument;
// both select the same rows on both engines.
func TestIDsIn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		for _, n := range []int{0, 3, 500, 501, 40000} {
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = int64(2*i + 1) // odd numbers
			}
			cond, args := search.IDsIn(d.Dialect, "n.id", ids)
			rows, err := d.Query(context.Background(), `WITH n(id) AS (VALUES (1), (2), (5), (999), (1000), (79999), (80001))
				SELECT n.id FROM n WHERE `+cond+` ORDER BY n.id`, args...)
			got, err := db.ScanIDs(rows, err)
			if err != nil {
				t.Fatalf("%d ids: %v", n, err)
			}
			var want []int64
			for _, id := range []int64{1, 2, 5, 999, 1000, 79999, 80001} {
				if id%2 == 1 && id < int64(2*n) {
					want = append(want, id)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d ids: %v, want %v", n, got, want)
			}
		}
	})
}
