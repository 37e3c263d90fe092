// Package searcheval measures how well search keys find documents: a set of
// Kazakh and Russian documents and queries with their relevant documents
// (testdata/, written for Ortaq), ranked by a plain in-memory BM25 over the
// tokens each method produces, scored by recall@3, recall@10 and MRR@10.
//
// It compares three ways of keying text: folded words only (kazakh.Fold),
// the stemmer as it was before issue 17 (LegacyKey), and today's keys
// (kazakh.Tokens for documents, kazakh.QueryTerms for queries). The real
// engines (FTS5, PostgreSQL) rank differently; this ranker isolates what
// the keys contribute. Run it with
//
//	go test ./internal/kazakh/searcheval -run TestEvaluation -v
package searcheval

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/ortaq/ortaq/internal/kazakh"
)

//go:embed testdata/*.tsv
var data embed.FS

// Doc is a document of the set.
type Doc struct {
	ID, Lang, Title, Body string
}

// Query is a query with the documents relevant to it.
type Query struct {
	Lang, Text string
	Relevant   []string
}

// Set is the evaluation set.
type Set struct {
	Docs    []Doc
	Queries []Query
}

// Load reads the set from testdata.
func Load() (*Set, error) {
	var s Set
	for _, f := range []string{"testdata/docs_kk.tsv", "testdata/docs_ru.tsv"} {
		rows, err := readTSV(f, 3)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			s.Docs = append(s.Docs, Doc{ID: r[0], Lang: r[0][:2], Title: r[1], Body: r[2]})
		}
	}
	rows, err := readTSV("testdata/queries.tsv", 3)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, d := range s.Docs {
		ids[d.ID] = true
	}
	for _, r := range rows {
		q := Query{Lang: r[0], Text: r[1], Relevant: strings.Fields(r[2])}
		for _, id := range q.Relevant {
			if !ids[id] {
				return nil, fmt.Errorf("searcheval: query %q: no document %s", q.Text, id)
			}
		}
		s.Queries = append(s.Queries, q)
	}
	return &s, nil
}

func readTSV(name string, cols int) ([][]string, error) {
	f, err := data.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := strings.Split(line, "\t")
		if len(r) != cols {
			return nil, fmt.Errorf("searcheval: %s:%d: %d columns, want %d", name, n, len(r), cols)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Method keys documents and queries. A query is a list of terms, each with
// its alternative tokens; a document matches a term when it has any of them.
type Method struct {
	Name  string
	Doc   func(title, body string) []string
	Query func(q string) [][]string
}

func single(words []string) [][]string {
	out := make([][]string, len(words))
	for i, w := range words {
		out[i] = []string{w}
	}
	return out
}

// Methods are the three keyings compared.
var Methods = []Method{
	{
		Name: "folded only",
		Doc: func(title, body string) []string {
			return strings.Fields(kazakh.Fold(title + " " + body))
		},
		Query: func(q string) [][]string { return single(strings.Fields(kazakh.Fold(q))) },
	},
	{
		Name: "old stemmer",
		Doc: func(title, body string) []string {
			return LegacyKey(title + " " + body)
		},
		Query: func(q string) [][]string { return single(LegacyKey(q)) },
	},
	{
		Name: "new stemmer",
		Doc: func(title, body string) []string {
			// Title and body are fields, each keyed in its own language.
			return append(kazakh.Tokens(title), kazakh.Tokens(body)...)
		},
		Query: kazakh.QueryTerms,
	},
}

// index is a BM25 index of the documents' tokens.
type index struct {
	docs  []Doc
	tf    []map[string]int
	len   []int
	df    map[string]int
	avgdl float64
}

func newIndex(docs []Doc, m Method) *index {
	ix := &index{docs: docs, df: map[string]int{}}
	total := 0
	for _, d := range docs {
		toks := m.Doc(d.Title, d.Body)
		tf := map[string]int{}
		for _, t := range toks {
			tf[t]++
		}
		for t := range tf {
			ix.df[t]++
		}
		ix.tf = append(ix.tf, tf)
		ix.len = append(ix.len, len(toks))
		total += len(toks)
	}
	ix.avgdl = float64(total) / float64(len(docs))
	return ix
}

// BM25 parameters, the usual ones.
const (
	k1 = 1.2
	b  = 0.75
)

// search returns the ids of the matching documents, best first (ties in
// the set's order). A term scores the best of its alternatives in a
// document; a document that matches no term is not returned.
func (ix *index) search(terms [][]string) []string {
	n := float64(len(ix.docs))
	type hit struct {
		i     int
		score float64
	}
	var hits []hit
	for i := range ix.docs {
		score := 0.0
		for _, alts := range terms {
			best := 0.0
			for _, t := range alts {
				tf := float64(ix.tf[i][t])
				if tf == 0 {
					continue
				}
				df := float64(ix.df[t])
				idf := math.Log(1 + (n-df+0.5)/(df+0.5))
				s := idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(ix.len[i])/ix.avgdl))
				best = max(best, s)
			}
			score += best
		}
		if score > 0 {
			hits = append(hits, hit{i, score})
		}
	}
	sort.SliceStable(hits, func(a, c int) bool { return hits[a].score > hits[c].score })
	out := make([]string, len(hits))
	for j, h := range hits {
		out[j] = ix.docs[h.i].ID
	}
	return out
}

// Scores are a method's figures on one language's queries.
type Scores struct {
	Queries                  int
	Recall3, Recall10, MRR10 float64
	Misses                   []string // queries with no relevant document in the top 10
}

// Result is a method's scores by query language ("kk", "ru", "all").
type Result struct {
	Method string
	By     map[string]*Scores
}

// Evaluate runs every query of the set with method m.
func Evaluate(s *Set, m Method) Result {
	ix := newIndex(s.Docs, m)
	res := Result{Method: m.Name, By: map[string]*Scores{"kk": {}, "ru": {}, "all": {}}}
	for _, q := range s.Queries {
		ranked := ix.search(m.Query(q.Text))
		rel := map[string]bool{}
		for _, id := range q.Relevant {
			rel[id] = true
		}
		var at3, at10 int
		rr := 0.0
		for i, id := range ranked {
			if i == 10 {
				break
			}
			if rel[id] {
				if i < 3 {
					at3++
				}
				at10++
				if rr == 0 {
					rr = 1 / float64(i+1)
				}
			}
		}
		for _, lang := range []string{q.Lang, "all"} {
			sc := res.By[lang]
			sc.Queries++
			sc.Recall3 += float64(at3) / float64(len(rel))
			sc.Recall10 += float64(at10) / float64(len(rel))
			sc.MRR10 += rr
			if at10 == 0 && lang != "all" {
				sc.Misses = append(sc.Misses, q.Text)
			}
		}
	}
	for _, sc := range res.By {
		if sc.Queries > 0 {
			sc.Recall3 /= float64(sc.Queries)
			sc.Recall10 /= float64(sc.Queries)
			sc.MRR10 /= float64(sc.Queries)
		}
	}
	return res
}

// WriteTable writes the results as a markdown table.
func WriteTable(w io.Writer, s *Set, results []Result) {
	fmt.Fprintf(w, "%d documents (%d kk, %d ru), %d queries (%d kk, %d ru); BM25 (k1 %.1f, b %.2f) over each method's tokens.\n\n",
		len(s.Docs), count(s.Docs, "kk"), count(s.Docs, "ru"), len(s.Queries),
		results[0].By["kk"].Queries, results[0].By["ru"].Queries, k1, b)
	fmt.Fprintln(w, "| method | queries | recall@3 | MRR@10 | recall@10 | no hit in top 10 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, lang := range []string{"kk", "ru", "all"} {
		for _, r := range results {
			sc := r.By[lang]
			fmt.Fprintf(w, "| %s, %s | %d | %.3f | %.3f | %.3f | %d |\n", r.Method, lang, sc.Queries, sc.Recall3,
				sc.MRR10, sc.Recall10, len(sc.Misses))
		}
	}
}

func count(docs []Doc, lang string) int {
	n := 0
	for _, d := range docs {
		if d.Lang == lang {
			n++
		}
	}
	return n
}
