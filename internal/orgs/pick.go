package orgs

import (
	"context"
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// orgPicker lets forms name an organization by typing its name (web.Pick):
// it offers the organizations the person organizes for (an administrator
// or moderator grant reaching them; every one for platform admins).
type orgPicker struct {
	h   *Handler
	any bool // every active organization (a member organization), not only those u organizes for
}

// Choices finds active organizations named like q that u organizes for
// (any active one for the "org-any" picker).
func (p orgPicker) Choices(ctx context.Context, u *auth.User, pr *i18n.Printer, q string, limit int) ([]web.Choice, error) {
	if u == nil || u.Deleted || u.Limited() {
		return nil, nil
	}
	var paths []string
	if !u.IsAdmin && !p.any {
		rows, err := p.h.svc.db.Query(ctx, `SELECT o.path FROM role_grants g JOIN organizations o ON o.id = g.org_id
			WHERE g.user_id = ? AND g.role IN ('admin', 'moderator')`, u.ID)
		if err != nil {
			return nil, fmt.Errorf("orgs: pick: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var path string
			if err := rows.Scan(&path); err != nil {
				return nil, err
			}
			paths = append(paths, path)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, nil
		}
	}
	list, _, err := p.h.svc.List(ctx, Filter{Q: q, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []web.Choice
	for _, o := range list {
		ok := u.IsAdmin || p.any
		for _, path := range paths {
			ok = ok || strings.HasPrefix(o.Path, path)
		}
		if ok {
			out = append(out, p.choice(pr, o))
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Chosen names the organization id.
func (p orgPicker) Chosen(ctx context.Context, pr *i18n.Printer, id int64) (web.Choice, error) {
	o, err := p.h.svc.Get(ctx, id)
	if err != nil {
		return web.Choice{}, err
	}
	return p.choice(pr, o), nil
}

func (p orgPicker) choice(pr *i18n.Printer, o *Org) web.Choice {
	meta := pr.T("orgs.kind." + o.Kind)
	if place := p.h.place(pr.Lang(), o.Region, o.District); place != "" {
		meta += " · " + place
	}
	return web.Choice{ID: o.ID, Name: o.Name.In(pr.Lang()), Meta: meta}
}
