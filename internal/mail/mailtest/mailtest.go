// Package mailtest runs a real SMTP server on loopback for tests, so that a
// test can send mail through mail.NewSMTP and read what arrived:
//
//	srv := mailtest.Start(t)
//	sender := mail.NewSMTP(srv.Config())
//	... code under test sends a confirmation email to "aliya@example.kz" ...
//	msg := srv.WaitFor(t, "aliya@example.kz", 5*time.Second)
//	link := mailtest.FindLink(msg.Text, "http://127.0.0.1:8080/kk/confirm?token=")
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/ortaq/ortaq/internal/mail"
)

// Received is one message as the server got it.
type Received struct {
	From     string   // envelope sender (MAIL FROM)
	Rcpt     []string // envelope recipients (RCPT TO)
	AuthUser string   // the username of PLAIN authentication, if any

	Header  netmail.Header // raw header fields, as sent
	To      string         // the address in the To header, without display name
	Subject string         // decoded
	Text    string         // decoded body, "\n" line endings
	Raw     []byte         // the message as transmitted, CRLF line endings
}

// Server is an SMTP server listening on 127.0.0.1 that accepts every message
// from anyone, with or without (any) credentials, and keeps it in memory.
type Server struct {
	srv  *smtp.Server
	addr *net.TCPAddr

	mu       sync.Mutex
	messages []Received
	arrived  chan struct{} // closed and replaced when a message arrives
	closed   bool
	tb       testing.TB
}

// Start starts a server on a free loopback port; tb.Cleanup stops it.
func Start(tb testing.TB) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{addr: l.Addr().(*net.TCPAddr), arrived: make(chan struct{}), tb: tb}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = logger{s}

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.logf("mailtest: serve: %v", err)
		}
	}()
	tb.Cleanup(func() {
		s.mu.Lock()
		s.closed = true // no logging once the test is over
		s.mu.Unlock()
		_ = s.srv.Close()
		<-done
	})
	return s
}

// Addr returns the address the server listens on.
func (s *Server) Addr() (host string, port int) {
	return s.addr.IP.String(), s.addr.Port
}

// Config returns a configuration that sends to this server without TLS.
func (s *Server) Config() mail.SMTPConfig {
	host, port := s.Addr()
	return mail.SMTPConfig{
		Host:    host,
		Port:    port,
		From:    "Ortaq <noreply@ortaq.test>",
		TLS:     mail.TLSNone,
		Timeout: 10 * time.Second,
	}
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor returns the first message for the address to (an envelope
// recipient or the To header; case-insensitive), waiting up to timeout for it
// to arrive. It fails the test when none does.
func (s *Server) WaitFor(tb testing.TB, to string, timeout time.Duration) Received {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if m.isFor(to) {
				s.mu.Unlock()
				return m
			}
		}
		arrived := s.arrived
		got := make([]string, 0, len(s.messages))
		for _, m := range s.messages {
			got = append(got, strings.Join(m.Rcpt, ","))
		}
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-timer.C:
			tb.Fatalf("mailtest: no message to %s within %v; received for: %q", to, timeout, got)
			return Received{}
		}
	}
}

func (m Received) isFor(addr string) bool {
	if strings.EqualFold(m.To, addr) {
		return true
	}
	for _, r := range m.Rcpt {
		if strings.EqualFold(r, addr) {
			return true
		}
	}
	return false
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// FindLink returns the first URL in text that starts with prefix, without
// trailing sentence punctuation, or "" when there is none.
func FindLink(text, prefix string) string {
	for _, u := range urlRE.FindAllString(text, -1) {
		u = strings.TrimRight(u, ".,;:!?)]}'»")
		if strings.HasPrefix(u, prefix) {
			return u
		}
	}
	return ""
}

func (s *Server) add(m Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.tb.Logf(format, args...)
	}
}

// logger sends the SMTP server's complaints to the test log.
type logger struct{ s *Server }

func (l logger) Printf(format string, v ...any) { l.s.logf(format, v...) }
func (l logger) Println(v ...any)               { l.s.logf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

// session is one SMTP connection's state.
type session struct {
	server   *Server
	authUser string
	from     string
	rcpt     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		// Accept it anyway: the test sees Raw and can tell what is wrong.
		ss.server.logf("mailtest: cannot parse message: %v", err)
	}
	m.From, m.Rcpt, m.AuthUser = ss.from, ss.rcpt, ss.authUser
	ss.server.add(m)
	ss.from, ss.rcpt = "", nil
	return nil
}

func (ss *session) Reset()        { ss.from, ss.rcpt = "", nil }
func (ss *session) Logout() error { return nil }

// parse decodes the headers and the single-part body of raw.
func parse(raw []byte) (Received, error) {
	m := Received{Raw: raw}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m, err
	}
	m.Header = msg.Header
	if to, err := netmail.ParseAddress(msg.Header.Get("To")); err == nil {
		m.To = to.Address
	}
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, fmt.Errorf("subject: %w", err)
	}
	body := msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return m, fmt.Errorf("body: %w", err)
	}
	m.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
	return m, nil
}
