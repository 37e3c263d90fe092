package telegram_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/config"
)

// The bot's two options: defaults, the token from a file, the API address
// checked and the token never shown in an error.
func TestConfig(t *testing.T) {
	resolve := func(env map[string]string, args ...string) (config.Config, error) {
		t.Helper()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		r := config.Register(fs, func(k string) string { return env[k] })
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return r()
	}
	c, err := resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TelegramToken != "" || c.TelegramAPIURL != "https://api.telegram.org" {
		t.Fatalf("defaults: token %q, api %q", c.TelegramToken, c.TelegramAPIURL)
	}
	tok := filepath.Join(t.TempDir(), "tg")
	if err := os.WriteFile(tok, []byte("123:from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = resolve(map[string]string{"ORTAQ_TELEGRAM_TOKEN_FILE": tok}, "--telegram-api-url", "http://127.0.0.1:9999/")
	if err != nil {
		t.Fatal(err)
	}
	if c.TelegramToken != "123:from-file" || c.TelegramAPIURL != "http://127.0.0.1:9999" {
		t.Fatalf("token %q, api %q", c.TelegramToken, c.TelegramAPIURL)
	}
	_, err = resolve(map[string]string{"ORTAQ_TELEGRAM_TOKEN": "123:very-secret"}, "--telegram-api-url", "api.telegram.org")
	if err == nil || !strings.Contains(err.Error(), "--telegram-api-url") {
		t.Fatalf("a relative API address was accepted: %v", err)
	}
	if strings.Contains(err.Error(), "very-secret") {
		t.Errorf("the error shows the token: %q", err)
	}
}
