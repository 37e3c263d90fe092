// Package outbox sends what Ortaq has to tell people after a change — a
// meeting called off, a notification — by email or Telegram, durably:
// the message is stored in the transaction that causes it (Add), tried
// right after the commit (Send), and retried by every node's background
// step (Run) with growing waits until it goes out or is given up.
//
// One table, outbox (migration 0008), and one policy for every kind of
// message. A node takes a row by moving its due_at past a lease in one
// statement (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so that nodes
// take different rows; SQLite's one writer needs no more), sends, and then
// records the outcome. Delivery is at least once: a node that dies between
// the send and the record sends that message again after the lease. Each
// email carries a Message-ID made from its row (outbox-ID.TOKEN@host), the
// same on every attempt from any node, so that mail clients fold such a
// duplicate; a Telegram message sent twice shows twice.
//
// Kinds: KindMail rows hold the email as it goes out; other kinds hold a
// reference and are written at sending time by the Renderer registered
// for the kind (notifications: in the person's language then, by Telegram
// to those who linked the bot, else by email).
//
// Nothing secret goes through the outbox: it stores messages in clear.
// Voting codes are sent directly (internal/elections), never from here.
package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/retry"
)

// The policy, the same for every kind.
const (
	Lease       = 5 * time.Minute  // a taken row is due again after this: longer than an attempt may take
	SendTimeout = 30 * time.Second // one attempt: rendering, the Bot API or the SMTP exchange
	MaxAttempts = 50               // given up after this many failures: about a day at the longest wait (retry.Backoff)
	Keep        = 30 * 24 * time.Hour
	batch       = 200 // rows one SendPending takes at most
	maxRows     = 500 // rows of one INSERT
)

// KindMail is a stored email, sent as it is.
const KindMail = "mail"

// Message is what goes out.
type Message struct {
	UserID   int64  // the person it is for (0: an address only); deleting the account drops what is still due
	Telegram bool   // through the messenger when the person linked it, else by email
	To       string // email address; "": none
	Subject  string
	Text     string // the email's body; by Telegram, trimmed
	// Buttons go under the message in the messenger when it can show them
	// (ButtonMessenger: Telegram's inline buttons); email ignores them, so
	// Text must say what to do without them. Only a kind's Renderer sets
	// them (they are not stored with KindMail rows).
	Buttons []Button
}

// Button is a button under a messenger message: its label, and the data a
// press sends back to the messenger (Telegram: at most 64 bytes), which
// routes it to the component that sent it.
type Button struct {
	Text string
	Data string
}

// Entry is one message to store: a Message of KindMail, or a reference to
// be rendered at sending time by the kind's Renderer.
type Entry struct {
	Kind    string    // "" is KindMail
	Ref     int64     // for other kinds: the row the Renderer reads
	Message           // for KindMail; UserID for any kind
	Due     time.Time // not before this time (results published later); zero: now
}

// Renderer makes the message of a row of its kind at sending time.
// ErrNobody: there is nobody (any more) to send it to.
type Renderer func(ctx context.Context, ref int64) (Message, error)

// ErrNobody is what a Renderer returns when the message has no recipient
// any more (the account was deleted): the row is done, nothing is sent.
var ErrNobody = errors.New("outbox: nobody to send to")

// Messenger delivers a text to a person through another channel (the
// Telegram bot): false when the person cannot be reached there.
type Messenger interface {
	SendText(ctx context.Context, userID int64, text string) (bool, error)
}

// ButtonMessenger is a Messenger that also shows buttons under a message.
type ButtonMessenger interface {
	Messenger
	SendButtons(ctx context.Context, userID int64, text string, buttons []Button) (bool, error)
}

// Config tunes a Box.
type Config struct {
	BaseURL string        // its host names the Message-IDs ("localhost" when none)
	Workers int           // messages sent at once per node; 0: 4
	Every   time.Duration // Run's period; 0: one minute
	Log     *slog.Logger  // nil: slog.Default()
	// Messenger, when set, carries messages that allow it (the Telegram
	// bot) to those who linked it.
	Messenger Messenger
}

// Box is the outbox on one database. Its methods are safe for concurrent
// use; Register belongs to wiring, before serving.
type Box struct {
	db      *db.DB
	mail    mail.Sender
	logOnly bool // mail goes to the log (no SMTP server)
	host    string
	workers int
	every   time.Duration
	log     *slog.Logger

	mu        sync.RWMutex
	renderers map[string]Renderer
	tg        Messenger

	slots    chan struct{} // attempts after the commit under way on this node: at most workers
	stopMu   sync.Mutex
	stopped  bool
	quit     context.Context // ends sends after the commit on Stop
	cancel   context.CancelFunc
	inflight sync.WaitGroup
}

// New returns a Box sending email through m (mail.Log when no SMTP server
// is configured).
func New(d *db.DB, m mail.Sender, cfg Config) *Box {
	b := &Box{db: d, mail: m, host: host(cfg.BaseURL), workers: cfg.Workers, every: cfg.Every, log: cfg.Log,
		renderers: map[string]Renderer{}, tg: cfg.Messenger}
	_, b.logOnly = m.(*mail.Log)
	if b.workers <= 0 {
		b.workers = 4
	}
	if b.every <= 0 {
		b.every = time.Minute
	}
	b.slots = make(chan struct{}, b.workers)
	if b.log == nil {
		b.log = slog.Default()
	}
	b.quit, b.cancel = context.WithCancel(context.Background())
	return b
}

// host is the host of baseURL, when it can stand in a Message-ID.
func host(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || strings.ContainsAny(u.Hostname(), ":[]") {
		return "localhost"
	}
	return strings.ToLower(u.Hostname())
}

// Register makes r write the messages of kind.
func (b *Box) Register(kind string, r Renderer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.renderers[kind] = r
}

// HasMessenger reports whether a messenger is set: a person without an
// email address may still be reached.
func (b *Box) HasMessenger() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.tg != nil
}

// LogOnly reports whether the log is the only way out: no SMTP server
// and no messenger. Nothing then needs a row, a lease or a retry — a
// message is written to the log once, after the commit (WriteLog) — so a
// caller may skip Add for messages that could only go by email.
func (b *Box) LogOnly() bool {
	return b.logOnly && !b.HasMessenger()
}

// WriteLog writes m to the log now, as the email a box without an SMTP
// server sends, with the Message-ID kind-ref@host. For LogOnly boxes,
// after the commit of what caused m.
func (b *Box) WriteLog(ctx context.Context, kind string, ref int64, m Message) error {
	if !b.logOnly {
		return errors.New("outbox: WriteLog on a box with an SMTP server")
	}
	if m.To == "" {
		return nil
	}
	return b.mail.Send(ctx, mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, ID: fmt.Sprintf("%s-%d@%s", kind, ref, b.host)})
}

// MessageID is the Message-ID (without angle brackets) of row id with
// token: the same for every attempt, from every node.
func (b *Box) MessageID(id int64, token string) string {
	return fmt.Sprintf("outbox-%d.%s@%s", id, token, b.host)
}

// Add stores entries inside tx, due now, and returns their ids for Send
// (in no particular order). An email to an address that belongs to an
// account is tied to that account, so that deleting it drops the message.
func (b *Box) Add(ctx context.Context, tx *db.Tx, entries ...Entry) ([]int64, error) {
	ids := make([]int64, 0, len(entries))
	for len(entries) > 0 {
		n := min(len(entries), maxRows)
		got, err := b.add(ctx, tx, entries[:n])
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
		entries = entries[n:]
	}
	return ids, nil
}

func (b *Box) add(ctx context.Context, tx *db.Tx, entries []Entry) ([]int64, error) {
	var q strings.Builder
	q.WriteString("INSERT INTO outbox (kind, ref_id, user_id, recipient, subject, body, telegram, token, due_at, created_at) VALUES ")
	args := make([]any, 0, 10*len(entries))
	for i, e := range entries {
		if i > 0 {
			q.WriteString(", ")
		}
		kind := e.Kind
		if kind == "" {
			kind = KindMail
		}
		var ref, user any
		if kind != KindMail {
			ref = e.Ref
		}
		var tok [8]byte
		_, _ = rand.Read(tok[:]) // never fails (crypto/rand)
		if e.UserID != 0 {
			user = e.UserID
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		} else {
			user = e.To
			q.WriteString("(?, ?, (SELECT id FROM users WHERE email = ? AND deleted_at IS NULL), ?, ?, ?, ?, ?, ?, ?)")
		}
		due := tx.Now
		if e.Due.After(tx.Now) {
			due = e.Due.UTC()
		}
		args = append(args, kind, ref, user, e.To, e.Subject, e.Text, kind == KindMail && e.Telegram, hex.EncodeToString(tok[:]), due, tx.Now)
	}
	q.WriteString(" RETURNING id")
	ids, err := db.ScanIDs(tx.Query(ctx, q.String(), args...))
	if err != nil {
		return nil, fmt.Errorf("outbox: add: %w", err)
	}
	return ids, nil
}

// Send tries the committed rows ids now, in the background, a few at a
// time (at most Workers at once on this node, whatever the number of
// batches); what fails waits for the background step. Call it after the
// transaction that added them commits.
func (b *Box) Send(ids []int64) {
	if len(ids) == 0 {
		return
	}
	b.stopMu.Lock()
	defer b.stopMu.Unlock()
	if b.stopped {
		return // the rows wait for the background step
	}
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		var wg sync.WaitGroup
		defer wg.Wait()
		for _, id := range ids {
			select {
			case b.slots <- struct{}{}:
			case <-b.quit.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-b.slots }()
				b.attempt(b.quit, id)
			})
		}
	}()
}

// Stop ends the sends after the commit that are under way (what they hold
// is due again at once) and waits for them; later Sends do nothing, the
// rows wait for the background step. Run stops with its context.
func (b *Box) Stop() {
	b.stopMu.Lock()
	b.stopped = true
	b.stopMu.Unlock()
	b.cancel()
	b.inflight.Wait()
}

// SendPending sends the rows that are due (at most a batch) and returns
// how many went out.
func (b *Box) SendPending(ctx context.Context) (int, error) {
	_, sent := b.pending(ctx)
	return sent, ctx.Err()
}

// pending runs the workers over due rows until none is left or a batch
// was taken; it returns how many were taken and how many went out.
func (b *Box) pending(ctx context.Context) (taken, sent int) {
	// A read first: an idle outbox costs every node one query a period,
	// not a write transaction per worker.
	var one int
	err := b.db.QueryRow(ctx, "SELECT 1 FROM outbox WHERE due_at <= ? LIMIT 1", b.db.Now().UTC()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0
	}
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("outbox: pending", "err", err)
		}
		return 0, 0
	}
	var nTaken, nSent atomic.Int64
	var wg sync.WaitGroup
	for range b.workers {
		wg.Go(func() {
			for ctx.Err() == nil && nTaken.Add(1) <= batch {
				it, err := b.claim(ctx, 0)
				if err != nil {
					if ctx.Err() == nil {
						b.log.Warn("outbox: take", "err", err)
					}
					nTaken.Add(-1)
					return
				}
				if it == nil {
					nTaken.Add(-1)
					return
				}
				if b.deliver(ctx, it) {
					nSent.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(min(nTaken.Load(), batch)), int(nSent.Load())
}

// Run sends what is due every period until ctx ends (at once again while
// whole batches were due), and once an hour removes rows done more than
// Keep ago.
func (b *Box) Run(ctx context.Context) {
	t := time.NewTicker(b.every)
	defer t.Stop()
	var purged time.Time
	for {
		for ctx.Err() == nil {
			if taken, _ := b.pending(ctx); taken < batch {
				break
			}
		}
		if now := time.Now(); now.Sub(purged) >= time.Hour && ctx.Err() == nil {
			purged = now
			if err := b.Purge(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("outbox: purge", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge removes the rows done (sent, nobody to send to, given up) more
// than Keep ago: the outbox is not an archive of what people were told.
func (b *Box) Purge(ctx context.Context) error {
	return b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM outbox WHERE due_at IS NULL AND created_at < ?", tx.Now.Add(-Keep))
		return err
	})
}

// item is a taken row.
type item struct {
	id       int64
	kind     string
	ref      int64
	userID   int64
	to       string
	subject  string
	body     string
	telegram bool // a stored email that may go by Telegram
	token    string
	attempts int
	lease    time.Time // the due_at this attempt set: the row is still ours while it is there
}

// attempt takes row id when it is due and delivers it.
func (b *Box) attempt(ctx context.Context, id int64) {
	it, err := b.claim(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("outbox: take", "id", id, "err", err)
		}
		return
	}
	if it != nil {
		b.deliver(ctx, it)
	}
}

// claim takes row id (0: the row due longest) when it is due, by moving
// due_at past the lease; nil when there is none to take (another node or
// worker has it, it is done, or nothing is due).
func (b *Box) claim(ctx context.Context, id int64) (*item, error) {
	var it *item
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		it = nil
		pick := "SELECT id FROM outbox WHERE due_at <= ? ORDER BY due_at, id LIMIT 1"
		args := []any{tx.Now.Add(Lease), tx.Now}
		if id != 0 {
			pick = "SELECT id FROM outbox WHERE id = ? AND due_at <= ?"
			args = []any{tx.Now.Add(Lease), id, tx.Now}
		}
		x := item{lease: tx.Now.Add(Lease)}
		var ref, user sql.NullInt64
		err := tx.QueryRow(ctx, `UPDATE outbox SET due_at = ? WHERE id = (`+pick+tx.SkipLocked()+`)
			RETURNING id, kind, ref_id, user_id, recipient, subject, body, telegram, token, attempts`, args...).
			Scan(&x.id, &x.kind, &ref, &user, &x.to, &x.subject, &x.body, &x.telegram, &x.token, &x.attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		x.ref, x.userID = ref.Int64, user.Int64
		it = &x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: take: %w", err)
	}
	return it, nil
}

// deliver sends a taken row and records the outcome; true when it went
// out.
func (b *Box) deliver(ctx context.Context, it *item) bool {
	sctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	by, err := b.send(sctx, it)
	if err != nil && ctx.Err() != nil {
		// Stopped, not failed: due again at once, on any node, without
		// counting an attempt.
		if rerr := b.release(it); rerr != nil {
			b.log.Warn("outbox: release", "id", it.id, "err", rerr)
		}
		return false
	}
	if rerr := b.record(ctx, it, by, err); rerr != nil {
		b.log.Warn("outbox: record", "id", it.id, "err", rerr)
	}
	if err != nil {
		b.log.Warn("outbox: send", "id", it.id, "kind", it.kind, "attempt", it.attempts+1, "err", err)
	}
	return err == nil && by != ""
}

// send makes the row's message and sends it: through the messenger when
// the message allows it and the person linked it, else by email. by is
// the channel it went by, "" when there was none (with a nil error).
func (b *Box) send(ctx context.Context, it *item) (by string, err error) {
	m := Message{UserID: it.userID, Telegram: it.telegram, To: it.to, Subject: it.subject, Text: it.body}
	if it.kind != KindMail {
		b.mu.RLock()
		r := b.renderers[it.kind]
		b.mu.RUnlock()
		if r == nil {
			return "", fmt.Errorf("outbox: no renderer for kind %q", it.kind)
		}
		m, err = r(ctx, it.ref)
		if errors.Is(err, ErrNobody) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
	}
	b.mu.RLock()
	tg := b.tg
	b.mu.RUnlock()
	var sendErr error
	if m.Telegram && tg != nil && m.UserID != 0 {
		var sent bool
		var err error
		if bm, ok := tg.(ButtonMessenger); ok && len(m.Buttons) > 0 {
			sent, err = bm.SendButtons(ctx, m.UserID, strings.TrimSpace(m.Text), m.Buttons)
		} else {
			text := strings.TrimSpace(m.Text)
			if it.kind == KindMail && m.Subject != "" {
				// A stored email's body leans on its subject line.
				text = m.Subject + "\n\n" + text
			}
			sent, err = tg.SendText(ctx, m.UserID, text)
		}
		if sent {
			return "telegram", nil
		}
		sendErr = err // not linked (nil), or failed: email, when there is one
	}
	if m.To != "" {
		sendErr = b.mail.Send(ctx, mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, ID: b.MessageID(it.id, it.token)})
		if sendErr == nil {
			if b.logOnly {
				return "log", nil
			}
			return "email", nil
		}
	}
	return "", sendErr
}

// record writes the outcome of an attempt: done (by the channel, or by
// none), or the error and when to try again — given up after MaxAttempts.
// Only while the row is still this attempt's: a node whose lease ran out
// (it stalled) does not write over what another node did since.
func (b *Box) record(ctx context.Context, it *item, by string, sendErr error) error {
	wctx := context.WithoutCancel(ctx) // the outcome is recorded even when ctx ends
	return b.db.Write(wctx, func(tx *db.Tx) error {
		if sendErr == nil {
			var at any
			if by != "" {
				at = tx.Now
			}
			_, err := tx.Exec(wctx, `UPDATE outbox SET due_at = NULL, attempts = attempts + 1, last_error = '', sent_at = ?, sent_by = ?
				WHERE id = ? AND due_at = ?`, at, by, it.id, it.lease)
			return err
		}
		var due any
		if it.attempts+1 < MaxAttempts {
			due = tx.Now.Add(retry.Backoff(it.attempts + 1))
		}
		msg := []rune(strings.ToValidUTF8(sendErr.Error(), "?"))
		res, err := tx.Exec(wctx, "UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND due_at = ?",
			due, string(msg[:min(len(msg), 400)]), it.id, it.lease)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && due == nil {
			b.log.Warn("outbox: given up", "id", it.id, "kind", it.kind, "attempts", it.attempts+1, "err", sendErr)
		}
		return nil
	})
}

// release makes a taken row due again at once, while it is still ours.
func (b *Box) release(it *item) error {
	ctx := context.Background()
	return b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE outbox SET due_at = ? WHERE id = ? AND due_at = ?", tx.Now, it.id, it.lease)
		return err
	})
}
