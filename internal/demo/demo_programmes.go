package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/roadmap"
)

// youthProgrammeDays is how long the youth programme runs from the day the
// demo is loaded (its five phases, below); its title names the year it
// ends.
const youthProgrammeDays = 500

// youthProgrammeEnd is when the youth programme ends.
func youthProgrammeEnd(a *app.App) time.Time {
	return a.DB.Now().UTC().Add(youthProgrammeDays * 24 * time.Hour)
}

// programmeComponents are the programme components as the app builds them,
// but delivering nothing: the demo's invented people find notifications in
// their inbox, never in an email or a message.
func programmeComponents(a *app.App) *app.Components {
	n := notify.New(notify.Deps{DB: a.DB, Catalog: a.Catalog, BaseURL: a.Cfg.BaseURL, Site: a.Cfg.SiteName, Log: a.Log})
	p := programmes.New(programmes.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Log: a.Log, Proposals: proposals.Counts{DB: a.DB}})
	pr := proposals.New(proposals.Deps{DB: a.DB, Auth: a.Auth, Programmes: p, Notify: n, BaseURL: a.Cfg.BaseURL,
		Roadmap: roadmap.Links{DB: a.DB}})
	rm := roadmap.New(roadmap.Deps{DB: a.DB, Auth: a.Auth, Programmes: p, Proposals: pr, Notify: n})
	return &app.Components{Notify: n, Programmes: p, Proposals: pr, Roadmap: rm}
}

// loadProgrammes adds the youth wing's programme with proposals from
// several regions (in Kazakh and Russian, some answered), a roadmap with
// linked proposals and four indicators; a three-direction youth project;
// and an Assembly project with sub-projects. All invented.
func loadProgrammes(ctx context.Context, a *app.App, people map[string]int64) error {
	s := programmeComponents(a)
	defer s.Proposals.Stop()
	user := func(email string) (*auth.User, error) { return a.Auth.UserByID(ctx, people[email]) }
	admin, err := user("admin@demo.ortaq.kz")
	if err != nil {
		return err
	}
	wing, err := orgNamed(ctx, a.DB, "Jastar Rukhy youth wing", "")
	if err != nil {
		return err
	}
	now := a.DB.Now().UTC()
	day := 24 * time.Hour
	phases := func(start time.Time) []programmes.Phase {
		return []programmes.Phase{
			{Kind: "proposals", StartsAt: start, EndsAt: now.Add(45 * day)},
			{Kind: "evaluation", StartsAt: now.Add(45 * day), EndsAt: now.Add(75 * day)},
			{Kind: "roadmap", StartsAt: now.Add(75 * day), EndsAt: now.Add(105 * day)},
			{Kind: "implementation", StartsAt: now.Add(105 * day), EndsAt: now.Add(470 * day)},
			{Kind: "report", StartsAt: now.Add(470 * day), EndsAt: now.Add(youthProgrammeDays * day)},
		}
	}
	t := func(kk, ru, en string) i18n.Text { return i18n.Text{KK: kk, RU: ru, EN: en} }
	end := youthProgrammeEnd(a)

	youth, err := s.Programmes.Create(ctx, admin, programmes.Input{OrgID: wing, Kind: "programme",
		Title: t(fmt.Sprintf("«ЖАСТАР – ОТАНҒА!» %d жылға дейінгі жастар бағдарламасы", end.Year()),
			fmt.Sprintf("Молодёжная программа «ЖАСТАР – ОТАНҒА!» до %d года", end.Year()), fmt.Sprintf("“JASTAR – OTANǴA!” youth programme to %d", end.Year())),
		Description: t("Әр өңірде жастармен бірге жазылатын бағдарлама: жұмыс, білім, тұрғын үй, еріктілік. Алдымен ұсыныстар жинаймыз, содан кейін жол картасын бірге құрамыз.",
			"Программа, которую пишем вместе с молодёжью каждого региона: работа, образование, жильё, волонтёрство. Сначала собираем предложения, затем вместе составляем дорожную карту.",
			"A programme written with young people in every region: jobs, education, housing, volunteering. First we collect proposals, then we build the roadmap together."),
		StartsOn: now.AddDate(0, -1, 0).Format("2006-01-02"), EndsOn: now.AddDate(1, 6, 0).Format("2006-01-02"),
		AgeMin: 14, AgeMax: 35, Regions: []string{"KZ-27", "KZ-79", "KZ-71", "KZ-75", "KZ-31"},
		Directions: []programmes.Direction{
			{Title: t("Жастарды жұмыспен қамту", "Занятость молодёжи", "Youth employment")},
			{Title: t("Жастар бастамаларына гранттар", "Гранты на молодёжные инициативы", "Grants for youth initiatives")},
			{Title: t("Мектептерге кең жолақты интернет", "Широкополосный интернет для школ", "Broadband for schools")},
			{Title: t("Жастарға баспана", "Жильё для молодёжи", "Housing for young people")},
		},
		Phases: phases(now.Add(-14 * day)),
	})
	if err != nil {
		return fmt.Errorf("demo: programme: %w", err)
	}

	// Young authors and supporters, invented.
	type person struct{ name, email, birth, region string }
	var youngPeople []*auth.User
	for i, p := range []person{
		{"Аружан Серікқызы", "aruzhan@demo.ortaq.kz", "2003-04-11", "KZ-27"},
		{"Дмитрий Ли", "dmitriy@demo.ortaq.kz", "1999-12-02", "KZ-71"},
		{"Нұрдәулет Асқарұлы", "nurdaulet@demo.ortaq.kz", "2005-08-19", "KZ-79"},
		{"Мадина Оспанова", "madina@demo.ortaq.kz", "2001-02-27", "KZ-31"},
		{"Бекзат Тұрсынов", "bekzat@demo.ortaq.kz", "1997-06-05", "KZ-75"},
		{"Алина Петренко", "alina@demo.ortaq.kz", "2002-10-30", "KZ-27"},
	} {
		u, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: p.name, Email: p.email, BirthDate: p.birth, Region: p.region})
		if err != nil {
			return fmt.Errorf("demo: person %d: %w", i, err)
		}
		youngPeople = append(youngPeople, u)
	}
	member, err := user("member@demo.ortaq.kz")
	if err != nil {
		return err
	}
	youngPeople = append(youngPeople, member)

	type prop struct {
		author   int
		dir      int
		title    string
		body     string
		supports int
		answer   string
		text     string
	}
	props := []prop{
		{0, 0, "Ауыл жастарына маусымдық жұмыс", "Жазғы демалыста ауыл жастарына **маусымдық жұмыс** ұйымдастыру керек: көгалдандыру, спорт алаңдарын жөндеу, кітапханада көмек.\n\n- жалақы ай сайын төленсін\n- 16 жастан бастап", 6, "accepted", "Ұсыныс қабылданды: 2025 жылы әр ауданда кемінде 50 маусымдық жұмыс орны ашылады."},
		{1, 2, "Широкополосный интернет во всех сельских школах", "В половине сельских школ области интернет медленнее 2 Мбит/с. Предлагаю подключить все школы к оптоволокну до конца 2025 года и публиковать карту подключений.", 5, "accepted", "Предложение принято и включено в дорожную карту: подключение 120 школ в 2025 году."},
		{2, 1, "Жастар бастамаларына шағын гранттар", "Студенттер мен жас мұғалімдердің жобаларына 500 мың теңгеге дейін шағын гранттар беру керек. Өтінім беру қағазсыз, онлайн болсын.", 4, "evaluating", "Ұсыныс қаралып жатыр: қаржыландыру көзін облыс әкімдігімен келісеміз."},
		{3, 3, "Арендное жильё для молодых специалистов", "Молодые учителя и врачи уезжают из сёл, потому что негде жить. Нужен фонд арендного жилья с арендой не дороже 20% зарплаты.", 3, "", ""},
		{4, 0, "NEET жастарға арналған кәсіби курстар", "Жұмыс істемейтін және оқымайтын жастарға тегін кәсіби курстар мен тәлімгерлік керек. Курстан кейін жұмыс берушілермен кездесу ұйымдастырылсын.", 3, "accepted", "Қабылданды: «Жастар – жұмыс» курстары әр облыс орталығында ашылады."},
		{5, 1, "Волонтёрские центры при колледжах", "При каждом колледже открыть волонтёрский центр с координатором; часы волонтёрства учитывать при получении стипендии.", 2, "rejected", "Не принято в этом виде: колледжи уже имеют волонтёрские клубы. Предлагаем развивать их через гранты."},
		{6, 2, "Мектеп кітапханаларында ашық Wi-Fi", "Мектеп кітапханалары сабақтан кейін де ашық болып, тегін Wi-Fi берсе, ауылдағы оқушылар үй тапсырмасын сонда орындай алады.", 1, "", ""},
	}
	var created []*proposals.Proposal
	next := strconv.Itoa(now.Year() + 1)
	for i, p := range props {
		// The texts speak of the coming year ("2025" as written).
		p.body, p.text = strings.ReplaceAll(p.body, "2025", next), strings.ReplaceAll(p.text, "2025", next)
		author := youngPeople[p.author]
		pr, err := s.Proposals.Create(ctx, author, youth.ID, proposals.NewProposal{Title: p.title, Body: p.body,
			DirectionID: youth.Directions[p.dir].ID, Region: author.Region})
		if err != nil {
			return fmt.Errorf("demo: proposal %d: %w", i, err)
		}
		for j := 0; j < p.supports; j++ {
			if _, err := s.Proposals.Support(ctx, youngPeople[(p.author+1+j)%len(youngPeople)], pr.ID, true); err != nil {
				return fmt.Errorf("demo: support: %w", err)
			}
		}
		if p.answer != "" {
			if pr, err = s.Proposals.SetAnswer(ctx, admin, pr.ID, p.answer, p.text); err != nil {
				return fmt.Errorf("demo: answer: %w", err)
			}
		}
		created = append(created, pr)
	}
	if _, err := s.Proposals.AddComment(ctx, youngPeople[1], created[0].ID, 0, "Қолдаймын! Біздің ауылда да жазда жұмыс жоқ."); err != nil {
		return err
	}
	if _, err := s.Proposals.AddComment(ctx, youngPeople[5], created[1].ID, 0, "В нашей школе интернет пропадает каждый урок информатики."); err != nil {
		return err
	}

	items := []struct {
		title    i18n.Text
		dir      int
		status   string
		progress int
		deadline string
		links    []int
	}{
		{t("Әр ауданда маусымдық жұмыс орындары", "Сезонные рабочие места в каждом районе", "Seasonal jobs in every district"), 0, "in_progress", 40, now.AddDate(0, 6, 0).Format("2006-01-02"), []int{0}},
		{t("120 ауыл мектебін оптикалық талшыққа қосу", "Подключение 120 сельских школ к оптоволокну", "Fibre for 120 rural schools"), 2, "in_progress", 25, now.AddDate(0, 10, 0).Format("2006-01-02"), []int{1}},
		{t("«Жастар – жұмыс» кәсіби курстары", "Профессиональные курсы «Жастар – жұмыс»", "“Jastar – Jūmys” vocational courses"), 0, "planned", 0, now.AddDate(1, 0, 0).Format("2006-01-02"), []int{4}},
	}
	for _, it := range items {
		item, err := s.Roadmap.Create(ctx, admin, youth.ID, roadmap.ItemInput{Title: it.title, DirectionID: youth.Directions[it.dir].ID,
			ResponsibleID: wing, Deadline: it.deadline, Status: "planned"})
		if err != nil {
			return fmt.Errorf("demo: roadmap: %w", err)
		}
		if it.status != "planned" {
			if _, err := s.Roadmap.Progress(ctx, admin, item.ID, it.status, it.progress, "Жұмыс басталды / Работа начата"); err != nil {
				return err
			}
		}
		for _, l := range it.links {
			if err := s.Roadmap.Link(ctx, admin, item.ID, created[l].ID); err != nil {
				return fmt.Errorf("demo: roadmap link: %w", err)
			}
		}
	}

	type ind struct {
		name             i18n.Text
		unit, better     string
		baseline, target float64
		values           []programmes.Value
	}
	for _, in := range []ind{
		{t("NEET үлесі, 15–28 жас (%)", "Доля NEET среди 15–28 лет (%)", "NEET share among 15–28 (%)"), "%", "lower", 7.1, 5.0,
			[]programmes.Value{{Region: "KZ", Period: "2023", Value: 7.1}, {Region: "KZ", Period: "2024", Value: 6.6}, {Region: "KZ", Period: "2025", Value: 6.2},
				{Region: "KZ-27", Period: "2025", Value: 6.9}, {Region: "KZ-79", Period: "2025", Value: 7.8}, {Region: "KZ-71", Period: "2025", Value: 4.1}, {Region: "KZ-31", Period: "2025", Value: 7.3}}},
		{t("Жастар жұмыссыздығы (%)", "Молодёжная безработица (%)", "Youth unemployment (%)"), "%", "lower", 3.9, 3.0,
			[]programmes.Value{{Region: "KZ", Period: "2023", Value: 3.9}, {Region: "KZ", Period: "2024", Value: 3.7}, {Region: "KZ", Period: "2025", Value: 3.5},
				{Region: "KZ-27", Period: "2025", Value: 3.8}, {Region: "KZ-79", Period: "2025", Value: 4.4}, {Region: "KZ-75", Period: "2025", Value: 2.9}}},
		{t("Жастар арасындағы еріктілер үлесі (%)", "Доля волонтёров среди молодёжи (%)", "Volunteers among young people (%)"), "%", "higher", 12, 20,
			[]programmes.Value{{Region: "KZ", Period: "2023", Value: 12}, {Region: "KZ", Period: "2024", Value: 14.5}, {Region: "KZ", Period: "2025", Value: 16},
				{Region: "KZ-27", Period: "2025", Value: 15.2}, {Region: "KZ-79", Period: "2025", Value: 13.1}}},
		{t("Жастар бастамаларына гранттар (млн теңге)", "Гранты на молодёжные инициативы (млн тенге)", "Grant funding for youth initiatives (million tenge)"), "млн ₸", "higher", 850, 1500,
			[]programmes.Value{{Region: "KZ", Period: "2023", Value: 850}, {Region: "KZ", Period: "2024", Value: 1020}, {Region: "KZ", Period: "2025", Value: 1180}}},
	} {
		indicator, err := s.Programmes.CreateIndicator(ctx, admin, youth.ID, programmes.IndicatorInput{Name: in.name, Unit: in.unit, Better: in.better,
			Baseline: in.baseline, Target: in.target, TargetDate: fmt.Sprintf("%d-12-31", end.Year()-1)})
		if err != nil {
			return fmt.Errorf("demo: indicator: %w", err)
		}
		if _, err := s.Programmes.SetValues(ctx, admin, indicator.ID, in.values); err != nil {
			return fmt.Errorf("demo: values: %w", err)
		}
	}

	// A youth project with three directions.
	if _, err := s.Programmes.Create(ctx, admin, programmes.Input{OrgID: wing, Kind: "project",
		Title:       t("«Өрлеу» жастар жобасы", "Молодёжный проект «Өрлеу»", "“Örleu” youth project"),
		Description: t("Тәлімгерлер, көшбасшылар мектебі және шығармашылық байқаулар.", "Наставники, школа лидеров и творческие конкурсы.", "Mentors, a leaders' school and creative contests."),
		AgeMin:      16, AgeMax: 30,
		Directions: []programmes.Direction{
			{Title: t("Тәлімгерлер қоры", "Пул наставников", "Mentor pool")},
			{Title: t("Көшбасшылар мектебі", "Школа лидеров", "Leaders' school")},
			{Title: t("IT және шығармашылық байқаулар", "IT и творческие конкурсы", "IT and creative contests")},
		},
		Phases: phases(now.Add(-7 * day)),
	}); err != nil {
		return fmt.Errorf("demo: project: %w", err)
	}

	// The Assembly's project with sub-projects.
	asm, err := orgNamed(ctx, a.DB, "Shymkent City Assembly of People of Kazakhstan", "")
	if err != nil {
		return err
	}
	parent, err := s.Programmes.Create(ctx, admin, programmes.Input{OrgID: asm, Kind: "project",
		Title:       t("«Бірлік» жобасы", "Проект «Бірлік»", "“Birlik” project"),
		Description: t("Этномәдени бірлестіктердің жастарымен бірлескен жоба.", "Совместный проект с молодёжью этнокультурных объединений.", "A joint project with the young members of ethnocultural associations."),
		AgeMin:      14, AgeMax: 35, Phases: phases(now.Add(-3 * day))})
	if err != nil {
		return fmt.Errorf("demo: assembly project: %w", err)
	}
	for _, sub := range []i18n.Text{
		t("Мемлекеттік тіл курстары", "Курсы государственного языка", "State-language courses"),
		t("Медиация мектебі", "Школа медиации", "Mediation school"),
	} {
		if _, err := s.Programmes.Create(ctx, admin, programmes.Input{OrgID: asm, ParentID: parent.ID, Kind: "project", Title: sub, AgeMin: 14, AgeMax: 35}); err != nil {
			return fmt.Errorf("demo: sub-project: %w", err)
		}
	}
	return nil
}
