package mentorship

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/matching"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// handler serves the mentorship pages and API.
type handler struct {
	srv *web.Server
	svc *Service
}

// Register adds the templates, pages, API and the pools' section.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &handler{srv: srv, svc: s}
	srv.Section(web.Section{Path: "/mentor-pools", Title: "mentorship.nav", Text: "mentorship.home.text", Order: 45})

	srv.Page("GET /mentor-pools", h.list)
	srv.Page("GET /mentor-pools/new", h.newForm)
	srv.Page("POST /mentor-pools", h.create)
	srv.Page("GET /mentor-pools/{id}", h.show)
	srv.Page("GET /mentor-pools/{id}/mentors/{mentor}", h.card)
	srv.Page("POST /mentor-pools/{id}/mentors", h.apply)
	srv.Page("POST /mentor-pools/{id}/requests", h.ask)
	srv.Page("POST /mentor-pools/{id}/requests/withdraw", h.withdraw)
	srv.Page("GET /mentor-pools/{id}/manage", h.manage)
	srv.Page("POST /mentor-pools/{id}/rounds", h.round)
	srv.Page("POST /mentor-pools/{id}/schedule", h.setSchedule)
	srv.Page("GET /mentor-pools/{id}/ranking", h.ranking)
	srv.Page("POST /mentor-pools/{id}/ranking", h.saveRanking)
	srv.Page("POST /mentor-pools/{id}/import", h.importMentors)
	srv.Page("GET /mentor-pools/{id}/export", h.export)
	srv.Page("POST /mentor-pools/{id}/certificates", h.certificates)
	srv.Page("POST /mentors/{id}/approve", h.approve)
	srv.Page("POST /mentors/{id}/settings", h.settings)
	srv.Page("POST /mentors/{id}/groups", h.newGroup)
	srv.Page("GET /mentorships/{id}", h.mentorshipPage)
	srv.Page("POST /mentorships/{id}/status", h.status)
	srv.Page("POST /mentorships/{id}/sessions", h.logSession)
	srv.Page("POST /mentorships/{id}/feedback", h.feedback)
	srv.Page("POST /mentorships/{id}/group", h.setGroup)
	srv.Page("POST /mentorships/{id}/goals", h.addGoal)
	srv.Page("POST /mentorships/{id}/goals/{goal}", h.checkGoal)

	tags := []string{"mentorship"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentor-pools", ID: "createMentorPool", Summary: "Create a pool of mentors (organizers)",
		Tags: tags, Auth: true, Request: PoolIn{}, Response: PoolOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiCreatePool)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentor-pools/{id}", ID: "getMentorPool", Summary: "A pool of mentors",
		Tags: tags, Response: PoolOut{}, Errors: []int{404}}, h.apiPool)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentor-pools/{id}/mentors", ID: "listMentors",
		Summary: "A pool's public mentor cards, in id order", Tags: tags, Response: api.Page[MentorOut]{},
		Query: []api.Param{{Name: "sphere", Description: "only mentors of this sphere"}}, Errors: []int{404, 422}}, h.apiMentors)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentor-pools/{id}/mentors", ID: "addMentor",
		Summary: "Apply to be a mentor, or (organizers, with person_id) add a member as an approved mentor", Tags: tags, Auth: true,
		Request: MentorBody{}, Response: MentorOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiAddMentor))
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/mentors/{id}/approve", ID: "approveMentor", Summary: "Approve a mentor (organizers)",
		Tags: tags, Auth: true, Response: MentorOut{}, Errors: []int{401, 403, 404, 409}}, h.apiApprove)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/mentors/{id}", ID: "updateMentor",
		Summary: "Change a mentor's capacity or pause them (the mentor, or organizers)", Tags: tags, Auth: true,
		Request: MentorSettingsIn{}, Response: MentorOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiSettings))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentor-pools/{id}/requests", ID: "askForMentor",
		Summary: "Ask for a mentor (a second open request: 409; ineligible: 403 with the reason)", Tags: tags, Auth: true,
		Request: RequestBody{}, Response: RequestOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiAsk))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentors/{id}/requests", ID: "askMentorDirectly",
		Summary: "Ask one mentor directly; the mentor accepts or declines", Tags: tags, Auth: true,
		Request: RequestBody{}, Response: RequestOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiAskMentor))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentor-pools/{id}/rounds", ID: "runMatchingRound",
		Summary: "Run a matching round (organizers; another running: 409)", Tags: tags, Auth: true, Response: RoundOut{}, Status: 201,
		Errors: []int{401, 403, 404, 409}}, h.apiRound)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentor-pools/{id}/schedule", ID: "getMentorPoolSchedule",
		Summary: "When the pool's matching rounds run by themselves, the next one and the last run (organizers)", Tags: tags, Auth: true,
		Response: ScheduleOut{}, Errors: []int{401, 403, 404}}, h.apiSchedule)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/mentor-pools/{id}/schedule", ID: "setMentorPoolSchedule",
		Summary: "Set the pool's round schedule: weekdays and/or dates at a time in Kazakhstan's time; both empty: off (organizers)",
		Tags:    tags, Auth: true, Request: ScheduleBody{}, Response: ScheduleOut{}, Errors: []int{401, 403, 404, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiSetSchedule))
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentor-pools/{id}/mentors/me/ranking", ID: "getMyMentorRanking",
		Summary: "The caller's ranking as a mentor of the pool, with the open requests they could get (no names or contacts)",
		Tags:    tags, Auth: true, Response: RankingOut{}, Errors: []int{401, 403, 404, 409}}, h.apiRanking)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/mentor-pools/{id}/mentors/me/ranking", ID: "setMyMentorRanking",
		Summary: "Order the open requests the caller could get as a mentor, best first (empty: no preference, fit decides); the next round uses it",
		Tags:    tags, Auth: true, Request: RankingIn{}, Response: RankingOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiSetRanking))
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentorships", ID: "listMyMentorships",
		Summary: "The caller's mentorships, as mentor and as mentee", Tags: tags, Auth: true, Response: api.Page[MentorshipOut]{},
		Errors: []int{401}}, h.apiMine)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/mentorships/{id}", ID: "getMentorship",
		Summary: "A mentorship with why it was matched (its mentor, mentee and organizers)", Tags: tags, Auth: true,
		Response: MentorshipOut{}, Errors: []int{401, 404}}, h.apiMentorship)
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/mentorships/{id}", ID: "updateMentorship",
		Summary: "Accept, decline, start, complete or cancel a mentorship", Tags: tags, Auth: true, Request: StatusIn{},
		Response: MentorshipOut{}, Errors: []int{401, 403, 404, 409, 422}}, web.JSONAction(srv, http.StatusOK, true, h.apiStatus))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/mentorships/{id}/sessions", ID: "logMentorshipSession",
		Summary: "Log a session of one's own mentorship", Tags: tags, Auth: true, Request: SessionIn{}, Response: SessionOut{},
		Status: 201, Errors: []int{401, 403, 404, 409, 422}}, web.JSONAction(srv, http.StatusCreated, true, h.apiSession))
	return nil
}

func ctxIP(h *handler, r *http.Request) *http.Request {
	return r.WithContext(audit.WithIP(r.Context(), h.srv.ClientIP(r)))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// ids reads "12, 45 7" (card numbers, best first).
func ids(s string) ([]int64, bool) {
	var out []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' || r == '\t' }) {
		n, err := strconv.ParseInt(strings.TrimPrefix(f, "#"), 10, 64)
		if err != nil || n <= 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// Why translates a round's reasons for a reader.
func (s *Service) Why(p *i18n.Printer, l i18n.Lang, pool *Pool, reasons []matching.Reason) []string {
	var out []string
	for _, r := range reasons {
		key := "mentorship.reason." + string(r.Code)
		var vals []string
		for _, v := range r.Values {
			switch r.Code {
			case matching.SameSphere, matching.NoSharedSphere:
				if pool != nil {
					v = pool.SphereTitle(v, l)
				}
			case matching.SharedLanguage, matching.NoSharedLanguage:
				v = p.T("mentorship.lang." + v)
			case matching.RankedUnavailable:
				v = p.T("mentorship.why." + v)
			}
			vals = append(vals, v)
		}
		out = append(out, p.T(key, "values", strings.Join(vals, ", "), "n", r.N, "mentor", r.Mentor))
	}
	return out
}

// option is a checkbox or a choice of a form.
type option struct {
	Value, Label string
	Checked      bool
}

func sphereOptions(p *Pool, l i18n.Lang, chosen []string) []option {
	var out []option
	for _, s := range p.Spheres {
		out = append(out, option{Value: s.Key, Label: s.Title.In(l), Checked: contains(chosen, s.Key)})
	}
	return out
}

func langOptions(pr *i18n.Printer, chosen []string) []option {
	var out []option
	for _, l := range Languages {
		out = append(out, option{Value: l, Label: pr.T("mentorship.lang." + l), Checked: contains(chosen, l)})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (h *handler) backTo(w http.ResponseWriter, r *http.Request, path, flash string) {
	h.srv.Redirect(w, r, path, flash)
}

func poolPath(id int64) string { return fmt.Sprintf("/mentor-pools/%d", id) }
