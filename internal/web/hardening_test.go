package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// TestAnonymousQuizzesStoreNothing posts many quizzes as visitors who never
// register. Their answers live in each visitor's own signed cookie, so the
// database does not grow: before, each post created a session that lived
// for 180 days (500 posts took the file from 1.5 MB to 32.5 MB).
func TestAnonymousQuizzesStoreNothing(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	ctx := context.Background()
	before, err := srv.Store.Size(ctx)
	assert.NoErr(t, err)
	attempts, _ := srv.Store.CountAttempts(ctx)
	posts := 0
	for i := range 300 {
		c := srv.Client() // a fresh visitor each time: the worst case
		c.Header.Set("Sec-Fetch-Site", "same-origin")
		m := cat.Modules("vi")[i%6]
		l := m.Lessons[i%len(m.Lessons)]
		form := answers(l, i%(len(l.Quiz)+1))
		form.Set("_sub", strings.Repeat("k", 20)+string(rune('a'+i%26)))
		res := c.Post("/modules/"+m.Slug+"/"+l.Slug+"/quiz", form)
		assert.Equal(t, res.Status, http.StatusSeeOther)
		posts++
	}
	after, err := srv.Store.Size(ctx)
	assert.NoErr(t, err)
	t.Logf("%d anonymous quiz posts: database %d → %d bytes", posts, before, after)
	assert.Equal(t, after, before)
	n, _ := srv.Store.CountAttempts(ctx)
	assert.Equal(t, n, attempts)
}

// TestPendingAnswersAreSignedAndBounded: a visitor's answers survive in
// their cookie, a forged cookie counts as nothing, and answering every
// lesson keeps the cookie under the browsers' 4 KB limit.
func TestPendingAnswersAreSignedAndBounded(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	c := srv.Client()
	var last string
	for _, m := range cat.Modules("vi") {
		for _, l := range m.Lessons {
			res := takeQuiz(t, c, m, l, len(l.Quiz))
			assert.Contains(t, res.Body, "Kết quả này chưa được lưu")
			last = "/modules/" + m.Slug + "/" + l.Slug
		}
	}
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Cookies(u) {
		if ck.Name == "pending" {
			assert.True(t, len(ck.Value) <= 3800, "pending cookie is %d bytes", len(ck.Value))
		}
	}
	assert.Equal(t, c.Get(last+"/result").Status, http.StatusOK)

	forger := srv.Client()
	forger.Header.Set("Cookie", "pending=bW9kdWxlCWxlc3Nvbgk.AAAAAAAAAAAAAAAAAAAAAAAA")
	res := forger.Get(last + "/result")
	assert.Equal(t, res.Status, http.StatusSeeOther) // nothing answered: back to the quiz
}

// TestPINChangesEndOtherSessions: setting, changing or removing a PIN signs
// every other phone out; changing or removing it needs the current PIN;
// "sign out on all other phones" and a new personal code work.
func TestPINChangesEndOtherSessions(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	owner, code := register(t, srv, "Võ Thị Bảy")
	resume := func(pin string) *testutil.Client {
		t.Helper()
		c := srv.Client()
		c.Get("/resume")
		res := c.Post("/resume", url.Values{"code": {code}, "pin": {pin}})
		assert.Equal(t, res.Status, http.StatusSeeOther)
		return c
	}
	signedIn := func(c *testutil.Client) bool { return c.Get("/me").Status == http.StatusOK }

	borrowed := resume("")
	assert.True(t, signedIn(borrowed), "resume did not sign in")
	owner.Get("/me")
	assert.Equal(t, owner.Post("/me/pin", url.Values{"pin": {"2468"}}).Status, http.StatusSeeOther)
	assert.True(t, !signedIn(borrowed), "setting a PIN left another phone signed in")
	assert.True(t, signedIn(owner), "setting a PIN signed the owner out")

	// Changing or removing needs the current PIN, also from a phone
	// that is signed in.
	other := resume("2468")
	other.Get("/me")
	res := other.Post("/me/pin", url.Values{"remove": {"yes"}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, "Hãy nhập mã PIN hiện tại.")
	res = other.Post("/me/pin", url.Values{"remove": {"yes"}, "current_pin": {"1111"}})
	assert.Contains(t, res.Body, "Mã PIN hiện tại không đúng.")
	res = other.Post("/me/pin", url.Values{"pin": {"9753"}, "current_pin": {"2468"}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.True(t, !signedIn(owner), "changing the PIN left another phone signed in")

	// Sign out everywhere else.
	third := resume("9753")
	other.Get("/me")
	assert.Equal(t, other.Post("/me/sign-out-others", url.Values{}).Status, http.StatusSeeOther)
	assert.True(t, !signedIn(third), "sign out on other phones left one in")
	assert.True(t, signedIn(other), "sign out on other phones signed this one out")

	// A new personal code: the old one stops working.
	fourth := resume("9753")
	other.Get("/me")
	res = other.Post("/me/new-code", url.Values{"current_pin": {"9753"}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.True(t, !signedIn(fourth), "a new code left another phone signed in")
	me := other.Get("/me").Body
	assert.NotContains(t, me, code[:3]+"-"+code[3:])
	late := srv.Client()
	late.Get("/resume")
	res = late.Post("/resume", url.Values{"code": {code}, "pin": {"9753"}})
	assert.Contains(t, res.Body, "Không tìm thấy mã này.")
}

// TestMetricLabelsAreBounded sends requests with thousands of made-up
// methods and paths: /metrics keeps a handful of series, because labels
// come only from closed sets. Before, 50,000 random methods made 50,269
// series and took /metrics from 55 KB to 3.9 MB.
func TestMetricLabelsAreBounded(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	series := func() int {
		n := 0
		for _, line := range strings.Split(c.Get("/metrics").Body, "\n") {
			if strings.HasPrefix(line, "kynangso_http_requests_total{") {
				n++
			}
		}
		return n
	}
	before := series()
	for i := range 300 { // unbounded, they made 300 series
		req, err := http.NewRequest(fmt.Sprintf("M%dX", i), srv.URL+fmt.Sprintf("/no/such/%d", i), nil)
		assert.NoErr(t, err)
		c.Do(req)
	}
	after := series()
	t.Logf("series before %d, after 300 odd requests %d", before, after)
	assert.True(t, after <= before+3, "%d series after odd methods (was %d)", after, before)
}

// TestSmallHardening covers the smaller defects of the hardening review.
func TestSmallHardening(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Config: config.Config{SecureCookies: true, Addr: "127.0.0.1:8080"}})
	c := srv.Client()

	t.Run("HEAD answers wherever GET does", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/", "/modules/internet", "/register", "/resume", "/join", "/no-such-page"} {
			req, _ := http.NewRequest(http.MethodHead, srv.URL+p, nil)
			res := c.Do(req)
			get := c.Get(p)
			assert.Equal(t, res.Status, get.Status)
			assert.Equal(t, res.Body, "")
		}
	})
	t.Run("request ids: a short plain one is kept, anything else replaced", func(t *testing.T) {
		for id, kept := range map[string]bool{"abc-123.x:y_z": true, strings.Repeat("a", 65): false, "a b": false, "<script>": false} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
			req.Header.Set("X-Request-Id", id)
			got := c.Do(req).Header.Get("X-Request-Id")
			assert.True(t, (got == id) == kept && got != "" && len(got) <= 64, "X-Request-Id %q answered %q", id, got)
		}
	})
	t.Run("the language switch never leads off-site", func(t *testing.T) {
		for _, p := range []string{"//evil.example", "/\\evil.example", "//evil.example/modules"} {
			body := c.Get(p).Body
			assert.NotContains(t, body, `href="//`, `href="/\`)
		}
	})
	t.Run("a forged Host is not printed on certificates", func(t *testing.T) {
		l := registerAndComplete(t, srv)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/certificates/"+l, nil)
		req.Host = "evil.example"
		body := c.Do(req).Body
		assert.NotContains(t, body, "evil.example")
		assert.Contains(t, body, "http://127.0.0.1:8080/certificates/"+l)
	})
	t.Run("a learner's pages are not stored", func(t *testing.T) {
		me, _ := register(t, srv, "Đỗ Văn Tám")
		res := me.Get("/me")
		assert.Equal(t, res.Header.Get("Cache-Control"), "no-store, private")
	})
	t.Run("HSTS behind HTTPS", func(t *testing.T) {
		assert.Equal(t, c.Get("/").Header.Get("Strict-Transport-Security"), "max-age=31536000")
	})
	t.Run("a huge class code is not echoed", func(t *testing.T) {
		huge := strings.Repeat("K", 500_000)
		res := c.Get("/join?code=" + huge[:60_000])
		assert.Equal(t, res.Status, http.StatusNotFound)
		assert.True(t, len(res.Body) < 20_000, "answer of %d bytes", len(res.Body))
		assert.Equal(t, res.Header.Get("Location"), "")
	})
}

// registerAndComplete signs a learner up, completes a module and returns
// the code of its certificate.
func registerAndComplete(t *testing.T, srv *testutil.Server) string {
	t.Helper()
	c, _ := register(t, srv, "Bùi Thị Chín")
	m := testutil.Catalog(t).Modules("vi")[1]
	completeModule(t, c, m)
	found := certLinkRe.FindStringSubmatch(c.Get("/me").Body)
	if found == nil {
		t.Fatal("no certificate after completing a module")
	}
	return found[1]
}
