//go:build unix

package certificate

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user + system, every
// thread, the garbage collector's included). Benchmarks report it per
// operation beside the wall time, because on the shared machine other
// people's runs stretch the wall time, not the CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
