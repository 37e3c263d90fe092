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
	"fmt"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
)

func loadAwards(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	oral, err := orgNamed(ctx, a.DB, "Oral city primary organization", "")
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
	if err != nil {
		return fmt.Errorf("awards demo: the calls demo's festival: %w", err)
	}
	if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: callOrg, Kind: certificate.Certificate, Title: festival, CallID: call,
		To: "participants"}); err != nil {
		return fmt.Errorf("awards demo: certificates: %w", err)
	}
	if _, err := a.Awards.Issue(ctx, admin, awards.Batch{OrgID: callOrg, Kind: certificate.Diploma, Title: winners, CallID: call,
		To: "winners"}); err != nil {
		return fmt.Errorf("awards demo: diplomas: %w", err)
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
