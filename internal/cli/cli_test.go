package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/cli"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

type run struct {
	code           int
	stdout, stderr string
}

func ortaq(t *testing.T, stdin string, env map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
	})
	return run{code, out.String(), errb.String()}
}

// server runs `ortaq serve` in-process until stop is called.
type server struct {
	addr string
	stop func() int
}

func serve(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...), cli.Env{
			Getenv: func(k string) string { return env[k] }, Stdout: io.Discard, Stderr: io.Discard,
			Listening: func(a string) { addrc <- a },
		})
	}()
	select {
	case a := <-addrc:
		return &server{addr: a, stop: func() int { cancel(); return <-done }}
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d before listening", code)
	case <-time.After(90 * time.Second):
		// A bound on hanging, not a speed budget (that is the cold-start
		// benchmark): --demo loads every component's stories, under -race
		// and beside other packages' tests on two cores.
		cancel()
		t.Fatal("serve did not start")
	}
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeDemoRestartKeepsData(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "data", "ortaq.db")
	env := map[string]string{"ORTAQ_DATABASE_URL": dbURL}
	s := serve(t, env, "--demo")
	if code, body := get(t, "http://"+s.addr+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz %d %q", code, body)
	}
	if code, body := get(t, "http://"+s.addr+"/kk/"); code != 200 || !strings.Contains(body, `lang="kk"`) {
		t.Fatalf("home %d", code)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	// Restart: the demo is not loaded twice and its accounts are there.
	s = serve(t, env, "--demo")
	defer s.stop()
	r := ortaq(t, "", env, "token", "add", "--email", "admin@demo.ortaq.kz")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ortaq_") || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("token add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(r.stdout))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"platform_admin":true`) {
		t.Fatalf("/api/v1/me %d %s", resp.StatusCode, b)
	}
	r = ortaq(t, "", env, "demo")
	if r.code != 0 || !strings.Contains(r.stdout, "already loaded") || !strings.Contains(r.stdout, "demo-admin-2026") {
		t.Fatalf("demo: %d %q", r.code, r.stdout)
	}
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	env := map[string]string{"ORTAQ_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "o.db")}
	s := serve(t, env)
	// Start a request and send only half of its body.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=a%40example.kz&password=wrong+password"
	fmt.Fprintf(conn, "POST /kk/forgot HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		s.addr, len(body), body[:10])
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan int, 1)
	go func() { stopped <- s.stop() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-stopped:
		t.Fatal("server stopped with a request in flight")
	default:
	}
	fmt.Fprint(conn, body[10:])
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := io.ReadAll(conn)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(resp), "HTTP/1.1 200") {
		t.Fatalf("in-flight request got %q", resp)
	}
	if code := <-stopped; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

func TestUserAddTokenAddBackupVersion(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	db := "--db=sqlite:" + filepath.Join(dir, "o.db")
	r := ortaq(t, "", env, "user", "add", db, "--email", "Admin@Example.kz", "--name", "Бас Әкімші", "--role", "admin")
	if r.code != 0 || !strings.Contains(r.stdout, "password: ") {
		t.Fatalf("user add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = ortaq(t, "secret password 1\n", env, "user", "add", db, "--email", "m@example.kz", "--name", "Мүше", "--birth-date", "2009-01-01", "--password-stdin")
	if r.code != 0 || strings.Contains(r.stdout, "password:") {
		t.Fatalf("user add --password-stdin: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = ortaq(t, "", env, "user", "add", db, "--email", "admin@example.kz", "--name", "Again")
	if r.code != 1 || !strings.Contains(r.stderr, "email") {
		t.Fatalf("duplicate user add: %d %q", r.code, r.stderr)
	}
	r = ortaq(t, "", env, "user", "add", db, "--email", "x@example.kz")
	if r.code != 2 {
		t.Fatalf("user add without --name: %d", r.code)
	}
	r = ortaq(t, "", env, "token", "add", db, "--email", "admin@example.kz", "--name", "ci")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ortaq_") {
		t.Fatalf("token add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = ortaq(t, "", env, "token", "add", db, "--email", "nobody@example.kz")
	if r.code != 1 {
		t.Fatalf("token add for nobody: %d", r.code)
	}
	out := filepath.Join(dir, "backup.db")
	r = ortaq(t, "", env, "backup", db, "--out", out)
	if r.code != 0 {
		t.Fatalf("backup: %d %q", r.code, r.stderr)
	}
	// The copy is a working database with the same accounts.
	r = ortaq(t, "", env, "token", "add", "--db=sqlite:"+out, "--email", "m@example.kz")
	// m@example.kz is a minor without consent: the account is in the copy,
	// and it gets no token.
	if r.code != 1 || !strings.Contains(r.stderr, "consent") {
		t.Fatalf("token in backup: %d %q", r.code, r.stderr)
	}
	r = ortaq(t, "", env, "token", "add", "--db=sqlite:"+out, "--email", "admin@example.kz")
	if r.code != 0 {
		t.Fatalf("token add on the backup: %d %q", r.code, r.stderr)
	}
	if r := ortaq(t, "", env, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "ortaq ") {
		t.Fatalf("version: %d %q", r.code, r.stdout)
	}
	if r := ortaq(t, "", env, "migrate", db); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.stderr)
	}
	if r := ortaq(t, "", env, "frobnicate"); r.code != 2 {
		t.Fatalf("unknown command: %d", r.code)
	}
	if r := ortaq(t, "", map[string]string{"ORTAQ_ADDR": ""}, "serve", "--db", "mysql://x"); r.code != 1 || !strings.Contains(r.stderr, "ORTAQ_DATABASE_URL") {
		t.Fatalf("bad --db: %d %q", r.code, r.stderr)
	}
}

func TestServeOnPostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	env := map[string]string{"ORTAQ_DATABASE_URL": url}
	s := serve(t, env, "--demo")
	defer s.stop()
	if code, _ := get(t, "http://"+s.addr+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if r := ortaq(t, "", env, "backup", "--out", filepath.Join(t.TempDir(), "x")); r.code != 1 || !strings.Contains(r.stderr, "pg_dump") {
		t.Fatalf("backup on postgres: %d %q", r.code, r.stderr)
	}
}
