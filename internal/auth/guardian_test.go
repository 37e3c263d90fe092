package auth_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

func serviceWithInbox(d *db.DB) (*auth.Service, *inbox) {
	b := &inbox{}
	return auth.New(d, auth.NewTestHasher(), b, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)),
		auth.Settings{BaseURL: "http://test", SiteName: "Ortaq", SessionLifetime: time.Hour, SigninAccount: 5, SigninIP: 50,
			SigninWindow: 15 * time.Minute}), b
}

// sentTo counts the messages sent to an address.
func (b *inbox) sentTo(addr string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.msgs {
		if m.To == addr {
			n++
		}
	}
	return n
}

// The limit ends on the 18th birthday, by Kazakhstan's calendar day, with
// no job: the account is judged when it is read.
func TestLimitEndsOnEighteenthBirthday(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := serviceWithInbox(d)
		// 23:59 in Almaty on the eve of the birthday (18:59 UTC).
		clock := dbtest.SetClock(d, time.Date(2026, 5, 9, 18, 59, 0, 0, time.UTC))
		u, _, err := s.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Дана", Email: "dana@example.kz", BirthDate: "2008-05-10", Region: "KZ-79"})
		if err != nil {
			t.Fatal(err)
		}
		var org int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at)
				VALUES ('', 'council', 'Жастар кеңесі', ?, ?) RETURNING id`, tx.Now, tx.Now).Scan(&org); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE organizations SET path = '/' || CAST(id AS TEXT) || '/' WHERE id = ?", org); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?)", org, u.ID, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		read := func() *auth.User {
			t.Helper()
			u, err := s.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if u := read(); !u.Limited() || !u.WaitsForConsent() {
			t.Fatal("a 17-year-old without consent is not limited")
		}
		if r, _ := s.RoleIn(ctx, read(), org); r != auth.SignedIn {
			t.Fatalf("a limited member's role %s, want signed_in", r)
		}
		if _, err := s.CreateToken(ctx, read(), "script", u.ID); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("a limited person made a token: %v", err)
		}
		clock.Advance(time.Minute) // midnight in Almaty: the birthday
		if u := read(); u.Limited() {
			t.Fatal("still limited on the 18th birthday")
		}
		if r, _ := s.RoleIn(ctx, read(), org); r != auth.Member {
			t.Fatalf("role on the 18th birthday %s, want member", r)
		}
		if _, err := s.CreateToken(ctx, read(), "script", u.ID); err != nil {
			t.Fatalf("an adult cannot make a token: %v", err)
		}
		// The SQL form agrees (lists and counts use it).
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM users u WHERE u.id = ? AND "+auth.NotLimitedSQL, u.ID,
			auth.AdultCutoff(d.Now())).Scan(&n); err != nil || n != 1 {
			t.Fatalf("NotLimitedSQL on the birthday: %d %v", n, err)
		}
		if got := auth.AdultCutoff(time.Date(2026, 5, 9, 19, 0, 0, 0, time.UTC)); got != "2008-05-10" {
			t.Errorf("AdultCutoff at Almaty midnight = %s", got)
		}
		// Nothing left to ask the guardian.
		if _, err := s.AskGuardian(ctx, mustAdmin(t, s), 0, u.ID, auth.GuardianInput{Name: "Ана", Email: "ana@example.kz"}); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("asking for an adult's consent: %v", err)
		}
	})
}

func mustAdmin(t *testing.T, s *auth.Service) *auth.User {
	t.Helper()
	u, _, err := s.CreateConfirmed(context.Background(), 0, auth.NewUser{Name: "Әкімші", Email: "root@example.kz", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The minor resends the request from the profile at most once an hour;
// each new link replaces the last.
func TestResendGuardianRequest(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, box := serviceWithInbox(d)
		clock := dbtest.SetClock(d, dbtest.Clock)
		birth := clock.Now().AddDate(-16, 0, 0).Format("2006-01-02")
		done, err := s.Register(ctx, auth.SignUp{Name: "Ерлан", Email: "erlan@example.kz", Password: "long enough password",
			BirthDate: birth, Region: "KZ-79", GuardianName: "Айгүл Сейітова", GuardianEmail: "aigul@example.kz"}, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		s.Wait()
		u, err := s.UserByEmail(ctx, done.Email)
		if err != nil {
			t.Fatal(err)
		}
		first := box.token(t, "consent")
		if err := s.ResendGuardianRequest(ctx, u); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("a resend right after sign-up: %v", err)
		}
		clock.Advance(59 * time.Minute)
		if err := s.ResendGuardianRequest(ctx, u); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("a resend after 59 minutes: %v", err)
		}
		clock.Advance(time.Minute)
		if err := s.ResendGuardianRequest(ctx, u); err != nil {
			t.Fatalf("a resend after an hour: %v", err)
		}
		if n := box.sentTo("aigul@example.kz"); n != 2 {
			t.Fatalf("the guardian got %d requests, want 2", n)
		}
		second := box.token(t, "consent")
		if second == first {
			t.Fatal("the resend sent the same link")
		}
		if _, err := s.Consent(ctx, first); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("the replaced link still opens: %v", err)
		}
		if _, err := s.GiveConsent(ctx, second, "Айгүл Сейітова"); err != nil {
			t.Fatal(err)
		}
		u, _ = s.UserByID(ctx, u.ID)
		if u.Limited() {
			t.Fatal("limited after consent")
		}
		clock.Advance(2 * time.Hour)
		if err := s.ResendGuardianRequest(ctx, u); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("a resend after consent: %v", err)
		}
	})
}

// The account holder corrects the guardian's address once, with their
// password; the old link stops working and the new guardian is asked.
func TestChangeGuardianOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, box := serviceWithInbox(d)
		clock := dbtest.SetClock(d, dbtest.Clock)
		done, err := s.Register(ctx, auth.SignUp{Name: "Әмина", Email: "amina@example.kz", Password: "long enough password",
			BirthDate: clock.Now().AddDate(-15, 0, 0).Format("2006-01-02"), Region: "KZ-79",
			GuardianName: "Қате Адам", GuardianEmail: "typo@example.kz"}, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		s.Wait()
		u, err := s.UserByEmail(ctx, done.Email)
		if err != nil {
			t.Fatal(err)
		}
		old := box.token(t, "consent")
		keys := func(err error) map[string]string {
			m := map[string]string{}
			if e, ok := errs.As(err); ok {
				for _, f := range e.Fields {
					m[f.Name] = f.Key
				}
			}
			return m
		}
		if k := keys(s.ChangeGuardian(ctx, u, "wrong password!", "Сара Әлиева", "sara@example.kz", auth.Client{})); k["password"] != "auth.wrong_password" {
			t.Fatalf("a wrong password: %v", k)
		}
		if k := keys(s.ChangeGuardian(ctx, u, "long enough password", "Сара Әлиева", "amina@example.kz", auth.Client{})); k["guardian_email"] != "auth.guardian_email_own" {
			t.Fatalf("her own address as the guardian's: %v", k)
		}
		if err := s.ChangeGuardian(ctx, u, "long enough password", "Сара Әлиева", "Sara@Example.kz", auth.Client{}); err != nil {
			t.Fatal(err)
		}
		if box.sentTo("sara@example.kz") != 1 {
			t.Fatal("the new guardian was not asked")
		}
		if _, err := s.GiveConsent(ctx, old, "Қате Адам"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("the old guardian's link still works: %v", err)
		}
		u, _ = s.UserByID(ctx, u.ID)
		if u.GuardianEmail != "sara@example.kz" || u.GuardianName != "Сара Әлиева" || u.GuardianChangedAt == nil || !u.Limited() {
			t.Fatalf("after the change: %+v", u)
		}
		clock.Advance(24 * time.Hour)
		if err := s.ChangeGuardian(ctx, u, "long enough password", "Тағы Біреу", "other@example.kz", auth.Client{}); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("a second change: %v", err)
		}
		if box.sentTo("other@example.kz") != 0 {
			t.Fatal("a second change sent a request")
		}
		if _, err := s.GiveConsent(ctx, box.token(t, "consent"), "Сара Әлиева"); err != nil {
			t.Fatal(err)
		}
	})
}

// A guardian named by whoever made the account is not replaced by them;
// one is named, once, where none is recorded; a platform administrator's
// new account of a minor asks its guardian at once.
func TestGuardianNamedOnceByTheMaker(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, box := serviceWithInbox(d)
		dbtest.SetClock(d, dbtest.Clock)
		admin := mustAdmin(t, s)
		teen := d.Now().AddDate(-15, 0, 0).Format("2006-01-02")
		u, _, err := s.CreateConfirmed(ctx, admin.ID, auth.NewUser{Name: "Тимур", Email: "timur@example.kz", BirthDate: teen,
			GuardianName: "Марат Оспанов", GuardianEmail: "marat@example.kz"})
		if err != nil {
			t.Fatal(err)
		}
		if !u.Limited() || u.GuardianEmail != "marat@example.kz" || box.sentTo("marat@example.kz") != 1 {
			t.Fatalf("a minor made with a guardian: %+v, %d requests", u, box.sentTo("marat@example.kz"))
		}
		if !strings.Contains(box.msgs[len(box.msgs)-1].Text, "Тимур") {
			t.Errorf("the request does not name the child: %q", box.msgs[len(box.msgs)-1].Text)
		}
		// An adult's guardian is not kept.
		a, _, err := s.CreateConfirmed(ctx, admin.ID, auth.NewUser{Name: "Ересек", Email: "adult@example.kz", BirthDate: "1990-01-01",
			GuardianName: "Біреу", GuardianEmail: "someone@example.kz"})
		if err != nil || a.GuardianEmail != "" || box.sentTo("someone@example.kz") != 0 {
			t.Fatalf("an adult's guardian: %+v %v", a, err)
		}
		// The recorded guardian is not replaced, even by a platform administrator.
		if _, err := s.AskGuardian(ctx, admin, 0, u.ID, auth.GuardianInput{Name: "Басқа", Email: "other@example.kz"}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("replacing a guardian: %v", err)
		}
		// A minor made without one: named once.
		v, _, err := s.CreateConfirmed(ctx, admin.ID, auth.NewUser{Name: "Алина", Email: "alina@example.kz", BirthDate: teen})
		if err != nil || v.GuardianEmail != "" || !v.Limited() {
			t.Fatalf("a minor made without a guardian: %+v %v", v, err)
		}
		if _, err := s.AskGuardian(ctx, admin, 0, v.ID, auth.GuardianInput{Name: "Гүлжан", Email: "guljan@example.kz"}); err != nil {
			t.Fatal(err)
		}
		if box.sentTo("guljan@example.kz") != 1 {
			t.Fatal("the named guardian was not asked")
		}
		// Only a platform administrator asks for an account no organization made.
		if _, err := s.AskGuardian(ctx, a, 0, v.ID, auth.GuardianInput{}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("anyone asking: %v", err)
		}
		// And not more than once an hour.
		if _, err := s.AskGuardian(ctx, admin, 0, v.ID, auth.GuardianInput{}); errs.CodeOf(err) != errs.TooMany {
			t.Fatalf("asking again at once: %v", err)
		}
	})
}
