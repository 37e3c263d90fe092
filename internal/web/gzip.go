package web

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Pages go gzipped to browsers that accept it (every browser does), so
// that a phone on a rural connection downloads a fraction of the bytes:
// a 200-comment proposal page is 69 KB of HTML and 4.4 KB gzipped. See
// docs/decisions/0025-compressed-pages.md.
//
//   - Guests' cached copies are compressed once per copy (cache.go), so
//     serving them compressed costs nothing per request.
//   - A page rendered for one reader around cached fragments (embed) is
//     sent as a gzip stream of pieces (gzipPage): each fragment as it was
//     compressed once per copy, and the reader's own parts between them
//     stored as they are (deflate's stored blocks: a copy). Such a page
//     costs a checksum, not a compression: a signed-in proposal page with
//     200 comments (69 KB) is served at 2.4 times the rate it is when
//     compressed whole (docs/benchmarks.md, "Caching: what each layer buys").
//   - Any other page rendered for one reader is compressed when it is at
//     least gzipMin bytes: compressing costs ~20 µs for any page plus
//     ~1.3 µs per KB (BestSpeed, the 2-core machine), which for a small
//     page is a large share of its whole cost and saves a few KB; above
//     gzipMin it saves most of the bytes where they matter.
const (
	gzipMin       = 16 << 10
	gzipMinCached = 1 << 10 // guests' copies, and fragments put whole into pages
)

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipTo appends src, gzipped, to dst.
func gzipTo(dst *bytes.Buffer, src []byte) {
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(dst)
	zw.Write(src) // a bytes.Buffer does not fail
	zw.Close()
	gzipWriters.Put(zw)
}

// acceptsGzip reports whether r's Accept-Encoding allows gzip (listed,
// and not with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			if c := strings.TrimSpace(coding); !strings.EqualFold(c, "gzip") && !strings.EqualFold(c, "x-gzip") {
				continue
			}
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok {
				return true
			}
			f, err := strconv.ParseFloat(q, 64)
			return err == nil && f > 0
		}
	}
	return false
}

// compressible reports whether a response of this type is worth gzipping
// (text; not images or archives, which are compressed already).
func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "json") ||
		strings.Contains(contentType, "svg") || strings.Contains(contentType, "xml")
}

// withoutGzip returns r as if its client accepted no compression: the
// page cache renders the plain copy it keeps through it.
func withoutGzip(r *http.Request) *http.Request {
	if r.Header.Get("Accept-Encoding") == "" {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	r2.Header.Del("Accept-Encoding")
	return r2
}

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

// deflateSegment appends to dst src as deflate blocks that stand alone:
// they refer to no data before them and end with a sync flush (an empty
// stored block, byte-aligned), not with a final block, so that pieces
// made this way follow each other in one stream.
func deflateSegment(dst, src []byte) []byte {
	b := bytes.NewBuffer(dst)
	fw := flateWriters.Get().(*flate.Writer)
	fw.Reset(b)
	fw.Write(src) // a bytes.Buffer does not fail
	fw.Flush()
	flateWriters.Put(fw)
	return b.Bytes()
}

// storedBlocks appends p to dst as deflate stored blocks (a 5-byte header
// per 65,535 bytes, then the bytes as they are). The stream before it must
// end byte-aligned.
func storedBlocks(dst *bytes.Buffer, p []byte) {
	for len(p) > 0 {
		n := min(len(p), 0xffff)
		// BFINAL 0, BTYPE 00, padded to the byte; LEN and its complement.
		dst.Write([]byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)})
		dst.Write(p[:n])
		p = p[n:]
	}
}

// span is a cached fragment put whole into a page: n bytes at offset at.
type span struct {
	at, n int
	e     *cached
}

// gzipPage appends page to dst as a gzip stream (RFC 1952): the fragments
// in spans as they were compressed once, the rest between them compressed
// here when it is big (a fresh piece, so it refers to nothing before it)
// and stored as it is otherwise, then an empty final block, the CRC-32 and
// the length.
func gzipPage(dst *bytes.Buffer, page []byte, spans []span) {
	dst.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // deflate, no name, no time, unknown OS
	plain := func(p []byte) {
		if len(p) >= gzipMin {
			dst.Write(deflateSegment(dst.AvailableBuffer(), p))
			return
		}
		storedBlocks(dst, p)
	}
	at := 0
	for _, s := range spans {
		plain(page[at:s.at])
		dst.Write(s.e.deflated())
		at = s.at + s.n
	}
	plain(page[at:])
	dst.Write([]byte{1, 0, 0, 0xff, 0xff}) // BFINAL 1, stored, empty
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:4], crc32.ChecksumIEEE(page))
	binary.LittleEndian.PutUint32(tail[4:], uint32(len(page)))
	dst.Write(tail[:])
}
