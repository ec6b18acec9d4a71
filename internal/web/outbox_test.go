package web_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// TestQuizSentTwiceCountsOnce: shared lesson pages carry no key, so the
// phone's script makes one (and the offline outbox resends it with the
// same key); without script the server makes one from the answers. Either
// way a double tap or a resend is one attempt, for a learner and for a
// visitor, and changed answers are a new one.
func TestQuizSentTwiceCountsOnce(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	m := testutil.Catalog(t).Modules("vi")[2]
	l := m.Lessons[1]
	quiz := "/modules/" + m.Slug + "/" + l.Slug + "/quiz"
	withKey := func(right int, key string) url.Values {
		f := answers(l, right)
		if key != "" {
			f.Set("_sub", key)
		}
		return f
	}
	attempts := func(c *testutil.Client, code string) int {
		t.Helper()
		learner, err := srv.Store.LearnerByCode(ctx, code)
		assert.NoErr(t, err)
		list, err := srv.Store.AttemptsOf(ctx, learner.ID)
		assert.NoErr(t, err)
		return len(list)
	}
	tests := []struct {
		name  string
		sends []url.Values
		want  int
	}{
		{"the script's key, twice (a double tap, a resend from the outbox)", []url.Values{withKey(1, "AbCdEfGhIjKlMnOpQrStUv"), withKey(1, "AbCdEfGhIjKlMnOpQrStUv")}, 1},
		{"two keys: two attempts, even with the same answers", []url.Values{withKey(1, "AbCdEfGhIjKlMnOpQrStUv"), withKey(1, "ZyXwVuTsRqPoNmLkJiHgFe")}, 2},
		{"no key, the same answers twice", []url.Values{withKey(1, ""), withKey(1, "")}, 1},
		{"no key, other answers the second time", []url.Values{withKey(1, ""), withKey(len(l.Quiz), "")}, 2},
	}
	for _, tt := range tests {
		t.Run("learner/"+tt.name, func(t *testing.T) {
			c, code := register(t, srv, "Hồ Văn Mười Bốn")
			for _, f := range tt.sends {
				assert.Equal(t, c.Post(quiz, f).Status, 303)
			}
			assert.Equal(t, attempts(c, code), tt.want)
		})
		t.Run("visitor/"+tt.name, func(t *testing.T) {
			c := srv.Client()
			for _, f := range tt.sends {
				assert.Equal(t, c.Post(quiz, f).Status, 303)
			}
			// A visitor's answers wait on the phone (one per lesson: the
			// last) and become the learner's when they register.
			code := registerAs(t, srv, c, "Hồ Thị Mười Lăm")
			assert.Equal(t, attempts(c, code), 1)
		})
	}
}

// registerAs signs an existing client up and returns the personal code.
func registerAs(t *testing.T, srv *testutil.Server, c *testutil.Client, name string) string {
	t.Helper()
	page := c.Get("/register").Body
	commune, _ := pilotCommune(t, srv.Store)
	form := validRegistration(commune)
	form.Set("name", name)
	form.Set("_form", formNonce.FindStringSubmatch(page)[1])
	res := c.PostFollow("/register", form)
	m := codeRe.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no code after registering:\n%s", res.Body)
	}
	return m[1] + m[2]
}
