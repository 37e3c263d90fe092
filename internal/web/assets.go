package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Assets are the embedded static files, served under content-hashed names
// ("app.3f2a1b9c.css") with a year-long cache lifetime: a new release
// changes the name, never the content behind a name. Each is also kept
// gzipped, for rural connections.
type Assets struct {
	byName map[string]string // "app.css" → "/static/app.3f2a1b9c.css"
	byPath map[string]*asset // "app.3f2a1b9c.css" → asset
}

type asset struct {
	body, gz []byte
	ctype    string
	etag     string
}

// NewAssets hashes and compresses the embedded files.
func NewAssets() (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byPath: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:10]
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + h + ext
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		x := &asset{body: b, ctype: ct, etag: `"` + h + `"`}
		if gz.Len() < len(b) {
			x.gz = gz.Bytes()
		}
		a.byName[name] = "/static/" + hashed
		a.byPath[hashed] = x
		return nil
	})
	return a, err
}

// URL returns the hashed URL of an asset by its plain name.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return u, nil
}

// ServeHTTP serves /static/{hashed name}.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x, ok := a.byPath[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", x.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", x.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == x.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := x.body
	if x.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = x.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
