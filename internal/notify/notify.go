// Package notify keeps each person's notifications: a web inbox always,
// and a Telegram message or an email (the log without an SMTP server)
// through the outbox. A notification is
// stored as a message key and its arguments, so it is read in whatever
// language the person uses when they open the inbox.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Messenger delivers a text to a person through another channel (the
// Telegram bot): false when the person cannot be reached there.
type Messenger = outbox.Messenger

// Service stores and delivers notifications.
type Service struct {
	DB *db.DB
	// Outbox delivers: by Telegram to a person who linked the bot, else by
	// email. nil: the inbox only.
	Outbox  *outbox.Box
	Catalog *i18n.Catalog
	BaseURL string
	Site    string
	Log     *slog.Logger
}

// Deps are what the notifications service needs.
type Deps struct {
	DB *db.DB
	// Outbox delivers: by Telegram to a person who linked the bot, else by
	// email. nil: the inbox only.
	Outbox  *outbox.Box
	Catalog *i18n.Catalog
	BaseURL string // links in emails start with it
	Site    string // the site's name in emails
	Log     *slog.Logger
}

// New returns the service; with an outbox, it registers the writing of
// its messages there.
func New(d Deps) *Service {
	s := &Service{DB: d.DB, Outbox: d.Outbox, Catalog: d.Catalog, BaseURL: d.BaseURL, Site: d.Site, Log: d.Log}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if d.Outbox != nil {
		d.Outbox.Register(Kind, s.render)
	}
	return s
}

// Notification is one entry of an inbox.
type Notification struct {
	ID        int64
	Kind      string
	Args      map[string]string
	Link      string
	CreatedAt time.Time
	Read      bool
}

// Text is the notification in the printer's language. Arguments whose
// name ends in _key are message keys, translated too.
func (n Notification) Text(p *i18n.Printer) string {
	args := make([]any, 0, 2*len(n.Args))
	for k, v := range n.Args {
		if name, ok := strings.CutSuffix(k, "_key"); ok {
			args = append(args, name, i18n.M(v))
			continue
		}
		if c, err := strconv.Atoi(v); err == nil && k == "count" {
			args = append(args, k, c)
			continue
		}
		args = append(args, k, v)
	}
	return p.T("notify.kind."+n.Kind, args...)
}

// Batch collects what a transaction notified, to be delivered after it
// commits.
type Batch struct {
	items  []pending
	outbox []int64 // the outbox rows of items
	direct bool    // no outbox rows: items go to the log (Outbox.LogOnly)
}

// Delivery is one notification a committed batch will deliver.
type Delivery struct {
	UserID int64
	Email  string
	Notification
}

// Items lists what b will deliver.
func (b *Batch) Items() []Delivery {
	out := make([]Delivery, len(b.items))
	for i, it := range b.items {
		out[i] = Delivery{UserID: it.userID, Email: it.email, Notification: it.n}
	}
	return out
}

type pending struct {
	userID int64
	email  string
	lang   i18n.Lang
	n      Notification
}

// Add stores a notification for each person in userIDs (duplicates and
// the actor, when given, are skipped) inside tx.
func (s *Service) Add(ctx context.Context, tx *db.Tx, b *Batch, userIDs []int64, skip int64, kind string, args map[string]string, link string) error {
	notes := make([]Note, 0, len(userIDs))
	seen := map[int64]bool{skip: true, 0: true}
	for _, id := range userIDs {
		if !seen[id] {
			seen[id] = true
			notes = append(notes, Note{UserID: id, Kind: kind, Args: args, Link: link})
		}
	}
	return s.AddAll(ctx, tx, b, notes)
}

// Note is one notification for one person, for AddAll.
type Note struct {
	UserID int64
	Kind   string
	Args   map[string]string
	Link   string
}

// maxNotes bounds the rows of one INSERT (5 parameters each).
const maxNotes = 1000

// AddAll stores notes inside tx, two statements however many there are
// (deleted accounts are skipped), and their deliveries in the outbox, one
// more per 500: a batch of supports that passes several milestones, or an
// answer to many followers, costs about what one does.
func (s *Service) AddAll(ctx context.Context, tx *db.Tx, b *Batch, notes []Note) error {
	for len(notes) > maxNotes {
		if err := s.AddAll(ctx, tx, b, notes[:maxNotes]); err != nil {
			return err
		}
		notes = notes[maxNotes:]
	}
	if len(notes) == 0 {
		return nil
	}
	type person struct {
		email string
		lang  i18n.Lang
	}
	people := map[int64]*person{}
	var ids []any
	for _, n := range notes {
		if _, ok := people[n.UserID]; !ok {
			people[n.UserID] = nil
			ids = append(ids, n.UserID)
		}
	}
	rows, err := tx.Query(ctx, "SELECT id, COALESCE(email, ''), lang FROM users WHERE deleted_at IS NULL AND id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", ids...)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	for rows.Next() {
		var id int64
		var p person
		var lang string
		if err := rows.Scan(&id, &p.email, &lang); err != nil {
			rows.Close()
			return fmt.Errorf("notify: %w", err)
		}
		p.lang, _ = i18n.Parse(lang)
		people[id] = &p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	// Delivered through the outbox even without an SMTP server or a bot:
	// the outbox then writes the email to the log (issue 20, item 4).
	// With neither an SMTP server nor a bot the log is the only way out:
	// it is written once after the commit, without an outbox row to take
	// and record (three transactions less per notification; supports'
	// milestones made that the cost of a support, issue 14).
	deliver := b != nil && s.Outbox != nil
	telegram := deliver && s.Outbox.HasMessenger()
	direct := deliver && s.Outbox.LogOnly()
	var q strings.Builder
	args := make([]any, 0, 6*len(notes))
	kept := make([]int, 0, len(notes)) // indexes into notes, in VALUES order
	jsons := make([]string, len(notes))
	q.WriteString("INSERT INTO notifications (user_id, kind, args_json, link, created_at) VALUES ")
	for i, n := range notes {
		if people[n.UserID] == nil { // deleted, or no such account
			continue
		}
		aj, err := json.Marshal(n.Args)
		if err != nil {
			return err
		}
		jsons[i] = string(aj)
		if len(kept) > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, n.UserID, n.Kind, jsons[i], n.Link, tx.Now)
		kept = append(kept, i)
	}
	if len(kept) == 0 {
		return nil
	}
	if !deliver {
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("notify: add: %w", err)
		}
		return nil
	}
	// The ids, for the outbox. RETURNING's row order is not promised (SQLite
	// says so), so rows are matched by their content; equal notes are
	// interchangeable.
	q.WriteString(" RETURNING id, user_id, kind, args_json, link")
	rows, err = tx.Query(ctx, q.String(), args...)
	if err != nil {
		return fmt.Errorf("notify: add: %w", err)
	}
	type key struct {
		user             int64
		kind, args, link string
	}
	got := map[key][]int64{}
	for rows.Next() {
		var k key
		var id int64
		if err := rows.Scan(&id, &k.user, &k.kind, &k.args, &k.link); err != nil {
			rows.Close()
			return fmt.Errorf("notify: add: %w", err)
		}
		got[k] = append(got[k], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notify: add: %w", err)
	}
	var entries []outbox.Entry
	var items []pending
	for _, i := range kept {
		n := notes[i]
		p := people[n.UserID]
		k := key{n.UserID, n.Kind, jsons[i], n.Link}
		if len(got[k]) == 0 {
			return fmt.Errorf("notify: add: no id returned for a notification to %d", n.UserID)
		}
		id := got[k][0]
		got[k] = got[k][1:]
		if telegram || p.email != "" { // else nobody can be reached: the inbox only
			items = append(items, pending{userID: n.UserID, email: p.email, lang: p.lang, n: Notification{ID: id, Kind: n.Kind, Args: n.Args, Link: n.Link}})
			if !direct {
				entries = append(entries, outbox.Entry{Kind: Kind, Ref: id, Message: outbox.Message{UserID: n.UserID}})
			}
		}
	}
	if direct {
		b.items, b.direct = append(b.items, items...), true
		return nil
	}
	due, err := s.Outbox.Add(ctx, tx, entries...)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	b.items = append(b.items, items...)
	b.outbox = append(b.outbox, due...)
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

// List returns a person's notifications, newest first, before id (0: from
// the newest).
func (s *Service) List(ctx context.Context, userID, before int64, limit int) ([]Notification, error) {
	q := "SELECT id, kind, args_json, link, created_at, read_at IS NOT NULL FROM notifications WHERE user_id = ?"
	args := []any{userID}
	if before > 0 {
		q += " AND id < ?"
		args = append(args, before)
	}
	rows, err := s.DB.Query(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var aj string
		var at db.Time
		if err := rows.Scan(&n.ID, &n.Kind, &aj, &n.Link, &at, &n.Read); err != nil {
			return nil, err
		}
		n.CreatedAt = at.Time
		if err := json.Unmarshal([]byte(aj), &n.Args); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Unread counts a person's unread notifications.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n)
	return n, err
}

// MarkRead marks all of a person's notifications read.
func (s *Service) MarkRead(ctx context.Context, userID int64) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", tx.Now, userID)
		return err
	})
}
