package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ortaq/ortaq/internal/db"
)

// Metrics counts requests and their latencies by route (the registered
// pattern, never the raw path, so labels stay few) and exposes the
// database pools' statistics.
type Metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
}

// NewMetrics registers the collectors.
func NewMetrics(d *db.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ortaq_http_request_duration_seconds",
			Help:    "Time to serve a request, by route, method and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "code"}),
	}
	reg.MustRegister(m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d != nil {
		reg.MustRegister(dbCollector{d})
	}
	return m
}

type routeHolder struct{ route string }

type routeKey struct{}

// route wraps a handler so the metrics middleware learns its pattern.
func (m *Metrics) route(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rh := routeOf(r); rh != nil {
			rh.route = pattern
		}
		h.ServeHTTP(w, r)
	})
}

// routeOf is where the metrics middleware expects to learn r's route
// (nil outside it).
func routeOf(r *http.Request) *routeHolder {
	rh, _ := r.Context().Value(routeKey{}).(*routeHolder)
	return rh
}

// observe counts one answered request: its route (as routeHolder learnt
// it), method, status and how long it took.
func (m *Metrics) observe(route, method string, code int, d time.Duration) {
	if code == 0 {
		code = http.StatusOK
	}
	m.duration.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

// Handler serves the Prometheus exposition.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// serveMetrics answers GET /metrics on the public address: only to a
// scraper with the metrics token (--metrics-token). Without a token it is
// not there (404): the figures tell an outsider how busy the site is and
// which routes exist, and a check for loopback connections would let
// everything in through a reverse proxy on the same machine. Monitoring
// then reads the separate --metrics-addr (MetricsHandler).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsToken == "" {
		http.NotFound(w, r)
		return
	}
	s.MetricsHandler().ServeHTTP(w, r)
}

// MetricsHandler serves GET /metrics and nothing else, behind the metrics
// token when one is configured: for the --metrics-addr listener.
func (s *Server) MetricsHandler() http.Handler {
	exposition := s.metrics.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if s.cfg.MetricsToken != "" && !bearerIs(r, s.cfg.MetricsToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		exposition.ServeHTTP(w, r)
	})
}

// bearerIs reports whether r carries "Authorization: Bearer token", in time
// that does not depend on how much of a guess was right.
func bearerIs(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

type dbCollector struct{ d *db.DB }

var (
	dbOpen  = prometheus.NewDesc("ortaq_db_open_connections", "Open database connections.", []string{"pool"}, nil)
	dbInUse = prometheus.NewDesc("ortaq_db_in_use_connections", "Database connections in use.", []string{"pool"}, nil)
	dbIdle  = prometheus.NewDesc("ortaq_db_idle_connections", "Idle database connections.", []string{"pool"}, nil)
	dbWaits = prometheus.NewDesc("ortaq_db_wait_count_total", "Times a request waited for a connection.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("ortaq_db_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	dbRead  = prometheus.NewDesc("ortaq_db_reading_requests", "Requests holding a place to read (the others with reads to make wait in line).", nil, nil)
)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbOpen, dbInUse, dbIdle, dbWaits, dbWait, dbRead} {
		ch <- d
	}
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(dbRead, prometheus.GaugeValue, float64(c.d.Reading()))
	w, r := c.d.Stats()
	pools := map[string]sql.DBStats{"writer": w}
	if c.d.Dialect == db.SQLite {
		pools["reader"] = r // on PostgreSQL both are one pool
	}
	for name, p := range pools {
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(p.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(p.InUse), name)
		ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(p.Idle), name)
		ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(p.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, p.WaitDuration.Seconds(), name)
	}
}
