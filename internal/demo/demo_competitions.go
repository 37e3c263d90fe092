package demo

// The competitions' demo, in our own words with invented people:
//
//   - the «Достық керуені» (Friendship Caravan) spartakiad of the colleges of
//     Sarysu district, held by the Sarysu District Assembly: four colleges
//     (invented, each with its students as members), four disciplines —
//     volleyball, chess, togyzkumalak played to the end, and the tug of war
//     half-way — each a round robin with its own table, and the overall
//     table by place points;
//   - the youth wing's regional debate championship in West Kazakhstan:
//     eight teams of three from the Oral primary organization, three
//     qualifying Swiss rounds decided by the judges, and a knockout of the
//     top four whose semi-finals are played and whose final waits for the
//     judge — the demo member account (member@demo.ortaq.kz), who can enter
//     its result.

import (
	"context"
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/competitions"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

func loadCompetitions(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	// Built without delivery and without awards: nobody is told.
	svc := competitions.New(competitions.Deps{DB: a.DB, Auth: a.Auth, Catalog: a.Catalog, Log: a.Log})
	registry := orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: a.Log})

	// ---- 1. The caravan's spartakiad of colleges in Sarysu.
	sarysu, err := orgNamed(ctx, a.DB, "Sarysu District Assembly", "Zhambyl Regional Assembly of People of Kazakhstan")
	if err != nil {
		return err
	}
	colleges := []i18n.Text{
		{KK: "Сарысу аграрлық-техникалық колледжі", RU: "Сарысуский аграрно-технический колледж", EN: "Sarysu Agrarian and Technical College"},
		{KK: "Жаңатас политехникалық колледжі", RU: "Жанатасский политехнический колледж", EN: "Zhanatas Polytechnic College"},
		{KK: "Сарысу педагогикалық колледжі", RU: "Сарысуский педагогический колледж", EN: "Sarysu Teacher Training College"},
		{KK: "Саудакент көпсалалы колледжі", RU: "Саудакентский многопрофильный колледж", EN: "Saudakent Multidisciplinary College"},
	}
	kind, region, district := "college", "KZ-31", "KZ-31-sarysu"
	spart, err := svc.Create(ctx, admin, competitions.NewCompetition{OrgID: sarysu, Format: "round_robin", Points: "football",
		Title: i18n.Text{KK: "«Достық керуені» колледждер спартакиадасы", RU: "Спартакиада колледжей «Караван дружбы»",
			EN: "Friendship Caravan spartakiad of colleges"},
		Disciplines: []competitions.Discipline{
			{Key: "volleyball", Title: i18n.Text{KK: "Волейбол", RU: "Волейбол", EN: "Volleyball"}},
			{Key: "chess", Title: i18n.Text{KK: "Шахмат", RU: "Шахматы", EN: "Chess"}},
			{Key: "togyzkumalak", Title: i18n.Text{KK: "Тоғызқұмалақ", RU: "Тогызкумалак", EN: "Togyzkumalak"}},
			{Key: "tug-of-war", Title: i18n.Text{KK: "Арқан тарту", RU: "Перетягивание каната", EN: "Tug of war"}},
		}})
	if err != nil {
		return fmt.Errorf("competitions demo: spartakiad: %w", err)
	}
	for i, name := range colleges {
		c, err := registry.Create(ctx, admin, 0, orgs.Patch{Kind: &kind, Region: &region, District: &district, Name: &name})
		if err != nil {
			return fmt.Errorf("competitions demo: college: %w", err)
		}
		domain := fmt.Sprintf("college%d.demo.ortaq.kz", i+1)
		if _, err := registry.ImportMembers(ctx, admin, c.ID, memberFile(3000+10*i, 3006+10*i, domain, func(int) string { return "member" })); err != nil {
			return fmt.Errorf("competitions demo: students: %w", err)
		}
		students, err := usersAt(ctx, a, domain)
		if err != nil {
			return err
		}
		if _, err := svc.AddTeam(ctx, admin, spart, competitions.NewTeam{Name: name.KK, OrgID: c.ID, Members: students}); err != nil {
			return fmt.Errorf("competitions demo: team: %w", err)
		}
	}
	// Results by strength, different in each discipline; r is a round's
	// index, so that a few games go the other way.
	type play struct {
		key    string
		rounds int
		order  []int // strength by team index, best first
		score  func(better bool, r int) (float64, float64)
	}
	plays := []play{
		{"volleyball", 3, []int{1, 0, 3, 2}, func(better bool, r int) (float64, float64) {
			if better {
				return 3, float64(r % 3)
			}
			return float64(1 + r%2), 3
		}},
		{"chess", 3, []int{2, 1, 0, 3}, func(better bool, r int) (float64, float64) {
			if r == 2 {
				return 2, 2
			}
			if better {
				return 3, 1
			}
			return 1.5, 2.5
		}},
		{"togyzkumalak", 3, []int{0, 2, 1, 3}, func(better bool, r int) (float64, float64) {
			if better {
				return 1, 0
			}
			return 0, 1
		}},
		{"tug-of-war", 2, []int{3, 0, 1, 2}, func(better bool, r int) (float64, float64) {
			if better {
				return 2, 1
			}
			return 1, 2
		}},
	}
	teams, err := svc.Teams(ctx, spart, false)
	if err != nil {
		return err
	}
	index := map[int64]int{}
	for i, t := range teams {
		index[t.ID] = i
	}
	for _, p := range plays {
		strength := map[int]int{}
		for rank, team := range p.order {
			strength[team] = rank
		}
		for r := range p.rounds {
			rd, err := svc.DrawRound(ctx, admin, spart, competitions.DrawIn{Discipline: p.key})
			if err != nil {
				return fmt.Errorf("competitions demo: %s round %d: %w", p.key, r+1, err)
			}
			if p.key == "tug-of-war" && r == p.rounds-1 {
				break // the tug of war goes on: its second round waits for results
			}
			for _, g := range rd.Pairings {
				if g.IsBye() {
					continue
				}
				better := strength[index[g.Home]] < strength[index[g.Away]]
				hs, as := p.score(better, r)
				if _, err := svc.EnterResult(ctx, admin, g.ID, competitions.ResultIn{HomeScore: &hs, AwayScore: &as}); err != nil {
					return fmt.Errorf("competitions demo: %s result: %w", p.key, err)
				}
			}
		}
	}

	// ---- 2. The youth wing's debate championship in West Kazakhstan.
	wko, err := orgNamed(ctx, a.DB, "West Kazakhstan regional branch", "Jastar Rukhy youth wing")
	if err != nil {
		return err
	}
	debate, err := svc.Create(ctx, admin, competitions.NewCompetition{OrgID: wko, Format: "swiss", Points: "debate",
		Title: i18n.Text{KK: "«Жастар Рухы» облыстық дебат чемпионаты", RU: "Областной чемпионат по дебатам «Жастар Рухы»",
			EN: "Jastar Rukhy regional debate championship"}})
	if err != nil {
		return fmt.Errorf("competitions demo: debates: %w", err)
	}
	debaters, err := usersAt(ctx, a, "oral.demo.ortaq.kz")
	if err != nil {
		return err
	}
	if len(debaters) < 25 {
		return fmt.Errorf("competitions demo: %d members in Oral, want 25", len(debaters))
	}
	names := []string{"Шешендер", "Ой-өріс", "Дала дауысы", "Жайық", "Аргумент", "Тұлпар", "Көзқарас", "Логос"}
	for i, n := range names {
		// debaters[0] is the organization's chair, who chairs the judges
		// instead of playing.
		if _, err := svc.AddTeam(ctx, admin, debate, competitions.NewTeam{Name: n, Members: debaters[1+3*i : 4+3*i]}); err != nil {
			return fmt.Errorf("competitions demo: debate team: %w", err)
		}
	}
	for _, judge := range []int64{debaters[0], people["member@demo.ortaq.kz"]} {
		if err := svc.AddJudge(ctx, admin, debate, judge); err != nil {
			return fmt.Errorf("competitions demo: judge: %w", err)
		}
	}
	dteams, err := svc.Teams(ctx, debate, false)
	if err != nil {
		return err
	}
	skill := map[int64]int{}
	for i, t := range dteams {
		skill[t.ID] = []int{5, 2, 7, 1, 4, 8, 3, 6}[i] // a higher number wins
	}
	decide := func(g competitions.Pairing, r int) error {
		// Speaker points: the winner's a little higher, as a panel's are.
		win := "home"
		hs, as := 74.5+float64(r), 72.0+float64(r%2)
		if skill[g.Away] > skill[g.Home] {
			win, hs, as = "away", as, hs
		}
		_, err := svc.EnterResult(ctx, admin, g.ID, competitions.ResultIn{HomeScore: &hs, AwayScore: &as, Winner: win})
		return err
	}
	for r := range 3 {
		rd, err := svc.DrawRound(ctx, admin, debate, competitions.DrawIn{})
		if err != nil {
			return fmt.Errorf("competitions demo: debate round %d: %w", r+1, err)
		}
		for _, g := range rd.Pairings {
			if err := decide(g, r); err != nil {
				return fmt.Errorf("competitions demo: debate result: %w", err)
			}
		}
	}
	semis, err := svc.DrawRound(ctx, admin, debate, competitions.DrawIn{Qualifiers: 4})
	if err != nil {
		return fmt.Errorf("competitions demo: semi-finals: %w", err)
	}
	for _, g := range semis.Pairings {
		if err := decide(g, 3); err != nil {
			return fmt.Errorf("competitions demo: semi-final: %w", err)
		}
	}
	// The final and the match for third place wait for the judges.
	if _, err := svc.DrawRound(ctx, admin, debate, competitions.DrawIn{}); err != nil {
		return fmt.Errorf("competitions demo: final: %w", err)
	}
	return nil
}

// usersAt returns the ids of the demo people whose address is at domain,
// in the order they were made.
func usersAt(ctx context.Context, a *app.App, domain string) ([]int64, error) {
	rows, err := a.DB.Query(ctx, `SELECT id FROM users WHERE email LIKE ? ORDER BY id`, "%@"+strings.ToLower(domain))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
