package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// progressCounter counts the writes of the drill's writers; a test waits on
// it for a number of writes to have been committed.
type progressCounter struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
	err  error
}

func newProgressCounter() *progressCounter {
	c := &progressCounter{}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *progressCounter) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = err
	} else if err == nil {
		c.n++
	}
	c.cond.Broadcast()
}

func (c *progressCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// waitFor returns once n writes have been committed, or a writer failed.
func (c *progressCounter) waitFor(n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n < n && c.err == nil {
		c.cond.Wait()
	}
	return c.err
}

// writeUntil runs writers that register learners and record their quiz
// attempts through the store, as the quiz handler does, until stop closes.
func writeUntil(st *store.Store, writers int, stop <-chan struct{}, done *progressCounter) *sync.WaitGroup {
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				l := store.Learner{Name: fmt.Sprintf("Người học %d-%d", w, i), BirthYear: 1960, UnitCode: "29623"}
				err := st.CreateLearner(ctx, &l)
				done.add(err)
				if err != nil {
					return
				}
				for j, lesson := range []string{"a", "b", "b", "c"} { // b is failed, then passed
					_, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: lesson,
						Choices: map[string]string{"q1": "a"}, Score: 3, Total: 3, Passed: j != 1, Submission: fmt.Sprint("s", j)})
					done.add(err)
					if err != nil {
						return
					}
				}
			}
		})
	}
	return &wg
}

func tableCounts(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	counts, err := st.Export(context.Background(), io.Discard)
	assert.NoErr(t, err)
	return counts
}

// TestRestoreDrill backs up a database while learners register and answer
// quizzes, half-way through the copy lets the writers commit more, then
// restores the copy and checks it: intact, fully migrated, one consistent
// moment (every count between the counts before and after the backup, and
// the rows that one transaction writes together all present or all absent),
// and the copy went forward without restarting.
func TestRestoreDrill(t *testing.T) {
	st, _ := sqliteFile(t, nil)
	ctx := context.Background()
	_, _, err := st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)

	writes := newProgressCounter()
	stop := make(chan struct{})
	wg := writeUntil(st, 4, stop, writes)
	defer func() { close(stop); wg.Wait() }()
	assert.NoErr(t, writes.waitFor(50))

	before := tableCounts(t, st)
	var remaining []int
	var during error
	st.SlowBackupForTest(4, func(left, total int) {
		remaining = append(remaining, left)
		if len(remaining) == 1 { // the copy is under way: writers carry on
			during = writes.waitFor(writes.count() + 20)
		}
	})
	out := filepath.Join(t.TempDir(), "restore-drill.db")
	assert.NoErr(t, st.Backup(ctx, out))
	assert.NoErr(t, during)
	after := tableCounts(t, st)

	assert.True(t, len(remaining) >= 2, "the copy took %d steps; the drill needs it to pause half-way", len(remaining))
	assert.True(t, slices.IsSortedFunc(remaining, func(a, b int) int { return b - a }) && !slices.ContainsFunc(remaining[1:], func(n int) bool { return n == remaining[0] }),
		"the copy restarted: pages left after each step %v", remaining)

	restored, err := store.Open(ctx, out, store.Options{})
	assert.NoErr(t, err)
	defer restored.Close()
	assert.NoErr(t, restored.IntegrityCheck(ctx))
	pending, err := restored.PendingMigrations(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(pending), 0)

	got := tableCounts(t, restored)
	for _, table := range store.Tables() {
		assert.True(t, before[table] <= got[table] && got[table] <= after[table],
			"%s: %d rows in the copy, %d before the backup and %d after", table, got[table], before[table], after[table])
	}
	assert.True(t, got["learners"]+got["attempts"] <= after["learners"]+after["attempts"]-20,
		"the copy holds writes made after it started: %d learners and attempts, %d after the backup", got["learners"]+got["attempts"], after["learners"]+after["attempts"])

	// What one transaction writes is in the copy whole or not at all.
	var registered, lessonsCompleted int
	days, err := restored.DailyCounts(ctx, "29623")
	assert.NoErr(t, err)
	for _, d := range days {
		registered += d.Registered
		lessonsCompleted += d.LessonsCompleted
	}
	assert.Equal(t, registered, got["learners"])
	completed, attempts := 0, 0
	for id := int64(1); id <= int64(got["learners"]); id++ {
		_, err := restored.LearnerByID(ctx, id)
		assert.NoErr(t, err)
		tries, err := restored.AttemptsOf(ctx, id)
		assert.NoErr(t, err)
		attempts += len(tries)
		perLesson := map[string]int{}
		for _, a := range tries {
			perLesson[a.Lesson]++
		}
		rows, err := restored.ProgressOf(ctx, id)
		assert.NoErr(t, err)
		assert.Equal(t, len(rows), len(perLesson))
		for _, p := range rows {
			assert.True(t, p.Attempts == perLesson[p.Lesson], "learner %d lesson %s: progress counts %d attempts, %d stored", id, p.Lesson, p.Attempts, perLesson[p.Lesson])
			if p.Status == "completed" {
				completed++
			}
		}
	}
	assert.Equal(t, attempts, got["attempts"])
	assert.Equal(t, lessonsCompleted, completed)
	t.Logf("copy: %d learners, %d attempts, %d progress rows (before the backup %d/%d, after %d/%d); %d steps",
		got["learners"], got["attempts"], got["progress"], before["learners"], before["attempts"], after["learners"], after["attempts"], len(remaining))
}

// TestLiveBackupsKeepTheNewest: after more copies than Keep, exactly the
// newest Keep remain, each intact; temporary files of copies a killed
// process left behind go once stale, and nothing else in the folder is
// touched.
func TestLiveBackupsKeepTheNewest(t *testing.T) {
	st, _ := sqliteFile(t, nil)
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)}
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := store.NewBackups(st, store.BackupOptions{Dir: dir, Every: time.Hour, Keep: 3, Now: c.Now})
	assert.NoErr(t, err)
	stale := filepath.Join(dir, ".kynangso-20260301-220000.db.4242.tmp")
	staleJournal := stale + "-journal"
	fresh := filepath.Join(dir, ".kynangso-20260301-233000.db.4343.tmp")
	notes := filepath.Join(dir, "notes.txt")
	for _, f := range []string{stale, staleJournal, fresh, notes} {
		assert.NoErr(t, os.WriteFile(f, []byte("x"), 0o600))
	}
	for _, f := range []string{stale, staleJournal} {
		assert.NoErr(t, os.Chtimes(f, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)))
	}

	var made []string
	for range 5 {
		path, err := b.Once(ctx)
		assert.NoErr(t, err)
		made = append(made, path)
		c.Add(time.Hour)
	}
	assert.Equal(t, filepath.Base(made[0]), "kynangso-20260301-233000.db")
	kept, err := b.List()
	assert.NoErr(t, err)
	want := slices.Clone(made[2:])
	slices.Reverse(want)
	assert.Equal(t, kept, want)
	for _, path := range kept {
		copyStore, err := store.Open(ctx, path, store.Options{})
		assert.NoErr(t, err)
		assert.NoErr(t, copyStore.IntegrityCheck(ctx))
		assert.NoErr(t, copyStore.Close())
	}
	for _, f := range []string{stale, staleJournal} {
		_, err = os.Stat(f)
		assert.True(t, os.IsNotExist(err), "stale temporary file %s kept: %v", filepath.Base(f), err)
	}
	for _, f := range []string{fresh, notes} {
		_, err = os.Stat(f)
		assert.NoErr(t, err)
	}
}

// signalHandler is a slog handler that passes each message to a channel.
type signalHandler struct{ messages chan<- slog.Record }

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	h.messages <- r
	return nil
}
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h signalHandler) WithGroup(string) slog.Handler      { return h }

// TestLiveBackupsRunAtStartAndStop: serve's loop makes a copy at once into
// an empty folder, and returns when its context ends.
func TestLiveBackupsRunAtStartAndStop(t *testing.T) {
	st, _ := sqliteFile(t, nil)
	messages := make(chan slog.Record, 8)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := store.NewBackups(st, store.BackupOptions{Dir: dir, Every: time.Hour, Keep: 2, Log: slog.New(signalHandler{messages})})
	assert.NoErr(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { b.Run(ctx); close(stopped) }()
	var file string
	select {
	case r := <-messages:
		assert.Equal(t, r.Message, "backup written")
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "file" {
				file = a.Value.String()
			}
			return true
		})
	case <-time.After(time.Minute): // a guard against hanging, not a wait
		t.Fatal("no backup at start")
	}
	cancel()
	<-stopped
	kept, err := b.List()
	assert.NoErr(t, err)
	assert.Equal(t, kept, []string{file})
}

func TestLiveBackupsRefuseBadSettings(t *testing.T) {
	st := testutil.NewStore(t)
	dir := t.TempDir()
	if st.Dialect() != store.SQLite {
		_, err := store.NewBackups(st, store.BackupOptions{Dir: dir, Every: time.Hour, Keep: 1})
		assert.True(t, err != nil && strings.Contains(err.Error(), "pg_dump"), "live backups of PostgreSQL: %v", err)
		return
	}
	for _, tt := range []struct {
		name string
		opts store.BackupOptions
		want string
	}{
		{"no folder", store.BackupOptions{Every: time.Hour, Keep: 1}, "need a folder"},
		{"too often", store.BackupOptions{Dir: dir, Every: time.Second, Keep: 1}, "at least a minute"},
		{"keep none", store.BackupOptions{Dir: dir, Every: time.Hour}, "keep at least one"},
	} {
		_, err := store.NewBackups(st, tt.opts)
		assert.True(t, err != nil && strings.Contains(err.Error(), tt.want), "%s: %v", tt.name, err)
	}
}
