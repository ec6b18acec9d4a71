package store

import (
	"context"
	"strings"
	"time"
)

// Class is a group of residents taught together in one commune.
type Class struct {
	ID        int64
	UnitCode  string
	Name      string
	JoinCode  string
	TrainerID *int64
	CreatedAt time.Time
}

// CreateClass adds a class; its join code must be unique.
func (st *Store) CreateClass(ctx context.Context, c *Class) error {
	c.JoinCode = strings.ToUpper(c.JoinCode)
	return st.create(ctx, c, "class code "+c.JoinCode)
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
