package meetings

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// The confirmation pages of organizers' irreversible acts (web.
// Confirmation): each checks what the act checks first, so that those who
// may not act get the same refusal, and says what will happen.

// confirmDeleteItem: removing an agenda item with its minutes.
func (h *Handler) confirmDeleteItem(w http.ResponseWriter, r *http.Request, u *auth.User, id, item int64) {
	m, err := h.svc.requireOrganizer(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if !h.svc.db.Now().Before(m.StartsAt) {
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.agenda_fixed"))
		return
	}
	var decided bool
	err = h.svc.db.QueryRow(r.Context(), "SELECT EXISTS (SELECT 1 FROM meeting_decisions WHERE agenda_item_id = ?)", item).Scan(&decided)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if decided {
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.item_has_decisions"))
		return
	}
	items, err := h.svc.Agenda(r.Context(), id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var it *Item
	for i := range items {
		if items[i].ID == item {
			it = &items[i]
		}
	}
	if it == nil {
		h.srv.Fail(w, r, notFound())
		return
	}
	p := h.srv.Printer(r)
	c := &web.Confirmation{Title: p.T("meetings.confirm.delete_item.title", "title", it.Title),
		Lines:  []string{p.T("meetings.confirm.delete_item.gone", "meeting", m.Title.In(p.Lang()))},
		Action: fmt.Sprintf("/meetings/%d/agenda/%d/delete", id, item), Back: fmt.Sprintf("/meetings/%d#item-%d", id, item),
		Submit: p.T("meetings.delete_item"), Danger: true}
	if strings.TrimSpace(it.Minutes) != "" {
		c.Warn = []string{p.T("meetings.confirm.delete_item.minutes")}
	}
	h.srv.Confirm(w, r, c)
}

// confirmCancel: calling the meeting off tells everyone registered.
func (h *Handler) confirmCancel(w http.ResponseWriter, r *http.Request, u *auth.User, id int64) {
	m, err := h.svc.requireOrganizer(r.Context(), u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	switch {
	case m.CancelledAt != nil:
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.is_cancelled"))
		return
	case !h.svc.db.Now().Before(m.EndsAt):
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.already_over"))
		return
	}
	p := h.srv.Printer(r)
	c := &web.Confirmation{Title: p.T("meetings.confirm.cancel.title", "title", m.Title.In(p.Lang())),
		Lines:  []string{p.N("meetings.confirm.cancel.told", m.Registered), p.T("meetings.confirm.cancel.closed")},
		Action: fmt.Sprintf("/meetings/%d/cancel-meeting", id), Back: fmt.Sprintf("/meetings/%d/edit", id),
		Submit: p.T("meetings.cancel_meeting"), Danger: true, Keep: url.Values{"reason": {r.PostForm.Get("reason")}}}
	if reason := strings.TrimSpace(r.PostForm.Get("reason")); reason != "" {
		c.Lines = append(c.Lines, p.T("meetings.cancel_reason")+": "+reason)
	}
	h.srv.Confirm(w, r, c)
}

// confirmCloseDecision: ending a vote on a decision, with how many voted
// against how many are present and the quorum.
func (h *Handler) confirmCloseDecision(w http.ResponseWriter, r *http.Request, u *auth.User, id, dec int64) {
	ctx := r.Context()
	m, err := h.svc.requireOrganizer(ctx, u, id)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	var status string
	var votes int
	err = h.svc.db.QueryRow(ctx, `SELECT d.status, (SELECT COUNT(*) FROM meeting_decision_votes v WHERE v.decision_id = d.id)
		FROM meeting_decisions d WHERE d.id = ? AND d.meeting_id = ?`, dec, id).Scan(&status, &votes)
	if errors.Is(err, sql.ErrNoRows) {
		err = notFound()
	}
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if status != "voting" {
		h.srv.Fail(w, r, errs.New(errs.Conflict, "meetings.decision_closed"))
		return
	}
	q, err := h.svc.QuorumOf(ctx, m)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	p := h.srv.Printer(r)
	c := &web.Confirmation{Title: p.T("meetings.confirm.close_vote.title"),
		Lines: []string{p.T("meetings.confirm.close_vote.ends"), p.N("meetings.confirm.close_vote.votes", votes),
			p.T("meetings.quorum_line", "present", q.Present, "members", q.Members, "needed", q.Needed)},
		Action: fmt.Sprintf("/meetings/%d/decisions/%d/close", id, dec), Back: fmt.Sprintf("/meetings/%d#decision-%d", id, dec),
		Submit: p.T("meetings.close_vote")}
	if !q.Reached {
		c.Warn = []string{p.T("meetings.confirm.close_vote.no_quorum")}
	}
	h.srv.Confirm(w, r, c)
}
