// Package cli is the ortaq command: serve, migrate, demo, user add, token
// add, backup and version. Run takes everything from its arguments, so
// tests run the whole program in-process.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/demo"
	"github.com/ortaq/ortaq/internal/errs"
)

// Version is set at build time with -ldflags "-X …/cli.Version=v1.2.3".
var Version = "dev"

// Env is what Run gets from its surroundings.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Listening, when set, receives the address serve listens on.
	Listening func(addr string)
	// Options for the app (tests replace the mailer).
	App app.Options
}

const usage = `ortaq — programmes of public organizations, together with the people they serve

Usage:
  ortaq serve [--demo] [options]    run the web server (see ortaq serve --help)
  ortaq migrate [--db URL]          apply database migrations
  ortaq demo [--db URL]             load demo data and print the demo accounts
  ortaq user add --email E --name N [--role admin] [--birth-date YYYY-MM-DD] [--password-stdin]
  ortaq token add --email E [--name LABEL]
  ortaq backup --out FILE [--db URL]
  ortaq version
`

// Run runs the command line and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serve(ctx, rest, env)
	case "migrate":
		err = migrate(ctx, rest, env)
	case "demo":
		err = demoCmd(ctx, rest, env)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			err = usageError("ortaq user add --email E --name N")
		} else {
			err = userAdd(ctx, rest[1:], env)
		}
	case "token":
		if len(rest) == 0 || rest[0] != "add" {
			err = usageError("ortaq token add --email E [--name LABEL]")
		} else {
			err = tokenAdd(ctx, rest[1:], env)
		}
	case "backup":
		err = backup(ctx, rest, env)
	case "version", "--version", "-v":
		fmt.Fprintln(env.Stdout, "ortaq", version())
	case "help", "--help", "-h":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "ortaq: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "ortaq: %s\n", string(ue))
		return 2
	}
	fmt.Fprintf(env.Stderr, "ortaq: %s\n", describe(err))
	return 1
}

type usageError string

func (u usageError) Error() string { return string(u) }

// describe turns validation errors into readable English for the terminal.
func describe(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Name+": "+f.Key)
	}
	if len(parts) == 0 {
		return e.Key
	}
	return strings.Join(parts, "; ")
}

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

// flags builds a flag set with the given configuration options (all when
// none are named) and returns it with the resolver.
func flags(name string, env Env, only ...string) (*flag.FlagSet, func() (config.Config, error)) {
	fs := flag.NewFlagSet("ortaq "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	resolve := config.Register(fs, env.Getenv, only...)
	return fs, resolve
}

func open(ctx context.Context, cfg config.Config, env Env) (*app.App, error) {
	log := app.NewLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	a, err := app.New(ctx, cfg, log, env.App)
	if err != nil {
		app.FlushLog(log)
	}
	return a, err
}

func serve(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("serve", env)
	withDemo := fs.Bool("demo", false, "load the demo data on first start (idempotent)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ortaq serve [--demo] [options]\n\nEvery option is also an environment variable; secrets also as VAR_FILE.\n\n")
		config.WriteMarkdown(fs.Output())
		fmt.Fprintf(fs.Output(), "| `--demo` | | `false` | load the demo data on first start (idempotent) |\n")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer a.Close()
	if *withDemo {
		loaded, err := demo.Load(db.OneOff(ctx), a)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			// Loading hashed the demo accounts' passwords, 19 MiB each; give
			// that memory back now rather than idle on it.
			runtime.GC()
			debug.FreeOSMemory()
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if env.Listening != nil {
		env.Listening(ln.Addr().String())
	}
	return a.Serve(ctx, ln)
}

func migrate(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("migrate", env, "db", "log-format", "log-level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, env) // opening migrates
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(env.Stdout, "database is up to date:", a.DB.URL)
	return nil
}

func demoCmd(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("demo", env, "db", "log-format", "log-level")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer a.Close()
	loaded, err := demo.Load(db.OneOff(ctx), a)
	if err != nil {
		return err
	}
	if !loaded {
		fmt.Fprintln(env.Stdout, "demo data was already loaded")
	}
	fmt.Fprintln(env.Stdout, "Demo accounts (password for each):")
	for _, acc := range demo.Accounts {
		fmt.Fprintf(env.Stdout, "  %-28s %-18s %s\n", acc.Email, acc.Password, acc.Role)
	}
	return nil
}

func userAdd(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("user add", env, "db", "log-format", "log-level")
	email := fs.String("email", "", "email address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", `"admin" for a platform administrator`)
	birth := fs.String("birth-date", "", "birth date YYYY-MM-DD")
	region := fs.String("region", "", "region code (see /api/v1/regions)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usageError("user add: --email and --name are required")
	}
	if *role != "" && *role != "admin" {
		return usageError(`user add: --role must be "admin" or absent`)
	}
	var pw string
	if *pwStdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
		if pw == "" {
			return usageError("user add: empty password on standard input")
		}
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer a.Close()
	u, generated, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: *name, Email: *email, BirthDate: *birth, Region: *region, Password: pw, Admin: *role == "admin"})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created %s <%s> (id %d)\n", u.Name, u.Email, u.ID)
	if pw == "" {
		fmt.Fprintf(env.Stdout, "password: %s\n", generated)
	}
	return nil
}

func tokenAdd(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("token add", env, "db", "log-format", "log-level")
	email := fs.String("email", "", "whose token (required)")
	name := fs.String("name", "cli", "a label to recognise the token by")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return usageError("token add: --email is required")
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account with email %s", *email)
	}
	token, err := a.Auth.CreateToken(ctx, u, *name, 0)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, token) // only the token, for scripts
	return nil
}

func backup(ctx context.Context, args []string, env Env) error {
	fs, resolve := flags("backup", env, "db", "log-format", "log-level")
	out := fs.String("out", "", "file to write the copy to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("backup: --out FILE is required")
	}
	cfg, err := resolve()
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Backup(ctx, *out); err != nil {
		return err
	}
	if st, err := os.Stat(*out); err == nil {
		fmt.Fprintf(env.Stdout, "backup written: %s (%d bytes)\n", *out, st.Size())
	}
	return nil
}
