package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
)

// The trainers' side of the demo: each pilot commune's classes met twice a
// week over the last three weeks, with attendance, a few lessons finished
// in person, real tasks ticked, and a few learners who need help (failed
// a lesson again and again, missed the last sessions, stopped coming), so
// every trainer page has something real to show. Today is left free for
// the trainer to open; the next session is already planned.

// createClassWork fills the pilot communes' classes. It needs the
// curriculum (sessions teach its lessons); without one it does nothing.
func createClassWork(ctx context.Context, st *store.Store, opts Options, pilots []string) error {
	if opts.Catalog == nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 2025))
	rec := learning.New(st, opts.Catalog)
	vn, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		return err
	}
	now := time.Now()
	y, m, d := now.In(vn).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, vn)
	var lessons []store.LessonRef
	for _, mod := range opts.Catalog.Modules(curriculum.DefaultLocale) {
		for _, l := range mod.Lessons {
			lessons = append(lessons, store.LessonRef{Module: mod.Slug, Lesson: l.Slug})
		}
	}
	tasks := opts.Catalog.Tasks(curriculum.DefaultLocale)
	for _, code := range pilots {
		trainer, err := st.UserByUsername(ctx, "gv"+code)
		if err != nil {
			return err
		}
		classes, err := st.ClassesByUnit(ctx, code)
		if err != nil {
			return err
		}
		for ci, cl := range classes {
			w := classWork{st: st, rec: rec, cat: opts.Catalog, rng: rng, trainer: trainer.ID, class: cl, lessons: lessons, tasks: tasks, today: today, now: now}
			if err := w.fill(ctx, ci); err != nil {
				return fmt.Errorf("demo: class %s of %s: %w", cl.Name, code, err)
			}
		}
	}
	return nil
}

type classWork struct {
	st       *store.Store
	rec      *learning.Recorder
	cat      *curriculum.Catalog
	rng      *rand.Rand
	trainer  int64
	class    store.Class
	learners []store.Learner
	lessons  []store.LessonRef
	tasks    []*curriculum.Task
	today    time.Time
	now      time.Time
}

func (w *classWork) fill(ctx context.Context, index int) error {
	var err error
	if w.learners, err = w.st.ClassLearners(ctx, w.class.ID); err != nil {
		return err
	}
	// Who needs help, on purpose: the first learner (by name) fails a
	// lesson three times; in the morning class the second misses the last
	// two sessions, in the evening class they have not come for two weeks.
	failer, absentee, away := int64(-1), int64(-1), int64(-1)
	if len(w.learners) > 0 {
		failer = w.learners[0].ID
	}
	if len(w.learners) > 1 && index%2 == 0 {
		absentee = w.learners[1].ID
	} else if len(w.learners) > 1 {
		away = w.learners[1].ID
	}
	next := index * 4                      // the morning and evening classes teach from different places in the course
	daysAgo := []int{20, 17, 13, 10, 6, 3} // twice a week, the last three weeks
	for si, ago := range daysAgo {
		day := w.today.AddDate(0, 0, -ago)
		taught := w.take(&next, 2)
		s, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: day.Format("2006-01-02"), By: w.trainer, Lessons: taught})
		if err != nil {
			return err
		}
		var present []int64
		for _, l := range w.learners {
			switch {
			case l.CreatedAt.After(day.Add(20 * time.Hour)): // joined later
			case l.ID == absentee && si >= len(daysAgo)-2:
			case l.ID == away && ago < 14:
			case w.rng.IntN(7) == 0: // about one in seven stays home
			default:
				present = append(present, l.ID)
			}
		}
		if _, err := w.st.SaveAttendance(ctx, w.class.ID, s.ID, present); err != nil {
			return err
		}
		// A few who came finished the first lesson on the trainer's phone.
		noon := day.Add(12 * time.Hour)
		for _, id := range present {
			if w.rng.IntN(4) == 0 {
				if _, err := w.rec.Verify(ctx, w.trainer, id, taught[0].Module, taught[0].Lesson, noon); err != nil {
					return err
				}
			}
		}
	}
	planned := w.today.AddDate(0, 0, 2+2*index)
	if _, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: planned.Format("2006-01-02"), By: w.trainer, Lessons: w.take(&next, 2)}); err != nil {
		return err
	}
	if failer >= 0 {
		if err := w.failThrice(ctx, failer); err != nil {
			return err
		}
	}
	return w.tickTasks(ctx)
}

// take returns the next n lessons of the course, going round at the end.
func (w *classWork) take(next *int, n int) []store.LessonRef {
	out := make([]store.LessonRef, n)
	for i := range out {
		out[i] = w.lessons[*next%len(w.lessons)]
		*next++
	}
	return out
}

// failThrice has a learner fail the first lesson they have not completed,
// three times over the last days: the "re-teach this lesson" flag.
func (w *classWork) failThrice(ctx context.Context, id int64) error {
	pm, err := w.st.ProgressMap(ctx, id)
	if err != nil {
		return err
	}
	for _, ref := range w.lessons {
		if pm.Lesson(ref.Module, ref.Lesson) == progress.Completed {
			continue
		}
		lesson, _ := w.cat.Lesson(curriculum.DefaultLocale, ref.Module, ref.Lesson)
		for i := range 3 {
			at := w.now.Add(-time.Duration(72-24*i) * time.Hour)
			_, err := w.rec.Answer(ctx, id, learning.Answer{Module: ref.Module, Lesson: ref.Lesson, Choices: lesson.SampleAnswers(0),
				Submission: fmt.Sprintf("demo-help-%s-%d", ref.Lesson, i), At: at})
			if err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// tickTasks ticks a few real tasks per learner, alone or with help, on
// days of the last three weeks.
func (w *classWork) tickTasks(ctx context.Context) error {
	if len(w.tasks) == 0 {
		return nil
	}
	var ticks []store.TaskTick
	for _, l := range w.learners {
		for _, i := range w.rng.Perm(len(w.tasks))[:w.rng.IntN(4)] {
			day := w.today.AddDate(0, 0, -w.rng.IntN(21))
			ticks = append(ticks, store.TaskTick{LearnerID: l.ID, Task: w.tasks[i].Key, Alone: w.rng.IntN(5) < 3,
				DoneOn: day.Format("2006-01-02"), TickedBy: &w.trainer})
		}
	}
	return w.st.TickTasks(ctx, ticks)
}
