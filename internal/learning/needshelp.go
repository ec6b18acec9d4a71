package learning

import (
	"slices"
	"strconv"
	"time"

	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
)

// The "needs help" rules. A trainer must be able to trust every flag, so
// each one carries its reason and the numbers behind it, and a suggested
// action; a lesson the learner has passed since is never a reason.

// Thresholds tune the rules; an admin changes them (stored as settings).
type Thresholds struct {
	FailedAttempts int // failed quiz attempts on a lesson not passed since
	AbsentSessions int // absent from this many of the class's last sessions in a row
	InactiveDays   int // days without learning in the app or attending a session
}

// The settings that hold the thresholds.
const (
	SettingFailedAttempts = "needs_help.failed_attempts"
	SettingAbsentSessions = "needs_help.absent_sessions"
	SettingInactiveDays   = "needs_help.inactive_days"
)

// ThresholdRule is one threshold's setting name, default and valid range.
type ThresholdRule struct {
	Name              string
	Default, Min, Max int
}

// ThresholdRules returns the three thresholds in the order forms show them.
func ThresholdRules() []ThresholdRule {
	return []ThresholdRule{
		{SettingFailedAttempts, 3, 1, 20},
		{SettingAbsentSessions, 2, 1, 10},
		{SettingInactiveDays, 14, 1, 365},
	}
}

// SettingNames returns the names of the threshold settings.
func SettingNames() []string {
	var out []string
	for _, r := range ThresholdRules() {
		out = append(out, r.Name)
	}
	return out
}

// DefaultThresholds returns 3 failed attempts, 2 sessions, 14 days.
func DefaultThresholds() Thresholds { return ThresholdsFrom(nil) }

// ThresholdsFrom reads stored settings; a missing, malformed or
// out-of-range value falls back to its default.
func ThresholdsFrom(values map[string]string) Thresholds {
	get := func(r ThresholdRule) int {
		n, err := strconv.Atoi(values[r.Name])
		if err != nil || n < r.Min || n > r.Max {
			return r.Default
		}
		return n
	}
	rules := ThresholdRules()
	return Thresholds{FailedAttempts: get(rules[0]), AbsentSessions: get(rules[1]), InactiveDays: get(rules[2])}
}

// Values returns the thresholds as settings to store.
func (t Thresholds) Values() map[string]string {
	return map[string]string{
		SettingFailedAttempts: strconv.Itoa(t.FailedAttempts),
		SettingAbsentSessions: strconv.Itoa(t.AbsentSessions),
		SettingInactiveDays:   strconv.Itoa(t.InactiveDays),
	}
}

// Reason is why a learner is flagged.
type Reason string

// The reasons.
const (
	ReasonFailed   Reason = "failed"   // failed a lesson's quiz again and again
	ReasonAbsent   Reason = "absent"   // missed the class's last sessions
	ReasonInactive Reason = "inactive" // has done nothing for days
)

// Action is what the trainer is advised to do about a flag.
type Action string

// The actions.
const (
	ActionReteach Action = "reteach" // go over that lesson again with them
	ActionVisit   Action = "visit"   // call or visit them at home
)

// Flag is one reason a learner needs help.
type Flag struct {
	Reason Reason
	Action Action
	Module string // ReasonFailed: the lesson to teach again
	Lesson string
	Count  int       // failed attempts, sessions missed, or days without activity
	Since  time.Time // ReasonInactive: the last activity (zero: never)
}

// Mark is a learner's attendance in one of the class's recent sessions.
type Mark int8

// The marks. NotRecorded is a session held before the learner joined.
const (
	NotRecorded Mark = iota
	Present
	Absent
)

// LessonRecord is what the rules read of one lesson record.
type LessonRecord struct {
	Module, Lesson string
	Completed      bool // passed, or completed in person: never a reason
	FailedAttempts int
}

// LearnerRecord is what the rules read of one learner.
type LearnerRecord struct {
	LearnerID   int64
	LastActive  time.Time // last thing done in the app
	LastPresent time.Time // start of the last day present at a session; zero if never
	Lessons     []LessonRecord
	Recent      []Mark // the class's last sessions with attendance taken, newest first
}

// NeedsHelp applies the three rules to one learner:
//   - FailedAttempts or more failed attempts at a lesson not completed since;
//   - absent from each of the class's last AbsentSessions sessions (sessions
//     held before the learner joined do not count either way);
//   - InactiveDays or more days since the last activity, in the app or at a
//     session.
//
// Failed lessons come first, most failures first.
func NeedsHelp(r LearnerRecord, th Thresholds, now time.Time) []Flag {
	var out []Flag
	for _, l := range r.Lessons {
		if !l.Completed && l.FailedAttempts >= th.FailedAttempts {
			out = append(out, Flag{Reason: ReasonFailed, Action: ActionReteach, Module: l.Module, Lesson: l.Lesson, Count: l.FailedAttempts})
		}
	}
	slices.SortStableFunc(out, func(a, b Flag) int { return b.Count - a.Count })
	if th.AbsentSessions > 0 && len(r.Recent) >= th.AbsentSessions {
		missed := 0
		for _, m := range r.Recent[:th.AbsentSessions] {
			if m == Absent {
				missed++
			}
		}
		if missed == th.AbsentSessions {
			out = append(out, Flag{Reason: ReasonAbsent, Action: ActionVisit, Count: missed})
		}
	}
	last := r.LastActive
	if r.LastPresent.After(last) {
		last = r.LastPresent
	}
	if days := int(now.Sub(last).Hours() / 24); !last.IsZero() && days >= th.InactiveDays {
		out = append(out, Flag{Reason: ReasonInactive, Action: ActionVisit, Count: days, Since: last})
	}
	return out
}

// Records turns a class snapshot into the records the rules read, one per
// learner in the snapshot's order. A lesson record that is "started" has
// only failed attempts: the first pass completes a lesson, and a completed
// lesson stays completed (internal/progress). loc is the time zone of the
// snapshot's days.
func Records(snap store.ClassSnapshot, loc *time.Location) []LearnerRecord {
	lessons := map[int64][]LessonRecord{}
	for _, p := range snap.Progress {
		done := p.Status == string(progress.Completed)
		failed := 0
		if !done {
			failed = p.Attempts
		}
		lessons[p.LearnerID] = append(lessons[p.LearnerID], LessonRecord{Module: p.Module, Lesson: p.Lesson, Completed: done, FailedAttempts: failed})
	}
	// Each class's recent sessions, newest first, and every mark in them.
	sessions := map[int64][]int64{}
	seen := map[int64]bool{}
	marks := map[[2]int64]bool{} // (session, learner) → present
	for _, m := range snap.Recent {
		if !seen[m.SessionID] {
			seen[m.SessionID] = true
			sessions[m.ClassID] = append(sessions[m.ClassID], m.SessionID)
		}
		marks[[2]int64{m.SessionID, m.LearnerID}] = m.Present
	}
	held := map[int64]string{}
	for _, m := range snap.Recent {
		held[m.SessionID] = m.HeldOn
	}
	for c := range sessions {
		slices.SortFunc(sessions[c], func(a, b int64) int {
			switch {
			case held[a] > held[b]:
				return -1
			case held[a] < held[b]:
				return 1
			}
			return 0
		})
	}
	out := make([]LearnerRecord, len(snap.Learners))
	for i, l := range snap.Learners {
		r := LearnerRecord{LearnerID: l.ID, LastActive: l.LastActiveAt, Lessons: lessons[l.ID]}
		if day, ok := snap.LastPresent[l.ID]; ok {
			if t, err := time.ParseInLocation("2006-01-02", day, loc); err == nil {
				r.LastPresent = t
			}
		}
		if l.ClassID != nil {
			for _, s := range sessions[*l.ClassID] {
				present, ok := marks[[2]int64{s, l.ID}]
				switch {
				case !ok:
					r.Recent = append(r.Recent, NotRecorded)
				case present:
					r.Recent = append(r.Recent, Present)
				default:
					r.Recent = append(r.Recent, Absent)
				}
			}
		}
		out[i] = r
	}
	return out
}
