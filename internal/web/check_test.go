package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// checkForm answers every question of the check: right where right(q) is
// true, wrong elsewhere, under a submission key.
func checkForm(ch *curriculum.Check, sub string, right func(q *curriculum.CheckQuestion) bool) url.Values {
	form := url.Values{"_sub": {sub}}
	for q, o := range ch.Answers(right) {
		form.Set(q, o)
	}
	return form
}

// messageID is a message id shown instead of its text.
var messageID = regexp.MustCompile(`(check|quiz|result|nav)\.[a-z_]{2,}`)

func allRight(*curriculum.CheckQuestion) bool { return true }

// inModules is right on the questions of the given modules only.
func inModules(slugs ...string) func(q *curriculum.CheckQuestion) bool {
	return func(q *curriculum.CheckQuestion) bool {
		for _, s := range slugs {
			if q.Module == s {
				return true
			}
		}
		return false
	}
}

// checkRows counts the check results and module scores stored.
func checkRows(t *testing.T, st *store.Store) (results, scores int64) {
	t.Helper()
	assert.NoErr(t, countRows(st, "check_results", &results))
	assert.NoErr(t, countRows(st, "check_scores", &scores))
	return results, scores
}

func TestCheckPages(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ch := testutil.Catalog(t).Check("vi")
	var questions []string
	for _, q := range ch.Questions {
		questions = append(questions, template(q.Text), `<fieldset class="q" id="`+q.ID+`">`, `name="`+q.ID+`" value="d"`)
	}
	tests := []struct {
		name            string
		path            string
		wantStatus      int
		wantLocation    string
		wantContains    []string
		wantNotContains []string
	}{
		{name: "the intro says what it is", path: "/check", wantStatus: 200,
			wantContains: []string{"<h1>Bài kiểm tra đầu và cuối khóa</h1>", "12 câu, làm trong khoảng 5 phút.", "Đây không phải bài thi",
				"Không bắt buộc", `href="/check/before"`, "Bạn chưa đăng ký nên kết quả chỉ giữ trên điện thoại này", `href="/register"`},
			wantNotContains: []string{`href="/check/after"`, "<table"}},
		{name: "the intro in English", path: "/check?lang=en", wantStatus: 200,
			wantContains: []string{`<html lang="en">`, "Start and end check", "This is not an exam", "Take the start check"}},
		{name: "the before check is one form", path: "/check/before", wantStatus: 200,
			wantContains: append(questions, `<form method="post" action="/check/before">`, `name="_csrf"`, `name="_sub" value="`, "Nộp bài",
				"Bài kiểm tra đầu khóa", "kết quả chỉ giữ trên điện thoại này")},
		{name: "the check in English", path: "/check/before?lang=en", wantStatus: 200,
			wantContains: []string{template(testutil.Catalog(t).Check("en").Questions[0].Text), "Submit"}, wantNotContains: []string{`action="/check/before" lang=`}},
		{name: "a visitor cannot take the after check", path: "/check/after", wantStatus: http.StatusSeeOther, wantLocation: "/check"},
		{name: "no result yet", path: "/check/before/result", wantStatus: http.StatusSeeOther, wantLocation: "/check/before"},
		{name: "no after result for a visitor", path: "/check/after/result", wantStatus: http.StatusSeeOther, wantLocation: "/check/after"},
		{name: "unknown kind", path: "/check/during", wantStatus: 404, wantContains: []string{"Không tìm thấy trang"}},
		{name: "unknown kind's result", path: "/check/during/result", wantStatus: 404},
		{name: "the home page links the check quietly", path: "/", wantStatus: 200, wantContains: []string{`<p><a href="/check">`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.Client().Get(tt.path)
			assert.Equal(t, res.Status, tt.wantStatus)
			assert.Equal(t, res.Header.Get("Location"), tt.wantLocation)
			assert.Contains(t, res.Body, tt.wantContains...)
			assert.NotContains(t, res.Body, tt.wantNotContains...)
			assert.NotContains(t, res.Body, "panic", "<no value>", "%!")
			assert.True(t, !messageID.MatchString(res.Body), "untranslated message id %q", messageID.FindString(res.Body))
		})
	}
}

// TestCheckWithoutContent: content without check.yaml has no check pages
// and no links to them.
func TestCheckWithoutContent(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Content: testutil.MiniContent()})
	c, _ := register(t, srv, "Lê Thị Không")
	for _, p := range []string{"/check", "/check/before", "/check/after/result"} {
		assert.Equal(t, c.Get(p).Status, 404)
	}
	for _, p := range []string{"/me", "/welcome"} {
		assert.NotContains(t, c.Get(p).Body, `href="/check`)
	}
}

// TestCheckBeforeAndAfter is a learner's way through the check: the start
// check (an incomplete form first, then a double tap), the lessons of one
// module, the end check, and /me showing both side by side.
func TestCheckBeforeAndAfter(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	cat := testutil.Catalog(t)
	ch := cat.Check("vi")
	c, code := register(t, srv, "Trương Thị Kiểm")
	learner, err := srv.Store.LearnerByCode(ctx, code)
	assert.NoErr(t, err)
	welcome := c.Get("/welcome")
	assert.Contains(t, welcome.Body, `href="/check/before"`, "Làm bài kiểm tra đầu khóa (5 phút, không bắt buộc)")
	me := c.Get("/me")
	assert.Contains(t, me.Body, `id="check"`, "Bài kiểm tra đầu và cuối khóa", `href="/check/before"`)
	assert.NotContains(t, me.Body, "check-table")

	// An incomplete form comes back with the answers kept and a note on
	// each question left out.
	page := c.Get("/check/before")
	sub := subNonce.FindStringSubmatch(page.Body)[1]
	full := checkForm(ch, sub, inModules("internet", "email"))
	half := url.Values{"_sub": {sub}}
	for _, q := range ch.Questions[:5] {
		half.Set(q.ID, full.Get(q.ID))
	}
	res := c.Post("/check/before", half)
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, `role="alert"`, "Bạn còn 7 câu chưa chọn.", `name="_sub" value="`+sub+`"`,
		fmt.Sprintf(`name="q1" value="%s" checked`, full.Get("q1")), `<p class="err" id="q6-err">`, `aria-describedby="q12-err"`)
	assert.NotContains(t, res.Body, `id="q1-err"`)
	assert.Equal(t, strings.Count(res.Body, "Bạn chưa chọn câu trả lời cho câu này."), 7)
	results, _ := checkRows(t, srv.Store)
	assert.Equal(t, results, int64(0))

	// The complete form, tapped twice: one result.
	first := c.Post("/check/before", full)
	second := c.Post("/check/before", full)
	for _, r := range []testutil.Response{first, second} {
		assert.Equal(t, r.Status, http.StatusSeeOther)
		assert.Equal(t, r.Header.Get("Location"), "/check/before/result")
	}
	results, scores := checkRows(t, srv.Store)
	assert.Equal(t, [2]int64{results, scores}, [2]int64{1, 6})
	result := c.Follow(first)
	assert.Equal(t, result.Status, 200)
	assert.Contains(t, result.Body, "Kết quả bài đầu khóa", "Bạn trả lời đúng 4 trên 12 câu.", "Kết quả đã được lưu.",
		"Đáp án và lời giải thích sẽ hiện sau bài cuối khóa", "<th scope=\"row\">"+template(cat.Modules("vi")[0].Title)+"</th><td>2/2</td><td>chưa làm</td>",
		"<td>4/12</td><td>chưa làm</td>", "Đọc những bài này để làm tốt hơn")
	for _, q := range ch.Questions {
		lesson, _ := cat.Lesson("vi", q.Module, q.Lesson)
		link := `<a href="/modules/` + q.Module + `/` + q.Lesson + `">`
		if inModules("internet", "email")(&q) {
			assert.NotContains(t, result.Body, link) // answered right: nothing to read
		} else {
			assert.Contains(t, result.Body, link+template(lesson.Title))
		}
		assert.NotContains(t, result.Body, template(q.Correct().Explanation)) // the answers wait for the end check
	}

	// Another start check from a second tab keeps the first one.
	again := c.Post("/check/before", checkForm(ch, "second-tab-0123456789", allRight))
	assert.Equal(t, again.Header.Get("Location"), "/check/before/result")
	assert.Contains(t, c.Follow(again).Body, "Bạn đã làm bài đầu khóa rồi. Kết quả lần đầu được giữ lại", "Bạn trả lời đúng 4 trên 12 câu.")
	assert.Equal(t, c.Get("/check/before").Header.Get("Location"), "/check/before/result")

	// The end check opens with the first completed module.
	assert.Equal(t, c.Get("/check/after").Header.Get("Location"), "/check")
	intro := c.Get("/check")
	assert.Contains(t, intro.Body, "Học xong ít nhất một phần học thì bạn làm được bài cuối khóa", "check-table", `href="/check/before/result"`)
	assert.NotContains(t, intro.Body, `href="/check/after"`, "Bạn chưa đăng ký")
	refused := c.Post("/check/after", checkForm(ch, "too-early-0123456789", allRight))
	assert.Equal(t, refused.Header.Get("Location"), "/check")
	completeModule(t, c, cat.Modules("vi")[1])
	assert.Contains(t, c.Get("/check").Body, `<a class="btn" href="/check/after">Làm bài cuối khóa</a>`)
	page = c.Get("/check/after")
	assert.Equal(t, page.Status, 200)
	assert.Contains(t, page.Body, "Bài kiểm tra cuối khóa", `action="/check/after"`)
	assert.NotContains(t, page.Body, "kết quả chỉ giữ trên điện thoại này")
	res = c.PostFollow("/check/after", checkForm(ch, subNonce.FindStringSubmatch(page.Body)[1], allRight))
	assert.Contains(t, res.Body, "Kết quả bài cuối khóa", "Bạn trả lời đúng 12 trên 12 câu.", "Đáp án và lời giải thích",
		"<td>4/12</td><td>12/12 <span class=\"change up\">▲ tăng 8 câu</span></td>",
		"<td>2/2</td><td>2/2 <span class=\"change same\">= như cũ</span></td>",
		"<td>0/2</td><td>2/2 <span class=\"change up\">▲ tăng 2 câu</span></td>")
	for _, q := range ch.Questions {
		for _, o := range q.Options {
			assert.Contains(t, res.Body, template(o.Explanation))
		}
	}

	// The longest page of the check, every option explained, still fits
	// a lesson page's budget.
	n := gzipSize(t, srv, c, "/check/after/result")
	t.Logf("/check/after/result: %d bytes gzip", n)
	assert.True(t, n <= maxLessonGzip, "/check/after/result is %d bytes gzip; the budget is %d", n, maxLessonGzip)

	// /me shows both side by side, and offers the end check again.
	me = c.Get("/me")
	assert.Contains(t, me.Body, `<table class="check-table">`, "Đầu khóa", "Cuối khóa", "Cả bài", "▲ tăng 8 câu", "Làm lại bài cuối khóa")

	// Taken again, the end result is replaced: one row per kind.
	page = c.Get("/check/after")
	c.PostFollow("/check/after", checkForm(ch, subNonce.FindStringSubmatch(page.Body)[1], inModules("internet", "email", "e-payment", "data-safety", "online-shopping")))
	assert.Contains(t, c.Get("/me").Body, "<td>4/12</td><td>10/12 <span class=\"change up\">▲ tăng 6 câu</span></td>")
	results, scores = checkRows(t, srv.Store)
	assert.Equal(t, [2]int64{results, scores}, [2]int64{2, 12})

	// The data download holds both; deleting the learner deletes them.
	var d struct {
		Checks []struct {
			Kind    string            `json:"kind"`
			Answers map[string]string `json:"answers"`
			Correct int               `json:"correct"`
			Total   int               `json:"total"`
			Modules []struct {
				Module  string `json:"module"`
				Correct int    `json:"correct"`
				Total   int    `json:"total"`
			} `json:"modules"`
		} `json:"checks"`
	}
	assert.NoErr(t, json.Unmarshal([]byte(c.Get("/me/data.json").Body), &d))
	assert.Equal(t, len(d.Checks), 2)
	assert.Equal(t, d.Checks[0].Kind+" "+d.Checks[1].Kind, "before after")
	assert.Equal(t, d.Checks[0].Correct, 4)
	assert.Equal(t, d.Checks[1].Correct, 10)
	assert.Equal(t, len(d.Checks[0].Answers), 12)
	assert.Equal(t, len(d.Checks[1].Modules), 6)
	rs, err := srv.Store.CheckResultsOf(ctx, learner.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(rs), 2)
	assert.Equal(t, c.PostFollow("/me/delete", url.Values{}).Status, 200)
	results, scores = checkRows(t, srv.Store)
	assert.Equal(t, [2]int64{results, scores}, [2]int64{0, 0})
}

// TestVisitorCheckIsKeptOnThePhone: a visitor's start check is stored
// nowhere on the server (no row, no session) but in a signed cookie, and
// becomes theirs when they register.
func TestVisitorCheckIsKeptOnThePhone(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	ch := testutil.Catalog(t).Check("vi")
	learners, err := srv.Store.CountLearners(ctx)
	assert.NoErr(t, err)

	c := srv.Client()
	c.Get("/check/before")
	res := c.Post("/check/before", checkForm(ch, "visitor-check-0123456789", inModules("data-safety")))
	assert.Equal(t, res.Status, http.StatusSeeOther)
	for _, ck := range res.Header.Values("Set-Cookie") {
		assert.True(t, !strings.HasPrefix(ck, "sid="), "a visitor's check started a session: %s", ck)
	}
	result := c.Follow(res)
	assert.Contains(t, result.Body, "Bạn trả lời đúng 2 trên 12 câu.", "Bạn chưa đăng ký nên kết quả chỉ giữ trên điện thoại này", `href="/register"`)
	assert.NotContains(t, result.Body, "Kết quả đã được lưu.")
	assert.Contains(t, c.Get("/check").Body, "Bạn đã làm bài đầu khóa ngày", "đúng 2 trên 12 câu", "hãy đăng ký để lưu kết quả đầu khóa")
	assert.Equal(t, c.Post("/check/after", checkForm(ch, "visitor-after-0123456789", allRight)).Header.Get("Location"), "/check")
	results, _ := checkRows(t, srv.Store)
	assert.Equal(t, results, int64(0))
	n, err := srv.Store.CountLearners(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, n, learners)

	// A forged or damaged cookie counts as no result.
	base, _ := url.Parse(srv.URL)
	for _, value := range []string{"bm90LXNpZ25lZA.AAAAAAAAAAAAAAAAAAAAAAAA", "garbage"} {
		forger := srv.Client()
		forger.Header.Set("Cookie", "check="+value)
		assert.Equal(t, forger.Get("/check/before/result").Header.Get("Location"), "/check/before")
	}

	// Registering on this phone makes the result the learner's.
	page := c.Get("/register").Body
	commune, _ := pilotCommune(t, srv.Store)
	form := validRegistration(commune)
	form.Set("name", "Đặng Văn Khách")
	form.Set("_form", formNonce.FindStringSubmatch(page)[1])
	welcome := c.PostFollow("/register", form)
	assert.Contains(t, welcome.Body, `href="/check/before/result"`, "Xem kết quả bài kiểm tra đầu khóa của bạn")
	m := codeRe.FindStringSubmatch(welcome.Body)
	learner, err := srv.Store.LearnerByCode(ctx, m[1]+m[2])
	assert.NoErr(t, err)
	r, err := srv.Store.CheckResultOf(ctx, learner.ID, store.CheckBefore)
	assert.NoErr(t, err)
	assert.Equal(t, r.Correct, 2)
	assert.Equal(t, r.Submission, "visitor-check-0123456789")
	ds, _ := r.Module("data-safety")
	assert.Equal(t, ds.Correct, 2)
	for _, ck := range c.Cookies(base) {
		assert.True(t, ck.Name != "check", "the check cookie outlived registration")
	}
	assert.Contains(t, c.Get("/check/before/result").Body, "Kết quả đã được lưu.", "Bạn trả lời đúng 2 trên 12 câu.")
}

// TestCheckPagesFitTheBudget: the check's form (the page a resident loads
// on a slow connection) and its other pages fit a lesson page's budget.
func TestCheckPagesFitTheBudget(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	for _, p := range []string{"/check?lang=vi", "/check?lang=en", "/check/before?lang=vi", "/check/before?lang=en"} {
		n, page := gzipGet(t, srv.URL, p)
		assert.Contains(t, page, "</html>")
		if n > maxLessonGzip {
			t.Errorf("%s is %d bytes gzip; the budget is %d", p, n, maxLessonGzip)
		}
		t.Logf("%s: %d bytes gzip, %d bytes HTML", p, n, len(page))
	}
}

// gzipSize fetches a page as the client (with its cookies), gzip accepted,
// and returns the bytes on the wire.
func gzipSize(t *testing.T, srv *testutil.Server, c *testutil.Client, path string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	assert.NoErr(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	for _, ck := range c.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	assert.NoErr(t, err)
	defer res.Body.Close()
	wire, err := io.ReadAll(res.Body)
	assert.NoErr(t, err)
	assert.Equal(t, res.StatusCode, 200)
	assert.Equal(t, res.Header.Get("Content-Encoding"), "gzip")
	return len(wire)
}
