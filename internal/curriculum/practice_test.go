package curriculum_test

import (
	"strings"
	"testing"
	"testing/fstest"

	. "github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

// miniScenario is a valid scenario of two steps and two outcomes; the tests
// below edit it to produce each error and know its line numbers.
const miniScenario = `title: "Cuộc gọi lạ"
slug: cuoc-goi-la
module: data-safety
lesson: bat-wifi
summary: "Tóm tắt."
sources:
  - title: "Nguồn"
    url: "https://example.org/nguon"
start: goi
steps:
  - id: goi
    screen:
      kind: call
      title: "09x xxx x123"
      text:
        - "Alo, tôi là công an."
    prompt: "Bạn làm gì?"
    choices:
      - id: a
        text: "Nghe theo."
        next: tin-nhan
      - id: b
        text: "Tắt máy."
        next: an-toan
  - id: tin-nhan
    screen:
      kind: sms
      title: "Số lạ"
      messages:
        - from: them
          text: "Bấm vào đây:"
          link: "vneid.example/app"
    prompt: "Bạn làm gì?"
    choices:
      - id: a
        text: "Bấm link."
        next: mat-tien
      - id: b
        text: "Không bấm."
        next: an-toan
outcomes:
  - id: an-toan
    safe: true
    title: "An toàn"
    explanation: "Đúng."
    real_life:
      - "Tắt máy."
  - id: mat-tien
    safe: false
    title: "Chưa an toàn"
    explanation: "Sai."
    real_life:
      - "Gọi ngân hàng."
`

const (
	viScenario = "vi/practice/cuoc-goi-la.yaml"
	enScenario = "en/practice/cuoc-goi-la.yaml"
)

// practiceContent is the mini lesson tree plus the scenario in Vietnamese
// and English.
func practiceContent() fstest.MapFS {
	fsys := testutil.MiniContent()
	fsys[viScenario] = &fstest.MapFile{Data: []byte(miniScenario)}
	fsys[enScenario] = &fstest.MapFile{Data: []byte(strings.Replace(miniScenario, `"Cuộc gọi lạ"`, `"A strange call"`, 1))}
	return fsys
}

func TestLoadPractice(t *testing.T) {
	cat, err := Load(practiceContent(), "content")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	s, ok := cat.Scenario("vi", "cuoc-goi-la")
	if !ok || s.Title != "Cuộc gọi lạ" || len(s.Steps) != 2 || len(s.Outcomes) != 2 {
		t.Fatalf("scenario = %+v", s)
	}
	if en, _ := cat.Scenario("en", "cuoc-goi-la"); en.Locale != "en" || en.Title != "A strange call" {
		t.Errorf("English scenario = %q in %s, want the translation", en.Title, en.Locale)
	}
	if got := cat.ScenariosOf("vi", "data-safety"); len(got) != 1 {
		t.Errorf("ScenariosOf(data-safety) = %d scenarios, want 1", len(got))
	}
	if got := cat.ScenariosOf("vi", "internet"); len(got) != 0 {
		t.Errorf("ScenariosOf(internet) = %d scenarios, want 0", len(got))
	}
	want := []Hop{{"goi", "a"}, {"tin-nhan", "a"}}
	if got := s.PathTo("mat-tien"); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("PathTo(mat-tien) = %v, want %v", got, want)
	}
	if got := s.PathTo("an-toan"); len(got) != 1 || got[0] != (Hop{"goi", "b"}) {
		t.Errorf("PathTo(an-toan) = %v, want the shortest walk", got)
	}

	fsys := practiceContent()
	delete(fsys, enScenario)
	cat, err = Load(fsys, "content")
	if err != nil {
		t.Fatal(err)
	}
	if en, _ := cat.Scenario("en", "cuoc-goi-la"); en.Locale != "vi" {
		t.Errorf("untranslated scenario locale = %s, want vi (fallback)", en.Locale)
	}
}

func TestLoadPracticeReportsFileLineReason(t *testing.T) {
	const file = "content/" + viScenario
	const enFile = "content/" + enScenario
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want string // the start of one reported problem
	}{
		{"unknown next step", editVI("next: mat-tien", "next: khong-co"), file + ":37: choice a of step tin-nhan leads to unknown step \"khong-co\""},
		{"dead end choice", editVI("        next: an-toan\n  - id: tin-nhan", "  - id: tin-nhan"), file + ":22: choice b of step goi is a dead end"},
		{"dead end step", editVI("    choices:\n      - id: a\n        text: \"Bấm link.\"\n        next: mat-tien\n      - id: b\n        text: \"Không bấm.\"\n        next: an-toan\n", ""), file + ":25: step tin-nhan is a dead end: it has no choices"},
		{"unreachable step", editVI("next: tin-nhan", "next: an-toan"), file + ":25: step tin-nhan is unreachable"},
		{"unreachable outcome", editVI("next: mat-tien", "next: an-toan"), file + ":48: outcome mat-tien is unreachable"},
		{"loop", editVI("        text: \"Không bấm.\"\n        next: an-toan", "        text: \"Không bấm.\"\n        next: goi"), file + ":40: choice b of step tin-nhan leads back to step goi"},
		{"choice back to its own step", editVI("next: tin-nhan", "next: goi"), file + ":21: choice a of step goi leads back to the same step"},
		{"outcome without explanation", editVI("    explanation: \"Sai.\"\n", ""), file + ":48: outcome mat-tien has no explanation"},
		{"outcome without real life", editVI("    real_life:\n      - \"Gọi ngân hàng.\"\n", ""), file + ":48: outcome mat-tien has no real_life list"},
		{"no safe outcome", editVI("safe: true", "safe: false"), file + ":41: no safe outcome"},
		{"too few choices", editVI("      - id: b\n        text: \"Tắt máy.\"\n        next: an-toan\n", ""), file + ":18: step goi has 1 choices; it needs 2 to 4"},
		{"too many choices", editVI("        text: \"Tắt máy.\"\n        next: an-toan\n", "        text: \"Tắt máy.\"\n        next: an-toan\n"+
			"      - id: c\n        text: \"C.\"\n        next: an-toan\n      - id: d\n        text: \"D.\"\n        next: an-toan\n      - id: e\n        text: \"E.\"\n        next: an-toan\n"),
			file + ":18: step goi has 5 choices; it needs 2 to 4"},
		{"unknown screen kind", editVI("kind: call", "kind: fax"), file + ":13: step goi: unknown screen kind \"fax\""},
		{"screen over its size budget", editVI("Alo, tôi là công an.", strings.Repeat("Alo, tôi là công an. ", 25)), file + ":12: step goi: the screen shows 537 characters"},
		{"screen lacks what its kind needs", editVI("      messages:\n        - from: them\n          text: \"Bấm vào đây:\"\n          link: \"vneid.example/app\"\n", ""), file + ":26: step tin-nhan: a sms screen needs messages"},
		{"screen shows what its kind does not", editVI("      title: \"09x xxx x123\"\n", "      title: \"09x xxx x123\"\n      address: \"a.example\"\n"), file + ":15: step goi: a call screen does not show address"},
		{"real-looking phone number", editVI("09x xxx x123", "0912 345 678"), file + ":12: step goi: the screen shows the number \"0912 345 678\""},
		{"address that could be a real site", editVI("vneid.example/app", "vneid-gov.vn/app"), file + ":32: step tin-nhan: address \"vneid-gov.vn/app\" must end in .example"},
		{"message without sender", editVI("from: them", "from: ai"), file + ":30: step tin-nhan: message 1 needs from: them or from: me"},
		{"duplicate step and outcome id", editVI("  - id: mat-tien", "  - id: goi"), file + ":48: duplicate id \"goi\": line 11 uses it too"},
		{"duplicate choice id", editVI("      - id: b\n        text: \"Tắt máy.\"", "      - id: a\n        text: \"Tắt máy.\""), file + ":22: duplicate choice id \"a\" in step goi"},
		{"malformed step id", editVI("  - id: tin-nhan", "  - id: Tin Nhắn"), file + ":25: step 2 id \"Tin Nhắn\" must be"},
		{"unknown start", editVI("start: goi", "start: dau"), file + ":9: start \"dau\" is not a step id"},
		{"missing start", editVI("start: goi\n", ""), file + ":1: start is missing"},
		{"missing prompt", editVI("    prompt: \"Bạn làm gì?\"\n    choices:\n      - id: a\n        text: \"Nghe theo.\"", "    choices:\n      - id: a\n        text: \"Nghe theo.\""), file + ":11: step goi has no prompt"},
		{"unknown module", editVI("module: data-safety", "module: mang-xa-hoi"), file + ":3: module \"mang-xa-hoi\" is not one of"},
		{"lesson not in the module", editVI("lesson: bat-wifi", "lesson: khong-co"), file + ":4: lesson \"khong-co\" is not a lesson of module data-safety"},
		{"missing sources", editVI("sources:\n  - title: \"Nguồn\"\n    url: \"https://example.org/nguon\"\n", ""), file + ":1: sources are missing"},
		{"unknown key", editVI("summary:", "sumary:"), file + ":5: unknown key \"sumary\""},
		{"empty file", func(f fstest.MapFS) { f[viScenario].Data = nil }, file + ":1: the file is empty"},
		{"duplicate slug", func(f fstest.MapFS) { f["vi/practice/khac.yaml"] = &fstest.MapFile{Data: []byte(miniScenario)} }, "content/vi/practice/khac.yaml:2: duplicate slug \"cuoc-goi-la\""},
		{"not a yaml file", func(f fstest.MapFS) { f["vi/practice/ghi-chu.txt"] = &fstest.MapFile{Data: []byte("x")} }, "content/vi/practice/ghi-chu.txt: unexpected file"},
		{"translation whose step ids differ", editEN("tin-nhan", "tin-nhan-2"), enFile + ": steps differ from " + file + ": step 2 is tin-nhan-2 instead of tin-nhan"},
		{"translation whose choice ids differ", editEN("      - id: b\n        text: \"Tắt máy.\"", "      - id: x\n        text: \"Tắt máy.\""), enFile + ": steps differ from " + file + ": step goi: choice x → an-toan instead of b → an-toan"},
		{"translation with another safe outcome", editEN("safe: false", "safe: true"), enFile + ": steps differ from " + file + ": outcome 2 is mat-tien (safe true)"},
		{"translation without original", func(f fstest.MapFS) {
			f["en/practice/khac.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(miniScenario, "slug: cuoc-goi-la", "slug: khac", 1))}
		}, "content/en/practice/khac.yaml: translation of scenario \"khac\" has no Vietnamese scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := practiceContent()
			tt.edit(fsys)
			_, err := Load(fsys, "content")
			wantProblem(t, err, tt.want)
		})
	}
}

// editVI replaces text in the Vietnamese scenario; editEN in the English one.
func editVI(old, new string) func(fstest.MapFS) { return editFile(viScenario, old, new) }
func editEN(old, new string) func(fstest.MapFS) { return editFile(enScenario, old, new) }

func editFile(name, old, new string) func(fstest.MapFS) {
	return func(f fstest.MapFS) {
		s := string(f[name].Data)
		if !strings.Contains(s, old) {
			panic(name + " does not contain " + old)
		}
		f[name].Data = []byte(strings.ReplaceAll(s, old, new))
	}
}
