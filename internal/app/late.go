package app

import (
	"context"

	"github.com/ortaq/ortaq/internal/notify"
)

// lateMessenger is the Telegram bot for a component wired before the bot
// is (orgs): nil when no bot is configured, else a messenger that finds
// the bot when it sends.
func (a *App) lateMessenger() notify.Messenger {
	if a.Cfg.TelegramToken == "" {
		return nil
	}
	return lateBot{a}
}

type lateBot struct{ a *App }

func (l lateBot) SendText(ctx context.Context, userID int64, text string) (bool, error) {
	if m := l.a.messenger(); m != nil {
		return m.SendText(ctx, userID, text)
	}
	return false, nil
}
