package competitions

import (
	"context"
	"errors"
	"fmt"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/certificate"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Award recipients.
const (
	ToWinners      = "winners"      // members of the teams placed 1–3: diplomas with the place
	ToParticipants = "participants" // every team member: certificates
)

// AwardIn is an organizer's request for awards.
type AwardIn struct {
	To    string // ToWinners or ToParticipants
	Kind  certificate.Kind
	Title i18n.Text
}

// IssueAwards gives the members of the competition's teams diplomas or
// certificates through the awards component, in one batch: winners (the
// teams placed 1 to 3 in the final placing; a diploma carries the place)
// or all participants. Only the competition's organizers may; minors
// without a guardian's consent are left out.
func (s *Service) IssueAwards(ctx context.Context, actor *auth.User, compID int64, in AwardIn) ([]awards.Issued, error) {
	c, err := s.requireOrganizer(ctx, actor, compID)
	if err != nil {
		return nil, err
	}
	if s.awards == nil {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	var fs errs.Fields
	if in.To != ToWinners && in.To != ToParticipants {
		fs.Add("to", "validation.invalid_choice")
	}
	if in.Kind == "" {
		in.Kind = certificate.Certificate
		if in.To == ToWinners {
			in.Kind = certificate.Diploma
		}
	}
	if !in.Kind.Valid() {
		fs.Add("kind", "validation.invalid_choice")
	}
	in.Title = in.Title.Trim()
	if in.Title.Empty() {
		in.Title = c.Title
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	teams, err := s.Teams(ctx, compID, true)
	if err != nil {
		return nil, err
	}
	places := map[int64]int{}
	if in.To == ToWinners {
		rounds, err := s.Rounds(ctx, compID)
		if err != nil {
			return nil, err
		}
		if !finished(c, rounds) {
			return nil, errs.New(errs.Conflict, "competitions.error.not_finished")
		}
		if places, err = s.Places(ctx, c); err != nil {
			return nil, err
		}
		if len(places) == 0 {
			return nil, errs.New(errs.Conflict, "competitions.error.no_results")
		}
	}
	b := awards.Batch{OrgID: c.OrgID, Kind: in.Kind, Title: certificate.Text{KK: in.Title.KK, RU: in.Title.RU, EN: in.Title.EN}}
	for _, t := range teams {
		place := places[t.ID]
		if in.To == ToWinners && (place < 1 || place > 3) {
			continue
		}
		for _, m := range t.Members {
			r := awards.Recipient{PersonID: m.ID}
			if in.Kind == certificate.Diploma {
				r.Place = place
			}
			b.Recipients = append(b.Recipients, r)
		}
	}
	if len(b.Recipients) == 0 {
		return nil, errs.New(errs.Conflict, "competitions.error.no_recipients")
	}
	out, err := s.awards.IssueTrusted(ctx, b)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, fmt.Errorf("competitions: awards: %w", err)
	}
	// The awards component logs the batch as issued by a component; the
	// person who asked is recorded here.
	codes := make([]string, len(out))
	for i, a := range out {
		codes[i] = a.Code
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "competitions.awards", TargetType: "competition",
			TargetID: fmt.Sprint(compID), OrgID: c.OrgID, After: map[string]any{"to": in.To, "kind": in.Kind, "codes": codes}})
	})
	if err != nil {
		return nil, fmt.Errorf("competitions: awards: %w", err)
	}
	return out, nil
}

// finished reports whether the places can be given: a round has been
// played, no game waits for its result, and a bracket (a knockout, or the
// final stage) has played its final.
func finished(c *Competition, rounds []Round) bool {
	if len(rounds) == 0 {
		return false
	}
	for i := range rounds {
		if !rounds[i].Complete() {
			return false
		}
	}
	discs := []int64{0}
	if len(c.Disciplines) > 0 {
		discs = discs[:0]
		for _, d := range c.Disciplines {
			discs = append(discs, d.ID)
		}
	}
	for _, d := range discs {
		stage := Final
		if c.Format == "knockout" {
			stage = Main
		}
		if gs, last := games(rounds, d, stage); last != nil && knockoutPlaces(gs, last) == nil {
			return false
		}
	}
	return true
}
