package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// resumeLimit is the guessing limit for /resume, counted in the database so
// that every app server counts together. A code gets 5 wrong tries per 15
// minutes; one client (phone or network) 20, as a commune hall shares one
// address.
func resumeLimit(perCode bool) store.Limit {
	if perCode {
		return store.Limit{Failures: 5, Window: 15 * time.Minute, Block: 15 * time.Minute}
	}
	return store.Limit{Failures: 20, Window: 15 * time.Minute, Block: 15 * time.Minute}
}

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
func (s *Server) resumeShow(c echo.Context) error {
	return s.render(c, http.StatusOK, "resume", resumePage{Page: s.page(c)})
}

// resumePost signs a learner in by personal code, after checking the
// throttles: wrong tries are counted per code and per client.
func (s *Server) resumePost(c echo.Context) error {
	ctx := c.Request().Context()
	f := resumeForm{Code: codes.Normalize(c.FormValue("code")), PIN: c.FormValue("pin")}
	codeKey, clientKey := "resume-code:"+f.Code, "resume-client:"+s.clientKey(c)
	again := func(status int) error {
		f.PIN = "" // never echo a PIN back
		return s.render(c, status, "resume", resumePage{Page: s.page(c), Form: f})
	}
	until, err := s.store.Blocked(ctx, codeKey, clientKey)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		minutes := int(time.Until(until).Minutes()) + 1
		f.Fail("form.error.too_many_tries", "Minutes", minutes)
		return again(http.StatusTooManyRequests)
	}
	f.Check(validate.NotBlank(f.Code), "code", "form.error.code_required")
	f.Check(f.Code == "" || codes.Valid(f.Code, 6, 8), "code", "form.error.code_format")
	if !f.Valid() {
		return again(http.StatusUnprocessableEntity)
	}
	l, err := s.store.LearnerByCode(ctx, f.Code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		f.Check(false, "code", "form.error.code_unknown")
	case err != nil:
		return err
	case l.PinHash != nil && f.PIN == "":
		f.Check(false, "pin", "form.error.pin_needed")
		return again(http.StatusUnprocessableEntity) // not a guess: do not count it
	case l.PinHash != nil && !auth.CheckPIN(*l.PinHash, f.PIN):
		f.Check(false, "pin", "form.error.pin_wrong")
	}
	if !f.Valid() {
		for _, key := range []string{codeKey, clientKey} {
			if err := s.store.Fail(ctx, key, resumeLimit(key == codeKey)); err != nil {
				return err
			}
		}
		return again(http.StatusUnprocessableEntity)
	}
	if err := s.store.ResetThrottle(ctx, codeKey); err != nil {
		return err
	}
	if err := s.signIn(c, l); err != nil {
		return err
	}
	s.flash(c, "flash.welcome_back")
	return c.Redirect(http.StatusSeeOther, "/me")
}

// clientKey identifies the client for throttling without storing its
// address: an HMAC with a secret kept in the database (shared by all app
// servers), so the stored value cannot be turned back into an address.
func (s *Server) clientKey(c echo.Context) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(c.RealIP()))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
