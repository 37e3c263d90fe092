package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// A stopping node refuses new connections at once (a proxy may resend
// anything, POSTs included, to another node), but a request that arrives
// on a connection the proxy kept open is still answered — with
// "Connection: close" — rather than lost with the connection. The node
// then stops as soon as its clients have closed their connections.
func TestShutdownDrainsKeptAliveConnections(t *testing.T) {
	d := dbtest.SQLite(t)
	env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) { c.ShutdownDrain = 30 * time.Second }})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()

	get := func() (*http.Response, bool) {
		t.Helper()
		reused := false
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		})
		req, _ := http.NewRequestWithContext(ctx, "GET", env.URL+"/kk/", nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET on the kept-alive connection: %v", err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res, reused
	}
	if res, _ := get(); res.StatusCode != 200 || res.Close {
		t.Fatalf("before shutdown: status %d, close %v; want 200 on a kept-alive connection", res.StatusCode, res.Close)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- env.Stop() }()
	addr := strings.TrimPrefix(env.URL, "http://")
	refused := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Fatal("the stopping node still accepts new connections")
	}
	// A node that closed its idle connections with the listener would have
	// done so by now.
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("the node stopped (%v) while a client still held a kept-alive connection, within its drain time", err)
	default:
	}

	res, reused := get()
	if !reused {
		t.Fatal("the request did not go on the kept-alive connection")
	}
	if res.StatusCode != 200 || !res.Close {
		t.Fatalf("while draining: status %d, close %v; want 200 and Connection: close", res.StatusCode, res.Close)
	}
	// The server closed the connection after that answer: nothing is left
	// open, so the node stops well before its 30 s drain time.
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the node still waits after its last connection closed")
	}
}
