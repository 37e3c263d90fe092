// Package progtest builds the programme services on a test database, with
// helpers to make people, organizations and programmes directly.
package progtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
	"github.com/ortaq/ortaq/internal/regions"
	"github.com/ortaq/ortaq/internal/roadmap"
	"github.com/ortaq/ortaq/internal/search"
)

// Kit is the services on one database.
type Kit struct {
	T          testing.TB
	DB         *db.DB
	Clock      *dbtest.Fixed
	Auth       *auth.Service
	Programmes *programmes.Service
	Proposals  *proposals.Service
	Roadmap    *roadmap.Service
	Notify     *notify.Service
	Org        int64
}

// New builds the services on d, with the clock at dbtest.Clock and one
// organization.
func New(tb testing.TB, d *db.DB) *Kit {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	regs, err := regions.Load(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	k := &Kit{T: tb, DB: d, Clock: dbtest.SetClock(d, dbtest.Clock)}
	k.Auth = auth.New(d, auth.NewTestHasher(), mail.NewLog(log), cat, log, auth.Settings{BaseURL: "http://test", SiteName: "Ortaq"})
	k.Notify = notify.New(notify.Deps{DB: d, Catalog: cat, Log: log}) // the inbox only; tests that deliver build their own
	k.Programmes = programmes.New(programmes.Deps{DB: d, Auth: k.Auth, Regions: regs, Log: log, Proposals: proposals.Counts{DB: d}})
	srch := search.New(search.Deps{DB: d, Log: log}) // the list's text filter, as the app wires it
	srch.Add(proposals.SearchSource(d))
	k.Proposals = proposals.New(proposals.Deps{DB: d, Auth: k.Auth, Programmes: k.Programmes, Notify: k.Notify, Roadmap: roadmap.Links{DB: d},
		Search: srch})
	k.Roadmap = roadmap.New(roadmap.Deps{DB: d, Auth: k.Auth, Programmes: k.Programmes, Proposals: k.Proposals, Notify: k.Notify})
	k.Org = k.NewOrg(0)
	return k
}

var seq atomic.Int64

// NewOrg makes an organization under parent.
func (k *Kit) NewOrg(parent int64) int64 {
	k.T.Helper()
	ctx := context.Background()
	var id int64
	err := k.DB.Write(ctx, func(tx *db.Tx) error {
		path := "/"
		if parent != 0 {
			if err := tx.QueryRow(ctx, "SELECT path FROM organizations WHERE id = ?", parent).Scan(&path); err != nil {
				return err
			}
		}
		var p any
		if parent != 0 {
			p = parent
		}
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (parent_id, path, kind, name_kk, created_at, updated_at)
			VALUES (?, '', 'youth_wing', 'Жастар ұйымы', ?, ?) RETURNING id`, p, tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("%s%d/", path, id), id)
		return err
	})
	if err != nil {
		k.T.Fatal(err)
	}
	return id
}

// People inserts n adults born in 2000 living in region, in one
// transaction, and returns them.
func (k *Kit) People(n int, region, birth string) []*auth.User {
	k.T.Helper()
	ctx := context.Background()
	out := make([]*auth.User, 0, n)
	err := k.DB.Write(ctx, func(tx *db.Tx) error {
		for i := 0; i < n; i++ {
			s := seq.Add(1)
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, region, email_confirmed_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, fmt.Sprintf("p%d-%d@example.kz", s, time.Now().UnixNano()),
				fmt.Sprintf("Қатысушы %d", s), birth, region, tx.Now, tx.Now, tx.Now).Scan(&id); err != nil {
				return err
			}
			out = append(out, &auth.User{ID: id, Name: fmt.Sprintf("Қатысушы %d", s), BirthDate: birth, Region: region})
		}
		return nil
	})
	if err != nil {
		k.T.Fatal(err)
	}
	return out
}

// Person makes one adult in region KZ-27.
func (k *Kit) Person() *auth.User { return k.People(1, "KZ-27", "2000-05-05")[0] }

// Admin makes an administrator of the kit's organization.
func (k *Kit) Admin() *auth.User { return k.Granted("admin") }

// Granted makes a person with a role grant ("admin" or "moderator") at
// the kit's organization.
func (k *Kit) Granted(role string) *auth.User {
	k.T.Helper()
	u := k.People(1, "KZ-71", "1990-01-01")[0]
	ctx := context.Background()
	err := k.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, ?, ?)", u.ID, k.Org, role, tx.Now)
		return err
	})
	if err != nil {
		k.T.Fatal(err)
	}
	return u
}

// Programme makes a programme for 14–35-year-olds in KZ-27 and KZ-79 with
// two directions whose collecting phase runs from a day before the clock
// to thirty days after it.
func (k *Kit) Programme(admin *auth.User) *programmes.Programme {
	k.T.Helper()
	now := k.Clock.Now()
	p, err := k.Programmes.Create(context.Background(), admin, programmes.Input{
		OrgID: k.Org, Title: i18n.Text{KK: "Жастар – Отанға!", RU: "Молодёжь – Родине!"},
		AgeMin: 14, AgeMax: 35, Regions: []string{"KZ-27", "KZ-79"},
		Directions: []programmes.Direction{{Title: i18n.Text{KK: "Жұмыспен қамту"}}, {Title: i18n.Text{KK: "Білім"}}},
		Phases: []programmes.Phase{
			{Kind: "proposals", StartsAt: now.Add(-24 * time.Hour), EndsAt: now.Add(30 * 24 * time.Hour)},
			{Kind: "evaluation", StartsAt: now.Add(30 * 24 * time.Hour), EndsAt: now.Add(60 * 24 * time.Hour)},
		},
	})
	if err != nil {
		k.T.Fatal(err)
	}
	return p
}

// Proposal submits a proposal by author in the programme's first direction.
func (k *Kit) Proposal(p *programmes.Programme, author *auth.User, title string) *proposals.Proposal {
	k.T.Helper()
	pr, err := k.Proposals.Create(context.Background(), author, p.ID, proposals.NewProposal{
		Title: title, Body: "Ауылдағы жастарға арналған жұмыс орындарын ашу керек, әсіресе маусымдық жұмыс.",
		DirectionID: p.Directions[0].ID, Region: author.Region,
	})
	if err != nil {
		k.T.Fatal(err)
	}
	return pr
}

// Count returns the stored support count and the number of support rows.
func (k *Kit) Count(id int64) (stored, rows int) {
	k.T.Helper()
	if err := k.DB.QueryRow(context.Background(), `SELECT support_count, (SELECT COUNT(*) FROM proposal_supports WHERE proposal_id = t.proposal_id)
		FROM proposal_tallies t WHERE proposal_id = ?`, id).Scan(&stored, &rows); err != nil {
		k.T.Fatal(err)
	}
	return
}
