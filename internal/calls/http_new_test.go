package calls_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// newCallForm is a complete draft of a call of org with two questions and
// one stage held by two districts.
func newCallForm(org, d1, d2 int64) url.Values {
	return url.Values{
		"organization_id": {fmt.Sprint(org)}, "kind": {"festival"},
		"title.kk": {"Достық керуені фестивалі"}, "title.ru": {"Фестиваль «Караван дружбы»"},
		"description.kk": {"Аудандық іріктеу"}, "age_min": {"14"}, "age_max": {"29"}, "regions": {"KZ-10", "KZ-11"},
		"form.0.label.kk": {"Нөміріңіздің атауы"}, "form.0.type": {"text"}, "form.0.required": {"1"}, "form.0.key": {"act"},
		"form.1.label.kk": {"Жанр"}, "form.1.type": {"choice"}, "form.1.options": {"Ән\r\nБи\r\n\r\nКүй"},
		"stages.0.title.kk": {"Аудандық кезең"},
		"stages.0.opens_at": {"2030-03-01T09:00"}, "stages.0.closes_at": {"2030-03-20T18:00"},
		"stages.0.advance": {"2"}, "stages.0.jurors_per_application": {"2"}, "stages.0.normalization": {"zscore"},
		"stages.0.blind":    {"1"},
		"stages.0.hosts":    {fmt.Sprint(d1), fmt.Sprint(d2)},
		"stages.0.criteria": {"Орындау шеберлігі; 2; 10\nСахна мәдениеті; 1; 5"},
	}
}

func TestNewCallFormBuildsAndCreates(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		region := env.NewOrg(0, "Облыстық жастар қанаты")
		d1, d2 := env.NewOrg(region, "Бірінші аудан"), env.NewOrg(region, "Екінші аудан")
		organizer, stranger := env.NewPerson(), env.NewPerson()
		env.Grant(organizer, region, "moderator")
		c := env.Client()
		c.SignIn(organizer)

		// Reachable from the call list and the organization's page.
		if r := c.Get("/kk/calls"); !strings.Contains(r.Body, `href="/kk/calls/new"`) {
			t.Fatalf("call list has no link to the form: %d", r.StatusCode)
		}
		if r := c.Get(fmt.Sprintf("/kk/organizations/%d", region)); !strings.Contains(r.Body, fmt.Sprintf(`/kk/calls/new?organization_id=%d`, region)) {
			t.Fatalf("organization page has no link to the form: %d", r.StatusCode)
		}
		r := c.Get("/kk/calls/new")
		if r.StatusCode != 200 || !strings.Contains(r.Body, fmt.Sprintf(`<option value="%d">`, region)) {
			t.Fatalf("choice of organizations: %d", r.StatusCode)
		}
		r = c.Get(fmt.Sprintf("/kk/calls/new?organization_id=%d", region))
		if r.StatusCode != 200 || !strings.Contains(r.Body, `id="call-form"`) || !strings.Contains(r.Body, "Екінші аудан") {
			t.Fatalf("form: %d", r.StatusCode)
		}

		// The builder: adding, moving and removing questions keeps every typed value.
		f := newCallForm(region, d1, d2)
		f.Set("op", "add_question")
		r = c.PostForm("/kk/calls/new", f)
		if r.StatusCode != 200 || !strings.Contains(r.Body, `name="form.2.label.kk"`) || !strings.Contains(r.Body, `value="Достық керуені фестивалі"`) ||
			!strings.Contains(r.Body, "Орындау шеберлігі; 2; 10") {
			t.Fatalf("add a question: %d", r.StatusCode)
		}
		f.Set("op", "up_question.1")
		r = c.PostForm("/kk/calls/new", f)
		if i, j := strings.Index(r.Body, `value="Жанр"`), strings.Index(r.Body, `value="Нөміріңіздің атауы"`); i < 0 || j < 0 || i > j ||
			!strings.Contains(r.Body, `id="f-form-0-label-kk" name="form.0.label.kk" lang="kk" value="Жанр"`) {
			t.Fatalf("moving a question up: %d %d", i, j)
		}
		f.Set("op", "remove_question.1")
		r = c.PostForm("/kk/calls/new", f)
		if strings.Contains(r.Body, `value="Жанр"`) || !strings.Contains(r.Body, `value="Нөміріңіздің атауы"`) {
			t.Fatal("removing a question")
		}
		f.Set("op", "add_stage")
		if r = c.PostForm("/kk/calls/new", f); !strings.Contains(r.Body, `name="stages.1.opens_at" type="datetime-local" value="2030-03-21T18:00"`) {
			t.Fatal("a second stage opens a day after the first closes")
		}
		var before int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM calls").Scan(&before); err != nil || before != 0 {
			t.Fatalf("the builder stored something: %d %v", before, err)
		}

		// Bad input: every problem next to its field, translated, input kept, nothing stored.
		bad := newCallForm(region, d1, d2)
		bad.Set("op", "create")
		bad.Set("title.kk", "")
		bad.Set("title.ru", "")
		bad.Set("stages.0.criteria", "Орындау шеберлігі; екі; 10")
		bad.Set("stages.0.closes_at", "")
		r = c.PostForm("/kk/calls/new", bad)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-stages-0-criteria"`) ||
			!strings.Contains(r.Body, "1-жол") || !strings.Contains(r.Body, `id="e-stages-0-closes_at"`) || !strings.Contains(r.Body, "Орындау шеберлігі; екі; 10") {
			t.Fatalf("bad criteria and time: %d\n%s", r.StatusCode, r.Body)
		}
		bad = newCallForm(region, d1, d2)
		bad.Set("op", "create")
		bad.Set("title.kk", "")
		bad.Set("title.ru", "")
		bad.Set("form.1.type", "choice")
		bad.Set("form.1.options", "")
		bad.Set("age_min", "30")
		r = c.PostForm("/en/calls/new", bad)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="e-title"`) || !strings.Contains(r.Body, "A choice needs options.") ||
			!strings.Contains(r.Body, "The age range is not valid.") || !strings.Contains(r.Body, `value="Нөміріңіздің атауы"`) {
			t.Fatalf("bad title, options and ages: %d\n%s", r.StatusCode, r.Body)
		}
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM calls").Scan(&before); err != nil || before != 0 {
			t.Fatalf("a refused form stored a call: %d %v", before, err)
		}

		// Someone who runs no organization: refused, the builder too.
		sc := env.Client()
		sc.SignIn(stranger)
		f = newCallForm(region, d1, d2)
		f.Set("op", "add_question")
		if r := sc.PostForm("/kk/calls/new", f); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a stranger's builder: %d", r.StatusCode)
		}
		f.Set("op", "create")
		if r := sc.PostForm("/kk/calls/new", f); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a stranger creating: %d", r.StatusCode)
		}
		if r := sc.Get(fmt.Sprintf("/kk/calls/new?organization_id=%d", region)); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a stranger's form: %d", r.StatusCode)
		}

		// Created: as typed, questions in their order, the stage held by both districts.
		r = c.PostForm("/kk/calls/new", f)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/kk/calls/") {
			t.Fatalf("create: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/kk/calls/"), 10, 64)
		call, err := env.App.Calls.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if call.Kind != "festival" || call.Title.RU != "Фестиваль «Караван дружбы»" || call.AgeMin != 14 || call.AgeMax != 29 || len(call.Regions) != 2 {
			t.Fatalf("call: %+v", call)
		}
		if len(call.Form) != 2 || call.Form[0].Key != "act" || !call.Form[0].Required || call.Form[1].Key != "q2" ||
			strings.Join(call.Form[1].Options, "|") != "Ән|Би|Күй" {
			t.Fatalf("form: %+v", call.Form)
		}
		st := call.Stages[0]
		if len(st.Hosts) != 2 || st.Advance != 2 || st.PerApplication != 2 || !st.Blind || st.Normalization != "zscore" ||
			len(st.Criteria) != 2 || st.Criteria[0].Weight != 2 || st.Criteria[1].Max != 5 || st.Criteria[0].Title.KK != "Орындау шеберлігі" {
			t.Fatalf("stage: %+v", st)
		}
		// Kazakhstan's time: 09:00 in Almaty is 04:00 UTC.
		if got := st.OpensAt.UTC().Format("2006-01-02T15:04"); got != "2030-03-01T04:00" {
			t.Fatalf("opens at %s", got)
		}
	})
}
