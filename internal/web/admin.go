package web

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// Admins manage the staff accounts of their subtree from these pages (the
// command line keeps `kynangso user add`). Every query takes the admin's
// unit path; an account outside it is "not found", never "forbidden", so a
// scope tells nothing about what lies beyond it.

type adminHomePage struct {
	Page
	Users []store.StaffUser
	Audit []store.AuditEntry
}

// adminHome is the admin's landing page: the accounts and the latest
// exports under their unit, and links to the other admin tasks.
func (s *Server) adminHome(c echo.Context) error {
	ctx := c.Request().Context()
	p := adminHomePage{Page: s.staffPage(c)}
	var err error
	if p.Users, err = s.store.UsersUnder(ctx, p.Staff.UnitPath); err != nil {
		return err
	}
	if p.Audit, err = s.store.AuditUnder(ctx, p.Staff.UnitPath, 20); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_home", p)
}

type userForm struct {
	validate.Form
	Username string
	FullName string
	Role     string
	Unit     string
}

type adminUsersPage struct {
	Page
	Users []store.StaffUser
	Units []store.Unit // where a new account may be placed
	Roles []auth.Role
	Form  userForm
}

func (s *Server) adminUsersPage(c echo.Context, f userForm) (adminUsersPage, error) {
	ctx := c.Request().Context()
	p := adminUsersPage{Page: s.staffPage(c), Roles: auth.Roles(), Form: f}
	var err error
	if p.Users, err = s.store.UsersUnder(ctx, p.Staff.UnitPath); err != nil {
		return p, err
	}
	p.Units, err = s.store.UnitsUnder(ctx, p.Staff.UnitPath, units.Province, units.District, units.Commune)
	return p, err
}

// adminUsers lists the accounts of the admin's subtree with a form to add one.
func (s *Server) adminUsers(c echo.Context) error {
	p, err := s.adminUsersPage(c, userForm{Role: string(auth.RoleTrainer)})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_users", p)
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// adminUserNewPost creates an account in the admin's subtree with a random
// first password, shown once to the admin to hand over.
func (s *Server) adminUserNewPost(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentStaff(c)
	f := userForm{Role: c.FormValue("role"), Unit: c.FormValue("unit")}
	f.Username = f.TextField("username", c.FormValue("username"), 32)
	f.FullName = f.TextField("full_name", c.FormValue("full_name"), 80)
	f.Check(usernameRe.MatchString(f.Username), "username", "form.error.username_format")
	role, ok := auth.ParseRole(f.Role)
	f.Check(ok, "role", "form.error.role")
	unit, err := s.store.UnitByCode(ctx, f.Unit)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f.Check(err == nil && me.Covers(unit.Path), "unit", "form.error.unit_outside")
	if ok && err == nil {
		// A trainer runs the classes of one commune; a supervisor reads a
		// district's or the province's reports.
		f.Check(role != auth.RoleTrainer || unit.Level == units.Commune, "unit", "form.error.trainer_unit")
		f.Check(role != auth.RoleSupervisor || unit.Level != units.Commune && unit.Level != units.Village, "unit", "form.error.supervisor_unit")
	}
	password := codes.New(12)
	u := store.User{Username: f.Username, Role: f.Role, UnitCode: f.Unit}
	if f.FullName != "" {
		u.FullName = &f.FullName
	}
	if f.Valid() {
		hash, err := auth.HashPassword(password, s.costs.password)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		err = s.store.CreateUser(ctx, &u)
		if errors.Is(err, store.ErrConflict) {
			f.Check(false, "username", "form.error.username_taken")
		} else if err != nil {
			return err
		}
	}
	if !f.Valid() {
		p, err := s.adminUsersPage(c, f)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "admin_users", p)
	}
	return s.showSecret(c, u.Username, password, "admin.secret_new")
}

type secretPage struct {
	Page
	Username, Password, Note string
}

// showSecret shows a new password once. It is the one form answer that is
// a page, not a redirect: the password is not kept anywhere to show later.
func (s *Server) showSecret(c echo.Context, username, password, note string) error {
	return s.render(c, http.StatusOK, "admin_secret", secretPage{Page: s.staffPage(c), Username: username, Password: password, Note: note})
}

type adminUserPage struct {
	Page
	User store.StaffUser
	Self bool
}

// userFromPath finds the account named in the URL inside the admin's scope.
func (s *Server) userFromPath(c echo.Context) (store.StaffUser, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return store.StaffUser{}, echo.ErrNotFound
	}
	u, err := s.store.UserUnder(c.Request().Context(), id, currentStaff(c).UnitPath)
	if errors.Is(err, store.ErrNotFound) {
		return u, echo.ErrNotFound
	}
	return u, err
}

// adminUser shows one account with what an admin can do to it.
func (s *Server) adminUser(c echo.Context) error {
	u, err := s.userFromPath(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_user", adminUserPage{Page: s.staffPage(c), User: u, Self: u.ID == currentStaff(c).UserID})
}

// adminUserPost disables, enables or resets an account. An admin cannot
// disable themselves (nobody would be left to undo it).
func (s *Server) adminUserPost(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.userFromPath(c)
	if err != nil {
		return err
	}
	action := c.FormValue("action")
	self := u.ID == currentStaff(c).UserID
	if !slices.Contains([]string{"disable", "enable", "reset"}, action) || self && action == "disable" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	switch action {
	case "disable", "enable":
		if err := s.store.SetUserDisabled(ctx, u.ID, action == "disable"); err != nil {
			return err
		}
		s.flash(c, map[string]string{"disable": "flash.user_disabled", "enable": "flash.user_enabled"}[action])
		return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
	}
	password := codes.New(12)
	hash, err := auth.HashPassword(password, s.costs.password)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	return s.showSecret(c, u.Username, password, "admin.secret_reset")
}
