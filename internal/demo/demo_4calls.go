package demo

// Calls in the demo (issue 16), after the registry's organizations:
//
//   - the friendship caravan festival of the Zhambyl regional Assembly: two
//     district holdings (Sarysu and Baizak) each with its own jury, every
//     act scored, the district stage closed and the best two of each
//     referred to the regional stage, where one of them declined and the
//     next in the district moved up;
//   - the Jastar Rukhy leaders' school: a selection into summer camps by
//     region, open for applications now, with a jury already at work;
//   - an IT contest of the Temirtau city branch, open for applications.
//
// Applicants and jurors are invented people; nobody is sent a message.

import (
	"context"
	"fmt"
	"time"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/orgs"
)

var callsPeople = []struct{ name, region string }{
	{"Аружан Бекенова", "KZ-31"}, {"Тимур Оспанов", "KZ-31"}, {"Мадина Ли", "KZ-31"}, {"Ислам Жанұзақов", "KZ-31"},
	{"Дана Қасымова", "KZ-31"}, {"Артём Белов", "KZ-31"}, {"Жансая Төлеген", "KZ-31"}, {"Нұрлыбек Әлиев", "KZ-31"},
	{"Камила Юсупова", "KZ-31"}, {"Бауыржан Сейіт", "KZ-31"}, {"Алина Ким", "KZ-31"}, {"Ернар Мұхит", "KZ-31"},
}

var callsJurors = []string{"Сәуле Әбенова", "Геннадий Пак", "Роза Исаева", "Қайрат Нұров", "Гүлнар Омарова"}

func loadCalls(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	cs := a.Calls
	now := a.DB.Now().UTC()
	// Invented people without a password (they never sign in): stored
	// directly, so the demo does not spend an argon2id hash on each.
	newPerson := func(i int, name, region, birth string) (*auth.User, error) {
		var id int64
		err := a.DB.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, region, email_confirmed_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, fmt.Sprintf("calls%d@demo.ortaq.kz", i), name, birth, region, tx.Now, tx.Now, tx.Now).Scan(&id)
		})
		if err != nil {
			return nil, fmt.Errorf("calls demo: %s: %w", name, err)
		}
		return a.Auth.UserByID(ctx, id)
	}
	crit := func(key, kk, ru, en string, weight, max float64) calls.Criterion {
		return calls.Criterion{Key: key, Title: i18n.Text{KK: kk, RU: ru, EN: en}, Weight: weight, Max: max}
	}

	// ---- 1. The friendship caravan festival, across two districts.
	region, err := orgNamed(ctx, a.DB, "Zhambyl Regional Assembly of People of Kazakhstan", "")
	if err != nil {
		return err
	}
	sarysu, err := orgNamed(ctx, a.DB, "Sarysu District Assembly", "")
	if err != nil {
		return err
	}
	kind := "assembly"
	zone := "KZ-31"
	baizak, err := a.Orgs.Create(ctx, admin, region, orgs.Patch{Kind: &kind, Region: &zone,
		Name: &i18n.Text{KK: "Бәйзақ аудандық Қазақстан халқы Ассамблеясы", RU: "Ассамблея народа Казахстана Байзакского района",
			EN: "Baizak District Assembly"}})
	if err != nil {
		return fmt.Errorf("calls demo: district: %w", err)
	}
	festival, err := cs.Create(ctx, admin, calls.Input{OrgID: region, Kind: "festival",
		Title: i18n.Text{KK: "«Достық керуені» фестивалі", RU: "Фестиваль «Караван дружбы»", EN: "Friendship Caravan festival"},
		Description: i18n.Text{KK: "Аудандарда ән, би және халық өнері нөмірлері іріктеледі; әр ауданның үздік екі нөмірі облыстық сахнаға жолдама алады.",
			RU: "В районах отбираются песенные, танцевальные и фольклорные номера; два лучших номера каждого района получают направление на областную сцену.",
			EN: "Districts select song, dance and folk acts; each district's best two are referred to the regional stage."},
		AgeMin: 14, AgeMax: 35,
		Form: []calls.Field{
			{Key: "act", Label: i18n.Text{KK: "Нөмірдің атауы", RU: "Название номера", EN: "Title of the act"}, Type: "text", Required: true},
			{Key: "genre", Label: i18n.Text{KK: "Жанры", RU: "Жанр", EN: "Genre"}, Type: "choice", Required: true, Options: []string{"ән", "би", "халық аспабы"}},
			{Key: "school", Label: i18n.Text{KK: "Мектеп немесе колледж", RU: "Школа или колледж", EN: "School or college"}, Type: "text", Identifying: true},
		},
		Stages: []calls.StageInput{
			{Title: i18n.Text{KK: "Аудандық кезең", RU: "Районный этап", EN: "District stage"}, Hosts: []int64{sarysu, baizak.ID},
				OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour), Advance: 2, Blind: true, PerApplication: 2,
				Criteria: []calls.Criterion{crit("art", "Орындау шеберлігі", "Мастерство исполнения", "Performance", 3, 10),
					crit("idea", "Идея мен достық тақырыбы", "Идея и тема дружбы", "Idea and the theme of friendship", 2, 10),
					crit("stage", "Сахналық мәдениет", "Сценическая культура", "Stage presence", 1, 5)}},
			{Title: i18n.Text{KK: "Облыстық гала-концерт", RU: "Областной гала-концерт", EN: "Regional gala concert"},
				OpensAt: now.AddDate(0, 0, 10), ClosesAt: now.AddDate(0, 0, 20), Advance: 3, PerApplication: 1,
				Criteria: []calls.Criterion{crit("art", "Орындау шеберлігі", "Мастерство исполнения", "Performance", 1, 10)}},
		}})
	if err != nil {
		return fmt.Errorf("calls demo: festival: %w", err)
	}
	st := festival.Stages[0]
	var apps []int64
	for i, p := range callsPeople {
		u, err := newPerson(i, p.name, p.region, fmt.Sprintf("%d-0%d-1%d", 1995+i%8, 1+i%9, i%9))
		if err != nil {
			return err
		}
		host := sarysu
		if i%2 == 1 {
			host = baizak.ID
		}
		genre := []string{"ән", "би", "халық аспабы"}[i%3]
		ap, err := cs.Apply(ctx, u, festival.ID, map[string]string{"act": fmt.Sprintf("«Достық әуені» №%d", i+1), "genre": genre,
			"school": fmt.Sprintf("№%d мектеп-гимназия", 10+i)}, host)
		if err != nil {
			return fmt.Errorf("calls demo: apply: %w", err)
		}
		apps = append(apps, ap.ID)
	}
	var jurors []*auth.User
	for i, name := range callsJurors {
		u, err := newPerson(100+i, name, "KZ-31", fmt.Sprintf("197%d-0%d-15", i, i+2))
		if err != nil {
			return err
		}
		jurors = append(jurors, u)
	}
	for i, j := range jurors[:4] {
		host := sarysu
		if i >= 2 {
			host = baizak.ID
		}
		if err := cs.AddJuror(ctx, admin, festival.ID, st.ID, j.ID, host, i%2 == 0); err != nil {
			return fmt.Errorf("calls demo: juror: %w", err)
		}
	}
	if err := cs.AddJuror(ctx, admin, festival.ID, festival.Stages[1].ID, jurors[4].ID, 0, true); err != nil {
		return fmt.Errorf("calls demo: juror: %w", err)
	}
	if _, err := cs.Assign(ctx, admin, festival.ID, st.ID); err != nil {
		return fmt.Errorf("calls demo: assign: %w", err)
	}
	for ji, j := range jurors[:4] {
		_, _, work, err := cs.Assignments(ctx, j, festival.ID, st.ID)
		if err != nil {
			return err
		}
		for _, w := range work {
			k := int(w.ApplicationID-apps[0]) + ji
			scores := map[string]float64{"art": float64(5 + (k*7)%6), "idea": float64(4 + (k*5)%7), "stage": float64(2 + k%4)}
			if _, err := cs.Score(ctx, j, w.ApplicationID, st.ID, scores, "Нөмір көрерменге жақсы әсер қалдырды."); err != nil {
				return fmt.Errorf("calls demo: score: %w", err)
			}
		}
	}
	res, err := cs.Close(ctx, admin, festival.ID, st.ID)
	if err != nil {
		return fmt.Errorf("calls demo: close: %w", err)
	}
	// One of the referred acts declines: the next in its district moves up.
	if len(res.Advanced) > 0 {
		ap, err := cs.Application(ctx, res.Advanced[len(res.Advanced)-1])
		if err != nil {
			return err
		}
		u, err := a.Auth.UserByID(ctx, ap.UserID)
		if err != nil {
			return err
		}
		if err := cs.Decline(ctx, u, ap.ID, st.ID); err != nil {
			return fmt.Errorf("calls demo: decline: %w", err)
		}
	}
	// The district stage took place last month.
	if err := a.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE call_stages SET opens_at = ?, closes_at = ?, closed_at = ? WHERE id = ?",
			now.AddDate(0, 0, -40), now.AddDate(0, 0, -20), now.AddDate(0, 0, -12), st.ID)
		return err
	}); err != nil {
		return err
	}

	// ---- 2. The leaders' school: open now, a jury already assigned.
	wing, err := orgNamed(ctx, a.DB, "Jastar Rukhy youth wing", "")
	if err != nil {
		return err
	}
	branch, err := orgNamed(ctx, a.DB, "West Kazakhstan regional branch", "")
	if err != nil {
		return err
	}
	school, err := cs.Create(ctx, admin, calls.Input{OrgID: wing, Kind: "selection",
		Title: i18n.Text{KK: "Жас көшбасшылар мектебі", RU: "Школа молодых лидеров", EN: "Young leaders' school"},
		Description: i18n.Text{KK: "Облыстар жазғы лагерьге қатысушыларды іріктейді: өтінімді жазыңыз, қазылар алқасы бағалайды.",
			RU: "Регионы отбирают участников летнего лагеря: напишите заявку, её оценит жюри.",
			EN: "Regions select the participants of the summer camp: write an application and the jury scores it."},
		AgeMin: 18, AgeMax: 35, PublishScores: true,
		Form: []calls.Field{
			{Key: "about", Label: i18n.Text{KK: "Өзіңіз туралы", RU: "О себе", EN: "About you"}, Type: "long_text", Required: true},
			{Key: "project", Label: i18n.Text{KK: "Сіз бастағыңыз келетін жоба", RU: "Проект, который вы хотите начать", EN: "A project you want to start"}, Type: "long_text", Required: true},
			{Key: "link", Label: i18n.Text{KK: "Жұмысыңызға сілтеме", RU: "Ссылка на вашу работу", EN: "A link to your work"}, Type: "url"},
		},
		Stages: []calls.StageInput{
			{Title: i18n.Text{KK: "Облыстық іріктеу", RU: "Региональный отбор", EN: "Regional selection"}, Hosts: []int64{branch},
				OpensAt: now.Add(-72 * time.Hour), ClosesAt: now.AddDate(0, 0, 21), Advance: 5, PerApplication: 1,
				Criteria: []calls.Criterion{crit("motivation", "Уәж", "Мотивация", "Motivation", 2, 10),
					crit("project", "Жобаның нақтылығы", "Проработка проекта", "How concrete the project is", 1, 10)}},
			{Title: i18n.Text{KK: "Жазғы лагерь", RU: "Летний лагерь", EN: "Summer camp"},
				OpensAt: now.AddDate(0, 1, 0), ClosesAt: now.AddDate(0, 1, 10), Advance: 20, PerApplication: 1,
				Criteria: []calls.Criterion{crit("teamwork", "Командалық жұмыс", "Работа в команде", "Teamwork", 1, 10)}},
		}})
	if err != nil {
		return fmt.Errorf("calls demo: school: %w", err)
	}
	if id, ok := people["moderator@demo.ortaq.kz"]; ok {
		if err := cs.AddJuror(ctx, admin, school.ID, school.Stages[0].ID, id, 0, true); err != nil {
			return err
		}
	}

	// ---- 3. An IT contest, open for applications.
	city, err := orgNamed(ctx, a.DB, "Temirtau city branch", "")
	if err != nil {
		return err
	}
	if _, err := cs.Create(ctx, admin, calls.Input{OrgID: city, Kind: "contest",
		Title:       i18n.Text{KK: "«Цифрлық қала» IT байқауы", RU: "IT-конкурс «Цифровой город»", EN: "Digital City IT contest"},
		Description: i18n.Text{KK: "Қала тұрғындарына пайдалы қосымша немесе бот жасаңыз.", RU: "Сделайте приложение или бота, полезного жителям города.", EN: "Build an app or a bot useful to the city's residents."},
		Form: []calls.Field{
			{Key: "project", Label: i18n.Text{KK: "Жоба атауы", RU: "Название проекта", EN: "Project name"}, Type: "text", Required: true},
			{Key: "repo", Label: i18n.Text{KK: "Код репозиторийі", RU: "Репозиторий с кодом", EN: "Code repository"}, Type: "url", Required: true},
			{Key: "team_size", Label: i18n.Text{KK: "Командада неше адам", RU: "Сколько человек в команде", EN: "People in the team"}, Type: "number"},
		},
		Stages: []calls.StageInput{{Title: i18n.Text{KK: "Жобаларды бағалау", RU: "Оценка проектов", EN: "Project review"},
			OpensAt: now.Add(-24 * time.Hour), ClosesAt: now.AddDate(0, 0, 30), Advance: 3, Blind: true, Normalization: "zscore", PerApplication: 3,
			Criteria: []calls.Criterion{crit("code", "Код сапасы", "Качество кода", "Code quality", 2, 10),
				crit("use", "Қалаға пайдасы", "Польза для города", "Use to the city", 2, 10),
				crit("demo", "Таныстырылым", "Презентация", "Presentation", 1, 5)}}},
	}); err != nil {
		return fmt.Errorf("calls demo: IT contest: %w", err)
	}
	return nil
}
