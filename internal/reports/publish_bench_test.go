package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/photo/phototest"
	"github.com/ortaq/ortaq/internal/reports"
)

// BenchmarkPublishFivePhonePhotos publishes a report with 5 phone photos
// (4000×3000 JPEG, ~4 MB each, 20 MB in all) through the API, as a phone
// uploads it (multipart), on each engine, and waits until this node's
// worker has prepared the photos before the next one. Metrics per report:
// server-ms, the request's time as the server counts it (Server-Timing
// app;dur — what the budget is about); wall-ms, the same seen by
// the client on loopback (sending 20 MB included); cpu-ms, the process's
// CPU time during the request; ready-ms, from sending until every photo
// is prepared; prep-cpu-ms, the CPU time from the answer until then.
//
//	go test ./internal/reports -run '^$' -bench PublishFivePhonePhotos -benchtime 5x
func BenchmarkPublishFivePhonePhotos(b *testing.B) {
	photos := make([][]byte, 5)
	size := 0
	for i := range photos {
		photos[i] = phototest.Phone(4000, 3000, uint64(i+1))
		size += len(photos[i])
	}
	b.Logf("5 photos, 4000×3000 JPEG, %.1f MB in all", float64(size)/(1<<20))
	engines := map[string]func(testing.TB) *db.DB{"sqlite": dbtest.SQLite, "postgres": dbtest.Postgres}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			publishBench(b, engines[name](b), photos)
		})
	}
}

var appDur = regexp.MustCompile(`app;dur=([0-9.]+)`)

func publishBench(b *testing.B, d *db.DB, photos [][]byte) {
	env := apptest.Start(b, d, apptest.Options{})
	org := env.NewOrg(0, "Бенчмарк ұйымы")
	editor := env.NewPerson()
	env.Grant(editor, org, "admin")
	tok, err := env.App.Auth.CreateToken(context.Background(), editor.User, "bench", editor.User.ID)
	if err != nil {
		b.Fatal(err)
	}
	var server, wall, cpu, ready, prep []float64
	i := 0
	for b.Loop() {
		i++
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		pw, _ := mw.CreateFormField("report")
		fmt.Fprintf(pw, `{"organization_id":"%d","title":{"kk":"Бес суретпен есеп %d"},"body":{"kk":"Телефоннан жіберілген бес сурет."}}`, org, i)
		for k, p := range photos {
			fw, _ := mw.CreateFormFile("photo", fmt.Sprintf("IMG_%04d.jpg", k))
			fw.Write(p)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", env.URL+"/api/v1/reports", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		c0, t0 := cpuTime(), time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t1, c1 := time.Now(), cpuTime()
		if resp.StatusCode != 201 {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
		m := appDur.FindStringSubmatch(resp.Header.Get("Server-Timing"))
		if m == nil {
			b.Fatalf("Server-Timing %q", resp.Header.Get("Server-Timing"))
		}
		ms, _ := strconv.ParseFloat(m[1], 64)
		server = append(server, ms)
		wall = append(wall, float64(t1.Sub(t0).Microseconds())/1000)
		cpu = append(cpu, float64((c1-c0).Microseconds())/1000)
		// This node's worker was woken by the commit; wait for it.
		var n int
		for {
			if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM report_photos WHERE due_at IS NOT NULL`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		ready = append(ready, float64(time.Since(t0).Microseconds())/1000)
		prep = append(prep, float64((cpuTime()-c1).Microseconds())/1000)
	}
	var failed int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM report_photos WHERE state <> 'ready'`).Scan(&failed); err != nil || failed > 0 {
		b.Fatalf("%d photos not ready (%v)", failed, err)
	}
	for _, x := range []struct {
		v    []float64
		unit string
	}{{server, "server-ms"}, {wall, "wall-ms"}, {cpu, "cpu-ms"}, {ready, "ready-ms"}, {prep, "prep-cpu-ms"}} {
		b.ReportMetric(median(x.v), x.unit)
	}
	b.ReportMetric(slices.Max(server), "server-max-ms")
	b.ReportMetric(0, "ns/op") // the metrics above say it
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuTime is this process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var _ = reports.DisplaySide
