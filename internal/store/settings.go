package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Setting is a named value about the database itself.
type Setting struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

// SetSetting stores a value under name.
func (st *Store) SetSetting(ctx context.Context, name, value string) error {
	s := Setting{Name: name, Value: value, UpdatedAt: st.now()}
	err := st.w.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&s).Error
	if err != nil {
		return fmt.Errorf("store: set %s: %w", name, err)
	}
	return nil
}

// GetSetting returns the value stored under name, or ErrNotFound.
func (st *Store) GetSetting(ctx context.Context, name string) (string, error) {
	var s Setting
	err := st.r.WithContext(ctx).Where("name = ?", name).Take(&s).Error
	return s.Value, notFound(err)
}
