package app

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A log written to a file keeps every line in order: INFO lines arrive
// within the flush interval, a warning at once with what waited before it,
// and the rest on FlushLog.
func TestLogToFileIsBatchedButComplete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ortaq.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log := NewLogger(f, "json", "info")
	read := func() []string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			var line struct{ Msg string }
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			msgs = append(msgs, line.Msg)
		}
		return msgs
	}

	log.Info("one")
	log.Info("two")
	if got := read(); len(got) != 0 {
		t.Fatalf("INFO lines were written one by one: %q", got)
	}
	log.Warn("three")
	if got := strings.Join(read(), ","); got != "one,two,three" {
		t.Fatalf("after a warning the file has %q, want one,two,three", got)
	}
	log.With("k", "v").Info("four")
	deadline := time.Now().Add(5 * time.Second)
	for strings.Join(read(), ",") != "one,two,three,four" {
		if time.Now().After(deadline) {
			t.Fatalf("an INFO line was not written within the flush interval: %q", read())
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Error("five")
	log.Info("six")
	FlushLog(log)
	if got := strings.Join(read(), ","); got != "one,two,three,four,five,six" {
		t.Fatalf("after FlushLog the file has %q", got)
	}
}
