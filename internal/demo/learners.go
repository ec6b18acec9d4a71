package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

// fictionalName puts common family, middle and given names together at
// random, so no demo learner is a real person.
func fictionalName(rng *rand.Rand, gender string) string {
	family := []string{"Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi", "Đỗ", "Hồ"}
	middle := map[string][]string{"female": {"Thị", "Ngọc", "Thanh", "Kim"}, "male": {"Văn", "Minh", "Hữu", "Thanh"}}
	given := map[string][]string{
		"female": {"Hoa", "Lan", "Mai", "Cúc", "Hạnh", "Nhung", "Thảo", "Tư", "Sáu", "Út", "Hồng", "Xuân"},
		"male":   {"An", "Bình", "Dũng", "Hùng", "Nam", "Phúc", "Tâm", "Lộc", "Bảy", "Tám", "Hải", "Sơn"},
	}
	return pick(rng, family) + " " + pick(rng, middle[gender]) + " " + pick(rng, given[gender])
}

// createLearners makes demo learners: most in pilot communes and their
// classes, some elsewhere; with progress from nothing to the whole
// programme, taken over the last three months.
func createLearners(ctx context.Context, st *store.Store, opts Options, list []units.Unit, pilots []string) error {
	if opts.Learners == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 2022))
	var others []string
	isPilot := map[string]bool{}
	for _, p := range pilots {
		isPilot[p] = true
	}
	for _, u := range list {
		if u.Level == units.Commune && !isPilot[u.Code] {
			others = append(others, u.Code)
		}
	}
	classes := map[string][]store.Class{}
	for _, p := range pilots {
		cs, err := st.ClassesByUnit(ctx, p)
		if err != nil {
			return err
		}
		classes[p] = cs
	}
	var rec *learning.Recorder
	if opts.Catalog != nil {
		rec = learning.New(st, opts.Catalog)
	}
	now := time.Now()
	for i := range opts.Learners {
		gender := []string{"female", "male"}[rng.IntN(2)]
		name := fictionalName(rng, gender)
		l := store.Learner{Name: name, BirthYear: 1945 + rng.IntN(60), Gender: &gender,
			CreatedAt: now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)}
		if rng.IntN(5) < 4 { // four in five learn in a pilot commune's class
			l.UnitCode = pick(rng, pilots)
			class := pick(rng, classes[l.UnitCode])
			l.ClassID = &class.ID
		} else {
			l.UnitCode = pick(rng, others)
		}
		if err := st.CreateLearner(ctx, &l); err != nil {
			return fmt.Errorf("demo: learner %d: %w", i, err)
		}
		if opts.Catalog == nil {
			continue // no lessons given: learners without progress
		}
		if err := takeLessons(ctx, rec, rng, l, opts.Catalog); err != nil {
			return fmt.Errorf("demo: progress of learner %d: %w", i, err)
		}
	}
	return nil
}

// takeLessons passes a random number of lessons in course order (skewed
// towards the first modules, as in a real pilot), sometimes after a failed
// try. Answers are real choices of the lesson's quiz, recorded through the
// same entry point as a learner's own, so result pages, question statistics
// and certificates make sense.
func takeLessons(ctx context.Context, rec *learning.Recorder, rng *rand.Rand, l store.Learner, cat *curriculum.Catalog) error {
	target := int(float64(cat.LessonCount()+1) * rng.Float64() * rng.Float64() * 1.6)
	at := l.CreatedAt
	done := 0
	for _, m := range cat.Modules("vi") {
		for _, lesson := range m.Lessons {
			if done >= target {
				return nil
			}
			at = at.Add(time.Duration(30+rng.IntN(60*24)) * time.Minute)
			if now := time.Now(); at.After(now) {
				at = now
			}
			tries := []int{len(lesson.Quiz)}
			if rng.IntN(4) == 0 {
				tries = []int{rng.IntN(lesson.Pass), len(lesson.Quiz)} // failed first, then passed
			}
			for n, right := range tries {
				if _, err := rec.Answer(ctx, l.ID, learning.Answer{Module: m.Slug, Lesson: lesson.Slug,
					Choices: lesson.SampleAnswers(right), Submission: fmt.Sprintf("demo-%s-%s-%d", m.Slug, lesson.Slug, n), At: at}); err != nil {
					return err
				}
			}
			done++
		}
	}
	return nil
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }
