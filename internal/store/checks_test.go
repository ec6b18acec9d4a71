package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// checkIn is a check result of two modules with two questions each:
// internet and email right counts, under a submission key.
func checkIn(l store.Learner, kind, key string, internet, email int) store.CheckInput {
	return store.CheckInput{LearnerID: l.ID, Kind: kind, Submission: key,
		Choices: map[string]string{"q1": "a", "q2": "b", "q3": "c", "q4": "d"},
		Correct: internet + email, Total: 4,
		Modules: []store.CheckScore{{Module: "internet", Correct: internet, Total: 2}, {Module: "email", Correct: email, Total: 2}}}
}

// scores renders a result as "kind correct/total email c/t internet c/t"
// (module scores come by module slug).
func scores(r store.CheckResult) string {
	s := fmt.Sprintf("%s %d/%d", r.Kind, r.Correct, r.Total)
	for _, m := range r.Modules {
		s += fmt.Sprintf(" %s %d/%d", m.Module, m.Correct, m.Total)
	}
	return s
}

func TestCheckResultsAreStoredOnceKeptAndReplaced(t *testing.T) {
	st, clk := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	rec := func(in store.CheckInput) store.CheckRecorded {
		t.Helper()
		res, err := st.RecordCheck(ctx, in)
		assert.NoErr(t, err)
		return res
	}
	results := func() []string {
		t.Helper()
		rs, err := st.CheckResultsOf(ctx, l.ID)
		assert.NoErr(t, err)
		var out []string
		for _, r := range rs {
			out = append(out, scores(r))
		}
		return out
	}

	none, err := st.CheckResultsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(none), 0)
	_, err = st.CheckResultOf(ctx, l.ID, store.CheckBefore)
	assert.ErrIs(t, err, store.ErrNotFound)

	// The first "before" is stored; the same form again changes nothing;
	// another "before" form keeps the first (the baseline).
	assert.Equal(t, rec(checkIn(l, store.CheckBefore, "before-1", 0, 1)), store.CheckRecorded{})
	assert.Equal(t, rec(checkIn(l, store.CheckBefore, "before-1", 0, 1)), store.CheckRecorded{Duplicate: true})
	assert.Equal(t, rec(checkIn(l, store.CheckBefore, "before-2", 2, 2)), store.CheckRecorded{Kept: true})
	assert.Equal(t, results(), []string{"before 1/4 email 1/2 internet 0/2"})

	// "after" is stored, then replaced by a later form, never twice.
	clk.Add(24 * time.Hour)
	assert.Equal(t, rec(checkIn(l, store.CheckAfter, "after-1", 1, 1)), store.CheckRecorded{})
	clk.Add(24 * time.Hour)
	assert.Equal(t, rec(checkIn(l, store.CheckAfter, "after-2", 2, 1)), store.CheckRecorded{Replaced: true})
	assert.Equal(t, rec(checkIn(l, store.CheckAfter, "after-2", 2, 1)), store.CheckRecorded{Duplicate: true})
	assert.Equal(t, results(), []string{"before 1/4 email 1/2 internet 0/2", "after 3/4 email 1/2 internet 2/2"})

	after, err := st.CheckResultOf(ctx, l.ID, store.CheckAfter)
	assert.NoErr(t, err)
	assert.Equal(t, after.Submission, "after-2")
	assert.True(t, after.TakenAt.Equal(time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC)), "taken at %v", after.TakenAt)
	assert.Equal(t, after.Choices()["q3"], "c")
	m, ok := after.Module("internet")
	assert.True(t, ok && m.Correct == 2, "internet score %+v", m)
	me, err := st.LearnerByID(ctx, l.ID)
	assert.NoErr(t, err)
	assert.True(t, me.LastActiveAt.Equal(after.TakenAt), "last active %v, want the check's time", me.LastActiveAt)

	_, err = st.RecordCheck(ctx, checkIn(l, "during", "x-1", 0, 0))
	assert.ErrIs(t, err, store.ErrCheckKind)

	// Deleting the learner deletes their results and scores.
	assert.NoErr(t, st.DeleteLearner(ctx, l.ID))
	var sink bytes.Buffer
	counts, err := st.Export(ctx, &sink)
	assert.NoErr(t, err)
	assert.Equal(t, counts["check_results"], 0)
	assert.Equal(t, counts["check_scores"], 0)
}

func TestConcurrentCheckSubmissionsStoreOne(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	for _, kind := range []string{store.CheckBefore, store.CheckAfter} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		stored := 0
		for range 8 {
			wg.Go(func() {
				res, err := st.RecordCheck(ctx, checkIn(l, kind, "double-tap-"+kind, 1, 1))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if res == (store.CheckRecorded{}) {
					stored++
				}
			})
		}
		wg.Wait()
		assert.Equal(t, stored, 1)
	}
	rs, err := st.CheckResultsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(rs), 2)
	assert.Equal(t, scores(rs[1]), "after 2/4 email 1/2 internet 1/2")
}

// near compares averages, which the engines compute in floating point.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.4f, want %.4f", what, got, want)
	}
}

func TestCheckGainOfAClassAndOfAnArea(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	_, _, err := st.ImportUnits(ctx, parse(t, list2022+"855,Huyện Long Hồ,district,86\n29542,Xã Phước Hậu,commune,855\n"), "units.csv")
	assert.NoErr(t, err)
	classA := store.Class{UnitCode: "29623", Name: "Lớp A", JoinCode: "AAAA22"}
	classB := store.Class{UnitCode: "29542", Name: "Lớp B", JoinCode: "BBBB22"}
	assert.NoErr(t, st.CreateClass(ctx, &classA))
	assert.NoErr(t, st.CreateClass(ctx, &classB))
	learner := func(unit string, class *store.Class) store.Learner {
		l := store.Learner{Name: "Học Viên", BirthYear: 1965, UnitCode: unit}
		if class != nil {
			l.ClassID = &class.ID
		}
		assert.NoErr(t, st.CreateLearner(ctx, &l))
		return l
	}
	take := func(l store.Learner, kind string, internet, email int) {
		_, err := st.RecordCheck(ctx, checkIn(l, kind, kind+"-key", internet, email))
		assert.NoErr(t, err)
	}
	l1 := learner("29623", &classA)
	take(l1, store.CheckBefore, 0, 1) // 1/4 → 3/4
	take(l1, store.CheckAfter, 2, 1)
	l2 := learner("29623", &classA)
	take(l2, store.CheckBefore, 1, 0) // 1/4 → 4/4
	take(l2, store.CheckAfter, 2, 2)
	l3 := learner("29623", &classA)
	take(l3, store.CheckBefore, 2, 2) // before only: counted, not averaged
	l4 := learner("29623", &classA)
	take(l4, store.CheckAfter, 0, 0) // after only (imported data, say): counted, not averaged
	learner("29623", &classA)        // no check at all
	l6 := learner("29623", nil)      // the commune, no class: 2/4 → 2/4
	take(l6, store.CheckBefore, 1, 1)
	take(l6, store.CheckAfter, 1, 1)
	l7 := learner("29542", &classB) // another district: 0/4 → 4/4
	take(l7, store.CheckBefore, 0, 0)
	take(l7, store.CheckAfter, 2, 2)

	gain := func(g store.CheckGain, err error) store.CheckGain {
		t.Helper()
		assert.NoErr(t, err)
		return g
	}
	g := gain(st.CheckGainForClass(ctx, classA.ID))
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{3, 3, 2})
	near(t, "class A before", g.Overall.Before, 0.25)
	near(t, "class A after", g.Overall.After, 0.875)
	near(t, "class A gain", g.Overall.Gain(), 0.625)
	assert.Equal(t, len(g.Modules), 2)
	assert.Equal(t, g.Modules[0].Module+" "+g.Modules[1].Module, "email internet")
	assert.Equal(t, g.Modules[0].Learners, 2)
	near(t, "class A email before", g.Modules[0].Before, 0.25) // (1/2 + 0) / 2
	near(t, "class A email after", g.Modules[0].After, 0.75)   // (1/2 + 1) / 2
	near(t, "class A internet before", g.Modules[1].Before, 0.25)
	near(t, "class A internet after", g.Modules[1].After, 1)

	g = gain(st.CheckGainForUnitPath(ctx, "/86/858/29623/")) // the commune: class A and l6
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{4, 4, 3})
	near(t, "commune before", g.Overall.Before, 1.0/3)
	near(t, "commune after", g.Overall.After, 0.75)
	g = gain(st.CheckGainForUnitPath(ctx, "/86/")) // the province: everyone
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{5, 5, 4})
	near(t, "province before", g.Overall.Before, 0.25)
	near(t, "province after", g.Overall.After, 0.8125)
	g = gain(st.CheckGainForUnitPath(ctx, "/86/855/"))
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{1, 1, 1})
	near(t, "district gain", g.Overall.Gain(), 1)
	g = gain(st.CheckGainForClass(ctx, classB.ID+99)) // no such class: nothing, no error
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{0, 0, 0})
	assert.Equal(t, len(g.Modules), 0)
	g = gain(st.CheckGainForUnitPath(ctx, "/86/858/2962/")) // a prefix of a code is not the unit
	assert.Equal(t, g.Before, 0)
	_, err = st.CheckGainForUnitPath(ctx, "86/858")
	assert.ErrIs(t, err, store.ErrUnitPath)

	// A learner who moves class counts in the new class; a deleted
	// learner counts nowhere.
	assert.NoErr(t, st.UpdateLearner(ctx, l2.ID, store.LearnerPatch{ClassID: &classB.ID}))
	assert.NoErr(t, st.DeleteLearner(ctx, l1.ID))
	g = gain(st.CheckGainForClass(ctx, classA.ID))
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{1, 1, 0})
	assert.Equal(t, len(g.Modules), 0)
	g = gain(st.CheckGainForClass(ctx, classB.ID))
	assert.Equal(t, [3]int{g.Before, g.After, g.Paired}, [3]int{2, 2, 2})
	near(t, "class B gain", g.Overall.Gain(), 0.875) // (3/4 + 1) / 2
}

func TestCheckRowsSurviveExportImport(t *testing.T) {
	ctx := context.Background()
	src, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	l := newLearner(t, src)
	for _, in := range []store.CheckInput{checkIn(l, store.CheckBefore, "b", 1, 0), checkIn(l, store.CheckAfter, "a", 2, 2)} {
		_, err := src.RecordCheck(ctx, in)
		assert.NoErr(t, err)
	}
	exported, dst, _ := moveAll(t, src)
	assert.Equal(t, exported["check_results"], 2)
	assert.Equal(t, exported["check_scores"], 4)

	rs, err := dst.CheckResultsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, scores(rs[0])+" | "+scores(rs[1]), "before 1/4 email 0/2 internet 1/2 | after 4/4 email 2/2 internet 2/2")
}
