package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// maxLessonGzip is DESIGN §5's budget for a lesson page's HTML: it must fit
// in the first round trip of a slow connection.
const maxLessonGzip = 14 << 10

// gzipGet fetches path as a browser would (gzip accepted) and returns the
// bytes on the wire and the page.
func gzipGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	assert.NoErr(t, err)
	defer res.Body.Close()
	wire, err := io.ReadAll(res.Body)
	assert.NoErr(t, err)
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s: status %d, encoding %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(wire))
	assert.NoErr(t, err)
	page, err := io.ReadAll(zr)
	assert.NoErr(t, err)
	return len(wire), string(page)
}

// TestLessonPagesFitTheBudget checks every lesson in both languages, as
// served: a lesson that grows past the budget fails here, not in the field.
func TestLessonPagesFitTheBudget(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	worst, pages := 0, 0
	for _, lang := range []string{"vi", "en"} {
		for _, m := range testutil.Catalog(t).Modules(lang) {
			for _, l := range m.Lessons {
				path := "/modules/" + m.Slug + "/" + l.Slug + "?lang=" + lang
				n, _ := gzipGet(t, srv.URL, path)
				if n > maxLessonGzip {
					t.Errorf("%s is %d bytes gzip; the budget is %d", path, n, maxLessonGzip)
				}
				worst = max(worst, n)
				pages++
			}
		}
	}
	t.Logf("%d lesson pages, largest %d bytes gzip", pages, worst)
}

var (
	headRe   = regexp.MustCompile(`(?s)<head>(.*?)</head>`)
	scriptRe = regexp.MustCompile(`<script\b[^>]*>`)
)

// TestNoRenderBlockingScriptsOrFonts: every page's head is free of scripts
// without defer, inline styles and web fonts, and the stylesheet loads no
// font or other file.
func TestNoRenderBlockingScriptsOrFonts(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[0]
	for _, path := range []string{"/", "/modules/" + m.Slug, "/modules/" + m.Slug + "/" + m.Lessons[0].Slug} {
		_, page := gzipGet(t, srv.URL, path)
		head := headRe.FindStringSubmatch(page)
		if head == nil {
			t.Fatalf("%s has no head", path)
		}
		for _, s := range scriptRe.FindAllString(head[1], -1) {
			if !strings.Contains(s, " defer") && !strings.Contains(s, `type="module"`) {
				t.Errorf("%s: render-blocking script in the head: %s", path, s)
			}
		}
		assert.NotContains(t, page, "<style", "style=\"", "fonts.googleapis", ".woff")
	}
	css := srv.Client().Get(cssURL(t, srv)).Body
	assert.NotContains(t, css, "@font-face", "@import", "url(")
}

func cssURL(t *testing.T, srv *testutil.Server) string {
	t.Helper()
	return linkIn(t, srv.Client().Get("/").Body, `href="(/static/[^"]+\.css)"`)
}

// linkIn returns the first submatch of pattern in page, failing the test
// when the page has none.
func linkIn(t *testing.T, page, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in the page", pattern)
	}
	return m[1]
}
