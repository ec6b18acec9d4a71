package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/codes"
)

// Learner is a resident who saves progress. No email, no password, never an
// ID-card number (DESIGN §3).
type Learner struct {
	ID           int64
	Code         string
	Name         string
	BirthYear    int
	UnitCode     string
	Village      *string // a village typed as "other", when VillageCode is nil
	VillageCode  *string // a village unit under the commune
	Gender       *string
	Phone        *string
	PinHash      *string
	ClassID      *int64
	Submission   *string
	ConsentBy    *int64 // the staff member who enrolled them, consent given on paper
	ConsentAt    time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastActiveAt time.Time
}

// LearnerCodeLength is the length of a personal code: 31^7 ≈ 27 billion
// codes, and few enough characters to copy from paper.
const LearnerCodeLength = 7

// ErrDuplicateSubmission is returned with the learner that an earlier
// submission of the same registration form created.
var ErrDuplicateSubmission = errors.New("store: form already submitted")

// CreateLearner stores a new learner with a fresh personal code and counts
// the registration for the commune's day. A form submitted twice (same
// Submission nonce) creates one learner: the second call returns the first
// learner and ErrDuplicateSubmission.
func (st *Store) CreateLearner(ctx context.Context, l *Learner) error {
	return st.CreateLearners(ctx, []*Learner{l})
}

// CreateLearners stores learners all together or not at all (a trainer's
// import), each with a fresh personal code, and counts them as
// registrations of their commune's day, in one transaction. It is the one
// code path that creates learners: a self sign-up is a list of one.
//
// Submission keys make a list idempotent: if any learner's key is already
// stored, that list was saved before (the keys of a list are drawn
// together), so nothing is written and that learner comes back in its
// place with ErrDuplicateSubmission.
func (st *Store) CreateLearners(ctx context.Context, list []*Learner) error {
	if len(list) == 0 {
		return nil
	}
	for _, l := range list {
		now := st.now()
		if !l.CreatedAt.IsZero() { // imported or demo data keeps its date
			now = l.CreatedAt.UTC().Truncate(time.Microsecond)
		}
		l.ConsentAt, l.CreatedAt, l.UpdatedAt, l.LastActiveAt = now, now, now, now
	}
	for try := 0; ; try++ {
		err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var keys []string
			for _, l := range list {
				if l.Submission != nil {
					keys = append(keys, *l.Submission)
				}
			}
			if len(keys) > 0 {
				var prior Learner
				err := tx.Where("submission IN ?", keys).Order("id").Take(&prior).Error
				if err == nil {
					for _, l := range list {
						if l.Submission != nil && *l.Submission == *prior.Submission {
							*l = prior
						}
					}
					return ErrDuplicateSubmission
				}
				if !errors.Is(err, gorm.ErrRecordNotFound) {
					return err
				}
			}
			type day struct{ unit, day string }
			counts := map[day]int{}
			first := map[day]time.Time{}
			var order []day
			for _, l := range list {
				l.ID = 0
				l.Code = codes.New(LearnerCodeLength)
				if err := tx.Create(l).Error; err != nil {
					return err
				}
				k := day{l.UnitCode, l.CreatedAt.In(st.loc).Format("2006-01-02")}
				if counts[k] == 0 {
					order = append(order, k)
					first[k] = l.CreatedAt
				}
				counts[k]++
			}
			for _, k := range order {
				if err := st.count(tx, k.unit, "registered", counts[k], first[k]); err != nil {
					return err
				}
			}
			for _, l := range list {
				if err := st.countRegistration(tx, *l); err != nil { // report counters (counters.go)
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil, errors.Is(err, ErrDuplicateSubmission):
			return err
		case isUniqueViolation(err) && try < 5:
			// Another learner drew the same code, or the same list is
			// being saved at this moment (its keys now exist): try again.
			continue
		default:
			return fmt.Errorf("store: create learners: %w", err)
		}
	}
}

// LearnerByID returns a learner.
func (st *Store) LearnerByID(ctx context.Context, id int64) (Learner, error) {
	var l Learner
	err := st.r.WithContext(ctx).Where("id = ?", id).Take(&l).Error
	return l, notFound(err)
}

// LearnerByCode returns the learner with a personal code (normalized).
func (st *Store) LearnerByCode(ctx context.Context, code string) (Learner, error) {
	var l Learner
	err := st.r.WithContext(ctx).Where("code = ?", codes.Normalize(code)).Take(&l).Error
	return l, notFound(err)
}

// CountLearners returns how many learners are registered.
func (st *Store) CountLearners(ctx context.Context) (int64, error) {
	var n int64
	err := st.r.WithContext(ctx).Model(&Learner{}).Count(&n).Error
	return n, err
}

// RenewLearnerCode gives a learner a fresh personal code; the old one stops
// working at once.
func (st *Store) RenewLearnerCode(ctx context.Context, id int64) (string, error) {
	for try := 0; ; try++ {
		code := codes.New(LearnerCodeLength)
		err := changed(st.w.WithContext(ctx).Model(&Learner{}).Where("id = ?", id).
			Updates(map[string]any{"code": code, "updated_at": st.now()}), "renew learner code")
		switch {
		case err == nil:
			return code, nil
		case isUniqueViolation(err) && try < 5:
			continue // taken: draw again
		default:
			return "", err
		}
	}
}

// LearnerPatch holds the fields a learner may correct; nil leaves a field.
type LearnerPatch struct {
	Name      *string
	BirthYear *int
	Phone     *string // "" clears the phone
	PinHash   *string // "" removes the PIN
	ClassID   *int64
	UnitCode  *string
}

// UpdateLearner applies a patch. A patch that changes where or how the
// learner is counted (commune, birth year, name) moves their counts in
// the same transaction.
func (st *Store) UpdateLearner(ctx context.Context, id int64, p LearnerPatch) error {
	set := map[string]any{"updated_at": st.now()}
	if p.Name != nil {
		set["name"] = *p.Name
	}
	if p.BirthYear != nil {
		set["birth_year"] = *p.BirthYear
	}
	if p.Phone != nil {
		set["phone"] = nullIfEmpty(*p.Phone)
	}
	if p.PinHash != nil {
		set["pin_hash"] = nullIfEmpty(*p.PinHash)
	}
	if p.ClassID != nil {
		set["class_id"] = *p.ClassID
	}
	if p.UnitCode != nil {
		set["unit_code"] = *p.UnitCode
		// A village unit belongs to its commune: moving to another commune
		// leaves it (the learner is then counted at the new commune).
		set["village_code"] = gorm.Expr("CASE WHEN unit_code = ? THEN village_code ELSE NULL END", *p.UnitCode)
	}
	if p.UnitCode == nil && p.BirthYear == nil && p.Name == nil {
		return changed(st.w.WithContext(ctx).Model(&Learner{}).Where("id = ?", id).Updates(set), "update learner")
	}
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := st.learnerKey(tx, id)
		if err != nil {
			return err
		}
		if err := changed(tx.Model(&Learner{}).Where("id = ?", id).Updates(set), "update learner"); err != nil {
			return err
		}
		return st.countChange(tx, before) // report counters (counters.go)
	})
}

// DeleteLearner removes a learner and, through the foreign keys, their
// progress, attempts, certificates and sessions. Daily counts stay: they are
// what was reported then.
func (st *Store) DeleteLearner(ctx context.Context, id int64) error {
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := st.countDeletion(tx, id); err != nil { // report counters, before the rows go
			return err
		}
		return changed(tx.Where("id = ?", id).Delete(&Learner{}), "delete learner")
	})
}

// CleanText passes every stored name (learners' name, village and phone,
// and the name printed on certificates) through clean and saves what it
// changes, in batches. Text written before the form boundary refused bad
// characters can hold invalid UTF-8, NUL or direction overrides, which
// break exports into PostgreSQL and print wrongly on certificates. It
// returns how many rows it changed.
func (st *Store) CleanText(ctx context.Context, clean func(string) string) (int, error) {
	type target struct {
		table string
		cols  []string
	}
	changedRows := 0
	for _, t := range []target{{"learners", []string{"name", "village", "phone"}}, {"certificates", []string{"name"}}} {
		var last int64
		for {
			var rows []map[string]any
			err := st.w.WithContext(ctx).Table(t.table).Select(append([]string{"id"}, t.cols...)).
				Where("id > ?", last).Order("id").Limit(500).Find(&rows).Error
			if err != nil {
				return changedRows, fmt.Errorf("store: clean %s: %w", t.table, err)
			}
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				last = toInt64(r["id"])
				set := map[string]any{}
				for _, c := range t.cols {
					v, ok := r[c].(string)
					if b, isBytes := r[c].([]byte); isBytes {
						v, ok = string(b), true
					}
					if ok && clean(v) != v {
						set[c] = clean(v)
					}
				}
				if len(set) == 0 {
					continue
				}
				if err := st.w.WithContext(ctx).Table(t.table).Where("id = ?", last).Updates(set).Error; err != nil {
					return changedRows, fmt.Errorf("store: clean %s %d: %w", t.table, last, err)
				}
				changedRows++
			}
		}
	}
	return changedRows, nil
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

// count adds n to one column of a commune's counts for the day of at
// (Vietnam time), inside tx.
func (st *Store) count(tx *gorm.DB, unit, column string, n int, at time.Time) error {
	row := map[string]any{"unit_code": unit, "day": at.In(st.loc).Format("2006-01-02"), "registered": 0, "lessons_completed": 0, "modules_completed": 0, "certificates": 0}
	row[column] = n
	return tx.Table("daily_counts").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "unit_code"}, {Name: "day"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: column}, Value: gorm.Expr("daily_counts."+column+" + ?", n)}},
	}).Create(row).Error
}

// DailyCount is one row of daily_counts.
type DailyCount struct {
	UnitCode         string
	Day              string
	Registered       int
	LessonsCompleted int
	ModulesCompleted int
	Certificates     int
}

// DailyCounts returns the counts of one commune, oldest first.
func (st *Store) DailyCounts(ctx context.Context, unit string) ([]DailyCount, error) {
	var out []DailyCount
	err := st.r.WithContext(ctx).Table("daily_counts").Where("unit_code = ?", unit).Order("day").Find(&out).Error
	return out, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// LearnersBornIn returns the learners of one commune born in any of years,
// the few rows among which a likely duplicate of a new learner can be (the
// names are compared by the caller, accent- and case-blind). Only the
// columns that comparison and its message need are read.
func (st *Store) LearnersBornIn(ctx context.Context, commune string, years []int) ([]Learner, error) {
	var out []Learner
	if len(years) == 0 {
		return out, nil
	}
	err := st.r.WithContext(ctx).Select("id", "code", "name", "birth_year", "unit_code", "village", "village_code", "class_id", "submission").
		Where("unit_code = ? AND birth_year IN ?", commune, years).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: learners born in: %w", err)
	}
	return out, nil
}
