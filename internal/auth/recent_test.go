package auth_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// A node trusts a session or token it has just checked for the lifetime;
// a change made through this node counts at once, one made behind its
// back (another node) within the lifetime.
func TestCheckedSessionsAndTokens(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := auth.New(d, auth.NewTestHasher(), &inbox{}, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50,
				SigninWindow: 15 * time.Minute, CheckedTTL: 2 * time.Second})
		clock := dbtest.SetClock(d, dbtest.Clock)
		u, pw, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Әсел", Email: "asel@example.kz", BirthDate: "1999-05-05", Region: "KZ-79"})
		if err != nil {
			t.Fatal(err)
		}
		valid := func(token string) bool {
			t.Helper()
			_, _, err := s.SessionUser(ctx, token)
			if err != nil && errs.CodeOf(err) != errs.Unauthorized {
				t.Fatal(err)
			}
			return err == nil
		}
		signIn := func() string {
			t.Helper()
			tok, _, err := s.SignIn(ctx, "asel@example.kz", pw, auth.Client{IP: "10.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}

		// Revoked behind the node's back: honoured within the lifetime.
		a := signIn()
		if !valid(a) {
			t.Fatal("a new session is not valid")
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, "DELETE FROM sessions"); return err }); err != nil {
			t.Fatal(err)
		}
		if !valid(a) {
			t.Fatal("the session was not remembered for the lifetime")
		}
		clock.Advance(2 * time.Second)
		if valid(a) {
			t.Fatal("a revoked session outlived the lifetime")
		}

		// Through this node: at once.
		b, c := signIn(), signIn()
		if !valid(b) || !valid(c) {
			t.Fatal("new sessions are not valid")
		}
		if err := s.SignOutEverywhere(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if valid(b) || valid(c) {
			t.Fatal("sign out everywhere did not count at once on this node")
		}

		// API tokens the same.
		tok, err := s.CreateToken(ctx, u, "bot", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, tok); err != nil {
			t.Fatal(err)
		}
		toks, err := s.Tokens(ctx, u.ID)
		if err != nil || len(toks) != 1 {
			t.Fatal(toks, err)
		}
		if err := s.DeleteToken(ctx, u.ID, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, tok); errs.CodeOf(err) != errs.Unauthorized {
			t.Fatalf("a deleted token still works on this node: %v", err)
		}
	})
}
