package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// PracticeRun is one walk of a learner through a practice scenario.
type PracticeRun struct {
	ID         int64
	LearnerID  int64
	Scenario   string
	Run        string // the key carried by the step forms
	Outcome    *string
	Safe       *bool
	StartedAt  time.Time
	FinishedAt *time.Time
}

// PracticeChoice is one answered step of a run.
type PracticeChoice struct {
	RunID     int64
	Step      string
	Choice    string
	Seq       int // 1 for the first choice of the run
	CreatedAt time.Time
}

// PracticeChoiceInput is a choice a learner made at one step.
type PracticeChoiceInput struct {
	LearnerID int64
	Scenario  string
	Run       string // the run key from the form
	Step      string
	Choice    string
	Outcome   string // the outcome the choice reaches; "" when it leads to another step
	Safe      bool   // whether that outcome is safe
	At        time.Time
}

// PracticeChoiceResult says where a choice was stored.
type PracticeChoiceResult struct {
	// Run is the run that now holds the choice: the form's, or a branch of
	// it when the learner went back and chose differently. Later steps must
	// carry this key.
	Run       string
	Duplicate bool // the same choice was already stored; nothing changed
}

// RecordPracticeChoice stores one choice of a learner's run, and the
// outcome when the choice ends the walk, in one short transaction.
//
// It is idempotent per run and step: a double tap or a retried POST stores
// nothing new. A learner who goes back (the browser's back button) and
// answers a step of the run differently, or answers after the run ended,
// starts a branch: a new run holding the path up to that step and the new
// choice. Its key is derived from the old key, the step and the choice, so
// a double tap on the branching choice also lands in one branch. Each run
// thus keeps one straight path and at most one outcome, which is what the
// trainers' "which trap caught whom" counts read.
func (st *Store) RecordPracticeChoice(ctx context.Context, in PracticeChoiceInput) (PracticeChoiceResult, error) {
	at := in.At
	if at.IsZero() {
		at = st.now()
	}
	res := PracticeChoiceResult{Run: in.Run}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var parent *PracticeRun
		for range 2 { // the form's run, then at most one branch of it
			run, created, err := practiceRunFor(tx, in.LearnerID, in.Scenario, res.Run, at)
			if err != nil {
				return err
			}
			if created && parent != nil && parent.Scenario == in.Scenario {
				if err := copyPracticePrefix(tx, *parent, run.ID, in.Step); err != nil {
					return err
				}
			}
			var old []PracticeChoice
			if err := tx.Where("run_id = ? AND step = ?", run.ID, in.Step).Find(&old).Error; err != nil {
				return err
			}
			switch {
			case len(old) > 0 && old[0].Choice == in.Choice && run.Scenario == in.Scenario:
				res.Duplicate = true
				return nil
			case len(old) > 0 || run.Outcome != nil || run.Scenario != in.Scenario:
				parent = &run
				res.Run = branchKey(run.Run, in.Step, in.Choice)
				continue
			}
			k, err := st.learnerKey(tx, in.LearnerID) // for the report counters, before last_active_at moves
			if err != nil {
				return err
			}
			if err := addPracticeChoice(tx, run, in, at); err != nil {
				return err
			}
			return st.countPractice(tx, k, in, run.ID, at) // report counters (counters.go)
		}
		res.Duplicate = true // a branch of a branch: only a forged form gets here
		return nil
	})
	if err != nil {
		return PracticeChoiceResult{}, fmt.Errorf("store: record practice choice: %w", err)
	}
	return res, nil
}

// practiceRunFor finds the learner's run with this key, creating it.
func practiceRunFor(tx *gorm.DB, learnerID int64, scenario, key string, at time.Time) (PracticeRun, bool, error) {
	ins := tx.Exec(`INSERT INTO practice_runs (learner_id, scenario, run, started_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (learner_id, run) DO NOTHING`, learnerID, scenario, key, at)
	if ins.Error != nil {
		return PracticeRun{}, false, ins.Error
	}
	var run PracticeRun
	err := tx.Where("learner_id = ? AND run = ?", learnerID, key).Take(&run).Error
	return run, ins.RowsAffected == 1, err
}

// copyPracticePrefix copies into a new branch the choices its parent made
// before reaching step (all of them if the parent never reached it).
func copyPracticePrefix(tx *gorm.DB, parent PracticeRun, branch int64, step string) error {
	var path []PracticeChoice
	if err := tx.Where("run_id = ?", parent.ID).Order("seq").Find(&path).Error; err != nil {
		return err
	}
	if i := slices.IndexFunc(path, func(c PracticeChoice) bool { return c.Step == step }); i >= 0 {
		path = path[:i]
	} else if parent.Outcome != nil {
		path = nil // the step is not on the parent's path: nothing leads to it
	}
	for _, c := range path {
		c.RunID = branch
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
	}
	return nil
}

func addPracticeChoice(tx *gorm.DB, run PracticeRun, in PracticeChoiceInput, at time.Time) error {
	var n int64
	if err := tx.Model(&PracticeChoice{}).Where("run_id = ?", run.ID).Count(&n).Error; err != nil {
		return err
	}
	err := tx.Exec(`INSERT INTO practice_choices (run_id, step, choice, seq, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (run_id, step) DO NOTHING`, run.ID, in.Step, in.Choice, n+1, at).Error
	if err != nil {
		return err
	}
	if in.Outcome != "" {
		err := tx.Model(&PracticeRun{}).Where("id = ? AND outcome IS NULL", run.ID).
			Updates(map[string]any{"outcome": in.Outcome, "safe": in.Safe, "finished_at": at}).Error
		if err != nil {
			return err
		}
	}
	return tx.Model(&Learner{}).Where("id = ?", in.LearnerID).Update("last_active_at", at).Error
}

// branchKey derives the key of a run's branch at a step with a choice.
func branchKey(run, step, choice string) string {
	sum := sha256.Sum256([]byte(run + "\x00" + step + "\x00" + choice))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// PracticeRunByKey returns a learner's run by its key.
func (st *Store) PracticeRunByKey(ctx context.Context, learnerID int64, key string) (PracticeRun, error) {
	var run PracticeRun
	err := st.r.WithContext(ctx).Where("learner_id = ? AND run = ?", learnerID, key).Take(&run).Error
	return run, notFound(err)
}

// PracticePass is a scenario a learner has passed, and when first.
type PracticePass struct {
	Scenario string
	PassedAt time.Time
}

// PracticePasses returns the scenarios a learner has passed (reached a safe
// outcome in), each once with the first time, in scenario order. It reads
// one range of the practice_runs_learner_safe index.
func (st *Store) PracticePasses(ctx context.Context, learnerID int64) ([]PracticePass, error) {
	var runs []PracticeRun
	err := st.r.WithContext(ctx).Select("scenario", "finished_at").
		Where("learner_id = ? AND safe = ?", learnerID, true).Order("scenario, finished_at").Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("store: practice passes: %w", err)
	}
	out := []PracticePass{}
	for _, r := range runs {
		if r.FinishedAt != nil && (len(out) == 0 || out[len(out)-1].Scenario != r.Scenario) {
			out = append(out, PracticePass{Scenario: r.Scenario, PassedAt: *r.FinishedAt})
		}
	}
	return out, nil
}

// PracticeOutcomeCount is how many learners reached an outcome of a scenario.
type PracticeOutcomeCount struct {
	Scenario string
	Outcome  string
	Safe     bool
	Learners int
}

// PracticeOutcomeCounts returns, for one scenario, how many distinct
// learners reached each outcome, most reached first: "which trap caught
// most people". It is answered from the practice_runs_scenario_outcome index.
func (st *Store) PracticeOutcomeCounts(ctx context.Context, scenario string) ([]PracticeOutcomeCount, error) {
	var out []PracticeOutcomeCount
	err := st.r.WithContext(ctx).Raw(`SELECT scenario, outcome, safe, COUNT(DISTINCT learner_id) AS learners
		FROM practice_runs WHERE scenario = ? AND outcome IS NOT NULL
		GROUP BY scenario, outcome, safe ORDER BY learners DESC, outcome`, scenario).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: practice outcome counts: %w", err)
	}
	return out, nil
}

// PracticeOutcomeCountsByClass is PracticeOutcomeCounts for every scenario,
// counting only the learners of one class.
func (st *Store) PracticeOutcomeCountsByClass(ctx context.Context, classID int64) ([]PracticeOutcomeCount, error) {
	var out []PracticeOutcomeCount
	err := st.r.WithContext(ctx).Raw(`SELECT r.scenario, r.outcome, r.safe, COUNT(DISTINCT r.learner_id) AS learners
		FROM practice_runs r JOIN learners l ON l.id = r.learner_id
		WHERE l.class_id = ? AND r.outcome IS NOT NULL
		GROUP BY r.scenario, r.outcome, r.safe ORDER BY r.scenario, learners DESC, r.outcome`, classID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: practice outcome counts by class: %w", err)
	}
	return out, nil
}

// PracticePath is a run with its choices in order, for "download my data".
type PracticePath struct {
	PracticeRun
	Choices []PracticeChoice
}

// PracticeRunsOf returns every run of a learner with its path, oldest first.
func (st *Store) PracticeRunsOf(ctx context.Context, learnerID int64) ([]PracticePath, error) {
	db := st.r.WithContext(ctx)
	var runs []PracticeRun
	if err := db.Where("learner_id = ?", learnerID).Order("id").Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("store: practice runs: %w", err)
	}
	var choices []PracticeChoice
	err := db.Where("run_id IN (?)", db.Model(&PracticeRun{}).Select("id").Where("learner_id = ?", learnerID)).
		Order("run_id, seq").Find(&choices).Error
	if err != nil {
		return nil, fmt.Errorf("store: practice choices: %w", err)
	}
	out := make([]PracticePath, len(runs))
	at := map[int64]int{}
	for i, r := range runs {
		out[i] = PracticePath{PracticeRun: r, Choices: []PracticeChoice{}}
		at[r.ID] = i
	}
	for _, c := range choices {
		if i, ok := at[c.RunID]; ok {
			out[i].Choices = append(out[i].Choices, c)
		}
	}
	return out, nil
}
