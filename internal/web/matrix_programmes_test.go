package web_test

import (
	"bytes"
	"context"
	"fmt"
	"github.com/ortaq/ortaq/internal/app"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/roadmap"
)

// progFix is what the programme routes act on: a programme of w.child
// (roles held at w.root reach it) whose collecting phase is open, with a
// proposal and a comment by another person.
type progFix struct {
	s        *app.Components
	owner    *auth.User // a platform admin who set it up
	p        *programmes.Programme
	proposal *proposals.Proposal
}

func progFixture(w *world) *progFix {
	a := w.env.App
	s := &a.Components
	owner := w.env.NewPerson("admin").User
	now := w.env.Clock.Now()
	ctx := context.Background()
	p, err := s.Programmes.Create(ctx, owner, programmes.Input{OrgID: w.child, Title: i18n.Text{KK: "Бағдарлама"},
		AgeMin: 14, AgeMax: 35, Directions: []programmes.Direction{{Title: i18n.Text{KK: "Бағыт"}}},
		Phases: []programmes.Phase{{Kind: "proposals", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(240 * time.Hour)}}})
	if err != nil {
		panic(err)
	}
	f := &progFix{s: s, owner: owner, p: p}
	f.proposal = f.newProposal(w)
	return f
}

func (f *progFix) newProposal(w *world) *proposals.Proposal {
	pr, err := f.s.Proposals.Create(context.Background(), w.other.User, f.p.ID, proposals.NewProposal{Title: "Ұсыныс тақырыбы",
		Body: "Жастарға арналған жұмыс орындары керек, әсіресе ауылда.", DirectionID: f.p.Directions[0].ID, Region: "KZ-79"})
	if err != nil {
		panic(err)
	}
	return pr
}

func (f *progFix) comment(w *world) int64 {
	c, err := f.s.Proposals.AddComment(context.Background(), w.other.User, f.proposal.ID, 0, "Пікір")
	if err != nil {
		panic(err)
	}
	return c.ID
}

func (f *progFix) accepted() int64 {
	if _, err := f.s.Proposals.SetAnswer(context.Background(), f.owner, f.proposal.ID, "accepted", "Қабылданды, рақмет."); err != nil {
		panic(err)
	}
	return f.proposal.ID
}

func (f *progFix) item() *roadmap.Item {
	it, err := f.s.Roadmap.Create(context.Background(), f.owner, f.p.ID, roadmap.ItemInput{Title: i18n.Text{KK: "Тармақ"}})
	if err != nil {
		panic(err)
	}
	return it
}

func (f *progFix) indicator() int64 {
	ind, err := f.s.Programmes.CreateIndicator(context.Background(), f.owner, f.p.ID, programmes.IndicatorInput{
		Name: i18n.Text{KK: "NEET үлесі"}, Unit: "%", Better: "lower", Baseline: 7, Target: 5, TargetDate: "2027-01-01"})
	if err != nil {
		panic(err)
	}
	return ind.ID
}

func apiCall(w *world, method, path, body string) *apptest.Response {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.env.URL+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return w.c.Do(req)
}

// taking part: guests sign in, limited minors are refused.
func takePart(ok int) map[string]int {
	m := signedIn(ok)
	m["limited"] = http.StatusForbidden
	return m
}

func init() {
	see := http.StatusSeeOther
	addCases(map[string]routeCase{
		"POST /{lang}/programmes": {func(w *world) *apptest.Response {
			return w.c.PostForm("/kk/programmes", url.Values{"organization_id": {fmt.Sprint(w.child)}, "title.kk": {"Жаңа бағдарлама"},
				"age_min": {"14"}, "age_max": {"35"}, "directions": {"Бір | Один | One"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/programmes/{id}/edit": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/programmes/%d/edit", f.p.ID), url.Values{"title.kk": {"Өзгерген атау"}, "age_min": {"14"}, "age_max": {"30"},
				"directions": {"Бағыт"}, "phases.proposals.from": {"2026-01-01"}, "phases.proposals.to": {"2026-12-31"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/programmes/{id}/indicators": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/programmes/%d/indicators", f.p.ID), url.Values{"name.kk": {"Жұмыссыздық"}, "unit": {"%"},
				"better": {"lower"}, "baseline": {"4,1"}, "target": {"3.5"}, "target_date": {"2027-12-31"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/programmes/{id}/indicators/import": {func(w *world) *apptest.Response {
			f := progFixture(w)
			id := f.indicator()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "values.csv")
			fmt.Fprintf(fw, "indicator;region;period;value\n%d;KZ;2025;6,5\n", id)
			mw.Close()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/kk/programmes/%d/indicators/import", w.env.URL, f.p.ID), &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Origin", w.env.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return w.c.Do(req)
		}, atLeast("org_admin", see)},
		"POST /{lang}/indicators/{id}/values": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/indicators/%d/values", f.indicator()), url.Values{"region": {"KZ"}, "period": {"2025"}, "value": {"6.2"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/programmes/{id}/proposals": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/programmes/%d/proposals", f.p.ID), url.Values{"title": {"Менің ұсынысым"},
				"body": {"Ауылдағы жастарға спорт алаңы керек, қыста да жұмыс істейтін."}, "direction_id": {fmt.Sprint(f.p.Directions[0].ID)}, "region": {"KZ-79"}})
		}, takePart(see)},
		"POST /{lang}/proposals/{id}/support": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/support", f.proposal.ID), url.Values{"on": {"1"}})
		}, takePart(see)},
		"POST /{lang}/proposals/{id}/follow": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/follow", f.proposal.ID), url.Values{"on": {"1"}})
		}, takePart(see)},
		"POST /{lang}/proposals/{id}/comments": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/comments", f.proposal.ID), url.Values{"body": {"Қолдаймын"}})
		}, takePart(see)},
		"POST /{lang}/proposals/{id}/report": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/report", f.proposal.ID), url.Values{"reason": {"Жарнама"}})
		}, takePart(see)},
		"POST /{lang}/proposals/{id}/answer": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/answer", f.proposal.ID), url.Values{"status": {"evaluating"}, "text": {"Ұсыныс қаралып жатыр."}})
		}, atLeast("moderator", see)},
		"POST /{lang}/proposals/{id}/hide": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/hide", f.proposal.ID), url.Values{"hide": {"1"}, "reason": {"Жарнама"}})
		}, atLeast("moderator", see)},
		"POST /{lang}/proposals/{id}/merge": {func(w *world) *apptest.Response {
			f := progFixture(w)
			dup := f.newProposal(w)
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/merge", dup.ID), url.Values{"into": {fmt.Sprint(f.proposal.ID)}})
		}, atLeast("moderator", see)},
		// Someone else's comment: nobody may edit it.
		"POST /{lang}/comments/{id}/edit": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/comments/%d/edit", f.comment(w)), url.Values{"body": {"өзгертілді"}})
		}, signedIn(http.StatusForbidden)},
		"POST /{lang}/comments/{id}/hide": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/comments/%d/hide", f.comment(w)), url.Values{"reason": {"Дөрекі сөз"}})
		}, atLeast("moderator", see)},
		"POST /{lang}/programmes/{id}/roadmap": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/programmes/%d/roadmap", f.p.ID), url.Values{"title.kk": {"Жаңа тармақ"}, "progress": {"0"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/roadmap/{id}/progress": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/roadmap/%d/progress", f.item().ID), url.Values{"status": {"in_progress"}, "progress": {"40"}, "note": {"Басталды"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/roadmap/{id}/links": {func(w *world) *apptest.Response {
			f := progFixture(w)
			it := f.item()
			return w.c.PostForm(fmt.Sprintf("/kk/roadmap/%d/links", it.ID), url.Values{"proposal_id": {fmt.Sprint(f.accepted())}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/roadmap/{id}/edit": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/roadmap/%d/edit", f.item().ID), url.Values{"title.kk": {"Өзгертілген тармақ"},
				"responsible_id": {fmt.Sprint(w.child)}, "deadline": {"2027-06-30"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/roadmap/{id}/delete": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/roadmap/%d/delete", f.item().ID), url.Values{"confirm": {"1"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/indicators/{id}/edit": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return w.c.PostForm(fmt.Sprintf("/kk/indicators/%d/edit", f.indicator()), url.Values{"name.kk": {"NEET үлесі (15–28 жас)"}, "unit": {"%"},
				"better": {"lower"}, "baseline": {"7,1"}, "target": {"5"}, "target_date": {"2028-12-31"}})
		}, atLeast("org_admin", see)},
		"POST /{lang}/proposals/{id}/reports/resolve": {func(w *world) *apptest.Response {
			f := progFixture(w)
			if err := f.s.Proposals.Report(context.Background(), w.other.User, f.proposal.ID, 0, "Жарнама сияқты"); err != nil {
				panic(err)
			}
			return w.c.PostForm(fmt.Sprintf("/kk/proposals/%d/reports/resolve", f.proposal.ID), url.Values{"comment_id": {"0"}})
		}, atLeast("moderator", see)},
		"POST /{lang}/inbox/read": {form("/kk/inbox/read", nil), signedIn(see)},
		"POST /api/v1/inbox/read": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", "/api/v1/inbox/read", `{"all":true}`)
		}, signedIn(http.StatusOK)},

		"POST /api/v1/programmes": {func(w *world) *apptest.Response {
			return apiCall(w, "POST", "/api/v1/programmes", fmt.Sprintf(`{"organization_id":"%d","title":{"kk":"Жоба","ru":"","en":""},"description":{"kk":"","ru":"","en":""},"age_min":14,"age_max":35,"regions":[],"directions":[],"phases":[]}`, w.child))
		}, atLeast("org_admin", http.StatusCreated)},
		"POST /api/v1/programmes/{id}/indicators": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/programmes/%d/indicators", f.p.ID),
				`{"name":{"kk":"Еріктілер үлесі","ru":"","en":""},"unit":"%","better":"higher","baseline":12,"target":20,"target_date":"2027-12-31"}`)
		}, atLeast("org_admin", http.StatusCreated)},
		"PUT /api/v1/indicators/{id}": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/indicators/%d", f.indicator()),
				`{"name":{"kk":"NEET үлесі","ru":"Доля NEET","en":"NEET share"},"unit":"%","better":"lower","baseline":7.1,"target":5,"target_date":"2028-12-31"}`)
		}, atLeast("org_admin", http.StatusOK)},
		"PUT /api/v1/indicators/{id}/values": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/indicators/%d/values", f.indicator()), `{"values":[{"region":"KZ","period":"2025","value":6.1}]}`)
		}, atLeast("org_admin", http.StatusOK)},
		"POST /api/v1/programmes/{id}/proposals": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/programmes/%d/proposals", f.p.ID),
				fmt.Sprintf(`{"title":"API арқылы ұсыныс","body":"Жастар орталықтарында тегін үйірмелер ашу керек.","direction_id":"%d"}`, f.p.Directions[0].ID))
		}, takePart(http.StatusCreated)},
		"PUT /api/v1/proposals/{id}/support": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/proposals/%d/support", f.proposal.ID), "")
		}, takePart(http.StatusOK)},
		"DELETE /api/v1/proposals/{id}/support": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "DELETE", fmt.Sprintf("/api/v1/proposals/%d/support", f.proposal.ID), "")
		}, takePart(http.StatusOK)},
		"POST /api/v1/proposals/{id}/comments": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/proposals/%d/comments", f.proposal.ID), `{"body":"Жақсы ой"}`)
		}, takePart(http.StatusCreated)},
		"PUT /api/v1/proposals/{id}/answer": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "PUT", fmt.Sprintf("/api/v1/proposals/%d/answer", f.proposal.ID), `{"status":"rejected","text":"Өкінішке орай, қабылданбады."}`)
		}, atLeast("moderator", http.StatusOK)},
		"POST /api/v1/programmes/{id}/roadmap": {func(w *world) *apptest.Response {
			f := progFixture(w)
			return apiCall(w, "POST", fmt.Sprintf("/api/v1/programmes/%d/roadmap", f.p.ID),
				fmt.Sprintf(`{"title":{"kk":"Тармақ","ru":"","en":""},"progress":0,"proposal_ids":["%d"]}`, f.accepted()))
		}, atLeast("org_admin", http.StatusCreated)},
	})
}
