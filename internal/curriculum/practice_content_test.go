package curriculum_test

import (
	"strings"
	"testing"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
)

// TestShippedPractice holds the shipped scenarios to what the issue asks
// beyond the loader's rules: at least eight drills, every module linked to
// one, an English twin for each, both kinds of outcome in each, and
// look-alike screens that carry no real brand in their top bar or heading
// (names like "Ngân hàng ABC").
func TestShippedPractice(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	all := cat.Scenarios("vi")
	if len(all) < 8 {
		t.Errorf("%d scenarios; the curriculum needs at least 8", len(all))
	}
	for _, s := range all {
		if en, _ := cat.Scenario("en", s.Slug); en.Locale != "en" {
			t.Errorf("%s has no English translation", s.File)
		}
	}
	for _, m := range curriculum.ModuleSlugs() {
		if len(cat.ScenariosOf("vi", m)) == 0 {
			t.Errorf("module %s has no practice scenario", m)
		}
	}
	brands := []string{"zalo", "facebook", "telegram", "vietcombank", "agribank", "bidv", "vietinbank", "techcombank", "mb bank", "momo", "viettel", "shopee", "lazada", "tiktok", "google"}
	for _, lang := range curriculum.Locales() {
		for _, s := range cat.Scenarios(lang) {
			if s.Locale != lang {
				continue
			}
			safe, unsafe := 0, 0
			for _, o := range s.Outcomes {
				if o.Safe {
					safe++
				} else {
					unsafe++
				}
			}
			if safe == 0 || unsafe == 0 {
				t.Errorf("%s: %d safe and %d unsafe outcomes; a drill needs both", s.File, safe, unsafe)
			}
			for _, st := range s.Steps {
				for _, label := range []string{st.Screen.App, st.Screen.Title} {
					for _, b := range brands {
						if strings.Contains(strings.ToLower(label), b) {
							t.Errorf("%s step %s: the screen's %q names a real brand; use a made-up name", s.File, st.ID, label)
						}
					}
				}
			}
		}
	}
}
