package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/units"
)

// BenchmarkReport measures the server time of a supervisor's report pages
// (HTML with every table and chart, and the API's JSON) for the province
// and for its largest commune, at 10,000 and 100,000 demo learners, and at
// 1,000,000 when KYNANGSO_BENCH_1M names a database built by
// `kynangso demo --learners 1000000` (building one takes minutes, too long
// for every run; the benchmark signs in, so it writes a session there).
// DESIGN §5: ≤ 100 ms each, nearly flat as learners grow, because a report
// reads per-unit counters and never a learner.
func BenchmarkReport(b *testing.B) {
	sizes := []struct {
		name string
		open func(b *testing.B) *store.Store
	}{
		{"10k", func(b *testing.B) *store.Store { return benchDemo(b, 10_000) }},
		{"100k", func(b *testing.B) *store.Store { return benchDemo(b, 100_000) }},
	}
	if path := os.Getenv("KYNANGSO_BENCH_1M"); path != "" {
		sizes = append(sizes, struct {
			name string
			open func(b *testing.B) *store.Store
		}{"1M", func(b *testing.B) *store.Store {
			st, err := store.Open(context.Background(), path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}})
	}
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			st := size.open(b)
			ctx := context.Background()
			n, err := st.CountLearners(ctx)
			if err != nil {
				b.Fatal(err)
			}
			commune := largestCommune(b, st)
			srv := testutil.NewServer(b, testutil.ServerOptions{Store: st})
			c := staffLogin(b, srv, "admin", demo.Password)
			u, _ := url.Parse(srv.URL)
			var cookie string
			for _, ck := range c.Cookies(u) {
				cookie += ck.Name + "=" + ck.Value + "; "
			}
			h := srv.App.Handler()
			b.Logf("%d learners; largest commune %s", n, commune)
			for _, page := range []struct{ name, path string }{
				{"province", "/reports/units/86"},
				{"commune", "/reports/units/" + commune},
				{"province-api", "/reports/api/units/86"},
			} {
				b.Run(page.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						req := httptest.NewRequest(http.MethodGet, page.path, nil)
						req.Header.Set("Cookie", cookie)
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: status %d", page.path, rec.Code)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/report")
				})
			}
		})
	}
}

// benchDemo builds a demo province of n learners (the bulk path of
// `kynangso demo`) in a fresh database.
func benchDemo(b *testing.B, n int) *store.Store {
	b.Helper()
	st := testutil.NewStore(b)
	if _, err := demo.Load(context.Background(), st, demo.Options{Learners: n, Catalog: testutil.Catalog(b), PasswordCost: bcrypt.MinCost, Bulk: true}); err != nil {
		b.Fatal(err)
	}
	return st
}

// largestCommune is the commune with the most learners.
func largestCommune(b *testing.B, st *store.Store) string {
	b.Helper()
	ctx := context.Background()
	communes, err := st.UnitsByLevel(ctx, units.Commune)
	if err != nil {
		b.Fatal(err)
	}
	codes := make([]string, len(communes))
	for i, c := range communes {
		codes[i] = c.Code
	}
	counts, err := st.UnitCountsOf(ctx, codes)
	if err != nil {
		b.Fatal(err)
	}
	best := ""
	for _, code := range codes {
		if best == "" || counts[code].Registered > counts[best].Registered {
			best = code
		}
	}
	if best == "" {
		b.Fatal(fmt.Errorf("no commune"))
	}
	return best
}
