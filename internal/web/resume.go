package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

type resumeForm struct {
	validate.Form
	Code string
	PIN  string
}

type resumePage struct {
	Page
	Form resumeForm
}

// resumeShow asks for the personal code (and PIN) to continue on this phone.
// The QR code of a learner card opens it as /resume?code=CODE: a code of
// the right form is filled in; anything else is ignored, never shown back.
func (s *Server) resumeShow(c echo.Context) error {
	p := resumePage{Page: s.page(c)}
	if q := c.QueryParam("code"); len(q) <= 20 {
		if code := codes.Normalize(q); codes.Valid(code, 6, 8) {
			p.Form.Code = code
		}
	}
	return s.render(c, http.StatusOK, "resume", p)
}

// resumePost signs a learner in by personal code. Each try is counted per
// code and per client, atomically, before the PIN is compared; a try that
// signs in, or that only lacked a field, is given back.
func (s *Server) resumePost(c echo.Context) error {
	ctx := c.Request().Context()
	f := resumeForm{PIN: c.FormValue("pin")}
	f.Code = codes.Normalize(f.TextField("code", c.FormValue("code"), 20))
	again := func(status int) error {
		f.PIN = "" // never echo a PIN back
		return s.render(c, status, "resume", resumePage{Page: s.page(c), Form: f})
	}
	f.Check(validate.NotBlank(f.Code), "code", "form.error.code_required")
	f.Check(f.Code == "" || codes.Valid(f.Code, 6, 8), "code", "form.error.code_format")
	if !f.Valid() {
		return again(http.StatusUnprocessableEntity) // no code to guess with: not counted
	}
	guards := []guard{s.resumeClientGuard(c), resumeCodeGuard(f.Code)}
	v, err := s.take(ctx, guards...)
	if err != nil {
		return err
	}
	if !v.Allowed {
		tooMany(&f.Form, v)
		return again(http.StatusTooManyRequests)
	}
	l, err := s.store.LearnerByCode(ctx, f.Code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f.Check(false, "code", "form.error.code_unknown")
	case err != nil:
		return err
	case l.PinHash != nil && f.PIN == "":
		f.Check(false, "pin", "form.error.pin_needed")
		if err := s.refund(ctx, guards...); err != nil { // not a guess
			return err
		}
	case l.PinHash != nil && !auth.CheckPIN(*l.PinHash, f.PIN):
		f.Check(false, "pin", "form.error.pin_wrong")
	}
	if !f.Valid() {
		return again(http.StatusUnprocessableEntity)
	}
	if err := s.refund(ctx, guards...); err != nil {
		return err
	}
	if err := s.signIn(c, l); err != nil {
		return err
	}
	s.flash(c, "flash.welcome_back")
	return seeOther(c, "/me")
}
