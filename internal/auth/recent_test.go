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

// ViewRole remembers a role for the lifetime; a change through the
// accounts service, or one the web server reports (ForgetViews), counts
// at once.
func TestViewRoleRemembersForAMoment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := auth.New(d, auth.NewTestHasher(), &inbox{}, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50,
				SigninWindow: 15 * time.Minute, CheckedTTL: 2 * time.Second})
		clock := dbtest.SetClock(d, dbtest.Clock)
		mk := func(email string, admin bool) *auth.User {
			u, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: email, Email: email, Password: "long enough password", Admin: admin})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		var org int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at)
				VALUES ('', 'other', 'x', ?, ?) RETURNING id`, tx.Now, tx.Now).Scan(&org); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE organizations SET path = '/' || CAST(id AS TEXT) || '/' WHERE id = ?", org)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		root, p := mk("root@x.kz", true), mk("p@x.kz", false)
		role := func() auth.Role {
			t.Helper()
			r, err := s.ViewRole(ctx, p, org)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		addMember := func() {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", org, p.ID, tx.Now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if role() != auth.SignedIn {
			t.Fatal("not signed in")
		}
		addMember() // behind the service's back, as another node would
		if role() != auth.SignedIn {
			t.Fatal("the role was not remembered for the moment")
		}
		clock.Advance(2 * time.Second)
		if role() != auth.Member {
			t.Fatal("a remembered role outlived the lifetime")
		}
		if err := s.GrantRole(ctx, root, p.ID, org, "moderator"); err != nil {
			t.Fatal(err)
		}
		if role() != auth.Moderator {
			t.Fatal("a grant did not count at once")
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM role_grants")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.ForgetViews() // what the web server does after a successful change
		if role() != auth.Member {
			t.Fatal("ForgetViews did not forget")
		}
	})
}
