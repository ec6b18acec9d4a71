package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func TestHealth(t *testing.T) {
	st := testutil.NewStore(t)
	srv := testutil.NewServer(t, testutil.ServerOptions{Store: st})
	c := srv.Client()

	res := c.Get("/healthz")
	assert.Equal(t, res.Status, 200)
	var h struct {
		Status, Database string
		Lessons          int
	}
	assert.NoErr(t, json.Unmarshal([]byte(res.Body), &h))
	assert.Equal(t, h.Status, "ok")
	assert.Equal(t, h.Database, "ok")
	assert.Equal(t, h.Lessons, testutil.Catalog(t).LessonCount())

	assert.NoErr(t, st.Close()) // the database goes away
	res = c.Get("/healthz")
	assert.Equal(t, res.Status, http.StatusServiceUnavailable)
	assert.Contains(t, res.Body, `"database":"unreachable"`)
}

func TestMetrics(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Config: config.Config{MetricsToken: "s3cret-token"}})
	c := srv.Client()
	c.Get("/")
	c.Get("/modules/khong-co")

	res := c.Get("/metrics") // httptest listens on 127.0.0.1: a loopback client
	assert.Equal(t, res.Status, 200)
	assert.Contains(t, res.Body,
		`kynangso_http_requests_total{code="200",method="GET",route="/"} 1`,
		`kynangso_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		"kynangso_database_up 1", "go_goroutines", "process_resident_memory_bytes")

	proxied := srv.Client()
	proxied.Header.Set("X-Forwarded-For", "203.0.113.9")
	assert.Equal(t, proxied.Get("/metrics").Status, http.StatusForbidden)
	proxied.Header.Set("Authorization", "Bearer wrong")
	assert.Equal(t, proxied.Get("/metrics").Status, http.StatusForbidden)
	proxied.Header.Set("Authorization", "Bearer s3cret-token")
	assert.Equal(t, proxied.Get("/metrics").Status, http.StatusOK)
}
