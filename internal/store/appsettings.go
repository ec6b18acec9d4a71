package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Settings an admin changes (such as the thresholds of the "needs help"
// list) are rows of the settings table. The code that reads them holds
// their defaults and their valid ranges, so a missing or bad row falls
// back to the default instead of breaking a page.

// Settings returns the stored values of the given names; a name without a
// row is absent from the map.
func (st *Store) Settings(ctx context.Context, names ...string) (map[string]string, error) {
	var rows []Setting
	if err := st.r.WithContext(ctx).Where("name IN ?", names).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: settings: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out, nil
}

// SetSettings stores several values at once, in one transaction.
func (st *Store) SetSettings(ctx context.Context, values map[string]string) error {
	now := st.now()
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for name, value := range values {
			s := Setting{Name: name, Value: value, UpdatedAt: now}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&s).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set settings: %w", err)
	}
	return nil
}
