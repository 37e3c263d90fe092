package servertime

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// On PostgreSQL the database server, Ortaq and the load generator share
// the machine's cores, so a request costs the CPU of all three; on a
// shared machine the CPU time per request is also a steadier figure than
// latency, which includes the wait for a core. CPU samples the three.

// CPU is the CPU time (user + system) used so far by the Ortaq process, by
// the PostgreSQL backends connected to one database, and by this process
// (the load generator).
type CPU struct {
	Ortaq, Postgres, Generator time.Duration
	Backends                   int // PostgreSQL backends found
}

// tick is the kernel's clock tick (USER_HZ), 100 per second on Linux.
const tick = 10 * time.Millisecond

// SampleCPU reads the CPU used so far by process pid (0: none) and by the
// backends of PostgreSQL database pgdb ("": none; found by their process
// titles, "postgres: USER DB HOST(PORT) STATE"), and this process's own.
func SampleCPU(pid int, pgdb string) CPU {
	var c CPU
	if pid > 0 {
		c.Ortaq = procCPU(strconv.Itoa(pid))
	}
	if pgdb != "" {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, d := range dirs {
			cmd, err := os.ReadFile(d + "/cmdline")
			if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) {
				continue
			}
			f := strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " "))
			if len(f) >= 3 && f[2] == pgdb {
				c.Postgres += procCPU(filepath.Base(d))
				c.Backends++
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.Generator = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return c
}

func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; count from its end.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	k, _ := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	return time.Duration(u+k) * tick
}

// PerRequest formats the CPU used between a and b divided by n requests.
func PerRequest(a, b CPU, n int) string {
	if n == 0 {
		return "no requests"
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	o, p, g := per(b.Ortaq-a.Ortaq), per(b.Postgres-a.Postgres), per(b.Generator-a.Generator)
	return fmt.Sprintf("CPU per request: ortaq %.0f µs + postgres %.0f µs (%d backends) + generator %.0f µs = %.0f µs",
		o, p, b.Backends, g, o+p+g)
}

// Statements returns the number of database statements of h's
// Server-Timing header (db;desc="N statements"), or -1.
func Statements(h http.Header) int {
	_, s, ok := strings.Cut(h.Get("Server-Timing"), `db;desc="`)
	if !ok {
		return -1
	}
	s, _, _ = strings.Cut(s, " ")
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
