package demo_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// TestDemoClassesHaveSomethingToShow: every pilot class met six times in
// the last three weeks with attendance taken, has its next session planned
// and none today (the trainer opens it); real tasks are ticked; some
// lessons were finished in person; and the needs-help rules flag someone
// for each of their three reasons.
func TestDemoClassesHaveSomethingToShow(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	_, err := demo.Load(ctx, st, demo.Options{Learners: 80, Catalog: testutil.Catalog(t), PasswordCost: bcrypt.MinCost})
	assert.NoErr(t, err)
	classes, err := st.ClassesUnder(ctx, "/")
	assert.NoErr(t, err)
	assert.True(t, len(classes) > 0, "no demo classes")
	vn, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	today := time.Now().In(vn).Format("2006-01-02")
	var ids []int64
	for _, cl := range classes {
		ids = append(ids, cl.ID)
		list, err := st.ClassSessions(ctx, cl.ID)
		assert.NoErr(t, err)
		assert.Equal(t, len(list), 7)
		assert.True(t, list[0].HeldOn > today && list[0].TakenAt == nil, "class %d: the newest session %s is not a planned one", cl.ID, list[0].HeldOn)
		for _, s := range list[1:] {
			assert.True(t, s.HeldOn < today && s.TakenAt != nil && len(s.Lessons) == 2, "class %d: session %+v", cl.ID, s)
		}
	}
	snap, err := st.ClassSnapshot(ctx, ids, today, 2)
	assert.NoErr(t, err)
	verified := 0
	for _, p := range snap.Progress {
		if p.VerifiedBy != nil {
			verified++
		}
	}
	assert.True(t, verified > 0, "no lesson finished in person")
	ticked, err := st.TaskCountsUnder(ctx, "/")
	assert.NoErr(t, err)
	assert.True(t, len(ticked) > 3, "only %d tasks ticked", len(ticked))
	reasons := map[learning.Reason]int{}
	for _, r := range learning.Records(snap, vn) {
		for _, f := range learning.NeedsHelp(r, learning.DefaultThresholds(), time.Now()) {
			reasons[f.Reason]++
		}
	}
	t.Logf("needs help in the demo: %v", reasons)
	for _, want := range []learning.Reason{learning.ReasonFailed, learning.ReasonAbsent, learning.ReasonInactive} {
		assert.True(t, reasons[want] > 0, "nobody flagged as %s", want)
	}
}
