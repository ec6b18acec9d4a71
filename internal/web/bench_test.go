package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kynangso/kynangso/internal/testutil"
)

// BenchmarkLessonPage renders a lesson page through the whole middleware
// stack (language, CSRF, gzip), as a first-time visitor gets it.
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
