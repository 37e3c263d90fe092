package app

import (
	"context"
	"errors"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/courses"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/telegram"
)

// chatButtons routes presses of the bot's inline buttons to the component
// whose message carried them, by the data's prefix. The bot is built
// before the components (they send through the outbox, which sends through
// the bot), so the components are looked up when a press comes, after
// wiring is done.
type chatButtons struct{ a *App }

func (c chatButtons) Press(ctx context.Context, u *auth.User, lang i18n.Lang, data string) (string, error) {
	switch {
	case strings.HasPrefix(data, courses.ChatPrefix) && c.a.Courses != nil:
		text, err := c.a.Courses.Press(ctx, u, lang, data)
		if errors.Is(err, courses.ErrUnknownButton) {
			err = telegram.ErrUnknownButton
		}
		return text, err
	}
	return "", telegram.ErrUnknownButton
}
