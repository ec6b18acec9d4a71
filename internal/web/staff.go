package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// Staff sign in with a username and password at /login. Each role lands on
// its own area; every area is an Echo group guarded by requireRole, and
// every query a staff page makes takes the principal's unit path.

type loginForm struct {
	validate.Form
	Username string
	Next     string
}

type loginPage struct {
	Page
	Form loginForm
}

// loginGuards: five wrong passwords per account and twenty per client in
// fifteen minutes, counted before the password is compared.
func (s *Server) loginGuards(c echo.Context, username string) []guard {
	return []guard{
		{"login-client:" + s.clientKey(c), store.Limit{Max: 20, Window: 15 * time.Minute}},
		{"login-user:" + username, store.Limit{Max: 5, Window: 15 * time.Minute}},
	}
}

// dummyHash is compared when the username is unknown, so that a wrong name
// takes as long as a wrong password and the answer does not tell which
// accounts exist.
const dummyHash = "$2a$12$F314LSsb0i.hgnQNJ.0xhu4FCbsQ8sfXLEf.0SxDqD1K06m.dhN7G" // bcrypt, cost 12, of a phrase no account uses

// loginShow shows the staff sign-in form.
func (s *Server) loginShow(c echo.Context) error {
	if p := currentStaff(c); p != nil {
		return c.Redirect(http.StatusSeeOther, landing(p.Role))
	}
	return s.renderLogin(c, http.StatusOK, loginForm{Next: safeNext(c.QueryParam("next"))})
}

func (s *Server) renderLogin(c echo.Context, status int, f loginForm) error {
	p := loginPage{Page: s.page(c), Form: f}
	p.NoIndex = true
	return s.render(c, status, "login", p)
}

// loginPost signs a staff member in. The same message answers a wrong name
// and a wrong password; the session token is new (rotated) at sign-in.
func (s *Server) loginPost(c echo.Context) error {
	ctx := c.Request().Context()
	f := loginForm{Next: safeNext(c.FormValue("next"))}
	f.Username = strings.ToLower(f.TextField("username", c.FormValue("username"), 64))
	password := c.FormValue("password")
	f.Check(validate.NotBlank(f.Username), "username", "form.error.username_required")
	f.Check(password != "", "password", "form.error.password_required")
	if !f.Valid() {
		return s.renderLogin(c, http.StatusUnprocessableEntity, f)
	}
	guards := s.loginGuards(c, f.Username)
	v, err := s.take(ctx, guards...)
	if err != nil {
		return err
	}
	if !v.Allowed {
		tooMany(&f.Form, v)
		return s.renderLogin(c, http.StatusTooManyRequests, f)
	}
	u, err := s.store.UserByUsername(ctx, f.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := dummyHash
	if err == nil {
		hash = u.PasswordHash
	}
	if !auth.CheckPassword(hash, password) || err != nil || !u.Active() {
		f.Fail("form.error.login_wrong")
		return s.renderLogin(c, http.StatusUnprocessableEntity, f)
	}
	if err := s.refund(ctx, guards...); err != nil {
		return err
	}
	p, err := s.principal(ctx, u)
	if err != nil {
		return err
	}
	if err := s.signInStaff(c, p); err != nil {
		return err
	}
	next := f.Next
	if next == "" || !allowedArea(p.Role, next) {
		next = landing(p.Role)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// landing is where each role arrives after signing in.
func landing(r auth.Role) string {
	switch r {
	case auth.RoleTrainer:
		return "/trainer"
	case auth.RoleSupervisor:
		return "/reports/"
	}
	return "/admin/"
}

// areas maps each staff area to the roles that may enter it. Admins may use
// every area for their subtree; supervisors only read reports; trainers
// run the classes of their commune.
func areas() map[string][]auth.Role {
	return map[string][]auth.Role{
		"/trainer": {auth.RoleTrainer, auth.RoleAdmin},
		"/reports": {auth.RoleSupervisor, auth.RoleAdmin},
		"/admin":   {auth.RoleAdmin},
		"/account": {auth.RoleTrainer, auth.RoleSupervisor, auth.RoleAdmin},
	}
}

// allowedArea tells whether a role may open a path.
func allowedArea(r auth.Role, path string) bool {
	for prefix, roles := range areas() {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			for _, x := range roles {
				if x == r {
					return true
				}
			}
			return false
		}
	}
	return false
}

// safeNext keeps a "next" address only when it is a path of a staff area
// on this site, so the sign-in form cannot send anyone elsewhere.
func safeNext(next string) string {
	if len(next) > 200 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	for prefix := range areas() {
		if u.Path == prefix || strings.HasPrefix(u.Path, prefix+"/") {
			return next
		}
	}
	return ""
}

// requireArea guards a staff area: a visitor (or a learner) is sent to the
// sign-in form and comes back after it; a staff member whose role may not
// enter gets 403. Staff pages are never stored by browsers or proxies.
func (s *Server) requireArea(area string) echo.MiddlewareFunc {
	roles := areas()[area]
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := currentStaff(c)
			if p == nil {
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			if !p.Is(roles...) {
				return echo.ErrForbidden
			}
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
			return next(c)
		}
	}
}

// staffPage is the common part of every staff page: as every page, with
// the signed-in staff member, and never indexed.
func (s *Server) staffPage(c echo.Context) Page {
	p := s.page(c)
	p.NoIndex = true
	return p
}

// passwordForm changes one's own password.
type passwordForm struct {
	validate.Form
}

type passwordPage struct {
	Page
	Form passwordForm
}

// accountPasswordShow lets a staff member change their own password.
func (s *Server) accountPasswordShow(c echo.Context) error {
	return s.render(c, http.StatusOK, "account_password", passwordPage{Page: s.staffPage(c)})
}

// accountPasswordPost checks the current password (throttled like the
// sign-in), sets the new one and ends every other session of the account.
func (s *Server) accountPasswordPost(c echo.Context) error {
	ctx := c.Request().Context()
	p := currentStaff(c)
	var f passwordForm
	current, next, again := c.FormValue("current"), c.FormValue("new"), c.FormValue("again")
	f.Check(current != "", "current", "form.error.password_required")
	checkNewPassword(&f.Form, "new", next)
	f.Check(next == again, "again", "form.error.password_mismatch")
	if f.Valid() {
		if err := s.checkOwnPassword(ctx, c, p, &f.Form, current); err != nil {
			return err
		}
	}
	if !f.Valid() {
		return s.render(c, statusOf(f.Form), "account_password", passwordPage{Page: s.staffPage(c), Form: f})
	}
	hash, err := auth.HashPassword(next, s.costs.password)
	if err != nil {
		return err
	}
	if err := s.store.SetPassword(ctx, p.UserID, hash); err != nil {
		return err
	}
	if err := s.signInStaff(c, *p); err != nil { // SetPassword ended every session, this one too
		return err
	}
	s.flash(c, "flash.password_changed")
	return c.Redirect(http.StatusSeeOther, landing(p.Role))
}

// checkOwnPassword compares a staff member's current password, counted
// against the same per-account throttle as the sign-in.
func (s *Server) checkOwnPassword(ctx context.Context, c echo.Context, p *auth.Principal, f *validate.Form, password string) error {
	guards := s.loginGuards(c, p.Username)
	v, err := s.take(ctx, guards...)
	if err != nil {
		return err
	}
	if !v.Allowed {
		tooMany(f, v)
		return nil
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		f.Check(false, "current", "form.error.password_wrong")
		return nil
	}
	return s.refund(ctx, guards...)
}

// checkNewPassword holds a new staff password to the rule of auth: at
// least 10 characters, at most 72 bytes (bcrypt's limit).
func checkNewPassword(f *validate.Form, field, pw string) {
	f.Check(len([]rune(pw)) >= auth.MinPasswordRunes, field, "form.error.password_short", "Min", auth.MinPasswordRunes)
	f.Check(len(pw) <= 72, field, "form.error.password_long")
}
