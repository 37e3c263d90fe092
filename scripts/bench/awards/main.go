// Command awards measures the budgets of issue 16 for awards on a fresh
// database of either engine, with the whole app serving HTTP on loopback
// in this process:
//
//  1. issue: POST /api/v1/awards with N recipients (one batch), wall time;
//
//  2. print: GET /kk/organizations/{id}/awards/print?batch=… as the
//     organizer: the N awards read and rendered into one PDF with QR codes
//     (budget: 1,000 under 20 s), wall time and size;
//
//  3. verification: 32 clients for -d on the verification page
//     GET /kk/awards/{code} and the API GET /api/v1/awards/verify/{code},
//     random codes among the N; server time (Server-Timing) p50/p99
//     (budget: p99 under 5 ms) and latency as the clients saw it.
//
//     go run ./scripts/bench/awards -db sqlite
//     go run ./scripts/bench/awards -db 'postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'
//
// On PostgreSQL the data goes into a new schema, dropped at the end.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/scripts/bench/harness"
	"github.com/ortaq/ortaq/scripts/bench/servertime"
)

func main() {
	dbFlag := flag.String("db", "sqlite", `"sqlite" (a temporary file) or a postgres:// URL (a new schema in it)`)
	n := flag.Int("n", 1000, "awards in the batch")
	conc := flag.Int("c", 32, "concurrent clients on the verification page and API")
	dur := flag.Duration("d", 5*time.Second, "how long to load each of the page and the API")
	flag.Parse()
	if err := run(*dbFlag, *n, *conc, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "awards bench:", err)
		os.Exit(1)
	}
}

func run(dbURL string, n, conc int, dur time.Duration) error {
	ctx := context.Background()
	dbURL, drop, err := harness.Database(dbURL, "awards")
	if err != nil {
		return err
	}
	defer drop()
	cfg, err := harness.Config(dbURL)
	if err != nil {
		return err
	}
	cfg.SecretKey = "bench secret key, long enough for the check"
	a, err := harness.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	base := a.Base
	fmt.Printf("engine: %s, %d awards, %d clients\n", a.DB.Dialect, n, conc)

	organizer, _, err := a.Auth.CreateConfirmed(ctx, 0, auth.NewUser{Name: "Ұйымдастырушы", Email: "organizer@bench.kz", Password: "bench password", BirthDate: "1985-01-01"})
	if err != nil {
		return err
	}
	tok, err := a.Auth.CreateToken(ctx, organizer, "bench", organizer.ID)
	if err != nil {
		return err
	}
	var org int64
	err = a.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO organizations (path, kind, name_kk, name_ru, created_at, updated_at)
			VALUES ('', 'assembly', 'Сарысу аудандық Қазақстан халқы Ассамблеясы', 'Ассамблея народа Казахстана Сарысуского района', ?, ?) RETURNING id`,
			tx.Now, tx.Now).Scan(&org); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE organizations SET path = ? WHERE id = ?", fmt.Sprintf("/%d/", org), org); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO role_grants (user_id, org_id, role, created_at) VALUES (?, ?, 'moderator', ?)", organizer.ID, org, tx.Now)
		return err
	})
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}, Timeout: 120 * time.Second}

	// --- 1. issue
	type rec struct {
		Name  string `json:"name"`
		Place int    `json:"place,omitempty"`
	}
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{Name: fmt.Sprintf("Қатысушы Әлібекұлы Өтепов %04d", i)}
	}
	body, _ := json.Marshal(map[string]any{"organization_id": fmt.Sprint(org), "kind": "certificate",
		"title":      map[string]string{"kk": "«Достық керуені» аудандық фестиваліне қатысқаны үшін", "ru": "За участие в районном фестивале «Караван дружбы»"},
		"recipients": recs})
	req, _ := http.NewRequest("POST", base+"/api/v1/awards", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	var out struct {
		Items []struct{ ID, Code string }
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil || len(out.Items) != n {
		return fmt.Errorf("issue: %d %.300s", resp.StatusCode, b)
	}
	fmt.Printf("issue: %d awards in one request: %v\n", n, time.Since(t0).Round(time.Millisecond))
	var batch int64
	if err := a.DB.QueryRow(ctx, "SELECT batch_id FROM awards WHERE code = ?", out.Items[0].Code).Scan(&batch); err != nil {
		return err
	}

	// --- 2. print the batch as the organizer (signed in through the form).
	pc, err := harness.SignIn(base, "organizer@bench.kz", "bench password", 2)
	if err != nil {
		return err
	}
	pc.Timeout = 120 * time.Second
	t0 = time.Now()
	resp, err = pc.Get(fmt.Sprintf("%s/kk/organizations/%d/awards/print?batch=%d", base, org, batch))
	if err != nil {
		return err
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(pdf), "%PDF") {
		return fmt.Errorf("print: %d", resp.StatusCode)
	}
	fmt.Printf("print: %d awards into one PDF with QR codes: %v, %.2f MB (server time %v)\n", n, time.Since(t0).Round(time.Millisecond),
		float64(len(pdf))/1e6, servertime.Of(resp.Header).Round(time.Millisecond))

	// --- 3. verification page and API under load.
	for _, target := range []struct{ name, path string }{{"page", "/kk/awards/"}, {"api", "/api/v1/awards/verify/"}} {
		for range 50 { // warm up
			r, err := hc.Get(base + target.path + out.Items[mrand.IntN(n)].Code)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode != 200 {
				return fmt.Errorf("%s: %d", target.name, r.StatusCode)
			}
		}
		lat := make([][]time.Duration, conc)
		srv := make([][]time.Duration, conc)
		deadline := time.Now().Add(dur)
		var wg sync.WaitGroup
		for w := range conc {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					s := time.Now()
					r, err := hc.Get(base + target.path + out.Items[mrand.IntN(n)].Code)
					if err != nil {
						continue
					}
					io.Copy(io.Discard, r.Body)
					r.Body.Close()
					lat[w] = append(lat[w], time.Since(s))
					if d := servertime.Of(r.Header); d >= 0 {
						srv[w] = append(srv[w], d)
					}
				}
			})
		}
		wg.Wait()
		all := slices.Concat(lat...)
		srvAll := slices.Concat(srv...)
		fmt.Printf("verification %s: %d requests in %v = %.0f/s; server time p50 %v p99 %v; latency p50 %v p99 %v (%d clients)\n",
			target.name, len(all), dur, float64(len(all))/dur.Seconds(),
			servertime.Pct(srvAll, 50).Round(10*time.Microsecond), servertime.Pct(srvAll, 99).Round(10*time.Microsecond),
			servertime.Pct(all, 50).Round(10*time.Microsecond), servertime.Pct(all, 99).Round(10*time.Microsecond), conc)
	}
	return nil
}
