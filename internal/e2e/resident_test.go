package e2e

import (
	"fmt"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// answerQuiz taps the answers of l's quiz: right ones for the first `right`
// questions, a wrong one for the rest.
func answerQuiz(p *phone, l *curriculum.Lesson, right int) {
	p.t.Helper()
	for i, q := range l.Quiz {
		for _, o := range q.Options {
			if o.Correct == (i < right) {
				p.tap(fmt.Sprintf(`input[name=%q][value=%q]`, q.ID, o.ID))
				break
			}
		}
	}
}

// readLessonAndPassQuiz is the resident's first visit: home, a module, its
// first lesson, the quiz (failed once, then passed), and on to the next lesson.
func readLessonAndPassQuiz(t *testing.T, p *phone) {
	m := catalog.Modules("vi")[0]
	l := m.Lessons[0]

	p.open("/", 200)
	p.see("Học kỹ năng số")
	for _, mod := range catalog.Modules("vi") {
		p.see(mod.Title)
	}
	p.follow(`a[href="/modules/`+m.Slug+`"]`, 200)
	p.see(m.Title, l.Title)
	p.follow(`a[href="/modules/`+m.Slug+`/`+l.Slug+`"]`, 200)
	p.see(l.Title, "Ôn lại bài")

	answerQuiz(p, l, 0)
	p.follow(`#quiz button[type=submit]`, 200)
	p.see(fmt.Sprintf("Bạn trả lời đúng 0 trên %d câu.", len(l.Quiz)), "Bạn chưa đạt", l.Quiz[0].Options[0].Explanation)

	p.follow(`a[href$="#quiz"]`, 200) // "Làm lại"
	answerQuiz(p, l, len(l.Quiz))
	p.follow(`#quiz button[type=submit]`, 200)
	p.see(fmt.Sprintf("Bạn trả lời đúng %d trên %d câu.", len(l.Quiz), len(l.Quiz)), "Chúc mừng! Bạn đã đạt bài này.")

	next := m.Lessons[1]
	p.follow(`a[rel=next]`, 200)
	p.see(next.Title)
}

func TestResidentReadsAndPassesQuiz(t *testing.T) {
	a := startApp(t)
	readLessonAndPassQuiz(t, newPhone(t, a, "", phoneOpts{}))
}

// TestResidentWithoutJavaScript: every step works on a phone with
// JavaScript turned off (old browsers, data savers, fearful users).
func TestResidentWithoutJavaScript(t *testing.T) {
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: true})
	readLessonAndPassQuiz(t, p)
}

func TestResidentSwitchesToEnglish(t *testing.T) {
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: true})
	p.open("/", 200)
	p.follow(`a.lang`, 200)
	p.see("Learn digital skills")
	m := catalog.Modules("en")[1]
	p.follow(`a[href="/modules/`+m.Slug+`"]`, 200)
	p.see(m.Title) // the language stays chosen from page to page
}
