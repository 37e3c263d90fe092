package demo

// Courses in the demo, after the registry's organizations:
//
//   - the Shymkent Assembly secretariat's state-language course for the
//     leaders of the city's ethnocultural associations, Tuesdays and
//     Thursdays 18:00–19:30, begun six weeks ago: twenty seats taken, four
//     people on the waiting list, attendance marked for every session
//     held so far (most present, some excused or absent);
//   - a series of Saturday master classes of the Assembly's ethnocultural
//     centres, begun two weeks ago, with seats still free.

import (
	"context"
	"fmt"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/i18n"
)

func loadCourses(ctx context.Context, a *app.App, people map[string]int64) error {
	// Built without delivery: invented people get no messages.
	svc := courses.New(courses.Deps{DB: a.DB, Auth: a.Auth, Catalog: a.Catalog, Log: a.Log})
	sec, err := a.Auth.UserByID(ctx, people["secretariat@demo.ortaq.kz"])
	if err != nil {
		return fmt.Errorf("courses demo: secretariat: %w", err)
	}
	asm, err := orgNamed(ctx, a.DB, "Shymkent City Assembly of People of Kazakhstan", "")
	if err != nil {
		return err
	}
	secretariat, err := orgNamed(ctx, a.DB, "Assembly secretariat", "Shymkent City Assembly of People of Kazakhstan")
	if err != nil {
		return err
	}
	// The associations' members (adults, one each), in a fixed order.
	rows, err := a.DB.Query(ctx, `SELECT DISTINCT u.id FROM memberships m JOIN users u ON u.id = m.user_id
		JOIN organizations o ON o.id = m.org_id JOIN organizations a ON a.id = ?
		WHERE substr(o.path, 1, length(a.path)) = a.path AND o.id <> ? AND m.until IS NULL AND u.deleted_at IS NULL AND u.id <> ?
		AND `+auth.NotLimitedSQL+` ORDER BY u.id LIMIT 32`, asm, secretariat, sec.ID, auth.AdultCutoff(a.DB.Now()))
	if err != nil {
		return err
	}
	var members []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		members = append(members, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(members) < 30 {
		return fmt.Errorf("courses demo: the Shymkent associations have %d adult members, want 30", len(members))
	}
	now := a.DB.Now().In(i18n.Almaty)
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	// The association leaders enrol themselves (the secretariat's
	// announcement went round); its staff member teaches.
	enrol := func(course int64, ids []int64) error {
		for _, id := range ids {
			u, err := a.Auth.UserByID(ctx, id)
			if err != nil {
				return err
			}
			if _, err := svc.Enrol(ctx, u, course, 0); err != nil {
				return fmt.Errorf("courses demo: enrol %d: %w", id, err)
			}
		}
		return nil
	}

	lang, sessions, err := svc.Create(ctx, sec, courses.NewCourse{OrgID: secretariat, Capacity: 20, Threshold: 80,
		Title: i18n.Text{KK: "Мемлекеттік тіл курсы: бірлестік жетекшілеріне", RU: "Курс государственного языка для руководителей объединений",
			EN: "State language course for association leaders"},
		Description: i18n.Text{KK: "Этномәдени бірлестіктердің жетекшілеріне арналған қазақ тілі курсы: іс қағаздары, сөз сөйлеу, күнделікті әңгіме. Аптасына екі рет, Ассамблея үйінде.",
			RU: "Курс казахского языка для руководителей этнокультурных объединений: делопроизводство, выступления, повседневное общение. Два раза в неделю, в Доме дружбы.",
			EN: "Kazakh for the leaders of ethnocultural associations: paperwork, public speaking, everyday talk. Twice a week at the House of Friendship."},
		Schedule: courses.Schedule{Weekdays: []string{"tue", "thu"}, Start: "18:00", Minutes: 90, From: day(-42), To: day(70)},
		Place:    "Шымкент, Достық үйі, 2-аудитория", Teachers: []int64{sec.ID}})
	if err != nil {
		return fmt.Errorf("courses demo: language course: %w", err)
	}
	if err := enrol(lang.ID, members[1:25]); err != nil { // 20 seats, then 4 waiting
		return err
	}
	nowUTC := a.DB.Now()
	for i, se := range sessions {
		if !se.StartsAt.Before(nowUTC) {
			break
		}
		marks := map[int64]string{}
		for j, id := range members[1:21] {
			// Most come; a few miss now and then, two drop off after a month.
			st := "present"
			switch {
			case (i*7+j*3)%11 == 0:
				st = "absent"
			case (i+j)%13 == 0:
				st = "excused"
			case j >= 18 && i > 8:
				st = "absent"
			}
			marks[id] = st
		}
		if err := svc.MarkAll(ctx, sec, se.ID, marks); err != nil {
			return fmt.Errorf("courses demo: marks: %w", err)
		}
	}

	mc, _, err := svc.Create(ctx, sec, courses.NewCourse{OrgID: asm, Capacity: 15, Threshold: 75,
		Title: i18n.Text{KK: "Этномәдени орталықтардың шеберлік сабақтары", RU: "Мастер-классы этнокультурных центров",
			EN: "Master classes of the ethnocultural centres"},
		Description: i18n.Text{KK: "Әр сенбі бір орталық өз өнерін үйретеді: кесте тігу, ұлттық ас, би, қолөнер.",
			RU: "Каждую субботу один из центров учит своему ремеслу: вышивка, национальная кухня, танец, прикладное искусство.",
			EN: "Every Saturday one centre teaches its craft: embroidery, national cuisine, dance, applied art."},
		Schedule: courses.Schedule{Weekdays: []string{"sat"}, Start: "11:00", Minutes: 120, From: day(-14), To: day(42)},
		Place:    "Шымкент, Достық үйі, үлкен зал", Teachers: []int64{members[25]}})
	if err != nil {
		return fmt.Errorf("courses demo: master classes: %w", err)
	}
	return enrol(mc.ID, members[26:31])
}
