package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

var (
	codeRe     = regexp.MustCompile(`<p class="code">([A-Z0-9]+)-([A-Z0-9]+)</p>`)
	formNonce  = regexp.MustCompile(`name="_form" value="([^"]+)"`)
	subNonce   = regexp.MustCompile(`name="_sub" value="([^"]+)"`)
	certLinkRe = regexp.MustCompile(`href="/certificates/([A-Z0-9]+)"`)
)

// pilotCommune returns the code of a demo pilot commune and one of its classes.
func pilotCommune(t testing.TB, st *store.Store) (commune string, class store.Class) {
	t.Helper()
	communes, err := st.UnitsByLevel(context.Background(), "commune")
	assert.NoErr(t, err)
	for _, c := range communes {
		if c.Pilot {
			classes, err := st.ClassesByUnit(context.Background(), c.Code)
			assert.NoErr(t, err)
			return c.Code, classes[0]
		}
	}
	t.Fatal("no pilot commune in the demo data")
	return "", store.Class{}
}

func validRegistration(commune string) url.Values {
	return url.Values{"name": {"Nguyễn Thị Hoa"}, "birth_year": {"1961"}, "commune": {commune},
		"village": {"Ấp Mỹ Hòa"}, "gender": {"female"}, "phone": {"0912 345 678"}, "consent": {"yes"}}
}

// register signs a new learner up through the form and returns their
// client (signed in) and personal code.
func register(t testing.TB, srv *testutil.Server, name string) (*testutil.Client, string) {
	t.Helper()
	c := srv.Client()
	page := c.Get("/register").Body
	commune, _ := pilotCommune(t, srv.Store)
	form := validRegistration(commune)
	form.Set("name", name)
	form.Set("_form", formNonce.FindStringSubmatch(page)[1])
	res := c.PostFollow("/register", form)
	assert.Equal(t, res.Status, 200)
	m := codeRe.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("welcome page shows no code:\n%s", res.Body)
	}
	return c, m[1] + m[2]
}

// takeQuiz answers a lesson's quiz (right for the first `right` questions)
// and returns the result page.
func takeQuiz(t *testing.T, c *testutil.Client, m *curriculum.Module, l *curriculum.Lesson, right int) testutil.Response {
	t.Helper()
	path := "/modules/" + m.Slug + "/" + l.Slug
	c.Get(path)
	return c.PostFollow(path+"/quiz", answers(l, right))
}

func TestRegisterValidatesEveryField(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	commune, _ := pilotCommune(t, srv.Store)
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		msg    string
	}{
		{"empty name", func(f url.Values) { f.Set("name", "   ") }, "name", "Hãy ghi họ và tên."},
		{"long name", func(f url.Values) { f.Set("name", strings.Repeat("ỹ", 81)) }, "name", "tối đa 80 chữ"},
		{"birth year not a number", func(f url.Values) { f.Set("birth_year", "năm 60") }, "birth_year", "Năm sinh là bốn số, từ 1920 đến"},
		{"too old", func(f url.Values) { f.Set("birth_year", "1919") }, "birth_year", "từ 1920 đến"},
		{"too young", func(f url.Values) { f.Set("birth_year", fmt.Sprint(time.Now().Year()-9)) }, "birth_year", fmt.Sprintf("đến %d", time.Now().Year()-10)},
		{"no commune", func(f url.Values) { f.Del("commune") }, "commune", "Hãy chọn xã, phường nơi bạn ở."},
		{"unknown commune", func(f url.Values) { f.Set("commune", "99999") }, "commune", "không có trong danh sách"},
		{"a district is not a commune", func(f url.Values) { f.Set("commune", "859") }, "commune", "không có trong danh sách"},
		{"long village", func(f url.Values) { f.Set("village", strings.Repeat("a", 81)) }, "village", "Dài quá: tối đa 80 chữ."},
		{"name without a letter", func(f url.Values) { f.Set("name", "12 - 34") }, "name", "Họ tên cần có chữ cái."},
		{"invalid UTF-8 in the name", func(f url.Values) { f.Set("name", "Nguy\xffn") }, "name", "máy không đọc được"},
		{"NUL in the village", func(f url.Values) { f.Set("village", "Ấp\x00") }, "village", "máy không đọc được"},
		{"right-to-left override in the name", func(f url.Values) { f.Set("name", "\u202eAn") }, "name", "ký tự ẩn"},
		{"invisible-only name", func(f url.Values) { f.Set("name", "\u200b\u200b") }, "name", "ký tự ẩn"},
		{"odd gender", func(f url.Values) { f.Set("gender", "x") }, "gender", "Hãy chọn một trong các ô giới tính."},
		{"short phone", func(f url.Values) { f.Set("phone", "091234") }, "phone", "Số điện thoại gồm 10 số"},
		{"landline-like phone", func(f url.Values) { f.Set("phone", "2703812345") }, "phone", "Số điện thoại gồm 10 số"},
		{"no consent", func(f url.Values) { f.Del("consent") }, "consent", "Hãy đánh dấu ô đồng ý"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Client()
			c.Get("/register")
			form := validRegistration(commune)
			tt.change(form)
			res := c.Post("/register", form)
			assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
			assert.Contains(t, res.Body, `role="alert"`, "Có 1 chỗ cần sửa", tt.msg, `id="`+tt.field+`-err"`)
			// What was typed comes back.
			if tt.field != "name" {
				assert.Contains(t, res.Body, `value="Nguyễn Thị Hoa"`)
			}
			if tt.field != "consent" {
				assert.Contains(t, res.Body, `name="consent" value="yes" checked`)
			}
		})
	}
	t.Run("English messages", func(t *testing.T) {
		c := srv.Client()
		c.Get("/register?lang=en")
		form := validRegistration(commune)
		form.Set("phone", "123")
		res := c.Post("/register?lang=en", form) // the form's action keeps the language
		assert.Contains(t, res.Body, "A mobile number has 10 digits")
	})
}

func TestRegisterAndWelcome(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c, code := register(t, srv, "  Nguye\u0302\u0303n   Văn An ")
	assert.True(t, len(code) == store.LearnerCodeLength, "code %q", code)
	l, err := srv.Store.LearnerByCode(context.Background(), code)
	assert.NoErr(t, err)
	assert.Equal(t, l.Name, "Nguyễn Văn An") // trimmed, spaces folded, NFC
	assert.Equal(t, *l.Phone, "0912345678")
	assert.Equal(t, *l.Village, "Ấp Mỹ Hòa")
	me := c.Get("/me")
	assert.Equal(t, me.Status, 200)
	assert.Contains(t, me.Body, "Xin chào Nguyễn Văn An", code[:3]+"-"+code[3:])
}

// TestDuplicateRegistrationCreatesOneLearner: the same form sent twice from
// one phone (a double tap; the second sending carries the cookies the phone
// had before the first answer arrived) creates one learner and signs the
// phone in as that learner. The same form replayed from another phone, or
// after the learner protected their code with a PIN, signs nobody in.
func TestDuplicateRegistrationCreatesOneLearner(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	commune, _ := pilotCommune(t, srv.Store)
	c := srv.Client()
	page := c.Get("/register")
	device := cookieValue(t, page, "device")
	form := validRegistration(commune)
	form.Set("_form", formNonce.FindStringSubmatch(page.Body)[1])
	first := c.Post("/register", form)
	second := srv.Client()
	second.Header.Set("Cookie", "device="+device)
	second.Header.Set("Sec-Fetch-Site", "same-origin") // a browser's post; no token needed
	again := second.Post("/register", form)
	assert.Equal(t, first.Status, http.StatusSeeOther)
	assert.Equal(t, again.Status, http.StatusSeeOther)
	second.Header.Del("Cookie")
	victim := welcomeCode(t, c)
	assert.Equal(t, welcomeCode(t, second), victim)
	n, _ := srv.Store.CountLearners(context.Background())

	// Another phone replaying the form registers someone new, never the
	// first learner.
	other := srv.Client()
	other.Get("/register")
	res := other.Post("/register", form)
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.True(t, welcomeCode(t, other) != victim, "a replayed form signed another phone in as the learner")

	// Once the learner has a PIN, even the same phone's form finds nobody.
	c.Get("/me")
	assert.Equal(t, c.Post("/me/pin", url.Values{"pin": {"1357"}}).Status, http.StatusSeeOther)
	third := srv.Client()
	third.Header.Set("Cookie", "device="+device)
	third.Header.Set("Sec-Fetch-Site", "same-origin")
	res = third.Post("/register", form)
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, "Biểu mẫu này đã được gửi rồi.", `value="Nguyễn Thị Hoa"`)
	after, _ := srv.Store.CountLearners(context.Background())
	assert.Equal(t, after, n+1) // only the other phone's registration was added
}

// cookieValue returns the value a response sets for a cookie.
func cookieValue(t *testing.T, res testutil.Response, name string) string {
	t.Helper()
	for _, h := range res.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(h, name+"="); ok {
			return strings.SplitN(v, ";", 2)[0]
		}
	}
	t.Fatalf("no %s cookie set; Set-Cookie: %q", name, res.Header.Values("Set-Cookie"))
	return ""
}

// welcomeCode returns the personal code a signed-in client's welcome page shows.
func welcomeCode(t *testing.T, c *testutil.Client) string {
	t.Helper()
	m := codeRe.FindStringSubmatch(c.Get("/welcome").Body)
	if m == nil {
		t.Fatal("the welcome page shows no personal code")
	}
	return m[1] + m[2]
}

func TestJoinByClassCode(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	commune, class := pilotCommune(t, srv.Store)
	c := srv.Client()

	res := c.Get("/join?code=" + strings.ToLower(class.JoinCode[:3]+"-"+class.JoinCode[3:]))
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.Equal(t, res.Header.Get("Location"), "/join/"+class.JoinCode)

	page := c.Get("/join/" + class.JoinCode)
	assert.Equal(t, page.Status, 200)
	assert.Contains(t, page.Body, class.Name, `name="commune" value="`+commune+`"`)
	form := validRegistration("ignored: the class decides")
	form.Set("_form", formNonce.FindStringSubmatch(page.Body)[1])
	res = c.PostFollow("/join/"+class.JoinCode, form)
	assert.Equal(t, res.Status, 200)
	m := codeRe.FindStringSubmatch(res.Body)
	l, err := srv.Store.LearnerByCode(context.Background(), m[1]+m[2])
	assert.NoErr(t, err)
	assert.Equal(t, l.UnitCode, commune)
	assert.Equal(t, *l.ClassID, class.ID)
	assert.Contains(t, c.Get("/me").Body, class.Name)

	unknown := srv.Client().Get("/join/ZZZZ22")
	assert.Equal(t, unknown.Status, http.StatusNotFound)
	assert.Contains(t, unknown.Body, "Không tìm thấy lớp có mã “ZZZZ22”", `name="code"`)
	post := srv.Client()
	post.Get("/register") // any page with a form, for the CSRF token
	assert.Equal(t, post.Post("/join/ZZZZ22", validRegistration(commune)).Status, http.StatusNotFound)
}

func TestQuizBeforeRegisteringIsKept(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[1]
	c := srv.Client()
	res := takeQuiz(t, c, m, m.Lessons[0], len(m.Lessons[0].Quiz))
	assert.Contains(t, res.Body, "Kết quả này chưa được lưu")

	commune, _ := pilotCommune(t, srv.Store)
	page := c.Get("/register").Body
	form := validRegistration(commune)
	form.Set("_form", formNonce.FindStringSubmatch(page)[1])
	c.PostFollow("/register", form)
	module := c.Get("/modules/" + m.Slug).Body
	assert.Contains(t, module, "Đã xong 1 trên", "✔ Đã xong")
	result := c.Get("/modules/" + m.Slug + "/" + m.Lessons[0].Slug + "/result")
	assert.Contains(t, result.Body, "Kết quả đã được lưu.")
}

func TestQuizProgressAndDoubleSubmit(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[0]
	l := m.Lessons[0]
	c, code := register(t, srv, "Trần Văn Bảy")
	learner, _ := srv.Store.LearnerByCode(context.Background(), code)
	path := "/modules/" + m.Slug + "/" + l.Slug

	page := c.Get(path).Body
	assert.Contains(t, c.Get("/modules/"+m.Slug).Body, "Chưa bắt đầu") // reading never writes
	form := answers(l, 0)
	form.Set("_sub", subNonce.FindStringSubmatch(page)[1])
	c.Post(path+"/quiz", form)
	c.Post(path+"/quiz", form)                                     // a double tap: same form, same nonce
	assert.Contains(t, c.Get("/modules/"+m.Slug).Body, "Đang học") // the first answer starts the lesson
	attempts, err := srv.Store.AttemptsOf(context.Background(), learner.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(attempts), 1)

	res := takeQuiz(t, c, m, l, len(l.Quiz))
	assert.Contains(t, res.Body, "Kết quả đã được lưu.", "Chúc mừng")
	pm, err := srv.Store.ProgressMap(context.Background(), learner.ID)
	assert.NoErr(t, err)
	rec := pm[progress.Key{Module: m.Slug, Lesson: l.Slug}]
	assert.Equal(t, string(rec.Status), "completed")
	assert.Equal(t, rec.Attempts, 2)
	assert.Equal(t, rec.BestScore, len(l.Quiz))
	// A later failed try does not undo the completion.
	takeQuiz(t, c, m, l, 0)
	assert.Contains(t, c.Get(path).Body, "Bạn đã học xong bài này.")
}

func TestResumeOnAnotherPhone(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[4]
	first, code := register(t, srv, "Lê Thị Tư")
	takeQuiz(t, first, m, m.Lessons[0], len(m.Lessons[0].Quiz))

	second := srv.Client()
	second.Get("/resume")
	res := second.Post("/resume", url.Values{"code": {strings.ToLower(code[:3] + " " + code[3:])}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	me := second.Follow(res)
	assert.Contains(t, me.Body, "Chào mừng bạn trở lại", "Xin chào Lê Thị Tư", "Đã xong 1 trên")

	t.Run("with a PIN", func(t *testing.T) {
		first.Get("/me")
		res := first.Post("/me/pin", url.Values{"pin": {"12a4"}})
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, "Mã PIN gồm đúng 4 số.")
		assert.Equal(t, first.Post("/me/pin", url.Values{"pin": {"2468"}}).Status, http.StatusSeeOther)

		third := srv.Client()
		third.Get("/resume")
		res = third.Post("/resume", url.Values{"code": {code}})
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, "Mã này có mã PIN", `value="`+code+`"`)
		res = third.Post("/resume", url.Values{"code": {code}, "pin": {"1111"}})
		assert.Contains(t, res.Body, "Mã PIN không đúng.")
		assert.NotContains(t, res.Body, `value="1111"`) // a PIN is never echoed
		assert.Equal(t, third.Post("/resume", url.Values{"code": {code}, "pin": {"2468"}}).Status, http.StatusSeeOther)
	})
}

func TestResumeIsThrottled(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	_, code := register(t, srv, "Phạm Văn Năm")
	// Unknown codes: counted per code and per client.
	c := srv.Client()
	c.Get("/resume")
	for i := range 5 {
		res := c.Post("/resume", url.Values{"code": {"ZZZZZZ" + string(rune('A'+i))}})
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, "Không tìm thấy mã này.")
	}
	// Wrong PINs for one code: the fifth failure blocks that code.
	owner, _ := srv.Store.LearnerByCode(context.Background(), code)
	pin := "$2a$10$abcdefghijklmnopqrstuu5Qn0uPsqU8eU9x7v0jY5m6Tz3aQ3y1e" // a bcrypt hash no PIN matches
	assert.NoErr(t, srv.Store.UpdateLearner(context.Background(), owner.ID, store.LearnerPatch{PinHash: &pin}))
	guesser := srv.Client()
	guesser.Get("/resume")
	for range 5 {
		guesser.Post("/resume", url.Values{"code": {code}, "pin": {"0000"}})
	}
	res := guesser.Post("/resume", url.Values{"code": {code}, "pin": {"0000"}})
	assert.Equal(t, res.Status, http.StatusTooManyRequests)
	assert.Contains(t, res.Body, "Bạn đã thử quá nhiều lần", "hãy chờ 15 phút, đến ")
	// One client (all these clients share 127.0.0.1) is blocked after 20
	// failures in all, whatever the codes.
	for i := range 20 {
		c.Post("/resume", url.Values{"code": {"YYYYY" + string(rune('A'+i%8)) + string(rune('2'+i/8))}})
	}
	assert.Equal(t, c.Post("/resume", url.Values{"code": {"WWWWWW2"}}).Status, http.StatusTooManyRequests)
}

// TestResumeGuessesAreCountedBeforeComparing sends 200 wrong PINs for one
// code at the same moment. The count is taken before the PIN is compared,
// in one atomic statement, so exactly the limit (5) are compared and the
// rest are refused; the right PIN is then refused too, until the window
// ends. Before, every guess was compared and the right one signed in.
func TestResumeGuessesAreCountedBeforeComparing(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	owner, code := register(t, srv, "Trần Thị Sáu")
	owner.Get("/me")
	assert.Equal(t, owner.Post("/me/pin", url.Values{"pin": {"2468"}}).Status, http.StatusSeeOther)

	const guesses = 200
	var compared, refused, other atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range guesses {
		wg.Go(func() {
			c := srv.Client()
			c.Header.Set("Sec-Fetch-Site", "same-origin")
			<-start
			res := c.Post("/resume", url.Values{"code": {code}, "pin": {fmt.Sprintf("%04d", 3000+i)}})
			switch {
			case res.Status == http.StatusUnprocessableEntity && strings.Contains(res.Body, "Mã PIN không đúng."):
				compared.Add(1)
			case res.Status == http.StatusTooManyRequests:
				refused.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent wrong PINs: %d compared, %d refused", guesses, compared.Load(), refused.Load())
	assert.Equal(t, other.Load(), int64(0))
	assert.Equal(t, compared.Load(), int64(5))
	right := srv.Client()
	right.Header.Set("Sec-Fetch-Site", "same-origin")
	assert.Equal(t, right.Post("/resume", url.Values{"code": {code}, "pin": {"2468"}}).Status, http.StatusTooManyRequests)
}

// completeModule passes every lesson of m.
func completeModule(t *testing.T, c *testutil.Client, m *curriculum.Module) {
	t.Helper()
	for _, l := range m.Lessons {
		takeQuiz(t, c, m, l, len(l.Quiz))
	}
}

func TestCertificates(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	c, code := register(t, srv, "Võ Thị Sáu")
	learner, _ := srv.Store.LearnerByCode(context.Background(), code)
	mods := cat.Modules("vi")

	completeModule(t, c, mods[0])
	certs, err := srv.Store.CertificatesOf(context.Background(), learner.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(certs), 1)
	me := c.Get("/me").Body
	m := certLinkRe.FindStringSubmatch(me)
	if m == nil {
		t.Fatalf("no certificate link on /me:\n%s", me)
	}

	public := srv.Client() // anyone can verify
	page := public.Get("/certificates/" + m[1])
	assert.Equal(t, page.Status, 200)
	assert.Contains(t, page.Body, "Võ Thị Sáu", "Năm sinh: 1961", mods[0].Title, "Chứng nhận này có thật", m[1][:5]+"-"+m[1][5:],
		`<meta name="robots" content="noindex">`, "/certificates/"+m[1]+"/qr.svg")
	// Only what the certificate shows: no commune, phone or personal code.
	assert.NotContains(t, page.Body, "0912345678", code, "Ấp Mỹ Hòa")
	qr := public.Get("/certificates/" + m[1] + "/qr.svg")
	assert.Equal(t, qr.Status, 200)
	assert.Equal(t, qr.Header.Get("Content-Type"), "image/svg+xml")
	assert.Contains(t, qr.Body, "<svg", "<path")

	missing := public.Get("/certificates/ZZZZZZZZZZ")
	assert.Equal(t, missing.Status, http.StatusNotFound)
	assert.Contains(t, missing.Body, "Không có chứng nhận nào với mã này.")

	for _, mod := range mods[1:] {
		completeModule(t, c, mod)
	}
	certs, err = srv.Store.CertificatesOf(context.Background(), learner.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(certs), len(mods)+1)
	assert.Equal(t, certs[len(certs)-1].Kind, store.CertProgramme)
	programme := public.Get("/certificates/" + certs[len(certs)-1].Code)
	assert.Contains(t, programme.Body, "Chứng nhận hoàn thành chương trình Kỹ năng số")
	for _, mod := range mods {
		assert.Contains(t, programme.Body, mod.Title)
	}
	// Passing a lesson again issues nothing new.
	takeQuiz(t, c, mods[0], mods[0].Lessons[0], len(mods[0].Lessons[0].Quiz))
	again, _ := srv.Store.CertificatesOf(context.Background(), learner.ID)
	assert.Equal(t, len(again), len(certs))
}

func TestMyDataDownloadHoldsEverythingAndOnlyMine(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	m := cat.Modules("vi")[2]
	_, otherCode := register(t, srv, "Người Khác")
	c, code := register(t, srv, "Đặng Văn Mười")
	takeQuiz(t, c, m, m.Lessons[0], 0)
	takeQuiz(t, c, m, m.Lessons[0], len(m.Lessons[0].Quiz))

	res := c.Get("/me/data.json")
	assert.Equal(t, res.Status, 200)
	assert.Contains(t, res.Header.Get("Content-Disposition"), "attachment")
	assert.NotContains(t, res.Body, "Người Khác", otherCode, "pin_hash", "$2a$")
	var d map[string]any
	assert.NoErr(t, json.Unmarshal([]byte(res.Body), &d))
	for _, key := range []string{"code", "name", "birth_year", "commune", "village", "gender", "phone", "pin_set", "class", "consent_at", "created_at", "progress", "attempts", "certificates"} {
		if _, ok := d[key]; !ok {
			t.Errorf("data.json lacks %q", key)
		}
	}
	assert.Equal(t, d["code"], any(code))
	assert.Equal(t, d["name"], any("Đặng Văn Mười"))
	assert.Equal(t, d["birth_year"], any(float64(1961)))
	assert.Equal(t, d["phone"], any("0912345678"))
	assert.Equal(t, len(d["attempts"].([]any)), 2)
	progress := d["progress"].([]any)
	assert.Equal(t, len(progress), 1)
	assert.Equal(t, progress[0].(map[string]any)["status"], any("completed"))
	first := d["attempts"].([]any)[0].(map[string]any)
	assert.Equal(t, len(first["answers"].(map[string]any)), len(m.Lessons[0].Quiz))

	assert.Equal(t, srv.Client().Get("/me/data.json").Status, http.StatusSeeOther) // visitors: sign in first
}

func TestCorrectMyDetails(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c, code := register(t, srv, "Tên Sai")
	c.Get("/me")
	res := c.Post("/me", url.Values{"name": {"Tên Đúng"}, "birth_year": {"1890"}, "phone": {""}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, `value="Tên Đúng"`, `value="1890"`, "Năm sinh là bốn số")
	res = c.Post("/me", url.Values{"name": {""}, "birth_year": {""}, "phone": {"12345"}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, "Có 3 chỗ cần sửa", "Hãy ghi họ và tên.", "Hãy ghi năm sinh.", "Số điện thoại gồm 10 số", `value="12345"`)
	res = c.PostFollow("/me", url.Values{"name": {"Tên Đúng"}, "birth_year": {"1965"}, "phone": {""}})
	assert.Contains(t, res.Body, "Đã lưu.", "Xin chào Tên Đúng")
	l, _ := srv.Store.LearnerByCode(context.Background(), code)
	assert.Equal(t, l.BirthYear, 1965)
	assert.True(t, l.Phone == nil, "phone not cleared")
}

func TestDeleteMyData(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	ctx := context.Background()
	c, code := register(t, srv, "Xóa Tôi")
	completeModule(t, c, cat.Modules("vi")[5])
	learner, _ := srv.Store.LearnerByCode(ctx, code)
	certs, _ := srv.Store.CertificatesOf(ctx, learner.ID)
	before, err := srv.Store.DailyCounts(ctx, learner.UnitCode)
	assert.NoErr(t, err)

	confirm := c.Get("/me/delete")
	assert.Contains(t, confirm.Body, "Việc này không làm lại được", `action="/me/delete"`)
	res := c.PostFollow("/me/delete", url.Values{})
	assert.Contains(t, res.Body, "Đã xóa toàn bộ thông tin của bạn.", "Đăng ký học")

	_, err = srv.Store.LearnerByCode(ctx, code)
	assert.ErrIs(t, err, store.ErrNotFound)
	attempts, _ := srv.Store.AttemptsOf(ctx, learner.ID)
	assert.Equal(t, len(attempts), 0)
	assert.Equal(t, srv.Client().Get("/certificates/"+certs[0].Code).Status, http.StatusNotFound)
	after, _ := srv.Store.DailyCounts(ctx, learner.UnitCode)
	assert.Equal(t, after, before) // reported counts stay as they were

	other := srv.Client()
	other.Get("/resume")
	res = other.Post("/resume", url.Values{"code": {code}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, "Không tìm thấy mã này.")
	assert.Equal(t, c.Get("/me").Status, http.StatusSeeOther) // the phone is signed out
}

func TestSignOut(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	c, _ := register(t, srv, "Mượn Máy")
	c.Get("/me")
	res := c.PostFollow("/logout", url.Values{})
	assert.Contains(t, res.Body, "Đã thoát.")
	assert.Equal(t, c.Get("/me").Status, http.StatusSeeOther)
}

// TestConcurrentQuizSubmissions: many learners submit at once, some twice
// (a double tap); every attempt is stored exactly once.
func TestConcurrentQuizSubmissions(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	const learners, quizzes = 24, 3
	clients := make([]*testutil.Client, learners)
	for i := range clients {
		clients[i], _ = register(t, srv, fmt.Sprintf("Học Viên %d", i))
	}
	lessons := cat.Modules("vi")[0].Lessons[:quizzes]
	before, err := srv.Store.CountAttempts(context.Background()) // the demo learners'
	assert.NoErr(t, err)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := cat.Modules("vi")[0]
			for j, l := range lessons {
				path := "/modules/" + m.Slug + "/" + l.Slug
				page := c.Get(path).Body
				form := answers(l, (i+j)%(len(l.Quiz)+1))
				form.Set("_sub", subNonce.FindStringSubmatch(page)[1])
				var inner sync.WaitGroup
				for range 2 { // the same form sent twice at the same moment
					inner.Add(1)
					go func() {
						defer inner.Done()
						if res := c.Post(path+"/quiz", form); res.Status != http.StatusSeeOther {
							t.Errorf("submit: %d", res.Status)
						}
					}()
				}
				inner.Wait()
			}
		}()
	}
	wg.Wait()
	after, err := srv.Store.CountAttempts(context.Background())
	assert.NoErr(t, err)
	assert.Equal(t, after-before, int64(learners*quizzes))
}
