package web

import (
	"bytes"
	"compress/flate"
	"html/template"
	"io"
	"iter"
	"strings"
	"sync"
)

// A cached fragment (Fragment) may carry parts that only some readers
// see — "✓ you support this" on the rows of a list that this reader
// supports. The block writes each such part hidden for everyone, with a
// key right before the hidden attribute:
//
//	<span class="ok" data-reveal="{{.ID}}" hidden>✓ …</span>
//
// and the handler shows one reader's parts with Reveal, which blanks the
// attribute out: the HTML keeps its length, and its bytes are the cached
// ones everywhere but there. So a gzipped page still takes the fragment
// as compressed once (cached.deflated): the fragment is compressed cut at
// its switches, with the switches themselves left out of what it may refer
// to, and per request only the 7-byte switches are written in between, as
// they are (gzipPage). See docs/decisions/0027-revealed-parts.md.
//
// Only a template writes `data-reveal="`: anything a person wrote is
// escaped (a quote becomes &#34;), so it cannot pose as a switch.

const (
	revealOpen = `data-reveal="`
	switchOff  = ` hidden`
	switchOn   = `       ` // as long as switchOff
)

// switches yields the offset of each switch in h (its switchOff) and the
// key before it.
func switches(h string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := 0; ; {
			j := strings.Index(h[i:], revealOpen)
			if j < 0 {
				return
			}
			k := i + j + len(revealOpen)
			q := strings.IndexByte(h[k:], '"')
			if q < 0 {
				return
			}
			at := k + q + 1
			i = at
			if !strings.HasPrefix(h[at:], switchOff) || len(h) == at+len(switchOff) || (h[at+len(switchOff)] != '>' && h[at+len(switchOff)] != ' ') {
				continue
			}
			if !yield(at, h[k:k+q]) {
				return
			}
		}
	}
}

// Revealed is a fragment as one reader sees it: Reveal's result, for
// embed, which writes it into the page as it goes.
type Revealed struct {
	h  template.HTML // the fragment
	on []int         // the switches to blank out, in order
	e  *cached       // the fragment's cache entry (nil: not a cached one, or one not cut)
}

// HTML returns the revealed fragment's HTML.
func (v Revealed) HTML() template.HTML {
	if len(v.on) == 0 {
		return v.h
	}
	var b strings.Builder
	b.Grow(len(v.h))
	v.writeTo(&b)
	return template.HTML(b.String())
}

func (v Revealed) writeTo(w io.StringWriter) {
	at := 0
	for _, sw := range v.on {
		w.WriteString(string(v.h[at:sw]))
		w.WriteString(switchOn)
		at = sw + len(switchOff)
	}
	w.WriteString(string(v.h[at:]))
}

// Reveal returns fragment h — as Fragment returned it — with the parts
// whose key show accepts made visible; show is asked once per switch.
func (s *Server) Reveal(h template.HTML, show func(key string) bool) Revealed {
	v := Revealed{h: h, e: s.cache.fragment(h)}
	if v.e != nil && len(v.e.switches()) > 0 {
		for i, sw := range v.e.sw {
			if show(v.e.keys[i]) {
				v.on = append(v.on, sw)
			}
		}
		return v
	}
	for sw, key := range switches(string(h)) {
		if show(key) {
			v.on = append(v.on, sw)
		}
	}
	if len(v.on) > 0 {
		// Not cached, or it could not be cut at its switches (see
		// cached.switches): the changed copy is a reader's part.
		v.e = nil
	}
	return v
}

// switches returns the offsets of the fragment's switches, found once
// with their keys (e.keys) — none when it has none, or when no byte value
// is absent from it to mask them with (valid UTF-8 never has 0xff; see
// deflateCut).
func (e *cached) switches() []int {
	e.swOnce.Do(func() {
		var seen [256]bool
		for i := 0; i < len(e.html); i++ {
			seen[e.html[i]] = true
		}
		free := -1
		for _, c := range []int{0xff, 0xfe, 0} {
			if !seen[c] {
				free = c
				break
			}
		}
		if free < 0 {
			return
		}
		for at, key := range switches(string(e.html)) {
			e.sw, e.keys = append(e.sw, at), append(e.keys, key)
		}
		e.mask = byte(free)
	})
	return e.sw
}

var cutWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return w
}}

// deflateCut compresses html as one deflate stream cut around each switch
// (at the offsets sw): the pieces between switches, each ending with a
// sync flush, byte-aligned, so that any 7 bytes can go between them as a
// stored block. The switches are compressed as mask bytes, a value html
// never has, and that output is dropped: no later piece can refer to
// them (a match copies bytes equal to what it encodes, and no piece has
// the mask byte), so they may be anything in the page, while the pieces
// still refer back to all the fragment before them: a cut fragment is
// about as small as a whole one. (BestSpeed keeps no history across a
// flush: hence the default level; it is done once per copy.)
func deflateCut(html string, sw []int, mask byte) [][]byte {
	var out bytes.Buffer
	fw := cutWriters.Get().(*flate.Writer)
	fw.Reset(&out)
	masked := bytes.Repeat([]byte{mask}, len(switchOff))
	pieces := make([][]byte, 0, len(sw)+1)
	at := 0
	for _, s := range sw {
		fw.Write([]byte(html[at:s])) // a bytes.Buffer does not fail
		fw.Flush()
		pieces = append(pieces, bytes.Clone(out.Bytes()))
		out.Reset()
		fw.Write(masked)
		fw.Flush()
		out.Reset()
		at = s + len(switchOff)
	}
	fw.Write([]byte(html[at:]))
	fw.Flush()
	pieces = append(pieces, bytes.Clone(out.Bytes()))
	cutWriters.Put(fw)
	return pieces
}
