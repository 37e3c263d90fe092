package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"
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
	Username string // PLAIN authentication when set; net/smtp sends it only over TLS or to localhost
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

// SMTP sends messages through an SMTP server, one connection per message.
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
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	to, err := m.check()
	if err != nil {
		return err
	}
	from, _ := netmail.ParseAddress(s.cfg.From) // checked by Validate
	raw, err := compose(from, to, m, time.Now())
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, from.Address, to.Address, raw); err != nil {
		return fmt.Errorf("mail: send to %s via %s:%d: %w", to.Address, s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) deliver(ctx context.Context, from, to string, raw []byte) (err error) {
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

	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	var conn net.Conn
	if s.cfg.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	// net/smtp knows no context: a deadline bounds every read and write, and
	// cancelling ctx moves it to now, which ends a blocked one at once.
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(heloName()); err != nil {
		return err
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return err
			}
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("a username is configured but the server offers no AUTH")
		}
		// PlainAuth refuses to send the password unencrypted, except to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// heloName is this machine's name for EHLO, when it looks like a domain.
func heloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// compose builds the RFC 5322 message: ASCII headers (non-ASCII text as
// RFC 2047 encoded-words), a UTF-8 plain-text body in quoted-printable, CRLF
// line endings.
func compose(from, to *netmail.Address, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name + ": " + value))
		b.WriteString("\r\n")
	}
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("From", from.String()) // String encodes a non-ASCII display name
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("utf-8", m.Subject)) // B: shorter than Q for Cyrillic
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b) // also turns "\n" into "\r\n"
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mail: encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// fold breaks a header line longer than 78 characters before spaces
// (RFC 5322 2.2.3); a single longer word stays whole (the hard limit is 998). Encoded-words are separated by spaces, so a long encoded
// subject folds between them.
func fold(line string) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var b strings.Builder
	n := 0 // length of the current output line
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			// Never right after "Name:": that line would carry no value.
			if i > 1 && n+1+len(word) > limit {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// messageID returns a new unique Message-ID in the sender's domain.
func messageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	var r [16]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
