package store

import (
	"context"
	"fmt"
	"time"
)

// Throttle is the attempt count of one key (a code, a client, a username)
// in its current window.
type Throttle struct {
	Name         string `gorm:"primaryKey"`
	Failures     int    // attempts counted in the window (the column predates Take)
	WindowStart  time.Time
	BlockedUntil *time.Time // unused since Take; kept for old rows
}

// Limit is a throttling rule: at most Max attempts per Window. It lives in
// the database so that every app server sharing it counts together.
type Limit struct {
	Max    int
	Window time.Duration
}

// Verdict is the answer of Take: whether the attempt may go ahead and, when
// it may not, from when the key is free again.
type Verdict struct {
	Allowed bool
	RetryAt time.Time // zero when Allowed
}

// takeSQL counts one attempt and returns the count, in one statement: the
// row is created, or its window restarted when it has run out, or its count
// raised. Both engines evaluate every SET expression against the old row
// and lock it for the statement, so concurrent callers each see a distinct
// count (SQLite through its single writer, PostgreSQL through the row lock
// of ON CONFLICT DO UPDATE). Parameters: name, now, cutoff, cutoff, now.
const takeSQL = `INSERT INTO throttles (name, failures, window_start) VALUES (?, 1, ?)
ON CONFLICT (name) DO UPDATE SET
  failures = CASE WHEN throttles.window_start <= ? THEN 1 ELSE throttles.failures + 1 END,
  window_start = CASE WHEN throttles.window_start <= ? THEN ? ELSE throttles.window_start END
RETURNING failures`

// Take counts one attempt against name and tells whether it is within lim.
// The decision and the count are one atomic statement, taken BEFORE any
// secret is compared: of 200 simultaneous guesses under a limit of 5, exactly
// 5 are allowed, whatever the engine. An attempt that turns out to succeed
// can be given back with Refund.
func (st *Store) Take(ctx context.Context, name string, lim Limit) (Verdict, error) {
	now := st.now()
	cutoff := now.Add(-lim.Window)
	var count int
	if err := st.w.WithContext(ctx).Raw(takeSQL, name, now, cutoff, cutoff, now).Scan(&count).Error; err != nil {
		return Verdict{}, fmt.Errorf("store: throttle %s: %w", name, err)
	}
	if count <= lim.Max {
		return Verdict{Allowed: true}, nil
	}
	var t Throttle
	if err := st.r.WithContext(ctx).Where("name = ?", name).Take(&t).Error; err != nil {
		return Verdict{}, fmt.Errorf("store: throttle %s: %w", name, err)
	}
	return Verdict{RetryAt: t.WindowStart.Add(lim.Window)}, nil
}

// Refund gives back one attempt counted by Take, for an attempt that
// succeeded: only failures keep counting, so a commune hall where forty
// people sign in from one address is not locked out by their successes.
func (st *Store) Refund(ctx context.Context, name string) error {
	err := st.w.WithContext(ctx).Exec("UPDATE throttles SET failures = failures - 1 WHERE name = ? AND failures > 0", name).Error
	if err != nil {
		return fmt.Errorf("store: refund %s: %w", name, err)
	}
	return nil
}

// ResetThrottle forgets the attempts of name.
func (st *Store) ResetThrottle(ctx context.Context, name string) error {
	return st.w.WithContext(ctx).Where("name = ?", name).Delete(&Throttle{}).Error
}

// DeleteStaleThrottles forgets counts whose window started more than age
// ago; housekeeping. age must be at least the longest window in use.
func (st *Store) DeleteStaleThrottles(ctx context.Context, age time.Duration) (int64, error) {
	res := st.w.WithContext(ctx).Where("window_start < ?", st.now().Add(-age)).Delete(&Throttle{})
	return res.RowsAffected, res.Error
}
