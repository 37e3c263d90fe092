package demo

// Awards in the demo, after the meetings (issue 16):
//
//   - the district festival of the friendship caravan («Достық керуені»),
//     held by the West Kazakhstan regional branch in its districts: a
//     certificate for every participant (members of its organizations, and
//     guests by name) and diplomas for the three winning acts;
//   - a letter of thanks from the Oral primary organization to its
//     volunteers, the demo member among them, so that member@demo sees an
//     award on their profile.
//
// All people and acts are invented. When the calls component has its demo
// (the festival as a call with stages), the certificates and diplomas
// should go to the call's participants and winners through
// awards.Batch{CallID, To}: then this file names the call instead.

import (
	"context"
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
		KK: "«Достық керуені» аудандық фестиваліне қатысқаны үшін",
		RU: "За участие в районном фестивале «Караван дружбы»",
		EN: "For taking part in the Friendship Caravan district festival",
	}
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
	winners := certificate.Text{
		KK: "«Достық керуені» аудандық фестивалі: «Бір шаңырақ астында» ансамблінің өнері",
		RU: "Районный фестиваль «Караван дружбы»: выступление ансамбля «Под одним шаныраком»",
		EN: "Friendship Caravan district festival: the «Under One Shanyrak» ensemble",
	}
	if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: district, Kind: certificate.Diploma, Title: winners, Recipients: []awards.Recipient{
		{Name: "«Бір шаңырақ астында» ансамблі (жетекшісі Гүлшат Рахымжанова)", Place: 1},
		{Name: "Тимур Исмаилов пен Ислам Мұратұлы, домбыра дуэті", Place: 2},
		{Name: "Наталья Шевченко, «Дала әуені» әні", Place: 3},
	}}); err != nil {
		return fmt.Errorf("awards demo: diplomas: %w", err)
	}
	volunteers, err := demoMembers(ctx, a.DB, oral, 5)
	if err != nil {
		return err
	}
	recs = recs[:0]
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
