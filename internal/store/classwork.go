package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/progress"
)

// A trainer's class work: the sessions of a class (buổi học), the lessons
// taught in each, attendance, and lessons a trainer saw a learner complete
// in person. Every method that names a class or a learner by id expects the
// caller to have checked it against the staff member's scope first
// (ClassUnder, ScopedLearner), which filter by unit path in SQL.

// ClassSession is one meeting of a class on a day.
type ClassSession struct {
	ID        int64
	ClassID   int64
	HeldOn    string // YYYY-MM-DD, Vietnam time
	OpenedBy  *int64
	TakenAt   *time.Time // when attendance was last saved; nil: not taken yet
	CreatedAt time.Time
}

// TableName names the table: "sessions" holds sign-in sessions.
func (ClassSession) TableName() string { return "class_sessions" }

// LessonRef names one lesson of the curriculum.
type LessonRef struct {
	Module string
	Lesson string
}

type sessionLesson struct {
	SessionID int64
	Module    string
	Lesson    string
}

func (sessionLesson) TableName() string { return "class_session_lessons" }

// AttendanceMark is one learner's mark in one session.
type AttendanceMark struct {
	SessionID int64
	LearnerID int64
	Present   bool
}

// TableName names the attendance table.
func (AttendanceMark) TableName() string { return "attendance" }

// ScopedLearner returns a learner whose commune lies under path, else
// ErrNotFound.
func (st *Store) ScopedLearner(ctx context.Context, id int64, path string) (Learner, error) {
	var l Learner
	err := st.r.WithContext(ctx).Scopes(InScope(path)).Where("id = ?", id).Take(&l).Error
	return l, notFound(err)
}

// classLearnerColumns are what staff pages show of a learner: never the
// PIN hash or the registration nonce.
var classLearnerColumns = []string{"id", "code", "name", "birth_year", "unit_code", "village", "gender", "phone", "class_id", "consent_at", "created_at", "updated_at", "last_active_at"}

// ClassLearners returns the learners of a class by name.
func (st *Store) ClassLearners(ctx context.Context, classID int64) ([]Learner, error) {
	var out []Learner
	err := st.r.WithContext(ctx).Select(classLearnerColumns).Where("class_id = ?", classID).Order("name, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: class learners: %w", err)
	}
	return out, nil
}

// OpenSessionInput opens (or finds) a class's session on a day.
type OpenSessionInput struct {
	ClassID int64
	HeldOn  string // YYYY-MM-DD
	By      int64  // the staff member opening it
	Lessons []LessonRef
}

// OpenSession finds or creates the class's session on a day and sets the
// lessons taught in it, in one transaction. Opening the same day twice
// (a double tap) gives the same session; its lessons are those of the
// latest call.
func (st *Store) OpenSession(ctx context.Context, in OpenSessionInput) (ClassSession, error) {
	var s ClassSession
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s = ClassSession{ClassID: in.ClassID, HeldOn: in.HeldOn, OpenedBy: &in.By, CreatedAt: st.now()}
		ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "class_id"}, {Name: "held_on"}}, DoNothing: true}).Create(&s)
		if ins.Error != nil {
			return ins.Error
		}
		if ins.RowsAffected == 1 { // a new session: the trainer's count (report counters)
			if err := st.BumpTrainer(tx, in.By, TrainerDelta{Sessions: 1}); err != nil {
				return err
			}
		}
		if err := tx.Where("class_id = ? AND held_on = ?", in.ClassID, in.HeldOn).Take(&s).Error; err != nil {
			return err
		}
		if err := tx.Where("session_id = ?", s.ID).Delete(&sessionLesson{}).Error; err != nil {
			return err
		}
		rows := make([]sessionLesson, 0, len(in.Lessons))
		for _, l := range uniqueLessons(in.Lessons) {
			rows = append(rows, sessionLesson{SessionID: s.ID, Module: l.Module, Lesson: l.Lesson})
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	if err != nil {
		return ClassSession{}, fmt.Errorf("store: open session: %w", err)
	}
	return s, nil
}

func uniqueLessons(in []LessonRef) []LessonRef {
	out := make([]LessonRef, 0, len(in))
	for _, l := range in {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// SessionSummary is a session with its lessons and attendance counts.
type SessionSummary struct {
	ClassSession
	Lessons []LessonRef
	Present int
	Absent  int
}

// ClassSessions lists a class's sessions, newest first, with the lessons
// taught and how many came: three queries whatever the number of sessions.
func (st *Store) ClassSessions(ctx context.Context, classID int64) ([]SessionSummary, error) {
	db := st.r.WithContext(ctx)
	var sessions []ClassSession
	if err := db.Where("class_id = ?", classID).Order("held_on DESC").Find(&sessions).Error; err != nil {
		return nil, fmt.Errorf("store: class sessions: %w", err)
	}
	out := make([]SessionSummary, len(sessions))
	at := map[int64]int{}
	for i, s := range sessions {
		out[i] = SessionSummary{ClassSession: s}
		at[s.ID] = i
	}
	if len(sessions) == 0 {
		return out, nil
	}
	ids := db.Model(&ClassSession{}).Select("id").Where("class_id = ?", classID)
	var lessons []sessionLesson
	if err := db.Where("session_id IN (?)", ids).Order("session_id, module, lesson").Find(&lessons).Error; err != nil {
		return nil, fmt.Errorf("store: session lessons: %w", err)
	}
	for _, l := range lessons {
		if i, ok := at[l.SessionID]; ok {
			out[i].Lessons = append(out[i].Lessons, LessonRef{l.Module, l.Lesson})
		}
	}
	type count struct {
		SessionID int64
		Present   bool
		N         int
	}
	var counts []count
	err := db.Model(&AttendanceMark{}).Select("session_id, present, COUNT(*) AS n").
		Where("session_id IN (?)", ids).Group("session_id, present").Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("store: attendance counts: %w", err)
	}
	for _, c := range counts {
		if i, ok := at[c.SessionID]; ok {
			if c.Present {
				out[i].Present = c.N
			} else {
				out[i].Absent = c.N
			}
		}
	}
	return out, nil
}

// ClassSession returns one session of a class with its lessons, or
// ErrNotFound when the session belongs to another class.
func (st *Store) ClassSession(ctx context.Context, classID, id int64) (ClassSession, []LessonRef, error) {
	db := st.r.WithContext(ctx)
	var s ClassSession
	if err := db.Where("id = ? AND class_id = ?", id, classID).Take(&s).Error; err != nil {
		return s, nil, notFound(err)
	}
	var rows []sessionLesson
	if err := db.Where("session_id = ?", id).Order("module, lesson").Find(&rows).Error; err != nil {
		return s, nil, fmt.Errorf("store: session lessons: %w", err)
	}
	lessons := make([]LessonRef, len(rows))
	for i, r := range rows {
		lessons[i] = LessonRef{r.Module, r.Lesson}
	}
	return s, lessons, nil
}

// SessionAttendance returns the marks of one session by learner.
func (st *Store) SessionAttendance(ctx context.Context, sessionID int64) (map[int64]bool, error) {
	var marks []AttendanceMark
	if err := st.r.WithContext(ctx).Where("session_id = ?", sessionID).Find(&marks).Error; err != nil {
		return nil, fmt.Errorf("store: attendance: %w", err)
	}
	out := make(map[int64]bool, len(marks))
	for _, m := range marks {
		out[m.LearnerID] = m.Present
	}
	return out, nil
}

// AttendanceResult says what saving attendance wrote.
type AttendanceResult struct {
	Present, Absent int
}

// SaveAttendance records who came to a session: every learner of the class
// gets a mark, present when their id is in present, absent otherwise (ids
// of other people are ignored). It is one transaction of four statements
// whatever the size of the class: read the class's learners, delete their
// old marks of this session, insert all new marks in one INSERT, and note
// when attendance was taken. Saving again replaces the marks.
func (st *Store) SaveAttendance(ctx context.Context, classID, sessionID int64, present []int64) (AttendanceResult, error) {
	var res AttendanceResult
	here := map[int64]bool{}
	for _, id := range present {
		here[id] = true
	}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res = AttendanceResult{}
		var members []int64
		q := tx.Model(&Learner{}).Where("class_id = ?", classID).Order("id")
		if st.dialect == Postgres {
			// The learners before the trainer's counter row, the order a
			// deletion takes them in (see countDeletion).
			q = q.Clauses(clause.Locking{Strength: "KEY SHARE"})
		}
		if err := q.Pluck("id", &members).Error; err != nil {
			return err
		}
		// The learners a session's trainer reached (report counters): read
		// for the class's learners before and after the marks change.
		var s ClassSession
		if err := tx.Select("id", "opened_by").Where("id = ? AND class_id = ?", sessionID, classID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		var reachedBefore int64
		if s.OpenedBy != nil {
			if st.dialect == Postgres {
				// Two saves for one trainer at once would each count the
				// learners reached without the other's marks: the trainer's
				// counter row, locked here, makes them take turns.
				if err := st.BumpTrainer(tx, *s.OpenedBy, TrainerDelta{}); err != nil {
					return err
				}
			}
			var err error
			if reachedBefore, err = st.attendedWith(tx, *s.OpenedBy, members); err != nil {
				return err
			}
		}
		// The marks of the learners just read, not of a second reading: a
		// learner moved out of the class in between would keep an old mark
		// and get a new one (a duplicate key on PostgreSQL).
		if len(members) > 0 {
			if err := tx.Where("session_id = ? AND learner_id IN ?", sessionID, members).Delete(&AttendanceMark{}).Error; err != nil {
				return err
			}
		}
		marks := make([]AttendanceMark, len(members))
		for i, id := range members {
			marks[i] = AttendanceMark{SessionID: sessionID, LearnerID: id, Present: here[id]}
			if here[id] {
				res.Present++
			} else {
				res.Absent++
			}
		}
		if len(marks) > 0 {
			if err := tx.CreateInBatches(&marks, 500).Error; err != nil {
				return err
			}
		}
		if s.OpenedBy != nil {
			reachedAfter, err := st.attendedWith(tx, *s.OpenedBy, members)
			if err != nil {
				return err
			}
			if reachedAfter != reachedBefore {
				if err := st.BumpTrainer(tx, *s.OpenedBy, TrainerDelta{Learners: reachedAfter - reachedBefore}); err != nil {
					return err
				}
			}
		}
		return changed(tx.Model(&ClassSession{}).Where("id = ? AND class_id = ?", sessionID, classID).Update("taken_at", st.now()), "note attendance taken")
	})
	if err != nil {
		return AttendanceResult{}, fmt.Errorf("store: save attendance: %w", err)
	}
	return res, nil
}

// LearnerAttendance is one session of a learner's class and their mark.
type LearnerAttendance struct {
	SessionID int64
	HeldOn    string
	Present   bool
}

// AttendanceOf lists the marks a learner got, newest first.
func (st *Store) AttendanceOf(ctx context.Context, learnerID int64) ([]LearnerAttendance, error) {
	var out []LearnerAttendance
	err := st.r.WithContext(ctx).Table("attendance a").Select("a.session_id, s.held_on, a.present").
		Joins("JOIN class_sessions s ON s.id = a.session_id").
		Where("a.learner_id = ?", learnerID).Order("s.held_on DESC").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: attendance of learner: %w", err)
	}
	return out, nil
}

// VerifyInput is a lesson a trainer saw a learner complete in person.
type VerifyInput struct {
	LearnerID int64
	Module    string
	Lesson    string
	By        int64     // the trainer
	At        time.Time // zero means now
	// Modules lists the lessons of every module, for the certificates the
	// completion may earn (as in AttemptInput).
	Modules map[string][]string
}

// VerifyResult says what recording an in-person completion changed.
type VerifyResult struct {
	AlreadyCompleted bool          // the lesson was completed before (by quiz or in person): nothing changed
	Issued           []Certificate // certificates the completion earned
}

// VerifyLesson records an in-person completion in the same way and in the
// same single transaction as RecordAttempt records a passed quiz: the
// progress row becomes completed with verified_by set to the trainer, the
// learner's last activity moves forward, the commune's day counts the
// completed lesson, and every certificate the records now earn is issued.
// It is idempotent: a lesson already completed (by quiz or in person) is
// left as it is, so a second tap changes nothing.
func (st *Store) VerifyLesson(ctx context.Context, in VerifyInput) (VerifyResult, error) {
	var res VerifyResult
	at := in.At.UTC().Truncate(time.Microsecond)
	if in.At.IsZero() {
		at = st.now()
	}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res = VerifyResult{}
		k, err := st.learnerKey(tx, in.LearnerID) // for the report counters, before last_active_at moves
		if err != nil {
			return err
		}
		var p Progress
		err = tx.Where("learner_id = ? AND module = ? AND lesson = ?", in.LearnerID, in.Module, in.Lesson).Take(&p).Error
		exists := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if exists && p.Status == string(progress.Completed) {
			res.AlreadyCompleted = true
			return nil
		}
		if exists {
			err = tx.Model(&Progress{}).Where("learner_id = ? AND module = ? AND lesson = ?", in.LearnerID, in.Module, in.Lesson).
				Updates(map[string]any{"status": string(progress.Completed), "completed_at": at, "verified_by": in.By, "last_at": at}).Error
		} else {
			err = tx.Create(&Progress{LearnerID: in.LearnerID, Module: in.Module, Lesson: in.Lesson, Status: string(progress.Completed),
				FirstAt: at, LastAt: at, CompletedAt: &at, VerifiedBy: &in.By}).Error
		}
		if err != nil {
			return err
		}
		// A completion recorded after the day (a session's list filled in
		// later) must not move the last activity back.
		if err := tx.Model(&Learner{}).Where("id = ? AND last_active_at < ?", in.LearnerID, at).Update("last_active_at", at).Error; err != nil {
			return err
		}
		if res.Issued, err = st.lessonCompleted(tx, in.LearnerID, in.Modules, at); err != nil {
			return err
		}
		return st.countVerify(tx, k, at, res.Issued) // report counters (counters.go), last
	})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("store: verify lesson: %w", err)
	}
	return res, nil
}
