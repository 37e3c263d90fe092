// Package servertime reads the Server-Timing header Ortaq sends with every
// answer (how long the server worked on the request before answering), so
// the load tools can report server time — what the budgets in DESIGN.md §8
// are written in — beside the latency their clients saw.
package servertime

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Of returns the app duration of h's Server-Timing header, or -1.
func Of(h http.Header) time.Duration {
	v := h.Get("Server-Timing")
	_, dur, ok := strings.Cut(v, "app;dur=")
	if !ok {
		return -1
	}
	dur, _, _ = strings.Cut(dur, ",") // the db statement count follows

	ms, err := strconv.ParseFloat(dur, 64)
	if err != nil {
		return -1
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// Pct returns the p-th percentile (0–100) of ds (sorted in place), or 0.
func Pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p/100))]
}
