//go:build !unix

package draw

import "time"

func cpuTime() time.Duration { return 0 }
