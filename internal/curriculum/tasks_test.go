package curriculum_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kynangso/kynangso/content"
	. "github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

// miniTasks is a valid Vietnamese task list of two tasks; the tests edit it
// and know its line numbers.
const miniTasks = `# Việc làm được
- key: cai-vneid
  module: public-services
  title: "Tự cài VNeID từ CH Play"
  check: "Người học tự tìm và cài."
  source:
    title: "Nguồn"
    url: "https://example.org/nguon"
- key: khoa-man-hinh
  module: data-safety
  title: "Đặt khóa màn hình"
  check: "Khóa máy rồi mở lại được."
`

const miniTasksEN = `- key: cai-vneid
  module: public-services
  title: "Installed VNeID from CH Play"
  check: "The learner finds and installs it."
`

func tasksContent(vi, en string) fstest.MapFS {
	fsys := testutil.MiniContent()
	if vi != "" {
		fsys["vi/tasks.yaml"] = &fstest.MapFile{Data: []byte(vi)}
	}
	if en != "" {
		fsys["en/tasks.yaml"] = &fstest.MapFile{Data: []byte(en)}
	}
	return fsys
}

func TestTasksLoadAndFallBack(t *testing.T) {
	cat, err := Load(tasksContent(miniTasks, miniTasksEN), "content")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	vi := cat.Tasks("vi")
	if len(vi) != 2 || vi[0].Key != "cai-vneid" || vi[1].Key != "khoa-man-hinh" {
		t.Fatalf("vi tasks = %+v", vi)
	}
	if vi[0].Source == nil || vi[0].Source.URL != "https://example.org/nguon" || vi[1].Source != nil {
		t.Errorf("sources = %+v, %+v", vi[0].Source, vi[1].Source)
	}
	en := cat.Tasks("en")
	if en[0].Title != "Installed VNeID from CH Play" || en[0].Locale != "en" {
		t.Errorf("translated task = %q in %s", en[0].Title, en[0].Locale)
	}
	if en[1].Title != "Đặt khóa màn hình" || en[1].Locale != "vi" {
		t.Errorf("untranslated task = %q in %s, want the Vietnamese one", en[1].Title, en[1].Locale)
	}
	if got, ok := cat.Task("fr", "khoa-man-hinh"); !ok || got.Locale != "vi" {
		t.Errorf("unknown locale: %v %v", got, ok)
	}
	if _, ok := cat.Task("vi", "khong-co"); ok {
		t.Error("found a task that does not exist")
	}
	none, err := Load(testutil.MiniContent(), "content")
	if err != nil || len(none.Tasks("vi")) != 0 {
		t.Errorf("a tree without tasks.yaml: %v, %d tasks", err, len(none.Tasks("vi")))
	}
}

// TestTaskProblems: each mistake in a task list stops the load with
// file:line and the reason.
func TestTaskProblems(t *testing.T) {
	const vi = "content/vi/tasks.yaml"
	const en = "content/en/tasks.yaml"
	edit := func(old, new string) string {
		if !strings.Contains(miniTasks, old) {
			panic("fixture does not contain " + old)
		}
		return strings.Replace(miniTasks, old, new, 1)
	}
	tests := []struct {
		name   string
		vi, en string
		want   string
	}{
		{"empty file", "\n", "", vi + ":1: the task list is empty"},
		{"not a list", "key: x\n", "", vi + ":1: cannot unmarshal"},
		{"unknown field", edit("  check: \"Khóa", "  chek: \"Khóa"), "", vi + ":12: unknown key \"chek\""},
		{"missing key", edit("- key: khoa-man-hinh\n  module", "- module"), "", vi + ":9: task 2 has no key"},
		{"bad key", edit("key: khoa-man-hinh", "key: Khóa_Màn_Hình"), "", vi + ":9: key \"Khóa_Màn_Hình\" must be lower-case"},
		{"duplicate key", edit("key: khoa-man-hinh", "key: cai-vneid"), "", vi + ":9: duplicate key \"cai-vneid\": line 2 uses it too"},
		{"missing module", edit("  module: data-safety\n", ""), "", vi + ":9: task \"khoa-man-hinh\" has no module"},
		{"unknown module", edit("module: data-safety", "module: mang-xa-hoi"), "", vi + ":10: unknown module \"mang-xa-hoi\""},
		{"missing title", edit(`title: "Đặt khóa màn hình"`, `title: ""`), "", vi + ":9: task \"khoa-man-hinh\" has no title"},
		{"title too long", edit(`title: "Đặt khóa màn hình"`, `title: "`+strings.Repeat("ạ", 81)+`"`), "", vi + ":11: the title of task \"khoa-man-hinh\" has 81 characters"},
		{"missing check", edit(`check: "Khóa máy rồi mở lại được."`, `check: " "`), "", vi + ":9: task \"khoa-man-hinh\" has no check"},
		{"check too long", edit(`check: "Khóa máy rồi mở lại được."`, `check: "`+strings.Repeat("ạ", 301)+`"`), "", vi + ":12: the check of task \"khoa-man-hinh\" has 301 characters"},
		{"source without title", edit(`title: "Nguồn"`, `title: ""`), "", vi + ":6: the source of task \"cai-vneid\" needs a title"},
		{"source without address", edit(`url: "https://example.org/nguon"`, `url: "example.org"`), "", vi + ":8: the source of task \"cai-vneid\" needs a full web address"},
		{"translation of an unknown task", miniTasks, strings.Replace(miniTasksEN, "key: cai-vneid", "key: cai-zalo", 1), en + ":1: task \"cai-zalo\" is not in content/vi/tasks.yaml"},
		{"translation in another module", miniTasks, strings.Replace(miniTasksEN, "module: public-services", "module: internet", 1), en + ":1: task \"cai-vneid\" belongs to module \"public-services\""},
		{"bad translation", miniTasks, strings.Replace(miniTasksEN, "check: \"The learner finds and installs it.\"", "check: \"\"", 1), en + ":1: task \"cai-vneid\" has no check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tasksContent(tt.vi, tt.en), "content")
			wantProblem(t, err, tt.want)
		})
	}
}

// TestShippedTasks: the task list in content/ names every task the issue
// asks for, covers the modules, and sources each task that names a real
// service (VNeID, VietQR, the public service portal, 156, Zalo).
func TestShippedTasks(t *testing.T) {
	cat, err := Load(content.FS, "content")
	if err != nil {
		t.Fatal(err)
	}
	tasks := cat.Tasks("vi")
	keys := map[string]*Task{}
	modules := map[string]bool{}
	for _, task := range tasks {
		keys[task.Key] = task
		modules[task.Module] = true
		named := false
		for _, service := range []string{"VNeID", "VietQR", "dichvucong", "156", "Zalo", "căn cước"} {
			named = named || strings.Contains(task.Title+task.Check, service)
		}
		if named && task.Source == nil {
			t.Errorf("task %s names a real service but has no source", task.Key)
		}
	}
	for _, want := range []string{"cai-vneid", "vneid-muc-2", "tra-tien-vietqr", "nop-ho-so-truc-tuyen", "khoa-man-hinh", "bao-cao-156"} {
		if keys[want] == nil {
			t.Errorf("the task list lacks %s", want)
		}
	}
	if len(modules) != len(ModuleSlugs()) {
		t.Errorf("tasks cover %d modules, want all %d", len(modules), len(ModuleSlugs()))
	}
	for _, task := range cat.Tasks("en") {
		if task.Locale != "en" {
			t.Errorf("task %s has no English text", task.Key)
		}
	}
}
