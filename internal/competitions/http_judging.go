package competitions

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// Withdrawals, forfeits, judges of games and groups: the page's forms and
// the API (decision 0150).

// WithdrawIn is the body of POST …/teams/{team}/withdraw.
type WithdrawIn struct {
	Reason string `json:"reason" maxLength:"500"`
}

// ForfeitIn is the body of POST /pairings/{id}/forfeit.
type ForfeitIn struct {
	Absent string `json:"absent" enum:"home,away,both" doc:"the team that did not show up; the other wins by forfeit. both: a double forfeit, both lose (not in a knockout: 409)"`
}

// JudgesIn is the body of PUT /pairings/{id}/judges and /rounds/{id}/judges.
type JudgesIn struct {
	Judges []string `json:"judges" doc:"person ids of judges of the competition; in a debate an odd number (a panel); [] clears"`
}

// JudgesOut is the judges of games after an assignment.
type JudgesOut struct {
	Judges []string `json:"judges"`
}

// GroupsBody is the body of POST …/groups.
type GroupsBody struct {
	Groups int               `json:"groups" minimum:"2" maximum:"16"`
	Method string            `json:"method" enum:"snake,manual" doc:"snake: by seeding (the order teams were entered) in snake order; manual: as teams says"`
	Teams  map[string]string `json:"teams,omitempty" doc:"manual: team id → group letter (A, B, …)"`
}

func (h *Handler) registerJudging(srv *web.Server) {
	srv.Page("POST /competitions/{id}/teams/{team}/withdraw", h.withdraw)
	srv.Page("POST /competitions/{id}/pairings/{pairing}/forfeit", h.forfeit)
	srv.Page("POST /competitions/{id}/pairings/{pairing}/judges", h.assignGame)
	srv.Page("POST /competitions/{id}/rounds/{round}/judges", h.assignRound)
	srv.Page("POST /competitions/{id}/groups", h.groups)

	tags := []string{"competitions"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/teams/{team}/withdraw", ID: "withdrawCompetitionTeam",
		Summary: "Withdraw a team for good (organizers): its unplayed games become forfeits, it is paired no more", Tags: tags, Auth: true,
		Request: WithdrawIn{}, Response: TeamOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiWithdraw)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/pairings/{id}/forfeit", ID: "forfeitCompetitionGame",
		Summary: "Record a game as a forfeit: a team did not show up (organizers and the game's judges)", Tags: tags, Auth: true,
		Request: ForfeitIn{}, Response: PairingOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiForfeit))
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/pairings/{id}/judges", ID: "assignGameJudges",
		Summary: "Assign the judges of a game (organizers); only they then enter its result, a debate's panel by majority", Tags: tags,
		Auth: true, Request: JudgesIn{}, Response: JudgesOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiAssignGame))
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/rounds/{id}/judges", ID: "assignRoundJudges",
		Summary: "Assign the same judges to every game of a round without a result (organizers)", Tags: tags, Auth: true,
		Request: JudgesIn{}, Response: JudgesOut{}, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusOK, true, h.apiAssignRound))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/groups", ID: "splitCompetitionGroups",
		Summary: "Split the teams of a round robin into groups before its first round (organizers)", Tags: tags, Auth: true,
		Request: GroupsBody{}, Response: CompetitionOut{}, Errors: []int{401, 403, 404, 409, 422}}, h.apiGroups)
}

func (h *Handler) apiWithdraw(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id", "team")
	if !ok {
		return
	}
	var in WithdrawIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	team := req.PathID("team")
	if err := h.svc.Withdraw(withIP(h, r), req.User, req.ID, team, in.Reason); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	teams, err := h.svc.Teams(r.Context(), req.ID, true)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	for _, t := range teams {
		if t.ID == team {
			api.WriteJSON(w, http.StatusOK, teamOut(t))
			return
		}
	}
	h.srv.Fail(w, r, notFound())
}

func (h *Handler) apiForfeit(r *http.Request, u *auth.User, id int64, in ForfeitIn) (PairingOut, error) {
	p, err := h.svc.Forfeit(r.Context(), u, id, in.Absent)
	if err != nil {
		return PairingOut{}, err
	}
	return pairingOut(p.Pairing), nil
}

func judgeIDs(in JudgesIn) ([]int64, error) {
	var fs errs.Fields
	out := []int64{}
	for i, s := range in.Judges {
		out = append(out, parseID(&fs, "judges["+strconv.Itoa(i)+"]", s))
	}
	return out, fs.Err()
}

func (h *Handler) apiAssignGame(r *http.Request, u *auth.User, id int64, in JudgesIn) (JudgesOut, error) {
	js, err := judgeIDs(in)
	if err == nil {
		err = h.svc.AssignJudges(r.Context(), u, 0, id, js)
	}
	if err != nil {
		return JudgesOut{}, err
	}
	return JudgesOut(in), nil
}

func (h *Handler) apiAssignRound(r *http.Request, u *auth.User, id int64, in JudgesIn) (JudgesOut, error) {
	js, err := judgeIDs(in)
	if err == nil {
		err = h.svc.AssignJudges(r.Context(), u, id, 0, js)
	}
	if err != nil {
		return JudgesOut{}, err
	}
	return JudgesOut(in), nil
}

// groupNumber reads a group's letter (A…) or number (1…); 0 when neither.
func groupNumber(s string) int {
	s = strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if len(s) == 1 && s[0] >= 'A' && s[0] <= 'Z' {
		return int(s[0]-'A') + 1
	}
	return 0
}

func (h *Handler) apiGroups(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	var in GroupsBody
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	g := GroupsIn{Groups: in.Groups, Method: in.Method, Manual: map[int64]int{}}
	var fs errs.Fields
	for team, group := range in.Teams {
		id := parseID(&fs, "teams", team)
		g.Manual[id] = groupNumber(group)
	}
	err := fs.Err()
	if err == nil {
		err = h.svc.SplitGroups(withIP(h, r), req.User, req.ID, g)
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.writeCompetition(w, r, req.ID, http.StatusOK)
}

// The page's forms.

func (h *Handler) withdraw(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "team")
	if !ok {
		return
	}
	team := req.PathID("team")
	c, err := h.svc.requireOrganizer(r.Context(), req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	teams, err := h.svc.Teams(r.Context(), req.ID, false)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var t *Team
	for i := range teams {
		if teams[i].ID == team {
			t = &teams[i]
		}
	}
	if t == nil {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "competitions.error.no_team"))
		return
	}
	if t.Withdrawn {
		h.srv.Fail(w, r, errs.New(errs.Conflict, "competitions.error.withdrawn_already"))
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" || !web.Confirmed(r) {
		if reason == "" {
			var fs errs.Fields
			fs.Add("reason", "validation.required")
			h.formFail(w, r, req.ID, 0, fs.Err())
			return
		}
		p := h.srv.Printer(r)
		h.srv.Confirm(w, r, &web.Confirmation{Title: p.T("competitions.confirm.withdraw.title", "team", t.Name, "title", c.Title.In(p.Lang())),
			Lines:  []string{p.T("competitions.confirm.withdraw.forfeits"), p.T("competitions.confirm.withdraw.draws"), p.T("competitions.confirm.withdraw.reason", "reason", reason)},
			Action: fmt.Sprintf("/competitions/%d/teams/%d/withdraw", req.ID, team), Back: pagePath(req.ID) + "#teams",
			Submit: p.T("competitions.withdraw"), Danger: true, Keep: url.Values{"reason": {reason}}})
		return
	}
	if err := h.svc.Withdraw(withIP(h, r), req.User, req.ID, team, reason); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.withdrawn", "teams")
}

// pairingOf returns the pairing of the path when it belongs to the
// competition of the path.
func (h *Handler) pairingOf(w http.ResponseWriter, r *http.Request, req web.Req) (int64, bool) {
	pid := req.PathID("pairing")
	p, err := h.svc.GetPairing(r.Context(), pid)
	if err != nil || p.CompetitionID != req.ID {
		h.srv.Fail(w, r, h.notFoundPairing(err))
		return 0, false
	}
	return pid, true
}

func (h *Handler) forfeit(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "pairing")
	if !ok {
		return
	}
	pid, ok := h.pairingOf(w, r, req)
	if !ok {
		return
	}
	if _, err := h.svc.Forfeit(withIP(h, r), req.User, pid, r.PostForm.Get("absent")); err != nil {
		h.formFail(w, r, req.ID, pid, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.forfeit", "standings")
}

func (h *Handler) assignGame(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "pairing")
	if !ok {
		return
	}
	pid, ok := h.pairingOf(w, r, req)
	if !ok {
		return
	}
	if err := h.svc.AssignJudges(withIP(h, r), req.User, 0, pid, web.FormIDs(r.PostForm, "judge")); err != nil {
		h.formFail(w, r, req.ID, pid, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.judges_assigned", fmt.Sprintf("game-%d", pid))
}

func (h *Handler) assignRound(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id", "round")
	if !ok {
		return
	}
	round := req.PathID("round")
	var compID int64
	if err := h.svc.db.QueryRow(r.Context(), `SELECT competition_id FROM competition_rounds WHERE id = ?`, round).Scan(&compID); err != nil || compID != req.ID {
		h.srv.Fail(w, r, notFound())
		return
	}
	if err := h.svc.AssignJudges(withIP(h, r), req.User, round, 0, web.FormIDs(r.PostForm, "judge")); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.judges_assigned", fmt.Sprintf("round-%d", round))
}

func (h *Handler) groups(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	f := r.PostForm
	in := GroupsIn{Groups: atoi(f.Get("groups")), Method: f.Get("method"), Manual: map[int64]int{}}
	for k, v := range f {
		if id, ok := strings.CutPrefix(k, "group_"); ok && len(v) > 0 {
			in.Manual[web.FormInt(id)] = groupNumber(v[0])
		}
	}
	if err := h.svc.SplitGroups(withIP(h, r), req.User, req.ID, in); err != nil {
		h.formFail(w, r, req.ID, 0, err)
		return
	}
	h.back(w, r, req.ID, "competitions.flash.groups", "standings")
}
