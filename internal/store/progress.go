package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/progress"
)

// Progress is a learner's record for one lesson.
type Progress struct {
	LearnerID   int64  `gorm:"primaryKey"`
	Module      string `gorm:"primaryKey"`
	Lesson      string `gorm:"primaryKey"`
	Status      string
	BestScore   int
	Total       int
	Attempts    int
	FirstAt     time.Time
	LastAt      time.Time
	CompletedAt *time.Time
	VerifiedBy  *int64
}

// TableName keeps GORM from pluralising "progress".
func (Progress) TableName() string { return "progress" }

// Attempt is one submitted quiz with the options chosen.
type Attempt struct {
	ID         int64
	LearnerID  int64
	Module     string
	Lesson     string
	Answers    string // JSON: question id → option id
	Score      int
	Total      int
	Passed     bool
	Submission string
	CreatedAt  time.Time
}

// Choices decodes the chosen options.
func (a Attempt) Choices() map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(a.Answers), &m)
	return m
}

// AttemptInput is a graded quiz to record.
type AttemptInput struct {
	LearnerID  int64
	Module     string
	Lesson     string
	Choices    map[string]string
	Score      int
	Total      int
	Passed     bool
	Submission string // the form's idempotency key; a resubmission is recorded once
	// Earlier, when set, is a second key the same submission may already
	// be stored under: an attempt of this learner stored under Earlier at
	// most Within before At makes this one a duplicate. The web layer uses
	// it for keys made from the answers and a time window, so that two
	// sendings either side of the window's edge still count once.
	Earlier string
	Within  time.Duration
	At      time.Time
	// Modules lists the lessons of every module (in the current
	// curriculum), for the completion rules that decide which certificates
	// the attempt earns. nil issues none (only tests do that).
	Modules map[string][]string
}

// AttemptResult says what recording an attempt changed.
type AttemptResult struct {
	Duplicate      bool          // this submission was already recorded; nothing changed
	NewlyCompleted bool          // the lesson became completed with this attempt
	Issued         []Certificate // certificates this attempt earned, module ones first
}

// RecordAttempt is the one place an answer is written. In ONE transaction it
// stores the attempt (once per learner and submission key), updates the
// learner's progress and last activity, counts a completed lesson for the
// commune's day, and issues every certificate the learner's records now
// earn. When it returns nil all of it is committed; when the process dies
// half-way none of it is, so a completed module never lacks its certificate.
func (st *Store) RecordAttempt(ctx context.Context, in AttemptInput) (AttemptResult, error) {
	var res AttemptResult
	answers, err := json.Marshal(in.Choices)
	if err != nil {
		return res, err
	}
	at := in.At
	if at.IsZero() {
		at = st.now()
	}
	err = st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res = AttemptResult{}
		if in.Earlier != "" {
			var n int64
			err := tx.Model(&Attempt{}).Where("learner_id = ? AND submission = ? AND created_at >= ?", in.LearnerID, in.Earlier, at.Add(-in.Within)).
				Count(&n).Error
			if err != nil {
				return err
			}
			if n > 0 {
				res.Duplicate = true
				return nil
			}
		}
		a := Attempt{LearnerID: in.LearnerID, Module: in.Module, Lesson: in.Lesson, Answers: string(answers),
			Score: in.Score, Total: in.Total, Passed: in.Passed, Submission: in.Submission, CreatedAt: at}
		ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "learner_id"}, {Name: "submission"}}, DoNothing: true}).Create(&a)
		if ins.Error != nil {
			return ins.Error
		}
		if ins.RowsAffected == 0 {
			res.Duplicate = true
			return nil
		}
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
		next, completed := progress.AfterAttempt(recordOf(p), in.Score, in.Total, in.Passed)
		p.LearnerID, p.Module, p.Lesson = in.LearnerID, in.Module, in.Lesson
		p.Status, p.BestScore, p.Total, p.Attempts, p.LastAt = string(next.Status), next.BestScore, next.Total, next.Attempts, at
		if !exists {
			p.FirstAt = at
		}
		if completed {
			p.CompletedAt = &at
			res.NewlyCompleted = true
		}
		if exists {
			err = tx.Model(&Progress{}).Where("learner_id = ? AND module = ? AND lesson = ?", in.LearnerID, in.Module, in.Lesson).
				Updates(map[string]any{"status": p.Status, "best_score": p.BestScore, "total": p.Total, "attempts": p.Attempts, "last_at": p.LastAt, "completed_at": p.CompletedAt}).Error
		} else {
			err = tx.Create(&p).Error
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&Learner{}).Where("id = ?", in.LearnerID).Update("last_active_at", at).Error; err != nil {
			return err
		}
		// Report counters (counters.go), written last in this transaction.
		d, err := st.countAttempt(tx, k, in, at, completed)
		if err != nil {
			return err
		}
		if !completed {
			return st.bump(tx, k.Unit, d)
		}
		if res.Issued, err = st.lessonCompleted(tx, in.LearnerID, in.Modules, at); err != nil {
			return err
		}
		if err := countCertificates(tx, k, res.Issued, &d); err != nil {
			return err
		}
		return st.bump(tx, k.Unit, d)
	})
	if err != nil {
		return AttemptResult{}, fmt.Errorf("store: record attempt: %w", err)
	}
	return res, nil
}

func recordOf(p Progress) progress.Record {
	r := progress.Record{Status: progress.Status(p.Status), BestScore: p.BestScore, Total: p.Total, Attempts: p.Attempts, Verified: p.VerifiedBy != nil}
	if r.Status == "" {
		r.Status = progress.NotStarted
	}
	return r
}

// LessonStatus returns a learner's status for one lesson. Like SessionByID
// it runs on every lesson a learner opens, so it bypasses GORM.
func (st *Store) LessonStatus(ctx context.Context, learnerID int64, module, lesson string) (progress.Status, error) {
	stmt, err := st.readStmt(ctx, lessonStatusQuery)
	if err != nil {
		return progress.NotStarted, err
	}
	var status string
	err = stmt.QueryRowContext(ctx, learnerID, module, lesson).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return progress.NotStarted, nil
	}
	if err != nil {
		return progress.NotStarted, fmt.Errorf("store: lesson status: %w", err)
	}
	return progress.Status(status), nil
}

const lessonStatusQuery = `SELECT status FROM progress WHERE learner_id = ? AND module = ? AND lesson = ?`

// ProgressOf returns all of a learner's lesson records.
func (st *Store) ProgressOf(ctx context.Context, learnerID int64) ([]Progress, error) {
	var out []Progress
	err := st.r.WithContext(ctx).Where("learner_id = ?", learnerID).Order("module, lesson").Find(&out).Error
	return out, err
}

// ProgressMap returns a learner's records in the form the rules read.
func (st *Store) ProgressMap(ctx context.Context, learnerID int64) (progress.Map, error) {
	rows, err := st.ProgressOf(ctx, learnerID)
	if err != nil {
		return nil, err
	}
	m := make(progress.Map, len(rows))
	for _, p := range rows {
		m[progress.Key{Module: p.Module, Lesson: p.Lesson}] = recordOf(p)
	}
	return m, nil
}

// LastAttempt returns a learner's most recent attempt at a lesson.
func (st *Store) LastAttempt(ctx context.Context, learnerID int64, module, lesson string) (Attempt, error) {
	var a Attempt
	err := st.r.WithContext(ctx).Where("learner_id = ? AND module = ? AND lesson = ?", learnerID, module, lesson).
		Order("id DESC").Take(&a).Error
	return a, notFound(err)
}

// AttemptsOf returns every attempt of a learner, oldest first.
func (st *Store) AttemptsOf(ctx context.Context, learnerID int64) ([]Attempt, error) {
	var out []Attempt
	err := st.r.WithContext(ctx).Where("learner_id = ?", learnerID).Order("id").Find(&out).Error
	return out, err
}

// CountAttempts returns how many attempts are stored in all.
func (st *Store) CountAttempts(ctx context.Context) (int64, error) {
	var n int64
	err := st.r.WithContext(ctx).Model(&Attempt{}).Count(&n).Error
	return n, err
}

// LearnerDone is a learner with the number of lessons they completed.
type LearnerDone struct {
	Code string
	Name string
	Done int
}

// MostProgressed returns the n learners with the most completed lessons.
func (st *Store) MostProgressed(ctx context.Context, n int) ([]LearnerDone, error) {
	var out []LearnerDone
	err := st.r.WithContext(ctx).Table("learners").
		Select("learners.code, learners.name, COUNT(progress.lesson) AS done").
		Joins("JOIN progress ON progress.learner_id = learners.id AND progress.status = ?", string(progress.Completed)).
		Group("learners.id, learners.code, learners.name").Order("done DESC, learners.id").Limit(n).Scan(&out).Error
	return out, err
}
