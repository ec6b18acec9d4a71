package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// API tokens let the province's reporting system read the report API
// (/reports/api/units/{code}, /reports/export.*) without a person's
// session. An admin makes one for a unit of their subtree; it is shown
// once and stored as a hash; the admin can revoke it; every use is logged
// and listed here.

type tokenForm struct {
	validate.Form
	Name string
	Unit string
}

type adminTokensPage struct {
	Page
	Tokens []store.ScopedToken
	Uses   []store.TokenUse
	Names  map[int64]string
	Units  []store.Unit
	Form   tokenForm
}

func (s *Server) adminTokensPage(c echo.Context, f tokenForm) (adminTokensPage, error) {
	ctx := c.Request().Context()
	p := adminTokensPage{Page: s.staffPage(c), Form: f, Names: map[int64]string{}}
	var err error
	if p.Tokens, err = s.store.APITokensUnder(ctx, p.Staff.UnitPath); err != nil {
		return p, err
	}
	for _, t := range p.Tokens {
		p.Names[t.ID] = t.Name
	}
	if p.Uses, err = s.store.TokenUses(ctx, p.Staff.UnitPath, 30); err != nil {
		return p, err
	}
	p.Units, err = s.store.UnitsUnder(ctx, p.Staff.UnitPath, units.Province, units.District, units.Commune)
	return p, err
}

// adminTokens lists the tokens of the admin's subtree, their latest uses
// and a form to make one.
func (s *Server) adminTokens(c echo.Context) error {
	p, err := s.adminTokensPage(c, tokenForm{Unit: currentStaff(c).UnitCode})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_tokens", p)
}

type tokenSecretPage struct {
	Page
	Name, Unit, Token string
}

// adminTokenNewPost makes a token for a unit of the subtree and shows it,
// once: only its hash is kept.
func (s *Server) adminTokenNewPost(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentStaff(c)
	f := tokenForm{Unit: c.FormValue("unit")}
	f.Name = f.TextField("name", c.FormValue("name"), 80)
	f.Check(validate.NotBlank(f.Name), "name", "tokens.err_name")
	unit, err := s.store.UnitByCode(ctx, f.Unit)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f.Check(err == nil && me.Covers(unit.Path), "unit", "form.error.unit_outside")
	if !f.Valid() {
		p, err := s.adminTokensPage(c, f)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "admin_tokens", p)
	}
	token, err := newAPIToken()
	if err != nil {
		return err
	}
	id := me.UserID
	if err := s.store.CreateAPIToken(ctx, &store.APIToken{Name: f.Name, TokenHash: hashToken(token), UnitCode: unit.Code, CreatedBy: &id}); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_token_secret", tokenSecretPage{Page: s.staffPage(c), Name: f.Name, Unit: unit.Name, Token: token})
}

// adminTokenRevoke ends a token of the subtree at once.
func (s *Server) adminTokenRevoke(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("token"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	err = s.store.RevokeAPIToken(c.Request().Context(), id, currentStaff(c).UnitPath)
	if errors.Is(err, store.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.token_revoked")
	return c.Redirect(http.StatusSeeOther, "/admin/tokens")
}
