// Package harness is what the load tools under scripts/bench share: a
// database for the run from the -db flag, the whole app serving HTTP on a
// loopback port in the tool's own process, and a client signed in through
// the sign-in form. Percentiles are servertime.Pct.
package harness

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/config"
)

// Database turns the -db flag into a database URL: "sqlite" is a new file
// in a temporary directory, a postgres:// URL gets a new schema; drop
// removes either.
func Database(dbFlag, name string) (dbURL string, drop func(), err error) {
	switch {
	case dbFlag == "sqlite":
		dir, err := os.MkdirTemp("", "ortaq-bench-"+name)
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	case strings.HasPrefix(dbFlag, "postgres"):
		var b [6]byte
		rand.Read(b[:])
		schema := "bench_" + hex.EncodeToString(b[:])
		admin, err := sql.Open("pgx", dbFlag)
		if err != nil {
			return "", nil, err
		}
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			admin.Close()
			return "", nil, err
		}
		u, err := url.Parse(dbFlag)
		if err != nil {
			admin.Close()
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }, nil
	}
	return dbFlag, func() {}, nil
}

// Node is the app serving on loopback in this process.
type Node struct {
	*app.App
	Config config.Config // as started: Addr and BaseURL set
	Base   string        // http://127.0.0.1:port
	stop   context.CancelFunc
}

// Config is the default configuration (no environment, no flags) on
// database dbURL.
func Config(dbURL string) (config.Config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cfg, err := config.Register(fs, func(string) string { return "" })()
	if err != nil {
		return cfg, err
	}
	cfg.DatabaseURL = dbURL
	return cfg, nil
}

// Start serves the app with cfg on a new loopback port (cfg's Addr and
// BaseURL are set to it), with the cheap test password hasher and no log.
func Start(ctx context.Context, cfg config.Config) (*Node, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Addr, cfg.BaseURL = ln.Addr().String(), "http://"+ln.Addr().String()
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Hasher: auth.NewTestHasher()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	go a.Serve(sctx, ln)
	return &Node{App: a, Config: cfg, Base: cfg.BaseURL, stop: stop}, nil
}

// Close stops serving and closes the app.
func (n *Node) Close() {
	n.stop()
	n.App.Close()
}

// SignIn returns a client signed in as email through the sign-in form: it
// keeps cookies, does not follow redirects, and keeps up to conns
// connections to the server.
func SignIn(base, email, password string, conns int) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	pc := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequest("POST", base+"/kk/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := pc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return pc, nil
}
