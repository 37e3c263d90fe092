package telegram

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// Signing in on the site from the chat (/signin): an account made in the
// chat has no password and no email, so the chat gives it a one-time link
// to the site. The code is 16 random bytes, stored as a hash, valid
// signinLifetime, spent by one DELETE … RETURNING, and only while the
// chat it was given to is still the account's; the page it opens has a
// button (a POST), so that a link previewer opening it signs nobody in.

// signinLifetime is how long a sign-in link works.
const signinLifetime = 10 * time.Minute

// sendSignin gives the person of a linked chat, whose account was made in
// the chat, a one-time link that signs them in on the site.
func (b *Bot) sendSignin(ctx context.Context, chat int64, lang i18n.Lang) error {
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
		return b.reply(ctx, chat, p.Lang, "telegram.signin.use_password", "url", b.cfg.BaseURL+"/"+string(p.Lang)+"/signin")
	}
	code := base64.RawURLEncoding.EncodeToString(randomBytes(16))
	err = b.db.Write(ctx, func(tx *db.Tx) error {
		// One link at a time: a new one replaces the person's earlier one.
		if _, err := tx.Exec(ctx, "DELETE FROM telegram_signin_codes WHERE user_id = ? OR expires_at <= ?", p.ID, tx.Now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO telegram_signin_codes (code_hash, user_id, chat_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			hashCode(code), p.ID, chat, tx.Now, tx.Now.Add(signinLifetime))
		return err
	})
	if err != nil {
		return fmt.Errorf("telegram: sign-in link: %w", err)
	}
	link := b.cfg.BaseURL + "/" + string(p.Lang) + "/telegram/signin?code=" + url.QueryEscape(code)
	return b.reply(ctx, chat, p.Lang, "telegram.signin.link", "url", link, "minutes", int(signinLifetime.Minutes()))
}

// errSigninInvalid: the link is unknown, used, expired, or its chat is no
// longer the account's.
var errSigninInvalid = errs.New(errs.NotFound, "telegram.signin.invalid")

// spendSignin spends a sign-in code inside tx and returns whose it was.
func spendSignin(ctx context.Context, tx *db.Tx, code string) (int64, error) {
	var userID int64
	err := tx.QueryRow(ctx, `DELETE FROM telegram_signin_codes WHERE code_hash = ? AND expires_at > ?
		AND EXISTS (SELECT 1 FROM telegram_links l WHERE l.user_id = telegram_signin_codes.user_id
			AND l.chat_id = telegram_signin_codes.chat_id)
		RETURNING user_id`, hashCode(code), tx.Now).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errSigninInvalid
	}
	return userID, err
}

// signinPage is the page a sign-in link opens: a button that signs in.
func (h *handlers) signinPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.BeginGuest(w, r); !ok {
		return
	}
	h.srv.Render(w, r, http.StatusOK, "telegram_signin", &web.PageData{Title: h.srv.T(r, "telegram.signin.title"),
		Data: map[string]any{"Code": r.URL.Query().Get("code")}})
}

// signin spends the link's code and signs its person in.
func (h *handlers) signin(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.srv.BeginGuest(w, r); !ok || !h.srv.ParseForm(w, r) {
		return
	}
	if h.b.accounts == nil {
		h.srv.Fail(w, r, errSigninInvalid)
		return
	}
	code := r.PostForm.Get("code")
	token, u, err := h.b.accounts.OpenSession(r.Context(), auth.Client{IP: h.srv.ClientIP(r), UserAgent: r.UserAgent()},
		func(ctx context.Context, tx *db.Tx) (int64, error) { return spendSignin(ctx, tx, code) })
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.SignedInAs(w, r, token, u, "")
}
