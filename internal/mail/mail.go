// Package mail sends the platform's outgoing email: account confirmation,
// password reset and guardian consent links directly, notifications and
// meeting mail through internal/outbox.
//
// Two senders implement Sender: SMTP delivers through a mail server with
// github.com/wneessen/go-mail; Log, used when no server is configured,
// writes each message to the log so that an administrator can find the
// link. Package mailtest provides a real SMTP server for tests.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
)

// Message is one plain-text email to one recipient. Subject and Text are
// UTF-8 and may hold any language; lines in Text end with "\n".
type Message struct {
	To      string // "user@example.kz" or "Name <user@example.kz>"
	Subject string
	Text    string
	// ID is the Message-ID without its angle brackets ("outbox-42.1f…@ortaq.kz"):
	// a message sent again (a retry) carries the same one, so that mail
	// clients show it once. Empty: a new random one.
	ID string
}

// Sender sends messages. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage is wrapped by the error that Send returns for a message
// that cannot be sent as given: a malformed recipient, a line break in a
// header (an attempt at header injection), an empty subject.
var ErrInvalidMessage = errors.New("invalid message")

// check validates m and returns its parsed recipient.
func (m Message) check() (*netmail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, fmt.Errorf("mail: %w: line break in To", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, fmt.Errorf("mail: %w: line break in Subject", ErrInvalidMessage)
	}
	if m.ID != "" && !validID(m.ID) {
		return nil, fmt.Errorf("mail: %w: Message-ID %q", ErrInvalidMessage, m.ID)
	}
	if strings.TrimSpace(m.Subject) == "" {
		return nil, fmt.Errorf("mail: %w: empty Subject", ErrInvalidMessage)
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: %w: To %q: %v", ErrInvalidMessage, m.To, err)
	}
	return to, nil
}

// validID reports whether id may stand between the angle brackets of a
// Message-ID: printable ASCII without spaces, brackets or quotes, one "@"
// with something on either side (RFC 5322 3.6.4, dot-atom-text form).
func validID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") || len(id) > 250 {
		return false
	}
	for _, c := range id {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`<>()[]\,;:"`, c) {
			return false
		}
	}
	return true
}

// Log is the Sender used when no SMTP server is configured: it writes every
// message, links included, to the log at Info level.
type Log struct {
	logger *slog.Logger
}

// NewLog returns a Log that writes to logger (slog.Default() when nil).
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Send logs m. It refuses the same messages that SMTP.Send refuses, so that
// a mistake shows up before a server is configured.
func (l *Log) Send(ctx context.Context, m Message) error {
	if _, err := m.check(); err != nil {
		return err
	}
	l.logger.InfoContext(ctx, "mail not sent: no SMTP server configured; message follows",
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
		slog.String("message_id", m.ID),
	)
	return nil
}
