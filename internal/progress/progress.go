// Package progress holds the completion rules of DESIGN §2 as pure
// functions: when a lesson, a module and the programme count as done, and
// how an attempt changes a learner's record. No HTTP, no SQL: the store
// keeps the records and the web layer shows them.
package progress

// Status of a lesson or module for one learner.
type Status string

// The statuses, as stored and as shown.
const (
	NotStarted Status = "not_started"
	Started    Status = "started"
	Completed  Status = "completed"
)

// Key names one lesson.
type Key struct{ Module, Lesson string }

// Record is what is kept per learner and lesson.
type Record struct {
	Status    Status
	BestScore int
	Total     int
	Attempts  int
	Verified  bool // a trainer saw the learner do it in person
}

// Map holds a learner's records by lesson.
type Map map[Key]Record

// AfterAttempt returns the record after a graded attempt. A lesson, once
// completed, stays completed: a later failed try never takes it back.
func AfterAttempt(prev Record, score, total int, passed bool) (next Record, newlyCompleted bool) {
	next = prev
	next.Attempts++
	if score > next.BestScore || next.Total == 0 {
		next.BestScore, next.Total = max(score, next.BestScore), total
	}
	if passed && prev.Status != Completed {
		next.Status = Completed
		return next, true
	}
	if next.Status != Completed {
		next.Status = Started
	}
	return next, false
}

// Lesson returns the status of one lesson.
func (m Map) Lesson(module, lesson string) Status {
	r, ok := m[Key{module, lesson}]
	if !ok {
		return NotStarted
	}
	return r.Status
}

// ModuleSummary is a learner's progress through one module.
type ModuleSummary struct {
	Done, Total int
	Status      Status
}

// Module summarises a module given its lessons (in order). The module is
// completed when all its lessons are; started when any lesson is started.
func (m Map) Module(module string, lessons []string) ModuleSummary {
	s := ModuleSummary{Total: len(lessons), Status: NotStarted}
	for _, l := range lessons {
		switch m.Lesson(module, l) {
		case Completed:
			s.Done++
			s.Status = Started
		case Started:
			s.Status = Started
		}
	}
	if s.Total > 0 && s.Done == s.Total {
		s.Status = Completed
	}
	return s
}

// Programme tells how many modules are completed and whether all are, which
// earns the programme certificate. modules maps each module to its lessons.
func (m Map) Programme(modules map[string][]string) (done int, complete bool) {
	for slug, lessons := range modules {
		if m.Module(slug, lessons).Status == Completed {
			done++
		}
	}
	return done, len(modules) > 0 && done == len(modules)
}

// NextLesson returns the first lesson of the module not yet completed, or
// "" when all are: where "continue" takes a returning learner.
func (m Map) NextLesson(module string, lessons []string) string {
	for _, l := range lessons {
		if m.Lesson(module, l) != Completed {
			return l
		}
	}
	return ""
}

// Earned lists the certificates a learner's records earn: each completed
// module, and the programme when every module is completed. Issuing is
// idempotent, so callers may ask after every completed lesson.
func (m Map) Earned(modules map[string][]string) (completed []string, programme bool) {
	for slug, lessons := range modules {
		if m.Module(slug, lessons).Status == Completed {
			completed = append(completed, slug)
		}
	}
	return completed, len(modules) > 0 && len(completed) == len(modules)
}
