package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a server-side session. ID is the SHA-256 of the cookie token.
type Session struct {
	ID        string
	LearnerID *int64
	UserID    *int64
	Data      string // JSON owned by the web layer
	CreatedAt time.Time
	ExpiresAt time.Time
	Learner   *Learner `gorm:"foreignKey:LearnerID"` // filled by SessionByID; never saved through here
	User      *User    `gorm:"foreignKey:UserID"`    // likewise, for a staff session
}

// CreateSession stores a session.
func (st *Store) CreateSession(ctx context.Context, s *Session) error {
	s.CreatedAt = st.now()
	if err := st.w.WithContext(ctx).Omit("Learner", "User").Create(s).Error; err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByID returns a session that has not expired, with its learner or
// staff account in the same query: this runs on every page a signed-in
// person opens.
func (st *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var s Session
	err := st.r.WithContext(ctx).Joins("Learner").Joins("User").
		Where("sessions.id = ? AND sessions.expires_at > ?", id, st.now()).Take(&s).Error
	return s, notFound(err)
}

// ExtendSession pushes a session's expiry forward.
func (st *Store) ExtendSession(ctx context.Context, id string, expires time.Time) error {
	err := st.w.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("expires_at", expires).Error
	if err != nil {
		return fmt.Errorf("store: extend session: %w", err)
	}
	return nil
}

// DeleteLearnerSessions ends every session of a learner except keep (""
// keeps none) and returns how many it ended.
func (st *Store) DeleteLearnerSessions(ctx context.Context, learnerID int64, keep string) (int64, error) {
	res := st.w.WithContext(ctx).Where("learner_id = ? AND id <> ?", learnerID, keep).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("store: end sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// DeleteSession ends a session.
func (st *Store) DeleteSession(ctx context.Context, id string) error {
	return st.w.WithContext(ctx).Where("id = ?", id).Delete(&Session{}).Error
}

// DeleteExpiredSessions removes sessions past their expiry; housekeeping.
func (st *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := st.w.WithContext(ctx).Where("expires_at <= ?", st.now()).Delete(&Session{})
	return res.RowsAffected, res.Error
}
