package app

import (
	"context"

	"github.com/ortaq/ortaq/internal/awards"
	"github.com/ortaq/ortaq/internal/calls"
)

// callsForAwards gives awards what it asks of calls (awards.Calls): the
// organization that runs a call, and its participants or winners.
type callsForAwards struct{ c *calls.Service }

func (x callsForAwards) CallOrganization(ctx context.Context, callID int64) (int64, error) {
	c, err := x.c.Get(ctx, callID)
	if err != nil {
		return 0, err
	}
	return c.OrgID, nil
}

func (x callsForAwards) CallRecipients(ctx context.Context, callID int64, which string) ([]awards.Recipient, error) {
	var out []awards.Recipient
	if which == "winners" {
		ws, err := x.c.Winners(ctx, callID)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			out = append(out, awards.Recipient{PersonID: w.UserID, Place: w.Place})
		}
		return out, nil
	}
	ps, err := x.c.Participants(ctx, callID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out = append(out, awards.Recipient{PersonID: p.UserID})
	}
	return out, nil
}

func (x callsForAwards) OrgCalls(ctx context.Context, orgID int64) ([]awards.CallRef, error) {
	cs, err := x.c.List(ctx, orgID, 200, 0)
	if err != nil {
		return nil, err
	}
	out := make([]awards.CallRef, len(cs))
	for i, c := range cs {
		out[i] = awards.CallRef{ID: c.ID, Title: c.Title}
	}
	return out, nil
}
