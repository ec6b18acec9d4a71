package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// User is a staff account: one role, one unit.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	Role         string
	UnitCode     string
	CreatedAt    time.Time
}

// CreateUser adds a staff account. The password arrives already hashed.
func (st *Store) CreateUser(ctx context.Context, u *User) error {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	return st.create(ctx, u, fmt.Sprintf("user %q", u.Username))
}

// UserByUsername returns a staff account by its (case-insensitive) name.
func (st *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	var u User
	err := st.r.WithContext(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Take(&u).Error
	return u, notFound(err)
}
