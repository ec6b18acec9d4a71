package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// staffLogin signs a staff member in and returns their client.
func staffLogin(t testing.TB, srv *testutil.Server, username, password string) *testutil.Client {
	t.Helper()
	c := srv.Client()
	c.Get("/login")
	res := c.Post("/login", url.Values{"username": {username}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d\n%.1500s", username, res.Status, res.Body)
	}
	return c
}

// addUser creates a staff account with a cheap hash, for tests.
func addUser(t testing.TB, st *store.Store, username string, role auth.Role, unit string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(demo.Password), bcrypt.MinCost)
	assert.NoErr(t, err)
	assert.NoErr(t, st.CreateUser(context.Background(), &store.User{Username: username, Role: string(role), UnitCode: unit, PasswordHash: string(hash)}))
}

func TestStaffSignIn(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	commune, _ := pilotCommune(t, srv.Store)
	for _, tc := range []struct{ user, landing string }{
		{"gv" + commune, "/trainer"}, {"huyen", "/reports/"}, {"tinh", "/reports/"}, {"admin", "/admin/"},
	} {
		c := srv.Client()
		c.Get("/login")
		res := c.Post("/login", url.Values{"username": {strings.ToUpper(tc.user)}, "password": {demo.Password}})
		assert.Equal(t, res.Status, http.StatusSeeOther)
		assert.Equal(t, res.Header.Get("Location"), tc.landing)
		page := c.Get(tc.landing)
		assert.Equal(t, page.Status, http.StatusOK)
		// Never the shared anonymous copy: kept by no cache, with no ETag.
		assert.Equal(t, page.Header.Get("Cache-Control"), "no-store, private")
		assert.Equal(t, page.Header.Get("ETag"), "")
		assert.Contains(t, page.Body, "Đăng xuất")
	}

	c := srv.Client()
	c.Get("/login")
	wrong := c.Post("/login", url.Values{"username": {"admin"}, "password": {"not the password"}})
	unknown := c.Post("/login", url.Values{"username": {"nobody"}, "password": {"not the password"}})
	for _, res := range []testutil.Response{wrong, unknown} {
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, "Tên đăng nhập hoặc mật khẩu không đúng.", `value="`)
		assert.NotContains(t, res.Body, "not the password")
	}
	blank := c.Post("/login", url.Values{"username": {""}, "password": {""}})
	assert.Contains(t, blank.Body, "Hãy nhập tên đăng nhập.", "Hãy nhập mật khẩu.")

	t.Run("the session is rotated and ends at sign-out", func(t *testing.T) {
		learner, _ := register(t, srv, "Lê Văn Mười Một")
		before := sessionCookie(t, learner, srv)
		learner.Get("/login")
		res := learner.Post("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
		assert.Equal(t, res.Status, http.StatusSeeOther)
		after := sessionCookie(t, learner, srv)
		assert.True(t, before != after, "the session token was not renewed at sign-in")
		replay := srv.Client()
		replay.Header.Set("Cookie", "sid="+before)
		assert.Equal(t, replay.Get("/admin/").Status, http.StatusSeeOther) // the old token is dead
		learner.Get("/admin/")
		assert.Equal(t, learner.Post("/logout", url.Values{}).Header.Get("Location"), "/login")
		assert.Equal(t, learner.Get("/admin/").Status, http.StatusSeeOther)
	})
	t.Run("next leads back, but only into a staff area", func(t *testing.T) {
		c := srv.Client()
		res := c.Get("/admin/users")
		assert.Equal(t, res.Header.Get("Location"), "/login?next=%2Fadmin%2Fusers")
		page := c.Get(res.Header.Get("Location"))
		assert.Contains(t, page.Body, `name="next" value="/admin/users"`)
		res = c.Post("/login", url.Values{"username": {"admin"}, "password": {demo.Password}, "next": {"/admin/users"}})
		assert.Equal(t, res.Header.Get("Location"), "/admin/users")
		for _, next := range []string{"//evil.example/admin", "https://evil.example/", "/me", "/admin\\@evil"} {
			d := srv.Client()
			d.Get("/login")
			res := d.Post("/login", url.Values{"username": {"tinh"}, "password": {demo.Password}, "next": {next}})
			assert.Equal(t, res.Header.Get("Location"), "/reports/")
		}
		// A supervisor asked to go to an admin page lands on reports instead.
		d := srv.Client()
		d.Get("/login")
		res = d.Post("/login", url.Values{"username": {"tinh"}, "password": {demo.Password}, "next": {"/admin/users"}})
		assert.Equal(t, res.Header.Get("Location"), "/reports/")
	})
}

func sessionCookie(t *testing.T, c *testutil.Client, srv *testutil.Server) string {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Cookies(u) {
		if ck.Name == "sid" {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestStaffLoginGuessesAreCountedBeforeComparing: of 100 simultaneous
// wrong passwords for one account, 5 are compared; the right password is
// then refused until the window ends.
func TestStaffLoginGuessesAreCountedBeforeComparing(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	var compared, refused atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			c := srv.Client()
			c.Header.Set("Sec-Fetch-Site", "same-origin")
			<-start
			res := c.Post("/login", url.Values{"username": {"admin"}, "password": {fmt.Sprint("guess-", i)}})
			switch res.Status {
			case http.StatusUnprocessableEntity:
				compared.Add(1)
			case http.StatusTooManyRequests:
				refused.Add(1)
				assert.Contains(t, res.Body, "Bạn đã thử quá nhiều lần")
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("100 concurrent wrong passwords: %d compared, %d refused", compared.Load(), refused.Load())
	assert.Equal(t, compared.Load(), int64(5))
	assert.Equal(t, refused.Load(), int64(95))
	c := srv.Client()
	c.Header.Set("Sec-Fetch-Site", "same-origin")
	assert.Equal(t, c.Post("/login", url.Values{"username": {"admin"}, "password": {demo.Password}}).Status, http.StatusTooManyRequests)
}

var secretRe = regexp.MustCompile(`<span class="code">([^<]+)</span>`)

// TestAdminManagesAccountsOfTheirSubtree: a district admin creates a trainer
// for a commune of the district (never outside it), the trainer signs in
// with the password shown once and changes it; the admin resets and
// disables the account, which ends the trainer's session. Accounts outside
// the district are "not found".
func TestAdminManagesAccountsOfTheirSubtree(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	addUser(t, srv.Store, "qt.vungliem", auth.RoleAdmin, "859")
	admin := staffLogin(t, srv, "qt.vungliem", demo.Password)
	page := admin.Get("/admin/users")
	assert.Equal(t, page.Status, http.StatusOK)
	assert.Contains(t, page.Body, "huyen") // the district's supervisor
	assert.NotContains(t, page.Body, ">tinh<", ">admin<")

	communes, err := srv.Store.UnitsUnder(ctx, "/86/859/", "commune")
	assert.NoErr(t, err)
	outside, err := srv.Store.UnitsUnder(ctx, "/86/855/", "commune")
	assert.NoErr(t, err)
	bad := admin.Post("/admin/users", url.Values{"username": {"X"}, "role": {"trainer"}, "unit": {outside[0].Code}, "full_name": {"Trần \u202eAn"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Tên đăng nhập gồm 3 đến 32 ký tự", "Hãy chọn một đơn vị trong danh sách.", "ký tự ẩn")
	wrongLevel := admin.Post("/admin/users", url.Values{"username": {"gv.x"}, "role": {"trainer"}, "unit": {"859"}})
	assert.Contains(t, wrongLevel.Body, "Tập huấn viên thuộc một xã, phường.")

	res := admin.Post("/admin/users", url.Values{"username": {"gv.moi"}, "role": {"trainer"}, "unit": {communes[0].Code}, "full_name": {"Trần Thị Mới"}})
	assert.Equal(t, res.Status, http.StatusOK)
	secret := secretRe.FindStringSubmatch(res.Body)
	assert.True(t, secret != nil, "no password shown")
	taken := admin.Post("/admin/users", url.Values{"username": {"gv.moi"}, "role": {"trainer"}, "unit": {communes[0].Code}})
	assert.Contains(t, taken.Body, "Tên đăng nhập này đã có người dùng.")

	trainer := staffLogin(t, srv, "gv.moi", secret[1])
	assert.Contains(t, trainer.Get("/trainer").Body, "Chào Trần Thị Mới")
	assert.Equal(t, trainer.Get("/admin/").Status, http.StatusForbidden)
	short := trainer.Post("/account/password", url.Values{"current": {secret[1]}, "new": {"ngan"}, "again": {"ngan"}})
	assert.Contains(t, short.Body, "Mật khẩu cần ít nhất 10 ký tự.")
	ok := trainer.Post("/account/password", url.Values{"current": {secret[1]}, "new": {"ca-phe-sua-da"}, "again": {"ca-phe-sua-da"}})
	assert.Equal(t, ok.Status, http.StatusSeeOther)
	assert.Equal(t, trainer.Get("/trainer").Status, http.StatusOK) // still signed in here

	u, err := srv.Store.UserByUsername(ctx, "gv.moi")
	assert.NoErr(t, err)
	path := fmt.Sprint("/admin/users/", u.ID)
	assert.Equal(t, admin.Post(path, url.Values{"action": {"disable"}}).Status, http.StatusSeeOther)
	assert.Equal(t, trainer.Get("/trainer").Status, http.StatusSeeOther) // signed out
	c := srv.Client()
	c.Get("/login")
	assert.Equal(t, c.Post("/login", url.Values{"username": {"gv.moi"}, "password": {"ca-phe-sua-da"}}).Status, http.StatusUnprocessableEntity)
	assert.Equal(t, admin.Post(path, url.Values{"action": {"enable"}}).Status, http.StatusSeeOther)
	reset := admin.Post(path, url.Values{"action": {"reset"}})
	again := secretRe.FindStringSubmatch(reset.Body)
	assert.True(t, again != nil && again[1] != secret[1], "reset showed no new password")
	staffLogin(t, srv, "gv.moi", again[1])

	tinh, err := srv.Store.UserByUsername(ctx, "tinh")
	assert.NoErr(t, err)
	assert.Equal(t, admin.Get(fmt.Sprint("/admin/users/", tinh.ID)).Status, http.StatusNotFound)
	assert.Equal(t, admin.Post(fmt.Sprint("/admin/users/", tinh.ID), url.Values{"action": {"disable"}}).Status, http.StatusNotFound)
	me, _ := srv.Store.UserByUsername(ctx, "qt.vungliem")
	assert.Equal(t, admin.Post(fmt.Sprint("/admin/users/", me.ID), url.Values{"action": {"disable"}}).Status, http.StatusUnprocessableEntity)
}

// TestStaffPagesAreNeverSharedAndRefuseCrossSiteForms: a signed-in staff
// member never gets the anonymous shared copy of a page (nor a 304 for
// it), staff pages are kept by no cache, and their forms (sign-in, sign-out,
// accounts, classes, password) pass the same Fetch Metadata and Origin
// check as learners' forms: same-origin works, cross-site is refused and
// changes nothing.
func TestStaffPagesAreNeverSharedAndRefuseCrossSiteForms(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	m := testutil.Catalog(t).Modules("vi")[0]
	lesson := "/modules/" + m.Slug + "/" + m.Lessons[0].Slug
	anon := send(t, srv.URL, "GET", lesson, map[string]string{"Accept-Encoding": "gzip"}, nil)
	assert.True(t, anon.header.Get("ETag") != "", "the anonymous lesson page has no ETag")

	admin := staffLogin(t, srv, "admin", demo.Password)
	admin.Header.Set("Sec-Fetch-Site", "same-origin")
	admin.Header.Set("If-None-Match", anon.header.Get("ETag"))
	for _, p := range []string{"/", "/modules/" + m.Slug, lesson, "/glossary", "/trainer", "/reports/", "/admin/", "/admin/users"} {
		res := admin.Get(p)
		assert.Equal(t, res.Status, http.StatusOK)
		assert.Equal(t, res.Header.Get("ETag"), "")
		assert.Equal(t, res.Header.Get("Cache-Control"), "no-store, private")
		assert.Contains(t, res.Body, "Đăng xuất")
	}
	admin.Header.Del("If-None-Match")
	// Staff pages load no script (none of app.js is for them); lessons do.
	for _, p := range []string{"/trainer", "/reports/", "/admin/"} {
		assert.NotContains(t, admin.Get(p).Body, "<script")
	}
	login := srv.Client().Get("/login")
	assert.Equal(t, login.Status, http.StatusOK)
	assert.NotContains(t, login.Body, "<script")
	assert.Contains(t, admin.Get(lesson).Body, "app.js")

	ctx := context.Background()
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/admin/users", url.Values{"username": {"gv.evil"}, "role": {"trainer"}, "unit": {"86"}}},
		{"/trainer/classes/new", url.Values{"name": {"Lớp giả"}}},
		{"/account/password", url.Values{"current": {demo.Password}, "new": {"mat-khau-moi-dai"}, "again": {"mat-khau-moi-dai"}}},
		{"/logout", url.Values{}},
		{"/login", url.Values{"username": {"tinh"}, "password": {demo.Password}}},
	} {
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Origin": "https://evil.example"}, // a browser without Fetch Metadata
		} {
			req, err := http.NewRequest(http.MethodPost, srv.URL+tc.path, strings.NewReader(tc.form.Encode()))
			assert.NoErr(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			admin.Header.Del("Sec-Fetch-Site")
			res := admin.Do(req)
			assert.True(t, res.Status == http.StatusForbidden, "cross-site POST %s answered %d", tc.path, res.Status)
		}
	}
	admin.Header.Set("Sec-Fetch-Site", "same-origin")
	_, err := srv.Store.UserByUsername(ctx, "gv.evil")
	assert.True(t, err != nil, "a cross-site form created an account")
	page := admin.Get("/admin/")
	assert.Equal(t, page.Status, http.StatusOK) // still signed in, as admin
	assert.Contains(t, page.Body, "Đăng xuất")
	res := admin.Post("/logout", url.Values{})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.Equal(t, res.Header.Get("Location"), "/login")
}

// TestStaffLanguageIsRemembered: staff pages, never shared, remember a
// chosen language in a cookie, since their links do not all carry it; the
// switch back names Vietnamese. Shared pages ignore that cookie (the
// language of a page a cache may keep is in its URL), and learners' pages
// made per request keep the language in their links and redirects.
func TestStaffLanguageIsRemembered(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c := srv.Client()
	en := c.Get("/login?lang=en")
	assert.Contains(t, en.Body, "Sign-in for staff", `href="/login?lang=vi"`)
	assert.Contains(t, en.Header.Get("Set-Cookie"), "lang=en")
	again := c.Get("/login")
	assert.Contains(t, again.Body, "Sign-in for staff")
	assert.Equal(t, again.Header.Get("Set-Cookie"), "") // set once, not on every page
	res := c.Post("/login", url.Values{"username": {"admin"}, "password": {demo.Password}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.Contains(t, c.Get("/admin/users").Body, "Staff accounts")
	home := c.Get("/") // a page for everyone (here made for the signed-in admin): no cookie language
	assert.Contains(t, home.Body, `lang="vi"`)
	assert.Contains(t, c.Get("/admin/?lang=vi").Body, `href="/admin?lang=en"`)
	assert.Contains(t, c.Get("/admin/users").Body, "Tài khoản cán bộ")

	anon := srv.Client()
	anon.Header.Set("Cookie", "lang=en")
	page := anon.Get("/")
	assert.Contains(t, page.Body, `lang="vi"`, `href="/check"`)
	assert.Equal(t, page.Header.Get("Set-Cookie"), "")
	check := anon.Get("/check?lang=en")
	assert.Contains(t, check.Body, `href="/check/before?lang=en"`)
}
