package mailtest

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/ortaq/ortaq/internal/mail"
)

// Switch sends through whichever SMTP configuration it was last set to,
// so that a test can take the mail server away and bring it back.
type Switch struct{ cur atomic.Pointer[mail.SMTP] }

// Set makes s send through c from now on.
func (s *Switch) Set(c mail.SMTPConfig) { s.cur.Store(mail.NewSMTP(c)) }

// Send sends m through the configuration s holds now.
func (s *Switch) Send(ctx context.Context, m mail.Message) error { return s.cur.Load().Send(ctx, m) }

// Down returns c with a loopback port where nobody listens: a mail server
// that is down.
func Down(tb testing.TB, c mail.SMTPConfig) mail.SMTPConfig {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	c.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return c
}
