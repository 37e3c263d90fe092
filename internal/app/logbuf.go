package app

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer gathers log lines and writes them in batches: at most
// logFlushEvery after the first line of a batch, when logBufferMax bytes
// are waiting, at once for a warning or an error (flushingHandler), and
// on Flush. A busy node logs a line per request; written one by one, each
// line is a system call that costs a guest's page copy about as much as
// the rest of the request log (docs/benchmarks.md, "Guest pages against
// nginx"). Lines keep their order; what a crash loses is at most the last
// logFlushEvery of INFO lines.
type logBuffer struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending bool // a flush is scheduled
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferMax  = 64 << 10
)

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferMax {
		b.flushLocked()
	} else if !b.pending {
		b.pending = true
		time.AfterFunc(logFlushEvery, b.Flush)
	}
	return len(p), nil
}

// Flush writes what is waiting.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.pending = false
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) > 0 {
		b.w.Write(b.buf) // nowhere to report a failing log
		b.buf = b.buf[:0]
	}
	if cap(b.buf) > 4*logBufferMax { // a huge line once: don't keep its room
		b.buf = nil
	}
}

// flushingHandler writes a warning or an error, and what waits before it,
// at once.
type flushingHandler struct {
	slog.Handler
	b *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.b.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(as), h.b}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.b}
}

// FlushLog writes the log lines log still holds (see NewLogger); call it
// before the process ends.
func FlushLog(log *slog.Logger) {
	if h, ok := log.Handler().(flushingHandler); ok {
		h.b.Flush()
	}
}
