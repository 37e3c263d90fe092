package search_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/search"
)

// memSource is a component's table shared by several nodes.
type memSource struct {
	mu   sync.Mutex
	docs map[int64]search.Doc
}

func (*memSource) Kind() string         { return "report" }
func (*memSource) Path(id int64) string { return fmt.Sprintf("/reports/%d", id) }
func (m *memSource) Changed(_ context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []search.Doc
	for _, d := range m.docs {
		if d.UpdatedAt.After(since) || d.UpdatedAt.Equal(since) && d.ID > after {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b search.Doc) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out[:min(len(out), limit)], nil
}

func (m *memSource) put(d search.Doc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs[d.ID] = d
}

// Several nodes on one database each rank in their own memory: what one
// node copies (a new text, a document hidden, one removed) is what every
// node finds at its next search, and a node started later finds the same.
func TestNodesAgreeAfterChanges(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		src := &memSource{docs: map[int64]search.Doc{}}
		node := func() *search.Service {
			s := search.New(search.Deps{DB: d})
			s.Add(src)
			return s
		}
		a, b := node(), node()
		find := func(s *search.Service, q string) []int64 {
			t.Helper()
			res, err := s.Search(ctx, nil, search.Query{Text: q, Lang: i18n.KK})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range res {
				ids = append(ids, r.ID)
			}
			return ids
		}
		expect := func(q string, want []int64, nodes ...*search.Service) {
			t.Helper()
			for i, s := range nodes {
				got := find(s, q)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("node %d, %q: %v, want %v", i, q, got, want)
				}
			}
		}
		at := d.Now().Add(-time.Minute)
		doc := func(id int64, title string, vis search.Vis, gone bool) search.Doc {
			at = at.Add(time.Second)
			return search.Doc{ID: id, Title: i18n.Text{KK: title}, Body: i18n.Text{KK: "Жиналыс өтті."}, Vis: vis, Date: at, UpdatedAt: at, Gone: gone}
		}
		src.put(doc(1, "Шымкент жастары", search.Public, false))
		src.put(doc(2, "Шымкенттегі еріктілер", search.Public, false))
		expect("шымкент", []int64{1, 2}, a, b)

		// Node a copies each change first; node b finds the same.
		src.put(doc(1, "Орал жастары", search.Public, false))
		expect("шымкент", []int64{2}, a, b)
		expect("орал", []int64{1}, a, b)
		src.put(doc(2, "Шымкенттегі еріктілер", search.Editors, false))
		expect("шымкент", nil, a, b)
		src.put(doc(1, "", "", true))
		expect("орал", nil, a, b)

		// A node started now loads what the others copied.
		src.put(doc(3, "Орал еріктілері", search.Public, false))
		expect("еріктілер", []int64{3}, a, node(), b)
	})
}

// A node looks for changes at most every Deps.Every unless told (Touch):
// a change no one told it of is found once Every has passed, and at once
// after Touch (what the app calls after every change made through any
// node: decision 0127, "The budget").
func TestSyncAtMostEveryUnlessTouched(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		src := &memSource{docs: map[int64]search.Doc{}}
		at := d.Now().Add(-time.Minute)
		put := func(id int64, title string, vis search.Vis) {
			at = at.Add(time.Second)
			src.put(search.Doc{ID: id, Title: i18n.Text{KK: title}, Vis: vis, Date: at, UpdatedAt: at})
		}
		found := func(s *search.Service, q string) bool {
			t.Helper()
			res, err := s.Search(ctx, nil, search.Query{Text: q, Lang: i18n.KK})
			if err != nil {
				t.Fatal(err)
			}
			return len(res) > 0
		}
		put(1, "Шымкент жастары", search.Public)
		slow := search.New(search.Deps{DB: d, Every: time.Hour})
		slow.Add(src)
		if !found(slow, "шымкент") {
			t.Fatal("the first search does not copy what is there")
		}
		// Within Every, untold: the node searches what it has.
		put(1, "Шымкент жастары", search.Editors)
		if !found(slow, "шымкент") {
			t.Fatal("the node looked for changes within Every without being told")
		}
		slow.Touch()
		if found(slow, "шымкент") {
			t.Fatal("after Touch a hidden document is still found")
		}

		const every = 150 * time.Millisecond
		fast := search.New(search.Deps{DB: d, Every: every})
		fast.Add(src)
		put(2, "Орал еріктілері", search.Public)
		if !found(fast, "орал") {
			t.Fatal("the first search does not copy what is there")
		}
		put(2, "Орал еріктілері", search.Editors)
		changed := time.Now()
		time.Sleep(every)
		if found(fast, "орал") {
			t.Fatalf("a document hidden %v ago, Every %v, is still found", time.Since(changed), every)
		}
	})
}
