package telegram

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Run polls Telegram for updates and answers them until ctx ends, while
// this node holds the poller lease; otherwise it waits and tries again,
// so that when the polling node stops another takes over within a lease
// lifetime. It returns at once when the bot is off.
func (b *Bot) Run(ctx context.Context) {
	if !b.Enabled() {
		return
	}
	retry := time.NewTicker(b.cfg.LeaseTTL / 3)
	defer retry.Stop()
	for {
		offset, ok, err := b.acquire(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("telegram: poller lease", "err", err)
		}
		if ok {
			b.log.Info("telegram: polling for updates", "node", b.holder)
			b.poll(ctx, offset)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := b.release(rctx); err != nil {
				b.log.Warn("telegram: release poller lease", "err", err)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
		}
	}
}

// poll runs the library's long-polling loop while the lease is renewed;
// it returns when ctx ends or the lease is lost.
func (b *Bot) poll(ctx context.Context, offset int64) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	poller, err := bot.New(b.cfg.Token, b.options(
		bot.WithSkipGetMe(),
		bot.WithInitialOffset(offset),
		bot.WithAllowedUpdates(bot.AllowedUpdates{"message", "callback_query"}),
		// One update at a time, in order, handed over only when the last
		// is done: a node that stops loses at most the update in hand.
		bot.WithNotAsyncHandlers(),
		bot.WithWorkers(1),
		bot.WithUpdatesChannelCap(0),
		bot.WithDefaultHandler(b.handle),
	)...)
	if err != nil {
		b.log.Error("telegram: poller", "err", err)
		return
	}
	// getUpdates does not work while a webhook is set.
	if _, err := poller.DeleteWebhook(pctx, &bot.DeleteWebhookParams{}); err != nil && pctx.Err() == nil {
		b.log.Warn("telegram: deleteWebhook", "err", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		poller.Start(pctx)
	}()
	renew := time.NewTicker(b.cfg.LeaseTTL / 3)
	defer renew.Stop()
	for {
		select {
		case <-done:
			return
		case <-renew.C:
			_, ok, err := b.acquire(pctx)
			if err != nil || !ok {
				if pctx.Err() == nil {
					b.log.Warn("telegram: poller lease lost; stopping", "err", err)
				}
				cancel()
				<-done
				return
			}
		}
	}
}

// acquire takes or renews the poller lease for this node and returns the
// last update handled. The lease is free when nobody holds it or its
// holder let it expire.
func (b *Bot) acquire(ctx context.Context) (offset int64, ok bool, err error) {
	err = b.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE telegram_poller SET holder = ?, expires_at = ?
			WHERE id = 1 AND (holder = ? OR holder = '' OR expires_at IS NULL OR expires_at < ?) RETURNING last_update_id`,
			b.holder, tx.Now.Add(b.cfg.LeaseTTL), b.holder, tx.Now).Scan(&offset)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("telegram: lease: %w", err)
	}
	return offset, ok, nil
}

// release gives the lease up, so that another node takes over at once.
func (b *Bot) release(ctx context.Context) error {
	return b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE telegram_poller SET holder = '', expires_at = NULL WHERE id = 1 AND holder = ?", b.holder)
		return err
	})
}

// handle answers one update and records it as handled.
func (b *Bot) handle(ctx context.Context, _ *bot.Bot, upd *models.Update) {
	if err := b.process(ctx, upd); err != nil && ctx.Err() == nil {
		b.log.Error("telegram: update", "update", upd.ID, "err", err)
	}
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE telegram_poller SET last_update_id = ? WHERE id = 1 AND holder = ? AND last_update_id < ?",
			upd.ID, b.holder, upd.ID)
		return err
	})
	if err != nil && ctx.Err() == nil {
		b.log.Warn("telegram: record update", "err", err)
	}
}

// process answers a press of an inline button (buttons.go), or a message: the commands /start [code], /signup,
// /cancel, /help, /stop, /lang, /signin, /delete and /mydata, and the answers of a sign-up (or a
// deletion) in progress.
func (b *Bot) process(ctx context.Context, upd *models.Update) error {
	if cq := upd.CallbackQuery; cq != nil && !cq.From.IsBot {
		return b.press(ctx, cq)
	}
	m := upd.Message
	if m == nil || m.From == nil || m.From.IsBot {
		return nil
	}
	fields := strings.Fields(m.Text)
	if len(fields) == 0 {
		return nil
	}
	cmd := ""
	if strings.HasPrefix(fields[0], "/") {
		cmd, _, _ = strings.Cut(strings.ToLower(fields[0]), "@") // "/start@ortaq_bot" in groups
	}
	chat := m.Chat.ID
	// The language of someone not linked yet: their Telegram's.
	lang := i18n.Negotiate(m.From.LanguageCode)
	if m.Chat.Type != models.ChatTypePrivate {
		if cmd != "" {
			return b.reply(ctx, chat, lang, "telegram.bot.private_only")
		}
		return nil
	}
	// A conversation left alone too long is over: its answers are
	// deleted, and an answer to it is told so.
	su, signingUp, expired, err := b.loadSignup(ctx, chat)
	if err != nil {
		return err
	}
	if err := b.purgeSignups(ctx); err != nil {
		return err
	}
	if signingUp {
		lang = su.Lang
	}
	switch {
	case cmd == "/start" && len(fields) > 1:
		p, err := b.link(ctx, fields[1], chat)
		if errors.Is(err, errCodeInvalid) {
			return b.reply(ctx, chat, lang, "telegram.bot.code_invalid", "url", b.pageURL(lang))
		}
		if err != nil {
			return err
		}
		b.log.Info("telegram: linked", "user", p.ID)
		if signingUp { // linked to an account they had: no new one
			if err := b.endSignup(ctx, chat); err != nil {
				return err
			}
		}
		return b.reply(ctx, chat, p.Lang, "telegram.bot.linked", "name", p.Name)
	case cmd == "/stop":
		p, found, err := b.unlinkChat(ctx, chat)
		if err != nil {
			return err
		}
		if !found {
			return b.reply(ctx, chat, lang, "telegram.bot.not_linked", "url", b.pageURL(lang))
		}
		b.log.Info("telegram: unlinked by /stop", "user", p.ID)
		return b.reply(ctx, chat, p.Lang, "telegram.bot.stopped", "url", b.pageURL(p.Lang))
	case cmd == "/signup":
		return b.startSignup(ctx, chat, lang)
	case cmd == "/delete":
		return b.startDelete(ctx, chat, lang)
	case cmd == "/mydata":
		return b.sendExport(ctx, chat, lang)
	case cmd == "/lang":
		return b.startSetLang(ctx, chat, lang)
	case cmd == "/signin":
		return b.sendSignin(ctx, chat, lang)
	case cmd == "/cancel":
		if !signingUp {
			return b.reply(ctx, chat, lang, "telegram.signup.nothing_to_cancel")
		}
		if err := b.endSignup(ctx, chat); err != nil {
			return err
		}
		key := "telegram.signup.cancelled"
		switch su.Step {
		case stepDelete:
			key = "telegram.delete.kept"
		case stepSetLang:
			key = "telegram.lang.kept"
		}
		return b.sendWith(ctx, chat, b.catalog.Printer(lang).T(key), &models.ReplyKeyboardRemove{RemoveKeyboard: true})
	case cmd == "" && signingUp:
		return b.answer(ctx, su, m.Text)
	}
	// The rest is answered in the language of the chat's person, if any.
	p, linked, err := b.chatPerson(ctx, chat)
	if err != nil {
		return err
	}
	if linked {
		lang = p.Lang
	}
	switch cmd {
	case "/start":
		return b.welcome(ctx, chat, lang, p, linked)
	case "/help":
		return b.reply(ctx, chat, lang, "telegram.bot.help", "url", b.cfg.BaseURL+"/"+string(lang)+"/")
	case "":
		if expired && su.Step != stepDelete && su.Step != stepSetLang {
			return b.reply(ctx, chat, lang, "telegram.signup.timed_out", "minutes", int(b.cfg.SignupTimeout.Minutes()))
		}
	}
	return b.reply(ctx, chat, lang, "telegram.bot.unknown")
}

func (b *Bot) reply(ctx context.Context, chat int64, lang i18n.Lang, key string, args ...any) error {
	args = append(args, "site", b.cfg.SiteName)
	return b.send(ctx, chat, b.catalog.Printer(lang).T(key, args...))
}

// pageURL is the address of the linking page in lang.
func (b *Bot) pageURL(lang i18n.Lang) string {
	return b.cfg.BaseURL + "/" + string(lang) + "/telegram"
}
