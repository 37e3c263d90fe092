package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
)

// What a person does with their account from its chat: /delete, /mydata
// and /lang. An account made in the chat has no password and no email, so
// the profile page's deletion and download are out of its reach; the chat
// is its key. An account with a password keeps using the profile.

// startDelete asks the person of a linked chat to confirm deleting their
// account (/delete). Only an account made in the chat is deleted here: one
// with a password is deleted from the profile, with the password.
func (b *Bot) startDelete(ctx context.Context, chat int64, lang i18n.Lang) error {
	p, ok, err := b.chatPerson(ctx, chat)
	if err != nil {
		return err
	}
	if !ok || b.accounts == nil {
		return b.reply(ctx, chat, lang, "telegram.bot.not_linked", "url", b.pageURL(lang))
	}
	if has, err := b.hasPassword(ctx, p.ID); err != nil || has {
		if err != nil {
			return err
		}
		return b.reply(ctx, chat, p.Lang, "telegram.delete.use_site", "url", b.cfg.BaseURL+"/"+string(p.Lang)+"/profile")
	}
	s := signup{Chat: chat, Lang: p.Lang, Step: stepDelete, Name: p.Name}
	if err := b.saveSignup(ctx, s); err != nil {
		return err
	}
	return b.ask(ctx, s, "")
}

// answerDelete takes the answer to "delete your account?".
func (b *Bot) answerDelete(ctx context.Context, s signup, text string) error {
	pr := b.catalog.Printer(s.Lang)
	done := &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	switch {
	case strings.EqualFold(text, pr.T("telegram.delete.no")):
		if err := b.endSignup(ctx, s.Chat); err != nil {
			return err
		}
		return b.sendWith(ctx, s.Chat, pr.T("telegram.delete.kept"), done)
	case !strings.EqualFold(text, pr.T("telegram.delete.yes")):
		return b.ask(ctx, s, pr.T("telegram.signup.use_buttons"))
	}
	if err := b.endSignup(ctx, s.Chat); err != nil {
		return err
	}
	// The person is the chat's now, not whoever it was when /delete was sent.
	p, ok, err := b.chatPerson(ctx, s.Chat)
	if err != nil {
		return err
	}
	if !ok {
		return b.sendWith(ctx, s.Chat, pr.T("telegram.bot.not_linked", "url", b.pageURL(s.Lang)), done)
	}
	err = b.accounts.DeleteChatAccount(ctx, p.ID)
	if errors.Is(err, auth.ErrHasPassword) {
		return b.sendWith(ctx, s.Chat, pr.T("telegram.delete.use_site", "url", b.cfg.BaseURL+"/"+string(s.Lang)+"/profile"), done)
	}
	if err != nil {
		return err
	}
	b.log.Info("telegram: account deleted from its chat", "user", p.ID)
	return b.sendWith(ctx, s.Chat, pr.T("telegram.delete.done", "site", b.cfg.SiteName), done)
}

// hasPassword reports whether the person has a password: an account made
// on the web (or given one since), which the profile page deletes and
// exports, with the password or a session. An account made in the chat
// has none, and its chat is the only key to it.
func (b *Bot) hasPassword(ctx context.Context, userID int64) (bool, error) {
	var has bool
	if err := b.db.QueryRow(ctx, "SELECT password_hash IS NOT NULL FROM users WHERE id = ?", userID).Scan(&has); err != nil {
		return false, fmt.Errorf("telegram: password of %d: %w", userID, err)
	}
	return has, nil
}

// sendExport sends the person of a linked chat, made in the chat, their
// data download (/mydata): the profile page's JSON, as a file.
func (b *Bot) sendExport(ctx context.Context, chat int64, lang i18n.Lang) error {
	p, ok, err := b.chatPerson(ctx, chat)
	if err != nil {
		return err
	}
	if !ok || b.accounts == nil {
		return b.reply(ctx, chat, lang, "telegram.bot.not_linked", "url", b.pageURL(lang))
	}
	if has, err := b.hasPassword(ctx, p.ID); err != nil || has {
		if err != nil {
			return err
		}
		return b.reply(ctx, chat, p.Lang, "telegram.export.use_site", "url", b.cfg.BaseURL+"/"+string(p.Lang)+"/profile")
	}
	u, err := b.accounts.UserByID(ctx, p.ID)
	if err != nil {
		return err
	}
	e, err := b.accounts.ExportData(ctx, u)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("telegram: export: %w", err)
	}
	if err := b.pace(ctx); err != nil {
		return err
	}
	_, err = b.api.SendDocument(ctx, &bot.SendDocumentParams{ChatID: chat, Caption: b.catalog.Printer(p.Lang).T("telegram.export.caption", "site", b.cfg.SiteName),
		Document: &models.InputFileUpload{Filename: "ortaq-my-data.json", Data: bytes.NewReader(data)}})
	if err != nil {
		return fmt.Errorf("telegram: export: %w", err)
	}
	return nil
}

// startSetLang asks a linked person which language the bot (and the site)
// should use with them (/lang).
func (b *Bot) startSetLang(ctx context.Context, chat int64, lang i18n.Lang) error {
	p, ok, err := b.chatPerson(ctx, chat)
	if err != nil {
		return err
	}
	if !ok || b.accounts == nil {
		return b.reply(ctx, chat, lang, "telegram.bot.not_linked", "url", b.pageURL(lang))
	}
	s := signup{Chat: chat, Lang: p.Lang, Step: stepSetLang}
	if err := b.saveSignup(ctx, s); err != nil {
		return err
	}
	return b.ask(ctx, s, "")
}
