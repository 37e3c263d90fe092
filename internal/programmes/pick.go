package programmes

import (
	"context"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

// programmePicker lets forms name a programme by typing its title
// (web.Pick, kind "programme"): a meeting held within a programme. It
// offers the programmes of organizations the person organizes for (an
// administrator or moderator grant reaching them; all for platform
// admins), matched in any language and script.
type programmePicker struct{ s *Service }

func (pp programmePicker) Choices(ctx context.Context, u *auth.User, pr *i18n.Printer, q string, limit int) ([]web.Choice, error) {
	if u == nil || u.Deleted || u.Limited() {
		return nil, nil
	}
	where := "WHERE (? OR EXISTS (SELECT 1 FROM role_grants g JOIN organizations go ON go.id = g.org_id WHERE g.user_id = ? AND g.role IN ('admin', 'moderator') AND substr(o.path, 1, length(go.path)) = go.path))"
	list, err := pp.s.list(ctx, where, u.IsAdmin, u.ID)
	if err != nil {
		return nil, err
	}
	want := kazakh.Fold(q)
	var out []web.Choice
	for _, p := range list {
		if want == "" || !strings.Contains(kazakh.Fold(p.Title.KK+" "+p.Title.RU+" "+p.Title.EN), want) {
			continue
		}
		out = append(out, choiceOf(pr, p))
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func (pp programmePicker) Chosen(ctx context.Context, pr *i18n.Printer, id int64) (web.Choice, error) {
	p, err := pp.s.Get(ctx, id)
	if err != nil {
		return web.Choice{}, err
	}
	return choiceOf(pr, p.Summary), nil
}

func choiceOf(pr *i18n.Printer, p Summary) web.Choice {
	return web.Choice{ID: p.ID, Name: p.Title.In(pr.Lang()), Meta: p.OrgName.In(pr.Lang())}
}
