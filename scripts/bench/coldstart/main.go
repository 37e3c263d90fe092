// Command coldstart measures how long `ortaq serve` takes from exec to the
// first 200 from /healthz on an empty SQLite database (DESIGN.md §8: under
// 0.5 s). Every run gets a fresh temporary directory and a free loopback
// port; the server is stopped with SIGTERM and its directory removed before
// the next run.
//
//	go run ./scripts/bench/coldstart -bin /tmp/ortaq -n 10
//
// The last line is machine-readable (RESULT key=value …) for scripts/bench/core.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "/tmp/ortaq", "the ortaq binary")
	n := flag.Int("n", 10, "number of cold starts")
	poll := flag.Duration("poll", 2*time.Millisecond, "interval between /healthz attempts")
	timeout := flag.Duration("timeout", 20*time.Second, "give up on one start after this long")
	extra := flag.String("args", "", "extra arguments after `serve` (space-separated)")
	flag.Parse()

	var times []time.Duration
	for i := range *n {
		d, err := once(*bin, *poll, *timeout, *extra)
		if err != nil {
			fmt.Fprintf(os.Stderr, "run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		fmt.Printf("run %2d: %7.1f ms\n", i+1, ms(d))
		times = append(times, d)
	}
	slices.Sort(times)
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	fmt.Printf("cold start to first 200 from /healthz, %d runs: min %.1f ms, median %.1f ms, max %.1f ms\n",
		len(times), ms(times[0]), ms(med), ms(times[len(times)-1]))
	fmt.Printf("RESULT runs=%d min_ms=%.1f median_ms=%.1f max_ms=%.1f\n",
		len(times), ms(times[0]), ms(med), ms(times[len(times)-1]))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// freePort asks the kernel for a free loopback port. (Another process could
// take it before ortaq binds it; on a test machine that is rare, and the run
// then fails loudly rather than measuring the wrong thing.)
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func once(bin string, poll, timeout time.Duration, extra string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "ortaq-coldstart-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(filepath.Join(dir, "ortaq.log"))
	if err != nil {
		return 0, err
	}
	defer logf.Close()

	args := []string{"serve", "--addr", addr, "--db", "sqlite:" + filepath.Join(dir, "ortaq.db"), "--log-format", "json"}
	if extra != "" {
		args = append(args, strings.Fields(extra)...)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf

	// One connection per attempt, no keep-alive: the first success is a
	// fresh connection, like a load balancer's health check.
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		Timeout:   time.Second,
	}
	url := "http://" + addr + "/healthz"

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				d := time.Since(start)
				stop()
				return d, nil
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "ortaq.log"))
			return 0, fmt.Errorf("ortaq exited before answering (%v):\n%s", err, log)
		case <-ctx.Done():
			stop()
			return 0, fmt.Errorf("no 200 from %s within %v", url, timeout)
		case <-time.After(poll):
		}
	}
}
