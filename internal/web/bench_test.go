package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/testutil"
)

// BenchmarkLessonPage serves a lesson page through the whole middleware
// stack, as a first-time visitor gets it (the shared page, compressed once).
func BenchmarkLessonPage(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	cat := testutil.Catalog(b)
	m := cat.Modules("vi")[0]
	path := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	h := srv.App.Handler()
	for _, enc := range []string{"gzip", "identity"} {
		b.Run(enc, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept-Encoding", enc)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkLessonPageSignedIn serves a signed-in learner's lesson page:
// session and status from the database, the page stitched from its shell.
func BenchmarkLessonPageSignedIn(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	m := testutil.Catalog(b).Modules("vi")[0]
	path := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	c, _ := register(b, srv, "Người Đo Tải")
	u, _ := url.Parse(srv.URL)
	var sid string
	for _, ck := range c.Cookies(u) {
		if ck.Name == "sid" {
			sid = ck.Value
		}
	}
	h := srv.App.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Cookie", "sid="+sid)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store, private" {
			b.Fatalf("status %d, %q", rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
}

// BenchmarkQuizSubmission posts graded quizzes of signed-in learners from
// parallel clients over loopback HTTP, each a new attempt (fresh form
// nonce), as in a class where everyone submits at once. It reports
// submissions per second and the 99th percentile latency (DESIGN §5:
// at least 1,000 per second on SQLite, p99 at most 50 ms, none lost).
func BenchmarkQuizSubmission(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	cat := testutil.Catalog(b)
	m := cat.Modules("vi")[0]
	l := m.Lessons[0]
	path := "/modules/" + m.Slug + "/" + l.Slug + "/quiz"
	const learners = 16
	clients := make(chan *testutil.Client, learners)
	for i := range learners {
		c, _ := register(b, srv, fmt.Sprintf("Học Viên %d", i))
		clients <- c
	}
	before, _ := srv.Store.CountAttempts(context.Background())
	var (
		mu    sync.Mutex
		took  []time.Duration
		seq   atomic.Int64
		start = time.Now()
	)
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		defer func() { clients <- c }()
		var local []time.Duration
		for pb.Next() {
			form := answers(l, int(seq.Add(1))%(len(l.Quiz)+1))
			form.Set("_sub", fmt.Sprintf("bench-%08d", seq.Add(1))) // validate.Key: 8 characters at least
			t0 := time.Now()
			if res := c.Post(path, form); res.Status != http.StatusSeeOther {
				b.Errorf("status %d", res.Status)
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		took = append(took, local...)
		mu.Unlock()
	})
	b.StopTimer()
	elapsed := time.Since(start)
	after, _ := srv.Store.CountAttempts(context.Background())
	if int(after-before) != len(took) {
		b.Fatalf("%d submissions answered, %d attempts stored", len(took), after-before)
	}
	slices.Sort(took)
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}
