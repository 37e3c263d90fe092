package meetings_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// The link to join a meeting online is for those who may attend it (its
// organizers and those invited); the names of those who ask questions are
// for those who may see the organization's members (its members and
// officers). Guests and other people see neither, on the page, in the API
// and in calendars, whoever filled the page's shared parts first.
func TestMeetingLinkAndAskersOnlyForThoseAllowed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = 10 * time.Minute }})
		org := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		chair, member, outsider := env.NewPerson(), env.NewPerson(), env.NewPerson()
		env.Grant(chair, org, "moderator")
		env.Grant(member, org, "member")
		id := createMeeting(t, env, token(t, env, chair), org, "") // members only, hybrid
		open := createMeeting(t, env, token(t, env, chair), org, `,"invite":"anyone"`)
		const link = "meet.example.kz/x"
		for _, m := range []string{id, open} {
			r := env.Client().JSON("POST", "/api/v1/meetings/"+m+"/questions", token(t, env, member), `{"body":"Жастар орталығы қашан ашылады?"}`)
			if r.StatusCode != 201 {
				t.Fatalf("ask: %d %s", r.StatusCode, r.Body)
			}
		}
		clients := map[string]*apptest.Client{"guest": env.Client()}
		tokens := map[string]string{"guest": ""}
		for name, p := range map[string]apptest.Person{"chair": chair, "member": member, "outsider": outsider} {
			c := env.Client()
			c.SignIn(p)
			clients[name], tokens[name] = c, token(t, env, p)
		}
		cases := []struct {
			meeting, who string
			link, name   bool
		}{
			// Those allowed first: they fill the shared parts of the page.
			{id, "chair", true, true},
			{id, "member", true, true},
			{id, "outsider", false, false},
			{id, "guest", false, false},
			{open, "member", true, true},
			{open, "outsider", true, false}, // invited (anyone signed in), not a member
			{open, "guest", false, false},
		}
		for _, c := range cases {
			what := fmt.Sprintf("meeting %s, %s", c.meeting, c.who)
			for round := range 2 { // the second from the caches
				page := clients[c.who].Get("/kk/meetings/" + c.meeting)
				if page.StatusCode != 200 {
					t.Fatalf("%s: page %d", what, page.StatusCode)
				}
				if got := strings.Contains(page.Body, link); got != c.link {
					t.Errorf("%s (round %d): link on the page: %v", what, round, got)
				}
				if got := strings.Contains(page.Body, member.User.Name); got != c.name {
					t.Errorf("%s (round %d): the asker's name on the page: %v", what, round, got)
				}
				if !strings.Contains(page.Body, "Жастар орталығы қашан ашылады?") {
					t.Errorf("%s: the question is not on the page", what)
				}
			}
			r := env.Client().JSON("GET", "/api/v1/meetings/"+c.meeting, tokens[c.who], "")
			if got := strings.Contains(r.Body, link); r.StatusCode != 200 || got != c.link {
				t.Errorf("%s: API %d, link %v: %s", what, r.StatusCode, got, r.Body)
			}
			ics := clients[c.who].Get("/kk/meetings/" + c.meeting + "/meeting.ics")
			if got := strings.Contains(ics.Body, link); ics.StatusCode != 200 || got != c.link {
				t.Errorf("%s: calendar %d, link %v", what, ics.StatusCode, got)
			}
		}
		// A guest is told how to get the link.
		if r := clients["guest"].Get("/ru/meetings/" + id); !strings.Contains(r.Body, `id="online-url"`) || !strings.Contains(r.Body, "после входа") {
			t.Errorf("no hint for a guest")
		}
		// The organization's calendar, as a calendar app fetches it.
		if r := env.Client().Get(fmt.Sprintf("/kk/organizations/%d/meetings.ics", org)); r.StatusCode != 200 ||
			strings.Contains(r.Body, link) || strings.Count(r.Body, "BEGIN:VEVENT") != 2 {
			t.Errorf("feed: %d\n%s", r.StatusCode, r.Body)
		}
	})
}
