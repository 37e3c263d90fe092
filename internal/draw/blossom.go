package draw

// Maximum-weight matching in a general graph: Edmonds' blossom algorithm
// with dual variables, in the O(n³) form described by Galil ("Efficient
// algorithms for finding maximum matching in graphs", 1986). Weights are
// integers and so are all dual variables: the algorithm never divides
// anything but a slack between two S-vertices, which is even.
//
// Vertices are 0…n-1. A blossom is a number n…2n-1. An edge k has
// endpoints 2k (its i) and 2k+1 (its j); p^1 is the other end of p.
//
// Labels: 0 free, 1 S (outer), 2 T (inner); scanBlossom marks with 5
// (S|4) temporarily.

type wedge struct {
	i, j int
	w    int64
}

type blossom struct {
	n        int
	edges    []wedge
	maxCard  bool
	endpoint []int
	neighb   [][]int // per vertex, the remote endpoints of its edges

	mate          []int // per vertex: remote endpoint of its matched edge, or -1
	label         []int
	labelEnd      []int
	inBlossom     []int
	parent        []int
	childs        [][]int
	base          []int
	endps         [][]int
	bestEdge      []int
	blossomBest   [][]int
	unused        []int
	dual          []int64
	allowed       []bool
	queue         []int
	scratchPath   []int
	scratchLeaves []int
	stats         blossomStats
}

// blossomStats counts what the tests want to see exercised.
type blossomStats struct{ blossoms, expanded int }

// maxWeightMatching returns, for each vertex, its partner or -1, in a
// matching of greatest total weight; with maxCard, of greatest weight among
// those with the most edges.
func maxWeightMatching(n int, edges []wedge, maxCard bool) []int {
	if len(edges) == 0 {
		mate := make([]int, n)
		for i := range mate {
			mate[i] = -1
		}
		return mate
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
	return out
}

func fill(xs []int, v int) {
	for i := range xs {
		xs[i] = v
	}
}

func (b *blossom) init() {
	n := b.n
	var maxW int64
	for _, e := range b.edges {
		maxW = max(maxW, e.w)
	}
	b.endpoint = make([]int, 2*len(b.edges))
	b.neighb = make([][]int, n)
	for k, e := range b.edges {
		b.endpoint[2*k], b.endpoint[2*k+1] = e.i, e.j
		b.neighb[e.i] = append(b.neighb[e.i], 2*k+1)
		b.neighb[e.j] = append(b.neighb[e.j], 2*k)
	}
	b.mate = make([]int, n)
	fill(b.mate, -1)
	b.label = make([]int, 2*n)
	b.labelEnd = make([]int, 2*n)
	fill(b.labelEnd, -1)
	b.inBlossom = make([]int, n)
	for v := range n {
		b.inBlossom[v] = v
	}
	b.parent = make([]int, 2*n)
	fill(b.parent, -1)
	b.childs = make([][]int, 2*n)
	b.base = make([]int, 2*n)
	for v := range n {
		b.base[v] = v
	}
	fill(b.base[n:], -1)
	b.endps = make([][]int, 2*n)
	b.bestEdge = make([]int, 2*n)
	fill(b.bestEdge, -1)
	b.blossomBest = make([][]int, 2*n)
	for i := 2*n - 1; i >= n; i-- {
		b.unused = append(b.unused, i)
	}
	b.dual = make([]int64, 2*n)
	for v := range n {
		b.dual[v] = maxW
	}
	b.allowed = make([]bool, len(b.edges))
}

func (b *blossom) slack(k int) int64 {
	e := b.edges[k]
	return b.dual[e.i] + b.dual[e.j] - 2*e.w
}

// leaves appends the vertices inside blossom t to dst.
func (b *blossom) leaves(t int, dst []int) []int {
	if t < b.n {
		return append(dst, t)
	}
	for _, c := range b.childs[t] {
		dst = b.leaves(c, dst)
	}
	return dst
}

func (b *blossom) assignLabel(w, t, p int) {
	for {
		bw := b.inBlossom[w]
		b.label[w], b.label[bw] = t, t
		b.labelEnd[w], b.labelEnd[bw] = p, p
		b.bestEdge[w], b.bestEdge[bw] = -1, -1
		if t == 1 {
			b.queue = b.leaves(bw, b.queue)
			return
		}
		// T: the base's mate becomes S.
		base := b.base[bw]
		w, t, p = b.endpoint[b.mate[base]], 1, b.mate[base]^1
	}
}

// scanBlossom traces back from v and w to find a new blossom's base, or -1
// when they lie in different trees (an augmenting path).
func (b *blossom) scanBlossom(v, w int) int {
	path := b.scratchPath[:0]
	base := -1
	for v != -1 || w != -1 {
		bv := b.inBlossom[v]
		if b.label[bv]&4 != 0 {
			base = b.base[bv]
			break
		}
		path = append(path, bv)
		b.label[bv] = 5
		if b.labelEnd[bv] == -1 {
			v = -1
		} else {
			v = b.endpoint[b.labelEnd[bv]]
			bt := b.inBlossom[v]
			v = b.endpoint[b.labelEnd[bt]]
		}
		if w != -1 {
			v, w = w, v
		}
	}
	for _, bv := range path {
		b.label[bv] = 1
	}
	b.scratchPath = path
	return base
}

func reverse(xs []int) {
	for i, j := 0, len(xs)-1; i < j; i, j = i+1, j-1 {
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// addBlossom makes a new S-blossom of the cycle closed by edge k, whose
// base is base.
func (b *blossom) addBlossom(base, k int) {
	v, w := b.edges[k].i, b.edges[k].j
	bb, bv, bw := b.inBlossom[base], b.inBlossom[v], b.inBlossom[w]
	b.stats.blossoms++
	nb := b.unused[len(b.unused)-1]
	b.unused = b.unused[:len(b.unused)-1]
	b.base[nb] = base
	b.parent[nb] = -1
	b.parent[bb] = nb
	var path, endps []int
	for bv != bb {
		b.parent[bv] = nb
		path = append(path, bv)
		endps = append(endps, b.labelEnd[bv])
		v = b.endpoint[b.labelEnd[bv]]
		bv = b.inBlossom[v]
	}
	path = append(path, bb)
	reverse(path)
	reverse(endps)
	endps = append(endps, 2*k)
	for bw != bb {
		b.parent[bw] = nb
		path = append(path, bw)
		endps = append(endps, b.labelEnd[bw]^1)
		w = b.endpoint[b.labelEnd[bw]]
		bw = b.inBlossom[w]
	}
	b.childs[nb], b.endps[nb] = path, endps
	b.label[nb] = 1
	b.labelEnd[nb] = b.labelEnd[bb]
	b.dual[nb] = 0
	b.scratchLeaves = b.leaves(nb, b.scratchLeaves[:0])
	for _, x := range b.scratchLeaves {
		if b.label[b.inBlossom[x]] == 2 {
			b.queue = append(b.queue, x) // former T-vertices are now S
		}
		b.inBlossom[x] = nb
	}
	// The least-slack edge from the new blossom to each other S-blossom.
	bestTo := make([]int, 2*b.n)
	fill(bestTo, -1)
	consider := func(k int) {
		i, j := b.edges[k].i, b.edges[k].j
		if b.inBlossom[j] == nb {
			i, j = j, i
		}
		_ = i
		bj := b.inBlossom[j]
		if bj != nb && b.label[bj] == 1 && (bestTo[bj] == -1 || b.slack(k) < b.slack(bestTo[bj])) {
			bestTo[bj] = k
		}
	}
	for _, c := range path {
		if b.blossomBest[c] == nil {
			for _, x := range b.leaves(c, nil) {
				for _, p := range b.neighb[x] {
					consider(p / 2)
				}
			}
		} else {
			for _, k := range b.blossomBest[c] {
				consider(k)
			}
		}
		b.blossomBest[c] = nil
		b.bestEdge[c] = -1
	}
	best := make([]int, 0, 8) // not nil: an empty list means "none", nil means "not computed"
	for _, k := range bestTo {
		if k != -1 {
			best = append(best, k)
		}
	}
	b.blossomBest[nb] = best
	b.bestEdge[nb] = -1
	for _, k := range best {
		if b.bestEdge[nb] == -1 || b.slack(k) < b.slack(b.bestEdge[nb]) {
			b.bestEdge[nb] = k
		}
	}
}

func at(xs []int, j int) int {
	if j < 0 {
		j += len(xs)
	}
	return xs[j]
}

func indexOf(xs []int, x int) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// expandBlossom undoes blossom t; at the end of a stage (endStage) its
// sub-blossoms with zero dual go too.
func (b *blossom) expandBlossom(t int, endStage bool) {
	b.stats.expanded++
	for _, s := range b.childs[t] {
		b.parent[s] = -1
		switch {
		case s < b.n:
			b.inBlossom[s] = s
		case endStage && b.dual[s] == 0:
			b.expandBlossom(s, endStage)
		default:
			for _, x := range b.leaves(s, nil) {
				b.inBlossom[x] = s
			}
		}
	}
	if !endStage && b.label[t] == 2 {
		// Relabel the sub-blossoms on the even path from the entry child
		// to the base as T and S alternately.
		childs, endps := b.childs[t], b.endps[t]
		entry := b.inBlossom[b.endpoint[b.labelEnd[t]^1]]
		j := indexOf(childs, entry)
		var jstep, trick int
		if j&1 != 0 {
			j -= len(childs)
			jstep, trick = 1, 0
		} else {
			jstep, trick = -1, 1
		}
		p := b.labelEnd[t]
		for j != 0 {
			b.label[b.endpoint[p^1]] = 0
			b.label[b.endpoint[at(endps, j-trick)^trick^1]] = 0
			b.assignLabel(b.endpoint[p^1], 2, p)
			b.allowed[at(endps, j-trick)/2] = true
			j += jstep
			p = at(endps, j-trick) ^ trick
			b.allowed[p/2] = true
			j += jstep
		}
		bv := at(childs, j)
		b.label[b.endpoint[p^1]], b.label[bv] = 2, 2
		b.labelEnd[b.endpoint[p^1]], b.labelEnd[bv] = p, p
		b.bestEdge[bv] = -1
		j += jstep
		for at(childs, j) != entry {
			bv = at(childs, j)
			if b.label[bv] == 1 {
				j += jstep
				continue // reached by an S-edge from elsewhere: keep
			}
			for _, x := range b.leaves(bv, nil) {
				if b.label[x] != 0 {
					b.label[x] = 0
					b.label[b.endpoint[b.mate[b.base[bv]]]] = 0
					b.assignLabel(x, 2, b.labelEnd[x])
					break
				}
			}
			j += jstep
		}
	}
	b.label[t], b.labelEnd[t] = -1, -1
	b.childs[t], b.endps[t] = nil, nil
	b.base[t] = -1
	b.blossomBest[t] = nil
	b.bestEdge[t] = -1
	b.unused = append(b.unused, t)
}

// augmentBlossom swaps matched and unmatched edges on the path through
// blossom t from vertex v to the base, making v the new base.
func (b *blossom) augmentBlossom(t, v int) {
	c := v
	for b.parent[c] != t {
		c = b.parent[c]
	}
	if c >= b.n {
		b.augmentBlossom(c, v)
	}
	childs, endps := b.childs[t], b.endps[t]
	i := indexOf(childs, c)
	j := i
	var jstep, trick int
	if i&1 != 0 {
		j -= len(childs)
		jstep, trick = 1, 0
	} else {
		jstep, trick = -1, 1
	}
	for j != 0 {
		j += jstep
		c = at(childs, j)
		p := at(endps, j-trick) ^ trick
		if c >= b.n {
			b.augmentBlossom(c, b.endpoint[p])
		}
		j += jstep
		c = at(childs, j)
		if c >= b.n {
			b.augmentBlossom(c, b.endpoint[p^1])
		}
		b.mate[b.endpoint[p]] = p ^ 1
		b.mate[b.endpoint[p^1]] = p
	}
	b.childs[t] = append(append(make([]int, 0, len(childs)), childs[i:]...), childs[:i]...)
	b.endps[t] = append(append(make([]int, 0, len(endps)), endps[i:]...), endps[:i]...)
	b.base[t] = b.base[b.childs[t][0]]
}

// augmentMatching flips the augmenting path through edge k.
func (b *blossom) augmentMatching(k int) {
	for _, sp := range [2][2]int{{b.edges[k].i, 2*k + 1}, {b.edges[k].j, 2 * k}} {
		s, p := sp[0], sp[1]
		for {
			bs := b.inBlossom[s]
			if bs >= b.n {
				b.augmentBlossom(bs, s)
			}
			b.mate[s] = p
			if b.labelEnd[bs] == -1 {
				break // reached a single free vertex: the root
			}
			t := b.endpoint[b.labelEnd[bs]]
			bt := b.inBlossom[t]
			s = b.endpoint[b.labelEnd[bt]]
			j := b.endpoint[b.labelEnd[bt]^1]
			if bt >= b.n {
				b.augmentBlossom(bt, j)
			}
			b.mate[j] = b.labelEnd[bt]
			p = b.labelEnd[bt] ^ 1
		}
	}
}

func (b *blossom) solve() {
	n := b.n
	for range n {
		// A stage: grow alternating trees from every free vertex until an
		// augmenting path is found or the duals show none exists.
		clear(b.label)
		fill(b.bestEdge, -1)
		for i := n; i < 2*n; i++ {
			b.blossomBest[i] = nil
		}
		clear(b.allowed)
		b.queue = b.queue[:0]
		for v := range n {
			if b.mate[v] == -1 && b.label[b.inBlossom[v]] == 0 {
				b.assignLabel(v, 1, -1)
			}
		}
		augmented := false
		for {
			for len(b.queue) > 0 && !augmented {
				v := b.queue[len(b.queue)-1]
				b.queue = b.queue[:len(b.queue)-1]
				for _, p := range b.neighb[v] {
					k, w := p/2, b.endpoint[p]
					if b.inBlossom[v] == b.inBlossom[w] {
						continue
					}
					var kslack int64
					if !b.allowed[k] {
						if kslack = b.slack(k); kslack <= 0 {
							b.allowed[k] = true
						}
					}
					switch {
					case b.allowed[k]:
						switch {
						case b.label[b.inBlossom[w]] == 0:
							b.assignLabel(w, 2, p^1)
						case b.label[b.inBlossom[w]] == 1:
							if base := b.scanBlossom(v, w); base >= 0 {
								b.addBlossom(base, k)
							} else {
								b.augmentMatching(k)
								augmented = true
							}
						case b.label[w] == 0:
							b.label[w] = 2
							b.labelEnd[w] = p ^ 1
						}
					case b.label[b.inBlossom[w]] == 1:
						if bv := b.inBlossom[v]; b.bestEdge[bv] == -1 || kslack < b.slack(b.bestEdge[bv]) {
							b.bestEdge[bv] = k
						}
					case b.label[w] == 0:
						if b.bestEdge[w] == -1 || kslack < b.slack(b.bestEdge[w]) {
							b.bestEdge[w] = k
						}
					}
					if augmented {
						break
					}
				}
			}
			if augmented {
				break
			}

			// No augmenting path with the allowed edges: change the duals.
			deltaType, delta, deltaEdge, deltaBlossom := -1, int64(0), -1, -1
			if !b.maxCard {
				deltaType, delta = 1, b.dual[0]
				for v := 1; v < n; v++ {
					delta = min(delta, b.dual[v])
				}
			}
			for v := range n {
				if b.label[b.inBlossom[v]] == 0 && b.bestEdge[v] != -1 {
					if d := b.slack(b.bestEdge[v]); deltaType == -1 || d < delta {
						deltaType, delta, deltaEdge = 2, d, b.bestEdge[v]
					}
				}
			}
			for t := range 2 * n {
				if b.parent[t] == -1 && b.label[t] == 1 && b.bestEdge[t] != -1 {
					if d := b.slack(b.bestEdge[t]) / 2; deltaType == -1 || d < delta {
						deltaType, delta, deltaEdge = 3, d, b.bestEdge[t]
					}
				}
			}
			for t := n; t < 2*n; t++ {
				if b.base[t] >= 0 && b.parent[t] == -1 && b.label[t] == 2 && (deltaType == -1 || b.dual[t] < delta) {
					deltaType, delta, deltaBlossom = 4, b.dual[t], t
				}
			}
			if deltaType == -1 {
				// maxCard and nothing left to grow: finish with the
				// vertex duals as small as they may go.
				deltaType, delta = 1, b.dual[0]
				for v := 1; v < n; v++ {
					delta = min(delta, b.dual[v])
				}
				delta = max(delta, 0)
			}
			for v := range n {
				switch b.label[b.inBlossom[v]] {
				case 1:
					b.dual[v] -= delta
				case 2:
					b.dual[v] += delta
				}
			}
			for t := n; t < 2*n; t++ {
				if b.base[t] >= 0 && b.parent[t] == -1 {
					switch b.label[t] {
					case 1:
						b.dual[t] += delta
					case 2:
						b.dual[t] -= delta
					}
				}
			}
			switch deltaType {
			case 1:
				goto stageDone // optimum reached
			case 2:
				b.allowed[deltaEdge] = true
				i, j := b.edges[deltaEdge].i, b.edges[deltaEdge].j
				if b.label[b.inBlossom[i]] == 0 {
					i, j = j, i
				}
				_ = j
				b.queue = append(b.queue, i)
			case 3:
				b.allowed[deltaEdge] = true
				b.queue = append(b.queue, b.edges[deltaEdge].i)
			case 4:
				b.expandBlossom(deltaBlossom, false)
			}
		}
	stageDone:
		if !augmented {
			return
		}
		// Blossoms with zero dual that are S at the end of a stage go.
		for t := n; t < 2*n; t++ {
			if b.parent[t] == -1 && b.base[t] >= 0 && b.label[t] == 1 && b.dual[t] == 0 {
				b.expandBlossom(t, true)
			}
		}
	}
}
