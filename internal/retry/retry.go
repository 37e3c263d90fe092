// Package retry has the waits between attempts at delivering a stored
// message (internal/outbox: meeting mail, notifications' emails and
// Telegram messages).
package retry

import "time"

// Backoff is the wait after the n-th failed attempt (n ≥ 1): 30 s, 1 min,
// 2 min … up to 30 min.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}
