package demo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/demo"
)

func TestDemoLoadsProgrammes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		env := apptest.Start(t, d, apptest.Options{})
		if _, err := demo.Load(context.Background(), env.App); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM proposals p JOIN roadmap_links l ON l.proposal_id = p.id WHERE p.status = 'accepted'`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("linked accepted proposals: %d (%v)", n, err)
		}
		list := c.Get("/kk/programmes").Body
		for _, want := range []string{"ЖАСТАР – ОТАНҒА!", "Өрлеу", "Бірлік"} {
			if !strings.Contains(list, want) {
				t.Errorf("programme list lacks %q", want)
			}
		}
		var id int64
		if err := d.QueryRow(context.Background(), "SELECT MIN(id) FROM programmes").Scan(&id); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"", "/proposals", "/roadmap", "/indicators"} {
			if r := c.Get(fmt.Sprintf("/ru/programmes/%d%s", id, p)); r.StatusCode != 200 {
				t.Fatalf("%s: %d", p, r.StatusCode)
			}
		}
	})
}

// The demo's meetings land on the organizations their stories name, with
// the people of those organizations asking and answering; the youth
// programme's title names the year its last phase ends; no answer points to
// a page that does not exist.
func TestDemoLandsWhereItSays(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.Start(t, d, apptest.Options{})
		if _, err := demo.Load(ctx, env.App); err != nil {
			t.Fatal(err)
		}
		var admin int64
		if err := d.QueryRow(ctx, "SELECT id FROM users WHERE email = 'admin@demo.ortaq.kz'").Scan(&admin); err != nil {
			t.Fatal(err)
		}
		// The meeting's organization and its parent, by their English names.
		where := func(titleEN string) (org, parent string, id int64) {
			t.Helper()
			if err := d.QueryRow(ctx, `SELECT m.id, o.name_en, p.name_en FROM meetings m JOIN organizations o ON o.id = m.org_id
				JOIN organizations p ON p.id = o.parent_id WHERE m.title_en = ?`, titleEN).Scan(&id, &org, &parent); err != nil {
				t.Fatalf("meeting %q: %v", titleEN, err)
			}
			return org, parent, id
		}
		org, parent, caravan := where("Caravan of meetings: council members meet the district's residents")
		if org != "Sarysu District Assembly" || parent != "Zhambyl Regional Assembly of People of Kazakhstan" {
			t.Errorf("caravan meeting on %q under %q", org, parent)
		}
		var questions, byAdmin, strangers int
		if err := d.QueryRow(ctx, `SELECT COUNT(*), COUNT(CASE WHEN author_id = ? OR answered_by = ? THEN 1 END),
			COUNT(CASE WHEN author_id NOT IN (SELECT m.user_id FROM memberships m JOIN organizations o ON o.id = m.org_id
				WHERE o.path LIKE (SELECT path FROM organizations WHERE name_en = 'Sarysu District Assembly') || '%') THEN 1 END)
			FROM meeting_questions WHERE meeting_id = ?`, admin, admin, caravan).Scan(&questions, &byAdmin, &strangers); err != nil {
			t.Fatal(err)
		}
		if questions != 4 || byAdmin != 0 || strangers != 0 {
			t.Errorf("caravan questions: %d, %d asked or answered by the platform administrator, %d by people outside the district", questions, byAdmin, strangers)
		}
		if org, parent, _ := where("Regular council session"); org != "Mothers' Council" || parent != "Sarysu District Assembly" {
			t.Errorf("Mothers' meeting on %q under %q", org, parent)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM meeting_questions WHERE answer LIKE '%курс бетінде%' OR answer LIKE '%Ortaq-та%'").Scan(&n); err != nil || n != 0 {
			t.Errorf("answers pointing to a page in Ortaq: %d (%v)", n, err)
		}
		var title string
		var end db.Time
		if err := d.QueryRow(ctx, `SELECT p.title_en, MAX(ph.ends_at) FROM programmes p JOIN programme_phases ph ON ph.programme_id = p.id
			WHERE p.title_en LIKE '%youth programme to%' GROUP BY p.id, p.title_en`).Scan(&title, &end); err != nil {
			t.Fatal(err)
		}
		if want := "to " + strconv.Itoa(end.Time.Year()); !strings.HasSuffix(title, want) {
			t.Errorf("programme %q ends in %d", title, end.Time.Year())
		}
		// A lookup that misses or is ambiguous fails instead of falling back.
		for _, c := range [][2]string{{"Sarysu District Assembly of People", ""}, {"Mothers' Council", ""}, {"Mothers' Council", "Zhambyl Regional Assembly of People of Kazakhstan"}} {
			if id, err := demo.OrgNamed(ctx, d, c[0], c[1]); err == nil {
				t.Errorf("lookup %q under %q found %d", c[0], c[1], id)
			}
		}
		if _, err := demo.OrgNamed(ctx, d, "Mothers' Council", "Sarysu District Assembly"); err != nil {
			t.Error(err)
		}
		// The spartakiad is the Sarysu Assembly's, its teams are colleges,
		// and its overall table ranks all four; the debate championship's
		// final waits for the judges.
		var spartOrg string
		var spart int64
		if err := d.QueryRow(ctx, `SELECT c.id, o.name_en FROM competitions c JOIN organizations o ON o.id = c.org_id
			WHERE c.title_en = 'Friendship Caravan spartakiad of colleges'`).Scan(&spart, &spartOrg); err != nil || spartOrg != "Sarysu District Assembly" {
			t.Errorf("spartakiad on %q (%v)", spartOrg, err)
		}
		var colleges int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM competition_teams t JOIN organizations o ON o.id = t.org_id
			WHERE t.competition_id = ? AND o.kind = 'college'`, spart).Scan(&colleges); err != nil || colleges != 4 {
			t.Errorf("%d college teams (%v)", colleges, err)
		}
		comp, err := env.App.Competitions.Get(ctx, spart)
		if err != nil {
			t.Fatal(err)
		}
		places, err := env.App.Competitions.Places(ctx, comp)
		if err != nil || len(places) != 4 {
			t.Errorf("spartakiad places %v (%v)", places, err)
		}
		// The caravan's cup: two groups of four, their games played (one a
		// forfeit), the crossed semi-finals waiting.
		var groups, cupTeams, played, forfeits, semis int
		if err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT t.group_no), COUNT(t.id),
			(SELECT COUNT(*) FROM competition_pairings p JOIN competition_rounds r ON r.id = p.round_id WHERE r.competition_id = c.id AND r.stage = 'main' AND p.done),
			(SELECT COUNT(*) FROM competition_pairings p WHERE p.competition_id = c.id AND p.forfeit),
			(SELECT COUNT(*) FROM competition_pairings p JOIN competition_rounds r ON r.id = p.round_id WHERE r.competition_id = c.id AND r.stage = 'final' AND NOT p.done)
			FROM competitions c JOIN competition_teams t ON t.competition_id = c.id
			WHERE c.title_en = 'Friendship Caravan mini-football cup' GROUP BY c.id`).Scan(&groups, &cupTeams, &played, &forfeits, &semis); err != nil ||
			groups != 2 || cupTeams != 8 || played != 12 || forfeits != 1 || semis != 2 {
			t.Errorf("cup: %d groups, %d teams, %d group games, %d forfeits, %d semi-finals waiting (%v)", groups, cupTeams, played, forfeits, semis, err)
		}
		var finals, pending int
		if err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT r.id), COUNT(CASE WHEN NOT p.done THEN 1 END) FROM competition_rounds r
			JOIN competition_pairings p ON p.round_id = r.id JOIN competitions c ON c.id = r.competition_id
			WHERE c.title_en = 'Jastar Rukhy regional debate championship' AND r.stage = 'final'`).Scan(&finals, &pending); err != nil || finals != 2 || pending != 2 {
			t.Errorf("debate final stage: %d rounds, %d games waiting (%v)", finals, pending, err)
		}
		// Mentorship: the youth wing's pool of 1,000 mentors with varied
		// names, one round run, active pairs with sessions, a group, and the
		// demo member's own mentorship.
		var poolOrg string
		var mentors, names, rounds, active, withSessions, grouped, memberPairs int
		if err := d.QueryRow(ctx, `SELECT o.name_en, (SELECT COUNT(*) FROM mentors m WHERE m.pool_id = p.id AND m.status = 'approved'),
			(SELECT COUNT(DISTINCT u.name) FROM mentors m JOIN users u ON u.id = m.user_id WHERE m.pool_id = p.id),
			(SELECT COUNT(*) FROM mentor_rounds r WHERE r.pool_id = p.id AND r.finished_at IS NOT NULL AND r.matched > 0),
			(SELECT COUNT(*) FROM mentorships s WHERE s.pool_id = p.id AND s.status = 'active'),
			(SELECT COUNT(DISTINCT x.mentorship_id) FROM mentorship_sessions x JOIN mentorships s ON s.id = x.mentorship_id WHERE s.pool_id = p.id),
			(SELECT COUNT(*) FROM mentorships s WHERE s.pool_id = p.id AND s.group_id IS NOT NULL),
			(SELECT COUNT(*) FROM mentorships s JOIN users u ON u.id = s.mentee_id JOIN mentorship_sessions x ON x.mentorship_id = s.id
				WHERE s.pool_id = p.id AND u.email = 'member@demo.ortaq.kz' AND s.status = 'active')
			FROM mentor_pools p JOIN organizations o ON o.id = p.org_id WHERE p.title_en = 'A thousand mentors'`).Scan(&poolOrg, &mentors,
			&names, &rounds, &active, &withSessions, &grouped, &memberPairs); err != nil {
			t.Fatal(err)
		}
		if poolOrg != "Jastar Rukhy youth wing" || mentors != 1000 || names < 300 || rounds != 1 || active < 100 || withSessions < active ||
			grouped == 0 || memberPairs != 1 {
			t.Errorf("mentorship demo: pool of %q, %d mentors, %d distinct names, %d rounds, %d active, %d with sessions, %d in groups, member's %d",
				poolOrg, mentors, names, rounds, active, withSessions, grouped, memberPairs)
		}
		var scheduled int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM mentor_schedules x JOIN mentor_pools p ON p.id = x.pool_id
			WHERE p.title_en = 'A thousand mentors' AND x.weekdays = '["mon"]' AND x.next_at IS NOT NULL`).Scan(&scheduled); err != nil || scheduled != 1 {
			t.Errorf("mentorship demo: %d pools with rounds on Mondays (%v)", scheduled, err)
		}
		var over int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM mentors m WHERE m.taken <> (SELECT COUNT(*) FROM mentorships s WHERE s.mentor_id = m.id AND s.seat = TRUE)`).Scan(&over); err != nil || over != 0 {
			t.Errorf("mentorship demo: %d mentors whose seats do not add up (%v)", over, err)
		}
		var target string
		if err := d.QueryRow(ctx, "SELECT MAX(target_date) FROM indicators").Scan(&target); err != nil || target >= fmt.Sprintf("%d-", end.Time.Year()+1) {
			t.Errorf("indicator target %s after the programme's end (%v)", target, err)
		}
	})
}
