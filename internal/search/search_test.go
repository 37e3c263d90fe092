package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/search"
)

type results struct {
	Items []search.ItemOut `json:"items"`
}

func token(t *testing.T, env *apptest.Env, p apptest.Person) string {
	t.Helper()
	tok, err := env.App.Auth.CreateToken(context.Background(), p.User, "test", p.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// find searches as the holder of tok ("" : a guest) and returns "kind:id"
// of the results, best first.
func find(t *testing.T, env *apptest.Env, tok, q string, extra ...string) []string {
	t.Helper()
	path := "/api/v1/search?q=" + url.QueryEscape(q) + strings.Join(extra, "")
	r := env.Client().JSON("GET", path, tok, "")
	if r.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, r.StatusCode, r.Body)
	}
	var res results
	if err := json.Unmarshal([]byte(r.Body), &res); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range res.Items {
		out = append(out, it.Kind+":"+it.ID)
	}
	return out
}

func has(list []string, x string) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

func TestSearchVisibilityRankingAndBadInput(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		root := env.NewOrg(0, "Жастар қанаты")
		branch := env.NewOrg(root, "Шымкент қалалық филиалы")
		other := env.NewOrg(0, "Орал қалалық филиалы")
		admin := env.NewPerson()
		env.Grant(admin, branch, "admin")
		member := env.NewPerson()
		env.Grant(member, branch, "member")
		outsider := env.NewPerson()
		author := env.NewPerson()
		moderator := env.NewPerson()
		env.Grant(moderator, root, "moderator")
		atok, mtok, otok, autok, modtok := token(t, env, admin), token(t, env, member), token(t, env, outsider), token(t, env, author), token(t, env, moderator)

		post := func(body string) string {
			r := env.Client().JSON("POST", "/api/v1/reports", atok, body)
			if r.StatusCode != 201 {
				t.Fatalf("report: %d %s", r.StatusCode, r.Body)
			}
			var out struct{ ID string }
			json.Unmarshal([]byte(r.Body), &out)
			return "report:" + out.ID
		}
		// A Cyrillic report about Shymkent's youth; one mentioning it only
		// in the body; a draft.
		inTitle := post(fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Шымкентте жастар форумы өтті"},"body":{"kk":"Қалада еріктілер жиналды, жаңа жобалар талқыланды."},"links":{}}`, branch))
		inBody := post(fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Еріктілер күні"},"body":{"kk":"Бұл күні Шымкенттің еріктілері саябақты тазалады, жастар да келді."},"links":{}}`, branch))
		draft := post(fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Құпия жоба: Шымкент жастары"},"status":"draft","links":{}}`, branch))

		// A hidden proposal, and a members' meeting, written as their
		// components store them.
		var prop, meet int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			var prog int64
			if err := tx.QueryRow(ctx, `INSERT INTO programmes (org_id, title_kk, created_at, updated_at) VALUES (?, 'Жастар бағдарламасы', ?, ?) RETURNING id`,
				root, tx.Now, tx.Now).Scan(&prog); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO proposals (programme_id, author_id, region, title, body, body_html, hidden, hidden_reason, created_at, updated_at)
				VALUES (?, ?, 'KZ-79', 'Шымкентте велосипед жолы керек', 'Жастарға велосипед жолы керек.', '', TRUE, 'спам', ?, ?) RETURNING id`,
				prog, author.User.ID, tx.Now, tx.Now).Scan(&prop); err != nil {
				return err
			}
			start := tx.Now.Add(24 * time.Hour)
			return tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, description, starts_at, ends_at, invite, created_at, updated_at)
				VALUES (?, 'report', 'in_person', 'Шымкент жастарының жабық жиналысы', '', ?, ?, 'members', ?, ?) RETURNING id`,
				branch, start, start.Add(time.Hour), tx.Now, tx.Now).Scan(&meet)
		})
		if err != nil {
			t.Fatal(err)
		}
		propK, meetK := fmt.Sprintf("proposal:%d", prop), fmt.Sprintf("meeting:%d", meet)

		// Latin typed without Kazakh letters finds the Cyrillic report; a
		// title match comes before a body match.
		for _, q := range []string{"zhastar", "Symkent zhastar", "Shymkent", "шымкент жастары", "ЖАСТАРҒА", "jastar"} {
			got := find(t, env, "", q, "&kind=report")
			if len(got) < 2 || got[0] != inTitle || !has(got, inBody) {
				t.Errorf("%q as a guest: %v, want %s first, then %s", q, got, inTitle, inBody)
			}
		}
		// Who finds what.
		cases := []struct {
			who, tok string
			sees     map[string]bool
		}{
			{"guest", "", map[string]bool{draft: false, propK: false, meetK: false}},
			{"outsider", otok, map[string]bool{draft: false, propK: false, meetK: false}},
			{"member", mtok, map[string]bool{draft: false, propK: false, meetK: true}},
			{"author", autok, map[string]bool{draft: false, propK: true, meetK: false}},
			{"moderator of the root", modtok, map[string]bool{draft: false, propK: true, meetK: true}},
			{"admin of the branch", atok, map[string]bool{draft: true, propK: false, meetK: true}},
		}
		for _, c := range cases {
			got := find(t, env, c.tok, "Шымкент")
			for k, want := range c.sees {
				if has(got, k) != want {
					t.Errorf("%s finds %s: %v, want %v (results %v)", c.who, k, has(got, k), want, got)
				}
			}
		}
		// Filters: by kind and by organization subtree.
		if got := find(t, env, mtok, "Шымкент", "&kind=meeting"); len(got) != 1 || got[0] != meetK {
			t.Errorf("kind=meeting: %v", got)
		}
		if got := find(t, env, "", "жастар", fmt.Sprintf("&organization_id=%d", other)); len(got) != 0 {
			t.Errorf("another organization's subtree: %v", got)
		}
		if got := find(t, env, "", "жастар", fmt.Sprintf("&organization_id=%d", root), "&kind=report"); len(got) != 2 {
			t.Errorf("the root's subtree: %v", got)
		}
		// Once hidden content is shown again, everyone finds it: a change
		// written straight to the database (no request told the node of
		// it) within search.SyncEvery.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE proposals SET hidden = FALSE, updated_at = ? WHERE id = ?`, tx.Now.Add(time.Millisecond), prop)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(search.SyncEvery)
		if got := find(t, env, "", "велосипед"); !has(got, propK) {
			t.Errorf("the proposal shown again is not found: %v", got)
		}
		// A change made through the API is found at once (the node was
		// told: it does not wait for SyncEvery), though this node has
		// just searched.
		later := post(fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Қарағанды шахтерлері"},"links":{}}`, branch))
		if got := find(t, env, "", "шахтерлер"); len(got) != 1 || got[0] != later {
			t.Errorf("a report published through the API just now: %v, want %v", got, later)
		}

		// Bad input: a clear message (422 on q) or results, never a 500.
		for _, q := range []string{"", "   ", strings.Repeat("ж", 201), "!!! ... ???", `" * NEAR : - (`, `"`, `жастар NEAR/2 форум`,
			`title_key:жастар`, `жастар*`, `-жастар`, `(жастар`, `'; DROP TABLE reports; --`, `1 OR 1=1`, "жастар\xff\xfe", "\xc3\x28", "a:b:c"} {
			for _, path := range []string{"/api/v1/search?q=", "/ru/search?q="} {
				r := env.Client().Get(path + url.QueryEscape(q))
				switch {
				case r.StatusCode == 200:
				case r.StatusCode == 422 && (strings.Contains(r.Body, `"q"`) || strings.Contains(r.Body, `id="e-q"`)):
				default:
					t.Errorf("%s%q: %d %.300s", path, q, r.StatusCode, r.Body)
				}
			}
		}
		if r := env.Client().JSON("GET", "/api/v1/search?q=", "", ""); r.StatusCode != 422 || !strings.Contains(r.Body, "search") && !strings.Contains(r.Body, "q") {
			t.Errorf("empty: %d %s", r.StatusCode, r.Body)
		}
		if r := env.Client().Get("/api/v1/search?q=x&kind=nonsense"); r.StatusCode != 422 {
			t.Errorf("bad kind: %d", r.StatusCode)
		}
		find(t, env, "", "'; DROP TABLE reports; --") // words searched for, nothing run
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM reports`).Scan(&n); err != nil || n != 4 {
			t.Fatalf("reports: %d %v", n, err)
		}
		// The page: results with a highlighted snippet.
		p := env.Client().Get("/kk/search?q=" + url.QueryEscape("еріктілер"))
		if p.StatusCode != 200 || !strings.Contains(p.Body, "<mark>еріктілер</mark>") && !strings.Contains(p.Body, "<mark>Еріктілер</mark>") {
			t.Errorf("page: %d\n%s", p.StatusCode, p.Body)
		}
		p = env.Client().Get("/kk/search?q=" + url.QueryEscape("!!!"))
		if p.StatusCode != 422 || !strings.Contains(p.Body, `id="e-q"`) {
			t.Errorf("punctuation page: %d", p.StatusCode)
		}
	})
}
