package orgs_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

// The directory's text filter answers from the search component (issue
// 17, item 9): every word a word of the organization's text, the last one
// a prefix (as one types), in any script, spelling or inflection; it
// follows renames and names written by other code.
func TestNameSearchIndex(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		shym := f.mustCreate(t, 0, "assembly", "Шымкент қалалық мәслихаты", "Шымкентский городской маслихат")
		shyg := f.mustCreate(t, 0, "school", "Шығыс мектебі", "")
		tar := f.mustCreate(t, 0, "council", "Тараз жастар кеңесі", "")
		// Written through the service, not a web request: the node is told
		// as its web server would tell it (else it looks within
		// search.SyncEvery).
		f.env.App.Search.Touch()
		search := func(q string) []int64 {
			t.Helper()
			list, _, err := f.svc.List(ctx, orgs.Filter{Q: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var ids []int64
			for _, o := range list {
				ids = append(ids, o.ID)
			}
			return ids
		}
		cases := []struct {
			q    string
			want []int64
		}{
			{"shym", []int64{shym.ID}},
			{"Şymkent", []int64{shym.ID}},
			{"Shymkent", []int64{shym.ID}},
			{"Шымкент", []int64{shym.ID}},
			{"SHYMKENT maslikhat", []int64{shym.ID}},
			{"ш", []int64{shyg.ID, shym.ID}}, // a prefix of both, by name
			{"kent shym", []int64{}},         // "kent" is no word of it (only the last word is a prefix)
			{"Symkent", []int64{shym.ID}},    // Latin without Kazakh letters
			{"шымкенттің", []int64{shym.ID}}, // inflected
			{"jastar", []int64{tar.ID}},      // "жастар" in Latin
			{"жастардың", []int64{tar.ID}},   // inflected
			{"Almaty", []int64{}},
		}
		for _, walk := range []struct{ dense, window, windows int }{{1000, 2, 2}, {1, 2, 5}, {1, 1, 1}} {
			// The same answers whether the index's matches are sorted, the
			// directory is walked in order a few names at a time (as for a
			// common prefix), or the walk gives up and the matches are
			// sorted after all.
			dense := fmt.Sprint(walk)
			restore := orgs.SetDenseLimit(walk.dense, walk.window, walk.windows)
			for _, c := range cases {
				if got := search(c.q); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
					t.Errorf("walk %s: search %q: %v, want %v", dense, c.q, got, c.want)
				}
			}
			// One result a page: the cursor carries on.
			var got []int64
			cursor := ""
			for range 5 {
				list, next, err := f.svc.List(ctx, orgs.Filter{Q: "ш", Limit: 1, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range list {
					got = append(got, o.ID)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			if !slices.Equal(got, []int64{shyg.ID, shym.ID}) {
				t.Errorf("walk %s: pages of %q: %v", dense, "ш", got)
			}
			restore()
		}
		// A rename: the index follows. (The search component sees a
		// change by its time: the test's clock moves on as real ones do.)
		f.env.Clock.Advance(time.Second)
		if _, err := f.svc.Update(ctx, f.admin.User, tar.ID, orgs.Patch{Name: &i18n.Text{KK: "Түркістан жастар кеңесі"}}); err != nil {
			t.Fatal(err)
		}
		f.env.App.Search.Touch()
		if got := search("taraz"); len(got) != 0 {
			t.Errorf("the old name is still found: %v", got)
		}
		if got := search("turkistan"); !slices.Equal(got, []int64{tar.ID}) {
			t.Errorf("the new name is not found: %v", got)
		}
		// A name written by other code is found once its key is filled in
		// (at start).
		other := f.env.NewOrg(0, "Қостанай облыстық ассамблеясы")
		if err := f.svc.Backfill(ctx); err != nil {
			t.Fatal(err)
		}
		f.env.App.Search.Touch()
		if got := search("Kostanai"); !slices.Equal(got, []int64{other}) {
			t.Errorf("a backfilled name is not found: %v", got)
		}
	})
}
