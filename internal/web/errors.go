package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

type errorPage struct {
	Page
	Status  int
	Title   string // message id
	Message string // message id
}

// handleError is Echo's HTTPErrorHandler: it maps an error to a status and a
// localized page. Internal errors are logged with the request id; the user
// sees only a plain message, never err.Error().
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	}
	title, msg := "error.title_server", "error.server"
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		title, msg = "error.title_not_found", "error.not_found"
	case http.StatusForbidden, http.StatusBadRequest:
		title, msg = "error.title_refused", "error.refused"
	case http.StatusRequestEntityTooLarge:
		title, msg = "error.title_too_large", "error.too_large"
	case http.StatusTooManyRequests:
		title, msg = "error.title_too_many", "error.too_many"
	}
	if errors.Is(err, errCertificateUnknown) {
		title, msg = "error.title_certificate_unknown", "error.certificate_unknown"
	}
	if status >= 500 {
		s.log.Error("request failed", "id", requestID(c), "route", c.Path(), "err", err)
	}
	if localizer(c) == nil { // failed before the language middleware ran
		setLocalizer(c, s.i18n.Localizer(s.i18n.Match(c.Request().Header.Get("Accept-Language"))))
	}
	p := errorPage{Page: s.page(c), Status: status, Title: title, Message: msg}
	if rerr := s.render(c, status, "error", p); rerr != nil {
		s.log.Error("render error page", "id", requestID(c), "err", rerr)
		_ = c.String(status, statusText(status))
	}
}
