package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kynangso/kynangso/internal/store"
)

// metrics is the server's own Prometheus registry: no global default
// registry, so two servers in one test process never collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	quizzes  *prometheus.CounterVec
	handler  http.Handler
}

func newMetrics(st *store.Store) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kynangso_http_requests_total", Help: "HTTP requests by route pattern and status code.",
	}, []string{"method", "route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "kynangso_http_request_duration_seconds", Help: "Time to answer a request, by route pattern.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	m.quizzes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kynangso_quiz_submissions_total", Help: "Graded quiz submissions by outcome.",
	}, []string{"outcome"})
	up := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kynangso_database_up", Help: "1 when the database answered a ping within a second.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if st.Ping(ctx) != nil {
			return 0
		}
		return 1
	})
	m.reg.MustRegister(m.requests, m.duration, m.quizzes, up,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// observe counts one request. Every label comes from a closed set, so no
// client can create series: the route is a pattern from routes.go (or
// "unmatched"), the method one of the standard ones (or "other"), and the
// status a number the server itself chose.
func (m *metrics) observe(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(methodLabel(method), route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// methodLabel maps a request method to a closed set of labels.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// metricsShow answers /metrics to clients on this machine, or to anyone
// with the configured bearer token. A request relayed by a proxy on the
// same host carries a forwarding header and needs the token (see
// fromThisMachine).
func (s *Server) metricsShow(c echo.Context) error {
	r := c.Request()
	allowed := fromThisMachine(r, s.cfg.TrustProxy)
	if tok := s.cfg.MetricsToken; tok != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+tok)) == 1 {
		allowed = true
	}
	if !allowed {
		return echo.ErrForbidden
	}
	m := s.metrics
	m.handler.ServeHTTP(c.Response(), r)
	return nil
}
