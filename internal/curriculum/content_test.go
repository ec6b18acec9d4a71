package curriculum_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
)

// TestShippedContent holds the lessons we ship to the rules of content/README.md
// that the loader does not enforce for every author's draft: enough lessons,
// reading time, a closing "remember" line, sources behind every outside link,
// and English for at least the first lesson of each module.
func TestShippedContent(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	external := regexp.MustCompile(`href="(https?://[^"]+)"`)
	remember := map[string]string{"vi": "<strong>Ghi nhớ:</strong>", "en": "<strong>Remember:</strong>"}
	total := 0
	for _, m := range cat.Modules("vi") {
		if len(m.Lessons) < 4 {
			t.Errorf("module %s has %d lessons; the curriculum needs at least 4", m.Slug, len(m.Lessons))
		}
		if en, _ := cat.Module("en", m.Slug); en.Lessons[0].Locale != "en" {
			t.Errorf("module %s: the first lesson has no English translation", m.Slug)
		}
		for _, lang := range []string{"vi", "en"} {
			lm, _ := cat.Module(lang, m.Slug)
			for _, l := range lm.Lessons {
				if l.Locale != lang {
					continue // falls back to Vietnamese, checked there
				}
				total++
				where := l.File
				if l.Minutes < 3 || l.Minutes > 7 {
					t.Errorf("%s: %d minutes; a lesson takes 3 to 7", where, l.Minutes)
				}
				if len(l.Objectives) == 0 || len(l.Sources) == 0 || len(l.Competences) == 0 {
					t.Errorf("%s: objectives, sources and competences are all required", where)
				}
				body := string(l.Body)
				last := body[strings.LastIndex(body, "<blockquote>")+1:]
				if !strings.Contains(body, "<blockquote>") || !strings.Contains(last, remember[lang]) || strings.TrimSpace(last[strings.Index(last, "</blockquote>")+len("</blockquote>"):]) != "" {
					t.Errorf("%s: must end with a blockquote starting %s", where, remember[lang])
				}
				if !strings.Contains(body, "<ol>") {
					t.Errorf("%s: has no numbered steps", where)
				}
				if len(l.Images) > 2 {
					t.Errorf("%s: %d pictures; at most 2 keep the first visit light", where, len(l.Images))
				}
				var sources []string
				for _, s := range l.Sources {
					sources = append(sources, s.URL)
				}
				for _, link := range external.FindAllStringSubmatch(body, -1) {
					if !slices.Contains(sources, link[1]) {
						t.Errorf("%s: links to %s, which is not among its sources", where, link[1])
					}
				}
				for _, q := range l.Quiz {
					for _, o := range q.Options {
						prefix := map[string][2]string{"vi": {"Đúng.", "Sai."}, "en": {"Right.", "Wrong."}}[lang]
						want := prefix[1]
						if o.Correct {
							want = prefix[0]
						}
						if !strings.HasPrefix(o.Explanation, want) {
							t.Errorf("%s %s%s: the explanation should start with %q", where, q.ID, o.ID, want)
						}
					}
				}
			}
		}
	}
	t.Logf("%d lesson texts checked", total)
}
