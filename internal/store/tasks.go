package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TaskTick is a real task ("làm được") a trainer saw a learner do: alone or
// with help, on a day. A learner has at most one tick per task, the latest.
type TaskTick struct {
	LearnerID int64
	Task      string // a key of the task list in content/<locale>/tasks.yaml
	Alone     bool
	DoneOn    string // YYYY-MM-DD, Vietnam time
	TickedBy  *int64
	TickedAt  time.Time
}

// TableName names the table.
func (TaskTick) TableName() string { return "task_ticks" }

// TickTasks stores ticks in one transaction (a trainer ticks a task for
// several learners of a class at once). A tick replaces the learner's
// earlier tick of the same task, so "with help" can later become "alone".
// The report counters move in the same transaction (countTick).
func (st *Store) TickTasks(ctx context.Context, ticks []TaskTick) error {
	if len(ticks) == 0 {
		return nil
	}
	now := st.now()
	for i := range ticks {
		ticks[i].TickedAt = now
	}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock the learners first, in the order of their ids, then the
		// counters: the order every counting write takes its locks in
		// (learners, units from the root, trainers), so that on PostgreSQL a
		// deletion or an answer at the same moment waits instead of
		// deadlocking.
		keys := map[int64]counterKey{}
		for _, t := range ticks {
			keys[t.LearnerID] = counterKey{}
		}
		for _, id := range slices.Sorted(maps.Keys(keys)) {
			k, err := st.learnerKey(tx, id)
			if err != nil {
				return err
			}
			keys[id] = k
		}
		for i := range ticks {
			t := &ticks[i]
			k := keys[t.LearnerID]
			before, err := markOf(tx, t.LearnerID, t.Task)
			if err != nil {
				return err
			}
			aloneBefore, err := anyAlone(tx, t.LearnerID)
			if err != nil {
				return err
			}
			err = tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "learner_id"}, {Name: "task"}},
				DoUpdates: clause.AssignmentColumns([]string{"alone", "done_on", "ticked_by", "ticked_at"}),
			}).Create(t).Error
			if err != nil {
				return err
			}
			aloneAfter := t.Alone
			if !aloneAfter && aloneBefore {
				if aloneAfter, err = anyAlone(tx, t.LearnerID); err != nil {
					return err
				}
			}
			after := taskMark{set: true, alone: t.Alone, tickedBy: t.TickedBy}
			if err := st.countTick(tx, k, t.Task, before, after, aloneBefore, aloneAfter); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: tick tasks: %w", err)
	}
	return nil
}

// UntickTask removes a learner's tick of a task (a tick made by mistake).
// It returns ErrNotFound when there was none.
func (st *Store) UntickTask(ctx context.Context, learnerID int64, task string) error {
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		k, err := st.learnerKey(tx, learnerID)
		if err != nil {
			return err
		}
		before, err := markOf(tx, learnerID, task)
		if err != nil {
			return err
		}
		aloneBefore, err := anyAlone(tx, learnerID)
		if err != nil {
			return err
		}
		if err := changed(tx.Where("learner_id = ? AND task = ?", learnerID, task).Delete(&TaskTick{}), "untick task"); err != nil {
			return err
		}
		aloneAfter, err := anyAlone(tx, learnerID)
		if err != nil {
			return err
		}
		return st.countTick(tx, k, task, before, taskMark{}, aloneBefore, aloneAfter)
	})
}

// TasksOf returns a learner's ticks by task key.
func (st *Store) TasksOf(ctx context.Context, learnerID int64) ([]TaskTick, error) {
	var out []TaskTick
	if err := st.r.WithContext(ctx).Where("learner_id = ?", learnerID).Order("task").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: tasks of learner: %w", err)
	}
	return out, nil
}

// ClassTaskTicks returns the ticks of a class's learners, by learner and task.
func (st *Store) ClassTaskTicks(ctx context.Context, classID int64) ([]TaskTick, error) {
	var out []TaskTick
	err := st.r.WithContext(ctx).Table("task_ticks t").Select("t.*").
		Joins("JOIN learners l ON l.id = t.learner_id").
		Where("l.class_id = ?", classID).Order("t.learner_id, t.task").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: class task ticks: %w", err)
	}
	return out, nil
}

// TaskCount is how many learners did one task, alone and with help.
type TaskCount struct {
	Task     string
	Alone    int
	WithHelp int
}

// TaskCountsUnder counts, per task, the learners of the communes under path
// who were ticked as doing it alone and with help: the "tasks" of the
// reports. One grouped query over task_ticks joined to learners and units.
func (st *Store) TaskCountsUnder(ctx context.Context, path string) ([]TaskCount, error) {
	type row struct {
		Task  string
		Alone bool
		N     int
	}
	var rows []row
	err := st.r.WithContext(ctx).Table("task_ticks t").Select("t.task, t.alone, COUNT(*) AS n").
		Joins("JOIN learners l ON l.id = t.learner_id").
		Joins("JOIN units ON units.code = l.unit_code").
		Where(pathUnder, likePrefix(path)).
		Group("t.task, t.alone").Order("t.task").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: task counts: %w", err)
	}
	var out []TaskCount
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Task != r.Task {
			out = append(out, TaskCount{Task: r.Task})
		}
		if r.Alone {
			out[len(out)-1].Alone += r.N
		} else {
			out[len(out)-1].WithHelp += r.N
		}
	}
	return out, nil
}
