package telegram

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
)

// Link is a person's linked chat.
type Link struct {
	ChatID   int64
	LinkedAt time.Time
}

// person is who a chat belongs to, as the bot needs it to answer.
type person struct {
	ID   int64
	Name string
	Lang i18n.Lang
}

// errCodeInvalid: the code is unknown, used or expired.
var errCodeInvalid = errors.New("telegram: link code invalid")

// NewCode makes a one-time link code for the person, replacing any earlier
// one. The code is 22 characters of base64url, which a deep link's start
// parameter allows; only its hash is stored.
func (b *Bot) NewCode(ctx context.Context, userID int64) (code string, expires time.Time, err error) {
	code = base64.RawURLEncoding.EncodeToString(randomBytes(16))
	err = b.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM telegram_link_codes WHERE user_id = ? OR expires_at <= ?", userID, tx.Now); err != nil {
			return err
		}
		expires = tx.Now.Add(b.cfg.CodeLifetime)
		_, err := tx.Exec(ctx, "INSERT INTO telegram_link_codes (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			hashCode(code), userID, tx.Now, expires)
		return err
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("telegram: new code: %w", err)
	}
	return code, expires, nil
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// link spends a code: the chat becomes the person's (replacing the
// person's earlier chat, and the chat's earlier person). The code is
// consumed by one atomic DELETE, so it works once however many try.
func (b *Bot) link(ctx context.Context, code string, chatID int64) (person, error) {
	var p person
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "DELETE FROM telegram_link_codes WHERE code_hash = ? AND expires_at > ? RETURNING user_id",
			hashCode(code), tx.Now).Scan(&p.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errCodeInvalid
		}
		if err != nil {
			return err
		}
		var lang string
		err = tx.QueryRow(ctx, "SELECT name, lang FROM users WHERE id = ? AND deleted_at IS NULL", p.ID).Scan(&p.Name, &lang)
		if errors.Is(err, sql.ErrNoRows) {
			return errCodeInvalid
		}
		if err != nil {
			return err
		}
		p.Lang = parseLang(lang)
		if _, err := tx.Exec(ctx, "DELETE FROM telegram_link_codes WHERE user_id = ?", p.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM telegram_links WHERE user_id = ? OR chat_id = ?", p.ID, chatID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES (?, ?, ?)", p.ID, chatID, tx.Now)
		return err
	})
	if err != nil && !errors.Is(err, errCodeInvalid) {
		err = fmt.Errorf("telegram: link: %w", err)
	}
	return p, err
}

// LinkOf returns the person's linked chat; ok is false when there is none.
func (b *Bot) LinkOf(ctx context.Context, userID int64) (l Link, ok bool, err error) {
	var at db.Time
	err = b.db.QueryRow(ctx, `SELECT l.chat_id, l.linked_at FROM telegram_links l JOIN users u ON u.id = l.user_id
		WHERE l.user_id = ? AND u.deleted_at IS NULL`, userID).Scan(&l.ChatID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, false, nil
	}
	if err != nil {
		return Link{}, false, fmt.Errorf("telegram: link of %d: %w", userID, err)
	}
	l.LinkedAt = at.Time
	return l, true, nil
}

// Unlink removes the person's link (from the web page); it reports
// whether there was one.
func (b *Bot) Unlink(ctx context.Context, userID int64) (bool, error) {
	var n int64
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM telegram_links WHERE user_id = ?", userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("telegram: unlink: %w", err)
	}
	return n > 0, nil
}

// unlinkChat removes the link of a chat (/stop, or a chat that blocked
// the bot) and returns whose it was.
func (b *Bot) unlinkChat(ctx context.Context, chatID int64) (person, bool, error) {
	var p person
	found := false
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "DELETE FROM telegram_links WHERE chat_id = ? RETURNING user_id", chatID).Scan(&p.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		var lang string
		if err := tx.QueryRow(ctx, "SELECT name, lang FROM users WHERE id = ?", p.ID).Scan(&p.Name, &lang); err != nil {
			return err
		}
		p.Lang = parseLang(lang)
		return nil
	})
	if err != nil {
		return person{}, false, fmt.Errorf("telegram: unlink chat: %w", err)
	}
	return p, found, nil
}

// chatPerson returns the person a chat is linked to.
func (b *Bot) chatPerson(ctx context.Context, chatID int64) (person, bool, error) {
	var p person
	var lang string
	err := b.db.QueryRow(ctx, `SELECT u.id, u.name, u.lang FROM telegram_links l JOIN users u ON u.id = l.user_id
		WHERE l.chat_id = ? AND u.deleted_at IS NULL`, chatID).Scan(&p.ID, &p.Name, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return person{}, false, nil
	}
	if err != nil {
		return person{}, false, fmt.Errorf("telegram: chat person: %w", err)
	}
	p.Lang = parseLang(lang)
	return p, true, nil
}

// Export is the person's Telegram data for their data download (nil when
// they have no link).
func (b *Bot) Export(ctx context.Context, userID int64) (map[string]any, error) {
	l, ok, err := b.LinkOf(ctx, userID)
	if err != nil || !ok {
		return nil, err
	}
	return map[string]any{"chat_id": l.ChatID, "linked_at": l.LinkedAt}, nil
}

func parseLang(s string) i18n.Lang {
	if l, ok := i18n.Parse(s); ok {
		return l
	}
	return i18n.KK
}
