package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/db"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of SMTPConfig.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS when the server offers it
	TLSImplicit = "tls"      // TLS from the first byte (usually port 465)
	TLSNone     = "none"     // never TLS (a relay on the same machine, tests)
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int    // 0: 587 for starttls, 465 for tls, 25 for none
	Username string // PLAIN authentication when set; sent only over TLS or to localhost
	Password string
	From     string        // "noreply@example.kz" or "Ortaq <noreply@example.kz>"
	TLS      string        // TLSStartTLS (the default when empty), TLSImplicit or TLSNone
	Timeout  time.Duration // for the whole exchange with the server; 0: 30s
}

// Validate reports a configuration that cannot work.
func (c SMTPConfig) Validate() error {
	if c.Host == "" {
		return errors.New("mail: SMTP host is empty")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("mail: SMTP port %d out of range", c.Port)
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("mail: SMTP TLS mode %q: want %q, %q or %q", c.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if strings.ContainsAny(c.From, "\r\n") {
		return errors.New("mail: line break in From")
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("mail: From %q: %w", c.From, err)
	}
	return nil
}

// SMTP sends messages through an SMTP server, one connection per message,
// with github.com/wneessen/go-mail (composing the MIME message and speaking
// SMTP); we keep the checks on what goes into headers, the TLS modes and
// one deadline for the whole exchange.
type SMTP struct {
	cfg SMTPConfig
}

var _ Sender = (*SMTP)(nil)

// NewSMTP returns a sender for cfg, with defaults filled in. Send reports the
// errors that cfg.Validate reports.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSImplicit:
			cfg.Port = 465
		case TLSNone:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}
}

// Send delivers m to the server. It returns when the server has accepted the
// message, or with an error; ctx and the configured timeout bound the whole
// exchange.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	defer db.Elsewhere(ctx)() // a request does not keep its place to read while a mail server answers
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	to, err := m.check()
	if err != nil {
		return err
	}
	from, _ := netmail.ParseAddress(s.cfg.From) // checked by Validate
	msg, err := compose(from, to, m, time.Now())
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, msg); err != nil {
		return fmt.Errorf("mail: send to %s via %s:%d: %w", to.Address, s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, msg *gomail.Msg) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	defer func() {
		switch {
		case err == nil:
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The connection's deadline is ctx's; its timer may not have fired yet.
			err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
	}()

	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	policy := gomail.NoTLS // TLSNone, and TLSImplicit: the dialer below does TLS
	if s.cfg.TLS == TLSStartTLS {
		policy = gomail.TLSOpportunistic
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithHELO(heloName()),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(func(_ context.Context, network, addr string) (net.Conn, error) {
			// go-mail uses its context for dialling only and sets
			// deadlines of its own afterwards: the connection keeps
			// every deadline within ctx's, and cancelling ctx ends a
			// blocked read or write at once.
			return dial(ctx, network, addr, s.cfg.TLS == TLSImplicit, tlsConfig)
		}),
	}
	if s.cfg.Username != "" {
		// PLAIN, which go-mail (like net/smtp) sends only over TLS or to localhost.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// dial connects to addr within ctx, with TLS from the first byte when
// implicit is set.
func dial(ctx context.Context, network, addr string, implicit bool, cfg *tls.Config) (net.Conn, error) {
	raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := newCtxConn(ctx, raw)
	if !implicit {
		return conn, nil
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// ctxConn is a connection whose deadlines never reach past its context's,
// and which times out at once when the context ends.
type ctxConn struct {
	net.Conn
	ctx  context.Context
	stop func() bool
}

func newCtxConn(ctx context.Context, c net.Conn) *ctxConn {
	cc := &ctxConn{Conn: c, ctx: ctx}
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	cc.stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return cc
}

func (c *ctxConn) clamp(t time.Time) time.Time {
	if c.ctx.Err() != nil {
		return time.Unix(1, 0)
	}
	if d, ok := c.ctx.Deadline(); ok && (t.IsZero() || d.Before(t)) {
		return d
	}
	return t
}

func (c *ctxConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *ctxConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *ctxConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// heloName is this machine's name for EHLO, when it looks like a domain.
func heloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// compose builds the message: a UTF-8 plain-text body in quoted-printable,
// non-ASCII header text as RFC 2047 encoded-words (go-mail), the Message-ID
// m.ID or a new random one in the sender's domain.
func compose(from, to *netmail.Address, m Message, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset("utf-8"), gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	id := m.ID
	if id == "" {
		id = randomID(from.Address)
	}
	msg.SetMessageIDWithValue(id)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// randomID returns a new unique Message-ID (without the angle brackets)
// in the sender's domain.
func randomID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var r [16]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	return hex.EncodeToString(r[:]) + "@" + domain
}
