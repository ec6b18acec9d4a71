package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The two kinds of check result: the check taken when starting, and the
// same check taken again later.
const (
	CheckBefore = "before"
	CheckAfter  = "after"
)

// ErrCheckKind is returned for a kind other than CheckBefore or CheckAfter.
var ErrCheckKind = errors.New("store: unknown check kind")

// CheckResult is a learner's result of the before/after check.
type CheckResult struct {
	LearnerID  int64  `gorm:"primaryKey"`
	Kind       string `gorm:"primaryKey"`
	Answers    string // JSON: question id → option id
	Correct    int
	Total      int
	Submission string
	TakenAt    time.Time
	Modules    []CheckScore `gorm:"-"` // the score of each module, by module slug
}

// Choices decodes the chosen options.
func (r CheckResult) Choices() map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(r.Answers), &m)
	return m
}

// Module returns the score of one module in the result.
func (r CheckResult) Module(slug string) (CheckScore, bool) {
	for _, m := range r.Modules {
		if m.Module == slug {
			return m, true
		}
	}
	return CheckScore{}, false
}

// CheckScore is the score of one module in a check result.
type CheckScore struct {
	LearnerID int64  `gorm:"primaryKey"`
	Kind      string `gorm:"primaryKey"`
	Module    string `gorm:"primaryKey"`
	Correct   int
	Total     int
}

// CheckInput is a graded check to record.
type CheckInput struct {
	LearnerID  int64
	Kind       string // CheckBefore or CheckAfter
	Choices    map[string]string
	Correct    int
	Total      int
	Modules    []CheckScore // Module, Correct and Total of each module; the rest is filled in
	Submission string       // the form's idempotency key: a resubmission is stored once
	At         time.Time    // zero means now
}

// CheckRecorded says what recording a check result did.
type CheckRecorded struct {
	Duplicate bool // this submission was stored already; nothing changed
	Kept      bool // the learner's "before" result came from another submission: it is kept, this one is not stored
	Replaced  bool // the learner's earlier "after" result was replaced by this one
}

// RecordCheck stores a learner's check result with its module scores in
// one short transaction. The same submission is stored once (a double tap,
// a retried POST). The first "before" result is the baseline and is kept:
// another "before" submission stores nothing and says Kept. An "after"
// result replaces the learner's earlier one, so it shows the latest.
func (st *Store) RecordCheck(ctx context.Context, in CheckInput) (CheckRecorded, error) {
	if in.Kind != CheckBefore && in.Kind != CheckAfter {
		return CheckRecorded{}, fmt.Errorf("%w: %q", ErrCheckKind, in.Kind)
	}
	at := in.At.UTC()
	if in.At.IsZero() {
		at = st.now()
	}
	answers, err := json.Marshal(in.Choices)
	if err != nil {
		return CheckRecorded{}, err
	}
	var res CheckRecorded
	err = st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ins := tx.Exec(`INSERT INTO check_results (learner_id, kind, answers, correct, total, submission, taken_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (learner_id, kind) DO NOTHING`,
			in.LearnerID, in.Kind, string(answers), in.Correct, in.Total, in.Submission, at)
		if ins.Error != nil {
			return ins.Error
		}
		if ins.RowsAffected == 0 {
			var old CheckResult
			if err := tx.Where("learner_id = ? AND kind = ?", in.LearnerID, in.Kind).Take(&old).Error; err != nil {
				return err
			}
			switch {
			case old.Submission == in.Submission:
				res.Duplicate = true
				return nil
			case in.Kind == CheckBefore:
				res.Kept = true
				return nil
			}
			res.Replaced = true
			err := tx.Exec(`UPDATE check_results SET answers = ?, correct = ?, total = ?, submission = ?, taken_at = ?
				WHERE learner_id = ? AND kind = ?`, string(answers), in.Correct, in.Total, in.Submission, at, in.LearnerID, in.Kind).Error
			if err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM check_scores WHERE learner_id = ? AND kind = ?", in.LearnerID, in.Kind).Error; err != nil {
				return err
			}
		}
		if len(in.Modules) > 0 {
			scores := make([]CheckScore, len(in.Modules))
			for i, m := range in.Modules {
				scores[i] = CheckScore{LearnerID: in.LearnerID, Kind: in.Kind, Module: m.Module, Correct: m.Correct, Total: m.Total}
			}
			if err := tx.Create(&scores).Error; err != nil {
				return err
			}
		}
		return tx.Model(&Learner{}).Where("id = ?", in.LearnerID).Update("last_active_at", at).Error
	})
	if err != nil {
		return CheckRecorded{}, fmt.Errorf("store: record check: %w", err)
	}
	return res, nil
}

// CheckResultsOf returns a learner's check results with their module
// scores: "before" first, then "after"; none when they took no check.
func (st *Store) CheckResultsOf(ctx context.Context, learnerID int64) ([]CheckResult, error) {
	db := st.r.WithContext(ctx)
	var results []CheckResult
	if err := db.Where("learner_id = ?", learnerID).Find(&results).Error; err != nil {
		return nil, fmt.Errorf("store: check results: %w", err)
	}
	var scores []CheckScore
	if err := db.Where("learner_id = ?", learnerID).Order("kind, module").Find(&scores).Error; err != nil {
		return nil, fmt.Errorf("store: check scores: %w", err)
	}
	slices.SortFunc(results, func(a, b CheckResult) int { return strings.Compare(b.Kind, a.Kind) }) // "before" > "after"
	for i := range results {
		results[i].Modules = []CheckScore{}
		for _, s := range scores {
			if s.Kind == results[i].Kind {
				results[i].Modules = append(results[i].Modules, s)
			}
		}
	}
	return results, nil
}

// CheckResultOf returns one of a learner's check results with its module
// scores, or ErrNotFound.
func (st *Store) CheckResultOf(ctx context.Context, learnerID int64, kind string) (CheckResult, error) {
	results, err := st.CheckResultsOf(ctx, learnerID)
	if err != nil {
		return CheckResult{}, err
	}
	for _, r := range results {
		if r.Kind == kind {
			return r, nil
		}
	}
	return CheckResult{}, ErrNotFound
}

// CheckAverage is the mean share of right answers, from 0 to 1, of a group
// of learners in the "before" and in the "after" check.
type CheckAverage struct {
	Before float64
	After  float64
}

// Gain is how much the share of right answers rose (negative if it fell).
func (a CheckAverage) Gain() float64 { return a.After - a.Before }

// CheckModuleGain is the average of one module over the learners of a
// group who took both checks.
type CheckModuleGain struct {
	Module   string
	Learners int
	CheckAverage
}

// CheckGain is how a group of learners (a class, or everyone under a unit)
// did in the before/after check. Averages count only the learners who took
// both checks, so that a gain compares the same people; each learner
// weighs the same.
type CheckGain struct {
	Before  int // learners with a "before" result
	After   int // learners with an "after" result
	Paired  int // learners with both: Overall and Modules average over them
	Overall CheckAverage
	Modules []CheckModuleGain // by module slug; empty when Paired is 0
}

// CheckGainForClass returns the check results of the learners now in a
// class. It reads the learners of the class through learners_class_id and
// their results by primary key.
func (st *Store) CheckGainForClass(ctx context.Context, classID int64) (CheckGain, error) {
	return st.checkGain(ctx, "l.class_id = ?", classID)
}

// ErrUnitPath is returned for a unit path that is not of the form
// "/86/855/29542/".
var ErrUnitPath = errors.New("store: a unit path starts and ends with /")

// CheckGainForUnitPath returns the check results of the learners of every
// commune (and village) whose path starts with pathPrefix, such as a
// commune's own path ("/86/855/29542/") or a district's ("/86/855/"). It
// reads those learners through learners_unit_code and their results by
// primary key.
func (st *Store) CheckGainForUnitPath(ctx context.Context, pathPrefix string) (CheckGain, error) {
	if !strings.HasPrefix(pathPrefix, "/") || !strings.HasSuffix(pathPrefix, "/") {
		return CheckGain{}, fmt.Errorf("%w: %q", ErrUnitPath, pathPrefix)
	}
	// substr rather than LIKE: the same on both engines, and no wildcard
	// in a path can widen the match. Unit paths are ASCII.
	return st.checkGain(ctx, "l.unit_code IN (SELECT code FROM units WHERE substr(path, 1, ?) = ?)", len(pathPrefix), pathPrefix)
}

// checkGain runs the two aggregate queries of CheckGain over the learners
// that scope (a condition on learners l) selects.
func (st *Store) checkGain(ctx context.Context, scope string, args ...any) (CheckGain, error) {
	db := st.r.WithContext(ctx)
	var head struct {
		BeforeN, AfterN, Paired int
		AvgBefore, AvgAfter     *float64
	}
	err := db.Raw(`SELECT COUNT(b.learner_id) AS before_n, COUNT(a.learner_id) AS after_n,
			COUNT(CASE WHEN a.learner_id IS NOT NULL AND b.learner_id IS NOT NULL THEN 1 END) AS paired,
			AVG(CASE WHEN a.learner_id IS NOT NULL THEN CAST(b.correct AS DOUBLE PRECISION) / b.total END) AS avg_before,
			AVG(CASE WHEN b.learner_id IS NOT NULL THEN CAST(a.correct AS DOUBLE PRECISION) / a.total END) AS avg_after
		FROM learners l
		LEFT JOIN check_results b ON b.learner_id = l.id AND b.kind = 'before'
		LEFT JOIN check_results a ON a.learner_id = l.id AND a.kind = 'after'
		WHERE `+scope, args...).Scan(&head).Error
	if err != nil {
		return CheckGain{}, fmt.Errorf("store: check gain: %w", err)
	}
	g := CheckGain{Before: head.BeforeN, After: head.AfterN, Paired: head.Paired, Modules: []CheckModuleGain{}}
	if head.AvgBefore != nil && head.AvgAfter != nil {
		g.Overall = CheckAverage{Before: *head.AvgBefore, After: *head.AvgAfter}
	}
	if g.Paired == 0 {
		return g, nil
	}
	var rows []struct {
		Module              string
		Learners            int
		AvgBefore, AvgAfter float64
	}
	err = db.Raw(`SELECT b.module AS module, COUNT(*) AS learners,
			AVG(CAST(b.correct AS DOUBLE PRECISION) / b.total) AS avg_before,
			AVG(CAST(a.correct AS DOUBLE PRECISION) / a.total) AS avg_after
		FROM learners l
		JOIN check_scores b ON b.learner_id = l.id AND b.kind = 'before'
		JOIN check_scores a ON a.learner_id = l.id AND a.kind = 'after' AND a.module = b.module
		WHERE `+scope+`
		GROUP BY b.module ORDER BY b.module`, args...).Scan(&rows).Error
	if err != nil {
		return CheckGain{}, fmt.Errorf("store: check gain by module: %w", err)
	}
	for _, r := range rows {
		g.Modules = append(g.Modules, CheckModuleGain{Module: r.Module, Learners: r.Learners, CheckAverage: CheckAverage{Before: r.AvgBefore, After: r.AvgAfter}})
	}
	return g, nil
}
