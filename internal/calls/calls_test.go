package calls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// js sends an API request asking for English messages.
func js(env *apptest.Env, c *apptest.Client, method, path, tok, body string) *apptest.Response {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, env.URL+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Accept-Language", "en")
	return c.Do(req)
}

func decode[T any](t *testing.T, r *apptest.Response, status int) T {
	t.Helper()
	var v T
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}

func wantStatus(t *testing.T, what string, r *apptest.Response, status int, fragment string) {
	t.Helper()
	if r.StatusCode != status || !strings.Contains(r.Body, fragment) {
		t.Fatalf("%s: status %d, want %d with %q: %s", what, r.StatusCode, status, fragment, r.Body)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A district festival: two district holdings each advance their best two
// to the regional stage. Bad input is refused with a clear message and
// changes nothing; a decline after the results moves the next one up.
func TestFestivalAcrossLevels(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		region := env.NewOrg(0, "Облыстық филиал")
		distA := env.NewOrg(region, "Бірінші аудан")
		distB := env.NewOrg(region, "Екінші аудан")
		organizer := env.NewPerson()
		env.Grant(organizer, region, "moderator")
		otok := token(t, env, organizer)
		c := env.Client()
		now := env.Clock.Now()
		body := fmt.Sprintf(`{"organization_id":"%d","kind":"festival","title":{"kk":"Достық керуені","ru":"Караван дружбы"},
			"description":{"kk":"Аудандық фестиваль"},"eligibility":{"age_min":14,"age_max":35},
			"form":[{"key":"act","label":{"kk":"Нөмір атауы"},"type":"text","required":true},
				{"key":"genre","label":{"kk":"Жанр"},"type":"choice","options":["ән","би"],"required":true},
				{"key":"school","label":{"kk":"Мектеп"},"type":"text","identifying":true}],
			"stages":[{"title":{"kk":"Аудандық кезең"},"hosts":["%d","%d"],"opens_at":%q,"closes_at":%q,
				"criteria":[{"key":"art","title":{"kk":"Шеберлік"},"weight":2,"max":10},{"key":"idea","title":{"kk":"Идея"},"weight":1,"max":5}],
				"advance":2,"blind":true,"jurors_per_application":2},
			{"title":{"kk":"Облыстық кезең"},"opens_at":%q,"closes_at":%q,
				"criteria":[{"key":"art","title":{"kk":"Шеберлік"},"weight":1,"max":10}],"advance":1,"blind":false,"jurors_per_application":1}]}`,
			region, distA, distB, now.Add(-time.Hour).Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339),
			now.Add(72*time.Hour).Format(time.RFC3339), now.Add(96*time.Hour).Format(time.RFC3339))
		call := decode[calls.CallOut](t, js(env, c, "POST", "/api/v1/calls", otok, body), 201)
		if len(call.Stages) != 2 || len(call.Stages[0].Hosts) != 2 || call.Stages[1].Hosts[0].ID != fmt.Sprint(region) {
			t.Fatalf("stages %+v", call.Stages)
		}
		s1, s2 := call.Stages[0].ID, call.Stages[1].ID
		base := "/api/v1/calls/" + call.ID

		// A plain member cannot create a call in the region.
		stranger := env.NewPerson()
		wantStatus(t, "create by a non-organizer", js(env, c, "POST", "/api/v1/calls", token(t, env, stranger), body), 403, "")
		// A question of an unknown type: refused with the field named.
		bad := strings.Replace(body, `"type":"text","identifying":true`, `"type":"video"`, 1)
		wantStatus(t, "unknown question type", js(env, c, "POST", "/api/v1/calls", otok, bad), 422, "form.2.type")

		// Applicants: five in each district.
		type applicant struct {
			p   apptest.Person
			tok string
			id  string
		}
		var people []*applicant
		for i := range 10 {
			p := env.NewPerson()
			a := &applicant{p: p, tok: token(t, env, p)}
			host := distA
			if i >= 5 {
				host = distB
			}
			out := decode[calls.ApplicationOut](t, js(env, c, "POST", base+"/applications", a.tok,
				fmt.Sprintf(`{"answers":{"act":"Нөмір %d","genre":"ән","school":"№%d мектеп"},"host_id":"%d"}`, i, i, host)), 201)
			a.id = out.ID
			people = append(people, a)
		}
		// Bad applications, each refused, nothing written.
		before := count(t, d, "SELECT COUNT(*) FROM call_applications")
		wantStatus(t, "twice", js(env, c, "POST", base+"/applications", people[0].tok, fmt.Sprintf(`{"answers":{"act":"x","genre":"ән"},"host_id":"%d"}`, distA)), 409, "already applied")
		late := env.NewPerson()
		ltok := token(t, env, late)
		wantStatus(t, "missing required", js(env, c, "POST", base+"/applications", ltok, fmt.Sprintf(`{"answers":{"genre":"ән"},"host_id":"%d"}`, distA)), 422, `"answers.act"`)
		wantStatus(t, "bad choice", js(env, c, "POST", base+"/applications", ltok, fmt.Sprintf(`{"answers":{"act":"x","genre":"рок"},"host_id":"%d"}`, distA)), 422, `"answers.genre"`)
		wantStatus(t, "no holding", js(env, c, "POST", base+"/applications", ltok, `{"answers":{"act":"x","genre":"ән"}}`), 422, `"host_id"`)
		wantStatus(t, "team", js(env, c, "POST", base+"/applications", ltok, `{"answers":{"act":"x","genre":"ән"},"members":["a@example.kz"]}`), 422, `"members"`)
		minor := env.NewPerson("minor") // 15, but without a guardian's consent
		if _, err := env.App.Calls.Apply(ctx, minor.User, mustID(t, call.ID), map[string]string{"act": "x", "genre": "ән"}, distA); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("a minor without consent applied: %v", err)
		}
		old := env.NewPerson()
		if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET birth_date = '1960-01-01' WHERE id = ?", old.User.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "too old", js(env, c, "POST", base+"/applications", token(t, env, old), fmt.Sprintf(`{"answers":{"act":"x","genre":"ән"},"host_id":"%d"}`, distA)), 403, "up to 35")
		if n := count(t, d, "SELECT COUNT(*) FROM call_applications"); n != before {
			t.Fatalf("bad applications wrote %d rows", n-before)
		}

		// Juries: two per district; one juror shares a primary organization
		// with applicant 0 and must never get their application.
		school := env.NewOrg(distA, "Мектеп")
		if err := env.App.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE organizations SET kind = 'primary_organization' WHERE id = ?", school)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		env.Grant(people[0].p, school, "member")
		var jurors []apptest.Person
		for i := range 5 {
			j := env.NewPerson()
			host := distA
			if i >= 3 {
				host = distB
			}
			jurors = append(jurors, j)
			decode[calls.JurorOut](t, js(env, c, "POST", fmt.Sprintf("%s/stages/%s/jurors", base, s1), otok,
				fmt.Sprintf(`{"person_id":"%d","host_id":"%d","chair":%v}`, j.User.ID, host, i == 0)), 201)
		}
		env.Grant(jurors[0], school, "member")
		wantStatus(t, "juror twice", js(env, c, "POST", fmt.Sprintf("%s/stages/%s/jurors", base, s1), otok,
			fmt.Sprintf(`{"person_id":"%d","host_id":"%d"}`, jurors[0].User.ID, distA)), 409, "")
		// A district's moderator runs its own jury, not the other district's.
		distMod := env.NewPerson()
		env.Grant(distMod, distB, "moderator")
		wantStatus(t, "other district's jury", js(env, c, "POST", fmt.Sprintf("%s/stages/%s/jurors", base, s1), token(t, env, distMod),
			fmt.Sprintf(`{"person_id":"%d","host_id":"%d"}`, stranger.User.ID, distA)), 403, "")
		decode[calls.AssignOut](t, js(env, c, "POST", fmt.Sprintf("%s/stages/%s/assignments", base, s1), otok, ""), 200)
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE juror_id = ? AND application_id = ?", jurors[0].User.ID, people[0].id); n != 0 {
			t.Fatal("a juror got an applicant from their own primary organization")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE stage_id = ?", s1); n != 20 {
			t.Fatalf("%d assignments, want 10 applications × 2", n)
		}

		// Juror 1 declares a conflict with applicant 3 (a relative): the pair
		// goes at once, and the next run gives the application to another juror.
		var had int
		if had = count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE juror_id = ? AND application_id = ?", jurors[1].User.ID, people[3].id); had == 0 {
			wantStatus(t, "conflict on an unassigned application", js(env, c, "POST", "/api/v1/applications/"+people[3].id+"/conflicts", token(t, env, jurors[1]),
				fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 200, `"declared":true`)
		} else {
			decode[calls.ConflictOut](t, js(env, c, "POST", "/api/v1/applications/"+people[3].id+"/conflicts", token(t, env, jurors[1]), fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 200)
		}
		wantStatus(t, "conflict by a non-juror", js(env, c, "POST", "/api/v1/applications/"+people[3].id+"/conflicts", token(t, env, stranger),
			fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 403, "")
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE juror_id = ? AND application_id = ?", jurors[1].User.ID, people[3].id); n != 0 {
			t.Fatal("the declared conflict kept its assignment")
		}
		decode[calls.AssignOut](t, js(env, c, "POST", fmt.Sprintf("%s/stages/%s/assignments", base, s1), otok, ""), 200)
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE juror_id = ? AND application_id = ?", jurors[1].User.ID, people[3].id); n != 0 {
			t.Fatal("the assignment gave a declared conflict back")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_assignments WHERE application_id = ?", people[3].id); n != 2 {
			t.Fatalf("applicant 3 has %d jurors after the conflict, want 2", n)
		}

		// Jurors score blind: no names, no identifying answers.
		scoresOf := map[string]float64{} // application → art score given
		for ji, j := range jurors {
			jt := token(t, env, j)
			work := decode[struct{ Items []calls.AssignmentOut }](t, js(env, c, "GET", fmt.Sprintf("%s/stages/%s/assignments", base, s1), jt, ""), 200)
			for _, it := range work.Items {
				if it.Name != "" || it.Answers["school"] != "" || it.Answers["act"] == "" {
					t.Fatalf("blind stage showed %+v", it)
				}
				// Applicant i's art score is 10 - i for every juror: a clear order.
				var i int
				fmt.Sscanf(it.Answers["act"], "Нөмір %d", &i)
				art := float64(10 - i%5)
				scoresOf[it.ApplicationID] = art
				decode[calls.ScoresOut](t, js(env, c, "PUT", "/api/v1/applications/"+it.ApplicationID+"/scores", jt,
					fmt.Sprintf(`{"stage_id":"%s","scores":{"art":%v,"idea":5},"comment":"Жақсы %d"}`, s1, art, ji)), 200)
			}
			if ji == 1 && len(work.Items) > 0 {
				app := work.Items[0].ApplicationID
				wantStatus(t, "out of range", js(env, c, "PUT", "/api/v1/applications/"+app+"/scores", jt,
					fmt.Sprintf(`{"stage_id":"%s","scores":{"art":11,"idea":5}}`, s1)), 422, "from 0 to 10")
				wantStatus(t, "missing criterion", js(env, c, "PUT", "/api/v1/applications/"+app+"/scores", jt,
					fmt.Sprintf(`{"stage_id":"%s","scores":{"art":5}}`, s1)), 422, `"scores.idea"`)
			}
		}
		// A juror scoring an application not given to them.
		var notMine string
		if err := d.QueryRow(ctx, `SELECT CAST(MIN(a.id) AS TEXT) FROM call_applications a WHERE a.call_id = ? AND a.id NOT IN
			(SELECT application_id FROM call_assignments WHERE juror_id = ?)`, call.ID, jurors[1].User.ID).Scan(&notMine); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "not assigned", js(env, c, "PUT", "/api/v1/applications/"+notMine+"/scores", token(t, env, jurors[1]),
			fmt.Sprintf(`{"stage_id":"%s","scores":{"art":5,"idea":5}}`, s1)), 403, "not been given to you")
		// Results are not public before the close.
		wantStatus(t, "results before close", js(env, c, "GET", fmt.Sprintf("%s/stages/%s/results", base, s1), "", ""), 409, "")
		// Closing the second stage first is refused.
		wantStatus(t, "close out of order", js(env, c, "POST", fmt.Sprintf("%s/stages/%s/close", base, s2), otok, ""), 409, "previous stage")
		wantStatus(t, "close by a juror", js(env, c, "POST", fmt.Sprintf("%s/stages/%s/close", base, s1), token(t, env, jurors[0]), ""), 403, "")

		closed := decode[calls.CloseOut](t, js(env, c, "POST", fmt.Sprintf("%s/stages/%s/close", base, s1), otok, ""), 200)
		// Applicants 0, 1 lead district A, 5, 6 lead district B.
		want := []string{people[0].id, people[1].id, people[5].id, people[6].id}
		got := slices.Clone(closed.Advanced)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("advanced %v, want %v", got, want)
		}
		wantStatus(t, "close twice", js(env, c, "POST", fmt.Sprintf("%s/stages/%s/close", base, s1), otok, ""), 409, "already been closed")
		wantStatus(t, "score after close", js(env, c, "PUT", "/api/v1/applications/"+people[0].id+"/scores", token(t, env, jurors[1]),
			fmt.Sprintf(`{"stage_id":"%s","scores":{"art":1,"idea":1}}`, s1)), 409, "")
		wantStatus(t, "apply after close", js(env, c, "POST", base+"/applications", ltok, fmt.Sprintf(`{"answers":{"act":"x","genre":"ән"},"host_id":"%d"}`, distA)), 409, "closed")
		if n := count(t, d, "SELECT COUNT(*) FROM call_entries WHERE stage_id = ? AND holding_id = ?", s2, region); n != 4 {
			t.Fatalf("%d entries in the regional stage, want 4", n)
		}
		// The advanced are told by the outbox.
		if n := count(t, d, "SELECT COUNT(*) FROM outbox WHERE user_id IN (?, ?, ?, ?)", people[0].p.User.ID, people[1].p.User.ID,
			people[5].p.User.ID, people[6].p.User.ID); n != 4 {
			t.Fatalf("%d notifications, want 4", n)
		}

		res := decode[calls.ResultsOut](t, js(env, c, "GET", fmt.Sprintf("%s/stages/%s/results", base, s1), "", ""), 200)
		if len(res.Items) != 10 || res.Report == nil || len(res.Report.Holdings) != 2 {
			t.Fatalf("results %+v", res)
		}
		for _, it := range res.Items {
			if it.Advanced != slices.Contains(want, it.ApplicationID) {
				t.Fatalf("result %+v", it)
			}
		}

		// Applicant 1 declines: applicant 2 (next in district A) moves up.
		wantStatus(t, "decline someone else's", js(env, c, "POST", "/api/v1/applications/"+people[1].id+"/decline", people[0].tok,
			fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 403, "")
		decode[calls.DeclineOut](t, js(env, c, "POST", "/api/v1/applications/"+people[1].id+"/decline", people[1].tok, fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 200)
		wantStatus(t, "decline twice", js(env, c, "POST", "/api/v1/applications/"+people[1].id+"/decline", people[1].tok, fmt.Sprintf(`{"stage_id":"%s"}`, s1)), 409, "")
		res = decode[calls.ResultsOut](t, js(env, c, "GET", fmt.Sprintf("%s/stages/%s/results", base, s1), "", ""), 200)
		status := map[string]calls.ResultOut{}
		for _, it := range res.Items {
			status[it.ApplicationID] = it
		}
		if status[people[1].id].Status != "declined" || !status[people[2].id].Advanced || status[people[2].id].InPlaceOf != people[1].id {
			t.Fatalf("after decline: %+v / %+v", status[people[1].id], status[people[2].id])
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_entries WHERE stage_id = ? AND application_id = ?", s2, people[1].id); n != 0 {
			t.Fatal("the declined application stayed in the next stage")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_entries WHERE stage_id = ? AND application_id = ?", s2, people[2].id); n != 1 {
			t.Fatal("the backfill did not enter the next stage")
		}

		// The awards component reads participants and winners.
		ps, err := env.App.Calls.Participants(ctx, mustID(t, call.ID))
		if err != nil || len(ps) != 10 {
			t.Fatalf("participants %d %v", len(ps), err)
		}
		ws, err := env.App.Calls.Winners(ctx, mustID(t, call.ID))
		if err != nil || len(ws) != 4 || ws[0].Place != 1 || ws[1].Place != 2 {
			t.Fatalf("winners %+v %v", ws, err)
		}

		// Pages: the public stage page names nobody to a guest; the organizer sees the referral and exports.
		guest := env.Client()
		r := guest.Get(fmt.Sprintf("/en/calls/%s/stages/%s", call.ID, s1))
		if r.StatusCode != 200 || strings.Contains(r.Body, people[0].p.User.Name) || !strings.Contains(r.Body, "№ "+people[0].id) {
			t.Fatalf("guest stage page %d: names shown or numbers missing", r.StatusCode)
		}
		oc := env.Client()
		oc.SignIn(organizer)
		r = oc.Get(fmt.Sprintf("/en/calls/%s/stages/%s", call.ID, s1))
		if r.StatusCode != 200 || !strings.Contains(r.Body, `id="referral"`) || !strings.Contains(r.Body, "moved up in place of") {
			t.Fatalf("organizer stage page %d: %.2000s", r.StatusCode, r.Body)
		}
		x := oc.Get(fmt.Sprintf("/en/calls/%s/stages/%s/results.xlsx", call.ID, s1))
		if x.StatusCode != 200 || !strings.HasPrefix(x.Body, "PK") {
			t.Fatalf("xlsx %d", x.StatusCode)
		}
		pdf := oc.Get(fmt.Sprintf("/kk/calls/%s/stages/%s/protocol.pdf", call.ID, s1))
		if pdf.StatusCode != 200 || !strings.HasPrefix(pdf.Body, "%PDF") {
			t.Fatalf("pdf %d", pdf.StatusCode)
		}
		if r := guest.Get(fmt.Sprintf("/en/calls/%s/stages/%s/results.xlsx", call.ID, s1)); r.StatusCode == 200 {
			t.Fatal("a guest downloaded the named results")
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// One application per person per call, decided by the database: the same
// person applying 64 times at once leaves one; 200 people at once leave
// 200.
func TestApplyRaces(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		org := env.NewOrg(0, "Ұйым")
		admin := env.NewPerson("admin")
		now := env.Clock.Now()
		c, err := env.App.Calls.Create(ctx, admin.User, calls.Input{OrgID: org, Kind: "contest", Title: i18n.Text{KK: "IT байқауы"},
			Form: []calls.Field{{Key: "project", Label: i18n.Text{KK: "Жоба"}, Type: "text", Required: true}},
			Stages: []calls.StageInput{{Title: i18n.Text{KK: "Іріктеу"}, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), Advance: 1,
				Criteria: []calls.Criterion{{Key: "code", Title: i18n.Text{KK: "Код"}, Weight: 1, Max: 10}}}}})
		if err != nil {
			t.Fatal(err)
		}
		one := env.NewPerson()
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[errs.Code]int{}
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := env.App.Calls.Apply(ctx, one.User, c.ID, map[string]string{"project": "Бот"}, 0)
				mu.Lock()
				codes[errs.CodeOf(err)]++
				if err != nil && errs.CodeOf(err) == "" {
					t.Error(err)
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[""] != 1 || codes[errs.Conflict] != 63 {
			t.Fatalf("64 tries by one person: %v", codes)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_applications WHERE call_id = ?", c.ID); n != 1 {
			t.Fatalf("%d applications from one person", n)
		}
		people := make([]apptest.Person, 200)
		for i := range people {
			people[i] = env.NewPerson()
		}
		errCount := 0
		for _, p := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := env.App.Calls.Apply(ctx, p.User, c.ID, map[string]string{"project": "Жоба"}, 0); err != nil {
					mu.Lock()
					errCount++
					mu.Unlock()
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := count(t, d, "SELECT COUNT(*) FROM call_applications WHERE call_id = ?", c.ID); n != 201 || errCount != 0 {
			t.Fatalf("%d applications after 200 people (+1), %d errors", n, errCount)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM call_entries WHERE stage_id = ?", c.Stages[0].ID); n != 201 {
			t.Fatalf("%d stage entries", n)
		}
	})
}
