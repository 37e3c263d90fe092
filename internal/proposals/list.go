package proposals

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Sorts of the proposal list.
var Sorts = []string{"supports", "newest", "comments", "random"}

// Filter selects and orders a page of proposals. Pages are keyset pages:
// Cursor is the sort key of the last row of the previous page.
type Filter struct {
	ProgrammeID int64
	DirectionID int64
	Region      string
	Status      string
	Q           string
	Sort        string
	Seed        int64 // for "random": the same seed gives the same order
	Cursor      string
	Limit       int
}

// Validate checks the filter's choices.
func (f *Filter) Validate() error {
	var fs errs.Fields
	if f.Sort == "" {
		f.Sort = "supports"
	}
	if !slices.Contains(Sorts, f.Sort) {
		fs.Add("sort", "validation.invalid_choice")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fs.Add("status", "validation.invalid_choice")
	}
	if len(f.Q) > 200 {
		fs.Add("q", "validation.too_long", "max", 200)
	}
	if f.Seed < 0 || f.Seed > 1_000_000 {
		fs.Add("seed", "validation.invalid_value")
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	return fs.Err()
}

// randomKey orders rows by a permutation of their ids that depends on the
// seed (multiplication by a seed-derived factor modulo a prime): stable
// across pages, nodes and engines, no state kept.
const randomKey = "(((p.id % 1000003) * ?) % 1000003)"

func randomFactor(seed int64) int64 { return (seed*7919+104729)%1000002 + 1 }

// List returns one page of visible proposals (not hidden, not merged) and
// the cursor of the next page ("" on the last one).
func (s *Service) List(ctx context.Context, f Filter) ([]*Proposal, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	// Sorted by supports, the page is read from the narrow tallies'
	// indexes (programme, [region | direction,] count, id); the other
	// orders read the proposals' own.
	t, idCol := "p", "p.id"
	where := []string{"p.programme_id = ?", "p.hidden = FALSE", "p.merged_into IS NULL"}
	if f.Sort == "supports" {
		t, idCol = "t", "t.proposal_id"
		where = []string{"t.programme_id = ?", "t.listed = TRUE"}
	}
	args := []any{f.ProgrammeID}
	if f.DirectionID != 0 {
		where = append(where, t+".direction_id = ?")
		args = append(args, f.DirectionID)
	}
	if f.Region != "" {
		where = append(where, t+".region = ?")
		args = append(args, f.Region)
	}
	if f.Status != "" {
		where = append(where, "p.status = ?")
		args = append(args, f.Status)
	}
	for _, w := range strings.Fields(kazakh.SearchKey(f.Q)) {
		where = append(where, "p.search LIKE ?")
		args = append(args, "%"+w+"%")
	}
	var key, order string
	var keyArgs []any
	switch f.Sort {
	case "supports":
		key, order = "t.support_count", "t.support_count DESC, t.proposal_id DESC"
	case "comments":
		key, order = "p.comment_count", "p.comment_count DESC, p.id DESC"
	case "random":
		key, order = randomKey, randomKey+" DESC, p.id DESC"
		keyArgs = []any{randomFactor(f.Seed)}
	case "newest":
		order = "p.id DESC"
	}
	if f.Cursor != "" {
		var k, id int64
		var err error
		if key == "" {
			err = api.DecodeCursor(f.Cursor, &id)
			where = append(where, "p.id < ?")
			args = append(args, id)
		} else {
			err = api.DecodeCursor(f.Cursor, &k, &id)
			where = append(where, "("+key+", "+idCol+") < (?, ?)")
			args = append(append(args, keyArgs...), k, id)
		}
		if err != nil {
			var fs errs.Fields
			fs.Add("cursor", "validation.invalid_value")
			return nil, "", fs.Err()
		}
	}
	sel := "SELECT " + proposalCols
	var selArgs []any
	if key != "" {
		sel += ", " + key
		selArgs = keyArgs
	} else {
		sel += ", p.id"
	}
	from := " FROM proposals p JOIN proposal_tallies t ON t.proposal_id = p.id"
	if t == "t" {
		from = " FROM proposal_tallies t JOIN proposals p ON p.id = t.proposal_id"
	}
	q := sel + from + " JOIN users u ON u.id = p.author_id WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + " LIMIT ?"
	// Placeholders in order: the selected key, the conditions, the order.
	all := append(append(append([]any{}, selArgs...), args...), keyArgs...)
	rows, err := s.DB.Query(ctx, q, append(all, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("proposals: list: %w", err)
	}
	defer rows.Close()
	var out []*Proposal
	var keys []int64
	for rows.Next() {
		var k int64
		p, err := scanProposal(rows, &k)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		last := out[f.Limit-1]
		if key == "" {
			next = api.EncodeCursor(last.ID)
		} else {
			next = api.EncodeCursor(keys[f.Limit-1], last.ID)
		}
		out = out[:f.Limit]
	}
	return out, next, nil
}

// SupportedAmong returns which of ids userID supports (one query, for the
// marks on a page of the list).
func (s *Service) SupportedAmong(ctx context.Context, userID int64, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, userID)
	for _, id := range ids {
		args = append(args, id)
	}
	out, err := db.ScanIDs(s.DB.Query(ctx, "SELECT proposal_id FROM proposal_supports WHERE user_id = ? AND proposal_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", args...))
	if err != nil {
		return nil, fmt.Errorf("proposals: supported among: %w", err)
	}
	return out, nil
}
