package programmes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

type programmePage struct {
	Items []struct {
		ID    string            `json:"id"`
		Title map[string]string `json:"title"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// listProgrammes reads every page of path with limit n, failing on
// duplicates, and answers the ids in order.
func listProgrammes(t *testing.T, env *apptest.Env, tok, path string, n int) string {
	t.Helper()
	var got []string
	seen := map[string]bool{}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for pages := 0; pages < 50; pages++ {
		p := path + sep + fmt.Sprintf("limit=%d", n)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := env.Client().JSON("GET", p, tok, "")
		var pg programmePage
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &pg) != nil {
			t.Fatalf("%s: %d %s", p, r.StatusCode, r.Body)
		}
		if len(pg.Items) > n {
			t.Fatalf("%s: %d items for limit %d", p, len(pg.Items), n)
		}
		for _, it := range pg.Items {
			if seen[it.ID] {
				t.Fatalf("%s: programme %s twice", p, it.ID)
			}
			seen[it.ID] = true
			got = append(got, it.ID)
		}
		if pg.NextCursor == "" {
			return strings.Join(got, ",")
		}
		cursor = pg.NextCursor
	}
	t.Fatal("no end to the pages")
	return ""
}

func TestProgrammesListAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{NoCaches: true})
		orgA, orgB := env.NewOrg(0, "Жастар ресурстық орталығы"), env.NewOrg(0, "Студенттер кеңесі")
		admin, member := env.NewPerson(), env.NewPerson()
		env.Grant(admin, orgA, "admin")
		env.Grant(admin, orgB, "admin")
		env.Grant(member, orgA, "member")
		tok, err := env.App.Auth.CreateToken(context.Background(), admin.User, "test", admin.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		mtok, err := env.App.Auth.CreateToken(context.Background(), member.User, "test", member.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := env.Clock.Now().UTC()
		day := func(d int) string { return today.AddDate(0, 0, d).Format("2006-01-02") }
		create := func(org int64, title, starts, ends string) string {
			t.Helper()
			dates := ""
			if starts != "" {
				dates = fmt.Sprintf(`"starts_on":%q,"ends_on":%q,`, starts, ends)
			}
			r := env.Client().JSON("POST", "/api/v1/programmes", tok, fmt.Sprintf(`{"organization_id":"%d","title":{"kk":%q,"ru":"Программа"},
				"description":{"kk":"Сипаттама"},%s"age_min":14,"age_max":35,"regions":[],"directions":[],"phases":[]}`, org, title, dates))
			if r.StatusCode != 201 {
				t.Fatalf("create %s: %d %s", title, r.StatusCode, r.Body)
			}
			var out struct{ ID string }
			json.Unmarshal([]byte(r.Body), &out)
			return out.ID
		}
		ended := create(orgA, "Өткен", day(-200), day(-10))
		running := create(orgA, "Жүріп жатқан", day(-30), day(60))
		upcoming := create(orgA, "Алдағы", day(20), day(200))
		undated := create(orgB, "Мерзімсіз", "", "")
		newest := []string{undated, upcoming, running, ended}

		// Every reader gets every programme, newest first, across pages.
		for _, rd := range []string{"", mtok, tok} {
			for _, n := range []int{1, 3, 50} {
				if got := listProgrammes(t, env, rd, "/api/v1/programmes", n); got != strings.Join(newest, ",") {
					t.Fatalf("limit %d: %s, want %s", n, got, strings.Join(newest, ","))
				}
			}
		}
		// Shape: the programme as GET /programmes/{id} shows it.
		r := env.Client().JSON("GET", "/api/v1/programmes?limit=1&status=upcoming", "", "")
		one := env.Client().JSON("GET", "/api/v1/programmes/"+upcoming, "", "")
		if r.StatusCode != 200 || !strings.Contains(r.Body, strings.TrimSpace(one.Body)) ||
			!strings.Contains(r.Body, `"title":{"kk":"Алдағы","ru":"Программа","en":""}`) {
			t.Fatalf("list item %s\nprogramme %s", r.Body, one.Body)
		}
		// Documented in the OpenAPI document.
		doc := env.Client().JSON("GET", "/api/v1/openapi.json", "", "")
		var compact bytes.Buffer
		if doc.StatusCode != 200 || json.Compact(&compact, []byte(doc.Body)) != nil {
			t.Fatalf("openapi.json: %d", doc.StatusCode)
		}
		for _, op := range []string{"listProgrammes"} {
			if !strings.Contains(compact.String(), `"operationId":"`+op+`"`) {
				t.Fatalf("OpenAPI document lacks %s", op)
			}
		}
		// Filters.
		for q, want := range map[string][]string{
			fmt.Sprintf("organization_id=%d", orgA): {upcoming, running, ended},
			fmt.Sprintf("organization_id=%d", orgB): {undated},
			"status=ended":                          {ended},
			"status=running":                        {undated, running},
			"status=upcoming":                       {upcoming},
			"from=" + day(0):                        {undated, upcoming, running},
			"to=" + day(0):                          {undated, running, ended},
			"from=" + day(-5) + "&to=" + day(10):    {undated, running},
			"from=" + url.QueryEscape(today.AddDate(0, 0, 61).Format("2006-01-02T15:04:05Z07:00")): {undated, upcoming},
		} {
			if got := listProgrammes(t, env, "", "/api/v1/programmes?"+q, 2); got != strings.Join(want, ",") {
				t.Fatalf("%s: %s, want %s", q, got, strings.Join(want, ","))
			}
		}
		for q, field := range map[string]string{"limit=0": "limit", "limit=201": "limit", "cursor=bogus": "cursor",
			"cursor=" + strings.Repeat("x", 2000): "cursor", "organization_id=0": "organization_id", "status=soon": "status",
			"from=2026-02-30": "from", "to=tomorrow": "to"} {
			r := env.Client().JSON("GET", "/api/v1/programmes?"+q, "", "")
			if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"`+field+`"`) {
				t.Fatalf("%s: %d %s", q, r.StatusCode, r.Body)
			}
		}
	})
}
