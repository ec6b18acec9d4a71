package auth

import "strings"

// Role is what a staff account may do. Each account has exactly one.
type Role string

// The roles of DESIGN §3.
const (
	// RoleAdmin manages accounts, units and targets under its unit, and
	// may use the trainer and report pages there.
	RoleAdmin Role = "admin"
	// RoleSupervisor reads reports for everything under its unit.
	RoleSupervisor Role = "supervisor"
	// RoleTrainer runs the classes and follows the learners of its commune.
	RoleTrainer Role = "trainer"
)

// Roles lists every role, for forms and validation.
func Roles() []Role { return []Role{RoleAdmin, RoleSupervisor, RoleTrainer} }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Principal is the signed-in staff member a request acts for: who, in what
// role, and over which part of the unit tree. Every staff query takes its
// UnitPath and filters by it in SQL, so nobody sees a learner outside their
// unit's subtree.
type Principal struct {
	UserID   int64
	Username string
	FullName string // "" when not given
	Role     Role
	UnitCode string
	UnitName string
	UnitPath string // "/86/859/29578/": the unit and everything under it
}

// Covers tells whether a unit (by its path) lies in the principal's subtree.
func (p Principal) Covers(unitPath string) bool {
	return p.UnitPath != "" && strings.HasPrefix(unitPath, p.UnitPath)
}

// Is tells whether the principal has one of the roles.
func (p Principal) Is(roles ...Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// Name is how pages name the staff member: the full name when given.
func (p Principal) Name() string {
	if p.FullName != "" {
		return p.FullName
	}
	return p.Username
}
