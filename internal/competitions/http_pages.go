package competitions

import (
	"context"
	"html/template"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.BeginGuest(w, r); !ok {
		return
	}
	list, err := h.svc.List(r.Context(), web.FormInt(r.URL.Query().Get("org")), 100)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "competitions_list", &web.PageData{Title: h.srv.T(r, "competitions.title"), Data: list})
}

// GameView is a pairing as the page shows it.
type GameView struct {
	Pairing
	HomeName, AwayName string
	Score              string // "3 : 1", "" before the result
	WinnerName         string // a decision's winner
	LoserName          string // a forfeit's absent team
	Pending            bool   // a game without its result
	// Judges are the game's own judges (names for its organizers only);
	// JudgeIDs for the assignment form.
	Judges   []Person
	JudgeIDs map[int64]bool
	CanEnter bool // the reader may enter its result (or a decision)
	Panel    int  // a debate panel's size (0: none)
	Decided  int  // decisions given so far
	Mine     bool // the reader, a panel judge, has given a decision
}

// RoundView is a round as the page shows it.
type RoundView struct {
	*Round
	Games   []GameView
	Started bool
	Last    bool // the last round of its stage: its results can still be corrected
	// Bracket names a knockout round by what it decides: "final",
	// "semi", "quarter", else "round" (numbered); "" outside a bracket.
	Bracket string
}

// ShowData is the competition page.
type ShowData struct {
	C            *Competition
	Title        string
	Teams        []Team
	Judges       []Person
	Discipline   *Discipline // the discipline shown; nil without disciplines
	Main, Final  []RoundView
	Table        []Row
	Shared       []bool // Table[i] shares its rank with a neighbour ("3 =")
	Groups       []GroupView
	Withdrawn    map[int64]bool
	CanSplit     bool // the organizer may still split the teams into groups
	GroupLetters []string
	Overall      []OverallRow
	Counted      []Discipline // the disciplines in the overall table, in order
	Organizer    bool
	Judge        bool
	CanAward     bool
	ErrPairing   int64     // the game whose result form has errors
	JudgeMatches []Person  // people a typed judge's name matched, each with a button
	TeamOrgPick  *web.Pick // organizers: the new team's organization, as typed
	// Sections are other components' parts of the page (the reports
	// about the competition), the same for every reader.
	Sections []template.HTML
	Lang     i18n.Lang
}

// GroupView is a group's table on the page.
type GroupView struct {
	Name   string
	Rows   []Row
	Shared []bool
}

func shared(rows []Row) []bool {
	out := make([]bool, len(rows))
	for i := 1; i < len(rows); i++ {
		if rows[i].Rank == rows[i-1].Rank {
			out[i], out[i-1] = true, true
		}
	}
	return out
}

// score prints a score without a needless ".0".
func score(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	d, err := h.load(r.Context(), r, req.ID, r.URL.Query().Get("d"))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "competitions_show", &web.PageData{Title: d.Title, Data: d})
}

// load gathers the page: the competition, its teams (with members for its
// organizers), the rounds of the discipline shown, its table and the
// overall table.
func (h *Handler) load(ctx context.Context, r *http.Request, id int64, discKey string) (*ShowData, error) {
	c, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	u := web.UserOf(r)
	d := &ShowData{C: c, Title: c.Title.In(web.LangOf(r)), Lang: web.LangOf(r)}
	if d.Organizer, err = h.svc.IsOrganizer(ctx, u, c); err != nil {
		return nil, err
	}
	if d.Judge, err = h.svc.IsJudge(ctx, u, c.ID); err != nil {
		return nil, err
	}
	if d.Organizer {
		// What the team form sent, when it comes back with errors.
		if d.TeamOrgPick, err = h.srv.Pick(r, "org-any", web.PickFields(r.PostForm, "team_org_id"), "team_org_id"); err != nil {
			return nil, err
		}
	}
	d.CanAward = d.Organizer && h.svc.awards != nil
	if d.Teams, err = h.svc.Teams(ctx, id, d.Organizer); err != nil {
		return nil, err
	}
	if d.Organizer {
		if d.Judges, err = h.svc.Judges(ctx, id); err != nil {
			return nil, err
		}
	}
	rounds, err := h.svc.Rounds(ctx, id)
	if err != nil {
		return nil, err
	}
	var disc int64
	if len(c.Disciplines) > 0 {
		d.Discipline = c.Discipline(discKey)
		if d.Discipline == nil {
			d.Discipline = &c.Disciplines[0]
		}
		disc = d.Discipline.ID
		if d.Overall, d.Counted, err = h.svc.Overall(ctx, c, d.Teams, rounds); err != nil {
			return nil, err
		}
	}
	if d.Table, err = h.svc.Standings(ctx, c, d.Teams, rounds, disc); err != nil {
		return nil, err
	}
	d.Shared = shared(d.Table)
	groups, err := h.svc.GroupStandings(ctx, c, d.Teams, rounds, disc)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		d.Groups = append(d.Groups, GroupView{Name: g.Name, Rows: g.Rows, Shared: shared(g.Rows)})
	}
	names := map[int64]string{}
	d.Withdrawn = map[int64]bool{}
	for _, t := range d.Teams {
		names[t.ID] = t.Name
		d.Withdrawn[t.ID] = t.Withdrawn
	}
	d.CanSplit = d.Organizer && c.Format == "round_robin" && len(rounds) == 0 && len(d.Teams) >= 4
	if d.CanSplit {
		for g := 1; g <= min(MaxGroups, len(d.Teams)/2); g++ {
			d.GroupLetters = append(d.GroupLetters, GroupName(g))
		}
	}
	var gameJudges map[int64][]Person
	var decided map[int64]int
	mine := map[int64]bool{}
	if gameJudges, decided, err = h.svc.GameJudges(ctx, id); err != nil {
		return nil, err
	}
	if d.Judge {
		if mine, err = h.svc.MyDecisions(ctx, id, u.ID); err != nil {
			return nil, err
		}
	}
	for i := range rounds {
		rd := &rounds[i]
		if rd.DisciplineID != disc {
			continue
		}
		v := RoundView{Round: rd, Started: rd.Started()}
		if rd.Stage == Final || c.Format == "knockout" {
			games := 0
			for _, p := range rd.Pairings {
				if !p.ThirdPlace {
					games++
				}
			}
			v.Bracket = map[int]string{1: "final", 2: "semi", 4: "quarter"}[games]
			if v.Bracket == "" {
				v.Bracket = "round"
			}
		}
		for _, p := range rd.Pairings {
			g := GameView{Pairing: p, HomeName: names[p.Home], AwayName: names[p.Away], Pending: !p.Done}
			if p.HomeScore != nil && p.AwayScore != nil {
				g.Score = score(p.HomeScore) + " : " + score(p.AwayScore)
			}
			if p.Winner != 0 {
				g.WinnerName = names[p.Winner]
				if p.Forfeit {
					g.LoserName = names[p.Home]
					if p.Winner == p.Home {
						g.LoserName = names[p.Away]
					}
				}
			}
			js := gameJudges[p.ID]
			g.JudgeIDs = map[int64]bool{}
			onPanel := false
			for _, j := range js {
				g.JudgeIDs[j.ID] = true
				onPanel = onPanel || (u != nil && j.ID == u.ID)
			}
			if d.Organizer {
				g.Judges = js
			}
			g.CanEnter = d.Organizer || (d.Judge && (len(js) == 0 || onPanel))
			if c.Points == "debate" && len(js) > 1 {
				g.Panel, g.Decided = len(js), decided[p.ID]
				g.Mine = onPanel && mine[p.ID]
			}
			v.Games = append(v.Games, g)
		}
		if rd.Stage == Final {
			d.Final = append(d.Final, v)
		} else {
			d.Main = append(d.Main, v)
		}
	}
	if n := len(d.Main); n > 0 && len(d.Final) == 0 {
		d.Main[n-1].Last = true
	}
	if n := len(d.Final); n > 0 {
		d.Final[n-1].Last = true
	}
	if d.Sections, err = h.srv.Parts(r, "competitions_show", id); err != nil {
		return nil, err
	}
	// Newest round first: on a phone the current games come first.
	for i, j := 0, len(d.Main)-1; i < j; i, j = i+1, j-1 {
		d.Main[i], d.Main[j] = d.Main[j], d.Main[i]
	}
	return d, nil
}
