package orgs_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
)

// Issue 15, item 5: a person asks to join an organization that takes
// members; its administrators accept or decline; the person is told.
func TestJoinRequestAcceptDecline(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		svc := f.env.App.Orgs // the wired service: it tells people
		club := f.mustCreate(t, 0, "ngo", "Жастар клубы", "")
		admin, _ := f.orgAdmin(t, club.ID)
		asker := f.env.NewPerson()
		other := f.env.NewPerson()

		// Closed by default: a request is refused with the reason.
		if _, err := svc.RequestJoin(ctx, asker.User, club.ID, ""); errs.CodeOf(err) != errs.Conflict || keyOf(err) != "orgs.join.closed" {
			t.Fatalf("a closed organization: %v", err)
		}
		// Only its administrators open it.
		if err := svc.SetTakesMembers(ctx, asker.User, club.ID, true); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a stranger opens it: %v", err)
		}
		if err := svc.SetTakesMembers(ctx, admin.User, club.ID, true); err != nil {
			t.Fatal(err)
		}
		r, err := svc.RequestJoin(ctx, asker.User, club.ID, "  Мен волонтермін  ")
		if err != nil || r.Status != "pending" || r.Message != "Мен волонтермін" {
			t.Fatalf("request: %+v %v", r, err)
		}
		// A second open request is refused plainly.
		if _, err := svc.RequestJoin(ctx, asker.User, club.ID, ""); errs.CodeOf(err) != errs.Conflict || keyOf(err) != "orgs.join.already_requested" {
			t.Fatalf("second request: %v", err)
		}
		// The administrators are told, and see it; others may not list it.
		if n := notes(t, d, admin.User.ID, "org_join_request"); n != 1 {
			t.Fatalf("administrator told %d times", n)
		}
		if _, err := svc.JoinRequests(ctx, other.User, club.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a stranger lists requests: %v", err)
		}
		list, err := svc.JoinRequests(ctx, admin.User, club.ID)
		if err != nil || len(list) != 1 || list[0].PersonID != asker.User.ID || list[0].Name != asker.User.Name {
			t.Fatalf("requests: %+v %v", list, err)
		}
		if _, err := svc.AnswerJoin(ctx, other.User, club.ID, r.ID, true); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a stranger accepts: %v", err)
		}
		if _, err := svc.AnswerJoin(ctx, admin.User, club.ID, r.ID, true); err != nil {
			t.Fatal(err)
		}
		// A member by their own act: counted, contact data visible, told, audited.
		var source string
		if err := d.QueryRow(ctx, "SELECT source FROM memberships WHERE org_id = ? AND user_id = ? AND role = 'member'", club.ID, asker.User.ID).Scan(&source); err != nil || source != "self" {
			t.Fatalf("membership source %q %v", source, err)
		}
		if got, _ := svc.Get(ctx, club.ID); got.MemberCount != 1 {
			t.Fatalf("member count %d", got.MemberCount)
		}
		if n := notes(t, d, asker.User.ID, "org_join_accepted"); n != 1 {
			t.Fatalf("person told %d times of acceptance", n)
		}
		if n := audits(t, d, club.ID, "orgs.join.accept"); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
		if _, err := svc.AnswerJoin(ctx, admin.User, club.ID, r.ID, false); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("answering twice: %v", err)
		}
		// A member cannot ask again.
		if _, err := svc.RequestJoin(ctx, asker.User, club.ID, ""); keyOf(err) != "orgs.join.already_member" {
			t.Fatalf("a member asks: %v", err)
		}

		// Declined: no membership, told, audited; may ask again later.
		r2, err := svc.RequestJoin(ctx, other.User, club.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AnswerJoin(ctx, admin.User, club.ID, r2.ID, false); err != nil {
			t.Fatal(err)
		}
		if countOf(t, d, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND user_id = ?", club.ID, other.User.ID) != 0 {
			t.Fatal("declined but a member")
		}
		if notes(t, d, other.User.ID, "org_join_declined") != 1 || audits(t, d, club.ID, "orgs.join.decline") != 1 {
			t.Fatal("decline not told or not audited")
		}
		// Withdrawn by the person.
		if _, err := svc.RequestJoin(ctx, other.User, club.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.WithdrawJoin(ctx, other.User, club.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := svc.JoinRequests(ctx, admin.User, club.ID); len(list) != 0 {
			t.Fatalf("withdrawn still listed: %+v", list)
		}
	})
}

// A minor without a guardian's consent cannot ask, and one who asked
// before (as an adult's account cannot become a minor's, this is a request
// row written directly) cannot be accepted while limited.
func TestJoinLimitedMinor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		svc := f.env.App.Orgs
		club := f.mustCreate(t, 0, "ngo", "Мектеп клубы", "")
		admin, _ := f.orgAdmin(t, club.ID)
		if err := svc.SetTakesMembers(ctx, admin.User, club.ID, true); err != nil {
			t.Fatal(err)
		}
		minor := f.env.NewPerson("minor")
		if !minor.User.Limited() {
			t.Fatal("the minor is not limited")
		}
		if _, err := svc.RequestJoin(ctx, minor.User, club.ID, ""); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("a limited minor asks: %v", err)
		}
		var id int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO org_join_requests (org_id, user_id, status, created_at) VALUES (?, ?, 'pending', ?) RETURNING id`,
				club.ID, minor.User.ID, tx.Now).Scan(&id)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AnswerJoin(ctx, admin.User, club.ID, id, true); errs.CodeOf(err) != errs.ConsentRequired {
			t.Fatalf("accepting a limited minor: %v", err)
		}
		if countOf(t, d, "SELECT COUNT(*) FROM memberships WHERE user_id = ?", minor.User.ID) != 0 {
			t.Fatal("a limited minor became a member")
		}
	})
}

// Many requests at once from one person leave one open request; the rest
// are told it is already there.
func TestJoinRequestsConcurrent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		svc := f.env.App.Orgs
		club := f.mustCreate(t, 0, "ngo", "Дебат клубы", "")
		admin, _ := f.orgAdmin(t, club.ID)
		if err := svc.SetTakesMembers(ctx, admin.User, club.ID, true); err != nil {
			t.Fatal(err)
		}
		asker := f.env.NewPerson()
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, conflicts := 0, 0
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := svc.RequestJoin(ctx, asker.User, club.ID, "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case keyOf(err) == "orgs.join.already_requested":
					conflicts++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || conflicts != 15 {
			t.Fatalf("%d requests stored, %d refused; want 1 and 15", ok, conflicts)
		}
	})
}

// The pages and the API: a person asks from the organization's page (the
// form keeps the note when refused), the administrator sees the request on
// the member page and on their home, accepts it; the API answers 201, 409.
func TestJoinPagesAndAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		env := f.env
		club := f.mustCreate(t, 0, "ngo", "Ақтөбе жастар клубы", "")
		admin, tok := f.orgAdmin(t, club.ID)
		base := fmt.Sprintf("/en/organizations/%d", club.ID)

		ac := env.Client()
		ac.SignIn(admin)
		if r := ac.PostForm(base+"/joining", url.Values{"takes_members": {"1"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d %s", r.StatusCode, r.Body)
		}
		asker := env.NewPerson()
		pc := env.Client()
		pc.SignIn(asker)
		if r := pc.Get(base); !strings.Contains(r.Body, `id="join-link"`) {
			t.Fatalf("the organization's page offers no way to join:\n%s", r.Body)
		}
		long := strings.Repeat("я", 1001)
		r := pc.PostForm(base+"/join", url.Values{"message": {long}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, long) {
			t.Fatalf("a too long note: %d, kept: %v", r.StatusCode, strings.Contains(r.Body, long))
		}
		if r := pc.PostForm(base+"/join", url.Values{"message": {"Hello"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("join: %d %s", r.StatusCode, r.Body)
		}
		r = pc.PostForm(base+"/join", url.Values{"message": {"Again"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "already asked") {
			t.Fatalf("second request: %d\n%s", r.StatusCode, r.Body)
		}
		if r := ac.Get("/en/me"); !strings.Contains(r.Body, `id="me-joins"`) || !strings.Contains(r.Body, "1 request to join is waiting") {
			t.Fatalf("the administrator's home shows no request:\n%s", r.Body)
		}
		page := ac.Get(base + "/members")
		if !strings.Contains(page.Body, asker.User.Name) || !strings.Contains(page.Body, "Hello") {
			t.Fatalf("member page without the request:\n%s", page.Body)
		}
		var rid int64
		if err := d.QueryRow(ctx, "SELECT id FROM org_join_requests WHERE org_id = ? AND status = 'pending'", club.ID).Scan(&rid); err != nil {
			t.Fatal(err)
		}
		if r := ac.PostForm(fmt.Sprintf("%s/join-requests/%d/accept", base, rid), nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
		}
		if r := pc.Get(base + "/join"); !strings.Contains(r.Body, "You are a member") {
			t.Fatalf("after acceptance:\n%s", r.Body)
		}
		// The person's data export has their request.
		if r := pc.Get("/en/profile/export"); !strings.Contains(r.Body, `"join_requests"`) || !strings.Contains(r.Body, `"Hello"`) ||
			!strings.Contains(r.Body, `"accepted"`) {
			t.Fatalf("export:\n%s", r.Body)
		}

		// The API.
		other := env.NewPerson()
		otok, err := env.App.Auth.CreateToken(ctx, other.User, "script", other.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		api := fmt.Sprintf("/api/v1/organizations/%d/join-requests", club.ID)
		if r := c.JSON("POST", api, otok, `{"message":"hi"}`); r.StatusCode != http.StatusCreated || !strings.Contains(r.Body, `"status":"pending"`) {
			t.Fatalf("API request: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", api, otok, `{}`); r.StatusCode != http.StatusConflict {
			t.Fatalf("API second request: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("GET", api, otok, ""); r.StatusCode != http.StatusForbidden {
			t.Fatalf("API list by a stranger: %d", r.StatusCode)
		}
		r = c.JSON("GET", api, tok, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, other.User.Name) {
			t.Fatalf("API list: %d %s", r.StatusCode, r.Body)
		}
		if err := d.QueryRow(ctx, "SELECT id FROM org_join_requests WHERE org_id = ? AND status = 'pending'", club.ID).Scan(&rid); err != nil {
			t.Fatal(err)
		}
		if r := c.JSON("POST", fmt.Sprintf("%s/%d/decline", api, rid), tok, ""); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"declined"`) {
			t.Fatalf("API decline: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("PUT", fmt.Sprintf("/api/v1/organizations/%d/joining", club.ID), tok, `{"takes_members":false}`); r.StatusCode != http.StatusOK {
			t.Fatalf("API close: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", api, otok, `{}`); r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "өтінім қабылдамайды") {
			t.Fatalf("API request to a closed organization: %d %s", r.StatusCode, r.Body)
		}
	})
}

func keyOf(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Key
	}
	return ""
}

func notes(t *testing.T, d *db.DB, userID int64, kind string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?", userID, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func audits(t *testing.T, d *db.DB, orgID int64, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ? AND action = ?", orgID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countOf(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Invitations wait on the person's home and are answered there (issue 15,
// item 5); a minor waiting for consent is told why not yet.
func TestInvitationAnsweredFromHome(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		env := f.env
		club := f.mustCreate(t, 0, "ngo", "Шахмат клубы", "")
		invite := func(uid int64) int64 {
			var id int64
			if err := d.Write(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO org_invitations (org_id, target, user_id, role, status, created_at, expires_at)
					VALUES (?, ?, ?, 'member', 'pending', ?, ?) RETURNING id`, club.ID, fmt.Sprintf("#%d", uid), uid, tx.Now,
					tx.Now.AddDate(0, 0, 30)).Scan(&id)
			}); err != nil {
				t.Fatal(err)
			}
			return id
		}
		p := env.NewPerson()
		id := invite(p.User.ID)
		c := env.Client()
		c.SignIn(p)
		home := c.Get("/en/me").Body
		accept := fmt.Sprintf(`action="/en/invitations/%d/accept"`, id)
		if !strings.Contains(home, `id="me-invitations"`) || !strings.Contains(home, accept) {
			t.Fatalf("home without the invitation's buttons:\n%s", home)
		}
		r := c.PostForm(fmt.Sprintf("/en/invitations/%d/accept", id), url.Values{"next": {"/me"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/en/me" {
			t.Fatalf("accept from home: %d → %q", r.StatusCode, r.Header.Get("Location"))
		}
		if countOf(t, d, "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND user_id = ? AND source = 'invitation'", club.ID, p.User.ID) != 1 {
			t.Fatal("not a member after accepting")
		}
		minor := env.NewPerson("minor")
		invite(minor.User.ID)
		mc := env.Client()
		mc.SignIn(minor)
		home = mc.Get("/en/me").Body
		if !strings.Contains(home, "once your parent or guardian has consented") || strings.Contains(home, "/accept\"") {
			t.Fatalf("a limited minor's home:\n%s", home)
		}
	})
}
