package meetings_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// With the page cache on, the meeting page's shared parts are rendered
// once and reused for everyone of the same kind, yet each reader still
// sees their own registration, their own upvotes and only the controls
// their role allows — whoever filled the cache first.
func TestMeetingPageFragmentsKeepEachReadersControls(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		// A long lifetime: the test must not depend on the machine's speed.
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.PageCacheTTL = 10 * time.Minute }})
		ctx := context.Background()
		org := env.NewOrg(0, "Орал қаласының бастауыш ұйымы")
		chair := env.NewPerson()
		env.Grant(chair, org, "moderator")
		id := createMeeting(t, env, token(t, env, chair), org, "")
		alice, bob := env.NewPerson(), env.NewPerson()
		env.Grant(alice, org, "member")
		env.Grant(bob, org, "member")
		var qs []int64
		for _, body := range []string{"Жастар орталығы қашан ашылады?", "Ауылға жол қашан салынады?"} {
			q := decode[map[string]any](t, env.Client().JSON("POST", "/api/v1/meetings/"+id+"/questions", token(t, env, bob), fmt.Sprintf(`{"body":%q}`, body)))
			var n int64
			fmt.Sscan(q["id"].(string), &n)
			qs = append(qs, n)
		}
		a, b, c, guest := env.Client(), env.Client(), env.Client(), env.Client()
		a.SignIn(alice)
		b.SignIn(bob)
		c.SignIn(chair)
		page := "/kk/meetings/" + id
		if r := a.PostForm(page+"/register", nil); r.StatusCode != 303 {
			t.Fatalf("register: %d", r.StatusCode)
		}
		if r := a.PostForm(fmt.Sprintf("%s/questions/%d/vote", page, qs[0]), nil); r.StatusCode != 303 {
			t.Fatalf("upvote: %d", r.StatusCode)
		}
		mine := func(body string, q int64) bool {
			return strings.Contains(body, fmt.Sprintf(`id="vote-%d"><input type="hidden" name="up" value="0">`, q))
		}
		upvote := func(body string, q int64) bool {
			return strings.Contains(body, fmt.Sprintf(`id="vote-%d"><button`, q))
		}
		moderate := func(body string) bool {
			return strings.Contains(body, "/moderate\"") || strings.Contains(body, `id="edit-meeting"`)
		}

		// The organizer fills the cache first; then Alice, then Bob.
		rc := c.Get(page)
		if rc.StatusCode != 200 || !moderate(rc.Body) || mine(rc.Body, qs[0]) || !upvote(rc.Body, qs[0]) {
			t.Fatalf("organizer's page: %d\n%s", rc.StatusCode, rc.Body)
		}
		ra := a.Get(page)
		if moderate(ra.Body) || !strings.Contains(ra.Body, `id="reg-status"`) || strings.Contains(ra.Body, `id="register"`) ||
			!mine(ra.Body, qs[0]) || !upvote(ra.Body, qs[1]) {
			t.Fatalf("Alice's page (registered, upvoted the first question):\n%s", ra.Body)
		}
		// The shared parts are cached now: a question written behind the
		// app's back does not show until something changes on this node.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO meeting_questions (meeting_id, author_id, body, created_at) VALUES (?, ?, 'Кэштен тыс сұрақ', ?)", id, bob.User.ID, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rb := b.Get(page)
		if strings.Contains(rb.Body, "Кэштен тыс сұрақ") {
			t.Fatal("the question list was not shared from the cache")
		}
		if moderate(rb.Body) || strings.Contains(rb.Body, `id="reg-status"`) || !strings.Contains(rb.Body, `id="register"`) ||
			mine(rb.Body, qs[0]) || !upvote(rb.Body, qs[0]) || !upvote(rb.Body, qs[1]) {
			t.Fatalf("Bob's page (not registered, no upvotes) after Alice's:\n%s", rb.Body)
		}
		rg := guest.Get(page)
		if moderate(rg.Body) || upvote(rg.Body, qs[0]) || mine(rg.Body, qs[0]) {
			t.Fatalf("a guest's page:\n%s", rg.Body)
		}
		if rc := c.Get(page); !moderate(rc.Body) || mine(rc.Body, qs[0]) {
			t.Fatal("the organizer lost the controls after members read the page")
		}
		// Bob registers and upvotes the second question: a change forgets the
		// fragments; each sees their own state.
		if r := b.PostForm(fmt.Sprintf("%s/questions/%d/vote", page, qs[1]), nil); r.StatusCode != 303 {
			t.Fatalf("Bob's upvote: %d", r.StatusCode)
		}
		rb = b.Get(page)
		if !strings.Contains(rb.Body, "Кэштен тыс сұрақ") || !mine(rb.Body, qs[1]) || mine(rb.Body, qs[0]) {
			t.Fatalf("Bob's page after his upvote:\n%s", rb.Body)
		}
		ra = a.Get(page)
		if !mine(ra.Body, qs[0]) || mine(ra.Body, qs[1]) || !upvote(ra.Body, qs[1]) {
			t.Fatalf("Alice's page after Bob's upvote:\n%s", ra.Body)
		}
		// Alice takes hers back.
		if r := a.PostForm(fmt.Sprintf("%s/questions/%d/vote", page, qs[0]), url.Values{"up": {"0"}}); r.StatusCode != 303 {
			t.Fatalf("unvote: %d", r.StatusCode)
		}
		if ra := a.Get(page); mine(ra.Body, qs[0]) || !upvote(ra.Body, qs[0]) {
			t.Fatal("Alice's upvote still shows after she took it back")
		}
	})
}
