package competitions

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handler serves the competition pages and API.
type Handler struct {
	srv *web.Server
	svc *Service
}

// Register adds the templates, pages, API and the section to the server.
func (svc *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templateFS, "templates"); err != nil {
		return err
	}
	h := &Handler{srv: srv, svc: svc}
	srv.Section(web.Section{Path: "/competitions", Title: "competitions.title", Text: "competitions.home.text", Order: 45})
	srv.PageCached("GET /competitions", h.list)
	srv.Page("GET /competitions/new", h.newForm)
	srv.Page("POST /competitions", h.create)
	srv.PageCached("GET /competitions/{id}", h.show)
	srv.Page("POST /competitions/{id}/teams", h.addTeam)
	srv.Page("POST /competitions/{id}/judges", h.addJudge)
	srv.Page("POST /competitions/{id}/rounds", h.drawRound)
	srv.Page("POST /competitions/{id}/rounds/{round}/swap", h.swap)
	srv.Page("POST /competitions/{id}/pairings/{pairing}/result", h.result)
	srv.Page("POST /competitions/{id}/pairings/{pairing}/clear", h.clearResult)
	srv.Page("POST /competitions/{id}/awards", h.issueAwards)
	h.registerJudging(srv)

	tags := []string{"competitions"}
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions", ID: "createCompetition",
		Summary: "Create a competition (organizers of the organization)", Tags: tags, Auth: true, Request: CompetitionIn{},
		Response: CompetitionOut{}, Status: 201, Errors: []int{401, 403, 404, 422}}, h.apiCreate)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/competitions/{id}", ID: "getCompetition",
		Summary: "A competition with its disciplines and teams", Tags: tags, Response: CompetitionOut{}, Errors: []int{404}}, h.apiGet)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/teams", ID: "addCompetitionTeam",
		Summary: "Enter a team (before the first round); a person plays for one team of a competition", Tags: tags, Auth: true,
		Request: TeamIn{}, Response: TeamOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiAddTeam))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/judges", ID: "addCompetitionJudge",
		Summary: "Name a judge, who may enter results", Tags: tags, Auth: true, Request: JudgeIn{}, Response: JudgeOut{}, Status: 201,
		Errors: []int{401, 403, 404, 409, 422}}, web.JSONAction(srv, http.StatusCreated, true, h.apiAddJudge))
	srv.APIOperation(api.Operation{Method: "GET", Path: "/competitions/{id}/rounds", ID: "listCompetitionRounds",
		Summary: "The rounds drawn, with their pairings and results", Tags: tags, Response: api.Page[RoundOut]{}, Errors: []int{404}}, h.apiRounds)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/rounds", ID: "drawCompetitionRound",
		Summary: "Draw the next round (of a discipline; or the final: the top `qualifiers` of the table in a knockout)", Tags: tags,
		Auth: true, Request: RoundIn{}, Response: RoundOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiDraw))
	srv.APIOperation(api.Operation{Method: "POST", Path: "/rounds/{id}/swap", ID: "swapCompetitionPairing",
		Summary: "Swap two teams of a round before any of its results (organizers)", Tags: tags, Auth: true, Request: SwapIn{},
		Response: RoundOut{}, Errors: []int{401, 403, 404, 409, 422}}, web.JSONAction(srv, http.StatusOK, true, h.apiSwap))
	srv.APIOperation(api.Operation{Method: "PUT", Path: "/pairings/{id}", ID: "enterCompetitionResult",
		Summary: "Enter a game's result, once (organizers and judges)", Tags: tags, Auth: true, Request: ResultBody{},
		Response: PairingOut{}, Errors: []int{401, 403, 404, 409, 422}}, web.JSONAction(srv, http.StatusOK, true, h.apiResult))
	srv.APIOperation(api.Operation{Method: "DELETE", Path: "/pairings/{id}/result", ID: "clearCompetitionResult",
		Summary: "Take back a game's result to correct it, before a later round is drawn (organizers)", Tags: tags, Auth: true,
		Response: PairingOut{}, Errors: []int{401, 403, 404, 409}}, h.apiClear)
	srv.APIOperation(api.Operation{Method: "GET", Path: "/competitions/{id}/standings", ID: "getCompetitionStandings",
		Summary: "The table (of a discipline with ?discipline=key)", Tags: tags, Response: api.Page[StandingOut]{},
		Query: []api.Param{{Name: "discipline", Description: "a discipline's key"}}, Errors: []int{404, 422}}, h.apiStandings)
	srv.APIOperation(api.Operation{Method: "POST", Path: "/competitions/{id}/awards", ID: "issueCompetitionAwards",
		Summary: "Diplomas to the winners' members or certificates to every participant, through awards", Tags: tags, Auth: true,
		Request: AwardBody{}, Response: AwardsOut{}, Status: 201, Errors: []int{401, 403, 404, 409, 422}},
		web.JSONAction(srv, http.StatusCreated, true, h.apiAwards))
	return nil
}

func withIP(h *Handler, r *http.Request) context.Context {
	return audit.WithIP(r.Context(), h.srv.ClientIP(r))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func pagePath(id int64) string { return fmt.Sprintf("/competitions/%d", id) }
