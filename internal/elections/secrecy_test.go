package elections

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/keys"
)

// An attacker holding a copy of the database — its files, its write-ahead
// log, PostgreSQL's hidden columns — tries every way we know to tie a
// ballot to its voter: while voting is open and after it has closed, for
// ballots cast one at a time with pauses and in bursts. Nothing may do
// better than chance. (The server at the moment of voting is still
// trusted: docs/decisions/0040-secret-ballot.md.)
func TestNothingStoredLinksVoterToBallot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		clock := dbtest.SetClock(d, dbtest.Clock)
		voters := f.members(48)
		id, cands := f.election(MethodChoose, 2, 4, true)
		walStart := pgWALPosition(t, d)

		// voter id → tracker, and the order in which they voted.
		tracker := map[int64]string{}
		var order []int64
		var mu sync.Mutex
		cast := func(i int) {
			v := voters[i]
			choice := []string{cands[i%len(cands)]}
			if i%3 == 0 {
				choice = append(choice, cands[(i+1)%len(cands)])
			}
			tr, err := f.svc.Cast(ctx, v, id, BallotInput{Choices: choice})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			tracker[v.ID] = tr
			order = append(order, v.ID)
			mu.Unlock()
		}
		// One at a time, with pauses: each ballot its own commit.
		for i := 0; i < 24; i++ {
			cast(i)
			clock.Advance(47 * time.Second)
			time.Sleep(2 * time.Millisecond)
		}
		// Then a burst.
		var wg sync.WaitGroup
		for i := 24; i < len(voters); i++ {
			wg.Go(func() { cast(i) })
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}

		// While voting is open: no tracker anywhere in what is stored —
		// tables, indexes, the write-ahead log. What the voter's
		// transaction wrote of the ballot is sealed, and every sealed
		// ballot has the same length whatever was chosen.
		stored := storedBytes(t, d, walStart)
		for v, tr := range tracker {
			if bytes.Contains(stored, []byte(tr)) || bytes.Contains(stored, []byte(strings.ToUpper(tr))) {
				t.Fatalf("voter %d's tracker %s is stored in plain while voting is open", v, tr)
			}
		}
		var lengths []int
		rows, err := d.Query(ctx, "SELECT sealed FROM election_sealed WHERE election_id = ?", id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			lengths = append(lengths, len(b))
		}
		rows.Close()
		if len(lengths) != len(voters) {
			t.Fatalf("%d sealed ballots for %d voters", len(lengths), len(voters))
		}
		if slices.Min(lengths) != slices.Max(lengths) {
			t.Fatalf("sealed ballots of different lengths %d…%d: the length tells how many were chosen", slices.Min(lengths), slices.Max(lengths))
		}

		// Close: the ballots come out in plain.
		if err := f.svc.Close(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		if b, v := f.counts(id); b != len(voters) || v != len(voters) {
			t.Fatalf("%d ballots, %d voters after closing; want %d", b, v, len(voters))
		}
		var left int
		var key []byte
		if err := d.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM election_sealed WHERE election_id = ?), (SELECT ballot_key FROM elections WHERE id = ?)", id, id).Scan(&left, &key); err != nil {
			t.Fatal(err)
		}
		if left != 0 || key != nil {
			t.Fatalf("after closing: %d sealed ballots left, key kept %v", left, key != nil)
		}
		bulletin, err := f.svc.Bulletin(ctx, f.officer, id, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		inBulletin := map[string]bool{}
		for _, b := range bulletin {
			inBulletin[b.Tracker] = true
		}
		for v, tr := range tracker {
			if !inBulletin[tr] {
				t.Fatalf("voter %d's tracker %s is not in the bulletin", v, tr)
			}
		}
		// The same look at the files now finds every tracker: the search
		// above could have found them.
		stored = storedBytes(t, d, walStart)
		for _, tr := range tracker {
			if !bytes.Contains(stored, []byte(tr)) {
				t.Fatalf("tracker %s not found in the stored bytes after closing: the search does not see the files", tr)
			}
		}

		// The physical order of the ballots, as a copy of the files shows
		// it: PostgreSQL's ctid; on SQLite the position of each tracker in
		// the database file (the log was checkpointed and truncated).
		var physical []string
		if d.Dialect == db.Postgres {
			physical = queryStrings(t, d, "SELECT tracker FROM election_ballots WHERE election_id = ? ORDER BY ctid", id)

			// Transaction ids: every ballot carries the closing
			// transaction's, which no voter row carries.
			xmins := queryStrings(t, d, "SELECT DISTINCT CAST(xmin AS TEXT) FROM election_ballots WHERE election_id = ?", id)
			if len(xmins) != 1 {
				t.Fatalf("ballots carry %d transaction ids, want 1 (the close)", len(xmins))
			}
			var shared int
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM election_voters v JOIN election_ballots b ON CAST(b.xmin AS TEXT) = CAST(v.xmin AS TEXT) WHERE v.election_id = ?", id).Scan(&shared); err != nil {
				t.Fatal(err)
			}
			if shared != 0 {
				t.Fatalf("%d voter rows share a transaction id with a ballot", shared)
			}
			// And after freezing.
			if _, err := pgExec(d, "VACUUM FREEZE election_ballots"); err != nil {
				t.Fatal(err)
			}
			if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM election_voters v JOIN election_ballots b ON CAST(b.xmin AS TEXT) = CAST(v.xmin AS TEXT) WHERE v.election_id = ?", id).Scan(&shared); err != nil {
				t.Fatal(err)
			}
			if shared != 0 {
				t.Fatalf("after VACUUM FREEZE %d voter rows share a transaction id with a ballot", shared)
			}
		} else {
			if st, err := os.Stat(d.Path() + "-wal"); err == nil && st.Size() != 0 {
				t.Fatalf("the write-ahead log keeps %d bytes after closing", st.Size())
			}
			file, err := os.ReadFile(d.Path())
			if err != nil {
				t.Fatal(err)
			}
			type at struct {
				tr  string
				off int
			}
			var pos []at
			for _, tr := range tracker {
				off := bytes.Index(file, []byte(tr))
				if off < 0 {
					t.Fatalf("tracker %s not in the database file", tr)
				}
				pos = append(pos, at{tr, off})
			}
			sort.Slice(pos, func(i, j int) bool { return pos[i].off < pos[j].off })
			for _, p := range pos {
				physical = append(physical, p.tr)
			}
		}
		if len(physical) != len(voters) {
			t.Fatalf("%d ballots in physical order, want %d", len(physical), len(voters))
		}

		// Pair the i-th ballot in physical order with the i-th voter in
		// the order of voted_at (and of voting): at most chance.
		byTime := queryInts(t, d, "SELECT person_id FROM election_voters WHERE election_id = ? ORDER BY voted_at, person_id", id)
		byPerson := queryInts(t, d, "SELECT person_id FROM election_voters WHERE election_id = ? ORDER BY person_id", id)
		rank := map[string]int{}
		for i, tr := range physical {
			rank[tr] = i
		}
		for name, voterOrder := range map[string][]int64{"voted_at": byTime, "voting": order, "person id": byPerson} {
			var same int
			xs, ys := make([]float64, 0, len(voterOrder)), make([]float64, 0, len(voterOrder))
			for i, v := range voterOrder {
				r := rank[tracker[v]]
				if r == i {
					same++
				}
				xs, ys = append(xs, float64(i)), append(ys, float64(r))
			}
			// A random pairing gets one right on average; 8 or more
			// happen by chance less than once in 10,000 runs. Spearman's
			// rho of 48 random ranks has a standard deviation of 0.15.
			if same >= 8 {
				t.Errorf("pairing the physical order with the %s order names %d of %d ballots", name, same, len(voterOrder))
			}
			if rho := spearman(xs, ys); math.Abs(rho) > 0.6 {
				t.Errorf("the physical order follows the %s order (rho %.2f)", name, rho)
			}
		}
		// Stronger than chance: the physical order is the tracker order,
		// which is random and set by the server, not by arrival.
		sorted := slices.Clone(physical)
		slices.Sort(sorted)
		if d.Dialect == db.Postgres && !slices.Equal(sorted, physical) {
			t.Errorf("ballots are not stored in tracker order")
		}
	})
}

// A node whose secret differs from the one an election was opened under
// cannot close it: closing fails, changes nothing, and the right node can
// still close it.
func TestClosingNeedsTheInstallationsSecret(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		voters := f.members(3)
		id, cands := f.election(MethodChoose, 1, 2, true)
		for _, v := range voters {
			if _, err := f.svc.Cast(ctx, v, id, BallotInput{Choices: cands[:1]}); err != nil {
				t.Fatal(err)
			}
		}
		other, err := keys.New("another installation's secret, 32 characters or more")
		if err != nil {
			t.Fatal(err)
		}
		stranger := New(Deps{DB: d, Auth: f.svc.auth, Keys: other})
		if err := stranger.Close(ctx, f.officer, id); err == nil {
			t.Fatal("closed with the wrong secret")
		}
		e, err := f.svc.Get(ctx, id, "kk")
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != Open {
			t.Fatalf("status %s after a failed close", e.Status)
		}
		if err := f.svc.Close(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		if b, v := f.counts(id); b != 3 || v != 3 {
			t.Fatalf("%d ballots, %d voters", b, v)
		}
	})
}

func TestSealRoundTrip(t *testing.T) {
	key := make([]byte, 32)
	accepted := map[string]bool{"1": true, "22": true, "333": true}
	size := sealSize(MethodFAA, accepted)
	tr := newTracker()
	choices := `{"1":"against","22":"abstain","333":"for"}`
	nonce, box, err := seal(key, 7, size, tr, choices)
	if err != nil {
		t.Fatal(err)
	}
	gotT, gotC, err := unseal(key, 7, nonce, box)
	if err != nil || gotT != tr || gotC != choices {
		t.Fatalf("unseal: %q %q %v", gotT, gotC, err)
	}
	// Bound to its election.
	if _, _, err := unseal(key, 8, nonce, box); err == nil {
		t.Fatal("a ballot of election 7 opened as one of election 8")
	}
	// Every ballot of the election has the same sealed length.
	_, small, err := seal(key, 7, size, tr, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(small) != len(box) {
		t.Fatalf("sealed lengths %d and %d", len(small), len(box))
	}
}

// storedBytes is everything the database keeps on disk that a copy would
// carry: on SQLite the database file and its write-ahead log; on
// PostgreSQL (after a checkpoint) the files of every table and index of
// the test's schema and the WAL written since from.
func storedBytes(t *testing.T, d *db.DB, from string) []byte {
	t.Helper()
	var out []byte
	if d.Dialect == db.SQLite {
		for _, p := range []string{d.Path(), d.Path() + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	}
	if _, err := pgExec(d, "CHECKPOINT"); err != nil {
		t.Fatalf("CHECKPOINT (the test needs a superuser on its PostgreSQL): %v", err)
	}
	files := queryStrings(t, d, `SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't') AND pg_relation_filepath(c.oid) IS NOT NULL`)
	to := pgWALPosition(t, d)
	wal := queryStrings(t, d, "SELECT name FROM pg_ls_waldir() WHERE name >= ? AND name <= ? AND length(name) = 24 ORDER BY name", from, to)
	for _, w := range wal {
		files = append(files, "pg_wal/"+w)
	}
	for _, f := range files {
		var b []byte
		if err := d.QueryRow(context.Background(), "SELECT pg_read_binary_file(CAST(? AS TEXT))", f).Scan(&b); err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		out = append(out, b...)
	}
	return out
}

// pgWALPosition names the WAL segment being written now ("" on SQLite).
func pgWALPosition(t *testing.T, d *db.DB) string {
	t.Helper()
	if d.Dialect != db.Postgres {
		return ""
	}
	var name string
	if err := d.QueryRow(context.Background(), "SELECT pg_walfile_name(pg_current_wal_lsn())").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

// pgExec runs a statement outside a transaction on its own connection
// (VACUUM cannot run inside one).
func pgExec(d *db.DB, q string) (int64, error) {
	c, err := sql.Open("pgx", d.URL)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	res, err := c.ExecContext(context.Background(), q)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func queryStrings(t *testing.T, d *db.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func queryInts(t *testing.T, d *db.DB, q string, args ...any) []int64 {
	t.Helper()
	var out []int64
	for _, s := range queryStrings(t, d, q, args...) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// spearman is the rank correlation of two series of distinct values.
func spearman(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sum float64
	for i := range xs {
		dlt := xs[i] - ys[i]
		sum += dlt * dlt
	}
	return 1 - 6*sum/(n*(n*n-1))
}
