package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/units"
)

// Villages (ấp, thôn) are units of level village under a commune. The
// official lists stop at communes, so a commune's trainer keeps them. A
// village's code is "<commune code>-<n>": it passes the unit-code rule of
// package units (letters, digits, '-', up to 20), can never collide with
// an official code (those are digits only), and says at a glance which
// commune it belongs to.

// ErrInUse is returned when a unit still has learners or units under it.
var ErrInUse = errors.New("store: still in use")

// VillageRow is a village with how many learners live there.
type VillageRow struct {
	Unit
	Learners int
}

// Villages lists the villages of a commune by name, with their learners.
func (st *Store) Villages(ctx context.Context, commune string) ([]VillageRow, error) {
	var out []VillageRow
	err := st.r.WithContext(ctx).Table("units").
		Select("units.*, (SELECT COUNT(*) FROM learners WHERE learners.village_code = units.code) AS learners").
		Where("parent_code = ? AND level = ?", commune, units.Village).
		Order("name, code").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: villages of %s: %w", commune, err)
	}
	return out, nil
}

// CreateVillage adds a village under a commune with the next free number.
func (st *Store) CreateVillage(ctx context.Context, commune Unit, name string) (Unit, error) {
	if commune.Level != units.Commune {
		return Unit{}, fmt.Errorf("store: create village: %s is a %s, not a commune", commune.Code, commune.Level)
	}
	var u Unit
	for try := 0; ; try++ {
		err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var codes []string
			if err := tx.Model(&Unit{}).Where("parent_code = ? AND level = ?", commune.Code, units.Village).Pluck("code", &codes).Error; err != nil {
				return err
			}
			n := 0
			for _, c := range codes {
				if k, err := strconv.Atoi(strings.TrimPrefix(c, commune.Code+"-")); err == nil && k > n {
					n = k
				}
			}
			code := commune.Code + "-" + strconv.Itoa(n+1)
			parent := commune.Code
			u = Unit{Code: code, Name: name, Level: units.Village, ParentCode: &parent, Path: commune.Path + code + "/", CreatedAt: st.now()}
			return tx.Create(&u).Error
		})
		switch {
		case err == nil:
			return u, nil
		case isUniqueViolation(err) && try < 5:
			continue // another trainer added one at the same moment
		default:
			return Unit{}, fmt.Errorf("store: create village: %w", err)
		}
	}
}

// VillageOf returns a village of a commune, or ErrNotFound.
func (st *Store) VillageOf(ctx context.Context, commune, code string) (Unit, error) {
	var u Unit
	err := st.r.WithContext(ctx).Where("code = ? AND parent_code = ? AND level = ?", code, commune, units.Village).Take(&u).Error
	return u, notFound(err)
}

// RenameVillage changes a village's name; learners keep pointing at it.
func (st *Store) RenameVillage(ctx context.Context, commune, code, name string) error {
	return changed(st.w.WithContext(ctx).Model(&Unit{}).
		Where("code = ? AND parent_code = ? AND level = ?", code, commune, units.Village).
		Update("name", name), "rename village")
}

// DeleteVillage removes a village that no learner lives in and that has
// nothing under it; otherwise ErrInUse. The check and the delete are one
// transaction.
func (st *Store) DeleteVillage(ctx context.Context, commune, code string) error {
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Learner{}).Where("village_code = ?", code).Count(&n).Error; err != nil {
			return err
		}
		var below int64
		if err := tx.Model(&Unit{}).Where("parent_code = ?", code).Count(&below).Error; err != nil {
			return err
		}
		if n > 0 || below > 0 {
			return ErrInUse
		}
		return changed(tx.Where("code = ? AND parent_code = ? AND level = ?", code, commune, units.Village).Delete(&Unit{}), "delete village")
	})
}

// VillageText is a village name typed as free text, with how many of the
// commune's learners typed it.
type VillageText struct {
	Text     string
	Learners int
}

// VillageTexts lists the distinct free-text villages of a commune's
// learners (those not yet matched to a village unit), most common first.
func (st *Store) VillageTexts(ctx context.Context, commune string) ([]VillageText, error) {
	var out []VillageText
	err := st.r.WithContext(ctx).Model(&Learner{}).Select("village AS text, COUNT(*) AS learners").
		Where("unit_code = ? AND village_code IS NULL AND village IS NOT NULL AND village <> ''", commune).
		Group("village").Order("learners DESC, village").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: village texts of %s: %w", commune, err)
	}
	return out, nil
}

// MatchVillageText points every learner of a commune who typed text as
// their village at a village unit of that commune, in one transaction,
// and returns how many learners it moved. A village outside the commune is
// ErrNotFound.
func (st *Store) MatchVillageText(ctx context.Context, commune, text, code string) (int, error) {
	var moved int64
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Unit{}).Where("code = ? AND parent_code = ? AND level = ?", code, commune, units.Village).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		// The learners move from the commune's counters to the village's
		// (report counters, counters.go): their keys before the update.
		// On PostgreSQL the rows are locked as read (a match of the same
		// text at the same moment then finds them matched already) and
		// only those are updated.
		var before []Learner
		q := tx.Select(learnerKeyColumns).Where("unit_code = ? AND village_code IS NULL AND village = ?", commune, text).Order("id")
		if st.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
		}
		if err := q.Find(&before).Error; err != nil {
			return err
		}
		if len(before) == 0 {
			return nil
		}
		ids := make([]int64, len(before))
		for i, l := range before {
			ids[i] = l.ID
		}
		res := tx.Model(&Learner{}).Where("id IN ?", ids).
			Updates(map[string]any{"village_code": code, "village": nil, "updated_at": st.now()})
		if res.Error != nil {
			return res.Error
		}
		moved = res.RowsAffected
		for _, l := range before {
			if err := st.countChange(tx, keyOf(l)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(moved), nil
}
