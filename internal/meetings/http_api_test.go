package meetings_test

import (
	"bytes"
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
	"github.com/ortaq/ortaq/internal/meetings"
)

type listedMeeting struct {
	ID             string            `json:"id"`
	OrganizationID string            `json:"organization_id"`
	Title          map[string]string `json:"title"`
	OnlineURL      string            `json:"online_url"`
	StartsAt       string            `json:"starts_at"`
	Agenda         []map[string]any  `json:"agenda"`
}

type meetingPage struct {
	Items      []listedMeeting `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

// meetingAt makes a meeting through the API starting days from now.
func meetingAt(t *testing.T, env *apptest.Env, tok string, org int64, days int, invite string) string {
	t.Helper()
	start := env.Clock.Now().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Hour)
	body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жиналыс %d","ru":"Собрание %d"},"kind":"report","format":"hybrid",
		"address":"Орал қ.","online_url":"https://meet.example.kz/%d","starts_at":%q,"ends_at":%q,"invite":%q}`,
		org, days, days, days, start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339), invite)
	r := env.Client().JSON("POST", "/api/v1/meetings", tok, body)
	if r.StatusCode != 201 {
		t.Fatalf("create meeting: %d %s", r.StatusCode, r.Body)
	}
	return decode[map[string]any](t, r)["id"].(string)
}

// walk reads every page of path with limit n, failing on duplicates.
func walk(t *testing.T, env *apptest.Env, tok, path string, n int) []listedMeeting {
	t.Helper()
	var all []listedMeeting
	seen := map[string]bool{}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("no end to the pages")
		}
		p := path + sep + fmt.Sprintf("limit=%d", n)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := env.Client().JSON("GET", p, tok, "")
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", p, r.StatusCode, r.Body)
		}
		pg := decode[meetingPage](t, r)
		if len(pg.Items) > n {
			t.Fatalf("%s: %d items for limit %d", p, len(pg.Items), n)
		}
		for _, m := range pg.Items {
			if seen[m.ID] {
				t.Fatalf("%s: meeting %s twice", p, m.ID)
			}
			seen[m.ID] = true
			all = append(all, m)
		}
		if pg.NextCursor == "" {
			return all
		}
		cursor = pg.NextCursor
	}
}

func ids(ms []listedMeeting) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.ID)
	}
	return strings.Join(s, ",")
}

func TestMeetingsListAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{NoCaches: true})
		orgA := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		orgB := env.NewOrg(0, "Ақтөбе жастар кеңесі")
		chair, member, outsider := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(chair, orgA, "moderator")
		env.Grant(chair, orgB, "moderator")
		env.Grant(member, orgA, "member")
		ctok, mtok, otok := token(t, env, chair), token(t, env, member), token(t, env, outsider)
		past := meetingAt(t, env, ctok, orgB, 1, "anyone") // over once the clock moves on
		var aIDs []string
		for _, days := range []int{7, 3, 5, 4, 6} { // created out of order: the list is by start
			aIDs = append(aIDs, meetingAt(t, env, ctok, orgA, days, "members"))
		}
		env.Clock.Advance(2 * 24 * time.Hour)
		byStart := []string{past, aIDs[1], aIDs[3], aIDs[2], aIDs[4], aIDs[0]}

		// Every reader gets every meeting (they are public, as on the
		// pages), in start order, across pages with no gap or duplicate.
		for _, n := range []int{1, 2, 4, 50} {
			for who, tok := range map[string]string{"guest": "", "member": mtok, "outsider": otok, "chair": ctok} {
				got := walk(t, env, tok, "/api/v1/meetings", n)
				if ids(got) != strings.Join(byStart, ",") {
					t.Fatalf("%s, limit %d: %s, want %s", who, n, ids(got), strings.Join(byStart, ","))
				}
			}
		}
		// The link to join online: only for those who may attend.
		links := func(tok string) map[string]string {
			out := map[string]string{}
			for _, m := range walk(t, env, tok, "/api/v1/meetings", 50) {
				out[m.ID] = m.OnlineURL
			}
			return out
		}
		for who, c := range map[string]struct {
			tok          string
			inA, inOpenB bool
		}{"guest": {"", false, false}, "outsider": {otok, false, true}, "member": {mtok, true, true}, "chair": {ctok, true, true}} {
			l := links(c.tok)
			if (l[aIDs[0]] != "") != c.inA || (l[past] != "") != c.inOpenB {
				t.Fatalf("%s sees links %v", who, l)
			}
		}
		// Shape: ids as strings, times RFC 3339 UTC, all three languages.
		r := env.Client().JSON("GET", "/api/v1/meetings?limit=1", "", "")
		for _, s := range []string{`"id":"` + past + `"`, `"organization_id":"`, `"title":{"kk":"Жиналыс 1","ru":"Собрание 1","en":""}`, `"agenda":[]`} {
			if !strings.Contains(r.Body, s) {
				t.Fatalf("list item lacks %s: %s", s, r.Body)
			}
		}
		if st := decode[meetingPage](t, r).Items[0].StartsAt; !strings.HasSuffix(st, "Z") {
			t.Fatalf("starts_at %q not UTC", st)
		}

		// Documented in the OpenAPI document.
		doc := env.Client().JSON("GET", "/api/v1/openapi.json", "", "")
		var compact bytes.Buffer
		if doc.StatusCode != 200 || json.Compact(&compact, []byte(doc.Body)) != nil {
			t.Fatalf("openapi.json: %d", doc.StatusCode)
		}
		for _, op := range []string{"listMeetings", "getMeetingAgenda", "getMeetingMinutes", "listMeetingDecisions"} {
			if !strings.Contains(compact.String(), `"operationId":"`+op+`"`) {
				t.Fatalf("OpenAPI document lacks %s", op)
			}
		}
		// Filters.
		now := env.Clock.Now().UTC()
		for q, want := range map[string][]string{
			fmt.Sprintf("organization_id=%d", orgA): byStart[1:],
			fmt.Sprintf("organization_id=%d", orgB): {past},
			"status=past":                           {past},
			"status=upcoming":                       byStart[1:],
			"status=ongoing":                        nil,
			"status=cancelled":                      nil,
			"from=" + url.QueryEscape(now.Add(2*24*time.Hour).Format(time.RFC3339)):                                     {aIDs[3], aIDs[2], aIDs[4], aIDs[0]},
			"to=" + now.Add(3*24*time.Hour).Format("2006-01-02"):                                                        {past, aIDs[1], aIDs[3]},
			fmt.Sprintf("organization_id=%d&status=upcoming&to=%s", orgA, now.Add(3*24*time.Hour).Format("2006-01-02")): {aIDs[1], aIDs[3]},
		} {
			if got := walk(t, env, "", "/api/v1/meetings?"+q, 2); ids(got) != strings.Join(want, ",") {
				t.Fatalf("%s: %s, want %s", q, ids(got), strings.Join(want, ","))
			}
		}
		// Bad input: 422 with the field named.
		for q, field := range map[string]string{"limit=0": "limit", "limit=201": "limit", "limit=x": "limit", "cursor=bogus": "cursor",
			"cursor=" + strings.Repeat("A", 40): "cursor", "organization_id=x": "organization_id", "programme_id=-1": "programme_id",
			"status=soon": "status", "from=yesterday": "from", "to=2026-13-01": "to"} {
			r := env.Client().JSON("GET", "/api/v1/meetings?"+q, "", "")
			if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"`+field+`"`) {
				t.Fatalf("%s: %d %s", q, r.StatusCode, r.Body)
			}
		}
	})
}

func TestMeetingAgendaMinutesDecisionsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{NoCaches: true})
		ctx := context.Background()
		org := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		chair, member := env.NewPerson(), env.NewPerson()
		env.Grant(chair, org, "moderator")
		env.Grant(member, org, "member")
		ctok, mtok := token(t, env, chair), token(t, env, member)
		id := meetingAt(t, env, ctok, org, 1, "members")
		var mid int64
		fmt.Sscan(id, &mid)
		svc := env.App.Meetings
		first, err := svc.AddItem(ctx, chair.User, mid, meetings.NewItem{Title: "Есеп", Presenter: "Төраға", DurationMin: 20,
			Attachments: "https://example.kz/report.pdf"})
		if err != nil {
			t.Fatal(err)
		}
		second, err := svc.AddItem(ctx, chair.User, mid, meetings.NewItem{Title: "Сайлау", DurationMin: 30})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetMinutes(ctx, chair.User, mid, first, "Есеп тыңдалды."); err != nil {
			t.Fatal(err)
		}
		// Agenda: in order, for everyone.
		for _, tok := range []string{"", mtok} {
			r := env.Client().JSON("GET", "/api/v1/meetings/"+id+"/agenda", tok, "")
			want := fmt.Sprintf(`{"items":[{"id":"%d","title":"Есеп","presenter":"Төраға","duration_min":20,"attachments":["https://example.kz/report.pdf"]},`+
				`{"id":"%d","title":"Сайлау","duration_min":30,"attachments":[]}]}`, first, second)
			if r.StatusCode != 200 || strings.TrimSpace(r.Body) != want {
				t.Fatalf("agenda: %d %s\nwant %s", r.StatusCode, r.Body, want)
			}
		}
		// Minutes: a draft only for the organizers, then for everyone.
		minutes := func(tok string) meetings.MinutesOut {
			r := env.Client().JSON("GET", "/api/v1/meetings/"+id+"/minutes", tok, "")
			if r.StatusCode != 200 {
				t.Fatalf("minutes: %d %s", r.StatusCode, r.Body)
			}
			return decode[meetings.MinutesOut](t, r)
		}
		for who, tok := range map[string]string{"guest": "", "member": mtok} {
			if m := minutes(tok); m.Approved || len(m.Items) != 0 {
				t.Fatalf("%s reads draft minutes: %+v", who, m)
			}
		}
		if m := minutes(ctok); m.Approved || len(m.Items) != 2 || m.Items[0].Minutes != "Есеп тыңдалды." || m.Items[1].Minutes != "" {
			t.Fatalf("organizer's draft: %+v", m)
		}
		// Decisions: counts once closed.
		if _, err := svc.AddDecision(ctx, chair.User, mid, meetings.NewDecision{ItemID: first, Text: "Есеп бекітілсін.", Mode: "counted",
			For: 12, Against: 1, Abstain: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddDecision(ctx, chair.User, mid, meetings.NewDecision{ItemID: second, Text: "Делегаттар сайлансын.", Mode: "online"}); err != nil {
			t.Fatal(err)
		}
		// While an online vote runs, nobody sees its counts.
		if r := env.Client().JSON("GET", "/api/v1/meetings/"+id+"/decisions", ctok, ""); r.StatusCode != 200 ||
			!strings.Contains(r.Body, `"text":"Делегаттар сайлансын.","mode":"online","status":"voting","adopted":false}`) {
			t.Fatalf("decisions while voting: %d %s", r.StatusCode, r.Body)
		}
		env.Clock.Advance(25 * time.Hour) // the meeting has begun: its minutes can be approved
		if err := svc.ApproveMinutes(ctx, chair.User, mid); err != nil {
			t.Fatal(err)
		}
		if m := minutes(""); !m.Approved || m.ApprovedAt == nil || len(m.Items) != 2 || m.Items[0].Minutes != "Есеп тыңдалды." ||
			m.Items[0].AgendaItemID != fmt.Sprint(first) {
			t.Fatalf("approved minutes for a guest: %+v", m)
		}
		r := env.Client().JSON("GET", "/api/v1/meetings/"+id+"/decisions", "", "")
		if r.StatusCode != 200 || !strings.Contains(r.Body, fmt.Sprintf(`"agenda_item_id":"%d","text":"Есеп бекітілсін.","mode":"counted","status":"closed","for":12,"against":1,"abstain":2,"adopted":true`, first)) {
			t.Fatalf("decisions: %d %s", r.StatusCode, r.Body)
		}
		// Unknown meetings: 404 on each.
		for _, p := range []string{"agenda", "minutes", "decisions"} {
			for _, bad := range []string{"999999", "x"} {
				if r := env.Client().JSON("GET", "/api/v1/meetings/"+bad+"/"+p, "", ""); r.StatusCode != 404 {
					t.Fatalf("%s of meeting %s: %d %s", p, bad, r.StatusCode, r.Body)
				}
			}
		}
	})
}
