package demo

// The competitions' demo, in our own words with invented people:
//
//   - the «Достық керуені» (Friendship Caravan) spartakiad of the colleges of
//     Sarysu district, held by the Sarysu District Assembly: four colleges
//     (invented, each with its students as members), four disciplines —
//     volleyball, chess, togyzkumalak played to the end, and the tug of war
//     half-way — each a round robin with its own table, and the overall
//     table by place points;
//   - the caravan's mini-football cup: two teams of each college, split by
//     seeding in snake order into two groups of four, each group's round
//     robin played (one team did not show up for its last game: a forfeit),
//     and the crossed semi-finals (A1 v B2, B1 v A2) waiting for results;
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
	"github.com/ortaq/ortaq/internal/auth"
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
	var collegeIDs []int64
	for i, name := range colleges {
		c, err := registry.Create(ctx, admin, 0, orgs.Patch{Kind: &kind, Region: &region, District: &district, Name: &name})
		if err != nil {
			return fmt.Errorf("competitions demo: college: %w", err)
		}
		collegeIDs = append(collegeIDs, c.ID)
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

	if err := loadCup(ctx, svc, admin, sarysu, collegeIDs); err != nil {
		return fmt.Errorf("competitions demo: cup: %w", err)
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

// loadCup is the caravan's mini-football cup: a group stage of two groups
// and the crossed semi-finals.
func loadCup(ctx context.Context, svc *competitions.Service, admin *auth.User, org int64, colleges []int64) error {
	cup, err := svc.Create(ctx, admin, competitions.NewCompetition{OrgID: org, Format: "round_robin", Points: "football",
		Title: i18n.Text{KK: "«Достық керуені» мини-футбол кубогы", RU: "Кубок «Каравана дружбы» по мини-футболу",
			EN: "Friendship Caravan mini-football cup"}})
	if err != nil {
		return err
	}
	// Seeding order: each college's first team, then the second teams.
	names := []string{"Агротех", "Политех", "Педагог", "Саудакент", "Политех-2", "Агротех-2", "Саудакент-2", "Педагог-2"}
	from := []int{0, 1, 2, 3, 1, 0, 3, 2}
	strength := map[int64]int{} // a smaller number is stronger
	for i, n := range names {
		id, err := svc.AddTeam(ctx, admin, cup, competitions.NewTeam{Name: n, OrgID: colleges[from[i]]})
		if err != nil {
			return err
		}
		strength[id] = []int{1, 3, 2, 5, 4, 6, 8, 7}[i]
	}
	if err := svc.SplitGroups(ctx, admin, cup, competitions.GroupsIn{Groups: 2, Method: "snake"}); err != nil {
		return err
	}
	for r := range 3 {
		rd, err := svc.DrawRound(ctx, admin, cup, competitions.DrawIn{})
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		for b, g := range rd.Pairings {
			if g.IsBye() {
				continue
			}
			if r == 2 && b == len(rd.Pairings)-1 {
				// The last game of the last round: the weaker team's bus
				// did not come.
				absent := "away"
				if strength[g.Home] > strength[g.Away] {
					absent = "home"
				}
				if _, err := svc.Forfeit(ctx, admin, g.ID, absent); err != nil {
					return err
				}
				continue
			}
			hs, as := float64(2+b%2), float64(r%2)
			if strength[g.Away] < strength[g.Home] {
				hs, as = as, hs
			}
			if (r+b)%4 == 3 {
				as = hs // now and then a draw
			}
			if _, err := svc.EnterResult(ctx, admin, g.ID, competitions.ResultIn{HomeScore: &hs, AwayScore: &as}); err != nil {
				return err
			}
		}
	}
	// The top two of each group, crossed; the semi-finals wait.
	if _, err := svc.DrawRound(ctx, admin, cup, competitions.DrawIn{Qualifiers: 2}); err != nil {
		return fmt.Errorf("semi-finals: %w", err)
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
