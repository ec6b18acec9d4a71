package web

import (
	"log/slog"

	"github.com/klauspost/compress/gzhttp"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kynangso/kynangso/internal/i18n"
)

// contentSecurityPolicy allows only our own files: no inline script or
// style, no frames, forms that post only to us.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxBody is the largest request body accepted; forms are small.
const maxBody = "64K"

// securityHeaders sets the headers every response carries.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// requestLog writes one structured line per request. It logs the route
// pattern, not the raw URL, and no addresses or form values: URLs can hold
// codes, and DESIGN forbids personal data in logs.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // let the error handler write the response so the status is known
		}
		status := c.Response().Status
		route := routeLabel(c)
		elapsed := time.Since(start)
		s.metrics.observe(c.Request().Method, route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("took", elapsed),
		)
		return nil
	}
}

// routeLabel is the matched route pattern, bounded for metrics labels.
func routeLabel(c echo.Context) string {
	if p := c.Path(); p != "" && c.Response().Status != http.StatusNotFound {
		return p
	}
	return "unmatched"
}

// language chooses the page language: a valid ?lang= (remembered in a
// cookie for a year), else the cookie, else Accept-Language, else Vietnamese.
func (s *Server) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := ""
		if q := c.QueryParam("lang"); i18n.Supported(q) {
			lang = q
			s.setCookie(c, "lang", q, 365*24*time.Hour)
		} else if ck, err := c.Cookie("lang"); err == nil && i18n.Supported(ck.Value) {
			lang = ck.Value
		} else {
			lang = s.i18n.Match(c.Request().Header.Get("Accept-Language"))
		}
		setLocalizer(c, s.i18n.Localizer(lang))
		c.Response().Header().Set("Content-Language", lang)
		return next(c)
	}
}

// csrf protects every state-changing form. It uses Echo's middleware: a
// browser that sends Sec-Fetch-Site is judged by it (same-origin passes,
// cross-site is refused); others must echo the cookie's token in _csrf.
func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		ContextKey:     keyCSRF,
		CookieName:     "csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieSecure:   s.cfg.SecureCookies,
		CookieMaxAge:   7 * 24 * 3600,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return isAssetPath(p) || p == "/healthz" || p == "/metrics"
		},
	})
}

// isAssetPath tells whether a path names a fingerprinted file (styles,
// scripts, illustrations): served without sessions, tokens or logs of who.
func isAssetPath(p string) bool {
	return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/media/")
}

// compress wraps the whole application in klauspost's gzhttp: about twice
// as fast as compress/gzip (which Echo's Gzip middleware uses) at the same
// size, which matters because compressing is most of the cost of a cached
// lesson page. Static files and media arrive already compressed and carry
// Content-Encoding, which gzhttp leaves alone.
func compress(h http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(1024),
		gzhttp.CompressionLevel(5), // ~10% smaller pages than level 1 over slow mobile data, for ~15 µs more per page
		gzhttp.EnableZstd(false),   // budgets are set in gzip bytes; one encoding keeps caches simple
		gzhttp.ContentTypes([]string{"text/html", "application/json", "text/plain", "text/csv", "application/manifest+json"}),
	)
	if err != nil {
		return nil, err
	}
	return wrap(h), nil
}
