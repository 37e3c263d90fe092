package demo

// The registry's demo: organizations modelled on what public organizations
// in Kazakhstan report, told in our own words, with invented people.
//
//   - a party («Ортақ Іс», invented) with its Karaganda regional branch, the
//     Temirtau city branch and its primary organization at the Temirtau
//     Palace of Culture: 420 members who come from a university, the palace
//     of culture and an engineering company; a chair and a deputy chair;
//   - the Shymkent city Assembly of People with its secretariat and the
//     Public Accord institution, 20 ethnocultural associations first
//     registered in the region, 16 of them re-registered with the city's
//     justice department, and its councils and groups;
//   - the «Jastar Rukhy» youth wing (from the core demo) with its West
//     Kazakhstan branch and the Oral primary organization, now with members;
//   - the Zhambyl regional Assembly with the Sarysu district Assembly and its
//     Aksakals and Mothers councils.

import (
	"context"
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/orgs"
)

// The registry's demo accounts, one for each role of the field stories.
// Load creates every account in Accounts before the loaders run; loadOrgs
// gives these their grants and memberships.
var orgsAccounts = []Account{
	{"secretariat@demo.ortaq.kz", "demo-secretariat-2026", "Гүлмира Тұрсынова",
		"administrator of the Shymkent city Assembly (its secretariat) and everything below it", "1986-11-05", "KZ-79"},
	{"temirtau@demo.ortaq.kz", "demo-temirtau-2026", "Виктор Ковальчук",
		"chair and administrator of the Temirtau Palace of Culture primary organization", "1979-03-17", "KZ-35"},
	{"palace@demo.ortaq.kz", "demo-palace-2026", "Айдана Серікқызы",
		"member of the Temirtau Palace of Culture primary organization (comes from the palace of culture)", "1998-07-22", "KZ-35"},
}

// demoAccount returns the id of one of the registry's demo accounts,
// creating it when Load has not.
func demoAccount(ctx context.Context, a *app.App, people map[string]int64, email string) (int64, error) {
	if id, ok := people[email]; ok {
		return id, nil
	}
	for _, acc := range orgsAccounts {
		if acc.Email == email {
			u, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: acc.Name, Email: acc.Email, Password: acc.Password,
				BirthDate: acc.BirthDate, Region: acc.Region})
			if err != nil {
				return 0, fmt.Errorf("orgs demo: account %s: %w", email, err)
			}
			people[email] = u.ID
			return u.ID, nil
		}
	}
	return 0, fmt.Errorf("orgs demo: no account %s", email)
}

// Invented names of Kazakhstan's peoples, combined deterministically.
var (
	demoFirstM = []string{"Ерлан", "Нұрлан", "Асқар", "Дәурен", "Бауыржан", "Сергей", "Виктор", "Андрей", "Рустам", "Тимур",
		"Алексей", "Дмитрий", "Ильдар", "Фарид", "Шерзод", "Бахтияр", "Олжас", "Ержан", "Мирас", "Арман", "Вадим", "Руслан",
		"Азамат", "Дильшат", "Константин", "Игорь", "Марат", "Ринат", "Санжар", "Әділет"}
	demoFirstF = []string{"Айгүл", "Гүлнар", "Жанар", "Динара", "Әсел", "Ольга", "Наталья", "Елена", "Светлана", "Зарина",
		"Гульшат", "Лейла", "Мадина", "Айжан", "Сәуле", "Татьяна", "Ирина", "Камила", "Диляра", "Меруерт", "Анна", "Юлия",
		"Алия", "Назгүл", "Перизат", "Мария", "Эльмира", "Ляззат", "Гаухар", "Шолпан"}
	demoLast = []string{"Сәрсенбай", "Жақыпов", "Оспанов", "Нұрғали", "Бекмұхамед", "Ким", "Пак", "Цой", "Ли", "Иванов",
		"Петренко", "Шевченко", "Мюллер", "Вагнер", "Хасанов", "Юсупов", "Абдуллаев", "Каримов", "Гарипов", "Сафин",
		"Мамедов", "Алиев", "Тохтиев", "Масимов", "Исмаилов", "Ахметов", "Қасымов", "Төлеуов", "Смағұлов", "Байжанов",
		"Кузнецов", "Морозов", "Бойко", "Коваленко", "Шульц", "Рахимов", "Турсунов", "Нуриев", "Демченко", "Әбілқасым"}
)

// demoPerson returns an invented person for index i: a name, an address.
func demoPerson(i int, domain string) (name, email string) {
	last := demoLast[(i*7+3)%len(demoLast)]
	var first string
	female := i%2 == 1
	if female {
		first = demoFirstF[(i*11+5)%len(demoFirstF)]
	} else {
		first = demoFirstM[(i*13+1)%len(demoFirstM)]
	}
	if female {
		last = feminine(last)
	}
	login := strings.ReplaceAll(kazakh.Fold(first)+"."+kazakh.Fold(last), " ", "")
	return first + " " + last, fmt.Sprintf("%s.%d@%s", login, i, domain)
}

// feminine gives a surname its feminine form where the language has one.
func feminine(last string) string {
	switch {
	case strings.HasSuffix(last, "ов"), strings.HasSuffix(last, "ев"), strings.HasSuffix(last, "ин"):
		return last + "а"
	}
	return last
}

func demoBirth(i int) string {
	return fmt.Sprintf("%d-%02d-%02d", 1965+(i*37)%40, 1+(i*5)%12, 1+(i*11)%28)
}

// memberFile builds an import file for people from..to-1.
func memberFile(from, to int, domain string, role func(i int) string) []byte {
	var b strings.Builder
	b.WriteString("name,email,role,since,birth_date\n")
	for i := from; i < to; i++ {
		name, email := demoPerson(i, domain)
		fmt.Fprintf(&b, "%s,%s,%s,%d-%02d-01,%s\n", name, email, role(i), 2012+(i%12), 1+(i%12), demoBirth(i))
	}
	return []byte(b.String())
}

func loadOrgs(ctx context.Context, a *app.App, people map[string]int64) error {
	// Built without a notifier: the demo's invented people get no email.
	svc := orgs.New(orgs.Deps{DB: a.DB, Auth: a.Auth, Regions: a.Regions, Catalog: a.Catalog, Log: a.Log})
	if err := svc.Backfill(ctx); err != nil {
		return err
	}
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	s := func(v string) *string { return &v }
	tx := func(kk, ru, en string) *i18n.Text { return &i18n.Text{KK: kk, RU: ru, EN: en} }
	create := func(parent int64, kind string, name, short, about *i18n.Text, region, district string) (int64, error) {
		p := orgs.Patch{Kind: s(kind), Name: name, Short: short, Description: about, Region: s(region), District: s(district)}
		o, err := svc.Create(ctx, admin, parent, p)
		if err != nil {
			return 0, fmt.Errorf("orgs demo: %s: %w", name.KK, err)
		}
		return o.ID, nil
	}
	members := func(org int64, data []byte) error {
		if _, err := svc.ImportMembers(ctx, admin, org, data); err != nil {
			return fmt.Errorf("orgs demo: members of %d: %w", org, err)
		}
		return nil
	}

	// ---- Temirtau: a party's city branch and its primary organization ----
	party, err := create(0, "party", tx("«Ортақ Іс» партиясы", "Партия «Ортақ Іс»", "Ortaq Is party"),
		tx("Ортақ Іс", "Ортақ Іс", "Ortaq Is"), tx("Демонстрациялық деректер үшін ойдан шығарылған партия.",
			"Вымышленная партия для демонстрационных данных.", "An invented party for the demonstration data."), "KZ-71", "")
	if err != nil {
		return err
	}
	kar, err := create(party, "party_branch", tx("Қарағанды облыстық филиалы", "Карагандинский областной филиал", "Karaganda regional branch"),
		nil, nil, "KZ-35", "")
	if err != nil {
		return err
	}
	tem, err := create(kar, "party_branch", tx("Теміртау қалалық филиалы", "Темиртауский городской филиал", "Temirtau city branch"),
		nil, tx("Қалалық филиал бастауыш ұйымдардың жұмысын үйлестіреді, жылына бір рет есептік жиналыс өткізеді.",
			"Городской филиал координирует работу первичных организаций и раз в год проводит отчётное собрание.",
			"The city branch coordinates its primary organizations and holds an annual report meeting."), "KZ-35", "KZ-35-temirtau")
	if err != nil {
		return err
	}
	palaceOrg, err := create(tem, "primary_organization",
		tx("«Теміртау Мәдениет сарайы» бастауыш партия ұйымы", "Первичная партийная организация «Дворец культуры Темиртау»", "Temirtau Palace of Culture primary organization"),
		tx("ТМС БПҰ", "ППО ДКТ", "TPC PPO"),
		tx("Мүшелері үш ұйымнан келеді: университет, мәдениет сарайы және инженерлік компания.",
			"Члены приходят из трёх организаций: университета, дворца культуры и инженерной компании.",
			"Its members come from three organizations: a university, the palace of culture and an engineering company."),
		"KZ-35", "KZ-35-temirtau")
	if err != nil {
		return err
	}
	uni, err := create(0, "university", tx("Теміртау инженерлік-техникалық университеті", "Темиртауский инженерно-технический университет", "Temirtau University of Engineering and Technology"),
		nil, nil, "KZ-35", "KZ-35-temirtau")
	if err != nil {
		return err
	}
	palace, err := create(0, "public_institution", tx("Теміртау қалалық Мәдениет сарайы", "Городской Дворец культуры Темиртау", "Temirtau City Palace of Culture"),
		nil, nil, "KZ-35", "KZ-35-temirtau")
	if err != nil {
		return err
	}
	company, err := create(0, "company", tx("«ТемірИнжиниринг» ЖШС", "ТОО «ТемирИнжиниринг»", "TemirEngineering LLP"),
		nil, nil, "KZ-35", "KZ-35-temirtau")
	if err != nil {
		return err
	}
	for _, src := range []int64{uni, palace, company} {
		if err := svc.AddSource(ctx, admin, palaceOrg, src); err != nil {
			return err
		}
	}
	// 420 people: 180 from the university, 130 from the palace, 110 from the company.
	if err := members(palaceOrg, memberFile(0, 420, "temirtau.demo.ortaq.kz", func(i int) string {
		switch i {
		case 12:
			return "deputy_chair"
		case 30:
			return "secretary"
		}
		return "member"
	})); err != nil {
		return err
	}
	err = a.DB.Write(ctx, func(t *db.Tx) error {
		for _, r := range []struct {
			src      int64
			from, to int
		}{{uni, 0, 180}, {palace, 180, 310}, {company, 310, 420}} {
			var emails []any
			for i := r.from; i < r.to; i++ {
				_, e := demoPerson(i, "temirtau.demo.ortaq.kz")
				emails = append(emails, e)
			}
			for len(emails) > 0 {
				part := emails[:min(200, len(emails))]
				emails = emails[len(part):]
				q := "UPDATE memberships SET source_org_id = ? WHERE org_id = ? AND user_id IN (SELECT id FROM users WHERE email IN (?" +
					strings.Repeat(", ?", len(part)-1) + "))"
				if _, err := t.Exec(ctx, q, append([]any{r.src, palaceOrg}, part...)...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("orgs demo: member organizations: %w", err)
	}
	// The chair administers the primary organization; a member from the
	// palace of culture signs in to see the member list.
	chair, err := demoAccount(ctx, a, people, "temirtau@demo.ortaq.kz")
	if err != nil {
		return err
	}
	if _, err := svc.AddMember(ctx, admin, palaceOrg, orgs.MemberInput{PersonID: chair, Role: "chair", Since: "2021-03-01", SourceID: company}); err != nil {
		return fmt.Errorf("orgs demo: chair: %w", err)
	}
	if err := a.Auth.GrantRole(ctx, admin, chair, palaceOrg, "admin"); err != nil {
		return fmt.Errorf("orgs demo: chair: %w", err)
	}
	member, err := demoAccount(ctx, a, people, "palace@demo.ortaq.kz")
	if err != nil {
		return err
	}
	if _, err := svc.AddMember(ctx, admin, palaceOrg, orgs.MemberInput{PersonID: member, Role: "member", Since: "2023-09-01", SourceID: palace}); err != nil {
		return fmt.Errorf("orgs demo: member: %w", err)
	}

	// ---- Shymkent: the city Assembly, its associations and councils ----
	asm, err := create(0, "assembly", tx("Шымкент қаласының Қазақстан халқы Ассамблеясы", "Ассамблея народа Казахстана города Шымкента", "Shymkent City Assembly of People of Kazakhstan"),
		tx("Шымкент ҚХА", "АНК Шымкента", "Shymkent APK"),
		tx("Қаладағы этномәдени бірлестіктердің басын қосып, қоғамдық келісімді нығайтады.",
			"Объединяет этнокультурные объединения города и укрепляет общественное согласие.",
			"Brings together the city's ethnocultural associations and works for public accord."), "KZ-79", "")
	if err != nil {
		return err
	}
	secretariat, err := create(asm, "public_institution", tx("Ассамблея хатшылығы", "Секретариат Ассамблеи", "Assembly secretariat"), nil,
		tx("Бірлестіктердің тізілімін, тіркеу құжаттарын және кеңестердің жұмыс жоспарын жүргізеді.",
			"Ведёт реестр объединений, их регистрационные документы и планы работы советов.",
			"Keeps the register of associations, their registration papers and the councils' work plans."), "KZ-79", "")
	if err != nil {
		return err
	}
	// The secretariat's staff member administers the Assembly and all below.
	sec, err := demoAccount(ctx, a, people, "secretariat@demo.ortaq.kz")
	if err != nil {
		return err
	}
	if _, err := svc.AddMember(ctx, admin, secretariat, orgs.MemberInput{PersonID: sec, Role: "secretary", Since: "2019-06-01"}); err != nil {
		return fmt.Errorf("orgs demo: secretariat: %w", err)
	}
	if err := a.Auth.GrantRole(ctx, admin, sec, asm, "admin"); err != nil {
		return fmt.Errorf("orgs demo: secretariat: %w", err)
	}
	if _, err := create(asm, "public_institution", tx("«Қоғамдық келісім» коммуналдық мемлекеттік мекемесі", "КГУ «Қоғамдық келісім»", "Public Accord institution"), nil, nil, "KZ-79", ""); err != nil {
		return err
	}
	peoples := []struct{ kk, ru, en string }{
		{"өзбек", "узбекский", "Uzbek"}, {"орыс", "русский", "Russian"}, {"корей", "корейский", "Korean"}, {"татар", "татарский", "Tatar"},
		{"әзірбайжан", "азербайджанский", "Azerbaijani"}, {"түрік", "турецкий", "Turkish"}, {"күрд", "курдский", "Kurdish"},
		{"ұйғыр", "уйгурский", "Uyghur"}, {"шешен-ингуш", "чечено-ингушский", "Chechen and Ingush"}, {"неміс", "немецкий", "German"},
		{"украин", "украинский", "Ukrainian"}, {"тәжік", "таджикский", "Tajik"}, {"қырғыз", "кыргызский", "Kyrgyz"}, {"грек", "греческий", "Greek"},
		{"армян", "армянский", "Armenian"}, {"поляк", "польский", "Polish"}, {"белорус", "белорусский", "Belarusian"},
		{"дүнген", "дунганский", "Dungan"}, {"башқұрт", "башкирский", "Bashkir"}, {"еврей", "еврейский", "Jewish"},
	}
	for i, p := range peoples {
		id, err := create(asm, "ethnocultural_association",
			tx(fmt.Sprintf("Шымкент қалалық %s этномәдени орталығы", p.kk), fmt.Sprintf("Городской %s этнокультурный центр Шымкента", p.ru),
				fmt.Sprintf("Shymkent %s Ethnocultural Centre", p.en)), nil, nil, "KZ-79", "")
		if err != nil {
			return err
		}
		// First registered with the regional justice department…
		if err := svc.AddRegistration(ctx, admin, id, orgs.RegInput{Number: fmt.Sprintf("%d-1958-ОБ-%02d", 4100+i*3, i+1),
			Date: fmt.Sprintf("%d-%02d-15", 2006+i%8, 1+i%12), Authority: "Оңтүстік Қазақстан облысының Әділет департаменті",
			Status: "registered"}); err != nil {
			return err
		}
		// …and 16 of 20 re-registered at city level after Shymkent became
		// a city of republican significance.
		if i < 16 {
			if err := svc.AddRegistration(ctx, admin, id, orgs.RegInput{Number: fmt.Sprintf("%d-1958-Ш-%02d", 7200+i*5, i+1),
				Date: fmt.Sprintf("2019-%02d-%02d", 2+i%10, 3+i), Authority: "Шымкент қаласының Әділет департаменті",
				Status: "re_registered"}); err != nil {
				return err
			}
		}
	}
	next := 1000
	council := func(parent int64, kind string, name *i18n.Text, purpose *i18n.Text, region, district, domain string, n int) error {
		p := orgs.Patch{Kind: s(kind), Name: name, Purpose: purpose, Region: s(region), District: s(district)}
		o, err := svc.Create(ctx, admin, parent, p)
		if err != nil {
			return fmt.Errorf("orgs demo: %s: %w", name.KK, err)
		}
		from := next
		next += n
		return members(o.ID, memberFile(from, from+n, domain, func(i int) string {
			switch i - from {
			case 0:
				return "chair"
			case 1:
				return "secretary"
			}
			return "member"
		}))
	}
	for _, c := range []struct {
		kind          string
		name, purpose *i18n.Text
		n             int
	}{
		{"council", tx("Қоғамдық келісім кеңесі", "Совет общественного согласия", "Public Accord Council"),
			tx("Этносаралық қатынастардағы мәселелерді ерте байқап, шешу жолдарын ұсынады.", "Замечает на ранней стадии трудности в межэтнических отношениях и предлагает решения.", "Notices early the strains between communities and proposes ways forward."), 12},
		{"council", tx("Аналар кеңесі", "Совет матерей", "Mothers' Council"),
			tx("Отбасы мен жастар тәрбиесіне қатысты бастамаларды қолдайды.", "Поддерживает начинания в защиту семьи и воспитания молодёжи.", "Supports initiatives for families and the upbringing of young people."), 10},
		{"council", tx("Медиация кеңесі", "Совет медиации", "Mediation Council"),
			tx("Дауларды сотқа жеткізбей, келіссөз арқылы шешуге көмектеседі.", "Помогает решать споры переговорами, не доводя до суда.", "Helps settle disputes by negotiation rather than in court."), 8},
		{"working_group", tx("Ғылыми-сараптамалық топ", "Научно-экспертная группа", "Scientific and expert group"),
			tx("Қоғамдық пікірді зерттеп, Ассамблеяға сараптамалық қорытынды береді.", "Изучает общественное мнение и готовит экспертные заключения для Ассамблеи.", "Studies public opinion and prepares expert opinions for the Assembly."), 7},
		{"working_group", tx("Журналистер мен блогерлер клубы", "Клуб журналистов и блогеров", "Journalists and bloggers club"),
			tx("Ассамблея жұмысы туралы әділ әрі түсінікті ақпарат таратады.", "Рассказывает о работе Ассамблеи честно и понятно.", "Tells about the Assembly's work fairly and plainly."), 9},
	} {
		if err := council(asm, c.kind, c.name, c.purpose, "KZ-79", "", "shymkent.demo.ortaq.kz", c.n); err != nil {
			return err
		}
	}

	// ---- Jastar Rukhy: the core's youth wing, now with details and members ----
	var wing, wko, oral int64
	for _, f := range []struct {
		name string
		id   *int64
	}{{"Jastar Rukhy youth wing", &wing}, {"West Kazakhstan regional branch", &wko}, {"Oral city primary organization", &oral}} {
		if err := a.DB.QueryRow(ctx, "SELECT id FROM organizations WHERE name_en = ?", f.name).Scan(f.id); err != nil {
			return fmt.Errorf("orgs demo: core organization %q: %w", f.name, err)
		}
	}
	if _, err := svc.Update(ctx, admin, wing, orgs.Patch{Short: tx("Жастар Рухы", "Жастар Рухы", "Jastar Rukhy"),
		Description: tx(fmt.Sprintf("Жастар қанаты әр өңірде %d жылға дейінгі бағдарламаны әзірлеп, жастардың ұсыныстарын жинайды.", youthProgrammeEnd(a).Year()),
			fmt.Sprintf("Молодёжное крыло в каждом регионе готовит программу до %d года и собирает предложения молодёжи.", youthProgrammeEnd(a).Year()),
			fmt.Sprintf("The youth wing drafts a programme to %d in every region and collects young people's proposals.", youthProgrammeEnd(a).Year())),
		Website: s("https://jastar.demo.ortaq.kz")}); err != nil {
		return err
	}
	if _, err := svc.Update(ctx, admin, oral, orgs.Patch{District: s("KZ-27-oral"), Phone: s("+7 711 250 00 00"),
		Address: s("Орал қ., Достық даңғылы, 1 (ойдан шығарылған)")}); err != nil {
		return err
	}
	if err := members(oral, memberFile(2000, 2040, "oral.demo.ortaq.kz", func(i int) string {
		if i == 2000 {
			return "chair"
		}
		return "member"
	})); err != nil {
		return err
	}
	if err := council(wko, "council", tx("Жастар кеңесі", "Молодёжный совет", "Youth Council"),
		tx("Өңір жастарының ұсыныстарын талқылап, жол картасына енгізуге дайындайды.", "Обсуждает предложения молодёжи области и готовит их для дорожной карты.", "Discusses the region's young people's proposals and prepares them for the roadmap."),
		"KZ-27", "", "oral.demo.ortaq.kz", 9); err != nil {
		return err
	}

	// ---- Zhambyl: the regional Assembly, Sarysu district and its councils ----
	zh, err := create(0, "assembly", tx("Жамбыл облысының Қазақстан халқы Ассамблеясы", "Ассамблея народа Казахстана Жамбылской области", "Zhambyl Regional Assembly of People of Kazakhstan"),
		nil, nil, "KZ-31", "")
	if err != nil {
		return err
	}
	sarysu, err := create(zh, "assembly", tx("Сарысу ауданының Ассамблеясы", "Ассамблея Сарысуского района", "Sarysu District Assembly"),
		nil, nil, "KZ-31", "KZ-31-sarysu")
	if err != nil {
		return err
	}
	if err := council(sarysu, "council", tx("Ақсақалдар кеңесі", "Совет аксакалов", "Council of Elders (Aksakals)"),
		tx("Ауылдардағы дауларды бітімгершілікпен шешуге және жастарға ақыл-кеңес беруге көмектеседі.", "Помогает мирно улаживать споры в сёлах и наставляет молодёжь.", "Helps settle village disputes peacefully and advises young people."),
		"KZ-31", "KZ-31-sarysu", "sarysu.demo.ortaq.kz", 11); err != nil {
		return err
	}
	if err := council(sarysu, "council", tx("Аналар кеңесі", "Совет матерей", "Mothers' Council"),
		tx("Көпбалалы отбасыларға қолдау көрсетіп, мектептермен бірге жұмыс істейді.", "Поддерживает многодетные семьи и работает вместе со школами.", "Supports large families and works with the schools."),
		"KZ-31", "KZ-31-sarysu", "sarysu.demo.ortaq.kz", 8); err != nil {
		return err
	}
	// The journalists' club takes members: anyone may ask to join it.
	club, err := orgNamed(ctx, a.DB, "Journalists and bloggers club", "")
	if err != nil {
		return err
	}
	if err := svc.SetTakesMembers(ctx, admin, club, true); err != nil {
		return err
	}
	// One member of the palace organization hides from public lists.
	_, hiddenEmail := demoPerson(41, "temirtau.demo.ortaq.kz")
	return a.DB.Write(ctx, func(t *db.Tx) error {
		_, err := t.Exec(ctx, "UPDATE users SET hidden = TRUE WHERE email = ?", hiddenEmail)
		return err
	})
}
