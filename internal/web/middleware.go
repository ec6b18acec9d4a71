package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
)

// contentSecurityPolicy allows only our own files: no inline script or
// style, no frames, forms that post only to us.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxBody is the largest request body accepted; forms are small.
const maxBody = "64K"

// requestIDs gives every request an id, answered in X-Request-Id and
// logged with the request. A proxy's id is kept when it is short and plain
// (1-64 letters, digits, '-', '_', '.', ':'), so logs can be joined across
// hops; anything else is replaced, never echoed or logged.
func requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !plainID(id) {
			id = newNonce()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func plainID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

// securityHeaders sets the headers every response carries. Behind HTTPS
// (secure cookies) browsers are also told to use HTTPS only, for a year.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
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
		method := methodLabel(c.Request().Method)
		s.metrics.observe(method, route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("id", requestID(c)),
			slog.String("method", method),
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

// language chooses the page language from the URL alone: ?lang=en for
// English, Vietnamese otherwise, whatever the phone's Accept-Language says
// (many residents' phones are set to English). The language is in the URL
// so that a cache sees it: the same URL is the same page for every
// anonymous reader. A browser that prefers English gets a quiet link to the
// English page instead (Page.SuggestEnglish).
//
// Staff pages are the exception: they are never shared or cached, and
// their many links do not all carry the language, so there a chosen
// language is also remembered in a cookie (langCookie) and read back when
// the URL names none.
func (s *Server) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := i18n.Default
		q := c.QueryParam("lang")
		staff := s.isStaffPath(c.Request().URL.Path)
		switch {
		case i18n.Supported(q):
			lang = q
			if staff {
				if ck, err := c.Cookie(langCookie); err != nil || ck.Value != q {
					s.setCookie(c, langCookie, q, 365*24*time.Hour)
				}
			}
		case staff:
			if ck, err := c.Cookie(langCookie); err == nil && i18n.Supported(ck.Value) {
				lang = ck.Value
			}
		}
		setLocalizer(c, s.i18n.Localizer(lang))
		c.Response().Header().Set("Content-Language", lang)
		return next(c)
	}
}

// langCookie remembers the language chosen on staff pages only.
const langCookie = "lang"

// isStaffPath tells whether a path is the staff sign-in or inside a staff
// area: pages made per request for a signed-in person, never shared.
func (s *Server) isStaffPath(path string) bool {
	for _, prefix := range s.staffPrefixes {
		if strings.HasPrefix(path, prefix) && (len(path) == len(prefix) || path[len(prefix)] == '/') {
			return true
		}
	}
	return false
}

// suggestEnglish tells whether a Vietnamese page should offer the quiet
// "Read in English" link: the browser's Accept-Language prefers English.
func (s *Server) suggestEnglish(c echo.Context) bool {
	return localizer(c).Lang == "vi" && s.i18n.Match(c.Request().Header.Get("Accept-Language")) == "en"
}

// crossOrigin protects every state-changing request against cross-site
// posting with Fetch Metadata and Origin (Go's CrossOriginProtection), so
// that forms need no per-visitor token and the pages that hold them can be
// the same bytes for everyone (see docs/threat-model.md). A browser's
// POST from another site, or from a sibling subdomain, is refused with 403;
// one without Sec-Fetch-Site is judged by its Origin; a client that sends
// neither (a script, curl) is not a browser that can be tricked, and may
// post. --base-url's origin is trusted as well, for proxies that rewrite
// the Host header.
func (s *Server) crossOrigin() (echo.MiddlewareFunc, error) {
	cop := http.NewCrossOriginProtection()
	if s.cfg.BaseURL != "" {
		u, err := url.Parse(s.cfg.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("web: base URL %q is not an absolute URL", s.cfg.BaseURL)
		}
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: base URL: %w", err)
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := cop.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused").SetInternal(err)
			}
			return next(c)
		}
	}, nil
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
