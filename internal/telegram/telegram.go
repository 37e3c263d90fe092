// Package telegram is Ortaq's Telegram bot: a person links their account
// to a chat with a one-time code (a deep link from /{lang}/telegram), the
// bot answers /start, /help and /stop in the person's language, and other
// components write to a linked person with SendText.
//
// Any node sends; exactly one node at a time polls the Bot API for updates
// (getUpdates from two places conflicts), chosen by a lease in the
// database. See docs/decisions/0060-telegram.md.
package telegram

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/regions"
)

// Config is what the bot needs from the configuration.
type Config struct {
	Token    string // empty: the bot is off
	APIURL   string // Bot API address; empty: https://api.telegram.org
	BaseURL  string // this installation's public address, for links in replies
	SiteName string

	// Tuning; zero values take the defaults. Tests shorten them.
	PollTimeout  time.Duration // how long one getUpdates waits for news (default 50s)
	LeaseTTL     time.Duration // how long a poller's lease lasts unless renewed (default 30s)
	CodeLifetime time.Duration // how long a link code works (default 30 min)
	// SignupTimeout is how long a sign-up in the chat waits for the next
	// answer before it is forgotten (default 1 hour).
	SignupTimeout time.Duration
}

// Bot is the Telegram side of Ortaq. A nil *Bot, or one without a token,
// is a bot that is off: SendText reports false and Run returns at once.
type Bot struct {
	cfg     Config
	db      *db.DB
	catalog *i18n.Catalog
	log     *slog.Logger
	api     *bot.Bot // sends; never polls
	// For sign-up in the chat and /start's list; nil in tests of linking.
	accounts Accounts
	regions  *regions.List
	now      Now
	presses  Presses // answers presses of inline buttons; nil: none
	holder   string  // this node's name in the poller lease

	mu       sync.Mutex
	username string    // the bot's @name, from getMe, once known
	paceNext time.Time // when this node may send its next message (see pace)
}

// sendEvery paces the bot's messages on a node: the Bot API takes about
// 30 a second from one bot and answers more with 429 (which callers that
// store their messages retry later).
const sendEvery = 40 * time.Millisecond

// pace waits for this node's next slot for a message.
func (b *Bot) pace(ctx context.Context) error {
	b.mu.Lock()
	now := time.Now()
	at := now
	if b.paceNext.After(now) {
		at = b.paceNext
	}
	b.paceNext = at.Add(sendEvery)
	b.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Deps are what the bot needs: its configuration and the core.
type Deps struct {
	Config
	DB      *db.DB
	Catalog *i18n.Catalog
	Log     *slog.Logger
	Auth    Accounts      // sign-up in the chat; nil: /signup is off
	Regions *regions.List // the sign-up's keyboard of regions
	Now     Now           // what /start lists as open now; nil: nothing
	Presses Presses       // presses of the inline buttons under components' messages; nil: none
}

// New builds the bot. It does not contact Telegram: the bot's name is
// asked for when first needed, so a node starts even when Telegram is
// unreachable. It fails only on a malformed token.
func New(deps Deps) (*Bot, error) {
	cfg, d, c, log := deps.Config, deps.DB, deps.Catalog, deps.Log
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.CodeLifetime <= 0 {
		cfg.CodeLifetime = 30 * time.Minute
	}
	if cfg.SignupTimeout <= 0 {
		cfg.SignupTimeout = time.Hour
	}
	b := &Bot{cfg: cfg, db: d, catalog: c, log: log, accounts: deps.Auth, regions: deps.Regions, now: deps.Now, presses: deps.Presses}
	if cfg.Token == "" {
		return b, nil
	}
	host, _ := os.Hostname()
	b.holder = fmt.Sprintf("%s-%x", host, randomBytes(6))
	var err error
	b.api, err = bot.New(cfg.Token, b.options(bot.WithSkipGetMe())...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return b, nil
}

// options are the library options every client of ours uses.
func (b *Bot) options(more ...bot.Option) []bot.Option {
	client := &http.Client{Timeout: b.cfg.PollTimeout + 15*time.Second}
	return append([]bot.Option{
		bot.WithServerURL(b.cfg.APIURL),
		bot.WithHTTPClient(b.cfg.PollTimeout, client),
		bot.WithErrorsHandler(func(err error) { b.log.Warn("telegram", "err", err) }),
	}, more...)
}

// Enabled reports whether a token is configured.
func (b *Bot) Enabled() bool { return b != nil && b.api != nil }

// Username returns the bot's @name (without the @), asking Telegram once.
func (b *Bot) Username(ctx context.Context) (string, error) {
	if !b.Enabled() {
		return "", errors.New("telegram: the bot is off")
	}
	b.mu.Lock()
	name := b.username
	b.mu.Unlock()
	if name != "" {
		return name, nil
	}
	defer db.Elsewhere(ctx)()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	me, err := b.api.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("telegram: getMe: %w", err)
	}
	if me.Username == "" {
		return "", errors.New("telegram: getMe: the bot has no username")
	}
	b.mu.Lock()
	b.username = me.Username
	b.mu.Unlock()
	return me.Username, nil
}

// maxText is the longest message Telegram accepts, in characters.
const maxText = 4096

// SendText writes text (plain, no markup) to the person's linked chat. It
// returns false, and no error, when there is nothing to send to: the bot
// is off, the person has no linked chat, or they blocked the bot (which
// also removes the link, as it can never work again).
func (b *Bot) SendText(ctx context.Context, userID int64, text string) (bool, error) {
	if !b.Enabled() {
		return false, nil
	}
	l, ok, err := b.LinkOf(ctx, userID)
	if err != nil || !ok {
		return false, err
	}
	err = b.send(ctx, l.ChatID, text)
	if errors.Is(err, bot.ErrorForbidden) {
		b.log.Info("telegram: chat no longer reachable; unlinked", "user", userID, "err", err)
		if _, _, err := b.unlinkChat(ctx, l.ChatID); err != nil {
			return false, err
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

func (b *Bot) send(ctx context.Context, chatID int64, text string) error {
	return b.sendWith(ctx, chatID, text, nil)
}

// sendWith sends text with a keyboard to answer with (or one removed);
// markup nil leaves the chat's keyboard as it is.
func (b *Bot) sendWith(ctx context.Context, chatID int64, text string, markup models.ReplyMarkup) error {
	if utf8.RuneCountInString(text) > maxText {
		r := []rune(text)
		text = string(r[:maxText-1]) + "…"
	}
	defer db.Elsewhere(ctx)() // a request does not keep its place to read while Telegram answers
	if err := b.pace(ctx); err != nil {
		return fmt.Errorf("telegram: send: %w", err)
	}
	if _, err := b.api.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text, ReplyMarkup: markup}); err != nil {
		return fmt.Errorf("telegram: send: %w", err)
	}
	return nil
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	_, _ = rand.Read(p) // never fails (crypto/rand since Go 1.24)
	return p
}
