package web

import (
	"bytes"
	"compress/gzip"
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
//   - A page rendered for one reader is compressed when it is at least
//     gzipMin bytes: compressing costs ~20 µs for any page plus ~1.3 µs
//     per KB (BestSpeed, the 2-core machine), which for a small page is a
//     large share of its whole cost and saves a few KB; above gzipMin it
//     saves most of the bytes where they matter.
const (
	gzipMin       = 16 << 10
	gzipMinCached = 1 << 10 // guests' copies
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
