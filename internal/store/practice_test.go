package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// choice is a shorthand for one answered step of scenario "s".
func choice(l store.Learner, run, step, ch, outcome string, safe bool) store.PracticeChoiceInput {
	return store.PracticeChoiceInput{LearnerID: l.ID, Scenario: "s", Run: run, Step: step, Choice: ch, Outcome: outcome, Safe: safe}
}

// pathOf returns the steps and choices of a learner's run, "step:choice".
func pathOf(t *testing.T, st *store.Store, l store.Learner, run string) (path []string, outcome string) {
	t.Helper()
	runs, err := st.PracticeRunsOf(context.Background(), l.ID)
	assert.NoErr(t, err)
	for _, r := range runs {
		if r.Run != run {
			continue
		}
		for _, c := range r.Choices {
			path = append(path, c.Step+":"+c.Choice)
		}
		if r.Outcome != nil {
			outcome = *r.Outcome
		}
		return path, outcome
	}
	t.Fatalf("no run %s", run)
	return nil, ""
}

func TestPracticeChoicesAreStoredOnceAndBranch(t *testing.T) {
	st, clk := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	rec := func(in store.PracticeChoiceInput) store.PracticeChoiceResult {
		t.Helper()
		res, err := st.RecordPracticeChoice(ctx, in)
		assert.NoErr(t, err)
		return res
	}

	// A walk s1 → s2 → unsafe outcome, each POST sent twice.
	const run = "run-key-0123456789abc"
	assert.Equal(t, rec(choice(l, run, "s1", "a", "", false)), store.PracticeChoiceResult{Run: run})
	assert.Equal(t, rec(choice(l, run, "s1", "a", "", false)), store.PracticeChoiceResult{Run: run, Duplicate: true})
	clk.Add(time.Minute)
	assert.Equal(t, rec(choice(l, run, "s2", "b", "bay", false)), store.PracticeChoiceResult{Run: run})
	assert.Equal(t, rec(choice(l, run, "s2", "b", "bay", false)), store.PracticeChoiceResult{Run: run, Duplicate: true})
	path, outcome := pathOf(t, st, l, run)
	assert.Equal(t, path, []string{"s1:a", "s2:b"})
	assert.Equal(t, outcome, "bay")
	passes, err := st.PracticePasses(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(passes), 0)

	// Back to s2 and another choice: a branch that keeps s1:a, reaches the
	// safe outcome, and is itself idempotent.
	clk.Add(time.Minute)
	branch := rec(choice(l, run, "s2", "c", "an-toan", true))
	assert.True(t, branch.Run != run && !branch.Duplicate, "no branch: %+v", branch)
	assert.Equal(t, rec(choice(l, run, "s2", "c", "an-toan", true)), store.PracticeChoiceResult{Run: branch.Run, Duplicate: true})
	path, outcome = pathOf(t, st, l, branch.Run)
	assert.Equal(t, path, []string{"s1:a", "s2:c"})
	assert.Equal(t, outcome, "an-toan")
	path, outcome = pathOf(t, st, l, run) // the first run is unchanged
	assert.Equal(t, path, []string{"s1:a", "s2:b"})
	assert.Equal(t, outcome, "bay")

	// Back to the start: a branch with an empty prefix.
	other := rec(choice(l, run, "s1", "b", "", false))
	path, _ = pathOf(t, st, l, other.Run)
	assert.Equal(t, path, []string{"s1:b"})

	passes, err = st.PracticePasses(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(passes), 1)
	assert.Equal(t, passes[0].Scenario, "s")
	assert.True(t, passes[0].PassedAt.Equal(time.Date(2026, 3, 2, 8, 2, 0, 0, time.UTC)), "passed at %v", passes[0].PassedAt)

	// A second learner caught by the same trap: counted once however many runs.
	l2 := store.Learner{Name: "Trần Thị Bé", BirthYear: 1955, UnitCode: "29623"}
	assert.NoErr(t, st.CreateLearner(ctx, &l2))
	for _, key := range []string{"second-run-0123456789", "third-run-0123456789a"} {
		rec(choice(l2, key, "s1", "a", "", false))
		rec(choice(l2, key, "s2", "b", "bay", false))
	}
	counts, err := st.PracticeOutcomeCounts(ctx, "s")
	assert.NoErr(t, err)
	assert.Equal(t, counts, []store.PracticeOutcomeCount{
		{Scenario: "s", Outcome: "bay", Safe: false, Learners: 2},
		{Scenario: "s", Outcome: "an-toan", Safe: true, Learners: 1},
	})

	// Deleting a learner deletes their runs and paths, not the other's.
	assert.NoErr(t, st.DeleteLearner(ctx, l.ID))
	runs, err := st.PracticeRunsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(runs), 0)
	counts, _ = st.PracticeOutcomeCounts(ctx, "s")
	assert.Equal(t, counts, []store.PracticeOutcomeCount{{Scenario: "s", Outcome: "bay", Safe: false, Learners: 1}})
	_, err = st.PracticeRunByKey(ctx, l.ID, run)
	assert.ErrIs(t, err, store.ErrNotFound)
}

func TestPracticeRunsAreKeptPerLearnerAndScenario(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	a, b := newLearner(t, st), newLearner(t, st)
	const key = "shared-key-0123456789"
	// The same key from two learners makes two runs: keys never cross learners.
	for _, l := range []store.Learner{a, b} {
		res, err := st.RecordPracticeChoice(ctx, choice(l, key, "s1", "a", "", false))
		assert.NoErr(t, err)
		assert.Equal(t, res, store.PracticeChoiceResult{Run: key})
	}
	// A key reused for another scenario does not mix the two paths.
	in := choice(a, key, "s1", "a", "", false)
	in.Scenario = "other"
	res, err := st.RecordPracticeChoice(ctx, in)
	assert.NoErr(t, err)
	assert.True(t, res.Run != key && !res.Duplicate, "got %+v", res)
	path, _ := pathOf(t, st, a, res.Run)
	assert.Equal(t, path, []string{"s1:a"})
}

func TestConcurrentPracticeChoicesStoreOne(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	const key = "double-tap-0123456789"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := st.RecordPracticeChoice(ctx, choice(l, key, "s1", "a", "an-toan", true))
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	runs, err := st.PracticeRunsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(runs), 1)
	assert.Equal(t, len(runs[0].Choices), 1)
}

func TestPracticeRowsSurviveExportImport(t *testing.T) {
	ctx := context.Background()
	src, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	l := newLearner(t, src)
	for _, in := range []store.PracticeChoiceInput{choice(l, "export-run-0123456789", "s1", "a", "", false), choice(l, "export-run-0123456789", "s2", "c", "an-toan", true)} {
		_, err := src.RecordPracticeChoice(ctx, in)
		assert.NoErr(t, err)
	}
	exported, dst, _ := moveAll(t, src)
	assert.Equal(t, exported["practice_runs"], 1)
	assert.Equal(t, exported["practice_choices"], 2)

	passes, err := dst.PracticePasses(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(passes), 1)
	// New runs get ids past the imported ones (PostgreSQL's sequence moved).
	res, err := dst.RecordPracticeChoice(ctx, choice(l, "after-import-012345678", "s1", "a", "", false))
	assert.NoErr(t, err)
	assert.Equal(t, res.Duplicate, false)
}
