package e2e

import (
	"testing"
)

// TestLessonFirstVisitBudget opens every lesson in a fresh browser (empty
// cache) and counts what crosses the network, images below the fold
// included: DESIGN §5 allows 40 KB gzip in at most 5 requests, and no fonts.
func TestLessonFirstVisitBudget(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	const maxBytes, maxRequests = 40 << 10, 5
	worst := 0.0
	for _, m := range catalog.Modules("vi") {
		for _, l := range m.Lessons {
			path := "/modules/" + m.Slug + "/" + l.Slug
			// A subtest each, so that each phone closes when its lesson is
			// counted: 28 open tabs slowed the browser for every test.
			t.Run(m.Slug+"/"+l.Slug, func(t *testing.T) {
				p := newPhone(t, a, "", phoneOpts{})
				tr := p.record()
				p.open(path, 200)
				// Lazy illustrations count too: make them load now and wait.
				eval[bool](p, `Promise.all([...document.images].map(i => {
					i.loading = 'eager';
					return (i.complete && i.naturalWidth) ? 1 : new Promise(r => { i.onload = i.onerror = r; });
				})).then(() => true)`)
				images := eval[int](p, `new Set([...document.images].map(i => i.currentSrc)).size`)
				tr.settle(p, 3+images) // the page, its stylesheet, its icon and each image
				requests, total, fonts, urls := tr.summary()
				if total > maxBytes || requests > maxRequests || fonts > 0 {
					t.Errorf("%s: %d requests, %.0f bytes, %d fonts; budget %d requests, %d bytes, no fonts: %v", path, requests, total, fonts, maxRequests, maxBytes, urls)
				}
				worst = max(worst, total)
				if testing.Verbose() {
					t.Logf("%s: %d requests, %.1f KB", path, requests, total/1024)
				}
			})
		}
	}
	t.Logf("heaviest first visit: %.1f KB", worst/1024)
}
