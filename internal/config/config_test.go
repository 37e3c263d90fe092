package config_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/config"
)

func resolve(t *testing.T, env map[string]string, args ...string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	r := config.Register(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return r()
}

func TestDefaults(t *testing.T) {
	c, err := resolve(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "sqlite:ortaq-data/ortaq.db" || c.Addr != "localhost:8080" || c.BaseURL != "http://localhost:8080" || c.SessionLifetime != 720*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(secret, []byte("from-file\n"), 0o600)
	env := map[string]string{"ORTAQ_ADDR": "0.0.0.0:9000", "ORTAQ_SMTP_PASSWORD_FILE": secret, "ORTAQ_DATABASE_URL": "postgres://u@h/db"}
	c, err := resolve(t, env, "--addr", "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" || c.SMTPPassword != "from-file" || c.DatabaseURL != "postgres://u@h/db" {
		t.Fatalf("flag > env > file: %+v", c)
	}
	env["ORTAQ_SMTP_PASSWORD"] = "from-env"
	if c, _ := resolve(t, env); c.SMTPPassword != "from-env" {
		t.Fatalf("env beats file: %q", c.SMTPPassword)
	}
}

func TestValidation(t *testing.T) {
	_, err := resolve(t, map[string]string{"ORTAQ_SESSION_LIFETIME": "forever", "ORTAQ_LOG_FORMAT": "xml"}, "--db", "mysql://x:secret@h/db")
	if err == nil {
		t.Fatal("bad values accepted")
	}
	for _, want := range []string{"--session-lifetime", "--log-format", "--db", "ORTAQ_DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows a password: %q", err)
	}
}

// docs/configuration.md carries the table generated from the code.
func TestDocsAreCurrent(t *testing.T) {
	var b bytes.Buffer
	config.WriteMarkdown(&b)
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, b.Bytes()) {
		t.Fatalf("docs/configuration.md is out of date; the table should read:\n%s", b.String())
	}
}

func TestTrustedProxyHops(t *testing.T) {
	if c, err := resolve(t, nil); err != nil || c.ProxyHops != 1 {
		t.Fatalf("default hops %d (%v), want 1", c.ProxyHops, err)
	}
	if c, err := resolve(t, map[string]string{"ORTAQ_TRUSTED_PROXY_HOPS": "2"}); err != nil || c.ProxyHops != 2 {
		t.Fatalf("hops %d (%v), want 2", c.ProxyHops, err)
	}
	for _, bad := range []string{"0", "-1", "two"} {
		if _, err := resolve(t, nil, "--trusted-proxy-hops", bad); err == nil {
			t.Errorf("--trusted-proxy-hops %s accepted", bad)
		}
	}
}

func TestMetricsOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "metrics-token")
	os.WriteFile(file, []byte("0123456789abcdef0123\n"), 0o600)
	c, err := resolve(t, map[string]string{"ORTAQ_METRICS_TOKEN_FILE": file}, "--metrics-addr", "127.0.0.1:9090")
	if err != nil || c.MetricsToken != "0123456789abcdef0123" || c.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("metrics options %q %q (%v)", c.MetricsToken, c.MetricsAddr, err)
	}
	if _, err := resolve(t, nil, "--metrics-token", "short"); err == nil || strings.Contains(err.Error(), "short") {
		t.Errorf("a short metrics token: %v (want refused, and not shown)", err)
	}
	if _, err := resolve(t, nil, "--metrics-addr", "9090"); err == nil {
		t.Error("--metrics-addr without a host:port accepted")
	}
}
