package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func TestResidentPages(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	first := cat.Modules("vi")[0]
	lesson := first.Lessons[0]

	tests := []struct {
		name            string
		path            string
		header          map[string]string
		wantStatus      int
		wantContains    []string
		wantNotContains []string
	}{
		{name: "home lists the six modules in Vietnamese", path: "/", wantStatus: 200,
			wantContains: append(moduleTitles(cat, "vi"), `<html lang="vi">`, "Học kỹ năng số")},
		{name: "module page lists its lessons", path: "/modules/" + first.Slug, wantStatus: 200,
			wantContains: lessonLinks(first)},
		{name: "lesson page has the body, sources and a quiz form", path: "/modules/" + first.Slug + "/" + lesson.Slug, wantStatus: 200,
			wantContains: []string{"<h1>" + template(lesson.Title) + "</h1>", `name="_sub" value=""`, `type="radio" name="q1" value="a"`, lesson.Sources[0].URL, "Nguồn thông tin", "Nộp bài"}},
		{name: "English by query", path: "/?lang=en", wantStatus: 200,
			wantContains: append(moduleTitles(cat, "en"), `<html lang="en">`, "Learn digital skills"), wantNotContains: []string{"Học kỹ năng số"}},
		{name: "a phone set to English still gets Vietnamese, with a quiet link to English", path: "/modules/" + first.Slug,
			header: map[string]string{"Accept-Language": "en-GB,en;q=0.9"}, wantStatus: 200,
			wantContains: []string{`<html lang="vi">`, `<p class="suggest" lang="en"><a href="/modules/` + first.Slug + `?lang=en" hreflang="en">Read in English</a>`}},
		{name: "a phone set to Vietnamese gets no such link", path: "/", header: map[string]string{"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8"}, wantStatus: 200,
			wantContains: []string{`<html lang="vi">`}, wantNotContains: []string{"Read in English"}},
		{name: "unsupported language falls back to Vietnamese", path: "/", header: map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"}, wantStatus: 200,
			wantContains: []string{`<html lang="vi">`}, wantNotContains: []string{"Read in English"}},
		{name: "unknown module is a localized 404", path: "/modules/khong-co", wantStatus: 404,
			wantContains: []string{"Không tìm thấy trang"}},
		{name: "unknown lesson is a 404", path: "/modules/" + first.Slug + "/khong-co", wantStatus: 404,
			wantContains: []string{"Không tìm thấy trang"}},
		{name: "unknown lesson in English", path: "/modules/" + first.Slug + "/khong-co?lang=en", wantStatus: 404,
			wantContains: []string{"Page not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Client()
			for k, v := range tt.header {
				c.Header.Set(k, v)
			}
			res := c.Get(tt.path)
			assert.Equal(t, res.Status, tt.wantStatus)
			assert.Contains(t, res.Body, tt.wantContains...)
			assert.NotContains(t, res.Body, tt.wantNotContains...)
			assert.NotContains(t, res.Body, "panic", "<no value>", "%!")
		})
	}
}

// TestLanguageIsInTheURL: the language is chosen by the URL alone, where
// caches see it; every link and form of an English page stays English; a
// URL without it is Vietnamese whatever the visitor chose before.
func TestLanguageIsInTheURL(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("en")[0]
	c := srv.Client()
	c.Header.Set("Accept-Language", "en")
	home := c.Get("/?lang=en")
	assert.Contains(t, home.Body, `<html lang="en">`, `href="/modules/`+m.Slug+`?lang=en"`, `href="/register?lang=en"`,
		`href="/glossary?lang=en"`, `action="/view?lang=en"`, `<a class="lang" href="/" hreflang="vi" lang="vi">Tiếng Việt</a>`)
	assert.NotContains(t, home.Body, "Read in English") // already English
	assert.Equal(t, home.Header.Get("Content-Language"), "en")
	lesson := c.Get("/modules/" + m.Slug + "/" + m.Lessons[0].Slug + "?lang=en")
	assert.Contains(t, lesson.Body, `action="/modules/`+m.Slug+`/`+m.Lessons[0].Slug+`/quiz?lang=en#quiz"`, `rel="next" href="/modules/`+m.Slug+`/`+m.Lessons[1].Slug+`?lang=en"`)
	assert.Contains(t, c.Get("/").Body, `<html lang="vi">`) // nothing remembered: the URL decides
	assert.Contains(t, c.Get("/?lang=xx").Body, `<html lang="vi">`)
	res := c.Post("/register?lang=en", url.Values{})
	assert.Contains(t, res.Body, `<html lang="en">`, `action="/register?lang=en"`)
	for _, ck := range res.Header.Values("Set-Cookie") {
		assert.True(t, !strings.HasPrefix(ck, "lang="), "a language cookie was set: %s", ck)
	}
}

func TestUntranslatedLessonSaysSo(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Content: testutil.MiniContent()})
	c := srv.Client()
	res := c.Get("/modules/email/bat-wifi?lang=en")
	assert.Equal(t, res.Status, 200)
	assert.Contains(t, res.Body, `<article lang="vi">`, "has not been translated yet", "Submit answers")
	res = c.Get("/modules/internet/bat-wifi?lang=en")
	assert.Contains(t, res.Body, "Turn on Wi-Fi")
	assert.NotContains(t, res.Body, "has not been translated yet", `<article lang="vi">`)
}

// answers returns a form answering every question of l: right ones for the
// first `right` questions, a wrong option for the rest.
func answers(l *curriculum.Lesson, right int) url.Values {
	form := url.Values{}
	for q, o := range l.SampleAnswers(right) {
		form.Set(q, o)
	}
	return form
}

func TestQuizSubmission(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[3]
	l := m.Lessons[1]
	path := "/modules/" + m.Slug + "/" + l.Slug
	n := len(l.Quiz)

	t.Run("all right passes and explains every option", func(t *testing.T) {
		c := srv.Client()
		c.Get(path)
		res := c.PostFollow(path+"/quiz", answers(l, n))
		assert.Equal(t, res.Status, 200)
		assert.Contains(t, res.Body, fmt.Sprintf("Bạn trả lời đúng %d trên %d câu.", n, n), "Chúc mừng! Bạn đã đạt bài này.", "Kết quả này chưa được lưu")
		for _, q := range l.Quiz {
			for _, o := range q.Options {
				assert.Contains(t, res.Body, template(o.Explanation))
			}
		}
	})
	t.Run("below the pass mark fails and says how many are needed", func(t *testing.T) {
		c := srv.Client()
		c.Get(path)
		res := c.PostFollow(path+"/quiz", answers(l, l.Pass-1))
		assert.Equal(t, res.Status, 200)
		assert.Contains(t, res.Body, fmt.Sprintf("Bạn trả lời đúng %d trên %d câu.", l.Pass-1, n), fmt.Sprintf("cần đúng ít nhất %d câu", l.Pass), "Làm lại")
	})
	t.Run("unanswered question re-shows the form with the answers kept", func(t *testing.T) {
		c := srv.Client()
		c.Get(path)
		form := answers(l, n)
		form.Del("q2")
		res := c.Post(path+"/quiz", form)
		assert.Equal(t, res.Status, 422)
		assert.Contains(t, res.Body, `role="alert"`, "Bạn còn 1 câu chưa chọn", `id="q2-err"`, `aria-describedby="q2-err"`,
			fmt.Sprintf(`name="q1" value="%s" checked`, form.Get("q1")))
	})
	t.Run("tampered option id counts as unanswered", func(t *testing.T) {
		c := srv.Client()
		c.Get(path)
		form := answers(l, n)
		form.Set("q1", "z")
		res := c.Post(path+"/quiz", form)
		assert.Equal(t, res.Status, 422)
	})
	t.Run("a cross-site post is refused, with a localized page", func(t *testing.T) {
		c := srv.Client()
		c.Get(path)
		c.Header.Set("Sec-Fetch-Site", "cross-site")
		res := c.Post(path+"/quiz", answers(l, n))
		assert.Equal(t, res.Status, http.StatusForbidden)
		assert.Contains(t, res.Body, "Không gửi được")
	})
	t.Run("English result", func(t *testing.T) {
		c := srv.Client()
		c.Get(path + "?lang=en")
		res := c.PostFollow(path+"/quiz?lang=en", answers(l, n))
		assert.Contains(t, res.Body, fmt.Sprintf("You got %d out of %d right.", n, n))
	})
}

func TestSecurityAndCacheHeaders(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	res := srv.Client().Get("/")
	h := res.Header
	assert.Contains(t, h.Get("Content-Security-Policy"), "script-src 'self'", "frame-ancestors 'none'")
	assert.NotContains(t, h.Get("Content-Security-Policy"), "unsafe-inline")
	assert.Equal(t, h.Get("X-Content-Type-Options"), "nosniff")
	assert.Equal(t, h.Get("Referrer-Policy"), "same-origin")
	assert.Equal(t, h.Get("Cache-Control"), "no-cache") // kept, but asked again before each use
	assert.True(t, h.Get("X-Request-Id") != "", "no request id")
	reg := srv.Client().Get("/register") // a form bound to this phone: the phone's own cache only
	assert.Equal(t, reg.Header.Get("Cache-Control"), "private, no-cache")
}

func TestStaticAssets(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	css := cssURL(t, srv)

	res := c.Get(css)
	assert.Equal(t, res.Status, 200)
	assert.Equal(t, res.Header.Get("Cache-Control"), "public, max-age=31536000, immutable")
	assert.Contains(t, res.Header.Get("Content-Type"), "text/css")
	assert.Contains(t, res.Body, "font:")
	assert.NotContains(t, res.Body, "@font-face", "@import")

	c.Header.Set("Accept-Encoding", "gzip")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+css, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	raw, err := http.DefaultTransport.RoundTrip(req)
	assert.NoErr(t, err)
	raw.Body.Close()
	assert.Equal(t, raw.Header.Get("Content-Encoding"), "gzip")

	stale := c.Get("/static/0000000000/app.css")
	assert.Equal(t, stale.Status, 200)
	assert.Equal(t, stale.Header.Get("Cache-Control"), "public, max-age=300")
	assert.Equal(t, c.Get("/static/0000000000/nope.css").Status, 404)
}

func TestLessonImagesAreServed(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Content: testutil.MiniContent()})
	c := srv.Client()
	src := linkIn(t, c.Get("/modules/internet/bat-wifi").Body, `src="(/media/[^"]+)"`)
	res := c.Get(src)
	assert.Equal(t, res.Status, 200)
	assert.Equal(t, res.Header.Get("Content-Type"), "image/svg+xml")
	// The lesson's URL carries the current fingerprint: cacheable for a year.
	assert.Equal(t, res.Header.Get("Cache-Control"), "public, max-age=31536000, immutable")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "sandbox")
	assert.Contains(t, res.Body, "<svg")
}

func TestBodyLimit(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	c.Get("/modules/internet")
	res := c.Post("/modules/internet/x/quiz", url.Values{"q1": {strings.Repeat("a", 70<<10)}})
	assert.Equal(t, res.Status, http.StatusRequestEntityTooLarge)
}

// TestLanguagesNeverMix renders pages in both languages at once: templates
// are shared, so a per-request language leaking into another request would
// show up here (miniflux had to clone templates per request to avoid this).
func TestLanguagesNeverMix(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[0]
	path := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang, want, wrong := "vi", "Nộp bài", "Submit answers"
			if i%2 == 1 {
				lang, want, wrong = "en", "Submit answers", "Nộp bài"
			}
			c := srv.Client()
			for range 5 {
				body := c.Get(path + "?lang=" + lang).Body
				if !strings.Contains(body, want) || strings.Contains(body, wrong) {
					errs <- lang + " page has the other language"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func moduleTitles(cat *curriculum.Catalog, lang string) []string {
	var out []string
	for _, m := range cat.Modules(lang) {
		out = append(out, template(m.Title))
	}
	return out
}

func lessonLinks(m *curriculum.Module) []string {
	var out []string
	for _, l := range m.Lessons {
		out = append(out, fmt.Sprintf(`href="/modules/%s/%s"`, m.Slug, l.Slug))
	}
	return out
}

// template escapes s the way html/template does in text.
func template(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestFragmentCacheChangesNothing renders every lesson in both languages
// with and without the start-up caches (the shared pages and the lesson
// fragments): the pages must be byte-identical, for visitors, and for a
// signed-in learner apart from the form's nonce.
func TestFragmentCacheChangesNothing(t *testing.T) {
	st := testutil.NewDemoStore(t)
	cached := testutil.NewServer(t, testutil.ServerOptions{Store: st})
	live := testutil.NewServer(t, testutil.ServerOptions{Store: st, NoFragmentCache: true})
	nonce := regexp.MustCompile(`name="_sub" value="[^"]*"`)
	// A name with every character html/template escapes: the learner's
	// page is stitched from a shell, and the name must come out the same.
	learner, _ := register(t, cached, `Tô Thị <b>Mười</b> & "Bảy" + O'Neil`)
	u, _ := url.Parse(cached.URL)
	sid := ""
	for _, ck := range learner.Cookies(u) {
		if ck.Name == "sid" {
			sid = ck.Value
		}
	}
	pages := 0
	for _, lang := range []string{"vi", "en"} {
		for _, m := range testutil.Catalog(t).Modules(lang) {
			for _, l := range m.Lessons {
				path := "/modules/" + m.Slug + "/" + l.Slug + "?lang=" + lang
				if cached.Client().Get(path).Body != live.Client().Get(path).Body {
					t.Fatalf("%s differs with the cache", path)
				}
				a, b := cached.Client(), live.Client()
				a.Header.Set("Cookie", "sid="+sid)
				b.Header.Set("Cookie", "sid="+sid) // the same database: the same session
				pa, pb := a.Get(path).Body, b.Get(path).Body
				assert.Contains(t, pa, "Tô Thị &lt;b&gt;Mười&lt;/b&gt; &amp; &#34;Bảy&#34; &#43; O&#39;Neil")
				if nonce.ReplaceAllString(pa, "") != nonce.ReplaceAllString(pb, "") {
					t.Fatalf("%s differs with the cache for a learner", path)
				}
				pages++
			}
		}
	}
	assert.True(t, pages >= 48, "compared only %d pages", pages)
}
