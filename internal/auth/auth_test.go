package auth_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
)

func service(d *db.DB) *auth.Service {
	return auth.New(d, auth.NewTestHasher(), &inbox{}, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
		auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50, SigninWindow: 15 * time.Minute})
}

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := auth.NewHasher(2)
	a, err := h.Hash(ctx, "тоғыз жолаушы")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash(ctx, "тоғыз жолаушы")
	if a == b || !strings.HasPrefix(a, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hashes %q %q: want argon2id, salted", a, b)
	}
	for pw, want := range map[string]bool{"тоғыз жолаушы": true, "тоғыз жолаушы ": false, "": false} {
		if ok, err := h.Verify(ctx, a, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v", pw, ok, err)
		}
	}
	if _, err := h.Verify(ctx, "$bcrypt$…", "x"); err == nil {
		t.Error("an unknown hash format verified")
	}
}

// Many sign-ups with one address at once make one account; every one of
// them gets the same answer (sign-up does not tell whether an address is
// taken: it used to say so), and the owner of the address is told of the
// others by email.
func TestRegisterSameEmailConcurrently(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		box := &inbox{}
		s := auth.New(d, auth.NewTestHasher(), box, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50,
				SigninWindow: 15 * time.Minute, MailPerAddress: 100, MailPerClient: 100})
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				done, err := s.Register(context.Background(), auth.SignUp{Name: fmt.Sprint("Адам ", i), Email: "Same@Example.kz",
					Password: "long enough password", BirthDate: "2000-01-01", Region: "KZ-79"}, auth.Client{IP: "10.0.0.1"})
				if err != nil || done.Email != "same@example.kz" {
					t.Errorf("sign-up %d: %+v, %v", i, done, err)
				}
			})
		}
		wg.Wait()
		var accounts int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM users WHERE email = 'same@example.kz'").Scan(&accounts); err != nil || accounts != 1 {
			t.Fatalf("%d accounts (%v), want 1", accounts, err)
		}
		s.Wait()
		if c, tk := box.count("same@example.kz", "/confirm?token="), box.count("same@example.kz", "/forgot"); c != 1 || tk != n-1 {
			t.Fatalf("%d confirmation emails and %d 'someone tried to sign up' ones; want 1 and %d", c, tk, n-1)
		}
	})
}

func TestRolesReachDownTheTree(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := service(d)
		mk := func(email string, admin bool) *auth.User {
			u, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: email, Email: email, Password: "long enough password", Admin: admin})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		var republic, region, city, other int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			org := func(parent int64, parentPath string) (int64, string) {
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, created_at, updated_at)
					VALUES (?, '', 'other', 'x', ?, ?) RETURNING id`, nullable(parent), tx.Now, tx.Now).Scan(&id); err != nil {
					t.Fatal(err)
				}
				p := fmt.Sprintf("%s%d/", parentPath, id)
				if _, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", p, id); err != nil {
					t.Fatal(err)
				}
				return id, p
			}
			var p1, p2 string
			republic, p1 = org(0, "/")
			region, p2 = org(republic, p1)
			city, _ = org(region, p2)
			other, _ = org(0, "/")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		admin, moder, member, nobody, root := mk("a@x.kz", false), mk("m@x.kz", false), mk("p@x.kz", false), mk("n@x.kz", false), mk("r@x.kz", true)
		if err := s.GrantRole(ctx, root, admin.ID, region, "admin"); err != nil {
			t.Fatal(err)
		}
		// The region's admin may appoint within the region, not above it.
		if err := s.GrantRole(ctx, admin, moder.ID, city, "moderator"); err != nil {
			t.Fatal(err)
		}
		if err := s.GrantRole(ctx, admin, moder.ID, republic, "moderator"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("granting above one's subtree: %v", err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", region, member.ID, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who  *auth.User
			org  int64
			want auth.Role
		}{
			{nil, region, auth.Guest},
			{nobody, region, auth.SignedIn},
			{root, other, auth.PlatformAdmin},
			{admin, region, auth.OrgAdmin},
			{admin, city, auth.OrgAdmin},
			{admin, republic, auth.SignedIn},
			{admin, other, auth.SignedIn},
			{moder, city, auth.Moderator},
			{moder, region, auth.SignedIn},
			{member, region, auth.Member},
			{member, city, auth.SignedIn}, // membership does not reach down
		} {
			got, err := s.RoleIn(ctx, tc.who, tc.org)
			name := "guest"
			if tc.who != nil {
				name = tc.who.Email
			}
			if err != nil || got != tc.want {
				t.Errorf("RoleIn(%s, %d) = %v, %v; want %v", name, tc.org, got, err, tc.want)
			}
			// The same role as two columns of a query about the
			// organization (what pages join to what they read).
			cols, args := s.RoleColumns(tc.who, "x.id")
			var grant sql.NullString
			var member bool
			if err := d.QueryRow(ctx, "SELECT "+cols+" FROM organizations x WHERE x.id = ?", append(args, tc.org)...).Scan(&grant, &member); err != nil {
				t.Fatal(err)
			}
			if got := auth.RoleOf(tc.who, grant, member); got != tc.want {
				t.Errorf("RoleColumns(%s, %d) = %v; want %v", name, tc.org, got, tc.want)
			}
		}
		// A membership that ended is no membership.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE memberships SET until = '2021-01-01' WHERE user_id = ?", member.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RoleIn(ctx, member, region); got != auth.SignedIn {
			t.Errorf("ended membership still gives %v", got)
		}
		// The grants were audited, with who and what.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant' AND actor_id IS NOT NULL").Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d role.grant entries (%v), want 2", n, err)
		}
	})
}

// inbox keeps what the service sends (the SMTP path is tested end to end
// in internal/web and internal/e2e).
type inbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (b *inbox) Send(_ context.Context, m mail.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return nil
}

// token waits a moment for the latest link to path (some emails go after
// the call that asked for them returned) and returns its token.
func (b *inbox) token(t *testing.T, path string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b.mu.Lock()
		for i := len(b.msgs) - 1; i >= 0; i-- {
			if _, after, ok := strings.Cut(b.msgs[i].Text, "/"+path+"?token="); ok {
				b.mu.Unlock()
				return strings.Fields(after)[0]
			}
		}
		b.mu.Unlock()
	}
	t.Fatalf("no %s link sent", path)
	return ""
}

// count is how many emails to went to with text containing part.
func (b *inbox) count(to, part string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.msgs {
		if m.To == to && strings.Contains(m.Text, part) {
			n++
		}
	}
	return n
}

func (b *inbox) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

func TestLinksAreSingleUseAndExpire(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := &inbox{}
		s := auth.New(d, auth.NewTestHasher(), box, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
			auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50, SigninWindow: 15 * time.Minute})
		clock := dbtest.SetClock(d, dbtest.Clock)
		if _, err := s.Register(ctx, auth.SignUp{Name: "Ә", Email: "a@example.kz", Password: "long enough password", BirthDate: "1990-01-01", Region: "KZ-71"}, auth.Client{}); err != nil {
			t.Fatal(err)
		}
		confirm := box.token(t, "confirm")
		u, err := s.UserByEmail(ctx, "a@example.kz")
		if err != nil {
			t.Fatal(err)
		}
		if u.EmailConfirmed {
			t.Fatal("the address counts as confirmed before the link was used")
		}
		if u, err = s.ConfirmEmail(ctx, confirm); err != nil || !u.EmailConfirmed {
			t.Fatalf("confirm: %v %v", u, err)
		}
		if _, err := s.ConfirmEmail(ctx, confirm); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a used link worked again: %v", err)
		}
		// Reset: an hour, then gone.
		if err := s.RequestPasswordReset(ctx, "A@example.kz", i18n.RU, auth.Client{}); err != nil {
			t.Fatal(err)
		}
		reset := box.token(t, "reset")
		s.Wait()
		clock.Advance(61 * time.Minute)
		if err := s.ResetPassword(ctx, reset, "another long password"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("an expired reset link worked: %v", err)
		}
		// A new link replaces the old one; using it signs out everywhere.
		if err := s.RequestPasswordReset(ctx, "a@example.kz", i18n.RU, auth.Client{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SignIn(ctx, "a@example.kz", "long enough password", auth.Client{IP: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		s.Wait() // the new link has been made and sent
		if err := s.ResetPassword(ctx, box.token(t, "reset"), "another long password"); err != nil {
			t.Fatal(err)
		}
		if ss, _ := s.Sessions(ctx, u.ID, 0); len(ss) != 0 {
			t.Fatalf("%d sessions survived a password reset", len(ss))
		}
		if _, _, err := s.SignIn(ctx, "a@example.kz", "another long password", auth.Client{IP: "10.0.0.1"}); err != nil {
			t.Fatalf("the new password does not work: %v", err)
		}
		// An unknown address: the same answer and no mail.
		n := box.len()
		err = s.RequestPasswordReset(ctx, "nobody@example.kz", i18n.KK, auth.Client{})
		s.Wait()
		if err != nil || box.len() != n {
			t.Fatalf("unknown address: %v, %d mails", err, box.len()-n)
		}
	})
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
