package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/testutil/assert"
)

var today = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Messages in the shape govulncheck v1.9.0 writes with -json.
const (
	config = `{"config": {"protocol_version": "v1.0.0", "scanner_name": "govulncheck", "scanner_version": "v1.9.0",
  "db": "file:///cache/vulndb-v0", "go_version": "go1.27.3", "scan_level": "symbol", "scan_mode": "source"}}
`
	osvCompress = `{"osv": {"id": "GO-2026-6865", "summary": "Panic on two-block frames in github.com/klauspost/compress"}}
`
	osvEcho = `{"osv": {"id": "GO-2026-6872", "summary": "Rate Limiter Bypass"}}
`
	// The same advisory at module, package and symbol level, as govulncheck
	// reports a called one.
	compressReached = `{"finding": {"osv": "GO-2026-6865", "fixed_version": "v1.20.2", "trace": [{"module": "github.com/klauspost/compress", "version": "v1.20.1"}]}}
{"finding": {"osv": "GO-2026-6865", "fixed_version": "v1.20.2", "trace": [{"module": "github.com/klauspost/compress", "version": "v1.20.1", "package": "github.com/klauspost/compress/fse"}]}}
{"finding": {"osv": "GO-2026-6865", "fixed_version": "v1.20.2", "trace": [
  {"module": "github.com/klauspost/compress", "version": "v1.20.1", "package": "github.com/klauspost/compress/fse", "function": "Compress", "position": {"filename": "fse/compress.go", "line": 20}},
  {"module": "github.com/klauspost/compress", "version": "v1.20.1", "package": "github.com/klauspost/compress/zstd", "function": "EncodeAll", "receiver": "*Encoder"},
  {"module": "github.com/labstack/echo/v4", "version": "v4.16.5", "package": "github.com/labstack/echo/v4", "function": "ServeHTTP", "receiver": "*Echo"},
  {"module": "github.com/kynangso/kynangso", "package": "github.com/kynangso/kynangso/internal/web", "function": "Render", "receiver": "*renderer", "position": {"filename": "internal/web/render.go", "line": 104}}]}}
`
	compressImported = `{"finding": {"osv": "GO-2026-6865", "fixed_version": "v1.20.2", "trace": [{"module": "github.com/klauspost/compress", "version": "v1.20.1", "package": "github.com/klauspost/compress/fse"}]}}
`
	echoReached = `{"finding": {"osv": "GO-2026-6872", "trace": [{"module": "github.com/labstack/echo/v4", "version": "v4.16.5", "package": "github.com/labstack/echo/v4", "function": "New", "position": {"filename": "echo.go", "line": 300}},
  {"module": "github.com/kynangso/kynangso", "package": "github.com/kynangso/kynangso/internal/web", "function": "New", "position": {"filename": "internal/web/server.go", "line": 103}}]}}
`
	echoExclusion = `[[exclude]]
id = "GO-2026-6872"
module = "github.com/labstack/echo/v4"
date = 2026-11-30
reason = "The app never uses the echo rate limiter, see the tests."
`
)

func TestGate(t *testing.T) {
	tests := []struct {
		name       string
		exclusions string
		input      string
		want       int
		wantOut    []string
		notOut     []string
	}{
		{
			name: "nothing found", input: config, want: 0,
			wantOut: []string{"govulncheck v1.9.0, go1.27.3, database file:///cache/vulndb-v0", "vulncheck: ok"},
		},
		{
			name: "a reached vulnerability fails", input: config + osvCompress + compressReached, want: 1,
			wantOut: []string{
				"REACHED      GO-2026-6865  github.com/klauspost/compress@v1.20.1, fixed in v1.20.2: Panic on two-block frames",
				"e.g. internal/web/render.go:104: web.renderer.Render → … → fse.Compress",
				"FAIL: the code reaches 1 vulnerability",
			},
		},
		{
			name: "imported but not called passes", input: config + osvCompress + compressImported, want: 0,
			wantOut: []string{"not reached  GO-2026-6865  github.com/klauspost/compress@v1.20.1 (package-level", "vulncheck: ok"},
		},
		{
			name: "an excluded advisory passes", exclusions: echoExclusion, input: config + osvEcho + echoReached, want: 0,
			wantOut: []string{"EXCLUDED     GO-2026-6872  github.com/labstack/echo/v4@v4.16.5, no fixed version", "reviewed 2026-11-30", "vulncheck: ok"},
			notOut:  []string{"warning"},
		},
		{
			name:       "an exclusion does not cover another advisory",
			exclusions: echoExclusion, input: config + osvEcho + echoReached + osvCompress + compressReached, want: 1,
			wantOut: []string{"EXCLUDED     GO-2026-6872", "REACHED      GO-2026-6865", "reaches 1 vulnerability"},
		},
		{
			name:       "an exclusion does not cover another module",
			exclusions: strings.Replace(echoExclusion, "github.com/labstack/echo/v4", "github.com/labstack/echo/v5", 1),
			input:      config + osvEcho + echoReached, want: 1,
			wantOut: []string{"REACHED      GO-2026-6872", "warning: GO-2026-6872 (github.com/labstack/echo/v5)"},
		},
		{
			name:       "an exclusion ends when a fix appears",
			exclusions: echoExclusion,
			input:      config + osvEcho + strings.Replace(echoReached, `"osv": "GO-2026-6872",`, `"osv": "GO-2026-6872", "fixed_version": "v4.17.0",`, 1),
			want:       1,
			wantOut:    []string{"a fix exists now: upgrade to v4.17.0 and drop the exclusion"},
		},
		{
			name: "a stale exclusion warns", exclusions: echoExclusion, input: config, want: 0,
			wantOut: []string{"warning: GO-2026-6872 (github.com/labstack/echo/v4) in ", "is no longer reached", "vulncheck: ok"},
		},
		{
			name: "not govulncheck output", input: `{"progress": {"message": "Scanning"}}`, want: 2,
			wantOut: []string{"no config message"},
		},
		{
			name: "broken output", input: config + `{"finding": {`, want: 2,
			wantOut: []string{"govulncheck output: unexpected EOF"},
		},
		{
			name: "a module-level scan cannot pass", input: strings.Replace(config, `"symbol"`, `"module"`, 1), want: 2,
			wantOut: []string{`scan mode "source" at level "module"`},
		},
		{
			name: "binary mode cannot pass", input: strings.Replace(config, `"source"`, `"binary"`, 1), want: 2,
			wantOut: []string{`scan mode "binary"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			got := run(strings.NewReader(tt.input), &out, writeExclusions(t, tt.exclusions), today)
			assert.Equal(t, got, tt.want)
			assert.Contains(t, out.String(), tt.wantOut...)
			assert.NotContains(t, out.String(), tt.notOut...)
		})
	}
}

func TestBadExclusionFile(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"not TOML", "[[exclude]\n", "toml:"},
		{"bad id", strings.Replace(echoExclusion, "GO-2026-6872", "CVE-2026-1", 1), "id must look like GO-2026-1234"},
		{"no module", strings.Replace(echoExclusion, `module = "github.com/labstack/echo/v4"`, "", 1), "module is missing"},
		{"no date", strings.Replace(echoExclusion, "date = 2026-11-30", "", 1), "date (of the review"},
		{"future date", strings.Replace(echoExclusion, "2026-11-30", "2027-01-01", 1), "date 2027-01-01 is in the future"},
		{"no reason", strings.Replace(echoExclusion, "The app never uses the echo rate limiter, see the tests.", "", 1), "reason must say why"},
		{"token reason", strings.Replace(echoExclusion, "The app never uses the echo rate limiter, see the tests.", "ok", 1), "reason must say why"},
		{"listed twice", echoExclusion + echoExclusion, "exclusion 2 (GO-2026-6872): listed twice"},
		{"typo in a key", strings.Replace(echoExclusion, "reason =", "reason = \"x\"\nresaon =", 1), "unknown key exclude.resaon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			assert.Equal(t, run(strings.NewReader(config), &out, writeExclusions(t, tt.file), today), 2)
			assert.Contains(t, out.String(), tt.want)
		})
	}
}

// TestProjectExclusions checks the project's own exclusion file.
func TestProjectExclusions(t *testing.T) {
	ex, err := loadExclusions(filepath.Join("..", "..", "docs", "vulncheck-exclusions.toml"), time.Now())
	assert.NoErr(t, err)
	assert.True(t, len(ex) > 0, "no exclusions read")
}

func writeExclusions(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "exclusions.toml")
	assert.NoErr(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}
