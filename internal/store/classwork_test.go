package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// classWorld is a commune (29623, under /86/858/) with a trainer, a class
// of n learners, and a second commune (29999, another district) with its
// own learner.
type classWorld struct {
	st       *store.Store
	clk      *clock
	trainer  store.User
	class    store.Class
	learners []store.Learner
	outsider store.Learner
}

func newClassWorld(t *testing.T, n int) *classWorld {
	t.Helper()
	ctx := context.Background()
	st, clk := storeAt(t, time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)) // 10:00 in Vietnam
	_, _, err := st.ImportUnits(ctx, parse(t, "code,name,level,parent_code\n86,Tỉnh Vĩnh Long,province,\n855,Huyện Long Hồ,district,86\n29999,Xã Khác,commune,855\n"), "more.csv")
	assert.NoErr(t, err)
	w := &classWorld{st: st, clk: clk, trainer: store.User{Username: "gv29623", PasswordHash: "x", Role: "trainer", UnitCode: "29623"}}
	assert.NoErr(t, st.CreateUser(ctx, &w.trainer))
	w.class = store.Class{UnitCode: "29623", Name: "Lớp sáng", JoinCode: "ABCDEF", TrainerID: &w.trainer.ID}
	assert.NoErr(t, st.CreateClass(ctx, &w.class))
	for i := range n {
		l := store.Learner{Name: fmt.Sprintf("Học Viên %02d", i), BirthYear: 1960, UnitCode: "29623", ClassID: &w.class.ID}
		assert.NoErr(t, st.CreateLearner(ctx, &l))
		w.learners = append(w.learners, l)
	}
	w.outsider = store.Learner{Name: "Người Xã Khác", BirthYear: 1961, UnitCode: "29999"}
	assert.NoErr(t, st.CreateLearner(ctx, &w.outsider))
	return w
}

func (w *classWorld) ids(from, to int) []int64 {
	var out []int64
	for _, l := range w.learners[from:to] {
		out = append(out, l.ID)
	}
	return out
}

func TestScopedClassAndLearner(t *testing.T) {
	w := newClassWorld(t, 1)
	ctx := context.Background()
	for _, path := range []string{"/86/", "/86/858/", "/86/858/29623/"} {
		_, err := w.st.ClassUnder(ctx, w.class.ID, path)
		assert.NoErr(t, err)
		_, err = w.st.ScopedLearner(ctx, w.learners[0].ID, path)
		assert.NoErr(t, err)
	}
	for _, path := range []string{"/86/855/", "/86/855/29999/"} {
		_, err := w.st.ClassUnder(ctx, w.class.ID, path)
		assert.ErrIs(t, err, store.ErrNotFound)
		_, err = w.st.ScopedLearner(ctx, w.learners[0].ID, path)
		assert.ErrIs(t, err, store.ErrNotFound)
	}
	_, err := w.st.ScopedLearner(ctx, w.outsider.ID, "/86/858/")
	assert.ErrIs(t, err, store.ErrNotFound)
}

func TestOpenSessionIsOnePerDay(t *testing.T) {
	w := newClassWorld(t, 0)
	ctx := context.Background()
	a := store.LessonRef{Module: "internet", Lesson: "a"}
	b := store.LessonRef{Module: "email", Lesson: "b"}
	s1, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: "2026-03-02", By: w.trainer.ID, Lessons: []store.LessonRef{a, a}})
	assert.NoErr(t, err)
	s2, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: "2026-03-02", By: w.trainer.ID, Lessons: []store.LessonRef{b, a}})
	assert.NoErr(t, err)
	assert.Equal(t, s2.ID, s1.ID)
	_, lessons, err := w.st.ClassSession(ctx, w.class.ID, s1.ID)
	assert.NoErr(t, err)
	assert.Equal(t, lessons, []store.LessonRef{b, a}) // by module, then lesson
	other, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: "2026-03-05", By: w.trainer.ID, Lessons: []store.LessonRef{a}})
	assert.NoErr(t, err)
	list, err := w.st.ClassSessions(ctx, w.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(list), 2)
	assert.Equal(t, list[0].ID, other.ID) // newest first
	assert.Equal(t, list[1].Lessons, []store.LessonRef{b, a})
	_, _, err = w.st.ClassSession(ctx, w.class.ID+1, s1.ID)
	assert.ErrIs(t, err, store.ErrNotFound)
}

func TestSaveAttendanceMarksEveryLearnerOfTheClass(t *testing.T) {
	w := newClassWorld(t, 5)
	ctx := context.Background()
	s, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: "2026-03-02", By: w.trainer.ID})
	assert.NoErr(t, err)
	// Three present, plus the id of someone outside the class: ignored.
	res, err := w.st.SaveAttendance(ctx, w.class.ID, s.ID, append(w.ids(0, 3), w.outsider.ID))
	assert.NoErr(t, err)
	assert.Equal(t, res, store.AttendanceResult{Present: 3, Absent: 2})
	marks, err := w.st.SessionAttendance(ctx, s.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(marks), 5)
	assert.True(t, marks[w.learners[0].ID] && !marks[w.learners[4].ID], "marks %v", marks)
	// Saving again replaces the marks.
	res, err = w.st.SaveAttendance(ctx, w.class.ID, s.ID, w.ids(4, 5))
	assert.NoErr(t, err)
	assert.Equal(t, res, store.AttendanceResult{Present: 1, Absent: 4})
	list, err := w.st.ClassSessions(ctx, w.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, list[0].Present, 1)
	assert.Equal(t, list[0].Absent, 4)
	assert.True(t, list[0].TakenAt != nil, "attendance taken but not noted")
	mine, err := w.st.AttendanceOf(ctx, w.learners[4].ID)
	assert.NoErr(t, err)
	assert.Equal(t, mine, []store.LearnerAttendance{{SessionID: s.ID, HeldOn: "2026-03-02", Present: true}})
}

// TestAttendanceOfFortyIsOneTransaction: saving the marks of 40 learners
// sends the same few statements as saving 4 (no statement per learner),
// and when the database refuses one of the 40 marks, nothing is written:
// the earlier marks and the "taken" time stay as they were.
func TestAttendanceOfFortyIsOneTransaction(t *testing.T) {
	w := newClassWorld(t, 40)
	ctx := context.Background()
	s, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: "2026-03-02", By: w.trainer.ID})
	assert.NoErr(t, err)
	var res store.AttendanceResult
	forty := w.st.CountQueries(func() {
		res, err = w.st.SaveAttendance(ctx, w.class.ID, s.ID, w.ids(0, 40))
	})
	assert.NoErr(t, err)
	assert.Equal(t, res, store.AttendanceResult{Present: 40})
	four := w.st.CountQueries(func() {
		_, err = w.st.SaveAttendance(ctx, w.class.ID, s.ID, w.ids(0, 4))
	})
	assert.NoErr(t, err)
	t.Logf("statements to save attendance: %d for 40 present, %d for 4 present", forty, four)
	assert.Equal(t, forty, four)
	// Four for the marks; up to five more keep the trainer's "learners
	// reached" report counter (read the session's trainer, on PostgreSQL
	// lock its counter row, count before and after, bump), whatever the
	// size of the class.
	assert.True(t, forty <= 9, "%d statements for one class's attendance", forty)

	before, err := w.st.ClassSessions(ctx, w.class.ID)
	assert.NoErr(t, err)
	// A trap: the database refuses the mark of the last learner, after the
	// old marks were deleted and 39 new ones were on their way.
	victim := w.learners[39].ID
	if w.st.Dialect() == store.Postgres {
		assert.NoErr(t, w.st.ExecForTest(ctx, fmt.Sprintf(`CREATE FUNCTION refuse_mark() RETURNS trigger AS $$
BEGIN IF NEW.learner_id = %d THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`, victim)))
		assert.NoErr(t, w.st.ExecForTest(ctx, `CREATE TRIGGER refuse_mark BEFORE INSERT ON attendance FOR EACH ROW EXECUTE FUNCTION refuse_mark()`))
	} else {
		assert.NoErr(t, w.st.ExecForTest(ctx, fmt.Sprintf(`CREATE TRIGGER refuse_mark BEFORE INSERT ON attendance
WHEN NEW.learner_id = %d BEGIN SELECT RAISE(ABORT, 'refused'); END`, victim)))
	}
	w.clk.Add(time.Hour)
	_, err = w.st.SaveAttendance(ctx, w.class.ID, s.ID, w.ids(10, 40))
	assert.True(t, err != nil && strings.Contains(err.Error(), "refused"), "the trap did not fire: %v", err)
	marks, err := w.st.SessionAttendance(ctx, s.ID)
	assert.NoErr(t, err)
	present := 0
	for _, p := range marks {
		if p {
			present++
		}
	}
	assert.Equal(t, len(marks), 40)
	assert.Equal(t, present, 4) // the marks saved before, untouched
	after, err := w.st.ClassSessions(ctx, w.class.ID)
	assert.NoErr(t, err)
	assert.True(t, after[0].TakenAt.Equal(*before[0].TakenAt), "taken_at moved: %v → %v", before[0].TakenAt, after[0].TakenAt)
}

func TestVerifyLessonCompletesOnceAndEarnsCertificates(t *testing.T) {
	w := newClassWorld(t, 2)
	ctx := context.Background()
	l := w.learners[0]
	modules := map[string][]string{"internet": {"a", "b"}}
	in := store.VerifyInput{LearnerID: l.ID, Module: "internet", Lesson: "a", By: w.trainer.ID, Modules: modules}
	// A failed quiz first: the record exists, started.
	_, err := w.st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: "a", Choices: map[string]string{"q1": "b"},
		Score: 0, Total: 3, Submission: "sub-00000001", Modules: modules})
	assert.NoErr(t, err)
	w.clk.Add(time.Hour)
	res, err := w.st.VerifyLesson(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res.AlreadyCompleted, false)
	assert.Equal(t, len(res.Issued), 0)
	again, err := w.st.VerifyLesson(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, again.AlreadyCompleted, true)
	rows, err := w.st.ProgressOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(rows), 1)
	assert.Equal(t, rows[0].Status, "completed")
	assert.Equal(t, rows[0].Attempts, 1)
	assert.True(t, rows[0].VerifiedBy != nil && *rows[0].VerifiedBy == w.trainer.ID, "verified_by = %v", rows[0].VerifiedBy)
	// The second lesson, verified with a date in the past, completes the
	// module: its certificate comes with it, and last activity stays.
	got, _ := w.st.LearnerByID(ctx, l.ID)
	past := store.VerifyInput{LearnerID: l.ID, Module: "internet", Lesson: "b", By: w.trainer.ID, At: w.clk.Now().Add(-48 * time.Hour), Modules: modules}
	res, err = w.st.VerifyLesson(ctx, past)
	assert.NoErr(t, err)
	assert.Equal(t, len(res.Issued), 2) // the module and, with one module, the programme
	after, _ := w.st.LearnerByID(ctx, l.ID)
	assert.True(t, after.LastActiveAt.Equal(got.LastActiveAt), "last activity moved back: %v → %v", got.LastActiveAt, after.LastActiveAt)
	counts, err := w.st.DailyCounts(ctx, "29623")
	assert.NoErr(t, err)
	total := 0
	for _, c := range counts {
		total += c.LessonsCompleted
	}
	assert.Equal(t, total, 2)
	// A quiz passed after the in-person completion changes nothing of it.
	_, err = w.st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: "a", Choices: map[string]string{"q1": "a"},
		Score: 3, Total: 3, Passed: true, Submission: "sub-00000002", Modules: modules})
	assert.NoErr(t, err)
	rows, _ = w.st.ProgressOf(ctx, l.ID)
	assert.True(t, rows[0].VerifiedBy != nil, "a later quiz removed the trainer's mark")
}

func TestTaskTicksReplaceAndGoWithTheLearner(t *testing.T) {
	w := newClassWorld(t, 3)
	ctx := context.Background()
	by := &w.trainer.ID
	assert.NoErr(t, w.st.TickTasks(ctx, []store.TaskTick{
		{LearnerID: w.learners[0].ID, Task: "cai-vneid", Alone: false, DoneOn: "2026-03-01", TickedBy: by},
		{LearnerID: w.learners[1].ID, Task: "cai-vneid", Alone: true, DoneOn: "2026-03-01", TickedBy: by},
		{LearnerID: w.outsider.ID, Task: "cai-vneid", Alone: true, DoneOn: "2026-03-01", TickedBy: by},
	}))
	// "With help" becomes "alone" later: one row, the latest.
	assert.NoErr(t, w.st.TickTasks(ctx, []store.TaskTick{{LearnerID: w.learners[0].ID, Task: "cai-vneid", Alone: true, DoneOn: "2026-03-02", TickedBy: by}}))
	mine, err := w.st.TasksOf(ctx, w.learners[0].ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(mine), 1)
	assert.True(t, mine[0].Alone && mine[0].DoneOn == "2026-03-02", "tick %+v", mine[0])
	class, err := w.st.ClassTaskTicks(ctx, w.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(class), 2)
	counts, err := w.st.TaskCountsUnder(ctx, "/86/858/")
	assert.NoErr(t, err)
	assert.Equal(t, counts, []store.TaskCount{{Task: "cai-vneid", Alone: 2}})
	all, err := w.st.TaskCountsUnder(ctx, "/86/")
	assert.NoErr(t, err)
	assert.Equal(t, all, []store.TaskCount{{Task: "cai-vneid", Alone: 3}})

	assert.NoErr(t, w.st.UntickTask(ctx, w.learners[1].ID, "cai-vneid"))
	assert.ErrIs(t, w.st.UntickTask(ctx, w.learners[1].ID, "cai-vneid"), store.ErrNotFound)
	assert.NoErr(t, w.st.DeleteLearner(ctx, w.learners[0].ID))
	class, err = w.st.ClassTaskTicks(ctx, w.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(class), 0)

	totals, err := w.st.TrainerTotalsBetween(ctx, w.trainer.ID, "2026-03-01", "2026-03-31",
		time.Date(2026, 2, 28, 17, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC))
	assert.NoErr(t, err)
	assert.Equal(t, totals.Tasks, 1) // the outsider's tick; the others went with untick and deletion
}

// TestClassSnapshotQueriesDoNotGrowWithTheClass: the grid's data for a
// class of 40 takes as many statements as for a class of 4.
func TestClassSnapshotQueriesDoNotGrowWithTheClass(t *testing.T) {
	ctx := context.Background()
	count := func(n int) (int, store.ClassSnapshot) {
		w := newClassWorld(t, n)
		for i, l := range w.learners {
			for j, lesson := range []string{"a", "b", "c"} {
				_, err := w.st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: lesson, Choices: map[string]string{"q1": "a"},
					Score: 3, Total: 3, Passed: (i+j)%2 == 0, Submission: fmt.Sprintf("sub-%04d-%d", i, j)})
				assert.NoErr(t, err)
			}
		}
		assert.NoErr(t, w.st.TickTasks(ctx, []store.TaskTick{{LearnerID: w.learners[0].ID, Task: "khoa-man-hinh", Alone: true, DoneOn: "2026-03-01"}}))
		for _, day := range []string{"2026-02-20", "2026-02-25", "2026-03-02", "2026-03-09"} {
			s, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: w.class.ID, HeldOn: day, By: w.trainer.ID})
			assert.NoErr(t, err)
			if day != "2026-03-09" { // a session planned for next week: not taken
				_, err = w.st.SaveAttendance(ctx, w.class.ID, s.ID, w.ids(0, n/2))
				assert.NoErr(t, err)
			}
		}
		var snap store.ClassSnapshot
		var err error
		q := w.st.CountQueries(func() { snap, err = w.st.ClassSnapshot(ctx, []int64{w.class.ID}, "2026-03-02", 2) })
		assert.NoErr(t, err)
		return q, snap
	}
	small, snap4 := count(4)
	big, snap40 := count(40)
	t.Logf("class snapshot: %d statements for 4 learners, %d for 40", small, big)
	assert.Equal(t, big, small)
	assert.True(t, big <= 7, "%d statements", big)
	assert.Equal(t, len(snap4.Learners), 4)
	assert.Equal(t, len(snap40.Progress), 120)
	assert.Equal(t, len(snap40.Sessions), 4)
	assert.Equal(t, len(snap40.Recent), 80) // the last two taken sessions up to today, 40 marks each
	for _, m := range snap40.Recent {
		assert.True(t, m.HeldOn == "2026-03-02" || m.HeldOn == "2026-02-25", "mark of %s", m.HeldOn)
	}
	assert.Equal(t, snap40.LastPresent[snap40.Learners[0].ID], "2026-03-02")
	_, seen := snap40.LastPresent[snap40.Learners[39].ID]
	assert.True(t, !seen, "an absent learner has a last present day")
	assert.Equal(t, snap40.Tasks[snap40.Learners[0].ID], 1)
}

func TestSettingsAreReadAndWrittenTogether(t *testing.T) {
	w := newClassWorld(t, 0)
	ctx := context.Background()
	got, err := w.st.Settings(ctx, "a.x", "a.y")
	assert.NoErr(t, err)
	assert.Equal(t, len(got), 0)
	assert.NoErr(t, w.st.SetSettings(ctx, map[string]string{"a.x": "1", "a.y": "2"}))
	assert.NoErr(t, w.st.SetSettings(ctx, map[string]string{"a.y": "3"}))
	got, err = w.st.Settings(ctx, "a.x", "a.y", "a.z")
	assert.NoErr(t, err)
	assert.Equal(t, got, map[string]string{"a.x": "1", "a.y": "3"})
}
