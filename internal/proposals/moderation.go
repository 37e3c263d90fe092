package proposals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/tabular"
)

func link(id int64) string { return "/proposals/" + strconv.FormatInt(id, 10) }

// Comments returns a proposal's comments, each top-level comment followed
// by its replies.
func (s *Service) Comments(ctx context.Context, proposalID int64) ([]Comment, error) {
	rows, err := s.DB.Query(ctx, `SELECT c.id, COALESCE(c.parent_id, 0), c.author_id,
		CASE WHEN u.deleted_at IS NULL AND u.hidden = FALSE THEN u.name ELSE '' END,
		c.body, c.hidden, c.hidden_reason, c.created_at, c.edited_at
		FROM proposal_comments c JOIN users u ON u.id = c.author_id
		WHERE c.proposal_id = ? ORDER BY COALESCE(c.parent_id, c.id), c.id LIMIT 2000`, proposalID)
	if err != nil {
		return nil, fmt.Errorf("proposals: comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		c := Comment{ProposalID: proposalID}
		var at, edited db.Time
		if err := rows.Scan(&c.ID, &c.ParentID, &c.AuthorID, &c.AuthorName, &c.Body, &c.Hidden, &c.HiddenReason, &at, &edited); err != nil {
			return nil, err
		}
		c.CreatedAt, c.EditedAt = at.Time, edited.Ptr()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommentsAfter returns up to limit comments of a proposal in the order
// they were written, after comment id after (0: from the first), and
// whether more follow: the API's keyset pages.
func (s *Service) CommentsAfter(ctx context.Context, proposalID, after int64, limit int) ([]Comment, bool, error) {
	ok, err := exists(ctx, s.DB, "SELECT 1 FROM proposals WHERE id = ?", proposalID)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, errs.New(errs.NotFound, "error.404.text")
	}
	rows, err := s.DB.Query(ctx, `SELECT c.id, COALESCE(c.parent_id, 0), c.author_id,
		CASE WHEN u.deleted_at IS NULL AND u.hidden = FALSE THEN u.name ELSE '' END,
		c.body, c.hidden, c.hidden_reason, c.created_at, c.edited_at
		FROM proposal_comments c JOIN users u ON u.id = c.author_id
		WHERE c.proposal_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`, proposalID, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("proposals: comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		c := Comment{ProposalID: proposalID}
		var at, edited db.Time
		if err := rows.Scan(&c.ID, &c.ParentID, &c.AuthorID, &c.AuthorName, &c.Body, &c.Hidden, &c.HiddenReason, &at, &edited); err != nil {
			return nil, false, err
		}
		c.CreatedAt, c.EditedAt = at.Time, edited.Ptr()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func exists(ctx context.Context, d *db.DB, q string, args ...any) (bool, error) {
	var one int
	err := d.QueryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// AddComment comments on a proposal, or replies to a top-level comment.
func (s *Service) AddComment(ctx context.Context, u *auth.User, proposalID, parentID int64, body string) (*Comment, error) {
	if u == nil {
		return nil, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return nil, errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	p, err := s.Get(ctx, proposalID)
	if err != nil {
		return nil, err
	}
	if p.Hidden || p.MergedInto != 0 {
		return nil, errs.New(errs.Conflict, "proposals.closed_for_comments")
	}
	var fs errs.Fields
	body = strings.TrimSpace(body)
	checkBody(&fs, "body", body, 1, 4000)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	c := &Comment{ProposalID: proposalID, ParentID: parentID, AuthorID: u.ID, AuthorName: u.Name, Body: body}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if parentID != 0 {
			var top bool
			err := tx.QueryRow(ctx, "SELECT parent_id IS NULL FROM proposal_comments WHERE id = ? AND proposal_id = ?", parentID, proposalID).Scan(&top)
			if errors.Is(err, sql.ErrNoRows) {
				fs.Add("parent_id", "validation.invalid_choice")
				return fs.Err()
			}
			if err != nil {
				return err
			}
			if !top { // one level of replies: answer the thread
				if err := tx.QueryRow(ctx, "SELECT parent_id FROM proposal_comments WHERE id = ?", parentID).Scan(&c.ParentID); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO proposal_comments (proposal_id, parent_id, author_id, body, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, proposalID, nullInt(c.ParentID), u.ID, body, tx.Now).Scan(&c.ID); err != nil {
			return fmt.Errorf("proposals: comment: %w", err)
		}
		c.CreatedAt = tx.Now
		if _, err := tx.Exec(ctx, "UPDATE proposals SET comment_count = comment_count + 1 WHERE id = ?", proposalID); err != nil {
			return err
		}
		return s.Notify.Add(ctx, tx, &batch, []int64{p.AuthorID}, u.ID, "comment",
			map[string]string{"title": p.Title, "name": u.Name}, link(proposalID)+"#c"+strconv.FormatInt(c.ID, 10))
	})
	if err != nil {
		return nil, err
	}
	s.Notify.Send(&batch)
	return c, nil
}

// EditComment lets the author change a comment within EditWindow.
func (s *Service) EditComment(ctx context.Context, u *auth.User, id int64, body string) (int64, error) {
	if u == nil {
		return 0, errs.New(errs.Unauthorized, "auth.signin_required")
	}
	var fs errs.Fields
	body = strings.TrimSpace(body)
	checkBody(&fs, "body", body, 1, 4000)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	var proposalID int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var author int64
		var hidden bool
		var at db.Time
		err := tx.QueryRow(ctx, "SELECT proposal_id, author_id, hidden, created_at FROM proposal_comments WHERE id = ?", id).Scan(&proposalID, &author, &hidden, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "error.404.text")
		}
		if err != nil {
			return err
		}
		if author != u.ID {
			return errs.New(errs.Forbidden, "proposals.not_your_comment")
		}
		if hidden || tx.Now.Sub(at.Time) > EditWindow {
			return errs.New(errs.Conflict, "proposals.edit_window_over")
		}
		_, err = tx.Exec(ctx, "UPDATE proposal_comments SET body = ?, edited_at = ? WHERE id = ?", body, tx.Now, id)
		return err
	})
	return proposalID, err
}

// Report flags a proposal (commentID 0) or a comment for the moderators;
// a second report by the same person changes nothing.
func (s *Service) Report(ctx context.Context, u *auth.User, proposalID, commentID int64, reason string) error {
	if u == nil {
		return errs.New(errs.Unauthorized, "auth.signin_required")
	}
	if u.Limited() {
		return errs.New(errs.ConsentRequired, "programmes.needs_consent")
	}
	var fs errs.Fields
	reason = strings.TrimSpace(reason)
	checkBody(&fs, "reason", reason, 3, 500)
	if err := fs.Err(); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		q, args := "SELECT 1 FROM proposals WHERE id = ?", []any{proposalID}
		if commentID != 0 {
			q, args = "SELECT 1 FROM proposal_comments WHERE id = ? AND proposal_id = ?", []any{commentID, proposalID}
		}
		ok, err := tx.Exists(ctx, q, args...)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.NotFound, "error.404.text")
		}
		_, err = tx.Exec(ctx, `INSERT INTO proposal_reports (proposal_id, comment_id, reporter_id, reason, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, proposalID, nullInt(commentID), u.ID, reason, tx.Now)
		return err
	})
}

// Reported is a report for the moderators' list.
type Reported struct {
	ProposalID int64
	CommentID  int64
	Title      string
	Reason     string
	Count      int
}

// Reports lists what was reported in a programme and is still visible
// (moderators).
func (s *Service) Reports(ctx context.Context, u *auth.User, programmeID int64) ([]Reported, error) {
	p, err := s.Programmes.Rules(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	if err := s.Auth.Require(ctx, u, p.OrgID, auth.Moderator); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT r.proposal_id, COALESCE(r.comment_id, 0), p.title, MIN(r.reason), COUNT(*)
		FROM proposal_reports r JOIN proposals p ON p.id = r.proposal_id LEFT JOIN proposal_comments c ON c.id = r.comment_id
		WHERE p.programme_id = ? AND r.resolved_at IS NULL AND ((r.comment_id IS NULL AND p.hidden = FALSE) OR c.hidden = FALSE)
		GROUP BY r.proposal_id, r.comment_id, p.title ORDER BY COUNT(*) DESC LIMIT 200`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reported
	for rows.Next() {
		var r Reported
		if err := rows.Scan(&r.ProposalID, &r.CommentID, &r.Title, &r.Reason, &r.Count); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResolveReports closes the open reports about a proposal (commentID 0)
// or one of its comments, when a moderator has looked and found nothing
// to hide (moderators). It returns the number of reports closed; a
// person's report, once resolved, is not reopened by their reporting the
// same thing again.
func (s *Service) ResolveReports(ctx context.Context, u *auth.User, proposalID, commentID int64) (int, error) {
	p, orgID, err := s.moderate(ctx, u, proposalID)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE proposal_reports SET resolved_at = ?, resolved_by = ?
			WHERE proposal_id = ? AND COALESCE(comment_id, 0) = ? AND resolved_at IS NULL`, tx.Now, u.ID, proposalID, commentID)
		if err != nil {
			return fmt.Errorf("proposals: resolve reports: %w", err)
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(rows)
		if n == 0 {
			return errs.New(errs.NotFound, "proposals.no_open_reports")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "proposals.reports_resolve", TargetType: "proposal",
			TargetID: strconv.FormatInt(proposalID, 10), OrgID: orgID,
			After: map[string]any{"comment_id": commentID, "reports": n, "title": p.Title}})
	})
	return n, err
}

// moderate loads a proposal and checks that u moderates its programme.
func (s *Service) moderate(ctx context.Context, u *auth.User, id int64) (*Proposal, int64, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	rules, err := s.Programmes.Rules(ctx, p.ProgrammeID)
	if err != nil {
		return nil, 0, err
	}
	if err := s.Auth.Require(ctx, u, rules.OrgID, auth.Moderator); err != nil {
		return nil, 0, err
	}
	return p, rules.OrgID, nil
}

// Readable returns nil when u may read proposal p: anyone may, unless a
// moderator hid it; then only its author (who sees that and why) and the
// programme's moderators. To anyone else a hidden proposal does not exist
// (404): not its title, author, answer, comments or file.
func (s *Service) Readable(ctx context.Context, u *auth.User, p *Proposal) error {
	if !p.Hidden || (u != nil && !u.Deleted && u.ID == p.AuthorID) {
		return nil
	}
	if u != nil && !u.Deleted {
		rules, err := s.Programmes.Rules(ctx, p.ProgrammeID)
		if err != nil {
			return err
		}
		// The role as it is now, not as pages remember it.
		r, err := s.Auth.RoleIn(ctx, u, rules.OrgID)
		if err != nil {
			return err
		}
		if r >= auth.Moderator {
			return nil
		}
	}
	return errs.New(errs.NotFound, "error.404.text")
}

// GetFor returns proposal id as Get does, if u may read it (Readable).
func (s *Service) GetFor(ctx context.Context, u *auth.User, id int64) (*Proposal, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Readable(ctx, u, p); err != nil {
		return nil, err
	}
	return p, nil
}

// CanModerate reports whether u moderates the programme of a proposal.
func (s *Service) CanModerate(ctx context.Context, u *auth.User, programmeID int64) bool {
	if u == nil {
		return false
	}
	rules, err := s.Programmes.Rules(ctx, programmeID)
	if err != nil {
		return false
	}
	// What the page shows: the role as this node found it a moment ago
	// (moderation itself checks with Require).
	r, err := s.Auth.ViewRole(ctx, u, rules.OrgID)
	return err == nil && r >= auth.Moderator
}

// SetAnswer publishes the official answer (moderators); the author and
// the followers are told.
func (s *Service) SetAnswer(ctx context.Context, u *auth.User, id int64, status, text string) (*Proposal, error) {
	var fs errs.Fields
	if !slices.Contains(AnswerStatuses, status) {
		fs.Add("status", "validation.invalid_choice")
	}
	text = strings.TrimSpace(text)
	checkBody(&fs, "text", text, 10, 10000)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	p, orgID, err := s.moderate(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if p.Hidden {
		return nil, errs.New(errs.Conflict, "proposals.answer_hidden")
	}
	if p.MergedInto != 0 {
		return nil, errs.New(errs.Conflict, "proposals.answer_merged")
	}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE proposals SET status = ?, answer = ?, answer_html = ?, answered_at = ?, answered_by = ?, updated_at = ?
			WHERE id = ?`, status, text, string(Markdown(text)), tx.Now, u.ID, tx.Now, id); err != nil {
			return err
		}
		followers, err := Followers(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.Notify.Add(ctx, tx, &batch, append([]int64{p.AuthorID}, followers...), u.ID, "answer",
			map[string]string{"title": p.Title, "status_key": "proposals.status." + status}, link(id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "proposals.answer", TargetType: "proposal",
			TargetID: strconv.FormatInt(id, 10), OrgID: orgID,
			Before: map[string]any{"status": p.Status, "answer": p.Answer}, After: map[string]any{"status": status, "answer": text}})
	})
	if err != nil {
		return nil, err
	}
	s.Notify.Send(&batch)
	return s.Get(ctx, id)
}

// Hide hides (or shows again) a proposal with a reason (moderators); the
// author is told why.
func (s *Service) Hide(ctx context.Context, u *auth.User, id int64, hide bool, reason string) error {
	var fs errs.Fields
	reason = strings.TrimSpace(reason)
	if hide {
		checkBody(&fs, "reason", reason, 3, 500)
	}
	if err := fs.Err(); err != nil {
		return err
	}
	p, orgID, err := s.moderate(ctx, u, id)
	if err != nil {
		return err
	}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The tallies row first, locked as support batches lock it: a
		// batch either wrote before the hide or sees it.
		if _, err := tx.Exec(ctx, "UPDATE proposal_tallies SET support_count = support_count WHERE proposal_id = ?", id); err != nil {
			return err
		}
		// Only a real change of state moves the programme's count: the
		// condition on hidden makes a concurrent second hide change nothing.
		var programmeID int64
		var merged bool
		err := tx.QueryRow(ctx, `UPDATE proposals SET hidden = ?, hidden_reason = ?, updated_at = ? WHERE id = ? AND hidden <> ?
			RETURNING programme_id, merged_into IS NOT NULL`, hide, reason, tx.Now, id, hide).Scan(&programmeID, &merged)
		switch {
		case errors.Is(err, sql.ErrNoRows): // already in that state: keep the new reason
			if _, err := tx.Exec(ctx, "UPDATE proposals SET hidden_reason = ?, updated_at = ? WHERE id = ?", reason, tx.Now, id); err != nil {
				return err
			}
		case err != nil:
			return err
		case !merged:
			if _, err := tx.Exec(ctx, "UPDATE proposal_tallies SET listed = ? WHERE proposal_id = ?", !hide, id); err != nil {
				return err
			}
			delta := 1
			if hide {
				delta = -1
			}
			if err := countVisible(ctx, tx, programmeID, delta); err != nil {
				return err
			}
		}
		kind := "hidden"
		if !hide {
			kind = "unhidden"
		}
		if err := s.Notify.Add(ctx, tx, &batch, []int64{p.AuthorID}, u.ID, kind,
			map[string]string{"title": p.Title, "reason": reason}, link(id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "proposals." + kind, TargetType: "proposal",
			TargetID: strconv.FormatInt(id, 10), OrgID: orgID, Before: map[string]any{"hidden": p.Hidden},
			After: map[string]any{"hidden": hide, "reason": reason}})
	})
	if err == nil {
		s.Notify.Send(&batch)
	}
	return err
}

// HideComment hides a comment with a reason (moderators).
func (s *Service) HideComment(ctx context.Context, u *auth.User, commentID int64, reason string) (int64, error) {
	var fs errs.Fields
	reason = strings.TrimSpace(reason)
	checkBody(&fs, "reason", reason, 3, 500)
	if err := fs.Err(); err != nil {
		return 0, err
	}
	var proposalID, author int64
	var body string
	err := s.DB.QueryRow(ctx, "SELECT proposal_id, author_id, body FROM proposal_comments WHERE id = ?", commentID).Scan(&proposalID, &author, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return 0, err
	}
	p, orgID, err := s.moderate(ctx, u, proposalID)
	if err != nil {
		return 0, err
	}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE proposal_comments SET hidden = TRUE, hidden_reason = ? WHERE id = ?", reason, commentID); err != nil {
			return err
		}
		if err := s.Notify.Add(ctx, tx, &batch, []int64{author}, u.ID, "comment_hidden",
			map[string]string{"title": p.Title, "reason": reason}, link(proposalID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "proposals.comment_hide", TargetType: "comment",
			TargetID: strconv.FormatInt(commentID, 10), OrgID: orgID, Before: map[string]any{"body": body}, After: map[string]any{"reason": reason}})
	})
	if err == nil {
		s.Notify.Send(&batch)
	}
	return proposalID, err
}

// Merge folds duplicate dupID into survivorID (moderators): the
// duplicate's supports move to the survivor — a person who supported both
// counts once — and the duplicate is closed with a link to the survivor.
func (s *Service) Merge(ctx context.Context, u *auth.User, dupID, survivorID int64) error {
	dup, orgID, err := s.moderate(ctx, u, dupID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	surv, err := s.Get(ctx, survivorID)
	switch {
	case errs.CodeOf(err) == errs.NotFound || (err == nil && (surv.ProgrammeID != dup.ProgrammeID || surv.ID == dup.ID)):
		fs.Add("into", "proposals.merge_invalid")
	case err != nil:
		return err
	case surv.MergedInto != 0 || surv.Hidden:
		fs.Add("into", "proposals.merge_invalid")
	}
	if dup.MergedInto != 0 {
		fs.Add("into", "proposals.already_merged")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// Lock both tallies in id order, as support batches do.
		lo, hi := min(dupID, survivorID), max(dupID, survivorID)
		for _, id := range []int64{lo, hi} {
			if _, err := tx.Exec(ctx, "UPDATE proposal_tallies SET support_count = support_count WHERE proposal_id = ?", id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO proposal_supports (proposal_id, user_id, created_at)
			SELECT ?, user_id, created_at FROM proposal_supports WHERE proposal_id = ?
			ON CONFLICT (proposal_id, user_id) DO NOTHING`, survivorID, dupID); err != nil {
			return fmt.Errorf("proposals: merge: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM proposal_supports WHERE proposal_id = ?", dupID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO proposal_follows (proposal_id, user_id, created_at)
			SELECT ?, user_id, created_at FROM proposal_follows WHERE proposal_id = ?
			ON CONFLICT (proposal_id, user_id) DO NOTHING`, survivorID, dupID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE proposal_tallies SET support_count = (SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = ?)
			WHERE proposal_id = ?`, survivorID, survivorID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE proposals SET updated_at = ? WHERE id = ?", tx.Now, survivorID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE proposal_tallies SET support_count = 0, listed = FALSE WHERE proposal_id = ?", dupID); err != nil {
			return err
		}
		var hidden bool
		err := tx.QueryRow(ctx, "UPDATE proposals SET merged_into = ?, updated_at = ? WHERE id = ? AND merged_into IS NULL RETURNING hidden",
			survivorID, tx.Now, dupID).Scan(&hidden)
		if errors.Is(err, sql.ErrNoRows) { // merged meanwhile by someone else
			var fs errs.Fields
			fs.Add("into", "proposals.already_merged")
			return fs.Err()
		}
		if err != nil {
			return err
		}
		if !hidden {
			if err := countVisible(ctx, tx, dup.ProgrammeID, -1); err != nil {
				return err
			}
		}
		if err := s.Notify.Add(ctx, tx, &batch, []int64{dup.AuthorID}, u.ID, "merged",
			map[string]string{"title": dup.Title, "into": surv.Title}, link(survivorID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "proposals.merge", TargetType: "proposal",
			TargetID: strconv.FormatInt(dupID, 10), OrgID: orgID, Before: map[string]any{"support_count": dup.SupportCount},
			After: map[string]any{"merged_into": survivorID}})
	})
	if err == nil {
		s.Notify.Send(&batch)
	}
	return err
}

// AttachmentOf returns a proposal's attachment, for a reader who may read
// the proposal (Readable).
func (s *Service) AttachmentOf(ctx context.Context, u *auth.User, id int64) (*Attachment, error) {
	var a Attachment
	var p Proposal
	err := s.DB.QueryRow(ctx, `SELECT a.name, a.content_type, a.data, p.hidden, p.author_id, p.programme_id FROM proposal_attachments a
		JOIN proposals p ON p.id = a.proposal_id WHERE a.proposal_id = ?`, id).Scan(&a.Name, &a.ContentType, &a.Data, &p.Hidden, &p.AuthorID, &p.ProgrammeID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, err
	}
	if err := s.Readable(ctx, u, &p); err != nil {
		return nil, err
	}
	a.Name = DownloadName(a.Name, a.ContentType)
	return &a, nil
}

// ExportColumns are the header of an export.
var ExportColumns = []string{"id", "title", "author", "region", "direction_id", "status", "support_count", "comment_count", "created_at", "answer", "url"}

// Export writes all visible proposals of a programme as CSV (with a BOM,
// for Excel) or XLSX, streaming, formulas neutralized (moderators).
func (s *Service) Export(ctx context.Context, u *auth.User, programmeID int64, format, baseURL string, w io.Writer) error {
	rules, err := s.Programmes.Rules(ctx, programmeID)
	if err != nil {
		return err
	}
	if err := s.Auth.Require(ctx, u, rules.OrgID, auth.Moderator); err != nil {
		return err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+proposalCols+`, p.answer FROM proposals p JOIN proposal_tallies t ON t.proposal_id = p.id JOIN users u ON u.id = p.author_id
		WHERE p.programme_id = ? AND p.hidden = FALSE AND p.merged_into IS NULL ORDER BY p.id`, programmeID)
	if err != nil {
		return err
	}
	defer rows.Close()
	t, err := tabular.NewWriter(w, format, "Sheet1")
	if err != nil {
		return err
	}
	defer t.Discard()
	cols := make([]any, len(ExportColumns))
	for i, c := range ExportColumns {
		cols[i] = c
	}
	if err := t.Row(cols...); err != nil {
		return err
	}
	for rows.Next() {
		var answer string
		p, err := scanProposal(rows, &answer)
		if err != nil {
			return err
		}
		if err := t.Row(p.ID, p.Title, p.AuthorName, p.Region, p.DirectionID, p.Status, p.SupportCount, p.CommentCount,
			p.CreatedAt.Format("2006-01-02T15:04:05Z"), answer, baseURL+"/kk"+link(p.ID)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return t.Close()
}
