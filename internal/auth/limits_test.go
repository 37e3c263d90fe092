package auth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// countingService is the accounts service with a test hasher that counts
// the hashes it computes (and may hold one back, see hold).
func countingService(d *db.DB, set auth.Settings, hold func(password string)) (*auth.Service, *atomic.Int64) {
	h := auth.NewTestHasher()
	var n atomic.Int64
	h.OnHash(func(pw string) {
		n.Add(1)
		if hold != nil {
			hold(pw)
		}
	})
	if set.BaseURL == "" {
		set.BaseURL, set.SiteName, set.SessionLifetime, set.SigninWindow = "http://test", "Ortaq", time.Hour, 15*time.Minute
	}
	return auth.New(d, h, &inbox{}, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), set), &n
}

// slowHash makes the test hasher take a few milliseconds, as a real hash
// does (about 30 ms on the reference machine).
func slowHash(string) { time.Sleep(5 * time.Millisecond) }

// burst signs in n times at once with the password each(i) gives, for the
// email email(i), and returns how many answers had each code.
func burst(t *testing.T, s *auth.Service, n int, email func(i int) string, password func(i int) string) map[errs.Code]int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[errs.Code]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, _, err := s.SignIn(context.Background(), email(i), password(i), auth.Client{IP: "10.1.2.3"})
			mu.Lock()
			defer mu.Unlock()
			switch c := errs.CodeOf(err); {
			case err == nil:
				got["ok"]++
			case c == errs.Unauthorized || c == errs.TooMany:
				got[c]++
			default:
				t.Errorf("sign-in %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return got
}

// A burst of concurrent wrong passwords against one account gets no more
// hashes than the account's limit: each attempt is reserved in the
// database before its hash is computed. Before, 200 at once had 165
// hashes checked before the first 429.
func TestSigninBurstAgainstOneAccount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		const limit, n = 5, 200
		s, hashed := countingService(d, auth.Settings{SigninAccount: limit, SigninIP: 1000}, slowHash)
		if _, _, err := s.CreateConfirmed(context.Background(), 0, auth.NewUser{Name: "Нұрлан", Email: "nurlan@example.kz", Password: "the right password"}); err != nil {
			t.Fatal(err)
		}
		hashed.Store(0)
		got := burst(t, s, n, func(int) string { return "nurlan@example.kz" }, func(i int) string { return fmt.Sprint("wrong password ", i) })
		if h := hashed.Load(); h > limit {
			t.Errorf("%d passwords hashed, want at most %d", h, limit)
		}
		if got[errs.Unauthorized] != int(hashed.Load()) || got[errs.TooMany] != n-int(hashed.Load()) {
			t.Errorf("answers %v with %d hashes: want one 401 per hash and 429 for the rest", got, hashed.Load())
		}
		// At the limit even the right password waits, unhashed.
		before := hashed.Load()
		if _, _, err := s.SignIn(context.Background(), "nurlan@example.kz", "the right password", auth.Client{IP: "10.9.9.9"}); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("the right password at the limit: %v, want TooMany", err)
		}
		if hashed.Load() != before {
			t.Error("a refused attempt was hashed")
		}
	})
}

// The same for one client address trying many accounts (most unknown).
func TestSigninBurstFromOneAddress(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		const limit, n = 20, 200
		s, hashed := countingService(d, auth.Settings{SigninAccount: 1000, SigninIP: limit}, slowHash)
		got := burst(t, s, n, func(i int) string { return fmt.Sprintf("guess%d@example.kz", i) }, func(int) string { return "some password" })
		if h := hashed.Load(); h > limit {
			t.Errorf("%d passwords hashed, want at most %d", h, limit)
		}
		if got[errs.TooMany] < n-limit {
			t.Errorf("answers %v: want at least %d 429s", got, n-limit)
		}
	})
}

// A right password clears the account's earlier failures, but not those of
// attempts that ran beside it: before, a correct password in a burst reset
// the count, and the burst went on.
func TestSigninSuccessKeepsConcurrentFailures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		const limit = 5
		const right = "the right password"
		checking, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		var armed atomic.Bool // from the sign-in on, not while the account is made
		s, _ := countingService(d, auth.Settings{SigninAccount: limit, SigninIP: 1000}, func(pw string) {
			if pw == right && armed.Load() {
				once.Do(func() { close(checking); <-release })
			}
		})
		ctx := context.Background()
		if _, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Дана", Email: "dana@example.kz", Password: right}); err != nil {
			t.Fatal(err)
		}
		armed.Store(true)
		wrong := func() error {
			_, _, err := s.SignIn(ctx, "dana@example.kz", "a wrong password", auth.Client{IP: "10.0.0.2"})
			return err
		}
		// Two failures before: the success will clear them.
		for range 2 {
			if err := wrong(); errs.CodeOf(err) != errs.Unauthorized {
				t.Fatal(err)
			}
		}
		// The right password starts; while its hash is being checked, two
		// wrong ones are made and settled.
		done := make(chan error)
		go func() {
			_, _, err := s.SignIn(ctx, "dana@example.kz", right, auth.Client{IP: "10.0.0.1"})
			done <- err
		}()
		<-checking
		for range 2 {
			if err := wrong(); errs.CodeOf(err) != errs.Unauthorized {
				t.Fatal(err)
			}
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("the right password: %v", err)
		}
		// Those two still count: three more failures reach the limit.
		for i := range 3 {
			if err := wrong(); errs.CodeOf(err) != errs.Unauthorized {
				t.Fatalf("failure %d after the success: %v, want Unauthorized", i+3, err)
			}
		}
		if err := wrong(); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("the failures made beside the success were wiped: %v, want TooMany", err)
		}
	})
}

// A failed sign-in's reservation ends with the window.
func TestSigninLimitEndsWithTheWindow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := countingService(d, auth.Settings{SigninAccount: 2, SigninIP: 1000}, nil)
		clock := dbtest.SetClock(d, dbtest.Clock)
		if _, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Ерлан", Email: "erlan@example.kz", Password: "the right password"}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []errs.Code{errs.Unauthorized, errs.Unauthorized, errs.TooMany} {
			if _, _, err := s.SignIn(ctx, "erlan@example.kz", "wrong password", auth.Client{IP: "10.0.0.3"}); errs.CodeOf(err) != want {
				t.Fatalf("got %v, want %s", err, want)
			}
		}
		clock.Advance(15*time.Minute + time.Second)
		if _, _, err := s.SignIn(ctx, "erlan@example.kz", "the right password", auth.Client{IP: "10.0.0.3"}); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// Two nodes on one PostgreSQL share the limit: the reservation is taken in
// the database, not in either process.
func TestSigninBurstAcrossNodes(t *testing.T) {
	url := dbtest.PostgresURL(t)
	ctx := context.Background()
	var nodes []*auth.Service
	var hashed []*atomic.Int64
	for range 2 {
		d, err := db.Open(ctx, url, db.Options{MaxOpenConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		s, n := countingService(d, auth.Settings{SigninAccount: 5, SigninIP: 1000}, slowHash)
		nodes, hashed = append(nodes, s), append(hashed, n)
	}
	if _, _, err := nodes[0].CreateConfirmed(ctx, 0, auth.NewUser{Name: "Әлия", Email: "aliya@example.kz", Password: "the right password"}); err != nil {
		t.Fatal(err)
	}
	hashed[0].Store(0)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			_, _, err := nodes[i%2].SignIn(ctx, "aliya@example.kz", "wrong password", auth.Client{IP: "10.0.0.1"})
			if c := errs.CodeOf(err); c != errs.Unauthorized && c != errs.TooMany {
				t.Errorf("sign-in: %v", err)
			}
		})
	}
	wg.Wait()
	if h := hashed[0].Load() + hashed[1].Load(); h > 5 {
		t.Fatalf("two nodes hashed %d passwords (%d + %d), want at most 5 together", h, hashed[0].Load(), hashed[1].Load())
	}
}

// Sign-up does the same work before it answers whether or not the address
// has an account: one hash of the password either way (and one write
// transaction; the emails go after the answer), so its timing does not
// tell either.
func TestSignupHashesEitherWay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, hashed := countingService(d, auth.Settings{SigninAccount: 5, SigninIP: 50}, nil)
		if _, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Бар", Email: "taken@example.kz", Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"taken@example.kz", "free@example.kz"} {
			hashed.Store(0)
			done, err := s.Register(ctx, auth.SignUp{Name: "Жаңа", Email: email, Password: "another password", BirthDate: "2000-01-01", Region: "KZ-79"},
				auth.Client{IP: "10.0.0.1"})
			if err != nil || done.Email != email || done.GuardianEmail != "" {
				t.Fatalf("%s: %+v, %v", email, done, err)
			}
			if n := hashed.Load(); n != 1 {
				t.Errorf("%s: %d hashes before the answer, want 1", email, n)
			}
		}
		s.Wait()
		// The existing account is untouched: its password still signs in.
		if _, _, err := s.SignIn(ctx, "taken@example.kz", "long enough password", auth.Client{IP: "10.0.0.2"}); err != nil {
			t.Fatal(err)
		}
	})
}

// Housekeeping forgets failed sign-ins and email requests once their
// window has passed, and only then.
func TestCleanupForgetsOldLimits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := countingService(d, auth.Settings{SigninAccount: 5, SigninIP: 50, MailWindow: time.Hour}, nil)
		clock := dbtest.SetClock(d, dbtest.Clock)
		count := func(table string) (n int) {
			t.Helper()
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, _, err := s.SignIn(ctx, "who@example.kz", "a password", auth.Client{IP: "10.0.0.1"}); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatal(err)
		}
		if err := s.RequestPasswordReset(ctx, "who@example.kz", i18n.KK, auth.Client{IP: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		if count("signin_failures") != 2 || count("email_requests") != 2 {
			t.Fatalf("%d failures, %d email requests recorded; want 2 and 2", count("signin_failures"), count("email_requests"))
		}
		clock.Advance(16 * time.Minute) // past the sign-in window, within the email one
		if err := s.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		if count("signin_failures") != 0 || count("email_requests") != 2 {
			t.Fatalf("after 16 minutes: %d failures, %d email requests; want 0 and 2", count("signin_failures"), count("email_requests"))
		}
		clock.Advance(45 * time.Minute)
		if err := s.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count("email_requests"); n != 0 {
			t.Fatalf("after an hour: %d email requests", n)
		}
	})
}

// Acts confirmed with the password from an open session (deleting the
// account, changing the guardian or the password) count against the
// sign-in limits: a session left open is no way to guess the password.
func TestPasswordConfirmationsAreLimited(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const limit = 5
		s, hashed := countingService(d, auth.Settings{SigninAccount: limit, SigninIP: 1000}, nil)
		u, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Асқар", Email: "asqar@example.kz", Password: "the right password"})
		if err != nil {
			t.Fatal(err)
		}
		hashed.Store(0)
		var tooMany int
		for i := range 30 {
			err := s.DeleteAccount(ctx, u, fmt.Sprint("guess ", i), auth.Client{IP: "10.4.4.4"})
			if errs.CodeOf(err) == errs.TooMany {
				tooMany++
			} else if err == nil {
				t.Fatal("a wrong password deleted the account")
			}
		}
		if h := hashed.Load(); h > limit {
			t.Errorf("%d guesses checked, want at most %d", h, limit)
		}
		if tooMany != 30-limit {
			t.Errorf("%d refused with 429, want %d", tooMany, 30-limit)
		}
		// The same limit holds for changing the password.
		err = s.ChangePassword(ctx, u, 0, "the right password", "a new long password", auth.Client{IP: "10.4.4.5"})
		if errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("a password change at the limit: %v, want TooMany", err)
		}
	})
}
