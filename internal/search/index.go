package search

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/internal/db"
)

// index is this node's full-text index of search_docs, in memory: for
// each token the documents that have it (with how often, in the title and
// in the body), and for each document what a search needs besides its
// text (kind, organization, who may see it, its date). It is loaded from
// search_docs at the first search and kept current by this node's Sync,
// which writes every change to search_docs and then here (the same
// changes every node copies from the sources: a change is found on every
// node within the bounds it was found before). The text shown (titles,
// snippets) stays in the database and is read for the results only.
//
// Ranking is FTS5's bm25 (k1 1.2, b 0.75, a title occurrence weighing ten
// times a body one, IDF from the documents having the token) computed
// here for both engines, so both give the same order. Why in memory:
// neither engine ranks a common word's matches in under a millisecond of
// CPU (decision 0127).
type index struct {
	mu       sync.RWMutex
	loaded   bool
	slot     map[int64]uint32 // search_docs.id → position in docs
	docs     []idoc           // by slot; a removed or replaced document leaves a dead slot
	norm     []float64        // by slot: BM25's length part, k1·(1 − b + b·length/average); 0 for a dead slot
	dead     int              // dead slots
	totalLen int64            // tokens in live documents
	post     map[string]*plist
	sorted   []string  // tokens in order, for prefixes (match); some may be gone from post
	fresh    []string  // tokens added since sorted was made, in no order
	kinds    []string  // kind names by code (idoc.kind): documents hold no pointers, so a GC cycle never scans them
	scratch  sync.Pool // *scratch
	gen      uint32    // changes with every change of the documents (liveHits)
}

// idoc is one document of the index.
type idoc struct {
	id      int64 // search_docs.id; 0: dead slot
	ref     int64 // search_docs.ref_id: the document's id in its component
	org     int64
	owner   int64
	from    int64 // visible_from, Unix nanoseconds
	epoch   int64 // the document's date, Unix seconds
	updated int64 // updated_at, Unix nanoseconds
	length  uint32
	kind    uint8 // index into index.kinds
	public  bool  // vis is Public
}

// plist is a token's postings in slot order: slots, and the count in the
// title (high byte) and body (low byte), each at most 255.
type plist struct {
	slots []uint32
	tf    []uint16
	live  atomic.Uint64 // index.gen << 32 | live documents in slots, when some slot is dead (liveHits)
}

// indexed is a document as written to search_docs, for the index.
type indexed struct {
	id       int64
	ref      int64
	kind     string
	org      int64
	owner    int64
	vis      Vis
	from     time.Time
	epoch    int64
	updated  time.Time
	titleKey string
	bodyKey  string
}

const (
	bm25K1      = 1.2
	bm25B       = 0.75
	titleWeight = 10.0
)

// tokens splits a key as FTS5's unicode61 and PostgreSQL's 'simple'
// configuration do (keys are lower-case letters and digits separated by
// spaces), counting each token's occurrences.
func keyTokens(key string, count map[string]int) int {
	n := 0
	start := -1
	for i := 0; i <= len(key); i++ {
		if i < len(key) && (key[i] >= 'a' && key[i] <= 'z' || key[i] >= '0' && key[i] <= '9' || key[i] >= 0x80) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			count[key[start:i]]++
			n++
			start = -1
		}
	}
	return n
}

// load reads search_docs. The caller holds the service's syncMu, so no
// change is copied meanwhile.
func (x *index) load(ctx context.Context, d *db.DB) error {
	fresh := &index{slot: map[int64]uint32{}, post: map[string]*plist{}}
	err := d.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, ref_id, kind, COALESCE(org_id, 0), COALESCE(owner_id, 0), vis, visible_from, epoch, updated_at,
			title_key, body_key FROM search_docs ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r indexed
			var vis string
			var from, upd db.Time
			if err := rows.Scan(&r.id, &r.ref, &r.kind, &r.org, &r.owner, &vis, &from, &r.epoch, &upd, &r.titleKey, &r.bodyKey); err != nil {
				return err
			}
			r.vis, r.from, r.updated = Vis(vis), from.Time, upd.Time
			fresh.add(r)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	x.mu.Lock()
	fresh.mergeTokens()
	x.slot, x.docs, x.dead, x.totalLen, x.post, x.kinds = fresh.slot, fresh.docs, fresh.dead, fresh.totalLen, fresh.post, fresh.kinds
	x.sorted, x.fresh = fresh.sorted, nil
	x.renorm()
	x.gen++
	x.loaded = true
	x.mu.Unlock()
	return nil
}

func (x *index) isLoaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.loaded
}

// apply records documents written to search_docs and documents removed
// from it (by search_docs.id), once the transaction has committed.
func (x *index) apply(put []indexed, gone []int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		return // the load reads them
	}
	for _, id := range gone {
		x.remove(id)
	}
	for _, r := range put {
		if s, ok := x.slot[r.id]; ok && x.docs[s].updated > r.updated.UnixNano() {
			continue // an older copy never replaces a newer one
		}
		x.remove(r.id)
		x.add(r)
	}
	if x.dead > 1000 && x.dead > len(x.docs)/4 {
		x.compact()
	}
	x.renorm()
	x.gen++
}

// renorm computes every slot's length part of BM25 for the current
// average length (any change moves the average, as in FTS5).
func (x *index) renorm() {
	if cap(x.norm) < len(x.docs) {
		x.norm = make([]float64, len(x.docs), len(x.docs)+len(x.docs)/8)
	}
	x.norm = x.norm[:len(x.docs)]
	live := len(x.docs) - x.dead
	avg := 1.0
	if live > 0 && x.totalLen > 0 {
		avg = float64(x.totalLen) / float64(live)
	}
	for s, d := range x.docs {
		x.norm[s] = 0
		if d.id != 0 {
			x.norm[s] = bm25K1 * (1 - bm25B + bm25B*float64(d.length)/avg)
		}
	}
}

func (x *index) remove(id int64) {
	s, ok := x.slot[id]
	if !ok {
		return
	}
	x.totalLen -= int64(x.docs[s].length)
	x.docs[s] = idoc{}
	x.dead++
	delete(x.slot, id)
}

// add appends a document in a new slot (the last: postings stay in slot
// order).
func (x *index) add(r indexed) {
	s := uint32(len(x.docs))
	title, body := map[string]int{}, map[string]int{}
	n := keyTokens(r.titleKey, title) + keyTokens(r.bodyKey, body)
	x.docs = append(x.docs, idoc{id: r.id, ref: r.ref, kind: x.kindCode(r.kind), org: r.org, owner: r.owner, public: r.vis == Public,
		from: r.from.UnixNano(), epoch: r.epoch, updated: r.updated.UnixNano(), length: uint32(n)})
	x.slot[r.id] = s
	x.totalLen += int64(n)
	for tok, c := range title {
		x.posting(tok, s, min(c, 255), min(body[tok], 255))
	}
	for tok, c := range body {
		if title[tok] == 0 {
			x.posting(tok, s, 0, min(c, 255))
		}
	}
}

// kindCode returns kind's code, adding it when new (at most 256 kinds:
// there are seven).
func (x *index) kindCode(kind string) uint8 {
	for i, k := range x.kinds {
		if k == kind {
			return uint8(i)
		}
	}
	x.kinds = append(x.kinds, kind)
	return uint8(len(x.kinds) - 1)
}

// kindOf returns the code of kind, false when no document has it.
func (x *index) kindOf(kind string) (uint8, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, k := range x.kinds {
		if k == kind {
			return uint8(i), true
		}
	}
	return 0, false
}

func (x *index) posting(tok string, s uint32, t, b int) {
	p := x.post[tok]
	if p == nil {
		p = &plist{}
		x.post[tok] = p
		x.fresh = append(x.fresh, tok)
		if len(x.fresh) > 4096 {
			x.mergeTokens()
		}
	}
	p.slots = append(p.slots, s)
	p.tf = append(p.tf, uint16(t)<<8|uint16(b))
}

// compact drops dead slots: documents are renumbered in order, postings
// rewritten without them.
func (x *index) compact() {
	renum := make([]uint32, len(x.docs))
	live := x.docs[:0:0]
	for s, d := range x.docs {
		if d.id == 0 {
			renum[s] = math.MaxUint32
			continue
		}
		renum[s] = uint32(len(live))
		x.slot[d.id] = uint32(len(live))
		live = append(live, d)
	}
	for tok, p := range x.post {
		n := 0
		for i, s := range p.slots {
			if r := renum[s]; r != math.MaxUint32 {
				p.slots[n], p.tf[n] = r, p.tf[i]
				n++
			}
		}
		if n == 0 {
			delete(x.post, tok)
			continue
		}
		p.slots, p.tf = append([]uint32(nil), p.slots[:n]...), append([]uint16(nil), p.tf[:n]...)
	}
	x.docs, x.dead = live, 0
	x.sorted, x.fresh = x.sorted[:0], nil
	for tok := range x.post {
		x.sorted = append(x.sorted, tok)
	}
	slices.Sort(x.sorted)
}

// mergeTokens sorts the tokens added lately into sorted.
func (x *index) mergeTokens() {
	if len(x.fresh) == 0 {
		return
	}
	slices.Sort(x.fresh)
	merged := make([]string, 0, len(x.sorted)+len(x.fresh))
	i, j := 0, 0
	for i < len(x.sorted) || j < len(x.fresh) {
		if j == len(x.fresh) || i < len(x.sorted) && x.sorted[i] < x.fresh[j] {
			merged = append(merged, x.sorted[i])
			i++
		} else {
			merged = append(merged, x.fresh[j])
			j++
		}
	}
	x.sorted, x.fresh = merged, nil
}

// withPrefix appends the postings of every token that starts with p.
func (x *index) withPrefix(lists []*plist, p string) []*plist {
	i, _ := slices.BinarySearch(x.sorted, p)
	for ; i < len(x.sorted) && strings.HasPrefix(x.sorted[i], p); i++ {
		if l := x.post[x.sorted[i]]; l != nil {
			lists = append(lists, l)
		}
	}
	for _, tok := range x.fresh {
		if strings.HasPrefix(tok, p) {
			lists = append(lists, x.post[tok])
		}
	}
	return lists
}

// cand is a ranked document.
type cand struct {
	slot    uint32
	id      int64
	score   float64 // BM25 × the recency boost, higher is better
	doc     idoc
	bodyHit bool // a token asked for is in the body (else only in the title)
}

// bodyBit marks, in a document's mask, a token found in its body (query
// words take the low 16 bits).
const bodyBit = uint32(1) << 31

// scratch is one search's working memory, reused by the next (rank
// allocates only the results it returns).
type scratch struct {
	score   []float64
	mask    []uint32
	touched []uint32
	cands   []uint32
	words   []wterm
	lists   []*plist
	idf     []float64
	heap    []cand
}

// wterm is one word of a query: its tokens' postings lists[lo:hi] (and
// their IDF) in scratch.
type wterm struct {
	bit    uint32
	lo, hi int
	n      int // postings
}

// filter is what a search keeps (kind, and for guests what is public and
// visible) and its recency boost: plain fields rather than functions, so
// the check of each candidate is inlined.
type filter struct {
	kind    uint8
	anyKind bool
	guest   bool  // only public documents visible at now
	now     int64 // Unix nanoseconds
	boost   bool  // the recency boost (from now)
}

func (f *filter) keep(d *idoc) bool {
	if !f.anyKind && d.kind != f.kind {
		return false
	}
	return !f.guest || d.public && d.from <= f.now
}

// factor is the recency boost: up to ×1.2 for today's documents, fading
// over a year.
func (f *filter) factor(d *idoc) float64 {
	if !f.boost {
		return 1
	}
	return 1.0 + 0.2/(1.0+float64(f.now/1e9-d.epoch)/31536000.0)
}

// liveHits is how many live documents p holds: the length of p when no
// slot is dead, else counted once per change of the index (remembered in
// p, so a common token is not walked by every search).
func (x *index) liveHits(p *plist) int {
	if x.dead == 0 {
		return len(p.slots)
	}
	if v := p.live.Load(); uint32(v>>32) == x.gen {
		return int(uint32(v))
	}
	hits := 0
	for _, s := range p.slots {
		if x.norm[s] != 0 {
			hits++
		}
	}
	p.live.Store(uint64(x.gen)<<32 | uint64(uint32(hits)))
	return hits
}

// rank returns the best k documents (by BM25 of the text times the
// filter's boost) that have a token of every word (all) or of any word,
// and that the filter keeps, best first.
//
// With all, the word with the fewest postings is read whole and the
// others only where it matched: a list much longer than the documents
// still in the running is searched (galloping) instead of read.
func (x *index) rank(terms [][]string, all bool, k int, f filter) []cand {
	x.mu.RLock()
	defer x.mu.RUnlock()
	live := len(x.docs) - x.dead
	if live == 0 || len(terms) == 0 || k <= 0 {
		return nil
	}
	sc, _ := x.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer x.scratch.Put(sc)
	if len(sc.score) < len(x.docs) {
		sc.score = make([]float64, len(x.docs)+len(x.docs)/8)
		sc.mask = make([]uint32, len(sc.score))
	}
	score, mask, norm := sc.score, sc.mask, x.norm
	touched := sc.touched[:0]
	words, lists, idfs := sc.words[:0], sc.lists[:0], sc.idf[:0]
	for w, word := range terms {
		t := wterm{bit: uint32(1) << (w % 32), lo: len(lists)}
		for _, tok := range word {
			p := x.post[tok]
			if p == nil {
				continue
			}
			// IDF as FTS5 computes it: from the rows having the token.
			hits := x.liveHits(p)
			idf := math.Log((float64(live) - float64(hits) + 0.5) / (float64(hits) + 0.5))
			if idf <= 0 {
				idf = 1e-6
			}
			lists, idfs = append(lists, p), append(idfs, idf)
			t.n += len(p.slots)
		}
		t.hi = len(lists)
		words = append(words, t)
	}
	sc.words, sc.lists, sc.idf = words, lists, idfs
	full := uint32(0)
	for _, t := range words {
		full |= t.bit
	}
	if all {
		for _, t := range words {
			if t.n == 0 {
				return nil // a word nothing has
			}
		}
		slices.SortStableFunc(words, func(a, b wterm) int { return a.n - b.n })
	}
	// add adds a posting's BM25 to its document.
	add := func(p *plist, i int, idf float64) {
		s := p.slots[i]
		b := p.tf[i] & 0xff
		f := titleWeight*float64(p.tf[i]>>8) + float64(b)
		score[s] += idf * f * (bm25K1 + 1) / (f + norm[s])
		if b > 0 {
			mask[s] |= bodyBit
		}
	}
	cands := sc.cands[:0] // with all: documents having every word so far, in slot order
	for wi, t := range words {
		if !all || wi == 0 {
			for j := t.lo; j < t.hi; j++ {
				p, idf := lists[j], idfs[j]
				for i, s := range p.slots {
					if norm[s] == 0 {
						continue
					}
					if mask[s] == 0 {
						touched = append(touched, s)
					}
					add(p, i, idf)
					mask[s] |= t.bit
				}
			}
			if all {
				cands = append(cands[:0], touched...)
				slices.Sort(cands)
			}
			continue
		}
		for j := t.lo; j < t.hi; j++ {
			p, idf := lists[j], idfs[j]
			if len(p.slots) <= 8*len(cands) {
				for i, s := range p.slots {
					if mask[s] != 0 && norm[s] != 0 {
						add(p, i, idf)
						mask[s] |= t.bit
					}
				}
				continue
			}
			i := 0
			for _, s := range cands {
				i = gallop(p.slots, i, s)
				if i == len(p.slots) {
					break
				}
				if p.slots[i] == s {
					add(p, i, idf)
					mask[s] |= t.bit
				}
			}
		}
		cands = slices.DeleteFunc(cands, func(s uint32) bool { return mask[s]&t.bit == 0 })
		if len(cands) == 0 {
			break
		}
	}
	sc.cands = cands[:0]
	h := candHeap(sc.heap[:0])
	for _, s := range touched {
		m, v := mask[s], score[s]
		score[s], mask[s] = 0, 0
		if all && m&^bodyBit != full {
			continue
		}
		// The boost is at most ×1.2: a document that cannot beat the
		// worst kept even so is not looked at.
		if len(h) == k && v*1.2 < h[0].score {
			continue
		}
		d := &x.docs[s]
		if !f.keep(d) {
			continue
		}
		v *= f.factor(d)
		if len(h) == k && !h[0].worse(v, d.id) {
			continue
		}
		c := cand{slot: s, id: d.id, score: v, doc: *d, bodyHit: m&bodyBit != 0}
		if len(h) < k {
			h.push(c)
		} else {
			h[0] = c
			h.down(0)
		}
	}
	sc.touched = touched[:0]
	out := make([]cand, len(h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = h.pop()
	}
	sc.heap = h[:0]
	return out
}

// gallop returns the first position at or after i where list holds a
// slot not below s (list is in slot order).
func gallop(list []uint32, i int, s uint32) int {
	if i >= len(list) || list[i] >= s {
		return i
	}
	step := 1
	lo := i
	for i+step < len(list) && list[i+step] < s {
		lo = i + step
		step *= 2
	}
	hi := min(i+step, len(list)-1)
	// list[lo] < s; the answer is in (lo, hi], or len(list).
	j, _ := slices.BinarySearch(list[lo+1:hi+1], s)
	return lo + 1 + j
}

// candHeap keeps the best k: its top is the worst kept. (Written out
// rather than through container/heap, which boxes every cand it pops.)
type candHeap []cand

// worse says whether c ranks below a document of score v and id.
func (c cand) worse(v float64, id int64) bool {
	return c.score < v || c.score == v && c.id > id
}

func (h *candHeap) push(c cand) {
	*h = append(*h, c)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !a[i].worse(a[p].score, a[p].id) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

// pop removes and returns the worst kept.
func (h *candHeap) pop() cand {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	h.down(0)
	return top
}

func (h candHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && h[r].worse(h[l].score, h[l].id) {
			j = r
		}
		if !h[j].worse(h[i].score, h[i].id) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// match returns the component ids (ref) of the live documents of kind
// that have a token of every word (each word's alternatives as rank
// reads them; for the last word, a token starting with one of them: a
// list filters as one types), in no particular order. Lists filter by it
// (Service.Match).
func (x *index) match(terms [][]string, kind uint8) []int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(terms) == 0 {
		return nil
	}
	type wlists struct {
		lists []*plist
		n     int
	}
	words := make([]wlists, 0, len(terms))
	for wi, word := range terms {
		var w wlists
		for _, tok := range word {
			if wi == len(terms)-1 {
				w.lists = x.withPrefix(w.lists, tok)
			} else if p := x.post[tok]; p != nil {
				w.lists = append(w.lists, p)
			}
		}
		for _, p := range w.lists {
			w.n += len(p.slots)
		}
		if w.n == 0 {
			return nil // a word nothing has
		}
		words = append(words, w)
	}
	slices.SortStableFunc(words, func(a, b wlists) int { return a.n - b.n })
	// The rarest word's documents, then only those every other word has.
	var cands []uint32
	for _, p := range words[0].lists {
		for _, s := range p.slots {
			if d := &x.docs[s]; d.id != 0 && d.kind == kind {
				cands = append(cands, s)
			}
		}
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	for _, w := range words[1:] {
		if len(cands) == 0 {
			break
		}
		cands = slices.DeleteFunc(cands, func(s uint32) bool {
			for _, p := range w.lists {
				if i := gallop(p.slots, 0, s); i < len(p.slots) && p.slots[i] == s {
					return false
				}
			}
			return true
		})
	}
	out := make([]int64, len(cands))
	for i, s := range cands {
		out[i] = x.docs[s].ref
	}
	return out
}
