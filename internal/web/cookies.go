package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// setCookie is the one place cookies are written, so they all carry the
// same attributes: the whole site, HttpOnly (no script reads them; the
// optional JavaScript needs none), SameSite=Lax (not sent with cross-site
// posts) and Secure behind HTTPS. life > 0 keeps the cookie that long;
// life == 0 makes it a browser-session cookie.
func (s *Server) setCookie(c echo.Context, name, value string, life time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies}
	if life > 0 {
		ck.MaxAge = int(life / time.Second)
		ck.Expires = time.Now().Add(life)
	}
	c.SetCookie(ck)
}

// clearCookie tells the browser to forget a cookie.
func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
}
