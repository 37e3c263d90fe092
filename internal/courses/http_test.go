package courses_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
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

func decode[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.Body)
	}
	return v
}

type courseJSON struct {
	ID       string `json:"id"`
	Enrolled int    `json:"enrolled"`
	Waiting  int    `json:"waiting"`
	Online   string `json:"online_url"`
	Sessions []struct {
		ID       string    `json:"id"`
		StartsAt time.Time `json:"starts_at"`
	} `json:"sessions"`
}

// The API as DESIGN.md §4 names it: a course with its sessions,
// enrolments (self, by organizers, waiting list), attendance marked by a
// teacher, self check-in, the attendance list; errors as problems in the
// reader's language.
func TestCourseAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Шымкент Ассамблеясы")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		btok := token(t, env, boss)
		c := env.Client()
		now := env.Clock.Now()
		body := fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Мемлекеттік тіл","ru":"Государственный язык"},"description":{"kk":"Қауымдастық жетекшілеріне"},
			"capacity":1,"schedule":{"weekdays":["tue","thu"],"start_time":"18:00","minutes":90,"from":"%s","to":"%s"},
			"online_url":"https://meet.example.kz/kurs","certificate_threshold":80}`, org, day(now, 0), day(now, 27))
		r := c.JSON("POST", "/api/v1/courses", btok, body)
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		course := decode[courseJSON](t, r)
		if len(course.Sessions) != 8 || course.Sessions[0].StartsAt.In(i18n.Almaty).Format("15:04") != "18:00" {
			t.Fatalf("sessions: %+v", course.Sessions)
		}
		// Bad schedule: a field error in English for an English reader.
		bad := strings.Replace(body, `"start_time":"18:00"`, `"start_time":"25:61"`, 1)
		req := c.JSON("POST", "/api/v1/courses", btok, bad)
		if req.StatusCode != 422 || !strings.Contains(req.Body, `"field":"schedule.start_time"`) {
			t.Fatalf("bad time: %d %s", req.StatusCode, req.Body)
		}
		// Nobody but organizers creates.
		stranger := env.NewPerson()
		if r := c.JSON("POST", "/api/v1/courses", token(t, env, stranger), body); r.StatusCode != 403 {
			t.Fatalf("stranger creates: %d", r.StatusCode)
		}
		// Guests see the course, not its online link.
		if g := decode[courseJSON](t, c.Get("/api/v1/courses/"+course.ID)); g.Online != "" || len(g.Sessions) != 8 {
			t.Fatalf("guest sees %+v", g)
		}
		a, b := env.NewPerson(), env.NewPerson()
		atok, btok2 := token(t, env, a), token(t, env, b)
		if r := c.JSON("POST", "/api/v1/courses/"+course.ID+"/enrolments", atok, `{}`); r.StatusCode != 201 || !strings.Contains(r.Body, `"status":"enrolled"`) {
			t.Fatalf("a enrols: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", "/api/v1/courses/"+course.ID+"/enrolments", btok2, ``); r.StatusCode != 201 || !strings.Contains(r.Body, `"status":"waitlisted","position":1`) {
			t.Fatalf("b enrols: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", "/api/v1/courses/"+course.ID+"/enrolments", atok, `{}`); r.StatusCode != 409 {
			t.Fatalf("a twice: %d %s", r.StatusCode, r.Body)
		}
		if g := decode[courseJSON](t, c.JSON("GET", "/api/v1/courses/"+course.ID, atok, "")); g.Online != "https://meet.example.kz/kurs" || g.Enrolled != 1 || g.Waiting != 1 {
			t.Fatalf("a sees %+v", g)
		}
		// Organizers enrol members only; a member then waits.
		member := env.NewPerson()
		env.Grant(member, org, "member")
		if r := c.JSON("POST", "/api/v1/courses/"+course.ID+"/enrolments", btok, fmt.Sprintf(`{"person_id":"%d"}`, stranger.User.ID)); r.StatusCode != 422 {
			t.Fatalf("organizer enrols a stranger: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", "/api/v1/courses/"+course.ID+"/enrolments", btok, fmt.Sprintf(`{"person_id":"%d"}`, member.User.ID)); r.StatusCode != 201 || !strings.Contains(r.Body, `"position":2`) {
			t.Fatalf("organizer enrols a member: %d %s", r.StatusCode, r.Body)
		}
		// a leaves; b is offered the seat and accepts it.
		if r := c.JSON("DELETE", fmt.Sprintf("/api/v1/courses/%s/enrolments/%d", course.ID, a.User.ID), atok, ""); r.StatusCode != 200 {
			t.Fatalf("a leaves: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("PUT", "/api/v1/courses/"+course.ID+"/offer", btok2, `{"answer":"accept"}`); r.StatusCode != 200 || !strings.Contains(r.Body, `"status":"enrolled"`) {
			t.Fatalf("b accepts: %d %s", r.StatusCode, r.Body)
		}
		// Attendance: the organizer marks; b checks in to the session
		// open now (today's if today is a Tuesday or Thursday — move the
		// first session to now to be sure).
		sid := course.Sessions[0].ID
		if r := c.JSON("PUT", "/api/v1/sessions/"+sid, btok, fmt.Sprintf(`{"starts_at":"%s","minutes":90}`, now.Add(-5*time.Minute).Format(time.RFC3339))); r.StatusCode != 200 {
			t.Fatalf("move: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("PUT", "/api/v1/sessions/"+sid+"/attendance", btok, fmt.Sprintf(`{"person_id":"%d","status":"maybe"}`, b.User.ID)); r.StatusCode != 422 {
			t.Fatalf("bad status: %d %s", r.StatusCode, r.Body)
		}
		var sidN int64
		fmt.Sscan(sid, &sidN)
		code, _, err := env.App.Courses.Code(context.Background(), boss.User, sidN)
		if err != nil {
			t.Fatal(err)
		}
		if r := c.JSON("POST", "/api/v1/sessions/"+sid+"/checkin", token(t, env, stranger), fmt.Sprintf(`{"code":%q}`, code)); r.StatusCode != 403 {
			t.Fatalf("stranger checks in: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("POST", "/api/v1/sessions/"+sid+"/checkin", btok2, fmt.Sprintf(`{"code":%q}`, code)); r.StatusCode != 200 || !strings.Contains(r.Body, `"already":false`) {
			t.Fatalf("b checks in: %d %s", r.StatusCode, r.Body)
		}
		r = c.JSON("GET", "/api/v1/courses/"+course.ID+"/attendance", btok, "")
		if r.StatusCode != 200 || !strings.Contains(r.Body, fmt.Sprintf(`"person_id":"%d"`, b.User.ID)) || !strings.Contains(r.Body, `"present":1,"sessions":1,"rate":1`) {
			t.Fatalf("attendance: %d %s", r.StatusCode, r.Body)
		}
		if r := c.JSON("GET", "/api/v1/courses/"+course.ID+"/attendance", btok2, ""); r.StatusCode != 403 {
			t.Fatalf("a learner reads attendance: %d", r.StatusCode)
		}
		// The search finds the course in another spelling.
		if r := c.Get("/api/v1/search?kind=course&q=" + url.QueryEscape("memlekettik til")); r.StatusCode != 200 || !strings.Contains(r.Body, `/courses/`+course.ID+`"`) {
			t.Fatalf("search: %d %s", r.StatusCode, r.Body)
		}
		if r := c.Get("/api/v1/courses?organization_id=" + fmt.Sprint(org)); r.StatusCode != 200 || !strings.Contains(r.Body, `"id":"`+course.ID+`"`) {
			t.Fatalf("list: %d %s", r.StatusCode, r.Body)
		}
	})
}

var codeRe = regexp.MustCompile(`id="code" class="code">([A-Z0-9]{6})<`)

// The pages, without JavaScript: a course page; enrolling by a form; the
// teacher's list marks a learner with one button; the code screen shows a
// QR code and the code, and reloads itself; the learner types it; the
// sheet and its XLSX; the calendar; a waiting person accepts an offer.
func TestCoursePages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Шымкент Ассамблеясы")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		bc := env.Client()
		bc.SignIn(boss)
		now := env.Clock.Now()
		// The organization is named by typing its name (web.Pick), not by its number.
		f := url.Values{"org_id_q": {"Шымкент Ассамблеясы"}, "org_id": {""}, "title_kk": {"Шеберлік сабағы"}, "capacity": {"1"}, "weekdays": {"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
			"start_time": {now.Add(-5 * time.Minute).In(i18n.Almaty).Format("15:04")}, "minutes": {"60"}, "from": {day(now, 0)}, "to": {day(now, 6)},
			"place": {"Шымкент, Достық үйі"}, "threshold": {"80"}, "offer_hours": {"24"}}
		bad := url.Values{}
		for k, v := range f {
			bad[k] = v
		}
		bad.Set("to", day(now, -3))
		if r := bc.PostForm("/en/courses", bad); r.StatusCode != 422 || !strings.Contains(r.Body, "The last day is before the first.") {
			t.Fatalf("bad dates: %d %.500s", r.StatusCode, r.Body)
		}
		nobody := url.Values{}
		for k, v := range f {
			nobody[k] = v
		}
		nobody.Set("org_id_q", "Мұндай ұйым жоқ")
		if r := bc.PostForm("/kk/courses", nobody); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-org_id"`) || !strings.Contains(r.Body, "Мұндай ұйым жоқ") {
			t.Fatalf("an organization nobody has: %d %.500s", r.StatusCode, r.Body)
		}
		r := bc.PostForm("/kk/courses", f)
		if r.StatusCode != 303 {
			t.Fatalf("create: %d %.800s", r.StatusCode, r.Body)
		}
		page := r.Header.Get("Location")
		var id int64
		fmt.Sscanf(page, "/kk/courses/%d", &id)
		if id == 0 {
			t.Fatalf("location %q", page)
		}
		learner, waiter := env.NewPerson(), env.NewPerson()
		lc, wc := env.Client(), env.Client()
		lc.SignIn(learner)
		wc.SignIn(waiter)
		if r := lc.PostForm(page+"/enrol", nil); r.StatusCode != 303 {
			t.Fatalf("enrol: %d %s", r.StatusCode, r.Body)
		}
		if r := wc.PostForm(page+"/enrol", nil); r.StatusCode != 303 {
			t.Fatalf("wait: %d", r.StatusCode)
		}
		if r := wc.Get(page); !strings.Contains(r.Body, `id="enrol-status"`) || !strings.Contains(r.Body, "кезегіңіз — 1") {
			t.Fatalf("waiting page: %.2000s", r.Body)
		}
		if r := lc.PostForm(page+"/enrol", nil); r.StatusCode != 409 || !strings.Contains(r.Body, "жазылғансыз") {
			t.Fatalf("twice: %d %.300s", r.StatusCode, r.Body)
		}
		sessions, err := env.App.Courses.Sessions(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		sp := fmt.Sprintf("%s/sessions/%d", page, sessions[0].ID)
		// The teacher's list, and marking with one button.
		if r := lc.Get(sp); r.StatusCode != 403 {
			t.Fatalf("learner opens the list: %d", r.StatusCode)
		}
		if r := bc.Get(sp); r.StatusCode != 200 || !strings.Contains(r.Body, fmt.Sprintf(`id="p-%d"`, learner.User.ID)) {
			t.Fatalf("list: %d %.1000s", r.StatusCode, r.Body)
		}
		if r := bc.PostForm(sp+"/attendance", url.Values{"person_id": {fmt.Sprint(learner.User.ID)}, "status": {"absent"}}); r.StatusCode != 303 {
			t.Fatalf("mark: %d %s", r.StatusCode, r.Body)
		}
		// The code screen.
		r = bc.Get(sp + "/code")
		m := codeRe.FindStringSubmatch(r.Body)
		if r.StatusCode != 200 || m == nil || !strings.Contains(r.Body, "<svg") || r.Header.Get("Refresh") == "" {
			t.Fatalf("code screen: %d %q %.1500s", r.StatusCode, r.Header.Get("Refresh"), r.Body)
		}
		// A wrong code: the form again with the message next to the field.
		if r := lc.PostForm(page+"/checkin", url.Values{"code": {"XXXXXX"}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-code"`) {
			t.Fatalf("wrong code: %d %.1500s", r.StatusCode, r.Body)
		}
		if r := lc.PostForm(page+"/checkin", url.Values{"code": {strings.ToLower(m[1])}}); r.StatusCode != 303 {
			t.Fatalf("check in: %d %.1500s", r.StatusCode, r.Body)
		}
		if r := bc.Get(sp); !strings.Contains(r.Body, `data-status="present"`) {
			t.Fatalf("not present after check-in: %.2000s", r.Body)
		}
		// The learner's data export has the course and the mark.
		if r := lc.Get("/kk/profile/export"); r.StatusCode != 200 || !strings.Contains(r.Body, `"courses"`) || !strings.Contains(r.Body, `"via": "checkin"`) {
			t.Fatalf("export: %d %.2000s", r.StatusCode, r.Body)
		}
		// The sheet, the spreadsheet and the calendar.
		r = bc.Get(page + "/attendance")
		if r.StatusCode != 200 || !strings.Contains(r.Body, `id="sheet"`) || !strings.Contains(r.Body, learner.User.Name) {
			t.Fatalf("sheet: %d %.1000s", r.StatusCode, r.Body)
		}
		// The learner's line: checked in (present) at the first session.
		if _, row, _ := strings.Cut(r.Body, `<th scope="row">`+learner.User.Name+"</th>"); !strings.HasPrefix(row, "<td>") ||
			!strings.Contains(row[:strings.Index(row, "</tr>")], "<td>+") {
			t.Fatalf("the learner's line: %.300s", row)
		}
		// Read again (the sheet kept): the course with what the copy
		// depends on, whether the reader teaches it and the reader's role,
		// in one statement (each is a round trip on PostgreSQL).
		if r := bc.Get(page + "/attendance"); r.Statements() != 1 {
			t.Errorf("the kept sheet: %d statements, want 1 (%s)", r.Statements(), r.Header.Get("Server-Timing"))
		}
		if r := bc.Get(page + "/attendance.xlsx"); r.StatusCode != 200 || !strings.HasPrefix(r.Body, "PK") {
			t.Fatalf("xlsx: %d", r.StatusCode)
		}
		if r := lc.Get(page + "/attendance.xlsx"); r.StatusCode != 403 {
			t.Fatalf("learner xlsx: %d", r.StatusCode)
		}
		if r := env.Client().Get(page + "/course.ics"); r.StatusCode != 200 || strings.Count(r.Body, "BEGIN:VEVENT") != 7 {
			t.Fatalf("ics: %d %s", r.StatusCode, r.Body)
		}
		// The learner leaves; the waiting person is offered the seat and accepts.
		if r := lc.PostForm(page+"/leave", nil); r.StatusCode != 303 {
			t.Fatalf("leave: %d", r.StatusCode)
		}
		if r := wc.Get(page); !strings.Contains(r.Body, `id="accept"`) {
			t.Fatalf("no offer: %.2000s", r.Body)
		}
		if r := wc.PostForm(page+"/offer", url.Values{"answer": {"accept"}}); r.StatusCode != 303 {
			t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
		}
		if r := wc.Get(page); !strings.Contains(r.Body, "Сіз курсқа жазылдыңыз.") {
			t.Fatalf("not enrolled: %.2000s", r.Body)
		}
		if r := wc.Get("/kk/me"); !strings.Contains(r.Body, `id="me-courses"`) || !strings.Contains(r.Body, "Шеберлік сабағы") {
			t.Fatalf("home has no course: %.3000s", r.Body)
		}
		if r := env.Client().Get("/ru/courses"); r.StatusCode != 200 || !strings.Contains(r.Body, "Шеберлік сабағы") {
			t.Fatalf("list: %d", r.StatusCode)
		}
	})
}

func upload(t *testing.T, c *apptest.Client, env *apptest.Env, path, csv string) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "learners.csv")
	fw.Write([]byte(csv))
	mw.Close()
	req, _ := http.NewRequest("POST", env.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// Organizers enrol people from a file, all or nothing: a file with bad
// rows (a stranger, a minor, a duplicate, no address) is refused with
// every bad row reported and nothing written; a good one enrols in file
// order, seats first; the same file again changes nothing.
func TestImportEnrolments(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		org := env.NewOrg(0, "Желілік академия")
		boss := env.NewPerson()
		env.Grant(boss, org, "moderator")
		bc := env.Client()
		bc.SignIn(boss)
		c, _ := newCourse(t, env, org, boss, 2, 10, nil)
		var members []apptest.Person
		for range 3 {
			p := env.NewPerson()
			env.Grant(p, org, "member")
			members = append(members, p)
		}
		minor := env.NewPerson("minor")
		env.Grant(minor, org, "member")
		stranger := env.NewPerson()
		path := fmt.Sprintf("/kk/courses/%d/enrolments/import", c.ID)
		bad := fmt.Sprintf("Аты-жөні;Электрондық пошта\nА;%s\nБ;%s\nВ;%s\nГ;%s\nД;\n", members[0].Email, stranger.Email, minor.Email, strings.ToUpper(members[0].Email))
		r := upload(t, bc, env, path, bad)
		if r.StatusCode != 422 {
			t.Fatalf("bad file: %d %.500s", r.StatusCode, r.Body)
		}
		for _, want := range []string{"3-жол: Ұйым мүшесі емес", "4-жол: Заңды өкілінің", "5-жол: 2-жолдағы адаммен бірдей", "6-жол: Электрондық пошта"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if n := counts(t, d, c.ID); n != "enrolments 0, marks 0, taken 0" {
			t.Fatalf("a refused file wrote: %s", n)
		}
		// Through the API: the same report as problem fields with rows.
		api := upload(t, env.Client(), env, fmt.Sprintf("/api/v1/courses/%d/enrolments/import", c.ID), bad)
		if api.StatusCode != 401 {
			t.Fatalf("guest import: %d", api.StatusCode)
		}
		good := "email\n" + members[0].Email + "\n" + members[1].Email + "\n" + members[2].Email + "\n"
		if r := upload(t, bc, env, path, good); r.StatusCode != 303 {
			t.Fatalf("good file: %d %.500s", r.StatusCode, r.Body)
		}
		for i, want := range []string{courses.Enrolled, courses.Enrolled, courses.Waiting} {
			if e, _ := env.App.Courses.Mine(context.Background(), members[i].User, c.ID); e.Status != want {
				t.Errorf("member %d: %+v", i, e)
			}
		}
		res, err := env.App.Courses.ImportEnrolments(context.Background(), boss.User, c.ID, []byte(good))
		if err != nil || res != (courses.ImportResult{Unchanged: 3}) {
			t.Fatalf("again: %+v %v", res, err)
		}
	})
}

// An organizer enrols a member by typing their name, not their number:
// one match is enrolled; a name several share comes back with a button
// for each; a name nobody in the organization has is a field error.
func TestOrganizerEnrolsByName(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env, org, boss := start(t, d, "Шымкент Ассамблеясы")
		c, _ := newCourse(t, env, org, boss, 10, 10, nil)
		a, b := env.NewPerson(), env.NewPerson()
		env.Grant(a, org, "member")
		env.Grant(b, org, "member")
		stranger := env.NewPerson()
		bc := env.Client()
		bc.SignIn(boss)
		page := fmt.Sprintf("/kk/courses/%d", c.ID)
		if r := bc.PostForm(page+"/enrol", url.Values{"person_q": {stranger.User.Name}}); r.StatusCode != 422 || !strings.Contains(r.Body, `id="e-person_q"`) {
			t.Fatalf("a stranger's name: %d %.500s", r.StatusCode, r.Body)
		}
		r := bc.PostForm(page+"/enrol", url.Values{"person_q": {"Қатысушы"}})
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="enrol-matches"`) ||
			!strings.Contains(r.Body, fmt.Sprintf(`name="person_id" value="%d"`, a.User.ID)) || !strings.Contains(r.Body, fmt.Sprintf(`name="person_id" value="%d"`, b.User.ID)) ||
			strings.Contains(r.Body, fmt.Sprintf(`name="person_id" value="%d"`, stranger.User.ID)) {
			t.Fatalf("a shared name: %d %.800s", r.StatusCode, r.Body)
		}
		if r := bc.PostForm(page+"/enrol", url.Values{"person_q": {a.User.Name}}); r.StatusCode != 303 {
			t.Fatalf("one member's name: %d %.500s", r.StatusCode, r.Body)
		}
		if r := bc.PostForm(page+"/enrol", url.Values{"person_id": {fmt.Sprint(b.User.ID)}}); r.StatusCode != 303 {
			t.Fatalf("a match's button: %d %.500s", r.StatusCode, r.Body)
		}
		var enrolled int
		if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM course_enrolments WHERE course_id = ? AND user_id IN (?, ?) AND status = 'enrolled'", c.ID, a.User.ID, b.User.ID).Scan(&enrolled); err != nil {
			t.Fatal(err)
		}
		if enrolled != 2 {
			t.Fatalf("enrolled %d of the two members", enrolled)
		}
	})
}
