package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/outbox"
)

// Inline buttons: a component's message through the outbox may carry
// buttons (outbox.Message.Buttons); the bot shows them under the message
// and hands a press to Presses, which routes it by the data's prefix to
// the component that sent it. The person pressing is the chat's linked
// person, never anyone the data names: the data only says what was
// answered (a course's offer), and the component's service decides, with
// its own permission checks, as for the same act on the web.

// Presses answers a press of an inline button for u, the chat's linked
// person: the text to tell them, in lang. An *errs.Error is a refusal,
// told in their language; ErrUnknownButton: the data is no button of
// Ortaq's (an old or a forged one).
type Presses interface {
	Press(ctx context.Context, u *auth.User, lang i18n.Lang, data string) (string, error)
}

// ErrUnknownButton is Presses' answer to data it does not know.
var ErrUnknownButton = errors.New("telegram: unknown button")

// SendButtons writes text to the person's linked chat with buttons under
// it, one row; like SendText, false and no error when there is no chat to
// write to.
func (b *Bot) SendButtons(ctx context.Context, userID int64, text string, buttons []outbox.Button) (bool, error) {
	if !b.Enabled() {
		return false, nil
	}
	l, ok, err := b.LinkOf(ctx, userID)
	if err != nil || !ok {
		return false, err
	}
	row := make([]models.InlineKeyboardButton, 0, len(buttons))
	for _, bt := range buttons {
		row = append(row, models.InlineKeyboardButton{Text: bt.Text, CallbackData: bt.Data})
	}
	err = b.sendWith(ctx, l.ChatID, text, &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}})
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

// press answers a press of an inline button: the spinner on the button
// stops with a short answer, the chat is told the outcome, and the buttons
// go from the message once it is answered (accepted, declined, or refused
// for good: they can do nothing more).
func (b *Bot) press(ctx context.Context, cq *models.CallbackQuery) error {
	chat, msgID := cq.From.ID, 0
	if m := cq.Message.Message; m != nil {
		chat, msgID = m.Chat.ID, m.ID
	} else if m := cq.Message.InaccessibleMessage; m != nil {
		chat, msgID = m.Chat.ID, m.MessageID
	}
	lang := i18n.Negotiate(cq.From.LanguageCode)
	p, linked, err := b.chatPerson(ctx, chat)
	if err != nil {
		return err
	}
	var text string
	final := true
	switch {
	case !linked || b.accounts == nil:
		text = b.catalog.Printer(lang).T("telegram.bot.not_linked", "url", b.pageURL(lang))
	case b.presses == nil:
		text = b.catalog.Printer(p.Lang).T("telegram.button.unknown")
	default:
		lang = p.Lang
		pr := b.catalog.Printer(lang)
		u, uerr := b.accounts.UserByID(ctx, p.ID)
		if uerr != nil {
			return uerr
		}
		text, err = b.presses.Press(ctx, u, lang, cq.Data)
		if e, ok := errs.As(err); ok {
			text, err = pr.T(e.Key, e.Args...), nil
		} else if errors.Is(err, ErrUnknownButton) {
			text, err = pr.T("telegram.button.unknown"), nil
		}
		if err != nil {
			// Not answered: the buttons stay for another try, and the
			// person is told something went wrong.
			final = false
			text = pr.T("telegram.button.failed")
		}
	}
	if _, aerr := b.api.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: cut(text, 200)}); aerr != nil {
		b.log.Warn("telegram: answerCallbackQuery", "err", aerr)
	}
	if final && msgID != 0 {
		if _, eerr := b.api.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: msgID,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}); eerr != nil {
			b.log.Warn("telegram: editMessageReplyMarkup", "err", eerr)
		}
	}
	if serr := b.send(ctx, chat, text); serr != nil {
		return serr
	}
	if err != nil {
		return fmt.Errorf("telegram: press %q: %w", cq.Data, err)
	}
	return nil
}

// cut shortens s to n characters (a callback answer's limit is 200).
func cut(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
