package store

import (
	"testing"
	"time"
)

// TestFirstBackupDue: a restarted server neither skips a copy nor makes an
// extra one; only an empty folder or an overdue copy means "at once".
func TestFirstBackupDue(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name   string
		newest time.Time
		found  bool
		want   time.Time
	}{
		{"no copy yet: at once", time.Time{}, false, now},
		{"copy an hour old: 23 hours from now", now.Add(-time.Hour), true, now.Add(23 * time.Hour)},
		{"copy two days old: at once", now.Add(-2 * day), true, now.Add(-day)},
		{"copy dated tomorrow: one interval from now", now.Add(day), true, now.Add(day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := firstBackupDue(now, tt.newest, tt.found, day)
			if !got.Equal(tt.want) {
				t.Errorf("due %s, want %s", got, tt.want)
			}
		})
	}
}
