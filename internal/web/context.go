package web

import (
	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
)

// Keys of per-request values. Echo keys are strings; these are unexported
// and read only through the typed accessors below, never c.Get at call sites.
const keyLocalizer = "kns.localizer"

func setLocalizer(c echo.Context, l *i18n.Localizer) { c.Set(keyLocalizer, l) }

// localizer returns the request's translator, set by the language middleware.
func localizer(c echo.Context) *i18n.Localizer {
	l, _ := c.Get(keyLocalizer).(*i18n.Localizer)
	return l
}

// requestID returns the id given to the request by the RequestID middleware.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
