package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/templates"
)

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	m, err := i18n.Messages(lang)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ids folds plural forms (id#one, id#other) into their message id.
func ids(m map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		id, _, _ := strings.Cut(k, "#")
		out[id] = append(out[id], v)
	}
	return out
}

func TestEveryMessageHasText(t *testing.T) {
	for _, lang := range i18n.Languages() {
		for id, text := range messages(t, lang) {
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s is empty", lang, id)
			}
			if strings.ContainsAny(text, "<>") {
				t.Errorf("%s: %s holds HTML; split the string around the markup instead", lang, id)
			}
		}
	}
}

func TestLanguagesHaveTheSameIDs(t *testing.T) {
	vi, en := ids(messages(t, "vi")), ids(messages(t, "en"))
	for id := range vi {
		if _, ok := en[id]; !ok {
			t.Errorf("en.toml lacks %s", id)
		}
	}
	for id := range en {
		if _, ok := vi[id]; !ok {
			t.Errorf("en.toml has %s, which vi.toml lacks", id)
		}
	}
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(texts []string) []string {
	set := map[string]bool{}
	for _, s := range texts {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			set[m[1]] = true
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestPlaceholdersMatch(t *testing.T) {
	vi, en := ids(messages(t, "vi")), ids(messages(t, "en"))
	for id, texts := range vi {
		if other, ok := en[id]; ok && !slices.Equal(placeholders(texts), placeholders(other)) {
			t.Errorf("%s: vi uses %v, en uses %v", id, placeholders(texts), placeholders(other))
		}
	}
}

// TestCountedMessagesHaveEveryForm asks each language for 0, 1, 2 and 5 of
// every counted message: a missing plural form comes back as the bare id.
func TestCountedMessagesHaveEveryForm(t *testing.T) {
	b, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range messages(t, "vi") {
		id, form, plural := strings.Cut(k, "#")
		if !plural || form != "other" {
			continue
		}
		for _, lang := range i18n.Languages() {
			for _, n := range []int{0, 1, 2, 5} {
				if got := b.Localizer(lang).N(id, n); got == id {
					t.Errorf("%s: %s has no form for %d", lang, id, n)
				}
			}
		}
	}
}

var (
	templateCall = regexp.MustCompile(`\.(?:T|N) "([^"]+)"`)
	goLiteral    = regexp.MustCompile(`"([a-z][a-z_]*(?:\.[a-z][a-z0-9_]*)+)"`)
)

// TestUsedIDsExist finds every message id used by the templates and the Go
// code of the web package and checks that vi.toml has it.
func TestUsedIDsExist(t *testing.T) {
	vi := ids(messages(t, "vi"))
	areas := map[string]bool{}
	for id := range vi {
		area, _, _ := strings.Cut(id, ".")
		areas[area] = true
	}
	used := map[string]string{} // id → where
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(templates.FS, p)
		for _, m := range templateCall.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = "templates/" + p
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("../web/*.go")
	if len(goFiles) == 0 {
		t.Fatal("no Go files found in ../web")
	}
	// Packages that name messages for the web layer to show (units' row
	// errors, checked against the database in store).
	more, _ := filepath.Glob("../units/*.go")
	goFiles = append(goFiles, append(more, "../store/units.go")...)
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goLiteral.FindAllStringSubmatch(string(data), -1) {
			if area, _, _ := strings.Cut(m[1], "."); areas[area] {
				used[m[1]] = f
			}
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d message ids in use; the scan is broken", len(used))
	}
	for id, where := range used {
		if _, ok := vi[id]; !ok {
			t.Errorf("%s uses %s, which vi.toml lacks", where, id)
		}
	}
}

func TestMatch(t *testing.T) {
	b, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ header, want string }{
		{"", "vi"},
		{"vi-VN,vi;q=0.9", "vi"},
		{"en-US,en;q=0.9", "en"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "en"},
		{"fr-FR", "vi"},
		{"garbage;;;", "vi"},
	}
	for _, tt := range tests {
		if got := b.Match(tt.header); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}
