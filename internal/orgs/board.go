package orgs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// MePanels is what the registry offers a person's home (/{lang}/me): their
// organizations with their roles, the organizations they run, and the
// invitations waiting for their answer.
func (s *Service) MePanels(ctx context.Context, rd web.Reader) ([]web.Panel, error) {
	u := rd.User
	if u == nil {
		return nil, nil
	}
	now := s.db.Now()
	var out []web.Panel

	mine := web.Panel{ID: "me-orgs", Title: rd.P.T("me.orgs.title"), Empty: rd.P.T("me.orgs.empty"), Order: 10,
		More: rd.Link("/organizations"), MoreText: rd.P.T("me.orgs.find")}
	rows, err := s.db.Query(ctx, `SELECT o.id, o.name_kk, o.name_ru, o.name_en, m.role FROM memberships m
		JOIN organizations o ON o.id = m.org_id
		WHERE m.user_id = ? AND `+currentSQL+` AND o.archived_at IS NULL
		ORDER BY o.sort_key, o.id LIMIT 30`, u.ID, today(now))
	if err != nil {
		return nil, fmt.Errorf("orgs: board: %w", err)
	}
	if err := scanOrgItems(rows, rd, &mine, func(role string) string { return roleLabel(rd.P, role) }); err != nil {
		return nil, err
	}
	rd.Sort(mine.Items)
	out = append(out, mine)

	run := web.Panel{ID: "me-run", Title: rd.P.T("me.run.title"), Order: 5}
	rows, err = s.db.Query(ctx, `SELECT o.id, o.name_kk, o.name_ru, o.name_en, g.role FROM role_grants g
		JOIN organizations o ON o.id = g.org_id
		WHERE g.user_id = ? AND o.archived_at IS NULL
		ORDER BY o.sort_key, o.id LIMIT 30`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("orgs: board: %w", err)
	}
	if err := scanOrgItems(rows, rd, &run, func(role string) string { return rd.P.T("me.grant." + role) }); err != nil {
		return nil, err
	}
	rd.Sort(run.Items)
	out = append(out, run)

	inv := web.Panel{ID: "me-invitations", Title: rd.P.T("me.invitations.title"), Order: 1}
	// The invitations page's list (to the account, or to its confirmed
	// address before it had one), answered right here (issue 15, item 5).
	invs, err := s.MyInvitations(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(invs) > 10 {
		invs = invs[:10]
	}
	for _, v := range invs {
		title, lang := rd.Text(v.OrgName)
		it := web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/invitations"), Meta: roleLabel(rd.P, v.Role),
			Badge: rd.P.T("me.badge.waiting")}
		if u.Limited() {
			// A minor waiting for consent is told why not yet.
			it.Meta += " · " + rd.P.T("orgs.invitation.needs_consent")
			inv.Items = append(inv.Items, it)
			continue
		}
		base := rd.Link("/invitations/" + strconv.FormatInt(v.ID, 10))
		it.Actions = []web.PanelAction{{Label: rd.P.T("orgs.invitation.accept"), URL: base + "/accept", Next: "/me"},
			{Label: rd.P.T("orgs.invitation.decline"), URL: base + "/decline", Next: "/me", Secondary: true}}
		inv.Items = append(inv.Items, it)
	}
	out = append(out, inv)

	// What needs them: requests to join the organizations they run (and
	// those below them).
	joins := web.Panel{ID: "me-joins", Title: rd.P.T("me.joins.title"), Order: 3}
	rows, err = s.db.Query(ctx, `SELECT o.id, o.name_kk, o.name_ru, o.name_en, COUNT(*) FROM org_join_requests r
		JOIN organizations o ON o.id = r.org_id
		WHERE r.status = 'pending' AND EXISTS (SELECT 1 FROM role_grants g JOIN organizations a ON a.id = g.org_id
			WHERE g.user_id = ? AND g.role = 'admin' AND substr(o.path, 1, length(a.path)) = a.path)
		GROUP BY o.id, o.name_kk, o.name_ru, o.name_en ORDER BY MIN(r.id) LIMIT 10`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("orgs: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name i18n.Text
		var n int
		if err := rows.Scan(&id, &name.KK, &name.RU, &name.EN, &n); err != nil {
			return nil, fmt.Errorf("orgs: board: %w", err)
		}
		title, lang := rd.Text(name)
		joins.Items = append(joins.Items, web.PanelItem{Title: title, Lang: lang, Meta: rd.P.N("orgs.join.requests_n", n),
			URL: rd.Link("/organizations/" + strconv.FormatInt(id, 10) + "/members#join-requests"), Badge: rd.P.T("me.badge.waiting")})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out = append(out, joins)
	return out, nil
}

type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

// scanOrgItems reads rows of (id, name_kk, name_ru, name_en, role) into p,
// each item linking to the organization with meta(role) below.
func scanOrgItems(rows rowsScanner, rd web.Reader, p *web.Panel, meta func(string) string) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name i18n.Text
		var role string
		if err := rows.Scan(&id, &name.KK, &name.RU, &name.EN, &role); err != nil {
			return fmt.Errorf("orgs: board: %w", err)
		}
		title, lang := rd.Text(name)
		p.Items = append(p.Items, web.PanelItem{Title: title, Lang: lang, URL: rd.Link("/organizations/" + strconv.FormatInt(id, 10)), Meta: meta(role)})
	}
	return rows.Err()
}

// roleLabel is a membership role in the reader's language (a custom role
// as its organization wrote it).
func roleLabel(p *i18n.Printer, role string) string {
	if k := "orgs.role." + role; p.Has(k) {
		return p.T(k)
	}
	return role
}
