package mentorship_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mentorship"
)

var seq atomic.Int64

type fixture struct {
	t         testing.TB
	d         *db.DB
	a         *auth.Service
	svc       *mentorship.Service
	org       int64
	organizer *auth.User
	pool      int64
}

var spheres = []mentorship.Sphere{{Key: "it", Title: i18n.Text{KK: "IT", RU: "IT", EN: "IT"}},
	{Key: "media", Title: i18n.Text{KK: "Медиа", RU: "Медиа", EN: "Media"}},
	{Key: "sport", Title: i18n.Text{KK: "Спорт", RU: "Спорт", EN: "Sport"}}}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	a := auth.New(d, auth.NewTestHasher(), nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Settings{})
	f := &fixture{t: t, d: d, a: a, svc: mentorship.New(mentorship.Deps{DB: d, Auth: a})}
	f.org = f.mustOrg()
	f.organizer = f.person("adult", false)
	f.exec("INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", f.organizer.ID, f.org, d.Now())
	id, err := f.svc.CreatePool(context.Background(), f.organizer, mentorship.NewPool{OrgID: f.org,
		Title: i18n.Text{KK: "Тәлімгерлер", EN: "Mentors"}, Spheres: spheres, AgeMin: 14, AgeMax: 29})
	if err != nil {
		t.Fatal(err)
	}
	f.pool = id
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.d.Write(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) mustOrg() int64 {
	f.t.Helper()
	var id int64
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, created_at, updated_at) VALUES (NULL, '', 'youth_wing', 'Жастар', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", id), id)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// person makes an account: "adult" (35), "young" (19), "minor" (15,
// without consent), "old" (45); member: of the fixture's organization.
func (f *fixture) person(kind string, member bool) *auth.User {
	f.t.Helper()
	n := seq.Add(1)
	years := map[string]int{"adult": 35, "young": 19, "minor": 15, "old": 45}[kind]
	birth := f.d.Now().AddDate(-years, 0, -10).Format("2006-01-02")
	ctx := context.Background()
	var id int64
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, region, consent_required, created_at, updated_at)
			VALUES (?, ?, ?, 'KZ-75', ?, ?, ?) RETURNING id`, fmt.Sprintf("m%d@example.kz", n), fmt.Sprintf("Адам %d", n), birth,
			kind == "minor", tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		if member {
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", f.org, id, tx.Now)
			return err
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.a.UserByID(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// mentor adds an approved mentor with capacity seats speaking kk and ru, online.
func (f *fixture) mentor(capacity int, sphere string) *mentorship.Mentor {
	f.t.Helper()
	p := f.person("adult", true)
	m, err := f.svc.AddMentor(context.Background(), f.organizer, f.pool, mentorship.MentorIn{PersonID: p.ID, Spheres: []string{sphere},
		Capacity: capacity, Languages: []string{"kk", "ru"}, Mode: "online", Bio: "Бағдарламашы"})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func code(err error) errs.Code {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func fieldKey(err error, field string) string {
	var e *errs.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Name == field {
				return f.Key
			}
		}
	}
	return ""
}

func TestMentorsAndRequests(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)

		// Capacity 0 or over 20 is refused, nothing is written.
		applicant := f.person("adult", false)
		for _, c := range []int{0, 21, -1} {
			_, err := f.svc.AddMentor(ctx, applicant, f.pool, mentorship.MentorIn{Spheres: []string{"it"}, Capacity: c, Languages: []string{"kk"}})
			if fieldKey(err, "capacity") != "mentorship.error.capacity" {
				t.Fatalf("capacity %d: %v", c, err)
			}
		}
		if _, err := f.svc.AddMentor(ctx, applicant, f.pool, mentorship.MentorIn{Spheres: []string{"cooking"}, Capacity: 2, Languages: []string{"kk"}}); fieldKey(err, "spheres") == "" {
			t.Fatalf("unknown sphere: %v", err)
		}
		if n := f.count("SELECT COUNT(*) FROM mentors"); n != 0 {
			t.Fatalf("%d mentors after refusals", n)
		}
		// Applying waits for approval; a second application is a conflict.
		m, err := f.svc.AddMentor(ctx, applicant, f.pool, mentorship.MentorIn{Spheres: []string{"it"}, Capacity: 2, Languages: []string{"kk"}, Mode: "online"})
		if err != nil || m.Status != "pending" {
			t.Fatalf("apply: %v %+v", err, m)
		}
		if _, err := f.svc.AddMentor(ctx, applicant, f.pool, mentorship.MentorIn{Spheres: []string{"it"}, Capacity: 2, Languages: []string{"kk"}}); code(err) != errs.Conflict {
			t.Fatalf("second application: %v", err)
		}
		// Only an organizer approves.
		if _, err := f.svc.Approve(ctx, applicant, m.ID, true); code(err) != errs.Forbidden {
			t.Fatalf("self-approval: %v", err)
		}
		if m, err = f.svc.Approve(ctx, f.organizer, m.ID, true); err != nil || m.Status != "approved" {
			t.Fatalf("approve: %v", err)
		}
		// An organizer adds only members of the organization.
		stranger := f.person("adult", false)
		if _, err := f.svc.AddMentor(ctx, f.organizer, f.pool, mentorship.MentorIn{PersonID: stranger.ID, Spheres: []string{"it"}, Capacity: 1, Languages: []string{"kk"}}); code(err) != errs.Forbidden {
			t.Fatalf("adding a stranger: %v", err)
		}

		// Requests: a minor without consent, someone too old, a mentor not
		// in the pool — each refused, nothing written.
		minor, old, young := f.person("minor", false), f.person("old", false), f.person("young", false)
		in := mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Mode: "online", Goal: "Бағдарламалауды үйрену"}
		if _, err := f.svc.Ask(ctx, minor, f.pool, in); code(err) != errs.ConsentRequired {
			t.Fatalf("minor: %v", err)
		}
		if _, err := f.svc.Ask(ctx, old, f.pool, in); code(err) != errs.Forbidden {
			t.Fatalf("too old: %v", err)
		}
		bad := in
		bad.Preferences = []int64{m.ID + 1000}
		if _, err := f.svc.Ask(ctx, young, f.pool, bad); fieldKey(err, "preferences") != "mentorship.error.unknown_mentor" {
			t.Fatalf("unknown mentor: %v", err)
		}
		if n := f.count("SELECT COUNT(*) FROM mentor_requests"); n != 0 {
			t.Fatalf("%d requests after refusals", n)
		}
		in.Preferences = []int64{m.ID}
		if _, err := f.svc.Ask(ctx, young, f.pool, in); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Ask(ctx, young, f.pool, in); code(err) != errs.Conflict {
			t.Fatalf("second open request: %v", err)
		}
		// Ten at once: one request.
		other := f.person("young", false)
		var wg sync.WaitGroup
		var ok atomic.Int32
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.Ask(ctx, other, f.pool, in); err == nil {
					ok.Add(1)
				} else if code(err) != errs.Conflict {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || f.count("SELECT COUNT(*) FROM mentor_requests WHERE user_id = ?", other.ID) != 1 {
			t.Fatalf("concurrent requests: %d accepted", ok.Load())
		}

		// A mentor of the pool does not ask in it (a round could pair them
		// with themselves).
		youngMentor := f.person("young", true)
		if _, err := f.svc.AddMentor(ctx, f.organizer, f.pool, mentorship.MentorIn{PersonID: youngMentor.ID, Spheres: []string{"sport"}, Capacity: 1,
			Languages: []string{"kk"}, Mode: "online"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Ask(ctx, youngMentor, f.pool, in); code(err) != errs.Conflict {
			t.Fatalf("a mentor asking in their own pool: %v", err)
		}
		// Capacity below the mentees held is refused; pausing works.
		if _, err := f.svc.Settings(ctx, applicant, m.ID, 21, false); fieldKey(err, "capacity") == "" {
			t.Fatalf("capacity 21: %v", err)
		}
		if m, err = f.svc.Settings(ctx, applicant, m.ID, 3, true); err != nil || m.Status != "paused" || m.Capacity != 3 {
			t.Fatalf("pause: %v %+v", err, m)
		}
		if _, err := f.svc.Settings(ctx, young, m.ID, 3, false); code(err) != errs.Forbidden {
			t.Fatalf("someone else's settings: %v", err)
		}
	})
}

func TestRoundAndWork(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		itMentor := f.mentor(1, "it")
		sportMentor := f.mentor(2, "sport")
		a, b, c := f.person("young", false), f.person("young", false), f.person("young", false)
		ask := func(u *auth.User, sphere string, prefs ...int64) *mentorship.Request {
			r, err := f.svc.Ask(ctx, u, f.pool, mentorship.RequestIn{Spheres: []string{sphere}, Languages: []string{"kk"}, Mode: "online",
				Goal: "Өсу", Preferences: prefs})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		ask(a, "it", itMentor.ID)
		ask(b, "it", itMentor.ID)
		ra := ask(c, "sport")
		_ = ra

		// Only organizers run rounds.
		if _, err := f.svc.RunRound(ctx, a, f.pool); code(err) != errs.Forbidden {
			t.Fatalf("round by a mentee: %v", err)
		}
		// A round while another runs is refused.
		f.exec("INSERT INTO mentor_rounds (pool_id, seed, started_at) VALUES (?, 1, ?)", f.pool, d.Now())
		if _, err := f.svc.RunRound(ctx, f.organizer, f.pool); code(err) != errs.Conflict {
			t.Fatalf("round while another runs: %v", err)
		}
		f.exec("DELETE FROM mentor_rounds WHERE finished_at IS NULL")

		r, err := f.svc.RunRound(ctx, f.organizer, f.pool)
		if err != nil {
			t.Fatal(err)
		}
		// The IT mentor has one seat: a or b gets it (the earlier request,
		// same fit), c gets the sport mentor (by fit, no preference).
		if r.Matched != 3-1 || r.Unmatched != 1 {
			t.Fatalf("round: %+v", r)
		}
		if f.count("SELECT taken FROM mentors WHERE id = ?", itMentor.ID) != 1 || f.count("SELECT taken FROM mentors WHERE id = ?", sportMentor.ID) != 1 {
			t.Fatal("seats not held")
		}
		// The organizer's numbers; nobody else's.
		st, _, err := f.svc.Stats(ctx, f.organizer, f.pool)
		if err != nil || st.Mentors != 2 || st.Seats != 3 || st.Free != 1 || st.Requests != 3 || st.Waiting != 1 || st.Matched != 2 ||
			st.MatchedPct != 67 || st.Proposed != 2 || st.Active != 0 || len(st.BySphere) != 2 || st.BySphere[0].Key != "it" ||
			st.BySphere[0].Requests != 2 || st.BySphere[0].Mentors != 1 {
			t.Fatalf("stats: %+v %v", st, err)
		}
		if _, _, err := f.svc.Stats(ctx, a, f.pool); code(err) != errs.Forbidden {
			t.Fatalf("stats for a mentee: %v", err)
		}
		// Equal fit, same time: the round's lottery chose one of a and b;
		// the other is told every mentor on their list was full.
		winner, loser := a, b
		if mine, _ := f.svc.MentorshipsOf(ctx, a, f.pool); len(mine) == 0 {
			winner, loser = b, a
		}
		req, err := f.svc.RequestOf(ctx, loser, f.pool)
		if err != nil || req.Status != "open" || len(req.Why) == 0 || req.Why[0].Code != "all_full" {
			t.Fatalf("why not matched: %+v %v", req, err)
		}
		mine, err := f.svc.MentorshipsOf(ctx, winner, f.pool)
		if err != nil || len(mine) != 1 || mine[0].Status != "proposed" || mine[0].MentorID != itMentor.ID {
			t.Fatalf("the winner's mentorship: %v %+v", err, mine)
		}
		ms := mine[0]
		if ms.Reasons[0].Code != "ranked" {
			t.Fatalf("why this match: %+v", ms.Reasons)
		}
		// The next round: the full IT mentor takes nobody more; the loser,
		// whose one ranked mentor has no seat, gets the best fit by the
		// solver's rule (the sport mentor's second seat).
		r2, err := f.svc.RunRound(ctx, f.organizer, f.pool)
		if err != nil || r2.Matched != 1 || r2.Pairs[0].MentorID != sportMentor.ID {
			t.Fatalf("second round: %+v %v", r2, err)
		}
		if f.count("SELECT taken FROM mentors WHERE id = ?", itMentor.ID) != 1 || f.count("SELECT taken FROM mentors WHERE id = ?", sportMentor.ID) != 2 {
			t.Fatal("seats after the second round")
		}
		a, b = winner, loser
		// The mentee cannot accept for the mentor; logging a session before
		// acceptance, or for someone else's mentorship, is refused.
		if _, err := f.svc.SetStatus(ctx, a, ms.ID, "accepted", ""); code(err) != errs.Forbidden {
			t.Fatalf("mentee accepting: %v", err)
		}
		if _, err := f.svc.LogSession(ctx, f.organizer, ms.ID, "2020-01-01", 60, ""); code(err) != errs.Forbidden {
			t.Fatalf("organizer logging a session for the pair: %v", err)
		}
		if _, err := f.svc.LogSession(ctx, a, ms.ID, "2020-01-01", 60, ""); code(err) != errs.Conflict {
			t.Fatalf("session before acceptance: %v", err)
		}
		mentorUser, _ := f.a.UserByID(ctx, itMentor.UserID)
		if _, err := f.svc.SetStatus(ctx, mentorUser, ms.ID, "accepted", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.LogSession(ctx, b, ms.ID, "2020-01-01", 60, "бөгде"); code(err) != errs.NotFound {
			t.Fatalf("session for someone else's mentorship: %v", err)
		}
		if _, err := f.svc.LogSession(ctx, a, ms.ID, "2020-01-01", 0, ""); fieldKey(err, "minutes") == "" {
			t.Fatalf("0 minutes: %v", err)
		}
		if _, err := f.svc.LogSession(ctx, mentorUser, ms.ID, "2020-01-02", 45, "Түйіндеме"); err != nil {
			t.Fatal(err)
		}
		// Goals: the mentee checks in, the mentor confirms; not the other
		// way round, not twice, not by a stranger.
		goal, err := f.svc.AddGoal(ctx, a, ms.ID, "Алғашқы сайтты жариялау")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddGoal(ctx, b, ms.ID, "Бөгде"); code(err) != errs.NotFound {
			t.Fatalf("a stranger's goal: %v", err)
		}
		if err := f.svc.CheckGoal(ctx, mentorUser, ms.ID, goal, "confirm"); code(err) != errs.Conflict {
			t.Fatalf("confirming before the check-in: %v", err)
		}
		if err := f.svc.CheckGoal(ctx, mentorUser, ms.ID, goal, "done"); code(err) != errs.Forbidden {
			t.Fatalf("the mentor checking in for the mentee: %v", err)
		}
		if err := f.svc.CheckGoal(ctx, a, ms.ID, goal, "done"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CheckGoal(ctx, mentorUser, ms.ID, goal, "confirm"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CheckGoal(ctx, mentorUser, ms.ID, goal, "confirm"); code(err) != errs.Conflict {
			t.Fatalf("confirming twice: %v", err)
		}
		if n := f.count("SELECT COUNT(*) FROM mentorship_goals WHERE done_at IS NOT NULL AND confirmed_at IS NOT NULL"); n != 1 {
			t.Fatalf("%d confirmed goals", n)
		}
		if n := f.count("SELECT COUNT(*) FROM mentorship_sessions"); n != 1 {
			t.Fatalf("%d sessions", n)
		}
		got, _ := f.svc.Mentorship(ctx, a, ms.ID)
		if got.Status != "active" {
			t.Fatalf("after a session: %s", got.Status)
		}
		if _, err := f.svc.Mentorship(ctx, b, ms.ID); code(err) != errs.NotFound {
			t.Fatalf("someone else reads the mentorship: %v", err)
		}
		// Cancelling needs a reason; completing frees the seat.
		if _, err := f.svc.SetStatus(ctx, a, ms.ID, "cancelled", ""); fieldKey(err, "reason") == "" {
			t.Fatalf("cancel without reason: %v", err)
		}
		if _, err := f.svc.SetStatus(ctx, mentorUser, ms.ID, "completed", ""); err != nil {
			t.Fatal(err)
		}
		if f.count("SELECT taken FROM mentors WHERE id = ?", itMentor.ID) != 0 {
			t.Fatal("seat not freed")
		}
		if err := f.svc.Feedback(ctx, a, ms.ID, "Рақмет!"); err != nil {
			t.Fatal(err)
		}
		if st, _, err := f.svc.Stats(ctx, f.organizer, f.pool); err != nil || st.Completed != 1 || st.Active != 0 || st.Matched != 3 {
			t.Fatalf("stats after completion: %+v %v", st, err)
		}
		// a may ask again now.
		ask(a, "media")
	})
}

// A mentor with one free seat accepting two direct requests at once
// accepts exactly one.
func TestAcceptRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		for round := 0; round < 5; round++ {
			m := f.mentor(3, "it")
			mentorUser, _ := f.a.UserByID(ctx, m.UserID)
			// Two of three seats taken by earlier mentees.
			var ids []int64
			for range 4 {
				u := f.person("young", false)
				_, msID, err := f.svc.AskMentor(ctx, u, m.ID, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Goal: "Үйрену"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, msID)
			}
			for _, id := range ids[:2] {
				if _, err := f.svc.SetStatus(ctx, mentorUser, id, "accepted", ""); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			var ok, full atomic.Int32
			start := make(chan struct{})
			for _, id := range ids[2:] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := f.svc.SetStatus(ctx, mentorUser, id, "accepted", "")
					switch {
					case err == nil:
						ok.Add(1)
					case code(err) == errs.Conflict:
						full.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if ok.Load() != 1 || full.Load() != 1 {
				t.Fatalf("two acceptances of one seat: %d accepted, %d refused", ok.Load(), full.Load())
			}
			if n := f.count("SELECT COUNT(*) FROM mentorships WHERE mentor_id = ? AND status = 'accepted'", m.ID); n != 3 {
				t.Fatalf("%d accepted for 3 seats", n)
			}
			if n := f.count("SELECT taken FROM mentors WHERE id = ?", m.ID); n != 3 {
				t.Fatalf("taken = %d", n)
			}
		}
	})
}

// The organizer's import: all rows or none, each problem with its row.
func TestImportMentors(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a, b, stranger := f.person("adult", true), f.person("adult", true), f.person("adult", false)
		csv := func(rows ...string) []byte {
			return []byte("Эл. пошта,Салалар,Орындар,Тілдер,Өңір,Формат\n" + strings.Join(rows, "\n") + "\n")
		}
		row := func(u *auth.User, capacity string) string {
			return u.Email + `,"it, media",` + capacity + `,"kk, ru",,online`
		}
		_, err := f.svc.ImportMentors(ctx, f.organizer, f.pool, csv(row(a, "3"), row(b, "0"), row(stranger, "2")))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || len(e.Fields) != 2 || e.Fields[0].Row != 3 || e.Fields[1].Row != 4 {
			t.Fatalf("bad rows: %+v", err)
		}
		if n := f.count("SELECT COUNT(*) FROM mentors"); n != 0 {
			t.Fatalf("%d mentors written from a refused file", n)
		}
		if _, err := f.svc.ImportMentors(ctx, a, f.pool, csv(row(a, "3"))); code(err) != errs.Forbidden {
			t.Fatalf("import by a member: %v", err)
		}
		n, err := f.svc.ImportMentors(ctx, f.organizer, f.pool, csv(row(a, "3"), row(b, "20")))
		if err != nil || n != 2 {
			t.Fatalf("import: %d %v", n, err)
		}
		if n := f.count("SELECT COUNT(*) FROM mentors WHERE status = 'approved' AND spheres = '[\"it\",\"media\"]'"); n != 2 {
			t.Fatalf("%d approved mentors in it and media", n)
		}
		// Again: people already mentors are left as they are.
		if n, err := f.svc.ImportMentors(ctx, f.organizer, f.pool, csv(row(a, "3"))); err != nil || n != 0 {
			t.Fatalf("second import: %d %v", n, err)
		}
	})
}
