package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Throttle is the failure count of one key (a code, a client) in a window.
type Throttle struct {
	Name         string `gorm:"primaryKey"`
	Failures     int
	WindowStart  time.Time
	BlockedUntil *time.Time
}

// Limit is a throttling rule: after Failures failures within Window, the
// key is refused for Block. It lives in the database so that every app
// server sharing it applies the same count.
type Limit struct {
	Failures int
	Window   time.Duration
	Block    time.Duration
}

// Blocked returns when the first of names stops being blocked, or the zero
// time when none is blocked now.
func (st *Store) Blocked(ctx context.Context, names ...string) (time.Time, error) {
	var rows []Throttle
	if err := st.r.WithContext(ctx).Where("name IN ? AND blocked_until > ?", names, st.now()).Find(&rows).Error; err != nil {
		return time.Time{}, fmt.Errorf("store: throttle: %w", err)
	}
	var until time.Time
	for _, r := range rows {
		if r.BlockedUntil.After(until) {
			until = *r.BlockedUntil
		}
	}
	return until, nil
}

// Fail counts one failure against name under lim.
func (st *Store) Fail(ctx context.Context, name string, lim Limit) error {
	now := st.now()
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t Throttle
		err := tx.Where("name = ?", name).Take(&t).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			t = Throttle{Name: name, WindowStart: now}
		case err != nil:
			return err
		}
		if now.Sub(t.WindowStart) > lim.Window {
			t.Failures, t.WindowStart, t.BlockedUntil = 0, now, nil
		}
		t.Failures++
		if t.Failures >= lim.Failures {
			until := now.Add(lim.Block)
			t.BlockedUntil = &until
		}
		return tx.Save(&t).Error
	})
}

// ResetThrottle forgets the failures of name (after a success).
func (st *Store) ResetThrottle(ctx context.Context, name string) error {
	return st.w.WithContext(ctx).Where("name = ?", name).Delete(&Throttle{}).Error
}

// DeleteStaleThrottles forgets counts whose window started more than age
// ago and that block nothing any more; housekeeping.
func (st *Store) DeleteStaleThrottles(ctx context.Context, age time.Duration) (int64, error) {
	now := st.now()
	res := st.w.WithContext(ctx).Where("window_start < ? AND (blocked_until IS NULL OR blocked_until < ?)", now.Add(-age), now).Delete(&Throttle{})
	return res.RowsAffected, res.Error
}
