package web

import (
	"context"
	"net"
	"net/http"
)

type connKey struct{}

// ConnContext keeps a TCP connection in the context of its requests, so
// that a page copy can be sent corked (writeCorked). Set it as the
// http.Server's ConnContext; without it copies are sent as usual.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*net.TCPConn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// corkAbove is the body size from which net/http writes a response in two
// system calls: its connection buffer holds 4 KiB, head included.
const corkAbove = 3 << 10

// writeCorked writes a response whose head and body net/http would send as
// two TCP segments (it fills its 4 KiB buffer, sends it, then the rest) as
// one: the socket is corked (TCP_CORK) while both are written, and
// uncorked once they are flushed, as nginx does with tcp_nopush. On
// loopback and on a LAN the second segment is half the kernel's work of a
// page copy, for the receiver as well (measured in docs/benchmarks.md,
// "Guest pages against nginx"). Without a TCP connection in the context
// (ConnContext; HTTP/2, tests) it just writes.
func writeCorked(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	tc, _ := r.Context().Value(connKey{}).(*net.TCPConn)
	if tc == nil || len(body) < corkAbove || r.ProtoMajor != 1 {
		w.WriteHeader(status)
		w.Write(body)
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil || setCork(rc, 1) != nil {
		w.WriteHeader(status)
		w.Write(body)
		return
	}
	defer setCork(rc, 0) // also when the write panics: a corked socket would hold later answers up to 200 ms
	w.WriteHeader(status)
	w.Write(body)
	http.NewResponseController(w).Flush()
}
