package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// TestImplausibleSessions: a trainer taking two classes' attendance within
// a minute on the day they are held is flagged, but not when the same two
// sessions are filled in on a later day or an hour apart; a session with
// the lessons and the learners of an earlier one is flagged as a repeat,
// a small class's is not.
func TestImplausibleSessions(t *testing.T) {
	w := newClassWorld(t, 8)
	ctx := context.Background()
	other := store.Class{UnitCode: "29623", Name: "Lớp tối", JoinCode: "GHJKLM", TrainerID: &w.trainer.ID}
	assert.NoErr(t, w.st.CreateClass(ctx, &other))
	var evening []int64
	for _, name := range []string{"Tối Một", "Tối Hai"} {
		l := store.Learner{Name: name, BirthYear: 1970, UnitCode: "29623", ClassID: &other.ID}
		assert.NoErr(t, w.st.CreateLearner(ctx, &l))
		evening = append(evening, l.ID)
	}
	lessons := []store.LessonRef{{Module: "internet", Lesson: "a"}}
	session := func(class int64, day string, present []int64) {
		t.Helper()
		s, err := w.st.OpenSession(ctx, store.OpenSessionInput{ClassID: class, HeldOn: day, By: w.trainer.ID, Lessons: lessons})
		assert.NoErr(t, err)
		_, err = w.st.SaveAttendance(ctx, class, s.ID, present)
		assert.NoErr(t, err)
	}
	// 2026-03-02, 10:00 in Vietnam: both classes within 20 seconds.
	session(w.class.ID, "2026-03-02", w.ids(0, 6))
	w.clk.Add(20 * time.Second)
	session(other.ID, "2026-03-02", evening)
	// Yesterday's two sessions, filled in today one after the other.
	w.clk.Add(5 * time.Second)
	session(w.class.ID, "2026-03-01", w.ids(0, 3))
	session(other.ID, "2026-03-01", evening)
	// An hour apart on the day: two classes, plausibly.
	w.clk.Add(24 * time.Hour)
	session(w.class.ID, "2026-03-03", w.ids(2, 8))
	w.clk.Add(time.Hour)
	session(other.ID, "2026-03-03", evening[:1])
	// The same lessons and six learners as on 03-02: a repeat. The evening
	// class's two learners again: too few to tell.
	w.clk.Add(24 * time.Hour)
	session(w.class.ID, "2026-03-04", w.ids(0, 6))
	w.clk.Add(2 * time.Hour)
	session(other.ID, "2026-03-04", evening)

	flags, err := w.st.ImplausibleSessions(ctx, "/", "2026-01-01")
	assert.NoErr(t, err)
	assert.Equal(t, len(flags), 2)
	assert.Equal(t, flags[0].Reason, store.SessionRepeat)
	assert.Equal(t, flags[0].HeldOn+" "+flags[0].OtherOn+" "+flags[0].ClassName, "2026-03-04 2026-03-02 Lớp sáng")
	assert.Equal(t, flags[0].Present, 6)
	assert.Equal(t, flags[1].Reason, store.SessionSameTime)
	assert.Equal(t, flags[1].HeldOn+" "+flags[1].ClassName+" "+flags[1].Other+" "+flags[1].Trainer, "2026-03-02 Lớp tối Lớp sáng gv29623")
	// Outside the scope, nothing.
	elsewhere, err := w.st.UnitByCode(ctx, "29999")
	assert.NoErr(t, err)
	none, err := w.st.ImplausibleSessions(ctx, elsewhere.Path, "2026-01-01")
	assert.NoErr(t, err)
	assert.Equal(t, len(none), 0)
}
