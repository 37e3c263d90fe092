package demo

// Awards in the demo, after the meetings (issue 16):
//
//   - the friendship caravan festival («Достық керуені»): a certificate for
//     every participant and diplomas with places for its winners;
//   - a letter of thanks from the Oral primary organization to its
//     volunteers, the demo member among them, so that member@demo sees an
//     award on their profile.
//
// The festival is the calls demo's «Friendship Caravan festival» (two
// district holdings referring their best to the regional stage): the
// certificates go to all its applicants and the diplomas to those the
// districts referred, with their places, through awards.Batch{CallID, To}.
// Without the calls demo, invented names stand in. All people are
// invented.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
)

func init() { loaders = append(loaders, loadAwards) }

func loadAwards(ctx context.Context, a *app.App, people map[string]int64) error {
	if a.Awards == nil {
		return nil
	}
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	district, err := demoOrg(ctx, a.DB, "West Kazakhstan regional branch", "party_branch")
	if err != nil {
		return err
	}
	oral, err := demoOrg(ctx, a.DB, "Oral city primary organization", "primary_organization")
	if err != nil {
		return err
	}
	festival := certificate.Text{
		KK: "«Достық керуені» фестиваліне қатысқаны үшін",
		RU: "За участие в фестивале «Караван дружбы»",
		EN: "For taking part in the Friendship Caravan festival",
	}
	winners := certificate.Text{
		KK: "«Достық керуені» фестивалі, аудандық кезең",
		RU: "Фестиваль «Караван дружбы», районный этап",
		EN: "Friendship Caravan festival, district stage",
	}
	// The festival as the calls demo holds it: certificates to all who
	// applied, diplomas with places to those each district referred on.
	var call, callOrg int64
	err = a.DB.QueryRow(ctx, "SELECT id, org_id FROM calls WHERE title_en = ? ORDER BY id LIMIT 1", "Friendship Caravan festival").Scan(&call, &callOrg)
	switch {
	case err == nil:
		if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: callOrg, Kind: certificate.Certificate, Title: festival, CallID: call,
			To: "participants"}); err != nil {
			return fmt.Errorf("awards demo: certificates: %w", err)
		}
		if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: callOrg, Kind: certificate.Diploma, Title: winners, CallID: call,
			To: "winners"}); err != nil {
			return fmt.Errorf("awards demo: diplomas: %w", err)
		}
	case errors.Is(err, sql.ErrNoRows): // no calls demo: the festival by names
		members, err := demoMembers(ctx, a.DB, oral, 40) // members of the branch's subtree
		if err != nil {
			return err
		}
		var recs []awards.Recipient
		for _, m := range members {
			recs = append(recs, awards.Recipient{PersonID: m.ID})
		}
		for _, name := range []string{"Жанар Әбілқасымова", "Тимур Исмаилов", "Наталья Шевченко", "Бауыржан Оспанов", "Гүлшат Рахымжанова",
			"Ислам Мұратұлы", "Диана Ким", "Аружан Серікқызы", "Руслан Ғабдуллин", "Мадина Қожахметова", "Ерасыл Төлеген", "Айша Әлиева"} {
			recs = append(recs, awards.Recipient{Name: name})
		}
		if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: district, Kind: certificate.Certificate, Title: festival, Recipients: recs}); err != nil {
			return fmt.Errorf("awards demo: certificates: %w", err)
		}
		if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: district, Kind: certificate.Diploma, Title: winners, Recipients: []awards.Recipient{
			{Name: "«Бір шаңырақ астында» ансамблі (жетекшісі Гүлшат Рахымжанова)", Place: 1},
			{Name: "Тимур Исмаилов пен Ислам Мұратұлы, домбыра дуэті", Place: 2},
			{Name: "Наталья Шевченко, «Дала әуені» әні", Place: 3},
		}}); err != nil {
			return fmt.Errorf("awards demo: diplomas: %w", err)
		}
	default:
		return err
	}
	volunteers, err := demoMembers(ctx, a.DB, oral, 5)
	if err != nil {
		return err
	}
	var recs []awards.Recipient
	if id := people["member@demo.ortaq.kz"]; id != 0 {
		recs = append(recs, awards.Recipient{PersonID: id})
	}
	for _, v := range volunteers {
		if v.ID != people["member@demo.ortaq.kz"] {
			recs = append(recs, awards.Recipient{PersonID: v.ID})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	_, err = a.Awards.Issue(ctx, admin, awards.Batch{OrgID: oral, Kind: certificate.Thanks, Title: certificate.Text{
		KK: "Керуен кездесулерін ұйымдастыруға ерікті ретінде көмектескені үшін",
		RU: "За помощь волонтёром в организации встреч каравана",
		EN: "For volunteering at the caravan meetings",
	}, Recipients: recs})
	if err != nil {
		return fmt.Errorf("awards demo: letters of thanks: %w", err)
	}
	return nil
}
