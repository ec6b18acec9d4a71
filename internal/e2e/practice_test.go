package e2e

import (
	"fmt"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// practicePages are the practice list, one step of every kind of
// look-alike screen and an outcome of each kind, for the accessibility and
// reflow checks of mainPages.
func practicePages() []page {
	pages := []page{{"practice", func(p *phone) { p.open("/practice/", 200) }}}
	seen := map[string]bool{}
	var safe, unsafe string
	for _, s := range catalog.Scenarios("vi") {
		for _, st := range s.Steps {
			if !seen[st.Screen.Kind] {
				seen[st.Screen.Kind] = true
				path := "/practice/" + s.Slug + "/" + st.ID
				pages = append(pages, page{"practice-" + st.Screen.Kind, func(p *phone) { p.open(path, 200) }})
			}
		}
		for _, o := range s.Outcomes {
			path := "/practice/" + s.Slug + "/" + o.ID
			if o.Safe && safe == "" {
				safe = path
			} else if !o.Safe && unsafe == "" {
				unsafe = path
			}
		}
	}
	return append(pages,
		page{"practice-safe", func(p *phone) { p.open(safe, 200) }},
		page{"practice-unsafe", func(p *phone) { p.open(unsafe, 200) }})
}

// walkTo taps through a scenario from its first step to an outcome, as a
// resident does: read the screen, tap a choice, land on the next page.
func walkTo(p *phone, s *curriculum.Scenario, outcome string) {
	p.t.Helper()
	p.open("/practice/"+s.Slug, 200)
	for _, hop := range s.PathTo(outcome) {
		st, _ := s.Step(hop.Step)
		p.see("Đây là bài tập, không phải thật.", st.Prompt)
		p.follow(fmt.Sprintf(`button[name=choice][value=%q]`, hop.Choice), 200)
	}
	o, _ := s.Outcome(outcome)
	p.see("Đây là bài tập, không phải thật.", o.Title, o.RealLife[0])
}

// practiceFlow: a visitor finds the drills from the home page, falls into
// the trap, starts again and gets it right; then, signed in, passes it and
// finds it on their own page.
func practiceFlow(t *testing.T, noJS bool) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{noJS: noJS})
	s, _ := catalog.Scenario("vi", "cong-an-gia-cap-nhat-vneid")
	var safe, unsafe *curriculum.Outcome
	for _, o := range s.Outcomes {
		if o.Safe && safe == nil {
			safe = o
		}
		if !o.Safe && (unsafe == nil || len(s.PathTo(o.ID)) > len(s.PathTo(unsafe.ID))) {
			unsafe = o // the deepest trap: the longest walk
		}
	}
	p.open("/", 200)
	p.follow(`main a[href="/practice/"]`, 200)
	p.follow(`a[href="/practice/`+s.Slug+`"]`, 200)
	p.see(s.Title, "BÀI TẬP")
	for _, hop := range s.PathTo(unsafe.ID) {
		p.follow(fmt.Sprintf(`button[name=choice][value=%q]`, hop.Choice), 200)
	}
	p.see("✘ Chưa an toàn", unsafe.Title, "Khi gặp thật, hãy làm thế này", "Kết quả này chưa được lưu.")
	p.follow(`a[href="/practice/`+s.Slug+`"]`, 200) // "Làm lại bài này"
	walkTo(p, s, safe.ID)
	p.see("✔ An toàn")

	joinClass(p, a.classes[0], "Huỳnh Thị Tám")
	walkTo(p, s, safe.ID)
	p.see("Kết quả đã được lưu.")
	p.open("/me", 200)
	p.see(fmt.Sprintf("Đã làm đúng 1 trên %d bài tập.", len(catalog.Scenarios("vi"))), s.Title)
}

func TestPracticeOnAPhone(t *testing.T) { practiceFlow(t, false) }

// TestPracticeWithoutJavaScript: the same drill with JavaScript turned off.
func TestPracticeWithoutJavaScript(t *testing.T) { practiceFlow(t, true) }
