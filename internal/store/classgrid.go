package store

import (
	"context"
	"fmt"
	"time"
)

// What the trainers' read-only pages need about whole classes at once: the
// progress grid, the needs-help list, the landing page, the question
// analysis and the exports. Each method runs a fixed number of queries
// whatever the number of learners (no query per learner or per lesson), and
// takes class ids the caller has checked against the staff member's scope.

// ProgressCell is one learner's record for one lesson, as the grid shows it.
type ProgressCell struct {
	LearnerID  int64
	Module     string
	Lesson     string
	Status     string
	Attempts   int
	BestScore  int
	Total      int
	VerifiedBy *int64 // a trainer recorded it in person
}

// LearnerScenario is a practice scenario a learner has passed.
type LearnerScenario struct {
	LearnerID int64
	Scenario  string
}

// ClassSnapshot is everything the grid and the needs-help rules read about
// some classes.
type ClassSnapshot struct {
	Learners []Learner      // by class, then name
	Progress []ProgressCell // every lesson record of those learners
	Practice []LearnerScenario
	Sessions []ClassSession // every session of the classes, by class then day
	// Recent holds the marks of each class's last taken sessions up to
	// today (at most the number asked for per class), newest first.
	Recent      []RecentMark
	LastPresent map[int64]string // learner → the last day they were present
	Tasks       map[int64]int    // learner → real tasks ticked
}

// RecentMark is a learner's mark in one of their class's recent sessions.
type RecentMark struct {
	ClassID   int64
	SessionID int64
	HeldOn    string
	LearnerID int64
	Present   bool
}

// ClassSnapshot reads, in at most seven queries, the learners of the given
// classes, their lesson records and passed practice scenarios, the
// classes' sessions, the marks of each class's last `recent` sessions whose
// attendance was taken on or before today, the day each learner was last
// present, and how many real tasks each has had ticked.
func (st *Store) ClassSnapshot(ctx context.Context, classIDs []int64, today string, recent int) (ClassSnapshot, error) {
	snap := ClassSnapshot{LastPresent: map[int64]string{}, Tasks: map[int64]int{}}
	if len(classIDs) == 0 {
		return snap, nil
	}
	db := st.r.WithContext(ctx)
	wrap := func(what string, err error) error { return fmt.Errorf("store: class snapshot, %s: %w", what, err) }
	members := db.Model(&Learner{}).Select("id").Where("class_id IN ?", classIDs)

	if err := db.Select(classLearnerColumns).Where("class_id IN ?", classIDs).Order("class_id, name, id").Find(&snap.Learners).Error; err != nil {
		return snap, wrap("learners", err)
	}
	if len(snap.Learners) > 0 {
		// The biggest result (a row per learner and lesson): scanned by
		// hand, which costs half of GORM's reflection per row.
		rows, err := db.Model(&Progress{}).Select("learner_id, module, lesson, status, attempts, best_score, total, verified_by").
			Where("learner_id IN (?)", members).Rows()
		if err != nil {
			return snap, wrap("progress", err)
		}
		for rows.Next() {
			var c ProgressCell
			if err := rows.Scan(&c.LearnerID, &c.Module, &c.Lesson, &c.Status, &c.Attempts, &c.BestScore, &c.Total, &c.VerifiedBy); err != nil {
				rows.Close()
				return snap, wrap("progress", err)
			}
			snap.Progress = append(snap.Progress, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return snap, wrap("progress", err)
		}
		err = db.Model(&PracticeRun{}).Distinct("learner_id", "scenario").
			Where("safe = ? AND learner_id IN (?)", true, members).Order("learner_id, scenario").Scan(&snap.Practice).Error
		if err != nil {
			return snap, wrap("practice", err)
		}
		type n struct {
			LearnerID int64
			N         int
		}
		var tasks []n
		err = db.Model(&TaskTick{}).Select("learner_id, COUNT(*) AS n").Where("learner_id IN (?)", members).Group("learner_id").Scan(&tasks).Error
		if err != nil {
			return snap, wrap("tasks", err)
		}
		for _, t := range tasks {
			snap.Tasks[t.LearnerID] = t.N
		}
	}
	if err := db.Where("class_id IN ?", classIDs).Order("class_id, held_on").Find(&snap.Sessions).Error; err != nil {
		return snap, wrap("sessions", err)
	}
	// The last `recent` taken sessions of each class, newest first: few
	// rows per class, chosen here rather than with a window function.
	var ids []int64
	day := map[int64]ClassSession{}
	taken := map[int64]int{}
	for i := len(snap.Sessions) - 1; i >= 0; i-- {
		s := snap.Sessions[i]
		if s.TakenAt == nil || s.HeldOn > today || taken[s.ClassID] >= recent {
			continue
		}
		taken[s.ClassID]++
		ids = append(ids, s.ID)
		day[s.ID] = s
	}
	if len(ids) > 0 {
		var marks []AttendanceMark
		if err := db.Where("session_id IN ?", ids).Find(&marks).Error; err != nil {
			return snap, wrap("recent attendance", err)
		}
		for _, m := range marks {
			s := day[m.SessionID]
			snap.Recent = append(snap.Recent, RecentMark{ClassID: s.ClassID, SessionID: s.ID, HeldOn: s.HeldOn, LearnerID: m.LearnerID, Present: m.Present})
		}
		type last struct {
			LearnerID int64
			Day       string
		}
		var lasts []last
		err := db.Table("attendance a").Select("a.learner_id, MAX(s.held_on) AS day").
			Joins("JOIN class_sessions s ON s.id = a.session_id").
			Where("s.class_id IN ? AND a.present = ? AND s.held_on <= ?", classIDs, true, today).
			Group("a.learner_id").Scan(&lasts).Error
		if err != nil {
			return snap, wrap("last present", err)
		}
		for _, l := range lasts {
			snap.LastPresent[l.LearnerID] = l.Day
		}
	}
	return snap, nil
}

// AnswerRow is one quiz attempt's chosen options (JSON: question → option).
type AnswerRow struct {
	Module  string
	Lesson  string
	Answers string
}

// ClassAnswers returns the chosen options of every quiz attempt made by the
// learners of a class, in one query over the attempts_learner_lesson index
// (three short columns per attempt; a class of 40 who took every quiz once
// or twice is a few thousand rows).
func (st *Store) ClassAnswers(ctx context.Context, classID int64) ([]AnswerRow, error) {
	var out []AnswerRow
	db := st.r.WithContext(ctx)
	err := db.Model(&Attempt{}).Select("module, lesson, answers").
		Where("learner_id IN (?)", db.Model(&Learner{}).Select("id").Where("class_id = ?", classID)).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: class answers: %w", err)
	}
	return out, nil
}

// TrainerTotals are a staff member's own figures for a period.
type TrainerTotals struct {
	Sessions int // sessions they opened, held in the period, with attendance taken
	Learners int // different learners present at those sessions
	Tasks    int // real tasks they ticked in the period
}

// TrainerTotalsBetween counts a staff member's sessions held from fromDay
// to toDay (inclusive, YYYY-MM-DD), the learners present at them, and the
// tasks they ticked between from and to.
func (st *Store) TrainerTotalsBetween(ctx context.Context, userID int64, fromDay, toDay string, from, to time.Time) (TrainerTotals, error) {
	var t TrainerTotals
	db := st.r.WithContext(ctx)
	held := db.Model(&ClassSession{}).Where("opened_by = ? AND held_on >= ? AND held_on <= ? AND taken_at IS NOT NULL", userID, fromDay, toDay)
	var n int64
	if err := held.Count(&n).Error; err != nil {
		return t, fmt.Errorf("store: trainer sessions: %w", err)
	}
	t.Sessions = int(n)
	err := db.Model(&AttendanceMark{}).Where("present = ? AND session_id IN (?)", true,
		db.Model(&ClassSession{}).Select("id").Where("opened_by = ? AND held_on >= ? AND held_on <= ?", userID, fromDay, toDay)).
		Distinct("learner_id").Count(&n).Error
	if err != nil {
		return t, fmt.Errorf("store: trainer learners: %w", err)
	}
	t.Learners = int(n)
	if err := db.Model(&TaskTick{}).Where("ticked_by = ? AND ticked_at >= ? AND ticked_at < ?", userID, from, to).Count(&n).Error; err != nil {
		return t, fmt.Errorf("store: trainer tasks: %w", err)
	}
	t.Tasks = int(n)
	return t, nil
}
