package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
)

type certificatePage struct {
	Page
	Cert    store.Certificate
	Title   string
	Modules []*curriculum.Module // what it certifies
	QR      string               // path of the QR image
	URL     string               // the verification address printed on it
}

// certificateShow is both the printable certificate and its public
// verification page: it shows exactly what the certificate shows (name,
// birth year, date, modules, code) and nothing else about the learner.
func (s *Server) certificateShow(c echo.Context) error {
	cert, err := s.certificateFromPath(c)
	if err != nil {
		return err
	}
	p := certificatePage{Page: s.page(c), Cert: cert, QR: "/certificates/" + cert.Code + "/qr.svg", URL: s.certificateURL(cert.Code)}
	p.NoIndex = true // a person's name: not for search engines
	p.Title = s.certificateTitle(p.Page, cert)
	if cert.Kind == store.CertProgramme {
		p.Modules = s.cur.Modules(p.Lang)
	} else if m, ok := s.cur.Module(p.Lang, cert.Module); ok {
		p.Modules = []*curriculum.Module{m}
	}
	return s.render(c, http.StatusOK, "certificate", p)
}

// certificateQR draws the QR code that leads to the verification page.
func (s *Server) certificateQR(c echo.Context) error {
	cert, err := s.certificateFromPath(c)
	if err != nil {
		return err
	}
	svg, err := qrSVG(s.certificateURL(cert.Code))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

func (s *Server) certificateFromPath(c echo.Context) (store.Certificate, error) {
	code := codes.Normalize(c.Param("code"))
	if !codes.Valid(code, 6, 16) {
		return store.Certificate{}, echo.ErrNotFound
	}
	cert, err := s.store.CertificateByCode(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return cert, echo.NewHTTPError(http.StatusNotFound).SetInternal(errCertificateUnknown)
	}
	return cert, err
}

var errCertificateUnknown = errors.New("no such certificate")

// certificateURL is the absolute verification address printed on a
// certificate and in its QR code.
func (s *Server) certificateURL(code string) string {
	return s.absURL("/certificates/" + code)
}

func (s *Server) certificateTitle(p Page, cert store.Certificate) string {
	if cert.Kind == store.CertProgramme {
		return p.T("certificate.programme_title")
	}
	if m, ok := s.cur.Module(p.Lang, cert.Module); ok {
		return p.T("certificate.module_title", "Module", m.Title)
	}
	return cert.Module
}
