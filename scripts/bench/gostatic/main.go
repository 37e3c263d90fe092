// Command gostatic is a reference point for scripts/bench/home-vs-nginx: a
// bare net/http server that answers every request with one file's bytes and
// a fixed set of headers (those Ortaq sent for the page), with no routing,
// middleware, logging or templates. It shows what Go's HTTP server itself
// costs on this machine, beside nginx and Ortaq.
//
//	go run ./scripts/bench/gostatic -addr 127.0.0.1:8081 -body page.html -headers headers.txt
//
// headers.txt is a response head as `curl -D` writes it; the status line,
// Date and Content-Length are left out (net/http writes its own).
package main

import (
	"bufio"
	"flag"
	"log"
	"maps"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "loopback address to listen on")
	bodyFile := flag.String("body", "", "file with the response body")
	headerFile := flag.String("headers", "", "response head as written by curl -D (optional)")
	flag.Parse()

	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatal(err)
	}
	header := http.Header{}
	if *headerFile != "" {
		f, err := os.Open(*headerFile)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, value, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), ":")
			if !ok || strings.HasPrefix(name, "HTTP/") {
				continue
			}
			switch http.CanonicalHeaderKey(name) {
			case "Date", "Content-Length":
				continue
			}
			header.Add(name, strings.TrimSpace(value))
		}
		f.Close()
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))

	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maps.Copy(w.Header(), header)
		w.Write(body)
	})))
}
