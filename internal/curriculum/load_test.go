package curriculum_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	. "github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

func TestLoadValidTree(t *testing.T) {
	cat, err := Load(testutil.MiniContent(), "content")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := len(cat.Modules("vi")); got != 6 {
		t.Fatalf("modules = %d, want 6", got)
	}
	l, ok := cat.Lesson("vi", "internet", "bat-wifi")
	if !ok {
		t.Fatal("lesson internet/bat-wifi not found")
	}
	if l.Pass != 2 {
		t.Errorf("default pass mark for 3 questions = %d, want 2", l.Pass)
	}
	body := string(l.Body)
	for _, want := range []string{`<ol>`, `src="/media/`, `/wifi.svg"`, `width="320"`, `height="200"`, `alt="Màn hình Wi-Fi"`, `<blockquote>`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	en, _ := cat.Lesson("en", "internet", "bat-wifi")
	if en.Locale != "en" || en.Title != "Turn on Wi-Fi" {
		t.Errorf("English lesson = %q in %s, want the translation", en.Title, en.Locale)
	}
	fallback, _ := cat.Lesson("en", "email", "bat-wifi")
	if fallback.Locale != "vi" {
		t.Errorf("untranslated lesson locale = %s, want vi (fallback)", fallback.Locale)
	}
	if m, _ := cat.Module("en", "email"); m.Title != "Mô-đun email" {
		t.Errorf("untranslated module title = %q, want the Vietnamese one", m.Title)
	}
}

func TestLoadReportsFileLineReason(t *testing.T) {
	const file = "content/vi/internet/01-bat-wifi.md"
	tests := []struct {
		name   string
		edit   func(fstest.MapFS)
		want   string // a whole problem line, or its start
		orWant string
	}{
		{"missing title", replace(`title: "Bật Wi-Fi"`, `title: ""`), file + ":2: title is missing", ""},
		{"title too long", replace(`title: "Bật Wi-Fi"`, `title: "`+strings.Repeat("ạ", 81)+`"`), file + ":2: title has 81 characters", ""},
		{"bad slug", replace(`slug: bat-wifi`, `slug: Bật_Wifi`), file + ":3: slug \"Bật_Wifi\" must be", ""},
		{"missing slug", replace("slug: bat-wifi\n", ""), file + ":2: slug is missing", ""},
		{"order zero", replace("order: 1", "order: 0"), file + ":4: order must be", ""},
		{"minutes not a number", replace("minutes: 4", "minutes: bốn"), file + ":5: cannot unmarshal", ""},
		{"unknown key", replace("minutes: 4", "minute: 4"), file + ":5: unknown key \"minute\"", ""},
		{"malformed front matter", replace("summary: \"Kết nối mạng không dây.\"", "summary: [không đóng"), file + ":", ""},
		{"no front matter", func(f fstest.MapFS) { f["vi/internet/01-bat-wifi.md"].Data = []byte("# Bài\n") }, file + ":1: the file must start with a line \"---\"", ""},
		{"front matter not closed", func(f fstest.MapFS) {
			f["vi/internet/01-bat-wifi.md"].Data = []byte("---\ntitle: x\n")
		}, file + ":1: the front matter is not closed", ""},
		{"missing sources", replace("sources:\n  - title: \"Nguồn\"\n    url: \"https://example.org/nguon\"\n", ""), file + ":2: sources are missing", ""},
		{"source without address", replace(`url: "https://example.org/nguon"`, `url: "nguon"`), file + ":12: source 1 needs a full web address", ""},
		{"unknown competence", replace(`["0.1", "1.1"]`, `["0.1", "9.9"]`), file + ":9: unknown competence code \"9.9\"", ""},
		{"quiz without a correct option", replace("        text: \"Đáp án a\"\n        correct: true\n        explanation: \"Đúng.\"\n      - id: b\n        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2", "        text: \"Đáp án a\"\n        explanation: \"Đúng.\"\n      - id: b\n        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2"), file + ":16: question q1 has no correct option", ""},
		{"two correct options", replace("        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2", "        text: \"Đáp án b\"\n        correct: true\n        explanation: \"Sai.\"\n  - id: q2"), file + ":16: question q1 has 2 correct options", ""},
		{"option without explanation", replace("        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2", "        text: \"Đáp án b\"\n  - id: q2"), file + ":21: option b of q1 has no explanation", ""},
		{"question ids out of order", replace("- id: q2", "- id: q7"), file + ":24: question 2 must have id \"q2\"", ""},
		{"option ids out of order", replace("      - id: b\n        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2", "      - id: c\n        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2"), file + ":21: option 2 of q1 must have id \"b\"", ""},
		{"too few questions", cutQuiz(2), file + ":13: the quiz has 2 questions; it needs 3 to 5", ""},
		{"pass mark too high", replace("quiz:\n", "pass: 4\nquiz:\n"), file + ":13: pass must be between 1 and the number of questions (3)", ""},
		{"raw HTML", replace("Mở đầu.\n", "Mở đầu.\n\n<script>alert(1)</script>\n"), file + ":47: raw HTML is not allowed", ""},
		{"top heading in body", replace("## Các bước", "# Các bước"), file + ":47: use \"## \" for headings", ""},
		// Found by fuzzing: a body in another encoding reached the page.
		{"not UTF-8", replace("## Các bước", "## C\xe1c b\xb0\xf4c"), file + ":47: this line is not valid UTF-8: save the file as UTF-8", ""},
		{"missing image", replace("/media/wifi.svg", "/media/khong-co.svg"), file + ":51: image \"/media/khong-co.svg\" is not a file in media/", ""},
		{"image without alt", replace("![Màn hình Wi-Fi]", "![]"), file + ":51: image \"/media/wifi.svg\" needs a description", ""},
		{"broken internal link", replace("/modules/email/bat-wifi", "/modules/email/khong-co"), file + ":53: link \"/modules/email/khong-co\" points to no module or lesson", ""},
		{"duplicate slug", func(f fstest.MapFS) {
			f["vi/internet/02-khac.md"] = &fstest.MapFile{Data: []byte(strings.Replace(testutil.MiniLesson, "order: 1", "order: 2", 1))}
		}, "content/vi/internet/02-khac.md:3: duplicate slug \"bat-wifi\": " + file + " uses it too", ""},
		{"duplicate order", func(f fstest.MapFS) {
			f["vi/internet/02-khac.md"] = &fstest.MapFile{Data: []byte(strings.Replace(testutil.MiniLesson, "slug: bat-wifi", "slug: khac", 1))}
		}, "content/vi/internet/02-khac.md:4: duplicate order 1", ""},
		{"unknown module", func(f fstest.MapFS) {
			f["vi/mang-xa-hoi/01-a.md"] = &fstest.MapFile{Data: []byte(testutil.MiniLesson)}
		}, "content/vi/mang-xa-hoi: unknown module \"mang-xa-hoi\"", ""},
		{"missing module folder", func(f fstest.MapFS) {
			delete(f, "vi/email/module.yaml")
			delete(f, "vi/email/01-bat-wifi.md")
		}, "content/vi/email: module folder is missing", ""},
		{"missing module.yaml", func(f fstest.MapFS) { delete(f, "vi/email/module.yaml") }, "content/vi/email/module.yaml: is missing", ""},
		{"translation without original", func(f fstest.MapFS) {
			f["en/internet/02-x.md"] = &fstest.MapFile{Data: []byte(strings.NewReplacer("slug: bat-wifi", "slug: x", "order: 1", "order: 2").Replace(testutil.MiniLesson))}
		}, "content/en/internet/02-x.md: translation of slug \"x\" has no Vietnamese lesson", ""},
		{"translation with another answer", func(f fstest.MapFS) {
			en := f["en/internet/01-bat-wifi.md"]
			en.Data = []byte(strings.Replace(string(en.Data), "        text: \"Đáp án a\"\n        correct: true\n        explanation: \"Đúng.\"\n      - id: b\n        text: \"Đáp án b\"\n        explanation: \"Sai.\"\n  - id: q2", "        text: \"Đáp án a\"\n        explanation: \"Đúng.\"\n      - id: b\n        text: \"Đáp án b\"\n        correct: true\n        explanation: \"Sai.\"\n  - id: q2", 1))
		}, "content/en/internet/01-bat-wifi.md: quiz differs from " + file + ": question q1: correct option b instead of a", ""},
		{"svg with script", func(f fstest.MapFS) {
			f["media/wifi.svg"].Data = []byte(`<svg width="10" height="10"><script>alert(1)</script></svg>`)
		}, "content/media/wifi.svg: the SVG contains scripts", ""},
		{"svg too big", func(f fstest.MapFS) {
			f["media/wifi.svg"].Data = []byte(strings.Replace(testutil.MiniSVG, "</svg>", strings.Repeat("<rect width=\"1\" height=\"1\"/>", 400)+"</svg>", 1))
		}, "content/media/wifi.svg: is ", ""},
		{"svg without size", func(f fstest.MapFS) {
			f["media/wifi.svg"].Data = []byte(`<svg viewBox="0 0 10 10"></svg>`)
		}, "content/media/wifi.svg: the <svg> element needs width and height", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testutil.MiniContent()
			tt.edit(fsys)
			_, err := Load(fsys, "content")
			wantProblem(t, err, tt.want)
		})
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	fsys := testutil.MiniContent()
	replace(`title: "Bật Wi-Fi"`, `title: ""`)(fsys)
	fsys["vi/email/01-bat-wifi.md"].Data = []byte("no front matter")
	_, err := Load(fsys, "content")
	var ps Problems
	if !errors.As(err, &ps) || len(ps) < 2 {
		t.Fatalf("want at least 2 problems, got %v", err)
	}
}

// replace edits the Vietnamese internet lesson of the tree.
func replace(old, new string) func(fstest.MapFS) {
	return func(f fstest.MapFS) {
		file := f["vi/internet/01-bat-wifi.md"]
		s := string(file.Data)
		if !strings.Contains(s, old) {
			panic("fixture does not contain " + old)
		}
		file.Data = []byte(strings.Replace(s, old, new, 1))
	}
}

// cutQuiz keeps only the first n questions of the Vietnamese internet lesson.
func cutQuiz(n int) func(fstest.MapFS) {
	return func(f fstest.MapFS) {
		file := f["vi/internet/01-bat-wifi.md"]
		s := string(file.Data)
		start := strings.Index(s, "  - id: q"+string(rune('1'+n)))
		end := strings.Index(s, "---\nMở đầu")
		file.Data = []byte(s[:start] + s[end:])
	}
}

func TestGrade(t *testing.T) {
	cat, err := Load(testutil.MiniContent(), "content")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := cat.Lesson("vi", "internet", "bat-wifi")
	tests := []struct {
		name        string
		answers     map[string]string
		score       int
		passed      bool
		missing     int
		wantChoices int
	}{
		{"all right", map[string]string{"q1": "a", "q2": "b", "q3": "a"}, 3, true, 0, 3},
		{"two of three passes", map[string]string{"q1": "a", "q2": "a", "q3": "a"}, 2, true, 0, 3},
		{"one of three fails", map[string]string{"q1": "b", "q2": "a", "q3": "a"}, 1, false, 0, 3},
		{"unanswered is not graded", map[string]string{"q1": "a", "q2": "b"}, 2, false, 1, 2},
		{"unknown option counts as unanswered", map[string]string{"q1": "a", "q2": "b", "q3": "z"}, 2, false, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := l.Grade(tt.answers)
			if r.Score != tt.score || r.Passed != tt.passed || len(r.Missing) != tt.missing || len(r.Choices()) != tt.wantChoices {
				t.Errorf("Grade = score %d passed %v missing %v choices %v; want %d %v %d %d", r.Score, r.Passed, r.Missing, r.Choices(), tt.score, tt.passed, tt.missing, tt.wantChoices)
			}
		})
	}
}

func TestSampleAnswersScoreWhatTheyAskFor(t *testing.T) {
	cat, err := Load(testutil.MiniContent(), "content")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := cat.Lesson("vi", "internet", "bat-wifi")
	for right := 0; right <= len(l.Quiz); right++ {
		r := l.Grade(l.SampleAnswers(right))
		if r.Score != right || len(r.Missing) != 0 {
			t.Errorf("SampleAnswers(%d) scores %d with %v unanswered", right, r.Score, r.Missing)
		}
	}
}

// wantProblem asserts that Load failed with Problems, one of which starts
// with want (a "file:line: what" prefix).
func wantProblem(t *testing.T, err error, want string) {
	t.Helper()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load error = %v, want Problems", err)
	}
	for _, line := range strings.Split(ps.Error(), "\n") {
		if strings.HasPrefix(line, want) {
			return
		}
	}
	t.Errorf("no problem starts with %q; got:\n%s", want, ps.Error())
}
