package proposals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/search"
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
	// The text filter: the search component's matches (any script,
	// spelling or inflection); the list's own rules, filters and order
	// apply to them.
	var matched map[int64]bool // set when there are too many to name in SQL at first
	if strings.TrimSpace(f.Q) != "" {
		if s.search == nil {
			return nil, "", errors.New("proposals: list: a text filter without the search component")
		}
		ids, ok, err := s.search.Match(ctx, "proposal", f.Q)
		if err != nil {
			return nil, "", err
		}
		switch {
		case !ok:
		case len(ids) > denseLimit:
			matched = make(map[int64]bool, len(ids))
			for _, id := range ids {
				matched[id] = true
			}
		default:
			c, a := search.IDsIn(s.DB.Dialect, "p.id", ids)
			where, args = append(where, c), append(args, a...)
		}
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
	var after bool
	var ck, cid int64
	if f.Cursor != "" {
		var err error
		after = true
		if key == "" {
			err = api.DecodeCursor(f.Cursor, &cid)
		} else {
			err = api.DecodeCursor(f.Cursor, &ck, &cid)
		}
		if err != nil {
			var fs errs.Fields
			fs.Add("cursor", "validation.invalid_value")
			return nil, "", fs.Err()
		}
	}
	// read returns up to limit rows after (k, id) when after is set, with
	// their sort keys.
	read := func(where []string, args []any, after bool, k, id int64, limit int) ([]*Proposal, []int64, error) {
		if after {
			if key == "" {
				where = append(where[:len(where):len(where)], "p.id < ?")
				args = append(args[:len(args):len(args)], id)
			} else {
				where = append(where[:len(where):len(where)], "("+key+", "+idCol+") < (?, ?)")
				args = append(append(args[:len(args):len(args)], keyArgs...), k, id)
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
		rows, err := s.DB.Query(ctx, q, append(all, limit)...)
		if err != nil {
			return nil, nil, fmt.Errorf("proposals: list: %w", err)
		}
		defer rows.Close()
		var out []*Proposal
		var keys []int64
		for rows.Next() {
			var k int64
			p, err := scanProposal(rows, &k)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, p)
			keys = append(keys, k)
		}
		return out, keys, rows.Err()
	}
	var out []*Proposal
	var keys []int64
	var err error
	if matched != nil {
		// Many matches (a common word): most likely a page of them is
		// found by reading the list in its order a window at a time, a few
		// windows at most; else the matches are named to the database.
		out, keys, err = walkMatched(read, where, args, after, ck, cid, matched, f.Limit+1)
		if err != nil {
			return nil, "", err
		}
		if out == nil {
			ids := make([]int64, 0, len(matched))
			for id := range matched {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			c, a := search.IDsIn(s.DB.Dialect, "p.id", ids)
			out, keys, err = read(append(where, c), append(args, a...), after, ck, cid, f.Limit+1)
		}
	} else {
		out, keys, err = read(where, args, after, ck, cid, f.Limit+1)
	}
	if err != nil {
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

// denseLimit is how many matches of a text filter make it "dense": the
// list is then read in its order, walkWindow rows at a time for at most
// walkWindows windows, keeping the matches, before the matches are named
// to the database (variables for tests).
var denseLimit, walkWindow, walkWindows = 500, 200, 3

// walkMatched reads the list in order (read) from (ck, cid) and keeps the
// rows among matched until it has limit of them or the list ends; nil
// when it gave up after walkWindows windows.
func walkMatched(read func([]string, []any, bool, int64, int64, int) ([]*Proposal, []int64, error), where []string, args []any,
	after bool, ck, cid int64, matched map[int64]bool, limit int) ([]*Proposal, []int64, error) {
	out, keys := []*Proposal{}, []int64{}
	for range walkWindows {
		page, pk, err := read(where, args, after, ck, cid, walkWindow)
		if err != nil {
			return nil, nil, err
		}
		for i, p := range page {
			if matched[p.ID] {
				out, keys = append(out, p), append(keys, pk[i])
				if len(out) == limit {
					return out, keys, nil
				}
			}
		}
		if len(page) < walkWindow {
			return out, keys, nil
		}
		after, ck, cid = true, pk[len(pk)-1], page[len(page)-1].ID
	}
	return nil, nil, nil
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
