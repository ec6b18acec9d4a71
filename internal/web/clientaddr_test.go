package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// These tests pin where the client address comes from, which is why the
// gate in docs/vulncheck-exclusions.toml may set aside GO-2026-6872 (echo's
// rate-limit key from a spoofed X-Forwarded-For) and GO-2026-6875 (echo's
// proxy forwarding a spoofed X-Real-IP). The address is observed the way
// the app uses it: the per-client limit of /resume (20 wrong codes, then
// 429) and the loopback check of /metrics.

// wrongCodes sends n unknown personal codes to /resume (each a different
// code, so that only the per-client count can block), each with the
// headers of headers(i), and returns the status of the last answer.
func wrongCodes(t *testing.T, c *testutil.Client, from, n int, headers func(i int) http.Header) int {
	t.Helper()
	c.Get("/resume")
	status := 0
	for i := from; i < from+n; i++ {
		c.Header = headers(i)
		code := "ZZZZZ" + string(codes.Alphabet[i%len(codes.Alphabet)]) + string(codes.Alphabet[i/len(codes.Alphabet)])
		status = c.Post("/resume", url.Values{"code": {code}}).Status
	}
	return status
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// spoofed is a different made-up address for each i.
func spoofed(i int) string { return "198.51.100." + strconv.Itoa(i+1) }

func TestClientAddressForTheResumeLimit(t *testing.T) {
	tests := []struct {
		name       string
		trustProxy bool
		// first are the headers of the 20 wrong tries, then those of the
		// 21st; wantLast is its status: 429 when it counts as the same
		// client, 422 (unknown code) when it is a different one.
		first, then func(i int) http.Header
		wantLast    int
	}{
		{
			name: "no proxy: forwarding headers never make a new client",
			first: func(i int) http.Header {
				return hdr("X-Forwarded-For", spoofed(i), "X-Real-IP", spoofed(i+100), "Forwarded", "for="+spoofed(i+200))
			},
			then:     func(int) http.Header { return hdr("X-Forwarded-For", "203.0.113.77", "X-Real-IP", "203.0.113.78") },
			wantLast: http.StatusTooManyRequests,
		},
		{
			// echo's ExtractIPFromXFFHeader() would walk left past the
			// private 10.0.0.7 and take each spoofed entry as the client.
			name:       "trust-proxy: only the proxy-appended entry counts, even a private one",
			trustProxy: true,
			first: func(i int) http.Header {
				return hdr("X-Forwarded-For", spoofed(i)+", 10.0.0.7", "X-Real-IP", spoofed(i+100), "Forwarded", "for="+spoofed(i+200))
			},
			then:     func(int) http.Header { return hdr("X-Forwarded-For", "127.0.0.1, 192.168.1.1,10.0.0.7") },
			wantLast: http.StatusTooManyRequests,
		},
		{
			name:       "trust-proxy: one client however the proxy writes its address",
			trustProxy: true,
			first: func(i int) http.Header {
				switch i % 4 {
				case 0:
					return hdr("X-Forwarded-For", "203.0.113.9")
				case 1:
					return hdr("X-Forwarded-For", spoofed(i)+",  203.0.113.9 ")
				case 2:
					return hdr("X-Forwarded-For", "::ffff:203.0.113.9")
				default: // a proxy that adds its own header line
					return hdr("X-Forwarded-For", spoofed(i), "X-Forwarded-For", spoofed(i+1)+", 203.0.113.9")
				}
			},
			then:     func(int) http.Header { return hdr("X-Forwarded-For", "[::ffff:203.0.113.9]") },
			wantLast: http.StatusTooManyRequests,
		},
		{
			name:       "trust-proxy: clients behind the proxy are told apart",
			trustProxy: true,
			first:      func(int) http.Header { return hdr("X-Forwarded-For", "203.0.113.9") },
			then:       func(int) http.Header { return hdr("X-Forwarded-For", "203.0.113.9, 203.0.113.10") },
			wantLast:   http.StatusUnprocessableEntity,
		},
		{
			name:       "trust-proxy: X-Real-IP and Forwarded are not read",
			trustProxy: true,
			first:      func(int) http.Header { return hdr("X-Forwarded-For", "203.0.113.9") },
			then: func(int) http.Header {
				return hdr("X-Forwarded-For", "203.0.113.9", "X-Real-IP", "203.0.113.10", "Forwarded", "for=203.0.113.10")
			},
			wantLast: http.StatusTooManyRequests,
		},
		{
			name:       "trust-proxy: a last entry that is no address falls back to the peer",
			trustProxy: true,
			first:      func(int) http.Header { return http.Header{} },
			then:       func(i int) http.Header { return hdr("X-Forwarded-For", spoofed(i)+", unknown") },
			wantLast:   http.StatusTooManyRequests,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own database
			srv := testutil.NewServer(t, testutil.ServerOptions{Store: testutil.NewStore(t), Config: config.Config{TrustProxy: tt.trustProxy}})
			c := srv.Client()
			assert.Equal(t, wrongCodes(t, c, 0, 20, tt.first), http.StatusUnprocessableEntity)
			assert.Equal(t, wrongCodes(t, c, 20, 1, tt.then), tt.wantLast)
		})
	}
}

func TestMetricsAccess(t *testing.T) {
	const token = "s3cret-token"
	tests := []struct {
		name       string
		trustProxy bool
		header     http.Header
		want       int
	}{
		{"local client", false, nil, 200},
		{"X-Forwarded-For", false, hdr("X-Forwarded-For", "203.0.113.9"), 403},
		{"X-Forwarded-For loopback, no trust-proxy", false, hdr("X-Forwarded-For", "127.0.0.1"), 403},
		{"X-Real-IP only", false, hdr("X-Real-IP", "203.0.113.9"), 403},
		{"X-Real-IP loopback", false, hdr("X-Real-IP", "127.0.0.1"), 403},
		{"Forwarded only", false, hdr("Forwarded", "for=203.0.113.9;proto=https"), 403},
		{"Forwarded loopback", false, hdr("Forwarded", "for=127.0.0.1"), 403},
		{"empty X-Real-IP", false, hdr("X-Real-IP", ""), 403},

		{"trust-proxy: local client, no proxy", true, nil, 200},
		{"trust-proxy: local client through the local proxy", true, hdr("X-Forwarded-For", "127.0.0.1"), 200},
		{"trust-proxy: IPv6 loopback through the local proxy", true, hdr("X-Forwarded-For", "::1"), 200},
		{"trust-proxy: spoofed left entry ignored", true, hdr("X-Forwarded-For", "203.0.113.9, 127.0.0.1"), 200},
		{"trust-proxy: outside client", true, hdr("X-Forwarded-For", "203.0.113.9"), 403},
		{"trust-proxy: outside client claiming loopback", true, hdr("X-Forwarded-For", "127.0.0.1, 203.0.113.9"), 403},
		{"trust-proxy: private client", true, hdr("X-Forwarded-For", "10.0.0.7"), 403},
		{"trust-proxy: last entry no address", true, hdr("X-Forwarded-For", "127.0.0.1, unknown"), 403},
		{"trust-proxy: X-Real-IP only", true, hdr("X-Real-IP", "127.0.0.1"), 403},
		{"trust-proxy: Forwarded only", true, hdr("Forwarded", "for=127.0.0.1"), 403},
		{"trust-proxy: loopback XFF with X-Real-IP", true, hdr("X-Forwarded-For", "127.0.0.1", "X-Real-IP", "203.0.113.9"), 403},
	}
	for _, trust := range []bool{false, true} {
		srv := testutil.NewServer(t, testutil.ServerOptions{Store: testutil.NewStore(t), Config: config.Config{MetricsToken: token, TrustProxy: trust}})
		for _, tt := range tests {
			if tt.trustProxy != trust {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				c := srv.Client() // httptest listens on 127.0.0.1: the peer is loopback
				for k, v := range tt.header {
					c.Header[k] = v
				}
				assert.Equal(t, c.Get("/metrics").Status, tt.want)
				c.Header.Set("Authorization", "Bearer wrong")
				assert.Equal(t, c.Get("/metrics").Status, tt.want)
				c.Header.Set("Authorization", "Bearer "+token) // the token opens it in every case
				assert.Equal(t, c.Get("/metrics").Status, http.StatusOK)
			})
		}
	}
}

// TestMetricsFromAnotherMachine serves the app on this machine's own
// non-loopback address, so that the peer is not loopback (a proxy or a
// client on another host): whatever the headers say, only the token opens
// /metrics.
func TestMetricsFromAnotherMachine(t *testing.T) {
	ip := nonLoopbackAddr(t)
	for _, trust := range []bool{false, true} {
		app := testutil.NewServer(t, testutil.ServerOptions{Store: testutil.NewStore(t), Config: config.Config{MetricsToken: "tok", TrustProxy: trust}}).App
		ts := httptest.NewUnstartedServer(app.Handler())
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		assert.NoErr(t, err)
		ts.Listener = ln
		ts.Start()
		t.Cleanup(ts.Close)
		for _, h := range []http.Header{nil, hdr("X-Forwarded-For", "127.0.0.1"), hdr("X-Real-IP", "127.0.0.1"), hdr("Forwarded", "for=127.0.0.1")} {
			c := testutil.NewClient(t, ts.URL)
			for k, v := range h {
				c.Header[k] = v
			}
			assert.Equal(t, c.Get("/metrics").Status, http.StatusForbidden)
			c.Header.Set("Authorization", "Bearer tok")
			assert.Equal(t, c.Get("/metrics").Status, http.StatusOK)
		}
	}
}

// nonLoopbackAddr is an address of this machine other than loopback.
func nonLoopbackAddr(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	assert.NoErr(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

// TestNoEchoProxyRateLimiterOrIPExtractor reads the application's source:
// echo's Proxy and RateLimiter middlewares (the code GO-2026-6872 and
// GO-2026-6875 are about) are not used, and no echo IP extractor replaces
// clientAddr.
func TestNoEchoProxyRateLimiterOrIPExtractor(t *testing.T) {
	const echoPkg, mwPkg = "github.com/labstack/echo/v4", "github.com/labstack/echo/v4/middleware"
	forbidden := func(pkg, name string) bool {
		switch pkg {
		case mwPkg:
			return strings.HasPrefix(name, "Proxy") || strings.Contains(name, "RateLimiter") || strings.HasSuffix(name, "Balancer")
		case echoPkg:
			return strings.HasPrefix(name, "ExtractIP") || strings.HasPrefix(name, "Trust")
		}
		return false
	}
	root := filepath.Join("..", "..")
	files, middlewareUses := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", "tools", ".git", "bin", "data", "test-output":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		names := map[string]string{} // local name → import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := p[strings.LastIndexByte(p, '/')+1:]
			if p == echoPkg {
				name = "echo"
			}
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok {
				pkg := names[x.Name]
				if pkg == mwPkg {
					middlewareUses++
				}
				if forbidden(pkg, sel.Sel.Name) {
					t.Errorf("%s: %s.%s: the client address must come from clientAddr only, with no echo proxy or rate limiter", fset.Position(sel.Pos()), x.Name, sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	assert.NoErr(t, err)
	// The check found the application and its echo middleware (routes.go
	// uses RequestID, BodyLimit...): it did not pass by reading nothing.
	assert.True(t, files > 20 && middlewareUses > 0, "read %d files, %d uses of echo's middleware", files, middlewareUses)
}
