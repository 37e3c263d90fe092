package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
)

// leanConn is one keep-alive HTTP/1.1 connection of the support load:
// the request is written as bytes composed once per call and the answer
// read by its status line, Content-Length and body, no more. Go's
// net/http client costs ~50 µs of CPU per request on the 2-core box,
// which the load generator takes from the server it measures (pgbench,
// the reference it is compared with, is a lean C client); this one costs
// a fraction of that. It speaks only what ortaq answers an API call
// with: a body with Content-Length, no chunking, no 1xx.
type leanConn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	body []byte
}

func (l *leanConn) dial() error {
	c, err := net.Dial("tcp", l.addr)
	if err != nil {
		return err
	}
	l.c, l.r = c, bufio.NewReaderSize(c, 8192)
	return nil
}

// do sends req (a whole request) and returns the status and body (valid
// until the next call). A broken connection is dialed again once.
func (l *leanConn) do(req []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		if l.c == nil {
			if err := l.dial(); err != nil {
				return 0, nil, err
			}
		}
		status, body, err := l.roundTrip(req)
		if err == nil {
			return status, body, nil
		}
		l.c.Close()
		l.c = nil
		if attempt > 0 {
			return 0, nil, err
		}
	}
}

func (l *leanConn) roundTrip(req []byte) (int, []byte, error) {
	if _, err := l.c.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := l.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	n := -1
	closing := false
	for {
		h, err := l.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if n, err = strconv.Atoi(string(v)); err != nil {
				return 0, nil, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Connection")) && bytes.EqualFold(v, []byte("close")):
			closing = true
		}
	}
	if n < 0 {
		return 0, nil, fmt.Errorf("answer without Content-Length")
	}
	if cap(l.body) < n {
		l.body = make([]byte, n)
	}
	l.body = l.body[:n]
	if _, err := io.ReadFull(l.r, l.body); err != nil {
		return 0, nil, err
	}
	if closing {
		l.c.Close()
		l.c = nil
	}
	return status, l.body, nil
}
