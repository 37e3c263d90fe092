package elections

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// confirmAct shows an officer what an act on the election will do before
// it is done (web.Confirmation), or refuses it with the reason the act
// itself would give — and the sanity checks: voting does not open with
// more seats than candidates; closing shows the turnout against the
// quorum.
func (h *Handler) confirmAct(w http.ResponseWriter, r *http.Request, u *auth.User, id int64, action string) {
	ctx := r.Context()
	e, err := h.svc.Get(ctx, id, web.LangOf(r))
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if err := h.svc.auth.Require(ctx, u, e.OrgID, auth.Moderator); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	title := e.Title.In(p.Lang())
	c := &web.Confirmation{Action: fmt.Sprintf("/elections/%d/%s", id, action), Back: fmt.Sprintf("/elections/%d", id)}
	need := func(status, key string) bool {
		if e.Status != status {
			h.srv.Fail(w, r, errs.New(errs.Conflict, key))
			return false
		}
		return true
	}
	switch action {
	case "open":
		if !need(Draft, "elections.not_draft") {
			return
		}
		cands, err := h.svc.Candidates(ctx, id)
		if err != nil {
			h.srv.Fail(w, r, err)
			return
		}
		n := 0
		for _, c := range cands {
			if c.Status == "accepted" {
				n++
			}
		}
		if n == 0 {
			h.srv.Fail(w, r, errs.New(errs.Conflict, "elections.no_candidates"))
			return
		}
		if n < e.Seats {
			h.srv.Fail(w, r, errs.New(errs.Conflict, "elections.seats_over_candidates", "seats", e.Seats, "candidates", n))
			return
		}
		c.Title = p.T("elections.confirm.open.title", "title", title)
		c.Lines = []string{p.T("elections.confirm.open.electorate"), p.T("elections.confirm.open.candidates", "candidates", n, "seats", e.Seats)}
		c.Submit = p.T("elections.open")
	case "close":
		if !need(Open, "elections.not_open") {
			return
		}
		line := "elections.confirm.close.quorum_missed"
		reached := e.Electorate > 0 && e.Voters*10000 >= e.QuorumBP*e.Electorate
		if reached {
			line = "elections.confirm.close.quorum_reached"
		}
		c.Title = p.T("elections.confirm.close.title", "title", title)
		c.Lines = []string{p.T("elections.confirm.close.no_more"),
			p.T(line, "voted", e.Voters, "electorate", e.Electorate, "needed", quorumNeeded(e))}
		if !reached {
			c.Warn = []string{p.T("elections.confirm.close.invalid")}
		}
		c.Submit = p.T("elections.close")
	case "publish":
		if !need(Closed, "elections.not_closed") {
			return
		}
		c.Title = p.T("elections.confirm.publish.title", "title", title)
		c.Lines = []string{p.T("elections.confirm.publish.public")}
		c.Submit = p.T("elections.publish")
	case "codes", "codes/email":
		if !need(Open, "elections.codes_when_open") {
			return
		}
		c.Title = p.T("elections.confirm.codes.title", "title", title)
		c.Lines = []string{p.T("elections.codes_replace_hint")}
		if action == "codes" {
			c.Lines = append(c.Lines, p.T("elections.confirm.codes.pdf"))
			c.Submit = p.T("elections.codes_pdf")
			if r.PostForm.Get("without_code") != "" {
				c.Keep = url.Values{"without_code": {"1"}}
				c.Lines[0] = p.T("elections.codes_without_code")
			}
		} else {
			c.Lines = append(c.Lines, p.T("elections.confirm.codes.email"))
			c.Submit = p.T("elections.codes_email")
		}
	}
	h.srv.Confirm(w, r, c)
}

// quorumNeeded is how many ballots make the quorum (as the tally counts).
func quorumNeeded(e *Election) int {
	return (e.QuorumBP*e.Electorate + 9999) / 10000
}
