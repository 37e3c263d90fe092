package demo

// Mentorship in the demo (issue 19): the youth wing «Jastar Rukhy» keeps a
// pool of 1,000 mentors — IT people, journalists, entrepreneurs, athletes,
// artists, public figures — in seven spheres; 1,500 young people asked for
// a mentor, most naming a few mentors from the cards; one matching round
// was run through the service; a quarter of the pairs are active with
// sessions logged, some completed, and one mentor keeps a group. The demo
// member (member@demo) asked a mentor directly, was accepted, had a session
// and checked in a goal the mentor has yet to confirm. All people are
// invented; their names are drawn from names common among Kazakhstan's
// peoples. Everything is written in bulk in a few transactions, so loading
// stays fast.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mentorship"
)

// Names by people: first names (male, female) and family names (male form;
// the female form is derived where the language has one).
var demoNamePools = []struct {
	weight         int
	male, female   []string
	family         []string
	femaleFamilyFn func(string) string
}{
	{55, // Kazakh
		[]string{"Асқар", "Ерлан", "Нұрлан", "Дәурен", "Бауыржан", "Айдос", "Ержан", "Серік", "Талғат", "Мирас", "Әлібек", "Ақжол", "Дамир", "Алмас", "Бекзат", "Жандос", "Қайрат", "Медет", "Нұрсұлтан", "Санжар"},
		[]string{"Айгерім", "Әсем", "Динара", "Гүлнар", "Жанар", "Аружан", "Мөлдір", "Салтанат", "Ақмарал", "Гаухар", "Айжан", "Назерке", "Шынар", "Балжан", "Ләззат", "Индира", "Томирис", "Дана", "Әйгерім", "Жұлдыз"},
		[]string{"Сәрсенов", "Жұмабеков", "Тоқтаров", "Әбдірахманов", "Байжанов", "Омаров", "Серікбаев", "Қасымов", "Нұрланов", "Мұқанов", "Есенов", "Тұрсынов", "Ахметов", "Бекқожин", "Исаев", "Жақсылықов", "Оспанов", "Сүлейменов", "Құрманов", "Әлиев"},
		func(s string) string { return s + "а" }},
	{20, // Russian
		[]string{"Алексей", "Дмитрий", "Сергей", "Андрей", "Николай", "Игорь", "Павел", "Максим", "Роман", "Виктор"},
		[]string{"Ольга", "Елена", "Наталья", "Татьяна", "Ирина", "Анна", "Мария", "Светлана", "Екатерина", "Юлия"},
		[]string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Морозов", "Волков", "Лебедев"},
		func(s string) string { return s + "а" }},
	{6, // Uzbek
		[]string{"Бахтияр", "Шерзод", "Улугбек", "Фаррух", "Рустам"},
		[]string{"Дилноза", "Гулчехра", "Нодира", "Малика", "Зарина"},
		[]string{"Юсупов", "Каримов", "Рахимов", "Турсунов", "Мирзаев"},
		func(s string) string { return s + "а" }},
	{5, // Uyghur
		[]string{"Дильшат", "Ильяр", "Мурат", "Арслан", "Нурмамат"},
		[]string{"Гульнара", "Мадина", "Рейхан", "Дильназ", "Зульфия"},
		[]string{"Масимов", "Розахунов", "Насыров", "Аблизов", "Хамраев"},
		func(s string) string { return s + "а" }},
	{4, // Korean
		[]string{"Виктор", "Эдуард", "Вячеслав", "Олег", "Геннадий"},
		[]string{"Валентина", "Лилия", "Людмила", "Марина", "Инна"},
		[]string{"Ким", "Пак", "Ли", "Цой", "Тен", "Хван"},
		func(s string) string { return s }},
	{4, // Tatar
		[]string{"Ринат", "Ильдар", "Азат", "Рустем", "Марат"},
		[]string{"Гульшат", "Альфия", "Резеда", "Лейсан", "Ляйсан"},
		[]string{"Хайруллин", "Гарипов", "Сафин", "Валиев", "Шарипов"},
		func(s string) string { return s + "а" }},
	{3, // German
		[]string{"Андреас", "Виктор", "Александр", "Эдуард", "Роберт"},
		[]string{"Ирина", "Эльвира", "Ольга", "Лидия", "Виктория"},
		[]string{"Шмидт", "Вебер", "Миллер", "Гейнц", "Фризен"},
		func(s string) string { return s }},
	{3, // Ukrainian
		[]string{"Тарас", "Богдан", "Олесь", "Василий", "Юрий"},
		[]string{"Оксана", "Галина", "Леся", "Наталия", "Людмила"},
		[]string{"Шевченко", "Бондаренко", "Коваленко", "Ткаченко", "Кравченко"},
		func(s string) string { return s }},
}

func demoName(r *rand.Rand) string {
	total := 0
	for _, p := range demoNamePools {
		total += p.weight
	}
	k := r.IntN(total)
	for _, p := range demoNamePools {
		if k -= p.weight; k >= 0 {
			continue
		}
		fam := p.family[r.IntN(len(p.family))]
		if r.IntN(2) == 0 {
			return p.male[r.IntN(len(p.male))] + " " + fam
		}
		return p.female[r.IntN(len(p.female))] + " " + p.femaleFamilyFn(fam)
	}
	return ""
}

var demoBios = map[string][]string{
	"it":       {"Бағдарламашы, %d жыл тәжірибе. Веб және мобильді қосымшалар.", "Деректер талдаушысы, %d жыл банкте істедім.", "Разработчик, %d лет в IT, помогу с первым проектом."},
	"media":    {"Журналист, %d жыл облыстық газетте.", "Блогер және фотограф, %d жыл.", "Редактор новостного сайта, %d лет в профессии."},
	"business": {"Кәсіпкер, %d жыл өз ісім бар: наубайхана желісі.", "Стартаптарға кеңесші, %d жыл тәжірибе.", "Предприниматель, %d лет в торговле, научу считать деньги."},
	"sport":    {"Күрестен жаттықтырушы, %d жыл.", "Футбол бапкері, %d жыл балалар командасымен.", "Мастер спорта по лёгкой атлетике, тренер %d лет."},
	"art":      {"Суретші, %d жыл сурет мектебінде сабақ беремін.", "Домбырашы, %d жыл сахнада.", "Актриса театра, %d лет на сцене."},
	"politics": {"Мәслихат депутаты, %d жыл.", "Аудан әкімдігінде %d жыл жұмыс істедім.", "Помощник депутата, %d лет в общественной политике."},
	"public":   {"Еріктілер қозғалысының жетекшісі, %d жыл.", "ҮЕҰ директоры, %d жыл жастармен жұмыс.", "Руковожу центром поддержки молодёжи %d лет."},
}

var demoGoals = []string{
	"Алғашқы жобамды бастағым келеді.", "Мамандық таңдауға көмек керек.", "Грантқа өтінім жазуды үйренгім келеді.",
	"Хочу научиться выступать публично.", "Өз ісімді ашқым келеді.", "Хочу попасть в IT.", "Жарысқа дайындалып жүрмін.",
	"Портфолио жинап жатырмын, кеңес керек.", "Еріктілер тобын құрғым келеді.", "Хочу писать для городского сайта.",
}

func loadMentorship(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	wing, err := orgNamed(ctx, a.DB, "Jastar Rukhy youth wing", "")
	if err != nil {
		return err
	}
	// No outbox: invented people get no email.
	svc := mentorship.New(mentorship.Deps{DB: a.DB, Auth: a.Auth, Catalog: a.Catalog, Log: a.Log, BaseURL: a.Cfg.BaseURL, Regions: a.Regions})
	var spheres []mentorship.Sphere
	for _, line := range strings.Split(mentorship.DefaultSpheres, "\n") {
		f := strings.Split(line, "|")
		spheres = append(spheres, mentorship.Sphere{Key: strings.TrimSpace(f[0]), Title: i18n.Text{KK: strings.TrimSpace(f[1]),
			RU: strings.TrimSpace(f[2]), EN: strings.TrimSpace(f[3])}})
	}
	pool, err := svc.CreatePool(ctx, admin, mentorship.NewPool{OrgID: wing, Spheres: spheres, AgeMin: 14, AgeMax: 35,
		Title: i18n.Text{KK: "Мың тәлімгер", RU: "Тысяча наставников", EN: "A thousand mentors"}})
	if err != nil {
		return fmt.Errorf("mentorship demo: pool: %w", err)
	}
	var regions []string
	for _, r := range a.Regions.All() {
		if r.Parent == "KZ" {
			regions = append(regions, r.Code)
		}
	}
	if len(regions) == 0 {
		return fmt.Errorf("mentorship demo: no regions")
	}
	r := rand.New(rand.NewPCG(19, 1000))
	now := a.DB.Now()
	langSets := [][]string{{"kk"}, {"kk", "ru"}, {"kk", "ru"}, {"ru", "kk"}, {"ru"}, {"kk", "ru", "en"}, {"ru", "en"}}
	modes := []string{"either", "either", "online", "in_person"}
	keys := []string{"it", "media", "business", "sport", "art", "politics", "public"}
	const mentors, youths = 1000, 1500
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		ins := func(q string, rows [][]any) error {
			const batch = 300
			for s := 0; s < len(rows); s += batch {
				e := min(s+batch, len(rows))
				one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[s])), ", ") + ")"
				var args []any
				for _, row := range rows[s:e] {
					args = append(args, row...)
				}
				if _, err := tx.Exec(ctx, q+strings.TrimSuffix(strings.Repeat(one+", ", e-s), ", "), args...); err != nil {
					return err
				}
			}
			return nil
		}
		var users [][]any
		for i := range mentors {
			birth := fmt.Sprintf("%d-%02d-%02d", now.Year()-25-r.IntN(35), 1+r.IntN(12), 1+r.IntN(28))
			users = append(users, []any{fmt.Sprintf("mentor%04d@demo.ortaq.kz", i), demoName(r), birth, regions[r.IntN(len(regions))], now, now, now})
		}
		for i := range youths {
			birth := fmt.Sprintf("%d-%02d-%02d", now.Year()-19-r.IntN(12), 1+r.IntN(12), 1+r.IntN(28))
			users = append(users, []any{fmt.Sprintf("jas%04d@demo.ortaq.kz", i), demoName(r), birth, regions[r.IntN(len(regions))], now, now, now})
		}
		if err := ins(`INSERT INTO users (email, name, birth_date, region, email_confirmed_at, created_at, updated_at) VALUES `, users); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, region FROM users WHERE email LIKE 'mentor____@demo.ortaq.kz' OR email LIKE 'jas____@demo.ortaq.kz' ORDER BY email`)
		if err != nil {
			return err
		}
		var ids []int64
		var regs []string
		for rows.Next() {
			var id int64
			var reg string
			if err := rows.Scan(&id, &reg); err != nil {
				rows.Close()
				return err
			}
			ids, regs = append(ids, id), append(regs, reg)
		}
		rows.Close()
		if len(ids) != mentors+youths {
			return fmt.Errorf("%d demo people", len(ids))
		}
		// ORDER BY email: "jas…" before "mentor…".
		youthIDs, mentorIDs := ids[:youths], ids[youths:]
		youthRegs, mentorRegs := regs[:youths], regs[youths:]
		var members, ms [][]any
		for i, id := range mentorIDs {
			members = append(members, []any{wing, id, "mentor", now.AddDate(-1, 0, 0).Format("2006-01-02"), now})
			sp := []string{keys[i%7]}
			if r.IntN(3) == 0 {
				if k := keys[r.IntN(7)]; k != sp[0] {
					sp = append(sp, k)
				}
			}
			bios := demoBios[sp[0]]
			ms = append(ms, []any{pool, id, fmt.Sprintf("%q", sp), strings.ReplaceAll(fmt.Sprintf("%q", langSets[r.IntN(len(langSets))]), " ", ","),
				1 + r.IntN(10), mentorRegs[i], modes[r.IntN(len(modes))], fmt.Sprintf(bios[r.IntN(len(bios))], 3+r.IntN(20)), "approved", now})
		}
		if err := ins(`INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES `, members); err != nil {
			return err
		}
		for i := range ms {
			ms[i][2] = jsonList(ms[i][2].(string))
			ms[i][3] = jsonList(ms[i][3].(string))
		}
		if err := ins(`INSERT INTO mentors (pool_id, user_id, spheres, languages, capacity, region, mode, bio, status, created_at) VALUES `, ms); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id FROM mentors WHERE pool_id = ? ORDER BY id`, pool)
		mids, err := db.ScanIDs(rows, err)
		if err != nil {
			return err
		}
		var reqs [][]any
		for i, id := range youthIDs {
			k := r.IntN(7)
			var prefs []string
			for range r.IntN(4) {
				prefs = append(prefs, fmt.Sprint(mids[k+7*r.IntN(len(mids)/7)]))
			}
			reqs = append(reqs, []any{pool, id, `["` + keys[k] + `"]`, jsonList(strings.ReplaceAll(fmt.Sprintf("%q", langSets[r.IntN(len(langSets))]), " ", ",")),
				youthRegs[i], modes[r.IntN(len(modes))], demoGoals[r.IntN(len(demoGoals))], "[" + strings.Join(prefs, ",") + "]", "open",
				now.Add(-time.Duration(r.IntN(60*24)) * time.Hour)})
		}
		return ins(`INSERT INTO mentor_requests (pool_id, user_id, spheres, languages, region, mode, goal, preferences, status, created_at) VALUES `, reqs)
	})
	if err != nil {
		return fmt.Errorf("mentorship demo: people: %w", err)
	}
	round, err := svc.RunRound(ctx, admin, pool)
	if err != nil {
		return fmt.Errorf("mentorship demo: round: %w", err)
	}
	// The work that follows: of the round's pairs, a quarter accepted and
	// active with sessions, one in twenty completed with feedback, the rest
	// still waiting for the mentor's answer.
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM mentorships WHERE round_id = ? ORDER BY id`, round.ID)
		pairs, err := db.ScanIDs(rows, err)
		if err != nil {
			return err
		}
		var sessions [][]any
		for i, id := range pairs {
			status := ""
			switch {
			case i%20 == 0:
				status = "completed"
			case i%4 == 1:
				status = "active"
			default:
				continue
			}
			last := now.Add(-time.Duration(1+r.IntN(30)) * 24 * time.Hour)
			if _, err := tx.Exec(ctx, `UPDATE mentorships SET status = ?, seat = ?, updated_at = ?, last_activity_at = ?,
				mentee_feedback = ?, mentor_feedback = ? WHERE id = ?`, status, status != "completed", last, last,
				map[bool]string{true: "Көп нәрсе үйрендім, рақмет!"}[status == "completed"],
				map[bool]string{true: "Мақсаткер шәкіртпен жұмыс істеу қуаныш болды."}[status == "completed"], id); err != nil {
				return err
			}
			for k := range 1 + r.IntN(4) {
				day := last.AddDate(0, 0, -14*k).In(i18n.Almaty).Format("2006-01-02")
				var user int64
				if err := tx.QueryRow(ctx, `SELECT mentee_id FROM mentorships WHERE id = ?`, id).Scan(&user); err != nil {
					return err
				}
				sessions = append(sessions, []any{id, day, 30 + 15*r.IntN(5), demoNotes[r.IntN(len(demoNotes))], user, now})
			}
		}
		for s := 0; s < len(sessions); s += 300 {
			e := min(s+300, len(sessions))
			var args []any
			for _, row := range sessions[s:e] {
				args = append(args, row...)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO mentorship_sessions (mentorship_id, day, minutes, notes, logged_by, created_at) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", e-s), ", "), args...); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE mentor_requests SET status = 'matched' WHERE id IN (SELECT request_id FROM mentorships
			WHERE round_id = ? AND status = 'active')`, round.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE mentor_requests SET status = 'closed' WHERE id IN (SELECT request_id FROM mentorships
			WHERE round_id = ? AND status = 'completed')`, round.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE mentors SET taken = (SELECT COUNT(*) FROM mentorships s WHERE s.mentor_id = mentors.id AND s.seat = TRUE)
			WHERE pool_id = ?`, pool)
		return err
	})
	if err != nil {
		return fmt.Errorf("mentorship demo: work: %w", err)
	}
	// A group: the mentor with the most active mentees.
	var mentorID, mentorUser int64
	if err := a.DB.QueryRow(ctx, `SELECT m.id, m.user_id FROM mentors m JOIN mentorships s ON s.mentor_id = m.id
		WHERE m.pool_id = ? AND s.status = 'active' GROUP BY m.id, m.user_id ORDER BY COUNT(*) DESC, m.id LIMIT 1`, pool).Scan(&mentorID, &mentorUser); err != nil {
		return fmt.Errorf("mentorship demo: group: %w", err)
	}
	mu, err := a.Auth.UserByID(ctx, mentorUser)
	if err != nil {
		return err
	}
	group, err := svc.CreateGroup(ctx, mu, mentorID, "Сейсенбі кешкі топ")
	if err != nil {
		return fmt.Errorf("mentorship demo: group: %w", err)
	}
	if err := a.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE mentorships SET group_id = ? WHERE mentor_id = ? AND status = 'active'`, group, mentorID)
		return err
	}); err != nil {
		return err
	}
	// The demo member asks a mentor with a free place directly; the
	// mentor accepts and logs their first session.
	if id := people["member@demo.ortaq.kz"]; id != 0 {
		member, err := a.Auth.UserByID(ctx, id)
		if err != nil {
			return err
		}
		var m, mUser int64
		if err := a.DB.QueryRow(ctx, `SELECT id, user_id FROM mentors WHERE pool_id = ? AND taken < capacity AND spheres LIKE '%"media"%'
			AND languages LIKE '%"kk"%' ORDER BY id LIMIT 1`, pool).Scan(&m, &mUser); err != nil {
			return fmt.Errorf("mentorship demo: a free mentor: %w", err)
		}
		_, msID, err := svc.AskMentor(ctx, member, m, mentorship.RequestIn{Spheres: []string{"media"}, Languages: []string{"kk", "ru"},
			Mode: "online", Goal: "Қалалық сайтқа жаңалық жазуды үйренгім келеді."})
		if err != nil {
			return fmt.Errorf("mentorship demo: member's request: %w", err)
		}
		mu, err := a.Auth.UserByID(ctx, mUser)
		if err != nil {
			return err
		}
		if _, err := svc.SetStatus(ctx, mu, msID, "accepted", ""); err != nil {
			return fmt.Errorf("mentorship demo: accept: %w", err)
		}
		if _, err := svc.LogSession(ctx, mu, msID, now.AddDate(0, 0, -3).In(i18n.Almaty).Format("2006-01-02"), 60,
			"Алғашқы кездесу: жаңалықтың құрылымы, тақырып пен лид."); err != nil {
			return fmt.Errorf("mentorship demo: session: %w", err)
		}
		goal, err := svc.AddGoal(ctx, member, msID, "Қалалық сайтқа алғашқы жаңалығымды жариялау")
		if err != nil {
			return fmt.Errorf("mentorship demo: goal: %w", err)
		}
		if err := svc.CheckGoal(ctx, member, msID, goal, "done"); err != nil {
			return fmt.Errorf("mentorship demo: check-in: %w", err)
		}
	}
	// The next rounds run by themselves: every Monday at 10:00.
	if _, err := svc.SetSchedule(ctx, admin, pool, mentorship.ScheduleIn{Weekdays: []string{"mon"}, Time: "10:00"}); err != nil {
		return fmt.Errorf("mentorship demo: schedule: %w", err)
	}
	return nil
}

// jsonList turns Go's %q of a string slice (["kk","ru"] after the spaces
// are replaced) into a JSON list; the strings are plain keys.
func jsonList(s string) string { return strings.ReplaceAll(s, " ", ",") }

var demoNotes = []string{
	"Мақсатты үш кезеңге бөлдік.", "Түйіндеме мен портфолионы қарадық.", "Обсудили план на месяц.",
	"Келесі аптаға тапсырма: шағын жоба.", "Разобрали ошибки первого выступления.", "Грант өтінімінің жобасын оқыдық.",
}
