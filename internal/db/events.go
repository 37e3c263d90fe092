package db

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Events tell every node of an installation that something changed which
// nodes keep copies of — a session signed out, a role revoked, a page
// changed — so that each forgets its copy at once instead of when the copy
// expires. A transaction announces a topic with tx.Announce; when it
// commits, the handlers registered for the topic with OnEvent run on this
// node right away and, on PostgreSQL, on every other node as soon as the
// database tells them (NOTIFY, delivered at commit, to the connection each
// node keeps LISTENing by Listen). After losing that connection a node
// cannot know what it missed: when it reconnects it runs every handler.
//
// Handlers must be quick and must not write to the database (they forget
// caches).

// eventChannel is the PostgreSQL notification channel of installations
// in the default schema.
const eventChannel = "ortaq_events"

// channel is this installation's notification channel. Notifications
// reach every connection to the database, whatever its schema: an
// installation kept in its own schema (search_path in the URL: the
// tests' schemas on one shared server) has a channel of its own, so that
// it does not forget its copies whenever another one changes something.
func (d *DB) channel() string {
	u, err := url.Parse(d.raw)
	if err != nil {
		return eventChannel
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		return eventChannel
	}
	var b strings.Builder
	b.WriteString(eventChannel + "_")
	for _, r := range strings.ToLower(schema) {
		if b.Len() >= 63 { // PostgreSQL's identifier length
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// events holds a DB's handlers.
type events struct {
	mu       sync.RWMutex
	handlers map[string][]func()
	node     string // this node's name in notifications: its own are skipped
}

// payload is what a notification carries: the topic and the node that
// sent it, which has already run its own handlers and must not run them a
// second time when PostgreSQL echoes the notification back (a late second
// run would forget copies made after the change).
func (d *DB) payload(topic string) string { return topic + " " + d.ev.node }

// OnEvent runs fn whenever a transaction that announced topic commits, on
// any node.
func (d *DB) OnEvent(topic string, fn func()) {
	d.ev.mu.Lock()
	defer d.ev.mu.Unlock()
	if d.ev.handlers == nil {
		d.ev.handlers = map[string][]func(){}
	}
	d.ev.handlers[topic] = append(d.ev.handlers[topic], fn)
}

// fire runs topic's handlers ("" runs all of them).
func (d *DB) fire(topic string) {
	d.ev.mu.RLock()
	var fns []func()
	if topic == "" {
		for _, hs := range d.ev.handlers {
			fns = append(fns, hs...)
		}
	} else {
		fns = d.ev.handlers[topic]
	}
	d.ev.mu.RUnlock()
	for _, fn := range fns {
		fn()
	}
}

// Announce tells every node, once the transaction commits, that topic
// changed. Topics are short fixed names ("auth", "pages").
func (t *Tx) Announce(ctx context.Context, topic string) error {
	for _, x := range t.announced {
		if x == topic {
			return nil
		}
	}
	t.announced = append(t.announced, topic)
	if t.d.Dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, "SELECT pg_notify($1, $2)", t.d.channel(), t.d.payload(topic)); err != nil {
			return fmt.Errorf("db: announce %s: %w", topic, err)
		}
	}
	return nil
}

// Announce tells every node that topic changed, outside a transaction
// (after changes already committed): this node at once, the others by
// NOTIFY.
func (d *DB) Announce(ctx context.Context, topic string) error {
	d.fire(topic)
	return d.TellOthers(ctx, topic)
}

// TellOthers tells the other nodes, not this one, that topic changed: for
// a node that has already forgotten its own copies.
func (d *DB) TellOthers(ctx context.Context, topic string) error {
	if d.Dialect != Postgres {
		return nil
	}
	if _, err := d.w.ExecContext(ctx, "SELECT pg_notify($1, $2)", d.channel(), d.payload(topic)); err != nil {
		return fmt.Errorf("db: announce %s: %w", topic, err)
	}
	return nil
}

// Listen keeps a connection to PostgreSQL listening for other nodes'
// announcements until ctx ends, reconnecting after failures (and then
// running every handler: what was missed meanwhile is unknown). On SQLite,
// one node, it returns at once.
func (d *DB) Listen(ctx context.Context, log *slog.Logger) {
	if d.Dialect != Postgres {
		return
	}
	wait := time.Second
	first := true
	for ctx.Err() == nil {
		err := d.listenOnce(ctx, func() {
			if !first {
				d.fire("") // back after a gap: forget everything
			}
			first = false
			wait = time.Second
		})
		if ctx.Err() != nil {
			return
		}
		log.Warn("db: listening for other nodes' changes", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
		first = false
	}
}

func (d *DB) listenOnce(ctx context.Context, connected func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, withConnectTimeout(d.raw, 3*time.Second))
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+d.channel()); err != nil {
		return err
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		topic, node, _ := strings.Cut(n.Payload, " ")
		if node != d.ev.node {
			d.fire(topic)
		}
	}
}
