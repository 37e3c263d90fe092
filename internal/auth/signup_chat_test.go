package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// A sign-up in a chat follows the web's rules without an email or a
// password; the account and whatever the caller links to it in the same
// transaction come together or not at all; a minor's guardian gets the
// sign-up's consent request.
func TestRegisterChat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dbtest.SetClock(d, dbtest.Clock)
		box := &inbox{}
		s := auth.New(d, auth.NewTestHasher(), box, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Settings{BaseURL: "http://test", SiteName: "Ortaq"})
		minorBorn := d.Now().AddDate(-15, 0, 0).Format("2006-01-02")

		// CheckSignUp reports only the fields asked about.
		if err := s.CheckSignUp(ctx, auth.SignUp{Name: "Dana"}, "name"); err != nil {
			t.Fatalf("a good name with nothing else answered yet: %v", err)
		}
		for _, c := range []struct {
			in    auth.SignUp
			field string
			key   string
		}{
			{auth.SignUp{Name: " "}, "name", "validation.required"},
			{auth.SignUp{BirthDate: d.Now().AddDate(-10, 0, 0).Format("2006-01-02")}, "birth_date", "auth.too_young"},
			{auth.SignUp{Region: "KZ-99"}, "region", "validation.invalid_choice"},
			{auth.SignUp{BirthDate: minorBorn, GuardianName: "Ата", GuardianEmail: "not-an-email"}, "guardian_email", "validation.invalid_email"},
		} {
			err := s.CheckSignUp(ctx, c.in, c.field)
			e, ok := errs.As(err)
			if !ok || len(e.Fields) != 1 || e.Fields[0].Name != c.field || e.Fields[0].Key != c.key {
				t.Errorf("CheckSignUp(%+v, %s) = %v; want only %s: %s", c.in, c.field, err, c.field, c.key)
			}
		}
		if !s.IsMinor(minorBorn) || s.IsMinor("2000-01-01") || s.IsMinor("soon") {
			t.Error("IsMinor misjudges")
		}

		count := func() int {
			var n int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		linked := 0
		link := func(ctx context.Context, tx *db.Tx, id int64) error { linked++; return nil }

		// Invalid: nothing written, the caller's link not run.
		_, err := s.RegisterChat(ctx, auth.SignUp{Name: "Dana", BirthDate: minorBorn, Region: "KZ-79"}, auth.Client{IP: "chat:1"}, link)
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || count() != before || linked != 0 {
			t.Fatalf("a minor without a guardian: %v; %d accounts made, link run %d times", err, count()-before, linked)
		}
		// The caller's link fails: no account either.
		boom := errors.New("boom")
		_, err = s.RegisterChat(ctx, auth.SignUp{Name: "Dana", BirthDate: "2000-01-01", Region: "KZ-79"}, auth.Client{IP: "chat:1"},
			func(context.Context, *db.Tx, int64) error { return boom })
		if !errors.Is(err, boom) || count() != before {
			t.Fatalf("link failed: %v; %d accounts made", err, count()-before)
		}

		// Two adults: no email, no password, no guardian kept.
		for _, name := range []string{"Dana", "Erlan"} {
			u, err := s.RegisterChat(ctx, auth.SignUp{Name: " " + name + " ", BirthDate: "2000-01-01", Region: "KZ-79", Lang: i18n.RU,
				GuardianName: "x", GuardianEmail: "x@example.kz"}, auth.Client{IP: "chat:1"}, link)
			if err != nil {
				t.Fatal(err)
			}
			if u.Name != name || u.Email != "" || u.Lang != i18n.RU || u.GuardianEmail != "" || u.Limited() {
				t.Fatalf("adult made in a chat: %+v", u)
			}
		}
		if linked != 2 || count() != before+2 {
			t.Fatalf("link run %d times, %d accounts made; want 2 and 2", linked, count()-before)
		}

		// A minor: limited; the guardian is asked as after the web's sign-up.
		u, err := s.RegisterChat(ctx, auth.SignUp{Name: "Айжан", BirthDate: minorBorn, Region: "KZ-79", GuardianName: "Серік",
			GuardianEmail: "Parent@Example.kz"}, auth.Client{IP: "chat:2"}, link)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Limited() || u.GuardianEmail != "parent@example.kz" {
			t.Fatalf("minor made in a chat: %+v", u)
		}
		s.Wait()
		if n := box.count("parent@example.kz", "/consent?token="); n != 1 {
			t.Fatalf("%d consent requests to the guardian, want 1", n)
		}
	})
}
