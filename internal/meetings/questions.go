package meetings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
)

func latin(s string) string { return kazakh.ToLatin(s) }

// Question is a participant's question.
type Question struct {
	ID         int64
	AuthorName string // "" for readers who may not see it (QuestionFilter.Names)
	Body       string
	Status     string
	MergedInto int64
	Answer     string
	AnsweredAt *time.Time
	Votes      int
	CreatedAt  time.Time
	Mine       bool // the reader upvoted it
}

// Ask records a question from an invited person, before or during the
// meeting.
func (s *Service) Ask(ctx context.Context, u *auth.User, meetingID int64, body string) (*Question, error) {
	body = strings.TrimSpace(body)
	var fs errs.Fields
	checkText(&fs, "body", body, 1000, true)
	if len([]rune(body)) < 5 && !fs.Has("body") {
		fs.Add("body", "validation.too_short", "min", 5)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return nil, err
	}
	if err := s.invited(ctx, u, m); err != nil {
		return nil, err
	}
	if m.CancelledAt != nil {
		return nil, errs.New(errs.Conflict, "meetings.is_cancelled")
	}
	q := Question{AuthorName: u.Name, Body: body, Status: "open"}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if !tx.Now.Before(m.EndsAt) {
			return errs.New(errs.Conflict, "meetings.questions_closed")
		}
		q.CreatedAt = tx.Now
		return tx.QueryRow(ctx, "INSERT INTO meeting_questions (meeting_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			meetingID, u.ID, body, tx.Now).Scan(&q.ID)
	})
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// Upvote adds (or with up false, removes) u's vote for a question: once
// per person, counted exactly (the primary key and the counter change in
// one transaction).
func (s *Service) Upvote(ctx context.Context, u *auth.User, meetingID, questionID int64, up bool) (int, error) {
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return 0, err
	}
	if err := s.invited(ctx, u, m); err != nil {
		return 0, err
	}
	var votes int
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, "SELECT status FROM meeting_questions WHERE id = ? AND meeting_id = ?", questionID, meetingID).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound()
			}
			return err
		}
		if status == "hidden" || status == "merged" {
			return errs.New(errs.Conflict, "meetings.question_closed")
		}
		var res sql.Result
		var err error
		delta := 1
		if up {
			res, err = tx.Exec(ctx, "INSERT INTO meeting_question_votes (question_id, user_id) VALUES (?, ?) ON CONFLICT (question_id, user_id) DO NOTHING", questionID, u.ID)
		} else {
			delta = -1
			res, err = tx.Exec(ctx, "DELETE FROM meeting_question_votes WHERE question_id = ? AND user_id = ?", questionID, u.ID)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.Exec(ctx, "UPDATE meeting_questions SET votes = votes + ? WHERE id = ?", delta, questionID); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, "SELECT votes FROM meeting_questions WHERE id = ?", questionID).Scan(&votes)
	})
	return votes, err
}

// Moderate answers, hides or merges a question (organizers).
func (s *Service) Moderate(ctx context.Context, u *auth.User, meetingID, questionID int64, action, answer string, into int64) error {
	var fs errs.Fields
	switch action {
	case "answer":
		checkText(&fs, "answer", answer, 5000, true)
	case "hide", "open":
	case "merge":
		if into <= 0 || into == questionID {
			fs.Add("into", "meetings.merge_target")
		}
	default:
		fs.Add("action", "validation.invalid_choice")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		var res sql.Result
		var err error
		switch action {
		case "answer":
			res, err = tx.Exec(ctx, "UPDATE meeting_questions SET status = 'answered', answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND meeting_id = ?",
				strings.TrimSpace(answer), u.ID, tx.Now, questionID, meetingID)
		case "hide":
			res, err = tx.Exec(ctx, "UPDATE meeting_questions SET status = 'hidden' WHERE id = ? AND meeting_id = ?", questionID, meetingID)
		case "open":
			res, err = tx.Exec(ctx, "UPDATE meeting_questions SET status = 'open' WHERE id = ? AND meeting_id = ? AND status = 'hidden'", questionID, meetingID)
		case "merge":
			ok, err := tx.Exists(ctx, "SELECT 1 FROM meeting_questions WHERE id = ? AND meeting_id = ? AND status IN ('open', 'answered')", into, meetingID)
			if err != nil {
				return err
			}
			if !ok {
				var fs errs.Fields
				fs.Add("into", "meetings.merge_target")
				return fs.Err()
			}
			res, err = tx.Exec(ctx, "UPDATE meeting_questions SET status = 'merged', merged_into = ? WHERE id = ? AND meeting_id = ?", into, questionID, meetingID)
			if err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound()
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.question_" + action, TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"question": questionID, "into": into}})
	})
}

// QuestionFilter selects questions for a page.
type QuestionFilter struct {
	Answered  bool // only answered ones
	All       bool // organizers: hidden and merged too
	AfterVote int  // keyset: (votes, id) after this
	AfterID   int64
	Limit     int
	Reader    int64 // marks the reader's upvotes
	Names     int   // whose names show (NamesFor); none by default
}

// Questions lists a meeting's questions, most upvoted first.
func (s *Service) Questions(ctx context.Context, meetingID int64, f QuestionFilter) ([]Question, int, error) {
	where := " WHERE q.meeting_id = ?"
	args := []any{meetingID}
	switch {
	case f.Answered:
		where += " AND q.status = 'answered'"
	case !f.All:
		where += " AND q.status IN ('open', 'answered')"
	}
	var total int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM meeting_questions q"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("meetings: questions: %w", err)
	}
	if f.AfterID != 0 {
		where += " AND (q.votes < ? OR (q.votes = ? AND q.id > ?))"
		args = append(args, f.AfterVote, f.AfterVote, f.AfterID)
	}
	args = append([]any{f.Names >= NamesMembers, f.Names >= NamesAll, f.Reader}, args...)
	args = append(args, f.Limit)
	rows, err := s.db.Query(ctx, `SELECT q.id,
		CASE WHEN ? AND u.deleted_at IS NULL AND (u.hidden = FALSE OR ?) THEN u.name ELSE '' END, q.body, q.status, COALESCE(q.merged_into, 0), q.answer, q.answered_at, q.votes, q.created_at,
		EXISTS (SELECT 1 FROM meeting_question_votes v WHERE v.question_id = q.id AND v.user_id = ?)
		FROM meeting_questions q JOIN users u ON u.id = q.author_id`+where+" ORDER BY q.votes DESC, q.id LIMIT ?", args...)
	if err != nil {
		return nil, 0, fmt.Errorf("meetings: questions: %w", err)
	}
	defer rows.Close()
	var out []Question
	for rows.Next() {
		var q Question
		var at, created db.Time
		if err := rows.Scan(&q.ID, &q.AuthorName, &q.Body, &q.Status, &q.MergedInto, &q.Answer, &at, &q.Votes, &created, &q.Mine); err != nil {
			return nil, 0, err
		}
		q.AnsweredAt, q.CreatedAt = at.Ptr(), created.Time
		out = append(out, q)
	}
	return out, total, rows.Err()
}

// --- decisions

// Decision is a decision taken at the meeting.
type Decision struct {
	ID                    int64
	ItemID                int64
	Text                  string
	Mode, Status          string
	For, Against, Abstain int
	MyChoice              string
}

// Adopted: more votes for than half of the votes cast.
func (d Decision) Adopted() bool {
	return d.Status == "closed" && d.For*2 > d.For+d.Against+d.Abstain
}

// Unanimous is derived, never typed: adopted with no vote against and no
// abstention.
func (d Decision) Unanimous() bool {
	return d.Status == "closed" && d.For > 0 && d.Against == 0 && d.Abstain == 0
}

// NewDecision is a decision to record: with counts of an in-person vote
// (mode "counted"), or opened for an online vote among the members present
// (mode "online").
type NewDecision struct {
	ItemID                int64
	Text                  string
	Mode                  string
	For, Against, Abstain int
}

// AddDecision records a decision (organizers).
func (s *Service) AddDecision(ctx context.Context, u *auth.User, meetingID int64, in NewDecision) (int64, error) {
	var fs errs.Fields
	checkText(&fs, "text", in.Text, 5000, true)
	if in.Mode != "counted" && in.Mode != "online" {
		fs.Add("mode", "validation.invalid_choice")
	}
	if in.For < 0 || in.Against < 0 || in.Abstain < 0 || in.For > 1e6 || in.Against > 1e6 || in.Abstain > 1e6 {
		fs.Add("votes_for", "meetings.invalid_count")
	}
	if in.Mode == "counted" && in.For+in.Against+in.Abstain == 0 && !fs.Has("votes_for") {
		fs.Add("votes_for", "meetings.no_votes")
	}
	if err := fs.Err(); err != nil {
		return 0, err
	}
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return 0, err
	}
	if m.MinutesApprovedAt != nil {
		return 0, errs.New(errs.Conflict, "meetings.minutes_approved")
	}
	var id int64
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if in.ItemID != 0 {
			ok, err := tx.Exists(ctx, "SELECT 1 FROM meeting_agenda_items WHERE id = ? AND meeting_id = ?", in.ItemID, meetingID)
			if err != nil {
				return err
			}
			if !ok {
				var fs errs.Fields
				fs.Add("agenda_item_id", "validation.invalid_choice")
				return fs.Err()
			}
		}
		status := "closed"
		if in.Mode == "online" {
			status, in.For, in.Against, in.Abstain = "voting", 0, 0, 0
		}
		err := tx.QueryRow(ctx, `INSERT INTO meeting_decisions (meeting_id, agenda_item_id, text, mode, status, votes_for, votes_against, votes_abstain, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, nullInt(in.ItemID), strings.TrimSpace(in.Text), in.Mode, status,
			in.For, in.Against, in.Abstain, tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.decision", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"decision": id, "mode": in.Mode,
				"for": in.For, "against": in.Against, "abstain": in.Abstain}})
	})
	return id, err
}

// VoteDecision records a present member's vote on an online decision:
// one vote each, by the primary key; the count is taken on closing.
func (s *Service) VoteDecision(ctx context.Context, u *auth.User, meetingID, decisionID int64, choice string) error {
	if choice != "for" && choice != "against" && choice != "abstain" {
		var fs errs.Fields
		fs.Add("choice", "validation.invalid_choice")
		return fs.Err()
	}
	m, err := s.Get(ctx, meetingID)
	if err != nil {
		return err
	}
	if err := s.auth.Require(ctx, u, m.OrgID, auth.Member); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		q := "SELECT status FROM meeting_decisions WHERE id = ? AND meeting_id = ?" + tx.ForShare()
		var status string
		if err := tx.QueryRow(ctx, q, decisionID, meetingID).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound()
			}
			return err
		}
		if status != "voting" {
			return errs.New(errs.Conflict, "meetings.decision_closed")
		}
		present, err := tx.Exists(ctx, "SELECT 1 FROM meeting_registrations WHERE meeting_id = ? AND user_id = ? AND present_at IS NOT NULL", meetingID, u.ID)
		if err != nil {
			return err
		}
		if !present {
			return errs.New(errs.Forbidden, "meetings.vote_present_only")
		}
		res, err := tx.Exec(ctx, "INSERT INTO meeting_decision_votes (decision_id, user_id, choice) VALUES (?, ?, ?) ON CONFLICT (decision_id, user_id) DO NOTHING",
			decisionID, u.ID, choice)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "meetings.already_voted")
		}
		return nil
	})
}

// CloseDecision ends an online vote and stores its counts.
func (s *Service) CloseDecision(ctx context.Context, u *auth.User, meetingID, decisionID int64) error {
	m, err := s.requireOrganizer(ctx, u, meetingID)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE meeting_decisions SET status = 'closed',
			votes_for = (SELECT COUNT(*) FROM meeting_decision_votes v WHERE v.decision_id = meeting_decisions.id AND v.choice = 'for'),
			votes_against = (SELECT COUNT(*) FROM meeting_decision_votes v WHERE v.decision_id = meeting_decisions.id AND v.choice = 'against'),
			votes_abstain = (SELECT COUNT(*) FROM meeting_decision_votes v WHERE v.decision_id = meeting_decisions.id AND v.choice = 'abstain')
			WHERE id = ? AND meeting_id = ? AND status = 'voting'`, decisionID, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "meetings.decision_closed")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "meetings.decision_close", TargetType: "meeting",
			TargetID: strconv.FormatInt(meetingID, 10), OrgID: m.OrgID, After: map[string]any{"decision": decisionID}})
	})
}

// Decisions lists the meeting's decisions, with the reader's own vote.
func (s *Service) Decisions(ctx context.Context, meetingID, reader int64) ([]Decision, error) {
	rows, err := s.db.Query(ctx, `SELECT d.id, COALESCE(d.agenda_item_id, 0), d.text, d.mode, d.status, d.votes_for, d.votes_against, d.votes_abstain,
		COALESCE((SELECT v.choice FROM meeting_decision_votes v WHERE v.decision_id = d.id AND v.user_id = ?), '')
		FROM meeting_decisions d WHERE d.meeting_id = ? ORDER BY d.id`, reader, meetingID)
	if err != nil {
		return nil, fmt.Errorf("meetings: decisions: %w", err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		if err := rows.Scan(&d.ID, &d.ItemID, &d.Text, &d.Mode, &d.Status, &d.For, &d.Against, &d.Abstain, &d.MyChoice); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
