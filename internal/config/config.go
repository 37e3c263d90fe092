// Package config holds Ortaq's options in one table: each option's flag,
// environment variable, default, validation and whether it is a secret.
// `ortaq serve --help` and docs/configuration.md are generated from it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the resolved configuration.
type Config struct {
	DatabaseURL     string
	Addr            string
	BaseURL         string
	SiteName        string
	LogFormat       string
	LogLevel        string
	DBMaxConns      int
	SessionLifetime time.Duration
	MaxHashes       int
	SigninAccount   int
	SigninIP        int
	SigninWindow    time.Duration
	MailPerAddress  int
	MailPerClient   int
	MailWindow      time.Duration
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	ShutdownDrain   time.Duration
	PageCacheTTL    time.Duration
	AuthCacheTTL    time.Duration
	ClientIPHeader  string
	ProxyHops       int
	MetricsAddr     string
	MetricsToken    string
	SMTPHost        string
	SMTPPort        int
	SMTPUsername    string
	SMTPPassword    string
	SMTPFrom        string
	SMTPTLS         string
	TelegramToken   string
	TelegramAPIURL  string
	SecretKey       string
	DBTimeout       time.Duration
}

// Option is one row of the table.
type Option struct {
	Flag    string
	Default string
	Help    string
	Secret  bool // also read from ENV_FILE; never printed
	set     func(c *Config, v string) error
}

// Env is the option's environment variable.
func (o Option) Env() string {
	return "ORTAQ_" + strings.ToUpper(strings.ReplaceAll(o.Flag, "-", "_"))
}

// Options is the table. The database option's variable is the documented
// ORTAQ_DATABASE_URL, so its flag is "db" with a special name below.
var Options = []Option{
	{Flag: "db", Default: "sqlite:ortaq-data/ortaq.db", Help: "database: sqlite:PATH or postgres://USER:PASS@HOST/DB", Secret: true,
		set: func(c *Config, v string) error {
			if !strings.HasPrefix(v, "sqlite:") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return errors.New("want sqlite:PATH or postgres://…")
			}
			c.DatabaseURL = v
			return nil
		}},
	{Flag: "addr", Default: "localhost:8080", Help: "address to listen on (host:port)",
		set: func(c *Config, v string) error { c.Addr = v; return nonEmpty(v) }},
	{Flag: "base-url", Default: "", Help: "public URL of this installation, used in links sent by email (default http://ADDR)",
		set: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("want an absolute http(s) URL")
			}
			c.BaseURL = strings.TrimSuffix(v, "/")
			return nil
		}},
	{Flag: "site-name", Default: "Ortaq", Help: "name of this installation shown in the header and emails",
		set: func(c *Config, v string) error { c.SiteName = v; return nonEmpty(v) }},
	{Flag: "log-format", Default: "auto", Help: "log format: auto (text in a terminal, JSON otherwise), text or json",
		set: func(c *Config, v string) error { c.LogFormat = v; return oneOf(v, "auto", "text", "json") }},
	{Flag: "log-level", Default: "info", Help: "log level: debug, info, warn or error",
		set: func(c *Config, v string) error { c.LogLevel = v; return oneOf(v, "debug", "info", "warn", "error") }},
	{Flag: "db-timeout", Default: "5s", Help: "longest a request waits for the database in all (a connection, a free place in the pool, its statements); past it the request is answered 503 with Retry-After; imports, exports and uploads get ten times as long",
		set: func(c *Config, v string) (err error) { c.DBTimeout, err = duration(v); return }},
	{Flag: "db-max-conns", Default: "20", Help: "database connections per node (PostgreSQL pool; SQLite readers)",
		set: func(c *Config, v string) (err error) { c.DBMaxConns, err = positive(v); return }},
	{Flag: "session-lifetime", Default: "720h", Help: "how long a sign-in lasts without use",
		set: func(c *Config, v string) (err error) { c.SessionLifetime, err = duration(v); return }},
	{Flag: "max-concurrent-hashes", Default: "2", Help: "password hashes computed at once (each takes 19 MiB); others wait",
		set: func(c *Config, v string) (err error) { c.MaxHashes, err = positive(v); return }},
	{Flag: "signin-limit-account", Default: "10", Help: "failed sign-ins allowed per account in the window",
		set: func(c *Config, v string) (err error) { c.SigninAccount, err = positive(v); return }},
	{Flag: "signin-limit-ip", Default: "50", Help: "failed sign-ins allowed per client address in the window",
		set: func(c *Config, v string) (err error) { c.SigninIP, err = positive(v); return }},
	{Flag: "signin-window", Default: "15m", Help: "window of the sign-in limits",
		set: func(c *Config, v string) (err error) { c.SigninWindow, err = duration(v); return }},
	{Flag: "email-limit-address", Default: "3", Help: "emails that sign-up, password reset and resending a confirmation may send to one address in the email window (asked for with or without an account there)",
		set: func(c *Config, v string) (err error) { c.MailPerAddress, err = positive(v); return }},
	{Flag: "email-limit-ip", Default: "20", Help: "the same emails asked for from one client address in the email window",
		set: func(c *Config, v string) (err error) { c.MailPerClient, err = positive(v); return }},
	{Flag: "email-window", Default: "1h", Help: "window of the email limits",
		set: func(c *Config, v string) (err error) { c.MailWindow, err = duration(v); return }},
	{Flag: "max-body-bytes", Default: "1048576", Help: "largest request body accepted (larger gets 413)",
		set: func(c *Config, v string) error {
			n, err := positive(v)
			c.MaxBodyBytes = int64(n)
			return err
		}},
	{Flag: "shutdown-timeout", Default: "30s", Help: "how long in-flight requests may take to finish on shutdown",
		set: func(c *Config, v string) (err error) { c.ShutdownTimeout, err = duration(v); return }},
	{Flag: "shutdown-drain", Default: "5s", Help: "on shutdown, how long kept-alive connections may still bring a request (answered, then closed) before the node closes them; longer than the proxy's keepalive_timeout; 0 closes them at once",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("want a duration such as 5s, or 0")
			}
			c.ShutdownDrain = d
			return nil
		}},
	{Flag: "page-cache-ttl", Default: "2s", Help: "how long guests may be shown a copy of a public page (lists, public records); 0 turns the cache off",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("want a duration such as 2s, or 0")
			}
			c.PageCacheTTL = d
			return nil
		}},
	{Flag: "auth-cache-ttl", Default: "2s", Help: "how long a node trusts a session or API token it has just checked without asking the database; a sign-out on another node counts here within this time; 0 turns it off",
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("want a duration such as 2s, or 0")
			}
			c.AuthCacheTTL = d
			return nil
		}},
	{Flag: "client-ip-header", Default: "", Help: "header carrying the client address when behind a trusted proxy (e.g. X-Forwarded-For); empty: use the connection",
		set: func(c *Config, v string) error { c.ClientIPHeader = v; return nil }},
	{Flag: "trusted-proxy-hops", Default: "1", Help: "with --client-ip-header: how many trusted proxies add to that header; the client is the entry this many from the right (fewer entries, or a malformed one: the connection's address)",
		set: func(c *Config, v string) (err error) { c.ProxyHops, err = positive(v); return }},
	{Flag: "metrics-addr", Default: "", Help: "a separate address (e.g. 127.0.0.1:9090) that serves only /metrics, for Prometheus; empty: none",
		set: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("want host:port, e.g. 127.0.0.1:9090")
			}
			c.MetricsAddr = v
			return nil
		}},
	{Flag: "metrics-token", Default: "", Help: "token that lets a scraper read /metrics (Authorization: Bearer TOKEN), also on the public address; with neither it nor --metrics-addr, /metrics is not served (404)", Secret: true,
		set: func(c *Config, v string) error {
			c.MetricsToken = strings.TrimSpace(v)
			if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
				return errors.New("want at least 16 characters (e.g. openssl rand -hex 32)")
			}
			return nil
		}},
	{Flag: "smtp-host", Default: "", Help: "SMTP server for outgoing email; empty: emails are written to the log",
		set: func(c *Config, v string) error { c.SMTPHost = v; return nil }},
	{Flag: "smtp-port", Default: "587", Help: "SMTP port",
		set: func(c *Config, v string) (err error) { c.SMTPPort, err = positive(v); return }},
	{Flag: "smtp-username", Default: "", Help: "SMTP user name (PLAIN auth when set)",
		set: func(c *Config, v string) error { c.SMTPUsername = v; return nil }},
	{Flag: "smtp-password", Default: "", Help: "SMTP password", Secret: true,
		set: func(c *Config, v string) error { c.SMTPPassword = v; return nil }},
	{Flag: "smtp-from", Default: "ortaq@localhost", Help: "sender address of outgoing email",
		set: func(c *Config, v string) error { c.SMTPFrom = v; return nonEmpty(v) }},
	{Flag: "smtp-tls", Default: "starttls", Help: "SMTP transport security: starttls, tls or none",
		set: func(c *Config, v string) error { c.SMTPTLS = v; return oneOf(v, "starttls", "tls", "none") }},
	{Flag: "secret-key", Default: "", Help: "the installation's secret (at least 32 characters, e.g. from openssl rand -base64 32), from which the key that seals ballots while voting is open is derived; the same on every node; empty: kept in secret.key beside the SQLite database (ortaq-data/secret.key on PostgreSQL), made on first start", Secret: true,
		set: func(c *Config, v string) error {
			v = strings.TrimSpace(v)
			if v != "" && len(v) < 32 {
				return errors.New("want at least 32 characters")
			}
			c.SecretKey = v
			return nil
		}},
	{Flag: "telegram-token", Default: "", Help: "token of the Telegram bot (from @BotFather); empty: the bot is off", Secret: true,
		set: func(c *Config, v string) error { c.TelegramToken = strings.TrimSpace(v); return nil }},
	{Flag: "telegram-api-url", Default: "https://api.telegram.org", Help: "address of the Telegram Bot API (a local Bot API server, or a fake one in tests)",
		set: func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("want an absolute http(s) URL")
			}
			c.TelegramAPIURL = strings.TrimSuffix(v, "/")
			return nil
		}},
}

// EnvName returns the environment variable of an option; the database's
// is ORTAQ_DATABASE_URL as the contract says.
func EnvName(o Option) string {
	if o.Flag == "db" {
		return "ORTAQ_DATABASE_URL"
	}
	return o.Env()
}

// Register adds the options to fs, returning a function that, after
// fs.Parse, resolves the configuration: flag > ENV > ENV_FILE > default.
// only limits the options registered (nil: all), for subcommands that need
// just a few (every subcommand takes --db).
func Register(fs *flag.FlagSet, getenv func(string) string, only ...string) func() (Config, error) {
	vals := map[string]*string{}
	for _, o := range Options {
		if len(only) > 0 && !contains(only, o.Flag) {
			continue
		}
		vals[o.Flag] = fs.String(o.Flag, "", o.Help+" (env "+EnvName(o)+", default "+quoteDefault(o)+")")
	}
	return func() (Config, error) {
		var c Config
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var errs []error
		for _, o := range Options {
			v := o.Default
			env := EnvName(o)
			if o.Secret {
				if file := getenv(env + "_FILE"); file != "" {
					b, err := os.ReadFile(file)
					if err != nil {
						errs = append(errs, fmt.Errorf("%s_FILE: %w", env, err))
						continue
					}
					v = strings.TrimRight(string(b), "\r\n")
				}
			}
			if e := getenv(env); e != "" {
				v = e
			}
			if p, ok := vals[o.Flag]; ok && set[o.Flag] {
				v = *p
			}
			if err := o.set(&c, v); err != nil {
				errs = append(errs, fmt.Errorf("--%s (%s) %q: %w", o.Flag, env, shown(o, v), err))
			}
		}
		if c.BaseURL == "" {
			c.BaseURL = "http://" + c.Addr
		}
		return c, errors.Join(errs...)
	}
}

// WriteMarkdown writes the option table as Markdown (docs/configuration.md).
func WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| flag | environment | default | what it does |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, o := range Options {
		env := "`" + EnvName(o) + "`"
		if o.Secret {
			env += " (or `" + EnvName(o) + "_FILE`)"
		}
		fmt.Fprintf(w, "| `--%s` | %s | `%s` | %s |\n", o.Flag, env, o.Default, o.Help)
	}
}

func quoteDefault(o Option) string {
	if o.Default == "" {
		return `""`
	}
	return o.Default
}

func shown(o Option, v string) string {
	if o.Secret && o.Flag != "db" {
		return "…"
	}
	if o.Flag == "db" {
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				return u.String()
			}
		}
	}
	return v
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	if contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("want one of %s", strings.Join(allowed, ", "))
}

func positive(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive whole number")
	}
	return n, nil
}

func duration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration such as 30s, 15m or 720h")
	}
	return d, nil
}
