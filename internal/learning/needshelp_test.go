package learning_test

import (
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func TestNeedsHelpRules(t *testing.T) {
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	active := now.Add(-day)
	th := learning.DefaultThresholds()
	A, P, N := learning.Absent, learning.Present, learning.NotRecorded
	failed := func(n int, completed bool) learning.LessonRecord {
		return learning.LessonRecord{Module: "e-payment", Lesson: "tra-tien-bang-vietqr", Completed: completed, FailedAttempts: n}
	}
	tests := []struct {
		name string
		rec  learning.LearnerRecord
		th   learning.Thresholds
		want []learning.Flag
	}{
		{name: "all well", rec: learning.LearnerRecord{LastActive: active, Lessons: []learning.LessonRecord{failed(2, false)}, Recent: []learning.Mark{P, A}}},
		{name: "three failed attempts", rec: learning.LearnerRecord{LastActive: active, Lessons: []learning.LessonRecord{failed(3, false)}},
			want: []learning.Flag{{Reason: learning.ReasonFailed, Action: learning.ActionReteach, Module: "e-payment", Lesson: "tra-tien-bang-vietqr", Count: 3}}},
		{name: "passed since: not flagged", rec: learning.LearnerRecord{LastActive: active, Lessons: []learning.LessonRecord{failed(5, true)}}},
		{name: "completed in person since: not flagged", rec: learning.LearnerRecord{LastActive: active, Lessons: []learning.LessonRecord{{Module: "email", Lesson: "x", Completed: true, FailedAttempts: 4}}}},
		{name: "most failures first", rec: learning.LearnerRecord{LastActive: active, Lessons: []learning.LessonRecord{
			{Module: "email", Lesson: "x", FailedAttempts: 3}, {Module: "internet", Lesson: "y", FailedAttempts: 6}}},
			want: []learning.Flag{
				{Reason: learning.ReasonFailed, Action: learning.ActionReteach, Module: "internet", Lesson: "y", Count: 6},
				{Reason: learning.ReasonFailed, Action: learning.ActionReteach, Module: "email", Lesson: "x", Count: 3}}},
		{name: "absent twice", rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{A, A, P}},
			want: []learning.Flag{{Reason: learning.ReasonAbsent, Action: learning.ActionVisit, Count: 2}}},
		{name: "absent once, then present", rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{A, P, A}}},
		{name: "present last time", rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{P, A, A}}},
		{name: "only one session held", rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{A}}},
		{name: "joined after the earlier session", rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{A, N}}},
		{name: "a higher threshold", th: learning.Thresholds{FailedAttempts: 3, AbsentSessions: 3, InactiveDays: 14},
			rec: learning.LearnerRecord{LastActive: active, Recent: []learning.Mark{A, A, P}}},
		{name: "inactive 14 days", rec: learning.LearnerRecord{LastActive: now.Add(-14 * day)},
			want: []learning.Flag{{Reason: learning.ReasonInactive, Action: learning.ActionVisit, Count: 14, Since: now.Add(-14 * day)}}},
		{name: "inactive 13 days is not yet", rec: learning.LearnerRecord{LastActive: now.Add(-14*day + time.Hour)}},
		{name: "came to a session: active", rec: learning.LearnerRecord{LastActive: now.Add(-30 * day), LastPresent: now.Add(-3 * day), Recent: []learning.Mark{P}}},
		{name: "every reason at once", rec: learning.LearnerRecord{LastActive: now.Add(-20 * day), LastPresent: now.Add(-16 * day),
			Lessons: []learning.LessonRecord{failed(3, false)}, Recent: []learning.Mark{A, A}},
			want: []learning.Flag{
				{Reason: learning.ReasonFailed, Action: learning.ActionReteach, Module: "e-payment", Lesson: "tra-tien-bang-vietqr", Count: 3},
				{Reason: learning.ReasonAbsent, Action: learning.ActionVisit, Count: 2},
				{Reason: learning.ReasonInactive, Action: learning.ActionVisit, Count: 16, Since: now.Add(-16 * day)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			use := th
			if tt.th != (learning.Thresholds{}) {
				use = tt.th
			}
			got := learning.NeedsHelp(tt.rec, use, now)
			assert.Equal(t, len(got), len(tt.want))
			for i := range got {
				assert.Equal(t, got[i], tt.want[i])
			}
		})
	}
}

func TestThresholdsFromSettings(t *testing.T) {
	assert.Equal(t, learning.DefaultThresholds(), learning.Thresholds{FailedAttempts: 3, AbsentSessions: 2, InactiveDays: 14})
	got := learning.ThresholdsFrom(map[string]string{
		learning.SettingFailedAttempts: "5", learning.SettingAbsentSessions: "0", learning.SettingInactiveDays: "bốn",
	})
	assert.Equal(t, got, learning.Thresholds{FailedAttempts: 5, AbsentSessions: 2, InactiveDays: 14})
	assert.Equal(t, learning.ThresholdsFrom(got.Values()), got)
}

// TestRecordsFromASnapshot: a started lesson's attempts are failures, the
// class's recent sessions line up newest first, a session before the
// learner joined is "not recorded", and a present day counts as activity.
func TestRecordsFromASnapshot(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	class := int64(7)
	joined := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	snap := store.ClassSnapshot{
		Learners: []store.Learner{{ID: 1, ClassID: &class, LastActiveAt: joined}, {ID: 2, ClassID: &class, LastActiveAt: joined}},
		Progress: []store.ProgressCell{
			{LearnerID: 1, Module: "email", Lesson: "a", Status: "started", Attempts: 4},
			{LearnerID: 1, Module: "email", Lesson: "b", Status: "completed", Attempts: 4},
		},
		Recent: []store.RecentMark{
			{ClassID: class, SessionID: 10, HeldOn: "2026-03-05", LearnerID: 1, Present: false},
			{ClassID: class, SessionID: 11, HeldOn: "2026-03-09", LearnerID: 1, Present: false},
			{ClassID: class, SessionID: 11, HeldOn: "2026-03-09", LearnerID: 2, Present: true},
		},
		LastPresent: map[int64]string{2: "2026-03-09"},
	}
	recs := learning.Records(snap, loc)
	assert.Equal(t, len(recs), 2)
	assert.Equal(t, recs[0].Lessons, []learning.LessonRecord{{Module: "email", Lesson: "a", FailedAttempts: 4}, {Module: "email", Lesson: "b", Completed: true}})
	assert.Equal(t, recs[0].Recent, []learning.Mark{learning.Absent, learning.Absent})
	assert.Equal(t, recs[1].Recent, []learning.Mark{learning.Present, learning.NotRecorded})
	assert.True(t, recs[1].LastPresent.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, loc)), "last present %v", recs[1].LastPresent)
	assert.True(t, recs[0].LastPresent.IsZero(), "never present, but %v", recs[0].LastPresent)
}
