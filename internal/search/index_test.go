package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// bruteDoc is a document as the reference ranking sees it.
type bruteDoc struct {
	id          int64
	title, body []string
}

// bruteRank is FTS5's bm25 (column weights 10 and 1) written plainly:
// every document scored from scratch.
func bruteRank(docs map[int64]bruteDoc, terms [][]string, all bool) map[int64]float64 {
	n := float64(len(docs))
	total := 0
	for _, d := range docs {
		total += len(d.title) + len(d.body)
	}
	avg := float64(total) / n
	count := func(ws []string, t string) int {
		c := 0
		for _, w := range ws {
			if w == t {
				c++
			}
		}
		return c
	}
	df := map[string]int{}
	for _, word := range terms {
		for _, t := range word {
			if _, ok := df[t]; ok {
				continue
			}
			for _, e := range docs {
				if count(e.title, t)+count(e.body, t) > 0 {
					df[t]++
				}
			}
		}
	}
	out := map[int64]float64{}
	for _, d := range docs {
		matched, score := 0, 0.0
		for _, word := range terms {
			hit := false
			for _, t := range word {
				tt, tb := count(d.title, t), count(d.body, t)
				if tt+tb == 0 {
					continue
				}
				hit = true
				docsWith := df[t]
				idf := math.Log((n - float64(docsWith) + 0.5) / (float64(docsWith) + 0.5))
				if idf <= 0 {
					idf = 1e-6
				}
				f := 10*float64(tt) + float64(tb)
				score += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(len(d.title)+len(d.body))/avg))
			}
			if hit {
				matched++
			}
		}
		if matched == len(terms) || !all && matched > 0 {
			out[d.id] = score
		}
	}
	return out
}

// The index ranks as the plain formula does, through additions,
// replacements, removals and a compaction, for AND and OR queries.
func TestIndexRanksAsBM25(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 60)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	word := func() string { // skewed: low numbers are common
		return vocab[min(len(vocab)-1, int(r.ExpFloat64()*8))]
	}
	words := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = word()
		}
		return out
	}
	x := &index{slot: map[int64]uint32{}, post: map[string]*plist{}, loaded: true}
	ref := map[int64]bruteDoc{}
	put := func(id int64, at time.Time) {
		d := bruteDoc{id: id, title: words(1 + r.IntN(4)), body: words(r.IntN(30))}
		ref[id] = d
		x.apply([]indexed{{id: id, kind: "report", vis: Public, updated: at, epoch: 0,
			titleKey: strings.Join(d.title, " "), bodyKey: strings.Join(d.body, " ")}}, nil)
	}
	now := time.Now()
	for id := int64(1); id <= 3000; id++ {
		put(id, now)
	}
	check := func(stage string) {
		t.Helper()
		for q := range 60 {
			var terms [][]string
			for range 1 + q%3 {
				alts := []string{word()}
				if r.IntN(2) == 0 {
					alts = append(alts, word())
				}
				terms = append(terms, alts)
			}
			for _, all := range []bool{true, false} {
				want := bruteRank(ref, terms, all)
				ids := make([]int64, 0, len(want))
				for id := range want {
					ids = append(ids, id)
				}
				sort.Slice(ids, func(i, j int) bool {
					a, b := want[ids[i]], want[ids[j]]
					if !near(a, b) {
						return a > b
					}
					return ids[i] < ids[j]
				})
				got := x.rank(terms, all, 25, filter{anyKind: true})
				if len(got) != min(25, len(ids)) {
					t.Fatalf("%s %v all=%v: %d results, want %d", stage, terms, all, len(got), min(25, len(ids)))
				}
				for i, c := range got {
					if !near(c.score, want[c.id]) || !near(c.score, want[ids[i]]) {
						t.Fatalf("%s %v all=%v: #%d is %d (%g, ref %g), want %d (%g)", stage, terms, all, i, c.id, c.score, want[c.id], ids[i], want[ids[i]])
					}
				}
			}
		}
	}
	check("added")
	// Replacements (a newer copy), an older copy that must not win, and
	// removals, then enough removals for a compaction.
	for id := int64(1); id <= 400; id++ {
		put(id, now.Add(time.Second))
	}
	x.apply([]indexed{{id: 5, kind: "report", vis: Public, updated: now, titleKey: "w0 w0 w0"}}, nil)
	if got := x.docs[x.slot[5]].updated; got != now.Add(time.Second).UnixNano() {
		t.Fatalf("an older copy replaced a newer one: updated %d", got)
	}
	var gone []int64
	for id := int64(401); id <= 700; id++ {
		gone = append(gone, id)
		delete(ref, id)
	}
	x.apply(nil, gone)
	if x.dead == 0 {
		t.Fatal("no dead slots before the compaction")
	}
	check("replaced and removed")
	gone = gone[:0]
	for id := int64(701); id <= 2000; id++ {
		gone = append(gone, id)
		delete(ref, id)
	}
	x.apply(nil, gone)
	if x.dead != 0 || len(x.docs) != len(ref) {
		t.Fatalf("after compaction: %d dead, %d slots, %d documents", x.dead, len(x.docs), len(ref))
	}
	check("compacted")
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// match (lists' text filter) gives the documents of a kind having every
// word, the last as a prefix — through the merging of new tokens into
// the sorted list and through a compaction — as a plain scan does.
func TestIndexMatchAsPlainScan(t *testing.T) {
	x := &index{slot: map[int64]uint32{}, post: map[string]*plist{}, loaded: true}
	r := rand.New(rand.NewPCG(7, 7))
	type doc struct {
		kind string
		toks []string
	}
	ref := map[int64]doc{}
	put := func(id int64) {
		kind := []string{"organization", "proposal"}[r.IntN(2)]
		var toks []string
		for range 1 + r.IntN(6) {
			toks = append(toks, fmt.Sprintf("t%d", r.IntN(9000))) // 9,000 tokens: more than one merge of new ones
		}
		ref[id] = doc{kind, toks}
		x.apply([]indexed{{id: id, ref: id + 1000000, kind: kind, vis: Public, updated: time.Unix(id, 0), titleKey: strings.Join(toks, " ")}}, nil)
	}
	for id := int64(1); id <= 6000; id++ {
		put(id)
	}
	check := func(stage string) {
		t.Helper()
		for _, q := range [][][]string{{{"t1"}}, {{"t12"}}, {{"t77"}, {"t1"}}, {{"t5", "t6"}, {"t80"}}, {{"t9"}}, {{"t"}}, {{"x"}}} {
			for _, kind := range []string{"organization", "proposal"} {
				code, ok := x.kindOf(kind)
				if !ok {
					t.Fatal("kind unknown")
				}
				got := x.match(q, code)
				slices.Sort(got)
				var want []int64
				for id, d := range ref {
					if d.kind != kind {
						continue
					}
					all := true
					for wi, alts := range q {
						hit := false
						for _, a := range alts {
							for _, tok := range d.toks {
								if tok == a || wi == len(q)-1 && strings.HasPrefix(tok, a) {
									hit = true
								}
							}
						}
						all = all && hit
					}
					if all {
						want = append(want, id+1000000)
					}
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: %v %s: %d matches, want %d", stage, q, kind, len(got), len(want))
				}
			}
		}
	}
	check("added")
	var gone []int64
	for id := int64(1); id <= 3000; id++ {
		gone = append(gone, id)
		delete(ref, id)
	}
	x.apply(nil, gone)
	if x.dead != 0 {
		t.Fatal("no compaction")
	}
	check("compacted")
	for id := int64(6001); id <= 7000; id++ {
		put(id)
	}
	check("added after the compaction")
}
