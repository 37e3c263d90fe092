package draw

import (
	"math/rand/v2"
	"testing"
)

// bruteMatching returns the best (cardinality, weight) over all matchings:
// with maxCard the most edges first, then weight; else weight alone.
func bruteMatching(n int, edges []wedge, maxCard bool) (int, int64) {
	used := make([]bool, n)
	bestC, bestW := 0, int64(0)
	var rec func(k, c int, w int64)
	rec = func(k, c int, w int64) {
		if k == len(edges) {
			if maxCard && (c > bestC || c == bestC && w > bestW) || !maxCard && w > bestW {
				bestC, bestW = c, w
			}
			return
		}
		rec(k+1, c, w)
		e := edges[k]
		if !used[e.i] && !used[e.j] {
			used[e.i], used[e.j] = true, true
			rec(k+1, c+1, w+e.w)
			used[e.i], used[e.j] = false, false
		}
	}
	rec(0, 0, 0)
	return bestC, bestW
}

// TestMaxWeightMatching compares the blossom algorithm with brute force on
// thousands of random graphs, sparse and dense, with and without maximum
// cardinality, with many equal weights (ties) and without.
func TestMaxWeightMatching(t *testing.T) {
	n := 6000
	if testing.Short() {
		n = 600
	}
	blossoms, expanded := 0, 0
	for it := range n {
		r := rand.New(rand.NewPCG(uint64(it), 3))
		nv, maxEdges := 1+r.IntN(9), 14
		if it%4 == 3 {
			nv, maxEdges = 10+r.IntN(7), 20 // bigger graphs: nested blossoms
		}
		density := r.Float64()
		wmax := int64(1 + r.IntN(4))
		if it%2 == 0 {
			wmax = 1000
		}
		var pairs [][2]int
		for i := range nv {
			for j := i + 1; j < nv; j++ {
				pairs = append(pairs, [2]int{i, j})
			}
		}
		r.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		var edges []wedge
		for _, p := range pairs {
			if r.Float64() < density && len(edges) < maxEdges {
				edges = append(edges, wedge{p[0], p[1], r.Int64N(wmax) + int64(it%3)})
			}
		}
		maxCard := it%3 != 0
		mate, st := maxWeightMatchingStats(nv, edges, maxCard)
		blossoms += st.blossoms
		expanded += st.expanded
		// A valid matching over existing edges.
		c, w := 0, int64(0)
		for v, u := range mate {
			if u < 0 {
				continue
			}
			if mate[u] != v {
				t.Fatalf("graph %d: mate not symmetric: %v", it, mate)
			}
			found := false
			for _, e := range edges {
				if e.i == v && e.j == u || e.j == v && e.i == u {
					if !found && v < u {
						c++
						w += e.w
					}
					found = true
				}
			}
			if !found {
				t.Fatalf("graph %d: %d–%d is no edge", it, v, u)
			}
		}
		bc, bw := bruteMatching(nv, edges, maxCard)
		if maxCard && c != bc || w != bw {
			t.Fatalf("graph %d (maxCard %v): got %d edges weight %d, best %d edges weight %d\nedges %v\nmate %v",
				it, maxCard, c, w, bc, bw, edges, mate)
		}
	}
	if blossoms < n/10 || expanded < n/20 {
		t.Fatalf("too few blossoms made (%d) or expanded (%d) to test them", blossoms, expanded)
	}
	t.Logf("%d graphs: %d blossoms made, %d expanded", n, blossoms, expanded)
}

func maxWeightMatchingStats(n int, edges []wedge, maxCard bool) ([]int, blossomStats) {
	if len(edges) == 0 {
		return maxWeightMatching(n, edges, maxCard), blossomStats{}
	}
	b := &blossom{n: n, edges: edges, maxCard: maxCard}
	b.init()
	b.solve()
	out := make([]int, n)
	for v := range n {
		out[v] = -1
		if b.mate[v] >= 0 {
			out[v] = b.endpoint[b.mate[v]]
		}
	}
	return out, b.stats
}
