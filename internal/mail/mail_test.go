package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/mail/mailtest"
)

const confirmPrefix = "http://127.0.0.1:8080/kk/account/confirm?token="

// A token long enough that the link is longer than a quoted-printable line.
var confirmLink = confirmPrefix + strings.Repeat("Zm9vYmFy", 10) + "&next=/kk/programmes/42"

func confirmMessage(to string) mail.Message {
	return mail.Message{
		To:      to,
		Subject: "Ортақ: поштаңызды растаңыз",
		Text: "Сәлеметсіз бе, Әлия!\n\n" +
			"Поштаңызды растау үшін мына сілтемені ашыңыз:\n" +
			confirmLink + "\n\n" +
			"Сілтеме 24 сағат жарамды. Здравствуйте! Ссылка действительна 24 часа.\n",
	}
}

func TestSMTPDeliversKazakhMessage(t *testing.T) {
	srv := mailtest.Start(t)
	sender := mail.NewSMTP(srv.Config())
	want := confirmMessage("aliya@example.kz")

	if err := sender.Send(context.Background(), want); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitFor(t, "aliya@example.kz", 5*time.Second)

	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if got.Text != want.Text {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if link := mailtest.FindLink(got.Text, confirmPrefix); link != confirmLink {
		t.Errorf("FindLink = %q, want %q", link, confirmLink)
	}
	if got.From != "noreply@ortaq.test" || len(got.Rcpt) != 1 || got.Rcpt[0] != "aliya@example.kz" {
		t.Errorf("envelope = %q → %q, want noreply@ortaq.test → [aliya@example.kz]", got.From, got.Rcpt)
	}
	for name, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"From":                      `"Ortaq" <noreply@ortaq.test>`,
		"To":                        "<aliya@example.kz>",
	} {
		if v := got.Header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	if d, err := got.Header.Date(); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date header %q: %v", got.Header.Get("Date"), err)
	}
	if id := got.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@ortaq.test>") {
		t.Errorf("Message-ID = %q", id)
	}
	checkWireFormat(t, got.Raw)
}

// checkWireFormat checks what every mail server accepts: ASCII only, CRLF
// line endings, lines of at most 998 bytes (RFC 5322 2.1.1), at most 78 in
// the headers save one encoded-word after the field name.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	for i, c := range raw {
		if c >= 0x80 {
			t.Fatalf("non-ASCII byte %#x at %d in %q", c, i, raw)
		}
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			t.Fatalf("bare LF at %d in %q", i, raw)
		}
	}
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no blank line after the header in %q", raw)
	}
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 90 {
			t.Errorf("header line of %d bytes: %q", len(line), line)
		}
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if len(line) > 76 { // quoted-printable's own limit
			t.Errorf("body line of %d bytes: %q", len(line), line)
		}
	}
}

func TestSMTPVariants(t *testing.T) {
	longSubject := "Ортақ: құпиясөзді қалпына келтіру — сброс пароля на платформе, ссылка действительна 24 часа"
	tests := []struct {
		name     string
		config   func(mail.SMTPConfig) mail.SMTPConfig
		msg      mail.Message
		waitFor  string
		authUser string
	}{
		{
			name:    "display name in To, long mixed-language subject",
			config:  func(c mail.SMTPConfig) mail.SMTPConfig { return c },
			msg:     mail.Message{To: "Әлия Нұрланқызы <Aliya@Example.kz>", Subject: longSubject, Text: "Сілтеме: " + confirmLink + "."},
			waitFor: "aliya@example.kz",
		},
		{
			name: "starttls by default: plain when the server offers no STARTTLS",
			config: func(c mail.SMTPConfig) mail.SMTPConfig {
				c.TLS = ""
				return c
			},
			msg:     confirmMessage("guardian@example.kz"),
			waitFor: "guardian@example.kz",
		},
		{
			name: "PLAIN authentication when a username is set",
			config: func(c mail.SMTPConfig) mail.SMTPConfig {
				c.Username, c.Password = "ortaq", "s3cret"
				return c
			},
			msg:      confirmMessage("reset@example.kz"),
			waitFor:  "reset@example.kz",
			authUser: "ortaq",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t)
			if err := mail.NewSMTP(tt.config(srv.Config())).Send(context.Background(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, tt.waitFor, 5*time.Second)
			if got.Subject != tt.msg.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.msg.Subject)
			}
			if link := mailtest.FindLink(got.Text, confirmPrefix); link != confirmLink {
				t.Errorf("FindLink = %q, want %q in %q", link, confirmLink, got.Text)
			}
			if got.AuthUser != tt.authUser {
				t.Errorf("AuthUser = %q, want %q", got.AuthUser, tt.authUser)
			}
			checkWireFormat(t, got.Raw)
		})
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	srv := mailtest.Start(t)
	sender := mail.NewSMTP(srv.Config())
	ok := confirmMessage("aliya@example.kz")
	tests := map[string]mail.Message{
		"CRLF in To":         {To: "aliya@example.kz\r\nBcc: all@example.kz", Subject: ok.Subject, Text: ok.Text},
		"LF in To":           {To: "aliya@example.kz\nBcc: all@example.kz", Subject: ok.Subject, Text: ok.Text},
		"CRLF in Subject":    {To: ok.To, Subject: "Hi\r\nBcc: all@example.kz", Text: ok.Text},
		"CR in Subject":      {To: ok.To, Subject: "Hi\rBcc: all@example.kz", Text: ok.Text},
		"two recipients":     {To: "aliya@example.kz, all@example.kz", Subject: ok.Subject, Text: ok.Text},
		"not an address":     {To: "aliya", Subject: ok.Subject, Text: ok.Text},
		"empty subject":      {To: ok.To, Subject: " ", Text: ok.Text},
		"header in the body": {To: ok.To, Subject: ok.Subject, Text: "\r\n\r\nBcc: all@example.kz"},
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			err := sender.Send(context.Background(), m)
			if name == "header in the body" { // harmless: it is body text
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Fatalf("Send = %v, want ErrInvalidMessage", err)
			}
		})
	}
	got := srv.WaitFor(t, ok.To, 5*time.Second)
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server received %d messages, want only the harmless one", n)
	}
	if _, bcc := got.Header["Bcc"]; bcc || len(got.Rcpt) != 1 {
		t.Errorf("body text became a header: %v, envelope %q", got.Header, got.Rcpt)
	}

	cfg := srv.Config()
	cfg.From = "noreply@ortaq.test\r\nBcc: all@example.kz"
	if err := mail.NewSMTP(cfg).Send(context.Background(), ok); err == nil {
		t.Errorf("Send with a line break in From succeeded")
	}
}

// A message that names its Message-ID keeps it, however often it is sent
// (the outbox's retries), so that mail clients show it once; one that
// could smuggle a header in is refused.
func TestSMTPKeepsGivenMessageID(t *testing.T) {
	srv := mailtest.Start(t)
	sender := mail.NewSMTP(srv.Config())
	m := confirmMessage("aliya@example.kz")
	m.ID = "outbox-42.0f1e2d3c4b5a6978@ortaq.kz"
	for range 2 {
		if err := sender.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, got := range msgs {
		if id := got.Header.Get("Message-ID"); id != "<"+m.ID+">" {
			t.Errorf("Message-ID = %q, want <%s>", id, m.ID)
		}
		checkWireFormat(t, got.Raw)
	}
	for _, bad := range []string{"no-at-sign", "a@b\r\nBcc: all@example.kz", "a b@c", "<a@b>", "a@b@c", "@b", "a@"} {
		m.ID = bad
		if err := sender.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("Send with Message-ID %q = %v, want ErrInvalidMessage", bad, err)
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("server received %d messages, want only the 2 good ones", n)
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	good := mail.SMTPConfig{Host: "smtp.example.kz", From: "noreply@example.kz"}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", good, err)
	}
	for name, mutate := range map[string]func(*mail.SMTPConfig){
		"no host":      func(c *mail.SMTPConfig) { c.Host = "" },
		"bad TLS mode": func(c *mail.SMTPConfig) { c.TLS = "ssl" },
		"bad port":     func(c *mail.SMTPConfig) { c.Port = 70000 },
		"bad From":     func(c *mail.SMTPConfig) { c.From = "ortaq" },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate(%+v) = nil", name, c)
		}
	}
}

// silentServer accepts connections and never says a word.
func silentServer(t *testing.T) mail.SMTPConfig {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "noreply@ortaq.test", TLS: mail.TLSNone}
}

func TestSMTPGivesUp(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		cfg := silentServer(t)
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		err := mail.NewSMTP(cfg).Send(context.Background(), confirmMessage("aliya@example.kz"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v with a 200ms timeout", d)
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		cfg := silentServer(t)
		cfg.Timeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := mail.NewSMTP(cfg).Send(ctx, confirmMessage("aliya@example.kz"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v with a 200ms context", d)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		cfg := silentServer(t)
		// A port that was free a moment ago.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		if err := mail.NewSMTP(cfg).Send(context.Background(), confirmMessage("aliya@example.kz")); err == nil {
			t.Errorf("Send to a closed port succeeded")
		}
	})
}

func TestLogWritesLinkAtInfo(t *testing.T) {
	var buf bytes.Buffer
	sender := mail.NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	m := confirmMessage("aliya@example.kz")

	if err := sender.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log is not one JSON record: %v\n%s", err, buf.Bytes())
	}
	if rec["level"] != "INFO" || rec["to"] != m.To || rec["subject"] != m.Subject || rec["text"] != m.Text {
		t.Errorf("log record = %v, want level INFO and the message", rec)
	}
	// An administrator greps the log for the link.
	if !strings.Contains(buf.String(), confirmLink) {
		t.Errorf("link %q not in the log as written:\n%s", confirmLink, buf.Bytes())
	}

	buf.Reset()
	bad := m
	bad.Subject = "x\r\nBcc: all@example.kz"
	if err := sender.Send(context.Background(), bad); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Errorf("Send(header injection) = %v, want ErrInvalidMessage", err)
	}
	if buf.Len() != 0 {
		t.Errorf("refused message was logged: %s", buf.Bytes())
	}
}

func TestFindLink(t *testing.T) {
	text := "Ашыңыз: https://ortaq.kz/kk/reset?token=abc. Немесе (https://ortaq.kz/ru/reset?token=def), http://x.kz/y\nhttps://ortaq.kz/kk/reset?token=ghi"
	for prefix, want := range map[string]string{
		"https://ortaq.kz/kk/reset?token=": "https://ortaq.kz/kk/reset?token=abc",
		"https://ortaq.kz/ru/":             "https://ortaq.kz/ru/reset?token=def",
		"http://x.kz/":                     "http://x.kz/y",
		"https://elsewhere/":               "",
	} {
		if got := mailtest.FindLink(text, prefix); got != want {
			t.Errorf("FindLink(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func TestWaitForSeesLaterMessage(t *testing.T) {
	srv := mailtest.Start(t)
	sender := mail.NewSMTP(srv.Config())
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = sender.Send(context.Background(), confirmMessage("late@example.kz"))
	}()
	got := srv.WaitFor(t, "LATE@example.kz", 5*time.Second)
	if got.To != "late@example.kz" {
		t.Errorf("To = %q", got.To)
	}
}

// The interface is what other packages depend on.
var (
	_ mail.Sender = (*mail.SMTP)(nil)
	_ mail.Sender = (*mail.Log)(nil)
)
