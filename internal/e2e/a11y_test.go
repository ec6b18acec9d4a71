package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// mainPages are the pages every audience reaches; each must pass axe-core's
// WCAG 2.1 A/AA rules and reflow on a narrow, text-enlarged phone. Add each
// new audience's pages here as they arrive.
func mainPages(p *phone) []struct {
	name  string
	visit func()
} {
	m := catalog.Modules("vi")[2]
	l := m.Lessons[0]
	lessonPath := "/modules/" + m.Slug + "/" + l.Slug
	return []struct {
		name  string
		visit func()
	}{
		{"home", func() { p.open("/", 200) }},
		{"home-en", func() { p.open("/?lang=en", 200) }},
		{"module", func() { p.open("/?lang=vi", 200); p.open("/modules/"+m.Slug, 200) }},
		{"lesson", func() { p.open(lessonPath, 200) }},
		{"quiz-result", func() {
			p.open(lessonPath, 200)
			answerQuiz(p, l, 1)
			p.follow(`#quiz button[type=submit]`, 200)
		}},
		{"not-found", func() { p.open("/modules/khong-co", 404) }},
	}
}

func TestAccessibilityOfMainPages(t *testing.T) {
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{})
	for _, page := range mainPages(p) {
		t.Run(page.name, func(t *testing.T) {
			p.t = t
			page.visit()
			for _, v := range p.axe() {
				t.Errorf("axe %s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
			}
			unlabelled := eval[[]string](p, `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
				.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name || e.id)`)
			if len(unlabelled) > 0 {
				t.Errorf("inputs without a label: %v", unlabelled)
			}
			small := eval[[]string](p, `[...document.querySelectorAll('main a, main button, main label, header a')]
				.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height < 48 && getComputedStyle(e).display !== 'inline' })
				.map(e => e.outerHTML.slice(0, 80))`)
			if len(small) > 0 {
				t.Errorf("tap targets lower than 48 px: %v", small)
			}
			base := eval[float64](p, `parseFloat(getComputedStyle(document.body).fontSize)`)
			if base < 18 {
				t.Errorf("base font size %.1f px, want at least 18", base)
			}
		})
	}
}

// TestReflowAtNarrowWidthAndLargeText: at 320 CSS px (WCAG 1.4.10) and with
// the text at 200% on a 360 px phone (what older users set in Android), no
// page scrolls sideways; wide tables scroll inside themselves.
func TestReflowAtNarrowWidthAndLargeText(t *testing.T) {
	a := startApp(t)
	for _, setting := range []struct {
		name  string
		width int64
		text  string
	}{{"320px", 320, "100%"}, {"text-200", 360, "200%"}} {
		t.Run(setting.name, func(t *testing.T) {
			p := newPhone(t, a, "", phoneOpts{width: setting.width})
			for _, page := range mainPages(p) {
				page.visit()
				overflow := eval[float64](p, fmt.Sprintf(`document.documentElement.style.fontSize = %q;
					document.documentElement.scrollWidth - document.documentElement.clientWidth`, setting.text))
				if overflow > 0 {
					t.Errorf("%s scrolls sideways by %.0f px", page.name, overflow)
				}
			}
		})
	}
}
