package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// raw is one request sent as given (no cookie jar, no automatic
// decompression), with its response read whole.
type raw struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, base, method, path string, header map[string]string, form url.Values) raw {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	assert.NoErr(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	assert.NoErr(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	assert.NoErr(t, err)
	return raw{res.StatusCode, res.Header, b}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	assert.NoErr(t, err)
	out, err := io.ReadAll(zr)
	assert.NoErr(t, err)
	return string(out)
}

// TestSharedPagesRevalidate: a page a phone already holds costs a 304 with
// no body, in each encoding; the ETag is strong and names the encoding.
func TestSharedPagesRevalidate(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[1]
	paths := []string{"/", "/modules/" + m.Slug, "/modules/" + m.Slug + "/" + m.Lessons[0].Slug,
		"/modules/" + m.Slug + "/" + m.Lessons[0].Slug + "?lang=en", "/glossary", "/offline"}
	for _, path := range paths {
		var plain string
		for _, enc := range []struct{ accept, encoding, suffix string }{
			{"identity", "", `"`}, {"gzip, deflate", "gzip", `-gz"`}, {"gzip, deflate, br", "br", `-br"`},
		} {
			t.Run(path+"/"+enc.accept, func(t *testing.T) {
				first := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": enc.accept}, nil)
				assert.Equal(t, first.status, 200)
				etag := first.header.Get("ETag")
				assert.True(t, strings.HasPrefix(etag, `"`) && strings.HasSuffix(etag, enc.suffix), "ETag %q for %s", etag, enc.accept)
				assert.Equal(t, first.header.Get("Content-Encoding"), enc.encoding)
				assert.Equal(t, first.header.Get("Cache-Control"), "no-cache")
				assert.Contains(t, strings.Join(first.header.Values("Vary"), ","), "Accept-Encoding")
				assert.Equal(t, first.header.Get("Content-Length"), fmt.Sprint(len(first.body)))
				var page string
				switch enc.encoding {
				case "":
					page = string(first.body)
				case "gzip":
					page = gunzip(t, first.body)
				case "br":
					b, err := io.ReadAll(brotli.NewReader(bytes.NewReader(first.body)))
					assert.NoErr(t, err)
					page = string(b)
				}
				if plain == "" {
					plain = page
				}
				assert.Equal(t, page, plain) // one page, three encodings

				again := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": enc.accept, "If-None-Match": etag}, nil)
				assert.Equal(t, again.status, http.StatusNotModified)
				assert.Equal(t, len(again.body), 0)
				assert.Equal(t, again.header.Get("ETag"), etag)
				assert.Equal(t, again.header.Get("Cache-Control"), "no-cache")
				// A list, and the weak form (If-None-Match compares weakly).
				list := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": enc.accept, "If-None-Match": `"old", W/` + etag}, nil)
				assert.Equal(t, list.status, http.StatusNotModified)
				stale := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": enc.accept, "If-None-Match": `"old"`}, nil)
				assert.Equal(t, stale.status, 200)
				head := send(t, srv.URL, "HEAD", path, map[string]string{"Accept-Encoding": enc.accept}, nil)
				assert.Equal(t, head.status, 200)
				assert.Equal(t, head.header.Get("ETag"), etag)
				assert.Equal(t, len(head.body), 0)
			})
		}
	}
}

// TestSameBytesForEveryAnonymousReader: two visitors with different
// cookies, phones and request ids get byte-identical lesson, module and
// home pages, and nothing is set on them.
func TestSameBytesForEveryAnonymousReader(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[2]
	l := m.Lessons[0]
	// The second visitor has answered a quiz (a pending-answers cookie)
	// and opened the registration form (a form-binding cookie).
	second := srv.Client()
	second.Get("/register")
	second.PostFollow("/modules/"+m.Slug+"/"+l.Slug+"/quiz", answers(l, 1))
	u, _ := url.Parse(srv.URL)
	cookies := second.Cookies(u)
	assert.True(t, len(cookies) >= 2, "the second visitor holds %d cookies", len(cookies))
	var jar []string
	for _, ck := range cookies {
		jar = append(jar, ck.Name+"="+ck.Value)
	}
	for _, path := range []string{"/", "/modules/" + m.Slug, "/modules/" + m.Slug + "/" + l.Slug, "/modules/" + m.Slug + "/" + l.Slug + "?lang=en"} {
		a := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": "gzip", "Accept-Language": "vi-VN,vi;q=0.9"}, nil)
		b := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": "gzip", "Accept-Language": "fr-FR",
			"Cookie": strings.Join(jar, "; "), "User-Agent": "another phone"}, nil)
		assert.Equal(t, a.status, 200)
		assert.True(t, bytes.Equal(a.body, b.body), "%s differs between two visitors", path)
		assert.Equal(t, a.header.Get("ETag"), b.header.Get("ETag"))
		assert.True(t, a.header.Get("X-Request-Id") != b.header.Get("X-Request-Id"), "request ids are per request")
		for _, r := range []raw{a, b} {
			assert.Equal(t, len(r.header.Values("Set-Cookie")), 0)
		}
		page := gunzip(t, a.body)
		assert.NotContains(t, page, `name="_csrf"`, "Set-Cookie")
		if strings.Contains(path, "/"+l.Slug) {
			assert.Contains(t, page, `name="_sub" value=""`) // the phone fills the key in
		}
	}
}

// TestSignedInPagesAreNeverShared: a learner's page is made for them, is
// not kept by any cache, never answers 304 to the shared page's ETag, and
// never becomes the page others get. The service worker's offline copy is
// the shared page, without their name.
func TestSignedInPagesAreNeverShared(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[0]
	path := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	anon := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": "gzip"}, nil)
	etag := anon.header.Get("ETag")
	me, code := register(t, srv, "Phan Thị Mười Một")
	me.Header.Set("If-None-Match", etag)
	for _, p := range []string{"/", "/modules/" + m.Slug, path, "/glossary"} {
		res := me.Get(p)
		assert.Equal(t, res.Status, 200)
		assert.Contains(t, res.Body, "Phan Thị Mười Một")
		assert.Equal(t, res.Header.Get("Cache-Control"), "no-store, private")
		assert.Equal(t, res.Header.Get("ETag"), "")
	}
	me.Header.Del("If-None-Match")
	me.Header.Set("Kns-Offline-Copy", "1")
	copied := me.Get(path)
	assert.Equal(t, copied.Header.Get("ETag"), etag)
	assert.NotContains(t, copied.Body, "Phan Thị Mười Một", code)
	after := send(t, srv.URL, "GET", path, map[string]string{"Accept-Encoding": "gzip"}, nil)
	assert.True(t, bytes.Equal(after.body, anon.body), "the shared page changed after a learner's visit")
	assert.NotContains(t, gunzip(t, after.body), "Phan Thị Mười Một")
}

// TestVariantsAreSharedToo: display settings and an English-preferring
// browser make other shared pages, each the same for every reader who has
// them; a one-time message is shown to its reader alone.
func TestVariantsAreSharedToo(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[0]
	path := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	get := func(h map[string]string) raw {
		h["Accept-Encoding"] = "gzip"
		r := send(t, srv.URL, "GET", path, h, nil)
		assert.Equal(t, r.status, 200)
		return r
	}
	plain := get(map[string]string{})
	big := get(map[string]string{"Cookie": "view=b"})
	big2 := get(map[string]string{"Cookie": "view=b; pending=x"})
	both := get(map[string]string{"Cookie": "view=bc"})
	en := get(map[string]string{"Accept-Language": "en-US,en;q=0.9"})
	assert.Contains(t, gunzip(t, big.body), `<html lang="vi" class="big">`, `name="big" value="off" aria-pressed="true"`)
	assert.Contains(t, gunzip(t, both.body), `<html lang="vi" class="big hc">`)
	assert.Contains(t, gunzip(t, en.body), "Read in English")
	assert.NotContains(t, gunzip(t, plain.body), "Read in English", `class="big`)
	assert.True(t, bytes.Equal(big.body, big2.body), "two readers with large text got different bytes")
	etags := map[string]bool{}
	for _, r := range []raw{plain, big, both, en} {
		etags[r.header.Get("ETag")] = true
	}
	assert.Equal(t, len(etags), 4)
	flash := send(t, srv.URL, "GET", path, map[string]string{"Cookie": "flash=flash.welcome_back"}, nil)
	assert.Contains(t, string(flash.body), "Chào mừng bạn trở lại")
	assert.Equal(t, flash.header.Get("ETag"), "")
	assert.Equal(t, flash.header.Get("Cache-Control"), "private, no-cache")
}

// TestDisplaySettings: the buttons are a plain form; the setting is kept in
// a cookie and applied by the server on the next page.
func TestDisplaySettings(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	res := c.Post("/view", url.Values{"big": {"on"}, "back": {"/glossary"}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.Equal(t, res.Header.Get("Location"), "/glossary")
	assert.Contains(t, c.Get("/glossary").Body, `<html lang="vi" class="big">`)
	c.Post("/view?lang=en", url.Values{"contrast": {"on"}, "back": {"/"}})
	assert.Contains(t, c.Get("/").Body, `<html lang="vi" class="big hc">`)
	res = c.Post("/view?lang=en", url.Values{"big": {"off"}, "back": {"//evil.example/x"}})
	assert.Equal(t, res.Header.Get("Location"), "/evil.example/x?lang=en") // only ever a local path
	c.Post("/view", url.Values{"contrast": {"off"}, "back": {"/"}})
	assert.Contains(t, c.Get("/").Body, `<html lang="vi">`)
}

// TestCrossSitePostsAreRefused: browsers say where a request comes from
// (Sec-Fetch-Site, else Origin); a post from another site is refused
// before it reaches a form, one from the page itself passes, and a client
// that says nothing (a script) may post.
func TestCrossSitePostsAreRefused(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Config: config.Config{BaseURL: "https://kynangso.example.vn"}})
	m := testutil.Catalog(t).Modules("vi")[0]
	l := m.Lessons[0]
	quiz := "/modules/" + m.Slug + "/" + l.Slug + "/quiz"
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"a sibling subdomain", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://x." + host}, 403},
		{"an old browser on another site", map[string]string{"Origin": "https://evil.example"}, 403},
		{"an old browser on another port", map[string]string{"Origin": "http://127.0.0.1:1"}, 403},
		{"the page itself", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 303},
		{"an old browser on the page itself", map[string]string{"Origin": srv.URL}, 303},
		{"a bookmark or typed address", map[string]string{"Sec-Fetch-Site": "none"}, 303},
		{"behind the proxy of --base-url", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://kynangso.example.vn"}, 303},
		{"a script (no Origin, no Sec-Fetch-Site)", map[string]string{}, 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := srv.Store.CountAttempts(context.Background())
			assert.NoErr(t, err)
			res := send(t, srv.URL, "POST", quiz, tt.header, answers(l, 1))
			assert.Equal(t, res.status, tt.want)
			if tt.want == 403 {
				assert.Contains(t, string(res.body), "Không gửi được")
				assert.Equal(t, len(res.header.Values("Set-Cookie")), 0) // the answer was not kept either
			}
			after, err := srv.Store.CountAttempts(context.Background())
			assert.NoErr(t, err)
			assert.Equal(t, after, before) // visitors' answers stay on their phone
		})
	}
	// The same rule guards a signed-in learner's forms.
	me, _ := register(t, srv, "Võ Văn Mười Hai")
	me.Header.Set("Sec-Fetch-Site", "cross-site")
	assert.Equal(t, me.Post("/me/delete", url.Values{}).Status, http.StatusForbidden)
	me.Header.Set("Sec-Fetch-Site", "same-origin")
	assert.Equal(t, me.Get("/me").Status, 200) // still there
}

var sizeRe = regexp.MustCompile(`href="(/modules/[^"?]+)"><span class="lesson-title">[^<]*</span>\s*<span class="meta">[^<]*· ≈ (\d+) KB`)

// TestDownloadSizesAreReal: the size beside each lesson link is the lesson
// page as served (gzip) with its pictures; saving the module shows the
// total.
func TestDownloadSizesAreReal(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	for _, m := range cat.Modules("vi") {
		page := srv.Client().Get("/modules/" + m.Slug).Body
		found := sizeRe.FindAllStringSubmatch(page, -1)
		assert.Equal(t, len(found), len(m.Lessons))
		total := 0
		for i, f := range found {
			l := m.Lessons[i]
			assert.Equal(t, f[1], "/modules/"+m.Slug+"/"+l.Slug)
			n, html := gzipGet(t, srv.URL, f[1])
			for _, img := range regexp.MustCompile(`src="(/media/[^"]+)"`).FindAllStringSubmatch(html, -1) {
				r := send(t, srv.URL, "GET", img[1], map[string]string{"Accept-Encoding": "gzip"}, nil)
				n += len(r.body)
			}
			assert.Equal(t, f[2], fmt.Sprint(max(1, (n+512)/1024)))
			total += n
		}
		moduleBytes, _ := gzipGet(t, srv.URL, "/modules/"+m.Slug)
		want := fmt.Sprintf("Lưu để học khi không có mạng (≈ %d KB)", max(1, (total+moduleBytes+512)/1024))
		assert.Contains(t, page, want)
	}
	home := srv.Client().Get("/").Body
	n, _ := gzipGet(t, srv.URL, "/modules/"+cat.Modules("vi")[0].Slug)
	assert.Contains(t, home, fmt.Sprintf("· ≈ %d KB</p>", max(1, (n+512)/1024)))
}

// TestOfflineFiles: the service worker is served at the root with the
// current files to keep, never for long; the manifest names the icons;
// the offline page is never personal.
func TestOfflineFiles(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	sw := c.Get("/sw.js")
	assert.Equal(t, sw.Status, 200)
	assert.Equal(t, sw.Header.Get("Content-Type"), "text/javascript; charset=utf-8")
	assert.Equal(t, sw.Header.Get("Cache-Control"), "no-cache")
	assert.NotContains(t, sw.Body, "__VERSION__", "__SHELL__")
	assert.Contains(t, sw.Body, `"/offline","/offline?lang=en","/static/`, cssURL(t, srv))
	assert.Equal(t, c.Get("/static/x/sw.js").Status, 404) // one address only
	again := send(t, srv.URL, "GET", "/sw.js", map[string]string{"If-None-Match": sw.Header.Get("ETag")}, nil)
	assert.Equal(t, again.status, http.StatusNotModified)

	man := c.Get("/manifest.webmanifest?lang=en")
	assert.Equal(t, man.Status, 200)
	assert.Equal(t, man.Header.Get("Content-Type"), "application/manifest+json")
	assert.Contains(t, man.Body, `"start_url":"/?lang=en"`, `"display":"standalone"`, `"sizes":"192x192","type":"image/png"`, `"purpose":"maskable"`)
	for _, icon := range regexp.MustCompile(`"src":"([^"]+)"`).FindAllStringSubmatch(man.Body, -1) {
		r := c.Get(icon[1])
		assert.Equal(t, r.Status, 200)
		assert.True(t, len(r.Body) < 20<<10, "%s is %d bytes", icon[1], len(r.Body))
	}
	assert.Contains(t, c.Get("/").Body, `<link rel="manifest" href="/manifest.webmanifest">`)

	me, _ := register(t, srv, "Lý Thị Mười Ba")
	off := me.Get("/offline")
	assert.Equal(t, off.Status, 200)
	assert.NotContains(t, off.Body, "Lý Thị Mười Ba")
	assert.Contains(t, off.Body, `id="queued"`, "Điện thoại đang không có mạng")
}

// TestLessonSharingAndListening: a shared link opens the light lesson page;
// Open Graph gives Zalo and Facebook a title, a summary and a picture; the
// read-aloud and share controls wait, hidden, for the script.
func TestLessonSharingAndListening(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Config: config.Config{BaseURL: "https://kynangso.example.vn"}})
	m := testutil.Catalog(t).Modules("vi")[3]
	l := m.Lessons[0]
	page := srv.Client().Get("/modules/" + m.Slug + "/" + l.Slug).Body
	u := "https://kynangso.example.vn/modules/" + m.Slug + "/" + l.Slug
	assert.Contains(t, page, `<meta property="og:title" content="`+template(l.Title)+`">`,
		`<meta property="og:description" content="`+template(l.Summary)+`">`, `<meta property="og:url" content="`+u+`">`,
		`<meta property="og:image" content="https://kynangso.example.vn/static/`, `<meta property="og:locale" content="vi_VN">`,
		`<a class="share-link" href="`+u+`"`, `<p class="listen" hidden`, `data-act="play">Nghe bài</button>`, `data-act="slow" aria-pressed="false">Đọc chậm</button>`)
	en := srv.Client().Get("/modules/" + m.Slug + "/" + l.Slug + "?lang=en").Body
	assert.Contains(t, en, `<meta property="og:url" content="`+u+`?lang=en">`, `<meta property="og:locale" content="en_US">`)
}
