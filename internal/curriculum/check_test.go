package curriculum_test

import (
	"strings"
	"testing"
	"testing/fstest"

	. "github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

const (
	viCheck = "vi/check.yaml"
	enCheck = "en/check.yaml"
)

// checkContent is the mini lesson tree with the mini check in Vietnamese
// and, when en is true, an English twin.
func checkContent(en bool) fstest.MapFS {
	fsys := testutil.MiniContent()
	fsys[viCheck] = &fstest.MapFile{Data: []byte(testutil.MiniCheck())}
	if en {
		fsys[enCheck] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(testutil.MiniCheck(), "Câu ", "Question "))}
	}
	return fsys
}

func TestLoadCheck(t *testing.T) {
	cat, err := Load(checkContent(true), "content")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	vi := cat.Check("vi")
	if vi == nil || len(vi.Questions) != 12 || vi.Locale != "vi" {
		t.Fatalf("vi check = %+v", vi)
	}
	q := vi.Questions[2]
	if q.ID != "q3" || q.Module != "email" || q.Lesson != "bat-wifi" || q.Competence != "1.1" || q.Text != "Câu 3?" || len(q.Options) != 2 {
		t.Errorf("q3 = %+v", q)
	}
	if en := cat.Check("en"); en.Locale != "en" || en.Questions[0].Text != "Question 1?" {
		t.Errorf("en check = %s %q, want the translation", en.Locale, en.Questions[0].Text)
	}
	if xx := cat.Check("xx"); xx != vi {
		t.Error("an unknown locale should get the Vietnamese check")
	}

	cat, err = Load(checkContent(false), "content")
	if err != nil {
		t.Fatal(err)
	}
	if en := cat.Check("en"); en == nil || en.Locale != "vi" {
		t.Errorf("untranslated check = %+v, want the Vietnamese one (fallback)", en)
	}

	cat, err = Load(testutil.MiniContent(), "content")
	if err != nil {
		t.Fatal(err)
	}
	if ch := cat.Check("vi"); ch != nil {
		t.Errorf("content without check.yaml has a check: %+v", ch)
	}
}

func TestGradeCheck(t *testing.T) {
	cat, err := Load(checkContent(false), "content")
	if err != nil {
		t.Fatal(err)
	}
	ch := cat.Check("vi")
	// Right on the internet questions and the first email one, wrong on
	// the rest; q12 left out and q11 tampered with.
	answers := ch.Answers(func(q *CheckQuestion) bool { return q.Module == "internet" || q.ID == "q3" })
	delete(answers, "q12")
	answers["q11"] = "z"
	answers["q99"] = "a" // not a question: ignored
	g := ch.Grade(answers)
	if g.Score != 3 || g.Total != 12 {
		t.Errorf("score %d of %d, want 3 of 12", g.Score, g.Total)
	}
	if strings.Join(g.Missing, ",") != "q11,q12" {
		t.Errorf("missing %v, want q11 (unknown option) and q12", g.Missing)
	}
	want := []ModuleScore{{"internet", 2, 2}, {"email", 1, 2}, {"online-shopping", 0, 2}, {"e-payment", 0, 2}, {"public-services", 0, 2}, {"data-safety", 0, 2}}
	if len(g.Modules) != len(want) {
		t.Fatalf("modules %+v", g.Modules)
	}
	for i := range want {
		if g.Modules[i] != want[i] {
			t.Errorf("module %d = %+v, want %+v", i, g.Modules[i], want[i])
		}
	}
	if c := g.Choices(); len(c) != 10 || c["q1"] != "a" || c["q4"] != "b" || c["q11"] != "" {
		t.Errorf("choices %v: want the 10 answered ones", c)
	}
	if a := g.Answers[3]; a.Question.ID != "q4" || a.Chosen.ID != "b" || a.Right {
		t.Errorf("answer 4 = %+v", a)
	}
}

func TestCheckProblems(t *testing.T) {
	const file = "content/vi/check.yaml"
	edit := func(name, old, new string) func(fstest.MapFS) {
		return func(f fstest.MapFS) {
			s := string(f[name].Data)
			if !strings.Contains(s, old) {
				panic(name + " fixture lacks " + old)
			}
			f[name].Data = []byte(strings.Replace(s, old, new, 1))
		}
	}
	vi := func(old, new string) func(fstest.MapFS) { return edit(viCheck, old, new) }
	en := func(old, new string) func(fstest.MapFS) { return edit(enCheck, old, new) }
	// keep cuts the check to its first n questions.
	keep := func(n int) func(fstest.MapFS) {
		return func(f fstest.MapFS) {
			lines := strings.SplitAfter(string(f[viCheck].Data), "\n")
			f[viCheck].Data = []byte(strings.Join(lines[:13*n], ""))
		}
	}
	tests := []struct {
		name string
		en   bool
		edit func(fstest.MapFS)
		want string
	}{
		{"too few questions", false, keep(9), file + ":1: the check has 9 questions; it needs 10 to 12"},
		{"ids out of order", false, vi("id: q2\n", "id: q3\n"), file + `:14: question 2 must have id "q2"`},
		{"unknown module", false, vi("module: internet", "module: internett"), file + `:2: question q1: unknown module "internett"; the modules are internet, email`},
		{"no module", false, vi("  module: internet\n", ""), file + ":1: question q1 has no module"},
		{"unknown lesson", false, vi("lesson: bat-wifi", "lesson: khong-co"), file + `:3: question q1: module internet has no lesson "khong-co"`},
		{"no lesson", false, vi("  lesson: bat-wifi\n", ""), file + ":1: question q1 has no lesson"},
		{"unknown competence", false, vi(`competence: "1.1"`, `competence: "9.9"`), file + `:4: question q1: unknown competence code "9.9"`},
		{"no competence", false, vi("  competence: \"1.1\"\n", ""), file + ":1: question q1 has no competence"},
		{"a module without questions", false, func(f fstest.MapFS) {
			f[viCheck].Data = []byte(strings.ReplaceAll(string(f[viCheck].Data), "module: data-safety", "module: email"))
		}, file + ":1: no question is about module data-safety"},
		{"no question text", false, vi(`question: "Câu 1?"`, `question: ""`), file + ":1: question q1 has no text"},
		{"no correct option", false, vi("      correct: true\n", ""), file + ":6: question q1 has no correct option"},
		{"option without explanation", false, vi(`explanation: "Sai."`, `explanation: ""`), file + ":11: option b of q1 has no explanation"},
		{"unknown key", false, vi("  lesson: bat-wifi\n", "  lesson: bat-wifi\n  hint: \"x\"\n"), file + `:4: unknown key "hint"`},
		{"not a list", false, func(f fstest.MapFS) { f[viCheck].Data = []byte("id: q1\n") }, file + ":1: cannot unmarshal"},
		{"only comments", false, func(f fstest.MapFS) { f[viCheck].Data = []byte("# nothing yet\n\n") }, file + ":1: the check is empty"},
		{"translation with another right option", true, en("      correct: true\n      explanation: \"Đúng.\"\n    - id: b\n      text: \"Đáp án sai\"\n      explanation: \"Sai.\"",
			"      explanation: \"Sai.\"\n    - id: b\n      text: \"Đáp án sai\"\n      correct: true\n      explanation: \"Đúng.\""),
			"content/en/check.yaml: check differs from content/vi/check.yaml: question q1: correct option b instead of a"},
		{"translation tagged with another module", true, en("module: internet", "module: email"),
			"content/en/check.yaml: check differs from content/vi/check.yaml: question q1 is tagged email/bat-wifi 1.1 instead of internet/bat-wifi 1.1"},
		{"translation with a question less", true, func(f fstest.MapFS) {
			lines := strings.SplitAfter(string(f[enCheck].Data), "\n")
			f[enCheck].Data = []byte(strings.Join(lines[:13*11], ""))
		}, "content/en/check.yaml: check differs from content/vi/check.yaml: 11 questions instead of 12"},
		{"translation without a Vietnamese check", true, func(f fstest.MapFS) { delete(f, viCheck) },
			"content/en/check.yaml: translation of the check has no Vietnamese check vi/check.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := checkContent(tt.en)
			tt.edit(fsys)
			_, err := Load(fsys, "content")
			wantProblem(t, err, tt.want)
		})
	}
}
