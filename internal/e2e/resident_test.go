package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// answerQuiz taps the answers of l's quiz: right ones for the first `right`
// questions, a wrong one for the rest.
func answerQuiz(p *phone, l *curriculum.Lesson, right int) {
	p.t.Helper()
	chosen := l.SampleAnswers(right)
	for _, q := range l.Quiz { // in page order, as a person taps
		p.tap(fmt.Sprintf(`input[name=%q][value=%q]`, q.ID, chosen[q.ID]))
	}
}

// joinClass is how a resident arrives with the class code the trainer
// wrote on the board: home, "I have a class code", type it, fill the form.
// It returns the personal code shown on the welcome page.
func joinClass(p *phone, classCode, name string) string {
	p.t.Helper()
	p.open("/", 200)
	p.see("Học kỹ năng số")
	p.follow(`a[href="/join"]`, 200)
	p.typeIn(`#code`, strings.ToLower(classCode[:3]+" "+classCode[3:])) // as typed from the board
	p.follow(`main form button[type=submit]`, 200)
	p.see("Tham gia lớp học")
	p.typeIn(`#name`, name)
	p.typeIn(`#birth_year`, "1958")
	p.tap(`input[name=gender][value=female]`)
	p.tap(`input[name=consent]`)
	p.follow(`main form.form button[type=submit]`, 200)
	p.see("Chào mừng " + name)
	code := strings.ReplaceAll(p.text(`.codebox .code`), "-", "")
	if len(code) != 7 {
		p.t.Fatalf("personal code %q", code)
	}
	return code
}

// passLesson reads a lesson and passes its quiz, failing it once first.
func passLesson(p *phone, m *curriculum.Module, l *curriculum.Lesson) {
	p.t.Helper()
	p.open("/modules/"+m.Slug, 200)
	p.follow(`a[href="/modules/`+m.Slug+`/`+l.Slug+`"]`, 200)
	p.see(l.Title, "Ôn lại bài")
	answerQuiz(p, l, 0)
	p.follow(`#quiz button[type=submit]`, 200)
	p.see(fmt.Sprintf("Bạn trả lời đúng 0 trên %d câu.", len(l.Quiz)), "Bạn chưa đạt", l.Quiz[0].Options[0].Explanation)
	p.follow(`a[href$="#quiz"]`, 200) // "Làm lại"
	answerQuiz(p, l, len(l.Quiz))
	p.follow(`#quiz button[type=submit]`, 200)
	p.see(fmt.Sprintf("Bạn trả lời đúng %d trên %d câu.", len(l.Quiz), len(l.Quiz)), "Chúc mừng! Bạn đã đạt bài này.")
}

// residentFlow: join a class by code, read a lesson, pass its quiz, see the
// progress; then, on a second phone (a fresh browser), resume with the
// personal code and find the same progress.
func residentFlow(t *testing.T, noJS bool) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "first-phone", phoneOpts{noJS: noJS})
	code := joinClass(p, a.classes[0], "Nguyễn Thị Hoa")
	m := catalog.Modules("vi")[0]
	passLesson(p, m, m.Lessons[0])
	p.see("Kết quả đã được lưu.")
	p.follow(`a[rel=next]`, 200)
	p.see(m.Lessons[1].Title)
	p.open("/", 200)
	p.see(fmt.Sprintf("Đã xong 1 trên %d bài", len(m.Lessons)))

	second := newPhone(t, a, "second-phone", phoneOpts{noJS: noJS})
	second.open("/", 200)
	second.follow(`nav.you a[href="/resume"]`, 200)
	second.typeIn(`#code`, code[:3]+"-"+code[3:])
	second.follow(`main form button[type=submit]`, 200)
	second.see("Chào mừng bạn trở lại", "Xin chào Nguyễn Thị Hoa", fmt.Sprintf("Đã xong 1 trên %d bài", len(m.Lessons)))
	second.open("/modules/"+m.Slug, 200)
	second.see("✔ Đã xong")
}

func TestResidentJoinsLearnsAndResumes(t *testing.T) { residentFlow(t, false) }

// TestResidentWithoutJavaScript: the same flow on phones with JavaScript
// turned off (old browsers, data savers).
func TestResidentWithoutJavaScript(t *testing.T) { residentFlow(t, true) }

// TestResidentEarnsCertificate: passing every lesson of a module gives a
// certificate whose public page verifies it.
func TestResidentEarnsCertificate(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: true})
	joinClass(p, a.classes[1], "Trần Văn Bảy")
	m := catalog.Modules("vi")[1]
	for _, l := range m.Lessons {
		passLesson(p, m, l)
	}
	p.see("Bạn đã học xong phần")
	p.follow(`a[href="/me#certificates"]`, 200)
	p.follow(`#certificates a`, 200)
	p.see("Trần Văn Bảy", "Năm sinh: 1958", m.Title, "Chứng nhận này có thật")
}

func TestResidentSwitchesToEnglish(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: true})
	p.open("/", 200)
	p.follow(`a.lang`, 200)
	p.see("Learn digital skills")
	m := catalog.Modules("en")[1]
	// The language is in every link, so it stays chosen from page to page.
	p.follow(`a[href="/modules/`+m.Slug+`?lang=en"]`, 200)
	p.see(m.Title)
}
