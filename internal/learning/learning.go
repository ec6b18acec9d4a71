// Package learning is the one entry point for recording what a learner has
// done. Answer grades a quiz against the lesson and has the store write the
// attempt, the progress, the counts and the certificates it earns in one
// transaction; Verify does the same for a lesson a trainer saw completed in
// person; Repair heals databases written before that was so. It also holds
// the trainers' rules that read those records: who needs help and why
// (needshelp.go), and which quiz questions a class gets wrong (analysis.go). The web
// handlers, the demo and the repair command all go through here, so the
// rules are applied one way. It imports no HTTP or SQL package.
package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
)

// ErrUnknownLesson is returned for an answer to a lesson that does not
// exist (any more) in the curriculum.
var ErrUnknownLesson = errors.New("learning: no such lesson")

// Recorder records learners' answers under the curriculum's rules.
type Recorder struct {
	st      *store.Store
	cat     *curriculum.Catalog
	modules map[string][]string
}

// New returns a Recorder for a store and a curriculum.
func New(st *store.Store, cat *curriculum.Catalog) *Recorder {
	return &Recorder{st: st, cat: cat, modules: cat.LessonsByModule()}
}

// Answer is one submitted quiz.
type Answer struct {
	Module, Lesson string
	Choices        map[string]string // question id → option id
	Submission     string            // idempotency key: the same key is recorded once
	At             time.Time         // when it was answered; zero means now
	// Earlier, with Within, names a second key under which the same answer
	// may already be stored: an attempt stored under Earlier less than
	// Within ago makes this one a duplicate (keys made from the answers
	// and a time window; see store.AttemptInput).
	Earlier string
	Within  time.Duration
}

// Outcome is what recording an answer gave.
type Outcome struct {
	Result curriculum.Result // the grade, with an explanation for every option
	store.AttemptResult
}

// Answer grades a quiz against the current Vietnamese lesson (ids are the
// same in every language) and records it for the learner: attempt,
// progress, counts and earned certificates commit together or not at all.
func (r *Recorder) Answer(ctx context.Context, learnerID int64, a Answer) (Outcome, error) {
	lesson, ok := r.cat.Lesson(curriculum.DefaultLocale, a.Module, a.Lesson)
	if !ok {
		return Outcome{}, fmt.Errorf("%w: %s/%s", ErrUnknownLesson, a.Module, a.Lesson)
	}
	g := lesson.Grade(a.Choices)
	res, err := r.st.RecordAttempt(ctx, store.AttemptInput{
		LearnerID: learnerID, Module: a.Module, Lesson: a.Lesson, Choices: g.Choices(),
		Score: g.Score, Total: g.Total, Passed: g.Passed, Submission: a.Submission, At: a.At, Modules: r.modules,
		Earlier: a.Earlier, Within: a.Within,
	})
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Result: g, AttemptResult: res}, nil
}

// Verify records that a trainer (by, a staff user id) saw a learner
// complete a lesson in person, e.g. on the trainer's phone at the commune
// hall. It goes through the same store transaction pattern as Answer:
// progress (completed, marked verified by the trainer), counts and earned
// certificates commit together. It is idempotent: a lesson the learner has
// already completed is left as it is. The caller checks that the learner
// lies in the trainer's scope.
func (r *Recorder) Verify(ctx context.Context, by, learnerID int64, module, lesson string, at time.Time) (store.VerifyResult, error) {
	if _, ok := r.cat.Lesson(curriculum.DefaultLocale, module, lesson); !ok {
		return store.VerifyResult{}, fmt.Errorf("%w: %s/%s", ErrUnknownLesson, module, lesson)
	}
	return r.st.VerifyLesson(ctx, store.VerifyInput{LearnerID: learnerID, Module: module, Lesson: lesson, By: by, At: at, Modules: r.modules})
}

// Repair issues every certificate that learners' records earn but that is
// missing (a crash between two transactions could leave such a gap before
// Answer wrote everything at once; a lesson removed from a module can
// complete it). It is idempotent and returns how many it issued.
func (r *Recorder) Repair(ctx context.Context) (int, error) {
	ids, err := r.st.MissingCertificates(ctx, r.modules)
	if err != nil {
		return 0, err
	}
	issued := 0
	for _, id := range ids {
		certs, err := r.st.IssueEarned(ctx, id, r.modules)
		if err != nil {
			return issued, err
		}
		issued += len(certs)
	}
	return issued, nil
}
