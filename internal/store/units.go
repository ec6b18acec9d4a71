package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/units"
)

// Unit is a row of units.
type Unit struct {
	Code              string `gorm:"primaryKey"`
	Name              string
	Level             string
	ParentCode        *string
	Path              string
	Population        *int64
	PopulationWorking *int64
	PopulationYear    *int
	PopulationSource  *string // where the figure comes from (a census, a commune's count)
	// The working-age figure may come from elsewhere than the total.
	PopulationWorkingYear   *int
	PopulationWorkingSource *string
	Pilot                   bool
	Target                  *int
	CreatedAt               time.Time
}

// ImportUnits adds or updates units from a parsed list in one transaction.
// A unit that already exists keeps its place: a file that gives an existing
// code another level or parent is refused, because the 2022 and 2025 lists
// reuse codes with other meanings and a database must hold only one of them.
func (st *Store) ImportUnits(ctx context.Context, list []units.Unit, file string) (added, updated int, err error) {
	err = st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		plan, err := planUnits(tx, list, file)
		if err != nil {
			return err
		}
		paths, old := plan.Paths, plan.old
		now := st.now()
		for _, u := range list {
			row := Unit{Code: u.Code, Name: u.Name, Level: u.Level, Path: paths[u.Code], CreatedAt: now}
			if u.ParentCode != "" {
				row.ParentCode = &u.ParentCode
			}
			if u.Population > 0 {
				row.Population = &u.Population
			}
			cols := []string{"name"}
			if row.Population != nil {
				cols = append(cols, "population")
			}
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "code"}}, DoUpdates: clause.AssignmentColumns(cols)}).Create(&row).Error; err != nil {
				return fmt.Errorf("unit %s: %w", u.Code, err)
			}
			if _, ok := old[u.Code]; ok {
				updated++
			} else {
				added++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return added, updated, nil
}

// UnitPlan is what importing a list would do, worked out without writing.
type UnitPlan struct {
	Paths   map[string]string // code → path in the tree, for every unit of the list
	Added   []string          // codes new to the database
	Updated []string          // codes already there (name and population may change)
	old     map[string]Unit
}

// planUnits checks a list against the units in the database: a unit that
// exists must keep its level and parent, every parent must exist in the
// file or the database. Every problem is reported as file:line: reason.
func planUnits(tx *gorm.DB, list []units.Unit, file string) (UnitPlan, error) {
	var existing []Unit
	if err := tx.Select("code", "name", "level", "parent_code", "path").Find(&existing).Error; err != nil {
		return UnitPlan{}, err
	}
	known := make(map[string]units.Existing, len(existing))
	old := make(map[string]Unit, len(existing))
	for _, u := range existing {
		known[u.Code] = units.Existing{Level: u.Level, Path: u.Path}
		old[u.Code] = u
	}
	var errs []error
	plan := UnitPlan{old: old}
	for _, u := range list {
		o, ok := old[u.Code]
		if !ok {
			plan.Added = append(plan.Added, u.Code)
			continue
		}
		plan.Updated = append(plan.Updated, u.Code)
		if o.Level != u.Level || deref(o.ParentCode) != u.ParentCode {
			errs = append(errs, units.NewRowError(file, u.Line, "units.row_moved",
				"unit %s is a %s under %q in the database but a %s under %q in the file; a database holds one official list, so import into a fresh database",
				"Code", u.Code, "OldLevel", o.Level, "OldParent", deref(o.ParentCode), "Level", u.Level, "Parent", u.ParentCode))
		}
		delete(known, u.Code) // its path is recomputed (unchanged) from the file
	}
	if len(errs) > 0 {
		return plan, errors.Join(errs...)
	}
	var err error
	plan.Paths, err = units.Paths(list, known, file)
	return plan, err
}

// PlanUnits works out what ImportUnits would do with a list, changing
// nothing: the admin page's preview.
func (st *Store) PlanUnits(ctx context.Context, list []units.Unit, file string) (UnitPlan, error) {
	return planUnits(st.r.WithContext(ctx), list, file)
}

// UnitFacts are the programme facts of a unit that an admin edits; a nil
// field is stored as unknown.
type UnitFacts struct {
	Population, PopulationWorking             *int64
	PopulationYear, PopulationWorkingYear     *int
	PopulationSource, PopulationWorkingSource *string
	Pilot                                     bool
	Target                                    *int
}

// SetUnitFacts stores every programme fact of one unit.
func (st *Store) SetUnitFacts(ctx context.Context, code string, f UnitFacts) error {
	set := map[string]any{"population": f.Population, "population_working": f.PopulationWorking, "population_year": f.PopulationYear,
		"population_working_year": f.PopulationWorkingYear, "population_source": f.PopulationSource,
		"population_working_source": f.PopulationWorkingSource, "pilot": f.Pilot, "target": f.Target}
	return changed(st.w.WithContext(ctx).Model(&Unit{}).Where("code = ?", code).Updates(set), "set facts of unit "+code)
}

// UnitPatch changes the programme facts of a unit; nil fields are left alone.
type UnitPatch struct {
	Population        *int64
	PopulationWorking *int64
	PopulationYear    *int
	PopulationSource  *string
	Pilot             *bool
	Target            *int
}

// UpdateUnit applies a patch to one unit.
func (st *Store) UpdateUnit(ctx context.Context, code string, p UnitPatch) error {
	set := map[string]any{}
	if p.Population != nil {
		set["population"] = *p.Population
	}
	if p.PopulationWorking != nil {
		set["population_working"] = *p.PopulationWorking
	}
	if p.PopulationYear != nil {
		set["population_year"] = *p.PopulationYear
	}
	if p.PopulationSource != nil {
		set["population_source"] = *p.PopulationSource
	}
	if p.Pilot != nil {
		set["pilot"] = *p.Pilot
	}
	if p.Target != nil {
		set["target"] = *p.Target
	}
	if len(set) == 0 {
		return nil
	}
	return changed(st.w.WithContext(ctx).Model(&Unit{}).Where("code = ?", code).Updates(set), "update unit "+code)
}

// UnitByCode returns one unit.
func (st *Store) UnitByCode(ctx context.Context, code string) (Unit, error) {
	var u Unit
	err := st.r.WithContext(ctx).Where("code = ?", code).Take(&u).Error
	return u, notFound(err)
}

// ChildUnits returns the units directly under code, by name.
func (st *Store) ChildUnits(ctx context.Context, code string) ([]Unit, error) {
	var list []Unit
	err := st.r.WithContext(ctx).Where("parent_code = ?", code).Order("name").Find(&list).Error
	return list, err
}

// UnitsByLevel returns all units of one level, ordered by path so that the
// units of one parent come together.
func (st *Store) UnitsByLevel(ctx context.Context, level string) ([]Unit, error) {
	var list []Unit
	err := st.r.WithContext(ctx).Where("level = ?", level).Order("path").Find(&list).Error
	return list, err
}

// UnitsUnder returns the units under path (the unit itself included) of
// the given levels (all levels when none), in tree order.
func (st *Store) UnitsUnder(ctx context.Context, path string, levels ...string) ([]Unit, error) {
	var list []Unit
	q := st.r.WithContext(ctx).Where(pathUnder, likePrefix(path))
	if len(levels) > 0 {
		q = q.Where("level IN ?", levels)
	}
	err := q.Order("path").Find(&list).Error
	return list, err
}

// CountUnits returns how many units the database holds.
func (st *Store) CountUnits(ctx context.Context) (int64, error) {
	var n int64
	err := st.r.WithContext(ctx).Model(&Unit{}).Count(&n).Error
	return n, err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
