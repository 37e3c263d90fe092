package telegram

import (
	"context"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// Now is what is happening now, as the home page shows it: the
// components' NowPanels (open proposal collections, coming meetings,
// results …). The web server gathers them (web.Server.NowPanels).
type Now interface {
	NowPanels(ctx context.Context, rd web.Reader) []web.Panel
}

// nowItems is how many items of each panel /start lists.
const nowItems = 5

// welcome is /start's answer: a greeting (for someone not linked yet, how
// to sign up or link) and what is open now, with links to the pages.
func (b *Bot) welcome(ctx context.Context, chat int64, lang i18n.Lang, p person, linked bool) error {
	pr := b.catalog.Printer(lang)
	var sb strings.Builder
	if linked {
		sb.WriteString(pr.T("telegram.bot.welcome_linked", "site", b.cfg.SiteName, "name", p.Name))
	} else {
		sb.WriteString(pr.T("telegram.bot.welcome", "site", b.cfg.SiteName, "url", b.pageURL(lang)))
	}
	if b.now != nil {
		var u *auth.User
		if linked && b.accounts != nil {
			var err error
			if u, err = b.accounts.UserByID(ctx, p.ID); err != nil {
				return err
			}
		}
		sb.WriteString("\n\n")
		b.writeNow(&sb, b.now.NowPanels(ctx, web.Reader{User: u, Lang: lang, P: pr}), pr, lang)
	}
	return b.send(ctx, chat, sb.String())
}

// writeNow writes the panels as plain text: each panel's title, its items
// with their dates and addresses, and the address of the whole list.
func (b *Bot) writeNow(sb *strings.Builder, panels []web.Panel, pr *i18n.Printer, lang i18n.Lang) {
	shown := false
	for _, p := range panels {
		if len(p.Items) == 0 {
			continue
		}
		if !shown {
			sb.WriteString(pr.T("telegram.bot.now"))
			shown = true
		}
		sb.WriteString("\n\n▸ " + p.Title)
		for i, it := range p.Items {
			if i == nowItems {
				break
			}
			sb.WriteString("\n• " + it.Title)
			if it.Meta != "" {
				sb.WriteString(" — " + it.Meta)
			}
			if it.URL != "" {
				sb.WriteString("\n  " + b.absolute(it.URL))
			}
		}
		if p.More != "" {
			sb.WriteString("\n" + p.MoreText + ": " + b.absolute(p.More))
		}
	}
	if !shown {
		sb.WriteString(pr.T("telegram.bot.now_empty", "url", b.cfg.BaseURL+"/"+string(lang)+"/"))
	}
}

// absolute makes a site path ("/kk/meetings/5") an address to open from
// Telegram.
func (b *Bot) absolute(path string) string {
	if strings.HasPrefix(path, "/") {
		return b.cfg.BaseURL + path
	}
	return path
}
