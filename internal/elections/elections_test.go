package elections

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/keys"
)

type fixture struct {
	t       testing.TB
	d       *db.DB
	svc     *Service
	org     int64
	officer *auth.User
}

var seq atomic.Int64

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	a := auth.New(d, auth.NewTestHasher(), nil, i18n.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Settings{})
	f := &fixture{t: t, d: d, svc: New(Deps{DB: d, Auth: a, Keys: keys.ForTest()})}
	f.org = f.mustOrg()
	f.officer = f.mustPerson(false)
	f.exec("INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", f.officer.ID, f.org, d.Now())
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.d.Write(context.Background(), func(tx *db.Tx) error { _, err := tx.Exec(context.Background(), q, args...); return err }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) mustOrg() int64 {
	f.t.Helper()
	var id int64
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, created_at, updated_at) VALUES ('', 'other', 'Бастауыш ұйым', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", id), id)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// mustPerson creates an adult account; member: with a membership in f.org.
func (f *fixture) mustPerson(member bool) *auth.User {
	f.t.Helper()
	n := seq.Add(1)
	var id int64
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, birth_date, created_at, updated_at) VALUES (?, ?, '1990-01-01', ?, ?) RETURNING id`,
			fmt.Sprintf("p%d@example.kz", n), fmt.Sprintf("Сайлаушы %04d", n), tx.Now, tx.Now).Scan(&id); err != nil {
			return err
		}
		if member {
			_, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, since, created_at) VALUES (?, ?, 'member', '2020-01-01', ?)", f.org, id, tx.Now)
			return err
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return &auth.User{ID: id, Name: fmt.Sprintf("Сайлаушы %04d", n)}
}

// members creates n members at once.
func (f *fixture) members(n int) []*auth.User {
	f.t.Helper()
	out := make([]*auth.User, 0, n)
	ctx := context.Background()
	err := f.d.Write(ctx, func(tx *db.Tx) error {
		for range n {
			k := seq.Add(1)
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO users (email, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
				fmt.Sprintf("p%d@example.kz", k), fmt.Sprintf("Сайлаушы %05d", k), tx.Now, tx.Now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?)", f.org, id, tx.Now); err != nil {
				return err
			}
			out = append(out, &auth.User{ID: id})
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// election creates an election with the candidates (members) and opens it
// when open is true.
func (f *fixture) election(method string, seats, ncands int, open bool) (int64, []string) {
	f.t.Helper()
	ctx := context.Background()
	id, err := f.svc.Create(ctx, f.officer, NewElection{OrgID: f.org, Title: i18n.Text{KK: "Делегаттар сайлауы"}, Seats: seats,
		Method: method, Rule: RulePlurality, Quorum: 0.5})
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for range ncands {
		p := f.mustPerson(true)
		c, err := f.svc.Nominate(ctx, f.officer, id, p.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(c.ID, 10))
	}
	if open {
		if err := f.svc.Open(ctx, f.officer, id); err != nil {
			f.t.Fatal(err)
		}
	}
	return id, ids
}

// counts returns the election's ballots (sealed while voting is open,
// plain once closed) and voters.
func (f *fixture) counts(id int64) (ballots, voters int) {
	f.t.Helper()
	if err := f.d.QueryRow(context.Background(), `SELECT (SELECT COUNT(*) FROM election_ballots WHERE election_id = ?)
		+ (SELECT COUNT(*) FROM election_sealed WHERE election_id = ?),
		(SELECT COUNT(*) FROM election_voters WHERE election_id = ?)`, id, id, id).Scan(&ballots, &voters); err != nil {
		f.t.Fatal(err)
	}
	return
}

func code(err error) errs.Code { return errs.CodeOf(err) }

// The ballot table has nothing that could tie a ballot to a voter.
func TestBallotTableHoldsNoVoterNoTimeNoOrder(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		var q string
		if d.Dialect == db.SQLite {
			q = "SELECT name FROM pragma_table_info('election_ballots') ORDER BY name"
		} else {
			q = "SELECT column_name FROM information_schema.columns WHERE table_name = 'election_ballots' AND table_schema = current_schema() ORDER BY column_name"
		}
		rows, err := d.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if want := []string{"choices", "election_id", "tracker"}; !slices.Equal(cols, want) {
			t.Fatalf("election_ballots columns %v, want exactly %v", cols, want)
		}
		if d.Dialect == db.SQLite {
			// A rowid table would number ballots in the order they came.
			var withoutRowid int
			if err := d.QueryRow(context.Background(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'election_ballots' AND sql LIKE '%WITHOUT ROWID%'").Scan(&withoutRowid); err != nil {
				t.Fatal(err)
			}
			if withoutRowid != 1 {
				t.Fatal("election_ballots must be a WITHOUT ROWID table")
			}
		}
	})
}

func TestSixtyFourTriesOneBallot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		voter := f.mustPerson(true)
		id, cands := f.election(MethodChoose, 2, 3, true)
		var ok, conflict, other atomic.Int64
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				_, err := f.svc.Cast(context.Background(), voter, id, BallotInput{Choices: []string{cands[0]}})
				switch {
				case err == nil:
					ok.Add(1)
				case code(err) == errs.Conflict:
					conflict.Add(1)
				default:
					other.Add(1)
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != 63 {
			t.Fatalf("%d accepted, %d refused as duplicates, %d failed; want 1 and 63", ok.Load(), conflict.Load(), other.Load())
		}
		if b, v := f.counts(id); b != 1 || v != 1 {
			t.Fatalf("%d ballots, %d voters; want 1 and 1", b, v)
		}
	})
}

func TestTwoThousandVotersAtOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		voters := f.members(2000)
		id, cands := f.election(MethodChoose, 2, 4, true)
		// Each voter's choice is known to the test (not to the server), so
		// the expected tally is computed independently.
		want := map[string]int{}
		var mu sync.Mutex
		sem := make(chan struct{}, 32)
		var wg sync.WaitGroup
		for i, v := range voters {
			choice := []string{cands[i%4]}
			if i%3 == 0 {
				choice = append(choice, cands[(i+1)%4])
			}
			mu.Lock()
			for _, c := range choice {
				want[c]++
			}
			mu.Unlock()
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if _, err := f.svc.Cast(context.Background(), v, id, BallotInput{Choices: choice}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if b, v := f.counts(id); b != 2000 || v != 2000 {
			t.Fatalf("%d ballots, %d voters; want 2000 and 2000", b, v)
		}
		ctx := context.Background()
		if err := f.svc.Close(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		_, res, err := f.svc.Results(ctx, f.officer, id, i18n.KK)
		if err != nil {
			t.Fatal(err)
		}
		// Recount from the bulletin, page by page.
		recount := map[string]int{}
		n, after := 0, ""
		for {
			page, err := f.svc.Bulletin(ctx, f.officer, id, after, 300)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, b := range page {
				if b.Tracker <= after {
					t.Fatalf("bulletin not ordered by tracker: %q after %q", b.Tracker, after)
				}
				after = b.Tracker
				n++
				for _, c := range b.Choices {
					recount[c]++
				}
			}
		}
		if n != 2000 || res.Ballots != 2000 || res.Electorate < 2000 {
			t.Fatalf("bulletin has %d ballots, results say %d of %d", n, res.Ballots, res.Electorate)
		}
		for _, c := range res.Candidates {
			k := strconv.FormatInt(c.ID, 10)
			if c.Votes != want[k] || c.Votes != recount[k] {
				t.Errorf("candidate %s: tally %d, recount %d, cast %d", k, c.Votes, recount[k], want[k])
			}
		}
	})
}

func TestClosingWhileBallotsArrive(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		voters := f.members(400)
		id, cands := f.election(MethodChoose, 1, 2, true)
		ctx := context.Background()
		var accepted, refused atomic.Int64
		var wg sync.WaitGroup
		start, closed := make(chan struct{}), make(chan struct{})
		sem := make(chan struct{}, 16)
		// The last 50 voters come only after the close (on a busy machine
		// the others may all be in before it): they must be refused.
		for i, v := range voters {
			wg.Go(func() {
				<-start
				if i >= 350 {
					<-closed
				}
				sem <- struct{}{}
				defer func() { <-sem }()
				_, err := f.svc.Cast(ctx, v, id, BallotInput{Choices: []string{cands[0]}})
				switch {
				case err == nil:
					accepted.Add(1)
				case code(err) == errs.Conflict:
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		close(start)
		// Close once some ballots are in.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if b, _ := f.counts(id); b >= 50 {
				break
			}
		}
		if err := f.svc.Close(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		atClose, _ := f.counts(id)
		close(closed)
		wg.Wait()
		b, v := f.counts(id)
		if b != atClose {
			t.Fatalf("%d ballots when closed, %d after: ballots were counted after the close", atClose, b)
		}
		if int64(b) != accepted.Load() || b != v {
			t.Fatalf("%d ballots, %d voters, %d accepted answers", b, v, accepted.Load())
		}
		if accepted.Load()+refused.Load() != 400 || refused.Load() < 50 {
			t.Fatalf("accepted %d + refused %d, want 400 with at least the 50 late ones refused", accepted.Load(), refused.Load())
		}
	})
}

func TestBadBallotsAreRefusedAndChangeNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		voter := f.mustPerson(true)
		outsider := f.mustPerson(false)
		id, cands := f.election(MethodChoose, 2, 3, false)
		// A withdrawn candidate is not on the ballot.
		wid, _ := strconv.ParseInt(cands[2], 10, 64)
		if err := f.svc.Respond(ctx, f.officer, id, wid, "withdraw"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cast(ctx, voter, id, BallotInput{Choices: []string{cands[0]}}); code(err) != errs.Conflict {
			t.Fatalf("before opening: %v", err)
		}
		if err := f.svc.Open(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		late := f.mustPerson(true) // joined after the electorate was fixed
		for name, tc := range map[string]struct {
			u    *auth.User
			in   BallotInput
			want errs.Code
		}{
			"more choices than seats": {voter, BallotInput{Choices: []string{cands[0], cands[1], cands[2]}}, errs.Invalid},
			"unknown candidate":       {voter, BallotInput{Choices: []string{"999999"}}, errs.Invalid},
			"withdrawn candidate":     {voter, BallotInput{Choices: []string{cands[2]}}, errs.Invalid},
			"same candidate twice":    {voter, BallotInput{Choices: []string{cands[0], cands[0]}}, errs.Invalid},
			"marks in a choose vote":  {voter, BallotInput{Marks: map[string]string{cands[0]: For}}, errs.Invalid},
			"outside the electorate":  {outsider, BallotInput{Choices: []string{cands[0]}}, errs.Forbidden},
			"joined after opening":    {late, BallotInput{Choices: []string{cands[0]}}, errs.Forbidden},
			"guest":                   {nil, BallotInput{Choices: []string{cands[0]}}, errs.Unauthorized},
			"wrong code":              {nil, BallotInput{Code: "AAAA-BBBB-CCCC", Choices: []string{cands[0]}}, errs.Invalid},
		} {
			if _, err := f.svc.Cast(ctx, tc.u, id, tc.in); code(err) != tc.want {
				t.Errorf("%s: got %v, want %s", name, err, tc.want)
			}
		}
		if b, v := f.counts(id); b != 0 || v != 0 {
			t.Fatalf("refused ballots left %d ballots, %d voters", b, v)
		}
		if _, err := f.svc.Cast(ctx, voter, id, BallotInput{Choices: []string{cands[0], cands[1]}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cast(ctx, voter, id, BallotInput{Choices: []string{cands[1]}}); code(err) != errs.Conflict {
			t.Fatalf("second ballot: %v", err)
		}
		if err := f.svc.Close(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cast(ctx, voter, id, BallotInput{Choices: []string{cands[0]}}); code(err) != errs.Conflict {
			t.Fatalf("after closing: %v", err)
		}
		if b, v := f.counts(id); b != 1 || v != 1 {
			t.Fatalf("%d ballots, %d voters; want 1 and 1", b, v)
		}
		// A member may not see results before publishing; an officer may.
		if _, _, err := f.svc.Results(ctx, voter, id, i18n.KK); code(err) != errs.Forbidden {
			t.Fatalf("member saw unpublished results: %v", err)
		}
		if err := f.svc.Publish(ctx, f.officer, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Results(ctx, nil, id, i18n.KK); err != nil {
			t.Fatalf("published results hidden from guests: %v", err)
		}
	})
}

func TestVotingCodes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		voters := f.members(5)
		id, cands := f.election(MethodFAA, 1, 2, true)
		id2, _ := f.election(MethodFAA, 1, 1, true)
		member := f.mustPerson(true)
		if _, err := f.svc.IssueCodes(ctx, member, id, nil); code(err) != errs.Forbidden {
			t.Fatalf("a member issued codes: %v", err)
		}
		codes, err := f.svc.IssueCodes(ctx, f.officer, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) < 5 {
			t.Fatalf("%d codes for an electorate of at least 5", len(codes))
		}
		var stored int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM election_codes WHERE code_hash = ? OR code_hash = ?", codes[0].Code, normalizeCode(codes[0].Code)).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 0 {
			t.Fatal("a code is stored in clear")
		}
		byPerson := map[int64]string{}
		for _, c := range codes {
			byPerson[c.PersonID] = c.Code
		}
		c0 := byPerson[voters[0].ID]
		marks := map[string]string{cands[0]: For, cands[1]: Against}
		// Only for its own election.
		if _, err := f.svc.Cast(ctx, nil, id2, BallotInput{Code: c0, Marks: map[string]string{}}); code(err) != errs.Invalid {
			t.Fatalf("a code worked in another election: %v", err)
		}
		// Typed loosely: lower case, spaces for dashes.
		if _, err := f.svc.Cast(ctx, nil, id, BallotInput{Code: strings.ToLower(strings.ReplaceAll(c0, "-", " ")), Marks: marks}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cast(ctx, nil, id, BallotInput{Code: c0, Marks: marks}); code(err) != errs.Conflict {
			t.Fatalf("a code worked twice: %v", err)
		}
		// The code's holder cannot vote again signed in.
		if _, err := f.svc.Cast(ctx, voters[0], id, BallotInput{Marks: marks}); code(err) != errs.Conflict {
			t.Fatalf("voted with a code and again signed in: %v", err)
		}
		// Reissuing replaces the old code.
		again, err := f.svc.IssueCodes(ctx, f.officer, id, []int64{voters[1].ID})
		if err != nil || len(again) != 1 {
			t.Fatalf("reissue: %v %v", again, err)
		}
		if _, err := f.svc.Cast(ctx, nil, id, BallotInput{Code: byPerson[voters[1].ID], Marks: marks}); code(err) != errs.Invalid {
			t.Fatalf("a replaced code still works: %v", err)
		}
		if _, err := f.svc.Cast(ctx, nil, id, BallotInput{Code: again[0].Code, Marks: marks}); err != nil {
			t.Fatal(err)
		}
		// Someone who voted gets no new code.
		if _, err := f.svc.IssueCodes(ctx, f.officer, id, []int64{voters[0].ID}); code(err) != errs.Invalid {
			t.Fatalf("a code for someone who voted: %v", err)
		}
		if b, v := f.counts(id); b != 2 || v != 2 {
			t.Fatalf("%d ballots, %d voters", b, v)
		}
	})
}

func TestTally(t *testing.T) {
	cands := []Candidate{{ID: 1, Name: "A"}, {ID: 2, Name: "B"}, {ID: 3, Name: "C"}, {ID: 4, Name: "D"}}
	ch := func(ids ...string) Ballot { return Ballot{Choices: ids} }
	elected := func(r Result) []int64 {
		var out []int64
		for _, c := range r.Candidates {
			if c.Elected {
				out = append(out, c.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	e := &Election{Seats: 2, Method: MethodChoose, Rule: RulePlurality, QuorumBP: 5000, Electorate: 10}
	r := Tally(e, cands, []Ballot{ch("1", "2"), ch("1", "3"), ch("1", "2"), ch("2"), ch("3", "4"), ch()})
	if got := elected(r); !slices.Equal(got, []int64{1, 2}) || r.Valid != 5 || r.Ballots != 6 || !r.QuorumReached || r.SecondRound {
		t.Fatalf("plurality: elected %v, %+v", got, r)
	}
	// A tie for the last seat: 1 elected, 2 and 3 to a second round.
	r = Tally(e, cands, []Ballot{ch("1", "2"), ch("1", "3"), ch("1"), ch("2"), ch("3")})
	if got := elected(r); !slices.Equal(got, []int64{1}) || !r.SecondRound {
		t.Fatalf("tie: elected %v, second round %v", got, r.SecondRound)
	}
	// Below quorum nobody is elected.
	r = Tally(e, cands, []Ballot{ch("1"), ch("1")})
	if got := elected(r); len(got) != 0 || r.QuorumReached {
		t.Fatalf("no quorum: elected %v", got)
	}
	// Majority: more than half of the ballots.
	e.Rule = RuleMajority
	r = Tally(e, cands, []Ballot{ch("1", "2"), ch("1", "3"), ch("1", "4"), ch("2", "3"), ch("4"), ch("2")})
	if got := elected(r); len(got) != 0 {
		t.Fatalf("majority: 3 votes of 6 ballots is not more than half, yet elected %v", got)
	}
	r = Tally(e, cands, []Ballot{ch("1", "2"), ch("1", "3"), ch("1", "4"), ch("2", "3"), ch("4"), ch("2"), ch("1")})
	if got := elected(r); !slices.Equal(got, []int64{1}) {
		t.Fatalf("majority: elected %v %+v", got, r.Candidates)
	}
	// For/against/abstain: more for than against is needed.
	e = &Election{Seats: 2, Method: MethodFAA, Rule: RulePlurality, QuorumBP: 0, Electorate: 4}
	m := func(kv ...string) Ballot {
		b := Ballot{Marks: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			b.Marks[kv[i]] = kv[i+1]
		}
		return b
	}
	r = Tally(e, cands, []Ballot{m("1", For, "2", Against), m("1", For, "2", For), m("1", Abstain, "2", Against), m("3", Against)})
	if got := elected(r); !slices.Equal(got, []int64{1}) {
		t.Fatalf("for/against: elected %v %+v", got, r.Candidates)
	}
}

// A member who signed up at 16 without a guardian's consent and has
// turned 18 since votes like any adult; one still 17 does not.
func TestElectorateCountsAdultsWhoWereMinors(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		grown, young := f.mustPerson(true), f.mustPerson(true)
		now := d.Now()
		f.exec("UPDATE users SET consent_required = TRUE, birth_date = ? WHERE id = ?", now.AddDate(-18, 0, -1).Format("2006-01-02"), grown.ID)
		f.exec("UPDATE users SET consent_required = TRUE, birth_date = ? WHERE id = ?", now.AddDate(-17, 0, 0).Format("2006-01-02"), young.ID)
		id, _ := f.election(MethodChoose, 1, 2, true)
		in, _, err := f.svc.VoterStatus(ctx, id, grown.ID)
		if err != nil || !in {
			t.Fatalf("the 18-year-old is not in the electorate (%v)", err)
		}
		in, _, err = f.svc.VoterStatus(ctx, id, young.ID)
		if err != nil || in {
			t.Fatalf("the 17-year-old without consent is in the electorate (%v)", err)
		}
	})
}
