package e2e

import (
	"fmt"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// answerCheck taps an answer to every question of the check, in page
// order: the right one where right(q) is true, a wrong one elsewhere.
func answerCheck(p *phone, right func(q *curriculum.CheckQuestion) bool) {
	p.t.Helper()
	ch := catalog.Check("vi")
	chosen := ch.Answers(right)
	for _, q := range ch.Questions {
		p.tap(fmt.Sprintf(`input[name=%q][value=%q]`, q.ID, chosen[q.ID]))
	}
}

func checkModules(slugs ...string) func(q *curriculum.CheckQuestion) bool {
	return func(q *curriculum.CheckQuestion) bool {
		for _, s := range slugs {
			if q.Module == s {
				return true
			}
		}
		return false
	}
}

// checkPages are the check's pages for the accessibility and reflow checks
// of mainPages, as a visitor: the intro, the form sent back with questions
// left out (the form itself, plus its notes), and the start result (kept
// on the phone; it becomes the learner's when the phone registers later in
// mainPages). One phone walks all of mainPages within its time limit, so
// the form is not visited a second time on its own.
func checkPages() []page {
	return []page{
		{"check", func(p *phone) { p.open("/check", 200) }},
		{"check-errors", func(p *phone) {
			p.open("/check/before", 200)
			eval[bool](p, `document.querySelector('main form').noValidate = true`) // as an old browser sends it
			p.tap(`input[name=q1][value=a]`)
			p.follow(`main form button[type=submit]`, 422)
		}},
		{"check-result", func(p *phone) {
			p.open("/check/before", 200)
			answerCheck(p, checkModules("internet"))
			p.follow(`main form button[type=submit]`, 200)
		}},
	}
}

// checkAfterPages are the end check's result, for a learner who has
// completed a module, and /me with both results side by side.
func checkAfterPages() []page {
	return []page{
		{"check-after-result", func(p *phone) {
			p.open("/check/after", 200)
			answerCheck(p, func(*curriculum.CheckQuestion) bool { return true })
			p.follow(`main form button[type=submit]`, 200)
		}},
		{"me-check", func(p *phone) { p.open("/me#check", 200) }},
	}
}

// checkFlow: a visitor finds the check on the home page and takes the start
// check, joins a class (the result becomes theirs), completes a module,
// takes the end check, and sees both results side by side on /me.
func checkFlow(t *testing.T, noJS bool) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: noJS})
	p.open("/", 200)
	p.follow(`main a[href="/check"]`, 200)
	p.see("Bài kiểm tra đầu và cuối khóa", "Đây không phải bài thi", "Không bắt buộc")
	p.follow(`main a[href="/check/before"]`, 200)
	p.see("Bài kiểm tra đầu khóa", "Nộp bài")
	answerCheck(p, checkModules("internet", "email"))
	p.follow(`main form button[type=submit]`, 200)
	p.see("Kết quả bài đầu khóa", "Bạn trả lời đúng 4 trên 12 câu.", "chỉ giữ trên điện thoại này", "Đáp án và lời giải thích sẽ hiện sau bài cuối khóa")

	joinClass(p, a.classes[0], "Phan Thị Kiểm")
	p.follow(`main a[href="/check/before/result"]`, 200)
	p.see("Bạn trả lời đúng 4 trên 12 câu.", "Kết quả đã được lưu.")
	p.open("/me", 200)
	p.see("Bài kiểm tra đầu và cuối khóa", "Đầu khóa", "4/12", "chưa làm", "Học xong ít nhất một phần học")

	m := catalog.Modules("vi")[1]
	for _, l := range m.Lessons {
		p.open("/modules/"+m.Slug+"/"+l.Slug, 200)
		answerQuiz(p, l, len(l.Quiz))
		p.follow(`#quiz button[type=submit]`, 200)
	}
	p.open("/me", 200)
	p.follow(`#check a[href="/check/after"]`, 200)
	p.see("Bài kiểm tra cuối khóa")
	answerCheck(p, func(*curriculum.CheckQuestion) bool { return true })
	p.follow(`main form button[type=submit]`, 200)
	p.see("Kết quả bài cuối khóa", "Bạn trả lời đúng 12 trên 12 câu.", "Đáp án và lời giải thích", "▲ tăng 8 câu")
	p.open("/me#check", 200)
	p.see("4/12", "12/12", "▲ tăng 8 câu", "Làm lại bài cuối khóa")
	if !noJS {
		// The table is readable on the phone: it does not push the page sideways.
		if w := eval[float64](p, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
			t.Errorf("/me scrolls sideways by %.0f px", w)
		}
	}
}

func TestCheckOnAPhone(t *testing.T) { checkFlow(t, false) }

// TestCheckWithoutJavaScript: the same check with JavaScript turned off.
func TestCheckWithoutJavaScript(t *testing.T) { checkFlow(t, true) }
