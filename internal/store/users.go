package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// User is a staff account: one role, one unit.
type User struct {
	ID                int64
	Username          string
	PasswordHash      string
	Role              string
	UnitCode          string
	FullName          *string
	DisabledAt        *time.Time
	PasswordChangedAt *time.Time
	CreatedAt         time.Time
}

// Active tells whether the account may sign in.
func (u User) Active() bool { return u.DisabledAt == nil }

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

// UserByID returns a staff account.
func (st *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := st.r.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, notFound(err)
}

// StaffUser is a staff account with the place of its unit in the tree.
type StaffUser struct {
	User
	UnitName string
	UnitPath string
}

// UsersUnder lists the staff accounts whose unit lies under path (a unit
// path such as "/86/859/"), by unit then name.
func (st *Store) UsersUnder(ctx context.Context, path string) ([]StaffUser, error) {
	var out []StaffUser
	err := st.r.WithContext(ctx).Table("users").
		Select("users.*, units.name AS unit_name, units.path AS unit_path").
		Joins("JOIN units ON units.code = users.unit_code").
		Where(pathUnder, likePrefix(path)).
		Order("units.path, users.username").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: users under %s: %w", path, err)
	}
	return out, nil
}

// UserUnder returns one staff account if its unit lies under path, else
// ErrNotFound: the same answer as for an account that does not exist, so a
// scope never tells what lies outside it.
func (st *Store) UserUnder(ctx context.Context, id int64, path string) (StaffUser, error) {
	var out StaffUser
	err := st.r.WithContext(ctx).Table("users").
		Select("users.*, units.name AS unit_name, units.path AS unit_path").
		Joins("JOIN units ON units.code = users.unit_code").
		Where("users.id = ?", id).Where(pathUnder, likePrefix(path)).Take(&out).Error
	return out, notFound(err)
}

// SetPassword stores a new password hash and ends every session of the
// account, in one transaction: whoever knew the old password is out.
func (st *Store) SetPassword(ctx context.Context, id int64, hash string) error {
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := changed(tx.Model(&User{}).Where("id = ?", id).
			Updates(map[string]any{"password_hash": hash, "password_changed_at": st.now()}), "set password"); err != nil {
			return err
		}
		return tx.Where("user_id = ?", id).Delete(&Session{}).Error
	})
}

// SetUserDisabled disables an account (ending its sessions) or enables it
// again. A disabled account keeps its history and cannot sign in.
func (st *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	return st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var at any
		if disabled {
			at = st.now()
		}
		if err := changed(tx.Model(&User{}).Where("id = ?", id).Update("disabled_at", at), "disable user"); err != nil {
			return err
		}
		if !disabled {
			return nil
		}
		return tx.Where("user_id = ?", id).Delete(&Session{}).Error
	})
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	UserID    *int64
	Username  string
	Action    string // e.g. "export.class_list"
	Target    string // what it was about: a class, a unit code
	RowCount  int
	CreatedAt time.Time
}

// TableName names the audit log's table.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit writes one entry of the audit log. Staff exports of personal data
// call it before they send the file (DESIGN §6).
func (st *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.ID, e.CreatedAt = 0, st.now()
	if err := st.w.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditUnder lists the newest entries written by accounts whose unit lies
// under path (and entries of removed accounts, for the province's root).
func (st *Store) AuditUnder(ctx context.Context, path string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := st.r.WithContext(ctx).Table("audit_log").Select("audit_log.*").
		Joins("JOIN users ON users.id = audit_log.user_id").
		Joins("JOIN units ON units.code = users.unit_code").
		Where(pathUnder, likePrefix(path)).
		Order("audit_log.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// pathUnder is the SQL condition "the joined unit lies under a path", with
// likePrefix(path) as its argument. Both engines read the same ESCAPE.
const pathUnder = `units.path LIKE ? ESCAPE '\'`

// InScope narrows a query on a table with a unit_code column (learners,
// classes, users) to the units under path: the scope every staff query
// takes, applied in SQL, never by filtering rows afterwards. The units
// table is small, so the subquery costs little; the outer table uses its
// unit_code index.
func InScope(path string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(`unit_code IN (SELECT code FROM units WHERE units.path LIKE ? ESCAPE '\')`, likePrefix(path))
	}
}

// likePrefix makes a LIKE pattern matching every string that starts with
// p: the unit-path filter of every staff query. Unit paths hold codes
// (digits, letters, '-') and slashes; LIKE's own '%' and '_' are escaped
// anyway, so a code with '_' can never widen a scope.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}
