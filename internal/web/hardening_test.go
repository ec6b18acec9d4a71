package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
