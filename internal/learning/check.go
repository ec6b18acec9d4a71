package learning

import (
	"context"
	"errors"
	"time"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
)

// ErrNoCheck is returned when the curriculum has no before/after check.
var ErrNoCheck = errors.New("learning: the curriculum has no check")

// ErrIncompleteCheck is returned for a check with unanswered questions:
// only complete checks are stored, so that scores compare.
var ErrIncompleteCheck = errors.New("learning: the check has unanswered questions")

// CheckAnswer is one submitted before/after check.
type CheckAnswer struct {
	Kind       string            // store.CheckBefore or store.CheckAfter
	Choices    map[string]string // question id → option id
	Submission string            // idempotency key: the same key is recorded once
	At         time.Time         // when it was answered; zero means now
}

// CheckOutcome is what recording a check gave.
type CheckOutcome struct {
	Grade curriculum.CheckGrade
	store.CheckRecorded
}

// Check grades a before/after check against the Vietnamese check (ids are
// the same in every language) and records the result with its module
// scores. The store keeps the first "before" and the latest "after".
func (r *Recorder) Check(ctx context.Context, learnerID int64, a CheckAnswer) (CheckOutcome, error) {
	ch := r.cat.Check(curriculum.DefaultLocale)
	if ch == nil {
		return CheckOutcome{}, ErrNoCheck
	}
	g := ch.Grade(a.Choices)
	if len(g.Missing) > 0 {
		return CheckOutcome{Grade: g}, ErrIncompleteCheck
	}
	in := store.CheckInput{LearnerID: learnerID, Kind: a.Kind, Choices: g.Choices(), Correct: g.Score, Total: g.Total,
		Submission: a.Submission, At: a.At}
	for _, m := range g.Modules {
		in.Modules = append(in.Modules, store.CheckScore{Module: m.Module, Correct: m.Right, Total: m.Total})
	}
	res, err := r.st.RecordCheck(ctx, in)
	if err != nil {
		return CheckOutcome{}, err
	}
	return CheckOutcome{Grade: g, CheckRecorded: res}, nil
}

// AfterCheckOpen tells whether a learner may take the "after" check: they
// have a "before" result to compare with, and have completed at least one
// module, so that there is something learnt to measure. Waiting for all
// six modules would leave out most residents, who learn the modules they
// need; the "after" result can be taken again as more modules are done.
func (r *Recorder) AfterCheckOpen(hasBefore bool, pm progress.Map) bool {
	if !hasBefore {
		return false
	}
	for _, slug := range curriculum.ModuleSlugs() {
		if pm.Module(slug, r.modules[slug]).Status == progress.Completed {
			return true
		}
	}
	return false
}
