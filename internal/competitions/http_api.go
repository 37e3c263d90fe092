package competitions

import (
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// DisciplineIO is a discipline in the API.
type DisciplineIO struct {
	Key   string    `json:"key" doc:"lowercase letters, digits, - and _"`
	Title i18n.Text `json:"title"`
}

// CompetitionIn is the body of POST /api/v1/competitions.
type CompetitionIn struct {
	OrganizationID string         `json:"organization_id"`
	Title          i18n.Text      `json:"title"`
	Format         string         `json:"format" enum:"round_robin,swiss,knockout"`
	Points         string         `json:"points,omitempty" enum:"football,chess,debate" doc:"what a result is worth: football 3/1/0 (default), chess 2/1/0, debate 1/0/0 with the judges' decision"`
	Disciplines    []DisciplineIO `json:"disciplines,omitempty"`
	ForfeitScore   *float64       `json:"forfeit_score,omitempty" doc:"the winner's score of a forfeit (the loser's is 0); default 3"`
}

// TeamOut is a team; members only for the competition's organizers.
type TeamOut struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	OrganizationID string   `json:"organization_id,omitempty"`
	Members        []string `json:"members,omitempty" doc:"person ids (organizers only)"`
	Group          string   `json:"group,omitempty" doc:"its group (A, B, …) in a stage of several groups"`
	Withdrawn      bool     `json:"withdrawn,omitempty"`
	WithdrawReason string   `json:"withdraw_reason,omitempty"`
}

// CompetitionOut is a competition.
type CompetitionOut struct {
	ID             string         `json:"id"`
	OrganizationID string         `json:"organization_id"`
	Title          i18n.Text      `json:"title"`
	Format         string         `json:"format"`
	Points         string         `json:"points"`
	Disciplines    []DisciplineIO `json:"disciplines"`
	Teams          []TeamOut      `json:"teams"`
	ForfeitScore   float64        `json:"forfeit_score"`
}

// TeamIn is the body of POST …/teams.
type TeamIn struct {
	Name           string   `json:"name" maxLength:"120"`
	OrganizationID string   `json:"organization_id,omitempty" doc:"the organization the team comes from (a college)"`
	Members        []string `json:"members" doc:"person ids: members of the competition's or the team's organization"`
}

// JudgeIn is the body of POST …/judges.
type JudgeIn struct {
	PersonID string `json:"person_id"`
}

// JudgeOut is a named judge.
type JudgeOut struct {
	PersonID string `json:"person_id"`
}

// RoundIn is the body of POST …/rounds (may be empty: {}).
type RoundIn struct {
	Discipline string `json:"discipline,omitempty" doc:"a discipline's key; required when the competition has disciplines"`
	Qualifiers int    `json:"qualifiers,omitempty" doc:"start the final: a knockout of the top N of the table"`
}

// PairingOut is a game of a round.
type PairingOut struct {
	ID         string   `json:"id"`
	Home       string   `json:"home" doc:"team id"`
	Away       *string  `json:"away" doc:"team id; null: home has a bye"`
	ThirdPlace bool     `json:"third_place,omitempty"`
	HomeScore  *float64 `json:"home_score"`
	AwayScore  *float64 `json:"away_score"`
	Winner     string   `json:"winner,omitempty" doc:"team id when a decision named it"`
	Done       bool     `json:"done"`
	Forfeit    bool     `json:"forfeit,omitempty" doc:"not played: the winner won by forfeit (the scores are the forfeit score)"`
	// DoubleForfeit: neither team showed up; both lost (no winner, no scores).
	DoubleForfeit bool     `json:"double_forfeit,omitempty" doc:"not played, neither team showed up: both lose, no points, no scores"`
	Panel         *SplitIO `json:"panel,omitempty" doc:"a debate panel's split, once every judge has decided"`
}

// SplitIO is how a panel's judges voted.
type SplitIO struct {
	Home int `json:"home"`
	Away int `json:"away"`
}

// RoundOut is a drawn round.
type RoundOut struct {
	ID         string       `json:"id"`
	Number     int          `json:"number"`
	Stage      string       `json:"stage" enum:"main,final"`
	Discipline string       `json:"discipline,omitempty"`
	Seed       string       `json:"seed" doc:"the seed of the round's draw by lot"`
	Pairings   []PairingOut `json:"pairings"`
}

// SwapIn is the body of POST /rounds/{id}/swap.
type SwapIn struct {
	TeamA string `json:"team_a"`
	TeamB string `json:"team_b"`
}

// ResultBody is the body of PUT /pairings/{id}.
type ResultBody struct {
	HomeScore *float64 `json:"home_score,omitempty"`
	AwayScore *float64 `json:"away_score,omitempty"`
	Winner    string   `json:"winner,omitempty" enum:"home,away,draw" doc:"win/draw/loss without scores, or a decision (judges, penalties) that overrides them"`
}

// StandingOut is a line of the table.
type StandingOut struct {
	TeamID        string  `json:"team_id"`
	Name          string  `json:"name"`
	Played        int     `json:"played"`
	Won           int     `json:"won"`
	Drawn         int     `json:"drawn"`
	Lost          int     `json:"lost"`
	Points        int     `json:"points"`
	Rank          int     `json:"rank"`
	Position      int     `json:"position"`
	ScoresFor     float64 `json:"scores_for"`
	ScoresAgainst float64 `json:"scores_against"`
	Buchholz      int     `json:"buchholz"`
	DecidedBy     string  `json:"decided_by,omitempty"`
	ForfeitsWon   int     `json:"forfeits_won" doc:"of won: by forfeit"`
	ForfeitsLost  int     `json:"forfeits_lost" doc:"of lost: by forfeit"`
	Group         string  `json:"group,omitempty" doc:"the group of this line's table, in a stage of several groups"`
	Withdrawn     bool    `json:"withdrawn,omitempty"`
}

// AwardBody is the body of POST …/awards.
type AwardBody struct {
	To    string    `json:"to" enum:"winners,participants"`
	Kind  string    `json:"kind,omitempty" enum:"certificate,diploma,thanks" doc:"default: diploma for winners, certificate for participants"`
	Title i18n.Text `json:"title,omitempty" doc:"default: the competition's title"`
}

// AwardsOut lists the awards issued.
type AwardsOut struct {
	Items []awards.Issued `json:"items"`
}

func parseID(fs *errs.Fields, field, s string) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fs.Add(field, "validation.invalid_value")
		return 0
	}
	return n
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r)
	if !ok {
		return
	}
	var in CompetitionIn
	if err := h.srv.Decode(r, &in); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var fs errs.Fields
	org := parseID(&fs, "organization_id", in.OrganizationID)
	if err := fs.Err(); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	nc := NewCompetition{OrgID: org, Title: in.Title, Format: in.Format, Points: in.Points, ForfeitScore: in.ForfeitScore}
	for _, d := range in.Disciplines {
		nc.Disciplines = append(nc.Disciplines, Discipline{Key: d.Key, Title: d.Title})
	}
	id, err := h.svc.Create(withIP(h, r), req.User, nc)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.writeCompetition(w, r, id, http.StatusCreated)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	if req, ok := h.srv.BeginGuest(w, r, "id"); ok {
		h.writeCompetition(w, r, req.ID, http.StatusOK)
	}
}

func (h *Handler) writeCompetition(w http.ResponseWriter, r *http.Request, id int64, status int) {
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	organizer, err := h.svc.IsOrganizer(r.Context(), web.UserOf(r), c)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	teams, err := h.svc.Teams(r.Context(), id, organizer)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	o := CompetitionOut{ID: idStr(c.ID), OrganizationID: idStr(c.OrgID), Title: c.Title, Format: c.Format, Points: c.Points,
		Disciplines: []DisciplineIO{}, Teams: []TeamOut{}, ForfeitScore: c.ForfeitScore}
	for _, d := range c.Disciplines {
		o.Disciplines = append(o.Disciplines, DisciplineIO{Key: d.Key, Title: d.Title})
	}
	for _, t := range teams {
		o.Teams = append(o.Teams, teamOut(t))
	}
	api.WriteJSON(w, status, o)
}

func teamOut(t Team) TeamOut {
	o := TeamOut{ID: idStr(t.ID), Name: t.Name, OrganizationID: idStr(t.OrgID), Group: GroupName(t.Group), Withdrawn: t.Withdrawn,
		WithdrawReason: t.Reason}
	for _, m := range t.Members {
		o.Members = append(o.Members, idStr(m.ID))
	}
	return o
}

func (h *Handler) apiAddTeam(r *http.Request, u *auth.User, id int64, in TeamIn) (TeamOut, error) {
	var fs errs.Fields
	nt := NewTeam{Name: in.Name, OrgID: parseID(&fs, "organization_id", in.OrganizationID)}
	for i, m := range in.Members {
		nt.Members = append(nt.Members, parseID(&fs, "members["+strconv.Itoa(i)+"]", m))
	}
	if err := fs.Err(); err != nil {
		return TeamOut{}, err
	}
	tid, err := h.svc.AddTeam(r.Context(), u, id, nt)
	if err != nil {
		return TeamOut{}, err
	}
	o := TeamOut{ID: idStr(tid), Name: nt.Name, OrganizationID: idStr(nt.OrgID)}
	for _, m := range nt.Members {
		o.Members = append(o.Members, idStr(m))
	}
	return o, nil
}

func (h *Handler) apiAddJudge(r *http.Request, u *auth.User, id int64, in JudgeIn) (JudgeOut, error) {
	var fs errs.Fields
	p := parseID(&fs, "person_id", in.PersonID)
	if err := fs.Err(); err != nil {
		return JudgeOut{}, err
	}
	if err := h.svc.AddJudge(r.Context(), u, id, p); err != nil {
		return JudgeOut{}, err
	}
	return JudgeOut{PersonID: idStr(p)}, nil
}

func roundOut(c *Competition, rd *Round) RoundOut {
	o := RoundOut{ID: idStr(rd.ID), Number: rd.Number, Stage: rd.Stage, Seed: strconv.FormatUint(rd.Seed, 10), Pairings: []PairingOut{}}
	for _, d := range c.Disciplines {
		if d.ID == rd.DisciplineID {
			o.Discipline = d.Key
		}
	}
	for _, p := range rd.Pairings {
		o.Pairings = append(o.Pairings, pairingOut(p))
	}
	return o
}

func pairingOut(p Pairing) PairingOut {
	o := PairingOut{ID: idStr(p.ID), Home: idStr(p.Home), ThirdPlace: p.ThirdPlace, HomeScore: p.HomeScore, AwayScore: p.AwayScore,
		Winner: idStr(p.Winner), Done: p.Done, Forfeit: p.Forfeit, DoubleForfeit: p.DoubleForfeit()}
	if p.Split() {
		o.Panel = &SplitIO{Home: p.PanelHome, Away: p.PanelAway}
	}
	if p.Away != 0 {
		a := idStr(p.Away)
		o.Away = &a
	}
	return o
}

func (h *Handler) apiDraw(r *http.Request, u *auth.User, id int64, in RoundIn) (RoundOut, error) {
	rd, err := h.svc.DrawRound(r.Context(), u, id, DrawIn(in))
	if err != nil {
		return RoundOut{}, err
	}
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return RoundOut{}, err
	}
	return roundOut(c, rd), nil
}

func (h *Handler) apiRounds(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	c, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	rounds, err := h.svc.Rounds(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	out := api.Page[RoundOut]{Items: []RoundOut{}}
	for i := range rounds {
		out.Items = append(out.Items, roundOut(c, &rounds[i]))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) apiSwap(r *http.Request, u *auth.User, id int64, in SwapIn) (RoundOut, error) {
	var fs errs.Fields
	a, b := parseID(&fs, "team_a", in.TeamA), parseID(&fs, "team_b", in.TeamB)
	if err := fs.Err(); err != nil {
		return RoundOut{}, err
	}
	if err := h.svc.Swap(r.Context(), u, id, a, b); err != nil {
		return RoundOut{}, err
	}
	var compID int64
	if err := h.svc.db.QueryRow(r.Context(), `SELECT competition_id FROM competition_rounds WHERE id = ?`, id).Scan(&compID); err != nil {
		return RoundOut{}, err
	}
	c, err := h.svc.Get(r.Context(), compID)
	if err != nil {
		return RoundOut{}, err
	}
	rounds, err := h.svc.Rounds(r.Context(), compID)
	if err != nil {
		return RoundOut{}, err
	}
	for i := range rounds {
		if rounds[i].ID == id {
			return roundOut(c, &rounds[i]), nil
		}
	}
	return RoundOut{}, notFound()
}

func (h *Handler) apiResult(r *http.Request, u *auth.User, id int64, in ResultBody) (PairingOut, error) {
	p, err := h.svc.EnterResult(r.Context(), u, id, ResultIn(in))
	if err != nil {
		return PairingOut{}, err
	}
	return pairingOut(p.Pairing), nil
}

func (h *Handler) apiStandings(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	c, err := h.svc.Get(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var disc int64
	if key := r.URL.Query().Get("discipline"); key != "" || len(c.Disciplines) > 0 {
		d := c.Discipline(key)
		if d == nil {
			var fs errs.Fields
			fs.Add("discipline", "competitions.error.discipline_required")
			h.srv.Fail(w, r, fs.Err())
			return
		}
		disc = d.ID
	}
	teams, err := h.svc.Teams(r.Context(), c.ID, false)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	rounds, err := h.svc.Rounds(r.Context(), c.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	groups, err := h.svc.GroupStandings(r.Context(), c, teams, rounds, disc)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if groups == nil {
		rows, err := h.svc.Standings(r.Context(), c, teams, rounds, disc)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		groups = []Group{{Rows: rows}}
	}
	withdrawn := map[int64]bool{}
	for _, t := range teams {
		withdrawn[t.ID] = t.Withdrawn
	}
	// With groups: each group's table in turn, group A first.
	out := api.Page[StandingOut]{Items: []StandingOut{}}
	for _, g := range groups {
		for _, row := range g.Rows {
			out.Items = append(out.Items, StandingOut{TeamID: idStr(row.TeamID), Name: row.Name, Played: row.Played, Won: row.Won,
				Drawn: row.Drawn, Lost: row.Lost, Points: row.Points, Rank: row.Rank, Position: row.Position, ScoresFor: row.ScoresFor,
				ScoresAgainst: row.ScoresAgainst, Buchholz: row.Buchholz, DecidedBy: string(row.DecidedBy), ForfeitsWon: row.ForfeitsWon,
				ForfeitsLost: row.ForfeitsLost, Group: g.Name, Withdrawn: withdrawn[row.TeamID]})
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) apiAwards(r *http.Request, u *auth.User, id int64, in AwardBody) (AwardsOut, error) {
	issued, err := h.svc.IssueAwards(r.Context(), u, id, AwardIn{To: in.To, Kind: certificate.Kind(in.Kind), Title: in.Title})
	if err != nil {
		return AwardsOut{}, err
	}
	return AwardsOut{Items: issued}, nil
}

func (h *Handler) apiClear(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	if err := h.svc.ClearResult(withIP(h, r), req.User, req.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p, err := h.svc.GetPairing(r.Context(), req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, pairingOut(p.Pairing))
}
