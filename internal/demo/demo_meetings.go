package demo

// Meetings and elections in the demo, after the registry's organizations:
//
//   - the annual report meeting of a primary party organization, two weeks
//     ago: agenda, minutes, a decision adopted unanimously, and the
//     election of five delegates to the city conference by secret ballot,
//     closed, with published results and bulletin;
//   - an upcoming council meeting with registrations and questions;
//   - a caravan meeting in a district, last week, with answered questions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/elections"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/meetings"
)

// demoChair is the chair of org among its current members.
func demoChair(ctx context.Context, d *db.DB, org int64) (*auth.User, error) {
	u := &auth.User{}
	err := d.QueryRow(ctx, `SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.role = 'chair' AND m.until IS NULL ORDER BY u.id LIMIT 1`, org).Scan(&u.ID, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("meetings demo: organization %d has no chair", org)
	}
	return u, err
}

// demoMembers returns up to n active adult members of org.
func demoMembers(ctx context.Context, d *db.DB, org int64, n int) ([]*auth.User, error) {
	rows, err := d.Query(ctx, `SELECT DISTINCT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.until IS NULL AND u.deleted_at IS NULL AND `+auth.NotLimitedSQL+`
		ORDER BY u.id LIMIT ?`, org, auth.AdultCutoff(d.Now()), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u := &auth.User{}
		if err := rows.Scan(&u.ID, &u.Name); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func loadMeetings(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	// Built without delivery: the demo's invented people get no email.
	ms := meetings.New(meetings.Deps{DB: a.DB, Auth: a.Auth, Catalog: a.Catalog, Log: a.Log, BaseURL: a.Cfg.BaseURL})
	es := elections.New(elections.Deps{DB: a.DB, Auth: a.Auth, Keys: a.Keys, Log: a.Log})
	defer es.Stop()
	now := a.DB.Now().UTC()
	day := func(offset int, hour int) time.Time {
		d := now.In(i18n.Almaty).AddDate(0, 0, offset)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, i18n.Almaty).UTC()
	}

	// ---- 1. The report meeting and the delegate election.
	primary, err := orgNamed(ctx, a.DB, "Temirtau Palace of Culture primary organization", "")
	if err != nil {
		return err
	}
	members, err := demoMembers(ctx, a.DB, primary, 1000)
	if err != nil {
		return err
	}
	if len(members) < 8 {
		return fmt.Errorf("meetings demo: %d members in the primary organization", len(members))
	}
	report, err := ms.Create(ctx, admin, meetings.NewMeeting{OrgID: primary, Kind: "report", Format: "online", Invite: "members",
		Title: i18n.Text{KK: "Бастауыш ұйымның жылдық есеп беру жиналысы", RU: "Годовое отчётное собрание первичной организации",
			EN: "Annual report meeting of the primary organization"},
		Description: "Бір жылда атқарылған жұмыс қорытындыланады, қалалық конференцияға делегаттар сайланады.",
		OnlineURL:   "https://meet.demo.ortaq.kz/report", StartsAt: day(-14, 15), EndsAt: day(-14, 17), QuorumPct: 50})
	if err != nil {
		return fmt.Errorf("meetings demo: %w", err)
	}
	items := []meetings.NewItem{
		{Title: "Бастауыш ұйымның бір жылдағы жұмысы туралы есеп", Presenter: "Ұйым төрағасы", DurationMin: 30},
		{Title: "Есепті талқылау", Presenter: "Мүшелер", DurationMin: 30},
		{Title: "Қалалық партия конференциясына делегаттар сайлау", Presenter: "Төрағаның орынбасары", DurationMin: 40},
	}
	minutes := []string{
		"Төраға жыл бойы өткізілген іс-шаралар, жастармен кездесулер және қайырымдылық акциялары туралы баяндады.",
		"Сөз сөйлегендер жұмысты қанағаттанарлық деп бағалап, келесі жылға ұсыныстар айтты.",
		"Төрағаның орынбасары делегаттыққа жеті кандидат ұсынды. Жасырын онлайн дауыс беру өтті.",
	}
	var itemIDs []int64
	for i, it := range items {
		id, err := ms.AddItem(ctx, admin, report, it)
		if err != nil {
			return fmt.Errorf("meetings demo: %w", err)
		}
		if err := ms.SetMinutes(ctx, admin, report, id, minutes[i]); err != nil {
			return err
		}
		itemIDs = append(itemIDs, id)
	}
	// Attendance: three quarters of the members took part.
	present := members[:len(members)*3/4]
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		for i, u := range present {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_registrations (meeting_id, user_id, status, checkin_token, created_at, present_at)
				VALUES (?, ?, 'registered', ?, ?, ?)`, report, u.ID, fmt.Sprintf("demo-%d-%d", report, i), day(-20, 10), day(-14, 15)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "UPDATE meetings SET registered_count = ? WHERE id = ?", len(present), report)
		return err
	})
	if err != nil {
		return err
	}
	if _, err := ms.AddDecision(ctx, admin, report, meetings.NewDecision{ItemID: itemIDs[1], Mode: "counted", For: len(present),
		Text: "Бастауыш ұйымның бір жылдағы жұмысы қанағаттанарлық деп танылсын."}); err != nil {
		return err
	}
	election, err := es.Create(ctx, admin, elections.NewElection{OrgID: primary, MeetingID: report, AgendaItemID: itemIDs[2], Seats: 5, Method: elections.MethodChoose,
		Rule: elections.RulePlurality, Quorum: 0.5,
		Title: i18n.Text{KK: "Қалалық партия конференциясына делегаттар сайлау", RU: "Выборы делегатов на городскую партийную конференцию",
			EN: "Election of delegates to the city party conference"}})
	if err != nil {
		return err
	}
	var cands []string
	for _, u := range members[:7] {
		c, err := es.Nominate(ctx, admin, election, u.ID)
		if err != nil {
			return err
		}
		cands = append(cands, strconv.FormatInt(c.ID, 10))
	}
	if err := es.Open(ctx, admin, election); err != nil {
		return err
	}
	// The members present vote, several at once (as they would).
	var wg sync.WaitGroup
	errc := make(chan error, len(present))
	sem := make(chan struct{}, 16)
	for i, u := range present {
		choice := []string{cands[i%5], cands[(i*3+1)%7]}
		if choice[0] == choice[1] {
			choice = choice[:1]
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := es.Cast(ctx, u, election, elections.BallotInput{Choices: choice}); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return fmt.Errorf("meetings demo: ballot: %w", err)
	}
	if err := es.Close(ctx, admin, election); err != nil {
		return err
	}
	if err := es.Publish(ctx, admin, election); err != nil {
		return err
	}
	if _, err := ms.AddDecision(ctx, admin, report, meetings.NewDecision{ItemID: itemIDs[2], Mode: "counted", For: len(present),
		Text: "Жасырын дауыс беру қорытындысы бекітілсін, сайланған делегаттар қалалық конференцияға жіберілсін."}); err != nil {
		return err
	}
	if err := ms.ApproveMinutes(ctx, admin, report); err != nil {
		return err
	}

	// ---- 2. An upcoming meeting of the Sarysu district's Mothers' Council
	// with registrations and questions.
	council, err := orgNamed(ctx, a.DB, "Mothers' Council", "Sarysu District Assembly")
	if err != nil {
		return err
	}
	cmembers, err := demoMembers(ctx, a.DB, council, 12)
	if err != nil {
		return err
	}
	cm, err := ms.Create(ctx, admin, meetings.NewMeeting{OrgID: council, Kind: "council", Format: "hybrid", Invite: "members",
		Title:       i18n.Text{KK: "Кеңестің кезекті отырысы", RU: "Очередное заседание совета", EN: "Regular council session"},
		Description: "Күн тәртібінде: жасөспірімдердің жазғы демалысы және отбасыларды қолдау.",
		Address:     "Аудандық мәдениет үйі, 2-қабат (ойдан шығарылған)", OnlineURL: "https://meet.demo.ortaq.kz/council",
		StartsAt: day(5, 11), EndsAt: day(5, 13), Capacity: 30, QuorumPct: 50})
	if err != nil {
		return err
	}
	for _, it := range []meetings.NewItem{{Title: "Жасөспірімдердің жазғы демалысын ұйымдастыру", DurationMin: 40},
		{Title: "Көпбалалы отбасыларды қолдау", DurationMin: 30}} {
		if _, err := ms.AddItem(ctx, admin, cm, it); err != nil {
			return err
		}
	}
	for _, u := range cmembers {
		if _, err := ms.RegisterFor(ctx, u, cm); err != nil {
			return fmt.Errorf("meetings demo: register: %w", err)
		}
	}
	qs := []string{"Жазғы лагерьге жолдама қалай беріледі?", "Ауылдағы балаларға спорт секциялары ашыла ма?",
		"Кеңес отырысына ата-аналар қатыса ала ма?"}
	for i, body := range qs {
		if len(cmembers) == 0 {
			break
		}
		q, err := ms.Ask(ctx, cmembers[i%len(cmembers)], cm, body)
		if err != nil {
			return err
		}
		for _, u := range cmembers[:min(len(cmembers), 3-i+1)] {
			if _, err := ms.Upvote(ctx, u, cm, q.ID, true); err != nil {
				return err
			}
		}
	}

	// ---- 3. A caravan meeting in the Sarysu district: members of the
	// Mothers' Council ask, the chair of the Council of Elders answers.
	district, err := orgNamed(ctx, a.DB, "Sarysu District Assembly", "")
	if err != nil {
		return err
	}
	elders, err := orgNamed(ctx, a.DB, "Council of Elders (Aksakals)", "Sarysu District Assembly")
	if err != nil {
		return err
	}
	answerer, err := demoChair(ctx, a.DB, elders)
	if err != nil {
		return err
	}
	var caravan int64
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO meetings (org_id, kind, format, title_kk, title_ru, title_en, description, address, starts_at, ends_at,
			invite, created_by, created_at, updated_at) VALUES (?, 'public', 'in_person', ?, ?, ?, ?, ?, ?, ?, 'anyone', ?, ?, ?) RETURNING id`,
			district, "Кеңес мүшелерінің ауданға сапары: тұрғындармен кездесу", "Караван встреч: члены советов встречаются с жителями района",
			"Caravan of meetings: council members meet the district's residents",
			"Ақсақалдар кеңесінің мүшелері тұрғындардың сұрақтарына жауап берді.",
			"Аудан орталығы, мәдениет үйі (ойдан шығарылған)", day(-7, 11), day(-7, 13), admin.ID, day(-10, 9), day(-10, 9)).Scan(&caravan)
	})
	if err != nil {
		return err
	}
	askers, err := demoMembers(ctx, a.DB, council, 4)
	if err != nil {
		return err
	}
	if len(askers) == 0 {
		return fmt.Errorf("meetings demo: the Mothers' Council %d has no members to ask", council)
	}
	qa := [][2]string{
		{"Ауылдағы мектепке жаңа спорт залы қашан салынады?", "Жоба облыстық бюджетке енгізілді, құрылыс келесі жылы басталады."},
		{"Жастарға арналған тегін заң кеңесі бар ма?", "Иә, аудандық жастар орталығында әр сейсенбі сайын тегін кеңес беріледі."},
		{"Мемлекеттік тіл курсына қалай жазылуға болады?", "Курс аптасына екі рет аудан орталығындағы мәдениет үйінде өтеді; жазылу үшін аудандық Ассамблеяның хатшылығына хабарласыңыз."},
		{"Қоғамдық көлік кестесі өзгере ме?", "Әкімдік тұрғындардың ұсынысын қарап, кешкі рейс қосуға келісті."},
	}
	return a.DB.Write(ctx, func(tx *db.Tx) error {
		for i, x := range qa {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_questions (meeting_id, author_id, body, status, answer, answered_by, answered_at, votes, created_at)
				VALUES (?, ?, ?, 'answered', ?, ?, ?, ?, ?)`, caravan, askers[i%len(askers)].ID, x[0], x[1], answerer.ID, day(-7, 12), 0, day(-8, 18)); err != nil {
				return err
			}
		}
		return nil
	})
}
