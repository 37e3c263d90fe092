package mentorship_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mentorship"
)

func TestMentorRanking(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		ask := func(u *auth.User, pool int64, in mentorship.RequestIn) int64 {
			t.Helper()
			if in.Goal == "" {
				in.Goal = "Үйрену"
			}
			if in.Mode == "" {
				in.Mode = "online"
			}
			r, err := f.svc.Ask(ctx, u, pool, in)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		// One mentor with one place (IT, speaks kk and ru, online), in two
		// pools alike; in each, two young people ask: A shares the sphere
		// and asked first, B does not.
		person := f.person("adult", true)
		second, err := f.svc.CreatePool(ctx, f.organizer, mentorship.NewPool{OrgID: f.org, Title: i18n.Text{KK: "Екінші"}, Spheres: spheres})
		if err != nil {
			t.Fatal(err)
		}
		mentors := map[int64]*mentorship.Mentor{}
		for _, p := range []int64{f.pool, second} {
			m, err := f.svc.AddMentor(ctx, f.organizer, p, mentorship.MentorIn{PersonID: person.ID, Spheres: []string{"it"}, Capacity: 1,
				Languages: []string{"kk", "ru"}, Mode: "online"})
			if err != nil {
				t.Fatal(err)
			}
			mentors[p] = m
		}
		reqA, reqB := map[int64]int64{}, map[int64]int64{}
		for _, p := range []int64{f.pool, second} {
			reqA[p] = ask(f.person("young", false), p, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}})
			reqB[p] = ask(f.person("young", false), p, mentorship.RequestIn{Spheres: []string{"media"}, Languages: []string{"ru", "kk"}})
		}
		// Requests the mentor can never get: no shared language; wants
		// only another mentor; withdrawn.
		english := ask(f.person("young", false), f.pool, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"en"}})
		otherMentor := f.mentor(3, "media")
		picky := ask(f.person("young", false), f.pool, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"},
			Preferences: []int64{otherMentor.ID}, OnlyRanked: true})
		leaver := f.person("young", false)
		gone := ask(leaver, f.pool, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}})
		if err := f.svc.Withdraw(ctx, leaver, gone); err != nil {
			t.Fatal(err)
		}

		// The mentor sees A and B (A first: better fit), not the others.
		m, cands, err := f.svc.Candidates(ctx, person, f.pool)
		if err != nil || m.ID != mentors[f.pool].ID {
			t.Fatal(err)
		}
		var seen []int64
		for _, c := range cands {
			seen = append(seen, c.RequestID)
		}
		if !slices.Equal(seen, []int64{reqA[f.pool], reqB[f.pool]}) {
			t.Fatalf("candidates %v, want A %d then B %d", seen, reqA[f.pool], reqB[f.pool])
		}

		// Refusals change nothing: a request not open, of another pool, one
		// they could never get, one repeated; someone who is not a mentor.
		stored := func() string {
			var s string
			if err := d.QueryRow(ctx, "SELECT ranking FROM mentors WHERE id = ?", mentors[f.pool].ID).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		for _, bad := range []struct {
			ids []int64
			key string
		}{
			{[]int64{reqB[f.pool], gone}, "mentorship.error.rank_not_open"},
			{[]int64{reqB[second]}, "mentorship.error.rank_not_open"},
			{[]int64{999999}, "mentorship.error.rank_not_open"},
			{[]int64{english}, "mentorship.error.rank_incompatible"},
			{[]int64{picky}, "mentorship.error.rank_incompatible"},
			{[]int64{reqB[f.pool], reqB[f.pool]}, "mentorship.error.rank_repeated"},
		} {
			if _, err := f.svc.SetRanking(ctx, person, f.pool, bad.ids); fieldKey(err, "ranking") != bad.key {
				t.Fatalf("%v: %v, want %s", bad.ids, err, bad.key)
			}
		}
		if _, err := f.svc.SetRanking(ctx, f.person("adult", false), f.pool, []int64{reqB[f.pool]}); code(err) != errs.Forbidden {
			t.Fatalf("not a mentor: %v", err)
		}
		if _, err := f.svc.SetRanking(ctx, f.organizer, f.pool, []int64{reqB[f.pool]}); code(err) != errs.Forbidden {
			t.Fatalf("the organizer ranks for a mentor: %v", err)
		}
		if s := stored(); s != "[]" {
			t.Fatalf("ranking after refusals: %s", s)
		}

		// In the second pool the mentor ranks B first; in the first pool
		// they leave it to fit. The rounds give them A and B respectively.
		if got, err := f.svc.SetRanking(ctx, person, second, []int64{reqB[second]}); err != nil || !slices.Equal(got, []int64{reqB[second]}) {
			t.Fatalf("ranking: %v %v", got, err)
		}
		if _, cands, _ := f.svc.Candidates(ctx, person, second); len(cands) != 2 || cands[0].RequestID != reqB[second] || cands[0].Rank != 1 || cands[1].Rank != 0 {
			t.Fatalf("candidates after ranking: %+v", cands)
		}
		got := map[int64]int64{}
		for _, p := range []int64{f.pool, second} {
			r, err := f.svc.RunRound(ctx, f.organizer, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, pr := range r.Pairs {
				if pr.MentorID == mentors[p].ID {
					got[p] = pr.RequestID
				}
			}
		}
		if got[f.pool] != reqA[f.pool] || got[second] != reqB[second] {
			t.Fatalf("without a ranking the mentor got %d (want A %d); with B ranked first, %d (want B %d)",
				got[f.pool], reqA[f.pool], got[second], reqB[second])
		}
		var reasons string
		if err := d.QueryRow(ctx, "SELECT reasons FROM mentorships WHERE request_id = ?", reqB[second]).Scan(&reasons); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(reasons, "mentor_ranked") {
			t.Fatalf("the pair's reasons do not say the mentor ranked them: %s", reasons)
		}

		// A matched request leaves the list; "no preference" clears it.
		if _, cands, _ := f.svc.Candidates(ctx, person, second); len(cands) != 1 || cands[0].RequestID != reqA[second] {
			t.Fatalf("after the round: %+v", cands)
		}
		if _, err := f.svc.SetRanking(ctx, person, second, nil); err != nil {
			t.Fatal(err)
		}
		var s string
		if err := d.QueryRow(ctx, "SELECT ranking FROM mentors WHERE id = ?", mentors[second].ID).Scan(&s); err != nil || s != "[]" {
			t.Fatalf("no preference: %s %v", s, err)
		}

		// A mentor who meets online or in person in their region: a request
		// in person from another region and one in a language they do not
		// speak are out; one who named them comes first, then by fit.
		third, err := f.svc.CreatePool(ctx, f.organizer, mentorship.NewPool{OrgID: f.org, Title: i18n.Text{KK: "Үшінші"}, Spheres: spheres})
		if err != nil {
			t.Fatal(err)
		}
		local := f.person("adult", true)
		lm, err := f.svc.AddMentor(ctx, f.organizer, third, mentorship.MentorIn{PersonID: local.ID, Spheres: []string{"it"}, Capacity: 2,
			Languages: []string{"kk"}, Mode: "either", Region: "KZ-75"})
		if err != nil {
			t.Fatal(err)
		}
		near := ask(f.person("young", false), third, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Mode: "in_person"})
		fan := ask(f.person("young", false), third, mentorship.RequestIn{Spheres: []string{"media"}, Languages: []string{"kk"},
			Preferences: []int64{lm.ID}})
		farUser := f.person("young", false)
		f.exec("UPDATE users SET region = 'KZ-11' WHERE id = ?", farUser.ID)
		farUser.Region = "KZ-11"
		far := ask(farUser, third, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"kk"}, Mode: "in_person"})
		russian := ask(f.person("young", false), third, mentorship.RequestIn{Spheres: []string{"it"}, Languages: []string{"ru"}})
		_, cands, err = f.svc.Candidates(ctx, local, third)
		if err != nil {
			t.Fatal(err)
		}
		seen = nil
		for _, c := range cands {
			seen = append(seen, c.RequestID)
		}
		if !slices.Equal(seen, []int64{fan, near}) || !cands[0].NamedYou || !cands[1].SameRegion || cands[1].Fit != 7 {
			t.Fatalf("candidates %v (%+v), want %d who named them, then %d in person nearby", seen, cands, fan, near)
		}
		for _, id := range []int64{far, russian} {
			if _, err := f.svc.SetRanking(ctx, local, third, []int64{id}); fieldKey(err, "ranking") != "mentorship.error.rank_incompatible" {
				t.Fatalf("ranking %d: %v", id, err)
			}
		}
	})
}
