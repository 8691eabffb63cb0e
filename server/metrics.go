package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP metrics of one server, registered in its own registry.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// reads counts reads by the server that answered them, with read
	// replicas: standby, primary, or retry (the primary, after a statement
	// failed on the standby).
	reads *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blog_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "blog_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	m.reads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "blog_read_requests_total",
		Help: "Reads (GET, HEAD) under read replicas, by the server that answered: standby, primary, or retry (the primary, after the standby failed).",
	}, []string{"server"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "blog_http_requests_in_flight",
		Help: "HTTP requests being served.",
	})
	b := BuildInfo()
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "blog_build_info",
		Help:        "Always 1; the labels describe the running binary (blog version).",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.reads, build)
	return m
}

// record counts and times one request under its method, route pattern
// and status.
func (m *metrics) record(method, route string, status int, elapsed time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(method, route, code).Observe(elapsed.Seconds())
}
