package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
// staff account. It runs on every page a signed-in learner opens, so the
// session and its learner are one plain statement through database/sql:
// built and scanned by GORM it cost about seven times as much (250 µs
// against 35 µs on two busy cores), which was most of a learner's page
// (DESIGN §5 budget). A staff session reads its account with a second
// query: staff pages have no such budget.
func (st *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var (
		s                                  Session
		lid, birthYear, classID, consentBy *int64
		code, name, unit                   *string
		village, villageCode               *string
		gender, phone, pin, submitted      *string
		consent, created, updated, active  *time.Time
	)
	stmt, err := st.readStmt(ctx, sessionQuery)
	if err != nil {
		return s, err
	}
	err = stmt.QueryRowContext(ctx, id, st.now()).Scan(
		&s.ID, &s.LearnerID, &s.UserID, &s.Data, &s.CreatedAt, &s.ExpiresAt,
		&lid, &code, &name, &birthYear, &unit, &village, &villageCode, &gender, &phone, &pin, &classID, &submitted,
		&consentBy, &consent, &created, &updated, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", err)
	}
	if lid != nil {
		s.Learner = &Learner{ID: *lid, Code: *code, Name: *name, BirthYear: int(*birthYear), UnitCode: *unit,
			Village: village, VillageCode: villageCode, Gender: gender, Phone: phone, PinHash: pin, ClassID: classID,
			Submission: submitted, ConsentBy: consentBy, ConsentAt: *consent, CreatedAt: *created, UpdatedAt: *updated,
			LastActiveAt: *active}
	}
	if s.UserID != nil {
		u, err := st.UserByID(ctx, *s.UserID)
		if err != nil {
			return Session{}, fmt.Errorf("store: session's account: %w", err)
		}
		s.User = &u
	}
	return s, nil
}

const sessionQuery = `SELECT s.id, s.learner_id, s.user_id, s.data, s.created_at, s.expires_at,
	l.id, l.code, l.name, l.birth_year, l.unit_code, l.village, l.village_code, l.gender, l.phone, l.pin_hash,
	l.class_id, l.submission, l.consent_by, l.consent_at, l.created_at, l.updated_at, l.last_active_at
	FROM sessions s LEFT JOIN learners l ON l.id = s.learner_id
	WHERE s.id = ? AND s.expires_at > ?`

// readStmt returns q (written with ? placeholders) prepared on the reader
// pool, preparing it on first use: the few statements that bypass GORM run
// on every page a learner opens, and preparing one costs as much as running
// it. (Not at Open: the tables may not exist before Migrate.)
func (st *Store) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := st.stmts.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	db, err := st.r.DB()
	if err != nil {
		return nil, err
	}
	s, err := db.PrepareContext(ctx, st.bind(q))
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	if prior, loaded := st.stmts.LoadOrStore(q, s); loaded { // prepared at the same time elsewhere
		_ = s.Close()
		return prior.(*sql.Stmt), nil
	}
	return s, nil
}

// bind writes a statement's ? placeholders as the engine wants them
// ($1, $2, ... on PostgreSQL), for the few statements that bypass GORM.
func (st *Store) bind(q string) string {
	if st.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
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
