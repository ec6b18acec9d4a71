package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// counterWorld is a small tree (a province, two districts, four communes,
// a village) and a small curriculum of three modules, so that random
// learners complete modules and graduate often.
const counterUnits = `code,name,level,parent_code
P,Tỉnh Thử,province,
D1,Huyện Một,district,P
D2,Huyện Hai,district,P
C1,Xã Một,commune,D1
C2,Xã Hai,commune,D1
C3,Xã Ba,commune,D2
C4,Xã Bốn,commune,D2
V1,Ấp Một,village,C1
`

var counterModules = map[string][]string{"m1": {"a", "b"}, "m2": {"a"}, "m3": {"a", "b"}}

// counterOps applies n random writes through every write path that changes
// what a learner contributes: registrations (alone, in a class, in a
// village unit, with a village typed as text), quiz attempts (passing,
// failing, repeated, with and without certificates), certificates issued
// later, practice walks, lessons completed in person, real tasks ticked
// (alone, with help, by either trainer) and unticked, class sessions
// opened and attendance saved, villages typed as text matched to the
// village unit, moves between units, corrections of name and birth year,
// deletions. workers > 1 runs them concurrently.
func counterOps(t *testing.T, st *store.Store, seed uint64, n, workers int) {
	t.Helper()
	ctx := context.Background()
	// Two trainers and a class in each of two communes.
	var trainers []int64
	var classes []store.Class
	for _, c := range []string{"C1", "C3"} {
		u := store.User{Username: "gv" + c + fmt.Sprint(seed%1000), Role: "trainer", UnitCode: c, PasswordHash: "x"}
		assert.NoErr(t, st.CreateUser(ctx, &u))
		trainers = append(trainers, u.ID)
		cl := store.Class{UnitCode: c, Name: "Lớp " + c, TrainerID: &u.ID}
		assert.NoErr(t, st.CreateClass(ctx, &cl))
		classes = append(classes, cl)
	}
	tasks := []string{store.TaskVNeIDLevel2, "cai-vneid", "tra-tien-vietqr"}
	// Learners belong to a commune; those of C1 may live in its village
	// unit V1 (village_code), where they are counted.
	leaves := []string{"C1", "C2", "C3", "C4"}
	names := []string{"Nguyễn Văn An", "Nguyen Van An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"}
	genders := []*string{nil, ptr("female"), ptr("male"), ptr("other")}
	var mu sync.Mutex
	var ids []int64
	pickID := func(rng *rand.Rand) (int64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(ids) == 0 {
			return 0, false
		}
		return ids[rng.IntN(len(ids))], true
	}
	now := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := range n / workers {
				at := now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
				op := rng.IntN(100)
				id, ok := pickID(rng)
				if !ok {
					op = 0
				}
				var err error
				switch {
				case op < 7: // register
					l := store.Learner{Name: names[rng.IntN(len(names))], BirthYear: 1940 + rng.IntN(70),
						UnitCode: leaves[rng.IntN(len(leaves))], Gender: genders[rng.IntN(len(genders))], CreatedAt: at}
					switch rng.IntN(4) {
					case 0: // in a class
						cl := classes[rng.IntN(len(classes))]
						l.UnitCode, l.ClassID = cl.UnitCode, &cl.ID
					case 1: // in the village unit of C1, or typing its name
						l.UnitCode = "C1"
						if rng.IntN(2) == 0 {
							l.VillageCode = ptr("V1")
						} else {
							l.Village = ptr("Ấp Một")
						}
					}
					if err = st.CreateLearner(ctx, &l); err == nil {
						mu.Lock()
						ids = append(ids, l.ID)
						mu.Unlock()
					}
				case op < 50: // quiz attempt
					mods := []string{"m1", "m2", "m3"}
					m := mods[rng.IntN(3)]
					lesson := counterModules[m][rng.IntN(len(counterModules[m]))]
					score := rng.IntN(4)
					in := store.AttemptInput{LearnerID: id, Module: m, Lesson: lesson, Choices: map[string]string{"q1": "a"},
						Score: score, Total: 3, Passed: score >= 2, Submission: fmt.Sprintf("s-%d-%d-%d", w, i, rng.IntN(3)), At: at}
					if rng.IntN(5) > 0 {
						in.Modules = counterModules // else no certificates now: IssueEarned heals it below
					}
					_, err = st.RecordAttempt(ctx, in)
				case op < 53: // a lesson completed in person
					mods := []string{"m1", "m2", "m3"}
					m := mods[rng.IntN(3)]
					_, err = st.VerifyLesson(ctx, store.VerifyInput{LearnerID: id, Module: m, Lesson: counterModules[m][rng.IntN(len(counterModules[m]))],
						By: trainers[rng.IntN(len(trainers))], At: at, Modules: counterModules})
				case op < 58: // real tasks ticked for one or two learners
					by := trainers[rng.IntN(len(trainers))]
					ticks := []store.TaskTick{{LearnerID: id, Task: tasks[rng.IntN(len(tasks))], Alone: rng.IntN(2) == 0, DoneOn: "2026-01-02", TickedBy: &by}}
					if other, ok := pickID(rng); ok && rng.IntN(2) == 0 {
						ticks = append(ticks, store.TaskTick{LearnerID: other, Task: tasks[rng.IntN(len(tasks))], Alone: rng.IntN(2) == 0, DoneOn: "2026-01-02", TickedBy: &by})
					}
					err = st.TickTasks(ctx, ticks)
				case op < 60:
					err = st.UntickTask(ctx, id, tasks[rng.IntN(len(tasks))])
				case op < 64: // a session of a class, on one of ten days, with attendance
					ci := rng.IntN(len(classes))
					var s store.ClassSession
					s, err = st.OpenSession(ctx, store.OpenSessionInput{ClassID: classes[ci].ID, HeldOn: fmt.Sprintf("2026-01-%02d", 1+rng.IntN(10)), By: trainers[rng.IntN(len(trainers))]})
					if err == nil && rng.IntN(3) > 0 {
						var present []int64
						for range rng.IntN(6) {
							if p, ok := pickID(rng); ok {
								present = append(present, p)
							}
						}
						_, err = st.SaveAttendance(ctx, classes[ci].ID, s.ID, present)
					}
				case op < 65: // villages typed as text matched to the village unit
					_, err = st.MatchVillageText(ctx, "C1", "Ấp Một", "V1")
				case op < 70:
					_, err = st.IssueEarned(ctx, id, counterModules)
				case op < 80: // a practice step, sometimes ending the walk
					in := store.PracticeChoiceInput{LearnerID: id, Scenario: []string{"s1", "s2"}[rng.IntN(2)],
						Run: fmt.Sprintf("run-%d-%d-%d", w, id, rng.IntN(3)), Step: []string{"a", "b"}[rng.IntN(2)],
						Choice: []string{"x", "y"}[rng.IntN(2)], At: at}
					if rng.IntN(2) == 0 {
						in.Outcome, in.Safe = "end", rng.IntN(2) == 0
					}
					_, err = st.RecordPracticeChoice(ctx, in)
				case op < 86: // move to another unit or class
					u := leaves[rng.IntN(len(leaves))]
					p := store.LearnerPatch{UnitCode: &u}
					if rng.IntN(3) == 0 {
						cl := classes[rng.IntN(len(classes))]
						p = store.LearnerPatch{UnitCode: &cl.UnitCode, ClassID: &cl.ID}
					}
					err = st.UpdateLearner(ctx, id, p)
				case op < 90: // correct the birth year or the name
					y, name := 1940+rng.IntN(70), names[rng.IntN(len(names))]
					p := store.LearnerPatch{BirthYear: &y}
					if rng.IntN(2) == 0 {
						p = store.LearnerPatch{Name: &name}
					}
					err = st.UpdateLearner(ctx, id, p)
				case op < 94: // other changes count nothing
					phone := "0901234567"
					err = st.UpdateLearner(ctx, id, store.LearnerPatch{Phone: &phone})
				default:
					err = st.DeleteLearner(ctx, id)
				}
				if errors.Is(err, store.ErrNotFound) {
					continue // another worker deleted the learner
				}
				if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") || err != nil && strings.Contains(err.Error(), "foreign key") {
					continue // the learner was deleted between the pick and the write
				}
				if err != nil {
					t.Errorf("op %d: %v", op, err)
					return
				}
			}
		})
	}
	wg.Wait()

	// Random deletions may remove every graduate or every learner a
	// trainer reached; one learner written after them, through the same
	// write paths, makes sure each counter kind is exercised whatever the
	// seed and however the writers interleaved.
	l := store.Learner{Name: "Võ Thị Hoa", BirthYear: 1961, UnitCode: classes[0].UnitCode, ClassID: &classes[0].ID, CreatedAt: now}
	assert.NoErr(t, st.CreateLearner(ctx, &l))
	for m, lessons := range counterModules {
		for _, lesson := range lessons {
			_, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: m, Lesson: lesson, Choices: map[string]string{"q1": "a"},
				Score: 3, Total: 3, Passed: true, Submission: "finale-" + m + lesson, At: now, Modules: counterModules})
			assert.NoErr(t, err)
		}
	}
	s, err := st.OpenSession(ctx, store.OpenSessionInput{ClassID: classes[0].ID, HeldOn: "2026-01-11", By: trainers[0]})
	assert.NoErr(t, err)
	_, err = st.SaveAttendance(ctx, classes[0].ID, s.ID, []int64{l.ID})
	assert.NoErr(t, err)
	assert.NoErr(t, st.TickTasks(ctx, []store.TaskTick{{LearnerID: l.ID, Task: store.TaskVNeIDLevel2, Alone: true, DoneOn: "2026-01-11", TickedBy: &trainers[0]}}))
	_, err = st.RecordPracticeChoice(ctx, store.PracticeChoiceInput{LearnerID: l.ID, Scenario: "s1", Run: "finale", Step: "a", Choice: "x", Outcome: "end", Safe: true, At: now})
	assert.NoErr(t, err)
}

func counterStore(t *testing.T) *store.Store {
	t.Helper()
	st := testutil.NewStore(t)
	_, _, err := st.ImportUnits(context.Background(), parse(t, counterUnits), "units.csv")
	assert.NoErr(t, err)
	return st
}

// TestCountersMatchARecount applies thousands of random writes, one at a
// time and then from several writers at once, and compares every counter
// row with a recount from the base tables.
func TestCountersMatchARecount(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 1200
	}
	for _, tc := range []struct {
		name    string
		workers int
	}{{"one writer", 1}, {"four writers", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			st := counterStore(t)
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			counterOps(t, st, seed, n, tc.workers)
			drift, err := st.CounterDrift(context.Background())
			assert.NoErr(t, err)
			if len(drift) > 0 {
				t.Fatalf("%d counter rows differ from the recount (seed %d), first ones:\n%s", len(drift), seed, strings.Join(drift[:min(20, len(drift))], "\n"))
			}
			counts, err := st.UnitCountsOf(context.Background(), []string{"P"})
			assert.NoErr(t, err)
			p := counts["P"]
			t.Logf("%s: %d learners, %d reached, %d graduates, %d attempts, %d practice passes, %d active in 30 days",
				st.Dialect(), p.Registered, p.Reached, p.Graduates, p.Attempts, p.PracticePasses, p.Active30d)
			assert.True(t, p.OneModule > 0 && p.PracticePasses > 0 && p.Registered > 20, "the random writes did not reach every counter")
			assert.True(t, p.Graduates > 0, "nobody graduated")
			vneid := p.Tasks[store.TaskVNeIDLevel2]
			assert.True(t, p.TaskAloneLearners > 0 && vneid.Alone+vneid.WithHelp > 0, "no real task counted: %+v", p.Tasks)
			trainers, err := st.TrainersUnder(context.Background(), "/P/")
			assert.NoErr(t, err)
			var sessions, reached, ticked int64
			for _, tr := range trainers {
				sessions, reached, ticked = sessions+tr.Sessions, reached+tr.Learners, ticked+tr.TasksTicked
			}
			assert.True(t, sessions > 0 && reached > 0 && ticked > 0, "trainers' work not counted: %+v", trainers)

			// A recount of exact counters finds nothing to fix; after
			// breaking two it fixes those two.
			fixed, err := st.Recount(context.Background())
			assert.NoErr(t, err)
			assert.Equal(t, fixed, 0)
			assert.NoErr(t, st.ExecForTest(context.Background(), "UPDATE unit_counts SET reached = reached + 1 WHERE unit_code = 'D2'"))
			assert.NoErr(t, st.ExecForTest(context.Background(), "INSERT INTO learner_keys (unit_code, birth_year, name_key, learners) VALUES ('C4', 1900, 'khong co ai', 1)"))
			assert.NoErr(t, st.ExecForTest(context.Background(), "DELETE FROM trainer_counts"))
			busy := 0
			for _, tr := range trainers {
				if tr.Sessions+tr.Learners+tr.TasksTicked > 0 {
					busy++
				}
			}
			fixed, err = st.Recount(context.Background())
			assert.NoErr(t, err)
			assert.Equal(t, fixed, 2+busy)
			drift, err = st.CounterDrift(context.Background())
			assert.NoErr(t, err)
			assert.Equal(t, len(drift), 0)
		})
	}
}

// TestChildrenSumToTheirParent checks every additive counter (each column,
// each module, each day of activity, each birth year and gender) of the
// province and the districts against the sum over their children; and
// that a commune holding learners of its own and a village counts at
// least what the village counts, field by field.
func TestChildrenSumToTheirParent(t *testing.T) {
	st := counterStore(t)
	counterOps(t, st, 7, 1500, 1)
	ctx := context.Background()
	all, err := st.Counters(ctx, []string{"P", "D1", "D2", "C1", "C2", "C3", "C4", "V1"})
	assert.NoErr(t, err)
	for parent, kids := range map[string][]string{"P": {"D1", "D2"}, "D1": {"C1", "C2"}, "D2": {"C3", "C4"}} {
		var sum store.CounterDelta
		for _, k := range kids {
			sum = store.AddCounters(sum, all[k], 1)
		}
		assert.Equal(t, fmt.Sprintf("%+v", store.AddCounters(all[parent], store.CounterDelta{}, 1)), fmt.Sprintf("%+v", sum))
	}
	own := store.AddCounters(all["C1"], all["V1"], -1)
	assert.True(t, own.Registered > 0 && all["V1"].Registered > 0, "the fixture has learners at C1 and at its village")
	assert.True(t, !strings.Contains(fmt.Sprintf("%+v", own), ":-"), "C1 counts less than its village: %+v", own)
}

func TestNameKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Nguyễn Văn An", "nguyen van an"},
		{"  NGUYEN   van AN ", "nguyen van an"},
		{"Đặng Thị Ửng", "dang thi ung"},
		{"Lê \u202eVăn\x00 Ba", "le van ba"},
		{"Trần-Thị Hoa.", "tran thi hoa"},
	} {
		assert.Equal(t, store.NameKey(tc.in), tc.want)
	}
}
