package curriculumtest_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/curriculum/curriculumtest"
)

// FuzzLessonFile feeds arbitrary bytes to the loader as one lesson file. A
// broken lesson must never crash the loader or the server's start-up: it is
// either loaded (and then its body holds no raw HTML, which is disabled) or
// refused with problems that each name the file and a line in it.
func FuzzLessonFile(f *testing.F) {
	f.Add([]byte(curriculumtest.MiniLesson))
	f.Add([]byte(strings.Replace(curriculumtest.MiniLesson, "Mở đầu.", "<script>alert(1)</script>\n\nMở đầu.", 1)))
	f.Add([]byte(strings.Replace(curriculumtest.MiniLesson, "correct: true\n", "", 1)))
	f.Add([]byte("---\ntitle: [\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("no front matter at all"))
	f.Add([]byte("---\nquiz:\n  - id: q1\n    options: {a: 1}\n---\n![x](/media/nope.svg)\n"))
	file := "testcontent/vi/internet/01-bat-wifi.md"
	lineRef := regexp.MustCompile(`^` + regexp.QuoteMeta(file) + `:[1-9][0-9]*: \S`)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := curriculumtest.MiniContent()
		fsys["vi/internet/01-bat-wifi.md"] = &fstest.MapFile{Data: data}
		cat, err := curriculum.Load(fsys, "testcontent")
		if err != nil {
			var ps curriculum.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			for _, p := range ps {
				if msg := p.Error(); strings.HasPrefix(msg, file) && !lineRef.MatchString(msg) {
					t.Fatalf("problem without a line: %q", msg)
				}
			}
			return
		}
		l, ok := cat.Lesson("vi", "internet", "bat-wifi")
		if !ok {
			for _, m := range cat.Modules("vi") {
				if m.Slug == "internet" && len(m.Lessons) == 1 {
					l = m.Lessons[0]
				}
			}
		}
		if l == nil {
			return // loaded under another slug: nothing more to check
		}
		body := string(l.Body)
		if strings.Contains(body, "<script") || strings.Contains(body, "<iframe") || !utf8.ValidString(body) {
			t.Fatalf("rendered body carries raw HTML or bad UTF-8: %.200q", body)
		}
	})
}
