package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kynangso/kynangso/internal/codes"
)

// Class is a group of residents taught together in one commune.
type Class struct {
	ID         int64
	UnitCode   string
	Name       string
	JoinCode   string
	TrainerID  *int64
	Place      *string
	StartsOn   *string // "2006-01-02"
	EndsOn     *string
	Schedule   *string
	ArchivedAt *time.Time
	CreatedAt  time.Time
}

// JoinCodeLength is the length of a class's join code: short enough to
// write on a board and type on a phone.
const JoinCodeLength = 6

// CreateClass adds a class. A class given no join code draws one (again,
// should another class hold it); a given code must be unique.
func (st *Store) CreateClass(ctx context.Context, c *Class) error {
	if c.JoinCode != "" {
		c.JoinCode = strings.ToUpper(c.JoinCode)
		return st.create(ctx, c, "class code "+c.JoinCode)
	}
	for try := 0; ; try++ {
		c.ID, c.JoinCode = 0, codes.New(JoinCodeLength)
		err := st.w.WithContext(ctx).Create(c).Error
		switch {
		case err == nil:
			return nil
		case isUniqueViolation(err) && try < 5:
			continue // another class holds the code: draw again
		default:
			return fmt.Errorf("store: create class: %w", err)
		}
	}
}

// ClassByJoinCode finds a class by the code a trainer hands out.
func (st *Store) ClassByJoinCode(ctx context.Context, code string) (Class, error) {
	var c Class
	err := st.r.WithContext(ctx).Where("join_code = ?", strings.ToUpper(strings.TrimSpace(code))).Take(&c).Error
	return c, notFound(err)
}

// ClassByID returns a class.
func (st *Store) ClassByID(ctx context.Context, id int64) (Class, error) {
	var c Class
	err := st.r.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, notFound(err)
}

// ClassUnder returns a class if its commune lies under path, else
// ErrNotFound: the same answer as for a class that does not exist.
func (st *Store) ClassUnder(ctx context.Context, id int64, path string) (Class, error) {
	var c Class
	err := st.r.WithContext(ctx).Scopes(InScope(path)).Where("id = ?", id).Take(&c).Error
	return c, notFound(err)
}

// ClassesByUnit lists the classes of one commune.
func (st *Store) ClassesByUnit(ctx context.Context, unitCode string) ([]Class, error) {
	var list []Class
	err := st.r.WithContext(ctx).Where("unit_code = ?", unitCode).Order("name").Find(&list).Error
	return list, err
}

// ClassesUnder lists the classes of the communes under path, by commune
// and name.
func (st *Store) ClassesUnder(ctx context.Context, path string) ([]Class, error) {
	var list []Class
	err := st.r.WithContext(ctx).Scopes(InScope(path)).Order("unit_code, name").Find(&list).Error
	return list, err
}

// ClassRow is a class as the trainer's list shows it: with its commune's
// name and how many learners it has.
type ClassRow struct {
	Class
	UnitName string
	Learners int
}

// ClassRowsUnder lists the classes under path with their commune and
// learner count, newest start first within each commune; archived ones
// are included (the page folds them away).
func (st *Store) ClassRowsUnder(ctx context.Context, path string) ([]ClassRow, error) {
	var out []ClassRow
	err := st.r.WithContext(ctx).Table("classes").
		Select("classes.*, units.name AS unit_name, (SELECT COUNT(*) FROM learners WHERE learners.class_id = classes.id) AS learners").
		Joins("JOIN units ON units.code = classes.unit_code").
		Where(pathUnder, likePrefix(path)).
		Order("units.path, classes.name, classes.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: classes under %s: %w", path, err)
	}
	return out, nil
}

// ClassPatch holds the fields of a class a trainer edits; every field is
// written (nil clears an optional one).
type ClassPatch struct {
	Name     string
	Place    *string
	StartsOn *string
	EndsOn   *string
	Schedule *string
}

// UpdateClass saves a class's name, place, dates and schedule.
func (st *Store) UpdateClass(ctx context.Context, id int64, p ClassPatch) error {
	return changed(st.w.WithContext(ctx).Model(&Class{}).Where("id = ?", id).Updates(map[string]any{
		"name": p.Name, "place": p.Place, "starts_on": p.StartsOn, "ends_on": p.EndsOn, "schedule": p.Schedule,
	}), "update class")
}

// SetClassArchived archives a class (it keeps its learners and their
// progress, and its join code stops working) or brings it back.
func (st *Store) SetClassArchived(ctx context.Context, id int64, archived bool) error {
	var at any
	if archived {
		at = st.now()
	}
	return changed(st.w.WithContext(ctx).Model(&Class{}).Where("id = ?", id).Update("archived_at", at), "archive class")
}

// RotateJoinCode gives a class a fresh join code; the old one stops
// working at once (posters printed with it lead nowhere).
func (st *Store) RotateJoinCode(ctx context.Context, id int64) (string, error) {
	for try := 0; ; try++ {
		code := codes.New(JoinCodeLength)
		err := changed(st.w.WithContext(ctx).Model(&Class{}).Where("id = ?", id).Update("join_code", code), "rotate join code")
		switch {
		case err == nil:
			return code, nil
		case isUniqueViolation(err) && try < 5:
			continue
		default:
			return "", err
		}
	}
}

// LearnersOfClass returns a class's learners by name (the class's scope
// is checked by the caller, who found the class with ClassUnder).
func (st *Store) LearnersOfClass(ctx context.Context, classID int64) ([]Learner, error) {
	var list []Learner
	err := st.r.WithContext(ctx).Where("class_id = ?", classID).Order("name, id").Find(&list).Error
	return list, err
}

// LearnerOfClass returns one learner of a class, or ErrNotFound when the
// learner is not in it.
func (st *Store) LearnerOfClass(ctx context.Context, classID, id int64) (Learner, error) {
	var l Learner
	err := st.r.WithContext(ctx).Where("class_id = ? AND id = ?", classID, id).Take(&l).Error
	return l, notFound(err)
}
