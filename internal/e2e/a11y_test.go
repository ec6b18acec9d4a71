package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// page is one main page reached by a step of a visit.
type page struct {
	name  string
	visit func(p *phone)
}

// mainPages are the pages residents reach, in an order one phone can walk
// (visitor pages, then signing up, then the learner's pages). Each must pass
// axe-core's WCAG 2.1 A/AA rules and reflow on a narrow, text-enlarged
// phone. Add each new audience's pages here as they arrive.
func mainPages(a *app) []page {
	m := catalog.Modules("vi")[2]
	l := m.Lessons[0]
	lessonPath := "/modules/" + m.Slug + "/" + l.Slug
	return append([]page{
		{"home", func(p *phone) { p.open("/", 200) }},
		{"home-en", func(p *phone) { p.open("/?lang=en", 200) }},
		{"module", func(p *phone) { p.open("/?lang=vi", 200); p.open("/modules/"+m.Slug, 200) }},
		{"lesson", func(p *phone) { p.open(lessonPath, 200) }},
		// English words are longer than Vietnamese ones: at 200% text they
		// must still wrap (an English lesson once scrolled sideways).
		{"lesson-en", func(p *phone) { p.open(lessonPath+"?lang=en", 200) }},
		{"glossary", func(p *phone) { p.open("/glossary?lang=vi#ma-otp", 200) }},
		{"quiz-result", func(p *phone) {
			p.open(lessonPath, 200)
			answerQuiz(p, l, 1)
			p.follow(`#quiz button[type=submit]`, 200)
		}},
	}, append(append(practicePages(), checkPages()...), append([]page{
		{"not-found", func(p *phone) { p.open("/modules/khong-co", 404) }},
		{"join-code", func(p *phone) { p.open("/join", 200) }},
		{"join-unknown", func(p *phone) { p.open("/join/ZZZZ22", 404) }},
		{"register", func(p *phone) { p.open("/register", 200) }},
		{"register-errors", func(p *phone) {
			p.open("/register", 200)
			p.typeIn(`#phone`, "0123")
			p.follow(`main form.form button[type=submit]`, 422)
		}},
		{"resume", func(p *phone) { p.open("/resume", 200) }},
		{"resume-errors", func(p *phone) {
			p.open("/resume", 200)
			p.typeIn(`#code`, "ZZZZZZZ")
			p.follow(`main form button[type=submit]`, 422)
		}},
		{"join-class", func(p *phone) { p.open("/join/"+a.classes[0], 200) }},
		{"welcome", func(p *phone) { joinClass(p, a.classes[0], "Lê Văn Tám") }},
		{"me", func(p *phone) { p.open("/me", 200) }},
		{"me-delete", func(p *phone) { p.open("/me/delete", 200) }},
		{"certificate", func(p *phone) {
			mod := catalog.Modules("vi")[4]
			for _, x := range mod.Lessons {
				p.open("/modules/"+mod.Slug+"/"+x.Slug, 200)
				answerQuiz(p, x, len(x.Quiz))
				p.follow(`#quiz button[type=submit]`, 200)
			}
			p.open("/me", 200)
			p.follow(`#certificates a`, 200)
		}},
		// Large text and high contrast, set with the buttons at the top;
		// the last step turns them off again for the pages that follow.
		{"lesson-large-contrast", func(p *phone) {
			p.open(lessonPath, 200)
			p.follow(`.view button[name=big]`, 200)
			p.follow(`.view button[name=contrast]`, 200)
			if got := eval[string](p, `document.documentElement.className`); got != "big hc" {
				p.t.Fatalf("root classes %q after turning both on", got)
			}
		}},
		{"module-default-again", func(p *phone) {
			p.follow(`.view button[name=big]`, 200)
			p.follow(`.view button[name=contrast]`, 200)
			p.open("/modules/"+m.Slug, 200)
		}},
	}, checkAfterPages()...)...)...)
}

// TestAccessibilityOfMainPages walks every main page once and checks it
// as it stands (see checkPage).
func TestAccessibilityOfMainPages(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{})
	for _, pg := range mainPages(a) {
		t.Run(pg.name, func(t *testing.T) {
			p.t = t
			pg.visit(p)
			p.checkPage()
		})
	}
}

// reflows are the settings of WCAG 1.4.10 every page is checked at: 320
// CSS px, and the text at 200% on a 360 px phone (what older users set in
// Android).
var reflows = []struct {
	name  string
	width int64
	text  string
}{{"320px", 320, "100%"}, {"text-200", phoneWidth, "200%"}}

// checkPage checks the current page: axe-core's WCAG 2.1 A/AA rules, a
// label on every input, tap targets at least 48 px high, base text of at
// least 18 px, and for each of the reflows, no sideways scrolling (wide
// tables scroll inside themselves). One visit serves every check, so a
// walk of the pages is made once, not once per setting; the phone is left
// as it was found.
func (p *phone) checkPage() {
	t := p.t
	t.Helper()
	for _, v := range p.axe() {
		t.Errorf("axe %s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
	}
	unlabelled := eval[[]string](p, `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name || e.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("inputs without a label: %v", unlabelled)
	}
	small := eval[[]string](p, `[...document.querySelectorAll('main a, main button, main label.opt, header a, nav a')]
		.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height < 48 && getComputedStyle(e).display !== 'inline' })
		.map(e => e.outerHTML.slice(0, 80))`)
	if len(small) > 0 {
		t.Errorf("tap targets lower than 48 px: %v", small)
	}
	if base := eval[float64](p, `parseFloat(getComputedStyle(document.body).fontSize)`); base < 18 {
		t.Errorf("base font size %.1f px, want at least 18", base)
	}
	for _, r := range reflows {
		p.resize(r.width)
		overflow := eval[float64](p, fmt.Sprintf(`document.documentElement.style.fontSize = %q;
			document.documentElement.scrollWidth - document.documentElement.clientWidth`, r.text))
		if overflow > 0 {
			wide := eval[[]string](p, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.scroll')).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)`)
			t.Errorf("at %s the page scrolls sideways by %.0f px: %v", r.name, overflow, wide)
		}
		eval[string](p, `document.documentElement.style.fontSize = ''`)
	}
	p.resize(p.width)
}
