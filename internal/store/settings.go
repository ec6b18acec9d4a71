package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// Secret returns a random 32-byte secret stored under name, creating it on
// first use. Every app server sharing the database gets the same one.
func (st *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	v, err := st.GetSetting(ctx, key)
	if errors.Is(err, ErrNotFound) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		// Two servers starting together may race: insert-if-absent, then
		// read back whichever won.
		s := Setting{Name: key, Value: hex.EncodeToString(b), UpdatedAt: st.now()}
		if err := st.w.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&s).Error; err != nil {
			return nil, fmt.Errorf("store: create secret: %w", err)
		}
		var got Setting
		if err := st.w.WithContext(ctx).Where("name = ?", key).Take(&got).Error; err != nil {
			return nil, err
		}
		v = got.Value
	} else if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}
