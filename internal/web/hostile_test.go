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

// hostileValues are what an attacker, a broken phone or a careless paste
// put in a form field.
var hostileValues = []struct{ name, value string }{
	{"empty", ""},
	{"only spaces", "   \t "},
	{"oversized", strings.Repeat("Ấp Phú Hòa ", 2000)},
	{"invalid UTF-8", "Nguy\xff\xfen"},
	{"NUL", "An\x00Bình"},
	{"control", "An\x1bBình"},
	{"direction override", "\u202eAn Bình"},
	{"invisible only", "\u200b\u2060\ufeff"},
	{"HTML and script", `<script>alert(1)</script><img src=x onerror=alert(2)>`},
	{"SQL-looking", `'; DROP TABLE learners; --`},
	{"wrong type", `{"name": ["a", "b"]}`},
}

// hostileForm is one form of the site with a valid submission to spoil.
type hostileForm struct {
	name     string
	path     string
	learner  bool       // posted by a signed-in learner
	base     url.Values // a valid submission
	fields   []string   // fields to spoil one at a time
	refusing url.Values // set on top, so that a value the form accepts as text (a name with "<") is still refused and shown back
}

// TestHostileInputOnEveryForm spoils each field of each form with each
// hostile value. Every answer is a 4xx page with a message, never a 500;
// nothing is stored; nothing is echoed unescaped. It also posts each form
// from another site, from a sibling subdomain, and from an old browser on
// another site (Origin without Fetch Metadata). It runs
// on both engines (make test runs the suite on PostgreSQL too).
func TestHostileInputOnEveryForm(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	commune, class := pilotCommune(t, srv.Store)
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[0]
	lesson := m.Lessons[0]
	quiz := answers(lesson, len(lesson.Quiz))
	quiz.Set("_sub", "abcdefgh12345678")
	reg := validRegistration(commune)
	reg.Set("_form", "abcdefgh12345678")
	learner, code := register(t, srv, "Nguyễn Văn Mười")
	forms := []hostileForm{
		{name: "register", path: "/register", base: reg,
			fields: []string{"name", "birth_year", "commune", "village", "gender", "phone", "consent", "_form"}, refusing: url.Values{"consent": {""}}},
		{name: "join", path: "/join/" + class.JoinCode, base: reg,
			fields: []string{"name", "birth_year", "village", "gender", "phone", "consent", "_form"}, refusing: url.Values{"consent": {""}}},
		{name: "resume", path: "/resume", base: url.Values{"code": {"ZZZZ22Z"}, "pin": {""}}, fields: []string{"code", "pin"}},
		{name: "quiz", path: "/modules/" + m.Slug + "/" + lesson.Slug + "/quiz", base: quiz, fields: []string{"q1", "_sub"}},
		{name: "profile", path: "/me", learner: true, base: url.Values{"name": {"Nguyễn Văn Mười"}, "birth_year": {"1960"}, "phone": {""}},
			fields: []string{"name", "birth_year", "phone"}, refusing: url.Values{"birth_year": {"x"}}},
		{name: "pin", path: "/me/pin", learner: true, base: url.Values{"pin": {"1234"}}, fields: []string{"pin"}},
		{name: "check", path: "/check/before", base: checkForm(cat.Check("vi"), "abcdefgh12345678", allRight), fields: []string{"q1", "q12", "_sub"}},
	}
	type counts struct{ learners, attempts, certificates int64 }
	count := func() counts {
		l, err := srv.Store.CountLearners(ctx)
		assert.NoErr(t, err)
		a, err := srv.Store.CountAttempts(ctx)
		assert.NoErr(t, err)
		return counts{l, a, 0}
	}
	me, err := srv.Store.LearnerByCode(ctx, code)
	assert.NoErr(t, err)
	before := count()
	cases := 0
	for _, f := range forms {
		for _, field := range f.fields {
			for _, h := range hostileValues {
				form := url.Values{}
				for k, v := range f.base {
					form[k] = v
				}
				form.Set(field, h.value)
				if h.name == "wrong type" {
					form[field] = []string{h.value, "second value"}
				}
				// Text the form may accept as it is (a name may hold "<" or a
				// quote; a field sent twice is read once).
				accepted := h.name == "HTML and script" || h.name == "SQL-looking" || h.name == "wrong type"
				if accepted || h.name == "empty" || h.name == "only spaces" {
					for k, v := range f.refusing { // text the form may accept: refuse the form another way
						if k != field {
							form[k] = v
						}
					}
				}
				cases++
				t.Run(f.name+"/"+field+"/"+h.name, func(t *testing.T) {
					c := srv.Client()
					if f.learner {
						c = learner
					}
					c.Header.Set("Sec-Fetch-Site", "same-origin")
					res := c.Post(f.path, form)
					if res.Status == http.StatusSeeOther && !strings.HasPrefix(field, "_") && field != "back" && field != "pin" {
						// Only a blank optional field may pass: it then changes nothing stored but itself.
						assert.True(t, (h.name == "empty" || h.name == "only spaces") && (field == "village" || field == "phone" || field == "gender"),
							"%s accepted %s in %s", f.name, h.name, field)
						return
					}
					assert.True(t, res.Status >= 400 && res.Status < 500 || res.Status == http.StatusSeeOther,
						"%s with %s in %s answered %d", f.name, h.name, field, res.Status)
					assert.NotContains(t, res.Body, "<script>alert(1)", "<img src=x", "\x00", "\u202e")
					if res.Status == http.StatusUnprocessableEntity {
						assert.Contains(t, res.Body, `role="alert"`)
					}
				})
			}
		}
	}
	// A blank village, phone or gender is allowed: the registrations they
	// made are the only rows added.
	after := count()
	assert.Equal(t, after.attempts, before.attempts)
	got, err := srv.Store.LearnerByCode(ctx, code)
	assert.NoErr(t, err)
	assert.Equal(t, got.Name, me.Name)
	assert.True(t, got.PinHash == nil, "a hostile PIN form set a PIN")

	// Cross-site posting, as browsers tell it (Fetch Metadata, else Origin).
	for _, f := range forms {
		for _, tc := range []struct {
			name   string
			header map[string]string
			form   url.Values
		}{
			{"from another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, url.Values{}},
			{"from a sibling subdomain", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.vinhlong.gov.vn"}, url.Values{}},
			{"old browser on another site", map[string]string{"Origin": "https://evil.example"}, url.Values{}},
			{"cross-site with a forged token", map[string]string{"Sec-Fetch-Site": "cross-site"}, url.Values{"_csrf": {"forged-token"}}},
		} {
			cases++
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				c := srv.Client() // no token seen yet
				for k, v := range tc.header {
					c.Header.Set(k, v)
				}
				form := url.Values{}
				for k, v := range f.base {
					form[k] = v
				}
				for k, v := range tc.form {
					form[k] = v
				}
				res := c.Post(f.path, form)
				assert.True(t, res.Status == http.StatusForbidden, "%s %s answered %d", f.name, tc.name, res.Status)
			})
		}
	}
	assert.Equal(t, count().attempts, before.attempts)
	t.Logf("%d hostile cases on %s", cases, srv.Store.Dialect())
}
