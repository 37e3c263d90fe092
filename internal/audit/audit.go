// Package audit keeps the append-only log of administrative actions: who
// did what, when, to what, with the state before and after. Entries are
// written in the same transaction as the change they describe, so the log
// and the data never disagree. Nothing in Ortaq updates or deletes them,
// and the database refuses it too (triggers in the core migration).
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"
)

// Entry is one administrative action.
type Entry struct {
	ActorID    int64  // 0: not a person (the command line, the system)
	ActorLabel string // e.g. "cli" when ActorID is 0
	Action     string // dotted, e.g. "role.grant", "user.create"
	TargetType string
	TargetID   string
	OrgID      int64 // 0: none
	Before     any   // nil or a value marshalled to JSON
	After      any
}

type ctxKey struct{}

// WithIP records the client address for entries written under ctx.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ctxKey{}, ip)
}

// Record appends e inside tx.
func Record(ctx context.Context, tx *db.Tx, e Entry) error {
	before, err := marshal(e.Before)
	if err != nil {
		return err
	}
	after, err := marshal(e.After)
	if err != nil {
		return err
	}
	ip, _ := ctx.Value(ctxKey{}).(string)
	_, err = tx.Exec(ctx, `INSERT INTO audit_log
		(at, actor_id, actor_label, action, target_type, target_id, org_id, before_json, after_json, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.Now, nullID(e.ActorID), e.ActorLabel, e.Action, e.TargetType, e.TargetID, nullID(e.OrgID), before, after, ip)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

func marshal(v any) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("audit: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Row is a stored entry as shown on the audit page.
type Row struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor_name"`
	ActorLabel string    `json:"actor_label,omitempty"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	IP         string    `json:"ip,omitempty"`
}

// Filter narrows a listing. Zero values mean "any".
type Filter struct {
	ActorID  int64
	TargetOf int64 // entries about this user (target_type "user")
	Action   string
	Before   int64 // keyset cursor: entries with id < Before
	Limit    int
}

// List returns entries newest first.
func List(ctx context.Context, d *db.DB, f Filter) ([]Row, error) {
	var where []string
	var args []any
	if f.ActorID != 0 {
		where = append(where, "a.actor_id = ?")
		args = append(args, f.ActorID)
	}
	if f.TargetOf != 0 {
		where = append(where, "(a.target_type = 'user' AND a.target_id = ?)")
		args = append(args, strconv.FormatInt(f.TargetOf, 10))
	}
	if f.Action != "" {
		where = append(where, "a.action = ?")
		args = append(args, f.Action)
	}
	if f.Before != 0 {
		where = append(where, "a.id < ?")
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT a.id, a.at, COALESCE(a.actor_id, 0), COALESCE(u.name, ''), a.actor_label, a.action,
		a.target_type, a.target_id, COALESCE(a.before_json, ''), COALESCE(a.after_json, ''), a.ip
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var at db.Time
		if err := rows.Scan(&r.ID, &at, &r.ActorID, &r.ActorName, &r.ActorLabel, &r.Action,
			&r.TargetType, &r.TargetID, &r.Before, &r.After, &r.IP); err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		r.At = at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}
