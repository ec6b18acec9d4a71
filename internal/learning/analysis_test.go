package learning_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// In the mini curriculum every lesson is bat-wifi: q1 and q3 are right
// with "a", q2 with "b".
func TestAnalyseAnswersWorstFirst(t *testing.T) {
	cat, err := curriculum.Load(testutil.MiniContent(), "content")
	assert.NoErr(t, err)
	row := func(module, answers string) store.AnswerRow {
		return store.AnswerRow{Module: module, Lesson: "bat-wifi", Answers: answers}
	}
	rows := []store.AnswerRow{
		row("internet", `{"q1":"a","q2":"a","q3":"b"}`),
		row("internet", `{"q1":"b","q2":"a","q3":"a"}`),
		row("internet", `{"q1":"a","q2":"a","q3":"a"}`),
		row("internet", `{"q1":"a","q2":"b","q3":"a"}`),
		row("email", `{"q1":"b","q2":"b","q3":"a"}`),
		row("email", `{"q1":"z","q9":"a"}`),       // an option and a question that do not exist
		row("mang-xa-hoi", `{"q1":"a"}`),          // a lesson that does not exist
		row("internet", `not json`),               // a broken row
		row("data-safety", `{"q1":"a","q2":"b"}`), // all right
	}
	got := learning.AnalyseAnswers(cat, rows)
	type short struct {
		module, question string
		answers, wrong   int
		top              string
		pct              int
	}
	var s []short
	for _, q := range got {
		s = append(s, short{q.Module, q.Question, q.Answers, q.Wrong, q.TopWrong, q.WrongPercent()})
	}
	assert.Equal(t, s, []short{
		{"email", "q1", 1, 1, "b", 100},   // 1 of 1
		{"internet", "q2", 4, 3, "a", 75}, // 3 of 4
		{"internet", "q1", 4, 1, "b", 25}, // 1 of 4, before q3 in course order
		{"internet", "q3", 4, 1, "b", 25},
		{"email", "q2", 1, 0, "", 0},
		{"email", "q3", 1, 0, "", 0},
		{"data-safety", "q1", 1, 0, "", 0},
		{"data-safety", "q2", 1, 0, "", 0},
	})
}

// TestVerifyGoesThroughTheRecorder: an in-person completion of a lesson
// that is not in the curriculum is refused; a real one is recorded once.
func TestVerifyGoesThroughTheRecorder(t *testing.T) {
	st := testutil.NewDemoStore(t)
	cat := testutil.Catalog(t)
	rec := learning.New(st, cat)
	ctx := context.Background()
	admin, err := st.UserByUsername(ctx, "admin")
	assert.NoErr(t, err)
	communes, err := st.UnitsByLevel(ctx, "commune")
	assert.NoErr(t, err)
	l := store.Learner{Name: "Lê Thị Tư", BirthYear: 1958, UnitCode: communes[0].Code}
	assert.NoErr(t, st.CreateLearner(ctx, &l))
	m := cat.Modules("vi")[0]
	_, err = rec.Verify(ctx, admin.ID, l.ID, m.Slug, "khong-co-bai-nay", time.Now())
	assert.True(t, errors.Is(err, learning.ErrUnknownLesson), "unknown lesson: %v", err)
	res, err := rec.Verify(ctx, admin.ID, l.ID, m.Slug, m.Lessons[0].Slug, time.Now())
	assert.NoErr(t, err)
	assert.Equal(t, res.AlreadyCompleted, false)
	res, err = rec.Verify(ctx, admin.ID, l.ID, m.Slug, m.Lessons[0].Slug, time.Now())
	assert.NoErr(t, err)
	assert.Equal(t, res.AlreadyCompleted, true)
	pm, err := st.ProgressMap(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, pm.Module(m.Slug, cat.LessonsByModule()[m.Slug]).Done, 1)
}
