package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// clock is a settable time for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// storeAt opens a migrated store whose clock the test controls, with one
// commune to hang learners on.
func storeAt(t *testing.T, start time.Time) (*store.Store, *clock) {
	t.Helper()
	ctx := context.Background()
	c := &clock{now: start}
	st, err := store.Open(ctx, testutil.NewDSN(t), store.Options{Now: c.Now})
	assert.NoErr(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	assert.NoErr(t, err)
	_, _, err = st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)
	return st, c
}

func newLearner(t *testing.T, st *store.Store) store.Learner {
	t.Helper()
	l := store.Learner{Name: "Nguyễn Văn An", BirthYear: 1960, UnitCode: "29623"}
	assert.NoErr(t, st.CreateLearner(context.Background(), &l))
	return l
}

func TestThrottleCountsWindowsAndRefunds(t *testing.T) {
	st, c := storeAt(t, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	lim := store.Limit{Max: 3, Window: 10 * time.Minute}
	start := c.Now()
	for i := range 3 {
		v, err := st.Take(ctx, "k", lim)
		assert.NoErr(t, err)
		assert.True(t, v.Allowed, "attempt %d of 3 refused", i+1)
	}
	c.Add(time.Minute)
	v, err := st.Take(ctx, "k", lim)
	assert.NoErr(t, err)
	assert.True(t, !v.Allowed, "a fourth attempt in the window was allowed")
	assert.True(t, v.RetryAt.Equal(start.Add(10*time.Minute)), "retry at %v, want the end of the window", v.RetryAt)
	other, _ := st.Take(ctx, "other", lim)
	assert.True(t, other.Allowed, "one key's count blocked another key")

	// A new window starts a new count.
	c.Add(10 * time.Minute)
	v, _ = st.Take(ctx, "k", lim)
	assert.True(t, v.Allowed, "still refused in a new window")
	// A refunded attempt does not count: successes never lock anyone out.
	for range 5 {
		v, _ = st.Take(ctx, "k", lim)
		assert.True(t, v.Allowed, "refunded attempts were counted")
		assert.NoErr(t, st.Refund(ctx, "k"))
	}
	c.Add(48 * time.Hour)
	n, err := st.DeleteStaleThrottles(ctx, 24*time.Hour)
	assert.NoErr(t, err)
	assert.Equal(t, n, int64(2))
	assert.NoErr(t, st.ResetThrottle(ctx, "k"))
}

// TestThrottleIsAtomic sends 200 attempts at once against a limit of 5:
// exactly 5 may go ahead, on both engines. Before Take counted and decided
// in one statement, all 200 were let through to compare a PIN.
func TestThrottleIsAtomic(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	lim := store.Limit{Max: 5, Window: 15 * time.Minute}
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			v, err := st.Take(ctx, "resume-code:ABC2345", lim)
			if err != nil {
				t.Error(err)
				return
			}
			if v.Allowed {
				allowed.Add(1)
			} else {
				refused.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, allowed.Load(), int64(5))
	assert.Equal(t, refused.Load(), int64(195))
}

func TestSessionsExpire(t *testing.T) {
	st, c := storeAt(t, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	s := store.Session{ID: "abc", LearnerID: &l.ID, Data: "{}", ExpiresAt: c.Now().Add(time.Hour)}
	assert.NoErr(t, st.CreateSession(ctx, &s))
	got, err := st.SessionByID(ctx, "abc")
	assert.NoErr(t, err)
	assert.Equal(t, *got.LearnerID, l.ID)
	assert.True(t, got.Learner != nil && got.Learner.Name == l.Name, "session came without its learner: %+v", got.Learner)
	// Read by plain SQL, the learner is exactly what GORM reads, the
	// optional fields and the times included.
	phone, pin := "0912345678", "hash"
	assert.NoErr(t, st.UpdateLearner(ctx, l.ID, store.LearnerPatch{Phone: &phone, PinHash: &pin}))
	want, err := st.LearnerByCode(ctx, l.Code)
	assert.NoErr(t, err)
	got, err = st.SessionByID(ctx, "abc")
	assert.NoErr(t, err)
	assert.Equal(t, *got.Learner, want)
	assert.True(t, got.ExpiresAt.Equal(s.ExpiresAt) && got.CreatedAt.Equal(c.Now()), "session times %v %v", got.CreatedAt, got.ExpiresAt)
	assert.True(t, got.UserID == nil && got.Data == "{}", "session %+v", got)
	anon := store.Session{ID: "anon", Data: "{}", ExpiresAt: c.Now().Add(time.Hour)}
	assert.NoErr(t, st.CreateSession(ctx, &anon))
	got, err = st.SessionByID(ctx, "anon")
	assert.NoErr(t, err)
	assert.True(t, got.Learner == nil, "a visitor's session has a learner")
	c.Add(2 * time.Hour)
	_, err = st.SessionByID(ctx, "abc")
	assert.ErrIs(t, err, store.ErrNotFound)
	n, err := st.DeleteExpiredSessions(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, n, int64(2)) // both have expired by now
}

func TestRecordAttemptOnceAndCountsByVietnamDay(t *testing.T) {
	// 18:30 UTC on the 27th is 01:30 on the 28th in Vietnam.
	st, c := storeAt(t, time.Date(2026, 11, 27, 18, 30, 0, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	in := store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: "a",
		Choices: map[string]string{"q1": "a"}, Score: 1, Total: 3, Passed: false, Submission: "s1"}
	res, err := st.RecordAttempt(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res, store.AttemptResult{})
	res, _ = st.RecordAttempt(ctx, in) // the same form again
	assert.Equal(t, res.Duplicate, true)

	in.Submission, in.Score, in.Passed = "s2", 3, true
	res, err = st.RecordAttempt(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res.NewlyCompleted, true)
	in.Submission = "s3"
	res, _ = st.RecordAttempt(ctx, in)
	assert.Equal(t, res.NewlyCompleted, false) // completed once only

	rows, err := st.ProgressOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(rows), 1)
	assert.Equal(t, rows[0].Attempts, 3)
	assert.Equal(t, rows[0].Status, "completed")
	assert.True(t, rows[0].CompletedAt != nil && rows[0].CompletedAt.Equal(c.Now()), "completed_at %v", rows[0].CompletedAt)

	counts, err := st.DailyCounts(ctx, "29623")
	assert.NoErr(t, err)
	assert.Equal(t, counts, []store.DailyCount{{UnitCode: "29623", Day: "2026-11-28", Registered: 1, LessonsCompleted: 1}})
}

// TestRecordAttemptUnderAnEarlierKey: a quiz sent without a key gets one
// made of its answers and a time window; the same answers sent again just
// after the window's edge carry the previous window's key as Earlier and
// count once, unless that attempt is older than Within.
func TestRecordAttemptUnderAnEarlierKey(t *testing.T) {
	st, c := storeAt(t, time.Date(2026, 11, 27, 8, 9, 50, 0, time.UTC))
	ctx := context.Background()
	l := newLearner(t, st)
	in := store.AttemptInput{LearnerID: l.ID, Module: "internet", Lesson: "a",
		Choices: map[string]string{"q1": "a"}, Score: 1, Total: 3, Submission: "w1-abc"}
	res, err := st.RecordAttempt(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res.Duplicate, false)

	c.Add(20 * time.Second) // past the window's edge: a new key, the old one as Earlier
	in.Submission, in.Earlier, in.Within = "w2-abc", "w1-abc", 10*time.Minute
	res, err = st.RecordAttempt(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res.Duplicate, true)

	c.Add(11 * time.Minute) // much later: the earlier attempt is too old to be this one
	in.Submission, in.Earlier = "w3-abc", "w1-abc"
	res, err = st.RecordAttempt(ctx, in)
	assert.NoErr(t, err)
	assert.Equal(t, res.Duplicate, false)
	attempts, err := st.AttemptsOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(attempts), 2)
}

func TestLearnerCodesAndDuplicateForms(t *testing.T) {
	st, _ := storeAt(t, time.Now())
	ctx := context.Background()
	nonce := "form-1"
	a := store.Learner{Name: "A", BirthYear: 1970, UnitCode: "29623", Submission: &nonce}
	assert.NoErr(t, st.CreateLearner(ctx, &a))
	b := store.Learner{Name: "A", BirthYear: 1970, UnitCode: "29623", Submission: &nonce}
	err := st.CreateLearner(ctx, &b)
	assert.ErrIs(t, err, store.ErrDuplicateSubmission)
	assert.Equal(t, b.ID, a.ID)
	assert.Equal(t, b.Code, a.Code)
	got, err := st.LearnerByCode(ctx, strings.ToLower(a.Code[:3]+"-"+a.Code[3:]))
	assert.NoErr(t, err)
	assert.Equal(t, got.ID, a.ID)
	n, _ := st.CountLearners(ctx)
	assert.Equal(t, n, int64(1))
}

// TestCompletionIssuesCertificatesInTheSameTransaction: the attempt that
// completes a module's last lesson issues its certificate (and, for the last
// module, the programme's) before RecordAttempt returns, counted for the
// day; recording again issues nothing twice.
func TestCompletionIssuesCertificatesInTheSameTransaction(t *testing.T) {
	st, _ := storeAt(t, time.Now())
	ctx := context.Background()
	l := newLearner(t, st)
	modules := map[string][]string{"email": {"a", "b"}, "internet": {"c"}}
	answer := func(module, lesson, sub string) store.AttemptResult {
		t.Helper()
		res, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: module, Lesson: lesson,
			Choices: map[string]string{"q1": "a"}, Score: 3, Total: 3, Passed: true, Submission: sub, Modules: modules})
		assert.NoErr(t, err)
		return res
	}
	assert.Equal(t, len(answer("email", "a", "s1").Issued), 0)
	res := answer("email", "b", "s2")
	assert.Equal(t, len(res.Issued), 1)
	assert.Equal(t, res.Issued[0].Module, "email")
	assert.Equal(t, res.Issued[0].Name, "Nguyễn Văn An")
	res = answer("internet", "c", "s3")
	assert.Equal(t, len(res.Issued), 2) // the module, then the programme
	assert.Equal(t, res.Issued[1].Kind, store.CertProgramme)
	assert.Equal(t, len(answer("internet", "c", "s4").Issued), 0)
	certs, err := st.CertificatesOf(ctx, l.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(certs), 3)
	found, err := st.CertificateByCode(ctx, certs[0].Code)
	assert.NoErr(t, err)
	assert.Equal(t, found.LearnerID, l.ID)
	counts, _ := st.DailyCounts(ctx, l.UnitCode)
	assert.Equal(t, counts[0].ModulesCompleted, 2)
	assert.Equal(t, counts[0].Certificates, 3)
	missing, err := st.MissingCertificates(ctx, modules)
	assert.NoErr(t, err)
	assert.Equal(t, len(missing), 0)

	assert.NoErr(t, st.DeleteLearner(ctx, l.ID))
	_, err = st.CertificateByCode(ctx, certs[0].Code)
	assert.ErrIs(t, err, store.ErrNotFound)
}

// TestMissingCertificatesAreFoundAndIssuedOnce heals what a crash between
// two transactions left before answers were recorded in one: completed
// modules without their certificate.
func TestMissingCertificatesAreFoundAndIssuedOnce(t *testing.T) {
	st, _ := storeAt(t, time.Now())
	ctx := context.Background()
	l := newLearner(t, st)
	other := newLearner(t, st)
	modules := map[string][]string{"email": {"a", "b"}, "internet": {"c"}}
	for i, k := range [][2]string{{"email", "a"}, {"email", "b"}, {"internet", "c"}} {
		// Recorded without the rules: no certificates, as after the old crash.
		_, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: l.ID, Module: k[0], Lesson: k[1],
			Score: 3, Total: 3, Passed: true, Submission: fmt.Sprint("s", i)})
		assert.NoErr(t, err)
	}
	_, err := st.RecordAttempt(ctx, store.AttemptInput{LearnerID: other.ID, Module: "email", Lesson: "a",
		Score: 3, Total: 3, Passed: true, Submission: "o1"})
	assert.NoErr(t, err)
	missing, err := st.MissingCertificates(ctx, modules)
	assert.NoErr(t, err)
	assert.Equal(t, missing, []int64{l.ID}) // other has not finished a module
	issued, err := st.IssueEarned(ctx, l.ID, modules)
	assert.NoErr(t, err)
	assert.Equal(t, len(issued), 3)
	issued, err = st.IssueEarned(ctx, l.ID, modules)
	assert.NoErr(t, err)
	assert.Equal(t, len(issued), 0)
	missing, _ = st.MissingCertificates(ctx, modules)
	assert.Equal(t, len(missing), 0)
}
