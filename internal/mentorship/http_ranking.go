package mentorship

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// rankView is the mentor's page for ordering the requests they could get.
type rankView struct {
	ID      int64
	Title   string
	Paused  bool
	Rows    []rankRow
	Choices []int // the numbers of the select in each row
	Ranked  int
}

// rankRow is one request as the mentor sees it (no name, no contact).
type rankRow struct {
	RequestID int64
	Spheres   string
	Languages string
	Where     string
	Goal      string
	Waiting   time.Time
	NamedYou  bool
	Rank      int
}

func (h *handler) ranking(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	h.renderRanking(w, r, req.User, req.ID, http.StatusOK, nil, nil)
}

// renderRanking shows the page; form: the numbers just posted (kept when
// the save was refused).
func (h *handler) renderRanking(w http.ResponseWriter, r *http.Request, u *auth.User, poolID int64, status int, fe map[string]string, form url.Values) {
	ctx := r.Context()
	m, cands, err := h.svc.Candidates(ctx, u, poolID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p, err := h.svc.Pool(ctx, poolID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	pr, l := h.srv.Printer(r), web.LangOf(r)
	v := &rankView{ID: p.ID, Title: p.Title.In(l), Paused: m.Status == "paused"}
	for _, c := range cands {
		var sp, ls []string
		for _, k := range c.Spheres {
			sp = append(sp, p.SphereTitle(k, l))
		}
		for _, k := range c.Languages {
			ls = append(ls, pr.T("mentorship.lang."+k))
		}
		where := pr.T("mentorship.mode." + c.Mode)
		if c.SameRegion {
			where += " · " + pr.T("mentorship.rank.same_region")
		}
		row := rankRow{RequestID: c.RequestID, Spheres: strings.Join(sp, ", "), Languages: strings.Join(ls, ", "), Where: where,
			Goal: c.Goal, Waiting: c.WaitingSince, NamedYou: c.NamedYou, Rank: c.Rank}
		if form != nil {
			row.Rank = atoi(form.Get(fmt.Sprintf("rank_%d", c.RequestID)))
		}
		if row.Rank > 0 {
			v.Ranked++
		}
		v.Rows = append(v.Rows, row)
	}
	for i := 1; i <= min(len(v.Rows), MaxRanking); i++ {
		v.Choices = append(v.Choices, i)
	}
	h.srv.Render(w, r, status, "mentorship_ranking", &web.PageData{Title: h.srv.T(r, "mentorship.rank.title"), Data: v, Errors: fe})
}

// rankingFromForm reads the numbered selects: rank_ID = 1…N or empty,
// for the ids listed in "shown" (in the page's order, which breaks a tie
// of two equal numbers). "clear" means no preference.
func rankingFromForm(f url.Values) []int64 {
	if f.Get("clear") != "" {
		return nil
	}
	type entry struct {
		rank, at int
		id       int64
	}
	var es []entry
	for i, s := range f["shown"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if n := atoi(f.Get("rank_" + s)); n > 0 {
			es = append(es, entry{n, i, id})
		}
	}
	slices.SortStableFunc(es, func(a, b entry) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.at - b.at
	})
	var ids []int64
	for _, e := range es {
		if !slices.Contains(ids, e.id) {
			ids = append(ids, e.id)
		}
	}
	return ids
}

func (h *handler) saveRanking(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.BeginForm(w, r, "id")
	if !ok {
		return
	}
	ids := rankingFromForm(r.PostForm)
	if _, err := h.svc.SetRanking(r.Context(), req.User, req.ID, ids); err != nil {
		if fe, ok := web.FieldErrors(h.srv.Printer(r), err); ok {
			h.renderRanking(w, r, req.User, req.ID, http.StatusUnprocessableEntity, fe, r.PostForm)
			return
		}
		h.srv.Fail(w, r, err)
		return
	}
	flash := "mentorship.flash.ranking"
	if len(ids) == 0 {
		flash = "mentorship.flash.no_preference"
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/mentor-pools/%d/ranking", req.ID), flash)
}

// RankingIn is PUT /api/v1/mentor-pools/{id}/mentors/me/ranking.
type RankingIn struct {
	// Requests: request ids, best first; empty: no preference.
	Requests []string `json:"requests"`
}

// RankingOut is a mentor's ranking with the requests they could get.
type RankingOut struct {
	MentorID   string         `json:"mentor_id"`
	Requests   []string       `json:"requests"`
	Candidates []CandidateOut `json:"candidates"`
}

// CandidateOut is an open request a mentor could get: only what the young
// person wrote on it, no name or contact.
type CandidateOut struct {
	RequestID    string   `json:"request_id"`
	Spheres      []string `json:"spheres"`
	Languages    []string `json:"languages"`
	Mode         string   `json:"mode"`
	SameRegion   bool     `json:"same_region"`
	Goal         string   `json:"goal"`
	WaitingSince string   `json:"waiting_since"`
	Fit          int      `json:"fit"`
	NamedYou     bool     `json:"named_you"`
	Rank         int      `json:"rank,omitempty"`
}

func (h *handler) rankingOut(r *http.Request, u *auth.User, poolID int64) (RankingOut, error) {
	m, cands, err := h.svc.Candidates(r.Context(), u, poolID)
	if err != nil {
		return RankingOut{}, err
	}
	out := RankingOut{MentorID: s64(m.ID), Requests: []string{}, Candidates: []CandidateOut{}}
	for _, c := range cands {
		if c.Rank > 0 {
			out.Requests = append(out.Requests, s64(c.RequestID))
		}
		out.Candidates = append(out.Candidates, CandidateOut{RequestID: s64(c.RequestID), Spheres: c.Spheres, Languages: c.Languages,
			Mode: c.Mode, SameRegion: c.SameRegion, Goal: c.Goal, WaitingSince: c.WaitingSince.UTC().Format(time.RFC3339),
			Fit: c.Fit, NamedYou: c.NamedYou, Rank: c.Rank})
	}
	return out, nil
}

func (h *handler) apiRanking(w http.ResponseWriter, r *http.Request) {
	req, ok := h.srv.Begin(w, r, "id")
	if !ok {
		return
	}
	out, err := h.rankingOut(r, req.User, req.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *handler) apiSetRanking(r *http.Request, u *auth.User, id int64, in RankingIn) (RankingOut, error) {
	var fs errs.Fields
	ids := []int64{}
	for i, s := range in.Requests {
		field := fmt.Sprintf("requests[%d]", i)
		if s == "" {
			fs.Add(field, "validation.invalid_value")
		}
		if n := parseID(&fs, field, s); n > 0 {
			ids = append(ids, n)
		}
	}
	if err := fs.Err(); err != nil {
		return RankingOut{}, err
	}
	if _, err := h.svc.SetRanking(r.Context(), u, id, ids); err != nil {
		return RankingOut{}, err
	}
	return h.rankingOut(r, u, id)
}
