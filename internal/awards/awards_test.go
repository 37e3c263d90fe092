package awards_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/keys"
)

var seq atomic.Int64

type fixture struct {
	t         testing.TB
	d         *db.DB
	svc       *awards.Service
	org, sub  int64
	organizer *auth.User
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	a := auth.New(d, auth.NewTestHasher(), nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Settings{})
	signer, err := certificate.NewSigner(keys.ForTest(), "https://ortaq.example")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, svc: awards.New(awards.Deps{DB: d, Auth: a, Signer: signer, BaseURL: "https://ortaq.example"})}
	f.org = f.mustOrg(0)
	f.sub = f.mustOrg(f.org)
	f.organizer = f.person("")
	f.exec("INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", f.organizer.ID, f.org, d.Now())
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.d.Write(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) mustOrg(parent int64) int64 {
	f.t.Helper()
	var id int64
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		path := "/"
		if parent != 0 {
			if err := tx.QueryRow(ctx, "SELECT path FROM organizations WHERE id = ?", parent).Scan(&path); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, created_at, updated_at) VALUES (?, '', 'other', 'Ұйым', ?, ?) RETURNING id`,
			db.NullID(parent), tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("%s%d/", path, id), id)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// person creates an adult account; memberOf: an organization it is a
// member of (0: none); "minor" makes a 15-year-old without consent.
func (f *fixture) person(kind string, memberOf ...int64) *auth.User {
	f.t.Helper()
	n := seq.Add(1)
	name := fmt.Sprintf("Қатысушы %04d", n)
	birth, consent := "1990-01-01", false
	if kind == "minor" {
		birth, consent = f.d.Now().AddDate(-15, 0, 0).Format("2006-01-02"), true
	}
	var id int64
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, consent_required, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			fmt.Sprintf("a%d@example.kz", n), name, birth, consent, tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		for _, o := range memberOf {
			if _, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", o, id, tx.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return &auth.User{ID: id, Name: name}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestIssueAndRevoke(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		subMember := f.person("", f.sub) // a member of the subtree may be named by id
		stranger := f.person("")
		minor := f.person("minor", f.org)
		title := certificate.Text{KK: "«Достық керуені» фестиваліне қатысқаны үшін"}

		// All or none: one bad recipient issues nothing.
		for _, bad := range []awards.Recipient{{PersonID: stranger.ID}, {PersonID: minor.ID}, {PersonID: 1 << 40}} {
			_, err := f.svc.Issue(ctx, f.organizer, awards.Batch{OrgID: f.org, Kind: certificate.Certificate, Title: title,
				Recipients: []awards.Recipient{{Name: "Әлия"}, bad}})
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("recipient %+v: %v", bad, err)
			}
		}
		if n := f.count("SELECT COUNT(*) FROM awards"); n != 0 {
			t.Fatalf("%d awards after refused batches", n)
		}
		// Without the calls component, a call's people cannot be filled in.
		if _, err := f.svc.Issue(ctx, f.organizer, awards.Batch{OrgID: f.org, Kind: certificate.Certificate, Title: title, CallID: 3,
			To: "participants"}); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "awards.error.calls_unavailable") {
			t.Errorf("to participants without calls: %v", err)
		}
		// Only organizers issue.
		if _, err := f.svc.Issue(ctx, subMember, awards.Batch{OrgID: f.org, Kind: certificate.Certificate, Title: title,
			Recipients: []awards.Recipient{{Name: "Әлия"}}}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a member issues: %v", err)
		}

		// A batch of 1,000: 1,000 distinct codes, in one batch, in order.
		recs := []awards.Recipient{{PersonID: subMember.ID}}
		for i := range 999 {
			recs = append(recs, awards.Recipient{Name: fmt.Sprintf("Қонақ %03d", i)})
		}
		out, err := f.svc.Issue(ctx, f.organizer, awards.Batch{OrgID: f.org, Kind: certificate.Certificate, Title: title, CallID: 42, Recipients: recs})
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for _, it := range out {
			if _, err := certificate.NormalizeCode(it.Code); err != nil || codes[it.Code] {
				t.Fatalf("code %q", it.Code)
			}
			codes[it.Code] = true
		}
		if len(codes) != 1000 || f.count("SELECT COUNT(DISTINCT batch_id) FROM awards") != 1 || f.count("SELECT COUNT(*) FROM awards WHERE call_id = 42") != 1000 {
			t.Fatalf("%d codes", len(codes))
		}
		if out[0].Recipient != subMember.Name || out[999].Recipient != "Қонақ 998" {
			t.Errorf("recipients %q, %q", out[0].Recipient, out[999].Recipient)
		}
		a, err := f.svc.ByCode(ctx, out[0].Code)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := f.svc.Batch(ctx, f.organizer, f.org, a.BatchID)
		if err != nil || len(batch) != 1000 || batch[0].Code != out[0].Code || batch[999].Code != out[999].Code {
			t.Fatalf("batch: %d, %v", len(batch), err)
		}
		if _, err := f.svc.Batch(ctx, subMember, f.org, a.BatchID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a member prints the batch: %v", err)
		}
		mine, err := f.svc.ForPerson(ctx, subMember.ID)
		if err != nil || len(mine) != 1 || mine[0].Code != out[0].Code {
			t.Fatalf("for person: %v %v", mine, err)
		}

		// 32 organizers revoke the same award at once: one revocation, 31
		// conflicts, one audit entry.
		var ok, conflict atomic.Int32
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Revoke(ctx, f.organizer, a.ID, fmt.Sprintf("қате %d", i))
				switch errs.CodeOf(err) {
				case "":
					if err == nil {
						ok.Add(1)
					} else {
						t.Error(err)
					}
				case errs.Conflict:
					conflict.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != 31 {
			t.Errorf("revocations: %d ok, %d conflicts", ok.Load(), conflict.Load())
		}
		if n := f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'awards.revoke'"); n != 1 {
			t.Errorf("%d revocation audit entries", n)
		}
		if n := f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'awards.issue'"); n != 1 {
			t.Errorf("%d issue audit entries", n)
		}
		after, err := f.svc.ByCode(ctx, out[0].Code)
		if err != nil || !after.Revoked || after.RevokeReason == "" {
			t.Errorf("after: %+v %v", after, err)
		}
		// The recipient may not revoke; nor anyone without a reason.
		if _, err := f.svc.Revoke(ctx, subMember, batch[1].ID, "менікі"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("recipient revokes: %v", err)
		}
		if _, err := f.svc.Revoke(ctx, f.organizer, batch[1].ID, " "); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("no reason: %v", err)
		}
		// The database keeps a revocation and its reason together.
		err = d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE awards SET revoked_at = ? WHERE id = ?", tx.Now, batch[2].ID)
			return err
		})
		if !db.IsCheck(err) {
			t.Errorf("revoked without a reason: %v", err)
		}
	})
}

// Another component vouches for people it relates to the organization
// (courses: those who completed it).
func TestRecipientSource(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := f.person("")
		b := awards.Batch{OrgID: f.org, Kind: certificate.Certificate, Title: certificate.Text{RU: "Курс"}, CourseID: 5,
			Recipients: []awards.Recipient{{PersonID: p.ID}}}
		if _, err := f.svc.Issue(ctx, f.organizer, b); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("unrelated: %v", err)
		}
		f.svc.AddRecipientSource(func(_ context.Context, org, person int64) (bool, error) { return org == f.org && person == p.ID, nil })
		out, err := f.svc.IssueTrusted(ctx, b)
		if err != nil || len(out) != 1 || out[0].Recipient != p.Name {
			t.Fatalf("vouched: %v %v", out, err)
		}
	})
}
