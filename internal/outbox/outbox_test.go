package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
	"github.com/ortaq/ortaq/internal/outbox"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const base = "https://ortaq.test"

func newBox(t *testing.T, d *db.DB, m mail.Sender) *outbox.Box {
	t.Helper()
	b := outbox.New(d, m, outbox.Config{BaseURL: base, Log: quiet})
	t.Cleanup(b.Stop)
	return b
}

// add stores n emails to prefix1@example.kz … in one transaction.
func add(t *testing.T, d *db.DB, b *outbox.Box, n int, prefix string) []int64 {
	t.Helper()
	entries := make([]outbox.Entry, n)
	for i := range entries {
		entries[i] = outbox.Entry{Message: outbox.Message{To: fmt.Sprintf("%s%d@example.kz", prefix, i+1),
			Subject: "Жиналыс тоқтатылды", Text: fmt.Sprintf("Құрметті қатысушы %d, жиналыс өтпейді.\n", i+1)}}
	}
	var ids []int64
	if err := d.Write(context.Background(), func(tx *db.Tx) (err error) {
		ids, err = b.Add(context.Background(), tx, entries...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Fatalf("Add returned %d ids for %d entries", len(ids), n)
	}
	return ids
}

type state struct{ due, failed, sent, given int }

func stateOf(t *testing.T, d *db.DB) state {
	t.Helper()
	var s state
	if err := d.QueryRow(context.Background(), `SELECT COUNT(due_at), COUNT(CASE WHEN due_at IS NOT NULL AND last_error <> '' THEN 1 END),
		COUNT(sent_at), COUNT(CASE WHEN due_at IS NULL AND sent_at IS NULL THEN 1 END) FROM outbox`).Scan(&s.due, &s.failed, &s.sent, &s.given); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls until ok, for up to a minute.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// onceEach fails unless srv received exactly one message for each of the
// n addresses prefix1@… prefixN@….
func onceEach(t *testing.T, srv *mailtest.Server, prefix string, n int) {
	t.Helper()
	got := map[string]int{}
	for _, m := range srv.Messages() {
		if strings.HasPrefix(m.To, prefix) {
			got[m.To]++
		}
	}
	for i := 1; i <= n; i++ {
		if to := fmt.Sprintf("%s%d@example.kz", prefix, i); got[to] != 1 {
			t.Fatalf("%s received %d messages, want 1 (all: %d addresses)", to, got[to], len(got))
		}
	}
	if len(got) != n {
		t.Fatalf("%d addresses received mail, want %d", len(got), n)
	}
}

// A message made while the mail server is down goes out once it is back
// and the wait after the failure is over — once.
func TestSentOnceTheServerIsBack(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		sender := &mailtest.Switch{}
		sender.Set(mailtest.Down(t, server.Config()))
		b := newBox(t, d, sender)

		b.Send(add(t, d, b, 3, "down"))
		waitFor(t, "the first attempts to fail", func() bool { return stateOf(t, d) == state{due: 3, failed: 3} })
		sender.Set(server.Config())
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil {
			t.Fatalf("before the wait was over: sent %d, %v", sent, err)
		}
		clock.Advance(30 * time.Second)
		if sent, err := b.SendPending(ctx); sent != 3 || err != nil {
			t.Fatalf("server back: sent %d, %v", sent, err)
		}
		onceEach(t, server, "down", 3)
		clock.Advance(24 * time.Hour)
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil || len(server.Messages()) != 3 {
			t.Fatalf("sent again: %d, %v, %d messages", sent, err, len(server.Messages()))
		}
		var by string
		var attempts int
		if err := d.QueryRow(ctx, "SELECT MIN(sent_by), MAX(attempts) FROM outbox").Scan(&by, &attempts); err != nil || by != "email" || attempts != 2 {
			t.Fatalf("sent_by %q, attempts %d, %v; want email after 2 attempts", by, attempts, err)
		}
	})
}

// slow delays each message a little, so that two nodes' workers overlap.
type slow struct{ mail.Sender }

func (s slow) Send(ctx context.Context, m mail.Message) error {
	time.Sleep(2 * time.Millisecond)
	return s.Sender.Send(ctx, m)
}

// Two nodes — each sending right after the commit and running its
// background step at the same time — send every message exactly once
// (on PostgreSQL they take different rows with SKIP LOCKED).
func TestTwoNodesNeverSendOneMessageTwice(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		other, err := db.Open(ctx, rawURL(t, d), db.Options{MaxOpenConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		other.Now = clock.Now
		server := mailtest.Start(t)
		var perNode [2]atomic.Int64
		nodes := []*outbox.Box{newBox(t, d, slow{mail.NewSMTP(server.Config())}), newBox(t, other, slow{mail.NewSMTP(server.Config())})}

		const n = 300
		ids := add(t, d, nodes[0], n, "twice")
		var wg sync.WaitGroup
		for i, b := range nodes {
			b.Send(ids)
			for range 2 {
				wg.Go(func() {
					for {
						sent, err := b.SendPending(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						perNode[i].Add(int64(sent))
						if sent == 0 {
							return
						}
					}
				})
			}
		}
		wg.Wait()
		waitFor(t, "every message sent", func() bool { return stateOf(t, d).sent == n })
		onceEach(t, server, "twice", n)
		seen := map[string]bool{}
		for _, m := range server.Messages() {
			id := m.Header.Get("Message-ID")
			if seen[id] {
				t.Fatalf("Message-ID %s on two messages", id)
			}
			seen[id] = true
		}
		if s := stateOf(t, d); s != (state{sent: n}) {
			t.Fatalf("state %+v, want all %d sent", s, n)
		}
		t.Logf("background steps sent %d and %d; the rest went right after the commit", perNode[0].Load(), perNode[1].Load())
	})
}

// rawURL is d's URL with its password, for a second connection (the test
// servers have none).
func rawURL(t *testing.T, d *db.DB) string {
	t.Helper()
	if strings.Contains(d.URL, "xxxxx") {
		t.Fatalf("cannot reopen %s", d.URL)
	}
	return d.URL
}

// A message is given up after MaxAttempts failures: the error stays, it is
// never tried again.
func TestGivenUpAfterTheLastAttempt(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		sender := &mailtest.Switch{}
		sender.Set(mailtest.Down(t, server.Config()))
		b := newBox(t, d, sender)
		add(t, d, b, 1, "last")
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE outbox SET attempts = ?", outbox.MaxAttempts-2)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil || stateOf(t, d) != (state{due: 1, failed: 1}) {
			t.Fatalf("next to last attempt: sent %d, %v, %+v", sent, err, stateOf(t, d))
		}
		clock.Advance(time.Hour)
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil || stateOf(t, d) != (state{given: 1}) {
			t.Fatalf("last attempt: sent %d, %v, %+v; want given up", sent, err, stateOf(t, d))
		}
		var attempts int
		var lastErr string
		if err := d.QueryRow(ctx, "SELECT attempts, last_error FROM outbox").Scan(&attempts, &lastErr); err != nil || attempts != outbox.MaxAttempts || lastErr == "" {
			t.Fatalf("attempts %d, error %q, %v", attempts, lastErr, err)
		}
		sender.Set(server.Config())
		clock.Advance(48 * time.Hour)
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil || len(server.Messages()) != 0 {
			t.Fatalf("a given-up message was sent: %d, %v, %d", sent, err, len(server.Messages()))
		}
	})
}

// A batch of 150 reaches everyone right after the commit, without the
// background step and with no deadline on the batch.
func TestBatchRightAfterTheCommit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		b := newBox(t, d, mail.NewSMTP(server.Config()))
		b.Send(add(t, d, b, 150, "batch"))
		waitFor(t, "150 sent", func() bool { return stateOf(t, d) == state{sent: 150} })
		onceEach(t, server, "batch", 150)
	})
}

var messageID = regexp.MustCompile(`^<outbox-(\d+)\.([0-9a-f]{16})@ortaq\.test>$`)

// acceptedThenLost delivers a message and then reports a failure, as when
// the connection drops after the server took it (or a node stops before
// recording): the outbox sends it again.
type acceptedThenLost struct {
	mail.Sender
	lost atomic.Int64
}

func (s *acceptedThenLost) Send(ctx context.Context, m mail.Message) error {
	if err := s.Sender.Send(ctx, m); err != nil {
		return err
	}
	s.lost.Add(1)
	return errors.New("connection reset after the message was accepted")
}

// Issue 20, item 5: a message sent twice (at least once) carries the same
// Message-ID both times — made from its outbox row, whichever node sends
// it — so that mail clients show it once; another message has another.
func TestRetryKeepsTheMessageID(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		first := newBox(t, d, &acceptedThenLost{Sender: mail.NewSMTP(server.Config())})
		second := newBox(t, d, mail.NewSMTP(server.Config())) // another node
		add(t, d, first, 2, "dup")
		if sent, err := first.SendPending(ctx); sent != 0 || err != nil || len(server.Messages()) != 2 {
			t.Fatalf("first node: sent %d, %v, %d received", sent, err, len(server.Messages()))
		}
		clock.Advance(time.Minute)
		if sent, err := second.SendPending(ctx); sent != 2 || err != nil {
			t.Fatalf("second node: sent %d, %v", sent, err)
		}
		byTo := map[string][]string{}
		for _, m := range server.Messages() {
			byTo[m.To] = append(byTo[m.To], m.Header.Get("Message-ID"))
		}
		ids := map[string]bool{}
		for to, got := range byTo {
			if len(got) != 2 || got[0] != got[1] {
				t.Fatalf("%s received %q, want the same Message-ID twice", to, got)
			}
			mm := messageID.FindStringSubmatch(got[0])
			if mm == nil {
				t.Fatalf("Message-ID %q, want <outbox-ID.TOKEN@ortaq.test>", got[0])
			}
			var token string
			if err := d.QueryRow(ctx, "SELECT token FROM outbox WHERE id = ? AND recipient = ?", mm[1], to).Scan(&token); err != nil || token != mm[2] {
				t.Fatalf("Message-ID %s is not row %s's (token %q, %v)", got[0], mm[1], token, err)
			}
			ids[got[0]] = true
		}
		if len(byTo) != 2 || len(ids) != 2 {
			t.Fatalf("two messages share a Message-ID: %v", byTo)
		}
	})
}

// blocking delivers a message and then hangs until released: a node that
// stalls (or dies) between the send and the record.
type blocking struct {
	mail.Sender
	sent    chan struct{}
	release chan struct{}
}

func (s *blocking) Send(ctx context.Context, m mail.Message) error {
	if err := s.Sender.Send(ctx, m); err != nil {
		return err
	}
	close(s.sent)
	<-s.release
	return errors.New("too late")
}

// A node that took a message and stopped answering holds it for the lease
// only: then another node sends it (at least once), and what the first
// node records afterwards does not undo the second node's record.
func TestLeaseOfAStalledNode(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		stalled := &blocking{Sender: mail.NewSMTP(server.Config()), sent: make(chan struct{}), release: make(chan struct{})}
		// One worker: the whole node stalls (a second worker of its own
		// would rightly take the row once the lease is over).
		first := outbox.New(d, stalled, outbox.Config{BaseURL: base, Workers: 1, Log: quiet})
		t.Cleanup(first.Stop)
		second := newBox(t, d, mail.NewSMTP(server.Config()))
		add(t, d, first, 1, "lease")
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = first.SendPending(ctx)
		}()
		<-stalled.sent
		if sent, err := second.SendPending(ctx); sent != 0 || err != nil {
			t.Fatalf("taken by the first node, yet sent by the second: %d, %v", sent, err)
		}
		clock.Advance(outbox.Lease)
		if sent, err := second.SendPending(ctx); sent != 1 || err != nil {
			t.Fatalf("after the lease: sent %d, %v", sent, err)
		}
		close(stalled.release)
		<-done
		if s := stateOf(t, d); s != (state{sent: 1}) || len(server.Messages()) != 2 {
			t.Fatalf("state %+v, %d received; want sent, twice", s, len(server.Messages()))
		}
		m := server.Messages()
		if m[0].Header.Get("Message-ID") != m[1].Header.Get("Message-ID") {
			t.Fatalf("Message-IDs %q and %q", m[0].Header.Get("Message-ID"), m[1].Header.Get("Message-ID"))
		}
	})
}

// Without an SMTP server the messages are written to the log (mail.Log),
// with their Message-ID, and recorded as sent by the log.
func TestNoSMTPWritesTheLog(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		dbtest.SetClock(d, dbtest.Clock)
		var mu sync.Mutex
		var buf bytes.Buffer
		b := newBox(t, d, mail.NewLog(slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil))))
		b.Send(add(t, d, b, 2, "log"))
		waitFor(t, "2 written", func() bool { return stateOf(t, d) == state{sent: 2} })
		mu.Lock()
		defer mu.Unlock()
		got := map[string]bool{}
		for line := range strings.Lines(buf.String()) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			id, _ := rec["message_id"].(string)
			if rec["level"] != "INFO" || !strings.Contains(rec["text"].(string), "жиналыс өтпейді") || !messageID.MatchString("<"+id+">") {
				t.Fatalf("log record %v", rec)
			}
			got[rec["to"].(string)] = true
		}
		if !got["log1@example.kz"] || !got["log2@example.kz"] || len(got) != 2 {
			t.Fatalf("logged for %v", got)
		}
		var by string
		if err := d.QueryRow(context.Background(), "SELECT MIN(sent_by) || MAX(sent_by) FROM outbox").Scan(&by); err != nil || by != "loglog" {
			t.Fatalf("sent_by %q, %v", by, err)
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// messenger is a fake Telegram bot: linked people get the text.
type messenger struct {
	mu     sync.Mutex
	linked map[int64]bool
	fail   bool
	got    map[int64][]string
}

func (m *messenger) SendText(_ context.Context, userID int64, text string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.linked[userID] {
		return false, nil
	}
	if m.fail {
		return false, errors.New("bot API: 502")
	}
	m.got[userID] = append(m.got[userID], text)
	return true, nil
}

// A kind written at sending time goes by Telegram to a person who linked
// it and allows it, else by email; a failing bot is retried; a renderer's
// ErrNobody ends the row with nothing sent; deleting an account drops
// what is still due to it, emails to its address included.
func TestRenderedKindsChannelsAndDeletedAccounts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		tg := &messenger{got: map[int64][]string{}}
		b := outbox.New(d, mail.NewSMTP(server.Config()), outbox.Config{BaseURL: base, Log: quiet, Messenger: tg})
		t.Cleanup(b.Stop)
		people := make([]int64, 4)
		for i := range people {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, "INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
					fmt.Sprintf("p%d@example.kz", i), "Адам", tx.Now, tx.Now).Scan(&people[i])
			}); err != nil {
				t.Fatal(err)
			}
		}
		tg.linked = map[int64]bool{people[0]: true, people[2]: true}
		email := map[int64]string{}
		for i, id := range people {
			email[id] = fmt.Sprintf("p%d@example.kz", i)
		}
		b.Register("test", func(_ context.Context, ref int64) (outbox.Message, error) {
			if ref == 99 {
				return outbox.Message{}, outbox.ErrNobody
			}
			return outbox.Message{UserID: ref, Telegram: true, To: email[ref],
				Subject: "Ortaq: хабар", Text: "Сәлем!\n\nhttps://ortaq.test/kk/proposals/1\n"}, nil
		})
		var ids []int64
		if err := d.Write(ctx, func(tx *db.Tx) (err error) {
			ids, err = b.Add(ctx, tx,
				outbox.Entry{Kind: "test", Ref: people[0], Message: outbox.Message{UserID: people[0]}}, // linked: Telegram
				outbox.Entry{Kind: "test", Ref: people[1], Message: outbox.Message{UserID: people[1]}}, // not linked: email
				outbox.Entry{Kind: "test", Ref: 99},                                                    // nobody
				outbox.Entry{Message: outbox.Message{To: "p2@example.kz", Subject: "x", Text: "x"}},    // an email to an account's address
				outbox.Entry{Kind: "test", Ref: people[3], Message: outbox.Message{UserID: people[3]}}, // deleted before sending
			)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET deleted_at = ? WHERE id IN (?, ?)", tx.Now, people[2], people[3])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM outbox").Scan(&left); err != nil || left != 3 {
			t.Fatalf("%d rows after deleting two accounts, want 3 (theirs gone), %v", left, err)
		}
		b.Send(ids)
		waitFor(t, "3 done", func() bool { return stateOf(t, d).due == 0 })
		rows, err := d.Query(ctx, "SELECT COALESCE(ref_id, 0), sent_by, sent_at IS NOT NULL FROM outbox ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var ref int64
			var by string
			var sent bool
			if err := rows.Scan(&ref, &by, &sent); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d:%s:%v", ref, by, sent))
		}
		rows.Close()
		want := []string{fmt.Sprintf("%d:telegram:true", people[0]), fmt.Sprintf("%d:email:true", people[1]), "99::false"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("rows %v, want %v", got, want)
		}
		tg.mu.Lock()
		if len(tg.got[people[0]]) != 1 || tg.got[people[0]][0] != "Сәлем!\n\nhttps://ortaq.test/kk/proposals/1" {
			t.Fatalf("telegram got %v", tg.got)
		}
		tg.mu.Unlock()
		if ms := server.Messages(); len(ms) != 1 || ms[0].To != "p1@example.kz" {
			t.Fatalf("emails: %+v", ms)
		}

		// The bot fails, and there is no email: retried with the error.
		tg.mu.Lock()
		tg.fail = true
		tg.mu.Unlock()
		b.Register("test", func(_ context.Context, ref int64) (outbox.Message, error) {
			return outbox.Message{UserID: ref, Telegram: true, Text: "Сәлем!"}, nil
		})
		addOne := func() {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := b.Add(ctx, tx, outbox.Entry{Kind: "test", Ref: people[0], Message: outbox.Message{UserID: people[0]}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		addOne()
		if sent, err := b.SendPending(ctx); sent != 0 || err != nil || stateOf(t, d).failed != 1 {
			t.Fatalf("failing bot: sent %d, %v, %+v", sent, err, stateOf(t, d))
		}
		tg.mu.Lock()
		tg.fail = false
		tg.mu.Unlock()
		clock.Advance(time.Minute)
		if sent, err := b.SendPending(ctx); sent != 1 || err != nil {
			t.Fatalf("bot back: sent %d, %v", sent, err)
		}
		tg.mu.Lock()
		defer tg.mu.Unlock()
		if len(tg.got[people[0]]) != 2 {
			t.Fatalf("telegram got %v", tg.got)
		}
	})
}

// Rows done more than Keep ago are removed; due rows, however old, and
// recent ones stay.
func TestPurge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		sender := &mailtest.Switch{}
		sender.Set(server.Config())
		b := newBox(t, d, sender)
		add(t, d, b, 2, "old")
		if sent, err := b.SendPending(ctx); sent != 2 || err != nil {
			t.Fatalf("sent %d, %v", sent, err)
		}
		sender.Set(mailtest.Down(t, server.Config()))
		add(t, d, b, 1, "stuck") // still due at the end
		if _, err := b.SendPending(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(outbox.Keep + time.Second)
		sender.Set(server.Config())
		b.Send(add(t, d, b, 1, "recent"))
		waitFor(t, "the recent one sent", func() bool { return stateOf(t, d).sent == 3 })
		if err := b.Purge(ctx); err != nil {
			t.Fatal(err)
		}
		var left []string
		rows, err := d.Query(ctx, "SELECT recipient FROM outbox ORDER BY recipient")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			left = append(left, r)
		}
		rows.Close()
		if strings.Join(left, " ") != "recent1@example.kz stuck1@example.kz" {
			t.Fatalf("left %v, want the recent and the stuck one", left)
		}
	})
}

// A stored email that allows Telegram goes there to a person who linked
// it, like a rendered kind, its subject as the first line; one that does
// not allow it goes by email.
// (The flag was once not stored, and such messages all went by email.)
func TestStoredMailKeepsTheTelegramChoice(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dbtest.SetClock(d, dbtest.Clock)
		server := mailtest.Start(t)
		tg := &messenger{got: map[int64][]string{}}
		b := outbox.New(d, mail.NewSMTP(server.Config()), outbox.Config{BaseURL: base, Log: quiet, Messenger: tg})
		t.Cleanup(b.Stop)
		var who int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
				"linked@example.kz", "Адам", tx.Now, tx.Now).Scan(&who)
		}); err != nil {
			t.Fatal(err)
		}
		tg.linked = map[int64]bool{who: true}
		var ids []int64
		if err := d.Write(ctx, func(tx *db.Tx) (err error) {
			ids, err = b.Add(ctx, tx,
				outbox.Entry{Message: outbox.Message{UserID: who, Telegram: true, To: "linked@example.kz", Subject: "Курс", Text: "Сабақ ауысты"}},
				outbox.Entry{Message: outbox.Message{UserID: who, To: "linked@example.kz", Subject: "Хат", Text: "Тек хатпен"}},
			)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		b.Send(ids)
		waitFor(t, "both sent", func() bool { return stateOf(t, d).due == 0 })
		var by []string
		rows, err := d.Query(ctx, "SELECT sent_by FROM outbox ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			by = append(by, s)
		}
		rows.Close()
		if strings.Join(by, " ") != "telegram email" {
			t.Fatalf("sent by %v, want telegram then email", by)
		}
		tg.mu.Lock()
		defer tg.mu.Unlock()
		if got := tg.got[who]; len(got) != 1 || got[0] != "Курс\n\nСабақ ауысты" {
			t.Fatalf("telegram got %v", got)
		}
		if ms := server.Messages(); len(ms) != 1 || ms[0].Subject != "Хат" {
			t.Fatalf("emails: %+v", ms)
		}
	})
}
