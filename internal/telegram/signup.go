package telegram

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// Sign-up in the chat (/signup): the bot asks the language, the name, the
// birth date, the region (a keyboard of regions) and, for a minor, the
// guardian's name and email, one question at a time; each answer is
// checked by the accounts service's own rules (auth.CheckSignUp) and asked
// again with the reason when it fails; then it shows the answers and makes
// the account on "Create" (auth.RegisterChat), linking it to the chat in
// the same transaction. The answers so far live in telegram_signups, one
// row per chat, so a restart or another node carries on; a conversation
// left alone for SignupTimeout is forgotten.

// Accounts is what the bot needs from the accounts service (auth.Service).
type Accounts interface {
	CheckSignUp(ctx context.Context, in auth.SignUp, fields ...string) error
	IsMinor(birthDate string) bool
	RegisterChat(ctx context.Context, in auth.SignUp, c auth.Client, link func(ctx context.Context, tx *db.Tx, userID int64) error) (*auth.User, error)
	UserByID(ctx context.Context, id int64) (*auth.User, error)
	DeleteChatAccount(ctx context.Context, userID int64) error
	ExportData(ctx context.Context, u *auth.User) (*auth.Export, error)
	AddExportPart(name string, p auth.ExportPart)
	SetLanguage(ctx context.Context, userID int64, l i18n.Lang) error
	OpenSession(ctx context.Context, c auth.Client, check func(ctx context.Context, tx *db.Tx) (int64, error)) (string, *auth.User, error)
}

// errSignupGone: the conversation ended before its account was made.
var errSignupGone = errors.New("telegram: sign-up already ended")

// The steps of the conversation, in order; each is the question asked.
const (
	stepLang          = "lang"
	stepName          = "name"
	stepBirthDate     = "birth_date"
	stepRegion        = "region"
	stepGuardianName  = "guardian_name"
	stepGuardianEmail = "guardian_email"
	stepConfirm       = "confirm"
	// Not a sign-up's step: /delete waits here for the account holder
	// to confirm (the conversation's row holds only the language).
	stepDelete = "delete"
	// /lang waits here for a linked person's choice of language.
	stepSetLang = "set_lang"
)

// signup is a chat's conversation so far.
type signup struct {
	Chat                                                 int64
	Lang                                                 i18n.Lang
	Step                                                 string
	Name, BirthDate, Region, GuardianName, GuardianEmail string
}

func (s signup) in() auth.SignUp {
	return auth.SignUp{Name: s.Name, BirthDate: s.BirthDate, Region: s.Region, Lang: s.Lang,
		GuardianName: s.GuardianName, GuardianEmail: s.GuardianEmail}
}

// langButtons are the languages offered, each in its own words.
var langButtons = []struct {
	Lang i18n.Lang
	Text string
}{{i18n.KK, "Қазақша"}, {i18n.KKLatn, "Qazaqşa"}, {i18n.RU, "Русский"}, {i18n.EN, "English"}}

// loadSignup returns the chat's conversation. A conversation past its
// time is deleted and reported as expired (with what it was).
func (b *Bot) loadSignup(ctx context.Context, chat int64) (s signup, active, expired bool, err error) {
	var lang string
	var exp db.Time
	err = b.db.QueryRow(ctx, `SELECT lang, step, name, birth_date, region, guardian_name, guardian_email, expires_at
		FROM telegram_signups WHERE chat_id = ?`, chat).Scan(&lang, &s.Step, &s.Name, &s.BirthDate, &s.Region,
		&s.GuardianName, &s.GuardianEmail, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return signup{}, false, false, nil
	}
	if err != nil {
		return signup{}, false, false, fmt.Errorf("telegram: sign-up: %w", err)
	}
	s.Chat, s.Lang = chat, parseLang(lang)
	if !exp.Time.After(b.db.Now()) {
		return s, false, true, b.endSignup(ctx, chat)
	}
	return s, true, false, nil
}

// saveSignup stores the conversation and gives it SignupTimeout more.
func (b *Bot) saveSignup(ctx context.Context, s signup) error {
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO telegram_signups (chat_id, lang, step, name, birth_date, region, guardian_name,
			guardian_email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang, step = excluded.step, name = excluded.name,
			birth_date = excluded.birth_date, region = excluded.region, guardian_name = excluded.guardian_name,
			guardian_email = excluded.guardian_email, expires_at = excluded.expires_at`,
			s.Chat, string(s.Lang), s.Step, s.Name, s.BirthDate, s.Region, s.GuardianName, s.GuardianEmail,
			tx.Now, tx.Now.Add(b.cfg.SignupTimeout))
		return err
	})
	if err != nil {
		return fmt.Errorf("telegram: sign-up: %w", err)
	}
	return nil
}

// endSignup forgets the chat's conversation.
func (b *Bot) endSignup(ctx context.Context, chat int64) error {
	err := b.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM telegram_signups WHERE chat_id = ?", chat)
		return err
	})
	if err != nil {
		return fmt.Errorf("telegram: sign-up: %w", err)
	}
	return nil
}

// purgeSignups deletes the conversations that ended by timing out a
// while ago (SignupTimeout again: until then the chat's next message is
// told that its sign-up timed out), and sign-in links past their time.
// What people typed, a minor's guardian among it, is kept at most twice
// SignupTimeout after the last answer.
func (b *Bot) purgeSignups(ctx context.Context) error {
	return b.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM telegram_signin_codes WHERE expires_at <= ?", tx.Now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM telegram_signups WHERE expires_at <= ?", tx.Now.Add(-b.cfg.SignupTimeout))
		return err
	})
}

// startSignup begins (or begins again) a chat's sign-up; lang is the
// language of the chat's Telegram app, until the person picks one.
func (b *Bot) startSignup(ctx context.Context, chat int64, lang i18n.Lang) error {
	if b.accounts == nil || b.regions == nil {
		return b.reply(ctx, chat, lang, "telegram.bot.welcome", "url", b.pageURL(lang))
	}
	if p, ok, err := b.chatPerson(ctx, chat); err != nil {
		return err
	} else if ok {
		return b.reply(ctx, chat, p.Lang, "telegram.signup.already_linked", "name", p.Name)
	}
	s := signup{Chat: chat, Lang: lang, Step: stepLang}
	if err := b.saveSignup(ctx, s); err != nil {
		return err
	}
	return b.ask(ctx, s, "")
}

// ask sends the question of s's step, after problem (the reason the last
// answer was refused) when there is one.
func (b *Bot) ask(ctx context.Context, s signup, problem string) error {
	p := b.catalog.Printer(s.Lang)
	var text string
	var markup models.ReplyMarkup = &models.ReplyKeyboardRemove{RemoveKeyboard: true}
	switch s.Step {
	case stepLang, stepSetLang:
		text = p.T("telegram.signup.ask_lang", "site", b.cfg.SiteName)
		if s.Step == stepSetLang {
			text = p.T("telegram.lang.ask")
		}
		var row []models.KeyboardButton
		for _, l := range langButtons {
			row = append(row, models.KeyboardButton{Text: l.Text})
		}
		markup = keyboard([][]models.KeyboardButton{row[:2], row[2:]})
	case stepName:
		text = p.T("telegram.signup.ask_name", "site", b.cfg.SiteName)
	case stepBirthDate:
		text = p.T("telegram.signup.ask_birth_date") + " " + p.T("telegram.signup.date_example")
	case stepRegion:
		text = p.T("telegram.signup.ask_region")
		var rows [][]models.KeyboardButton
		for i, o := range b.regions.Options(s.Lang) {
			if i%2 == 0 {
				rows = append(rows, nil)
			}
			rows[len(rows)-1] = append(rows[len(rows)-1], models.KeyboardButton{Text: o.Name})
		}
		markup = keyboard(rows)
	case stepGuardianName:
		text = p.T("telegram.signup.ask_guardian_name", "min", auth.AdultAge)
	case stepGuardianEmail:
		text = p.T("telegram.signup.ask_guardian_email", "name", s.GuardianName)
	case stepDelete:
		text = p.T("telegram.delete.ask", "site", b.cfg.SiteName, "name", s.Name)
		markup = keyboard([][]models.KeyboardButton{{{Text: p.T("telegram.delete.yes")}}, {{Text: p.T("telegram.delete.no")}}})
	case stepConfirm:
		text = b.summary(s)
		markup = keyboard([][]models.KeyboardButton{{{Text: p.T("telegram.signup.create")}}, {{Text: p.T("telegram.signup.restart")}}})
	default:
		return fmt.Errorf("telegram: sign-up: unknown step %q", s.Step)
	}
	if problem != "" {
		text = problem + "\n\n" + text
	}
	return b.sendWith(ctx, s.Chat, text, markup)
}

func keyboard(rows [][]models.KeyboardButton) *models.ReplyKeyboardMarkup {
	return &models.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true, OneTimeKeyboard: true}
}

// summary is "check your answers" before the account is made.
func (b *Bot) summary(s signup) string {
	p := b.catalog.Printer(s.Lang)
	born := s.BirthDate
	if t, err := time.Parse("2006-01-02", s.BirthDate); err == nil {
		born = p.Date(t)
	}
	region := s.Region
	if r, ok := b.regions.Get(s.Region); ok {
		region = r.NameIn(s.Lang)
	}
	text := p.T("telegram.signup.check", "name", s.Name, "birth_date", born, "region", region)
	if s.GuardianEmail != "" {
		text += "\n" + p.T("telegram.signup.check_guardian", "name", s.GuardianName, "email", s.GuardianEmail)
	}
	return text + "\n\n" + p.T("telegram.signup.check_create")
}

// answer takes the person's answer to the question of s's step: a valid
// one moves to the next question, an invalid one is asked again with the
// reason.
func (b *Bot) answer(ctx context.Context, s signup, text string) error {
	p := b.catalog.Printer(s.Lang)
	text = strings.TrimSpace(text)
	var field string // the answer's field in auth.SignUp, checked by the accounts service
	switch s.Step {
	case stepLang:
		l, ok := parseLangButton(text)
		if !ok {
			return b.ask(ctx, s, p.T("telegram.signup.use_buttons"))
		}
		s.Lang, s.Step = l, stepName
		if err := b.saveSignup(ctx, s); err != nil {
			return err
		}
		return b.ask(ctx, s, "")
	case stepName:
		s.Name, field = text, "name"
	case stepBirthDate:
		d, ok := parseDate(text)
		if !ok {
			return b.ask(ctx, s, p.T("validation.invalid_date"))
		}
		s.BirthDate, field = d, "birth_date"
	case stepRegion:
		code, ok := b.matchRegion(text)
		if !ok {
			return b.ask(ctx, s, p.T("telegram.signup.use_buttons"))
		}
		s.Region, field = code, "region"
	case stepGuardianName:
		s.GuardianName, field = text, "guardian_name"
	case stepGuardianEmail:
		s.GuardianEmail, field = text, "guardian_email"
	case stepConfirm:
		switch {
		case strings.EqualFold(text, p.T("telegram.signup.create")):
			return b.create(ctx, s)
		case strings.EqualFold(text, p.T("telegram.signup.restart")):
			s = signup{Chat: s.Chat, Lang: s.Lang, Step: stepName}
			if err := b.saveSignup(ctx, s); err != nil {
				return err
			}
			return b.ask(ctx, s, "")
		}
		return b.ask(ctx, s, p.T("telegram.signup.use_buttons"))
	case stepDelete:
		return b.answerDelete(ctx, s, text)
	case stepSetLang:
		l, ok := parseLangButton(text)
		if !ok {
			return b.ask(ctx, s, p.T("telegram.signup.use_buttons"))
		}
		if err := b.endSignup(ctx, s.Chat); err != nil {
			return err
		}
		person, linked, err := b.chatPerson(ctx, s.Chat)
		if err != nil {
			return err
		}
		if !linked {
			return b.sendWith(ctx, s.Chat, p.T("telegram.bot.not_linked", "url", b.pageURL(s.Lang)), &models.ReplyKeyboardRemove{RemoveKeyboard: true})
		}
		if err := b.accounts.SetLanguage(ctx, person.ID, l); err != nil {
			return err
		}
		return b.sendWith(ctx, s.Chat, b.catalog.Printer(l).T("telegram.lang.done"), &models.ReplyKeyboardRemove{RemoveKeyboard: true})
	default:
		return fmt.Errorf("telegram: sign-up: unknown step %q", s.Step)
	}
	if err := b.accounts.CheckSignUp(ctx, s.in(), field); err != nil {
		msg, ok := b.problem(s.Lang, err)
		if !ok {
			return err
		}
		return b.ask(ctx, s, msg)
	}
	s.Step = b.next(s)
	if err := b.saveSignup(ctx, s); err != nil {
		return err
	}
	return b.ask(ctx, s, "")
}

// next is the step after s.Step, its answer given: a minor is asked for
// the guardian, an adult is not.
func (b *Bot) next(s signup) string {
	switch s.Step {
	case stepName:
		return stepBirthDate
	case stepBirthDate:
		return stepRegion
	case stepRegion:
		if b.accounts.IsMinor(s.BirthDate) {
			return stepGuardianName
		}
		return stepConfirm
	case stepGuardianName:
		return stepGuardianEmail
	}
	return stepConfirm
}

// create makes the account and links it to the chat.
func (b *Bot) create(ctx context.Context, s signup) error {
	p := b.catalog.Printer(s.Lang)
	in := s.in()
	if !b.accounts.IsMinor(in.BirthDate) {
		in.GuardianName, in.GuardianEmail = "", ""
	}
	u, err := b.accounts.RegisterChat(ctx, in, auth.Client{IP: "telegram:" + strconv.FormatInt(s.Chat, 10)},
		func(ctx context.Context, tx *db.Tx, userID int64) error {
			// The conversation ends with its account: one that already
			// ended (made its account, was cancelled) makes none.
			res, err := tx.Exec(ctx, "DELETE FROM telegram_signups WHERE chat_id = ? AND step = ?", s.Chat, stepConfirm)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return cmp.Or(err, errSignupGone)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM telegram_links WHERE chat_id = ?", s.Chat); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, "INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES (?, ?, ?)", userID, s.Chat, tx.Now)
			return err
		})
	if errors.Is(err, errSignupGone) {
		return nil
	}
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		// An answer that was valid when given is not any more (the
		// region list changed, the person turned 18 at midnight): ask it again.
		switch step := e.Fields[0].Name; step {
		case stepName, stepBirthDate, stepRegion, stepGuardianName, stepGuardianEmail:
			s.Step = step
			if err := b.saveSignup(ctx, s); err != nil {
				return err
			}
			msg, _ := b.problem(s.Lang, e)
			return b.ask(ctx, s, msg)
		}
	}
	if err != nil {
		if msg, ok := b.problem(s.Lang, err); ok { // too many emails: the person may try again later
			return b.sendWith(ctx, s.Chat, msg, nil)
		}
		return err
	}
	b.log.Info("telegram: signed up", "user", u.ID)
	text := p.T("telegram.signup.done", "site", b.cfg.SiteName, "name", u.Name)
	if u.GuardianEmail != "" {
		text += "\n\n" + p.T("telegram.signup.done_minor", "email", u.GuardianEmail)
	}
	return b.sendWith(ctx, s.Chat, text, &models.ReplyKeyboardRemove{RemoveKeyboard: true})
}

// problem is a user-facing error in lang (false for an internal error).
func (b *Bot) problem(lang i18n.Lang, err error) (string, bool) {
	e, ok := errs.As(err)
	if !ok {
		return "", false
	}
	p := b.catalog.Printer(lang)
	if len(e.Fields) == 0 {
		return p.T(e.Key, e.Args...), true
	}
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = p.T(f.Key, f.Args...)
	}
	return strings.Join(msgs, " "), true
}

func parseLangButton(text string) (i18n.Lang, bool) {
	for _, l := range langButtons {
		if strings.EqualFold(text, l.Text) {
			return l.Lang, true
		}
	}
	return i18n.Parse(text)
}

var (
	dmy = regexp.MustCompile(`^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$`)
	ymd = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// parseDate reads a date as people in Kazakhstan write it (25.03.2008,
// 25/3/2008) or as ISO (2008-03-25), and gives it as YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	var d, m, y int
	if g := dmy.FindStringSubmatch(s); g != nil {
		d, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		y, _ = strconv.Atoi(g[3])
	} else if g := ymd.FindStringSubmatch(s); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
	} else {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m { // 31.02 is not a day
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// matchRegion finds the region named by an answer: a button's text in any
// language or script, however spelled (kazakh.Fold), or a region's code.
func (b *Bot) matchRegion(text string) (string, bool) {
	key := kazakh.Fold(text)
	if key == "" {
		return "", false
	}
	for _, o := range b.regions.Options(i18n.KK) {
		if strings.EqualFold(text, o.Code) {
			return o.Code, true
		}
		r, _ := b.regions.Get(o.Code)
		for _, l := range i18n.Langs {
			if kazakh.Fold(r.NameIn(l)) == key {
				return o.Code, true
			}
		}
	}
	return "", false
}
