// Command gen makes the registry's benchmark data set (issue 3): 10,000
// organizations in a four-level tree, 200,000 people and 500,000
// memberships, one of the organizations with 50,000 members (the member
// list page's worst case), on SQLite or PostgreSQL, in one transaction with
// multi-row inserts. It also makes an empty organization to import into
// and a platform administrator to sign in as (bench@bench.ortaq.kz /
// bench-password-2026), and prints the ids the load tool needs.
//
//	go run ./scripts/bench/orgs/gen -db sqlite:/tmp/orgs-bench.db
//	go run ./scripts/bench/orgs/gen -db 'postgres://…'
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/orgs"
	"github.com/ortaq/ortaq/internal/regions"
)

func main() {
	dbURL := flag.String("db", "sqlite:/tmp/orgs-bench.db", "database URL")
	nOrgs := flag.Int("orgs", 10000, "organizations")
	nPeople := flag.Int("people", 200000, "people")
	nMembers := flag.Int("memberships", 500000, "memberships")
	big := flag.Int("big", 50000, "members of the largest organization")
	flag.Parse()
	if err := run(*dbURL, *nOrgs, *nPeople, *nMembers, *big); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

var regionCodes = []string{"KZ-71", "KZ-75", "KZ-79", "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31",
	"KZ-33", "KZ-35", "KZ-39", "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63"}

var words = []string{"Жастар", "Болашақ", "Бірлік", "Достық", "Келісім", "Өрлеу", "Шымкент", "Қарағанды", "Теміртау",
	"Орал", "Ақтөбе", "Тараз", "Сарысу", "Мәдениет", "Ғылым", "Еңбек", "Отан", "Руханият", "Ынтымақ", "Береке"}

var kinds = []string{"primary_organization", "council", "working_group", "school", "college", "ngo", "ethnocultural_association"}

type org struct {
	id, parent int64
	path, kind string
	kk, ru     string
	region     string
}

func run(url string, nOrgs, nPeople, nMembers, big int) error {
	ctx := context.Background()
	start := time.Now()
	d, err := db.Open(ctx, url, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hash, err := auth.NewHasher(1).Hash(ctx, "bench-password-2026")
	if err != nil {
		return err
	}
	var os_ []org
	// Level 1: 20 regional bodies; level 2: 20 cities or districts each;
	// level 3: the rest, primary organizations, councils and groups.
	next := int64(1)
	add := func(parent *org, kind, kk, ru, region string) *org {
		o := org{id: next, kind: kind, kk: kk, ru: ru, region: region}
		next++
		if parent != nil {
			o.parent, o.path = parent.id, fmt.Sprintf("%s%d/", parent.path, o.id)
		} else {
			o.path = fmt.Sprintf("/%d/", o.id)
		}
		os_ = append(os_, o)
		return &os_[len(os_)-1]
	}
	var l1, l2 []org
	for i := 0; i < 20; i++ {
		o := add(nil, "assembly", fmt.Sprintf("%s облыстық ассамблеясы %d", words[i], i), fmt.Sprintf("Областная ассамблея %d", i), regionCodes[i])
		l1 = append(l1, *o)
	}
	for _, p := range l1 {
		for j := 0; j < 20; j++ {
			o := add(&p, "party_branch", fmt.Sprintf("%s %s филиалы %d", p.kk[:strings.IndexByte(p.kk, ' ')], words[(j*3)%20], j),
				fmt.Sprintf("Филиал %d", j), p.region)
			l2 = append(l2, *o)
		}
	}
	for i := 0; len(os_) < nOrgs-1; i++ {
		p := l2[i%len(l2)]
		k := kinds[i%len(kinds)]
		add(&p, k, fmt.Sprintf("%s %s бастауыш ұйымы №%d", words[rng.IntN(20)], words[rng.IntN(20)], i),
			fmt.Sprintf("Первичная организация №%d", i), p.region)
	}
	target := add(&l1[0], "primary_organization", "Импорт нысанасы", "Цель импорта", l1[0].region)
	leaves := os_[len(l1)+len(l2) : len(os_)-1]
	bigOrg := leaves[0]

	err = d.Write(ctx, func(tx *db.Tx) error {
		// Organizations, parents first (ids given).
		if err := bulk(ctx, tx, "INSERT INTO organizations (id, parent_id, path, kind, name_kk, name_ru, region, search_key, sort_key, created_at, updated_at) VALUES ",
			11, len(os_), func(i int) []any {
				o := os_[i]
				var parent any
				if o.parent != 0 {
					parent = o.parent
				}
				return []any{o.id, parent, o.path, o.kind, o.kk, o.ru, o.region,
					kazakh.SearchKey(o.kk + " " + o.ru), kazakh.Fold(o.kk), tx.Now, tx.Now}
			}); err != nil {
			return err
		}
		// People.
		first := []string{"Айгерім", "Ерлан", "Ольга", "Виктор", "Динара", "Асқар", "Мадина", "Тимур", "Сәуле", "Руслан"}
		last := []string{"Сәрсенова", "Жұмабеков", "Ким", "Пак", "Иванова", "Оспанов", "Хасанов", "Мюллер", "Тоқтаров", "Алиева"}
		var base int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM users").Scan(&base); err != nil {
			return err
		}
		names := make([]string, nPeople)
		if err := bulk(ctx, tx, "INSERT INTO users (id, email, name, birth_date, region, lang, email_confirmed_at, created_at, updated_at) VALUES ",
			9, nPeople, func(i int) []any {
				names[i] = fmt.Sprintf("%s %s %d", first[i%10], last[(i/10)%10], i)
				return []any{base + int64(i) + 1, fmt.Sprintf("p%d@bench.ortaq.kz", i), names[i], fmt.Sprintf("%d-%02d-%02d", 1970+i%35, 1+i%12, 1+i%28),
					regionCodes[i%20], "kk", tx.Now, tx.Now, tx.Now}
			}); err != nil {
			return err
		}
		if tx.Dialect() == db.Postgres {
			// Explicit ids above: move the identity sequences past them.
			for _, t := range []string{"organizations", "users"} {
				if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t, t)); err != nil {
					return err
				}
			}
		}
		var adminID int64
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, lang, is_admin, email_confirmed_at, created_at, updated_at)
			VALUES ('bench@bench.ortaq.kz', 'Бенчмарк Әкімші', ?, 'kk', TRUE, ?, ?, ?) RETURNING id`, hash, tx.Now, tx.Now, tx.Now).Scan(&adminID); err != nil {
			return err
		}
		// Memberships: big members of one organization, the rest spread over
		// the leaves, distinct people within each organization.
		type m struct {
			org  int64
			user int
		}
		ms := make([]m, 0, nMembers)
		for i := 0; i < big && i < nMembers; i++ {
			ms = append(ms, m{bigOrg.id, i})
		}
		per := (nMembers - len(ms)) / (len(leaves) - 1)
		for li, l := range leaves[1:] {
			start := (li * 7919) % nPeople
			for j := 0; j < per && len(ms) < nMembers; j++ {
				ms = append(ms, m{l.id, (start + j*13) % nPeople})
			}
		}
		for li := 1; len(ms) < nMembers; li++ {
			ms = append(ms, m{leaves[li].id, (li*7919 + per*13 + 1) % nPeople})
		}
		roles := []string{"member", "member", "member", "member", "delegate", "secretary", "chair"}
		if err := bulk(ctx, tx, "INSERT INTO memberships (org_id, user_id, role, since, name_key, created_at, updated_at) VALUES ",
			7, len(ms), func(i int) []any {
				x := ms[i]
				return []any{x.org, base + int64(x.user) + 1, roles[i%len(roles)], fmt.Sprintf("%d-%02d-01", 2015+i%10, 1+i%12),
					kazakh.Fold(names[x.user]), tx.Now, tx.Now}
			}); err != nil {
			return err
		}
		fmt.Printf("ADMIN_ID=%d\n", adminID)
		return nil
	})
	if err != nil {
		return err
	}
	regs, err := regions.Load(ctx, d)
	if err != nil {
		return err
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	svc := orgs.New(orgs.Deps{DB: d, Regions: regs, Catalog: cat, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := svc.RecountAll(ctx); err != nil {
		return err
	}
	fmt.Printf("BIG_ORG=%d\nROOT_ORG=%d\nIMPORT_ORG=%d\nREGION=%s\n", bigOrg.id, l1[0].id, target.id, l1[11].region)
	fmt.Printf("generated %d organizations, %d people, %d memberships in %s\n", len(os_), nPeople, nMembers, time.Since(start).Round(time.Millisecond))
	return nil
}

// bulk inserts n rows with multi-row VALUES, 500 rows a statement.
func bulk(ctx context.Context, tx *db.Tx, head string, cols, n int, row func(i int) []any) error {
	const per = 500
	ph := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		args := make([]any, 0, k*cols)
		var sb strings.Builder
		sb.WriteString(head)
		for j := 0; j < k; j++ {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(ph)
			args = append(args, row(i+j)...)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("%s…: %w", head[:30], err)
		}
	}
	return nil
}
