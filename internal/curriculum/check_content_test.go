package curriculum_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
)

// checkAsLesson wraps the check's questions as one lesson, the shape the
// quiz statistics read.
func checkAsLesson(ch *curriculum.Check) *curriculum.Lesson {
	l := &curriculum.Lesson{File: ch.File}
	for _, q := range ch.Questions {
		l.Quiz = append(l.Quiz, q.Question)
	}
	return l
}

// TestShippedCheck holds the before/after check we ship to the quiz rules
// of content/README.md on its own (it is a set of its own), asks that no
// question repeats a lesson's question, that it covers every module with
// the same number of questions, and that its English twin explains every
// option like the lessons do. Run with -v to read its numbers.
func TestShippedCheck(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	vi := cat.Check("vi")
	if vi == nil {
		t.Fatal("the content has no before/after check (vi/check.yaml)")
	}
	s := curriculum.ComputeQuizStats([]*curriculum.Lesson{checkAsLesson(vi)})
	logQuizStats(t, s)
	for _, p := range s.Check() {
		t.Error(p)
	}

	// No question of the check asks what a lesson already asks: the check
	// measures what residents can do, not whether they remember a quiz.
	var lessons []*curriculum.Lesson
	for _, m := range cat.Modules("vi") {
		lessons = append(lessons, m.Lessons...)
	}
	worst, worstPair := 0.0, ""
	for _, q := range vi.Questions {
		for _, l := range lessons {
			for _, lq := range l.Quiz {
				sim := curriculum.QuestionSimilarity(q.Text, lq.Text)
				if sim >= curriculum.NearDuplicate {
					t.Errorf("check %s and %s %s ask nearly the same question (similarity %.2f)", q.ID, l.File, lq.ID, sim)
				}
				if sim > worst {
					worst, worstPair = sim, q.ID+" | "+l.File+" "+lq.ID
				}
			}
		}
	}
	t.Logf("most similar to a lesson question: %s (%.2f)", worstPair, worst)

	perModule := map[string]int{}
	var competences []string
	for _, q := range vi.Questions {
		perModule[q.Module]++
		if !slices.Contains(competences, q.Competence) {
			competences = append(competences, q.Competence)
		}
	}
	for _, m := range curriculum.ModuleSlugs() {
		if perModule[m] != len(vi.Questions)/len(curriculum.ModuleSlugs()) {
			t.Errorf("module %s has %d questions; the check weighs the six modules equally (%v)", m, perModule[m], perModule)
		}
	}
	slices.Sort(competences)
	t.Logf("%d questions, competences %s", len(vi.Questions), strings.Join(competences, " "))

	en := cat.Check("en")
	if en.Locale != "en" {
		t.Error("the check has no English translation (en/check.yaml)")
	}
	for _, ch := range []*curriculum.Check{vi, en} {
		prefix := map[string][2]string{"vi": {"Đúng.", "Sai."}, "en": {"Right.", "Wrong."}}[ch.Locale]
		for _, q := range ch.Questions {
			for _, o := range q.Options {
				want := prefix[1]
				if o.Correct {
					want = prefix[0]
				}
				if !strings.HasPrefix(o.Explanation, want) {
					t.Errorf("%s %s%s: the explanation should start with %q", ch.File, q.ID, o.ID, want)
				}
			}
		}
	}
}
