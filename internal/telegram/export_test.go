package telegram

import "context"

// For the tests in package telegram_test.

func (b *Bot) Acquire(ctx context.Context) (int64, bool, error) { return b.acquire(ctx) }
func (b *Bot) Release(ctx context.Context) error                { return b.release(ctx) }

func (b *Bot) Holder() string { return b.holder }

// LinkCode spends a code as /start CODE from chat would.
func (b *Bot) LinkCode(ctx context.Context, code string, chat int64) (int64, error) {
	p, err := b.link(ctx, code, chat)
	return p.ID, err
}

var ErrCodeInvalid = errCodeInvalid

// CreateSignup presses "Create my account" in chat's sign-up, as the
// message would.
func (b *Bot) CreateSignup(ctx context.Context, chat int64) error {
	s, ok, _, err := b.loadSignup(ctx, chat)
	if err != nil || !ok {
		return err
	}
	return b.create(ctx, s)
}
