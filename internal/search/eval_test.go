package search_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh/searcheval"
	"github.com/ortaq/ortaq/internal/search"
)

// evalSource serves the evaluation set's documents as reports.
type evalSource struct {
	docs []searcheval.Doc
	at   time.Time
}

func (evalSource) Kind() string         { return "report" }
func (evalSource) Path(id int64) string { return fmt.Sprintf("/reports/%d", id) }
func (e evalSource) Changed(_ context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	if !since.Before(e.at) || after > 0 {
		return nil, nil
	}
	var out []search.Doc
	for i, d := range e.docs {
		doc := search.Doc{ID: int64(i + 1), Vis: search.Public, Date: e.at, UpdatedAt: e.at}
		if d.Lang == "ru" {
			doc.Title, doc.Body = i18n.Text{RU: d.Title}, i18n.Text{RU: d.Body}
		} else {
			doc.Title, doc.Body = i18n.Text{KK: d.Title}, i18n.Text{KK: d.Body}
		}
		out = append(out, doc)
	}
	return out, nil
}

type scores struct {
	queries, at3 int
	mrr          float64
}

// TestEvaluationOnBothEngines runs the 303 queries of the evaluation set
// (internal/kazakh/searcheval) through the real search on each engine:
// both must find a relevant document in the top 3 for nearly every query,
// and give the same first result for nearly every query (the engines rank
// by different formulas: BM25 and ts_rank_cd). Figures go to
// docs/benchmarks.md; run with -v to see them.
func TestEvaluationOnBothEngines(t *testing.T) {
	set, err := searcheval.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Queries) < 200 {
		t.Fatalf("%d queries", len(set.Queries))
	}
	top := map[string][][]string{} // engine → per query, the top 3 ids
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := search.New(search.Deps{DB: d})
		s.Add(evalSource{docs: set.Docs, at: d.Now().Add(-time.Hour)})
		if err := s.Sync(ctx, true); err != nil {
			t.Fatal(err)
		}
		var sc scores
		var tops [][]string
		for _, q := range set.Queries {
			res, err := s.Search(ctx, nil, search.Query{Text: q.Text, Limit: 10})
			if err != nil {
				t.Fatalf("%q: %v", q.Text, err)
			}
			var ids []string
			for _, r := range res {
				ids = append(ids, set.Docs[r.ID-1].ID)
			}
			rel := map[string]bool{}
			for _, id := range q.Relevant {
				rel[id] = true
			}
			sc.queries++
			for i, id := range ids {
				if rel[id] {
					if i < 3 {
						sc.at3++
					}
					sc.mrr += 1 / float64(i+1)
					break
				}
			}
			tops = append(tops, ids[:min(3, len(ids))])
		}
		name := strings.TrimPrefix(t.Name(), "TestEvaluationOnBothEngines/")
		top[name] = tops
		r3, mrr := float64(sc.at3)/float64(sc.queries), sc.mrr/float64(sc.queries)
		t.Logf("%s: %d queries, hit@3 %.3f, MRR@10 %.3f", name, sc.queries, r3, mrr)
		if r3 < 0.9 {
			t.Errorf("%s: hit@3 %.3f < 0.9", name, r3)
		}
	})
	a, b := top["sqlite"], top["postgres"]
	if a == nil || b == nil {
		return // PostgreSQL not configured
	}
	same1, same3 := 0, 0
	for i := range a {
		if len(a[i]) > 0 && len(b[i]) > 0 && a[i][0] == b[i][0] {
			same1++
		}
		if strings.Join(a[i], " ") == strings.Join(b[i], " ") {
			same3++
		}
	}
	n := float64(len(a))
	t.Logf("same first result on both engines: %.3f; same top 3 in order: %.3f", float64(same1)/n, float64(same3)/n)
	if float64(same1)/n < 0.9 {
		t.Errorf("engines agree on the first result for only %.3f of the queries", float64(same1)/n)
	}
}

// tiedSource has n documents changed in one transaction (one time).
type tiedSource struct {
	n  int
	at time.Time
}

func (tiedSource) Kind() string         { return "organization" }
func (tiedSource) Path(id int64) string { return fmt.Sprintf("/organizations/%d", id) }
func (s tiedSource) Changed(_ context.Context, since time.Time, after int64, limit int) ([]search.Doc, error) {
	var out []search.Doc
	for i := 1; i <= s.n && len(out) < limit; i++ {
		if s.at.After(since) || (s.at.Equal(since) && int64(i) > after) {
			out = append(out, search.Doc{ID: int64(i), Title: i18n.Text{KK: fmt.Sprintf("Ұйым %d", i)}, Vis: search.Public, UpdatedAt: s.at})
		}
	}
	return out, nil
}

// A bulk change (an import: 1,200 documents with one change time) is
// copied whole, a batch per search, never stuck on the tie.
func TestSyncPagesThroughTies(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := search.New(search.Deps{DB: d})
		s.Add(tiedSource{n: 1200, at: d.Now().Add(-time.Minute)})
		for range 3 {
			if err := s.Sync(ctx, false); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM search_docs`).Scan(&n); err != nil || n != 1200 {
			t.Fatalf("indexed %d (%v), want 1200", n, err)
		}
	})
}

// A node that starts again does not copy again what an earlier run copied:
// 1,200 documents sharing the mark's change time (an import) cost a few
// statements on the next start, not one write each; a new one with the
// same time is still copied.
func TestRestartCopiesOnlyWhatChanged(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := d.Now().Add(-time.Minute)
		first := search.New(search.Deps{DB: d})
		first.Add(tiedSource{n: 1200, at: at})
		if err := first.Sync(ctx, true); err != nil {
			t.Fatal(err)
		}
		again := search.New(search.Deps{DB: d})
		again.Add(tiedSource{n: 1201, at: at})
		cctx, statements := db.CountStatements(ctx)
		if err := again.Sync(cctx, true); err != nil {
			t.Fatal(err)
		}
		if n := statements(); n > 40 {
			t.Errorf("the second start sent %d statements for one new document among 1,200 copied", n)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM search_docs`).Scan(&n); err != nil || n != 1201 {
			t.Fatalf("indexed %d (%v), want 1201", n, err)
		}
	})
}
