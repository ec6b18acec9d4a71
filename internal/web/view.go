package web

import (
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
)

// Large text and high contrast are remembered in a cookie and applied by
// the server, as classes on the root element of the page it sends: the
// first paint is already large, with no script (CSP forbids inline script,
// and an external one would block rendering or come too late). Cached
// pages do not become per-visitor: each setting is one more shared
// variant of a page, the same bytes for every reader with that setting
// (see shared.go). The buttons are a plain form, so they work without
// JavaScript.

const viewCookie = "view"

// view is a reader's display settings.
type view struct {
	Big      bool // larger text
	Contrast bool // higher contrast
}

// Class is the root element's class attribute for the settings ("" for none).
func (v view) Class() string {
	switch {
	case v.Big && v.Contrast:
		return "big hc"
	case v.Big:
		return "big"
	case v.Contrast:
		return "hc"
	}
	return ""
}

// cookie is the settings as a cookie value; parseView reads it back and
// ignores anything else.
func (v view) cookie() string {
	out := ""
	if v.Big {
		out += "b"
	}
	if v.Contrast {
		out += "c"
	}
	return out
}

func parseView(s string) view {
	if len(s) > 2 {
		return view{}
	}
	return view{Big: strings.Contains(s, "b"), Contrast: strings.Contains(s, "c")}
}

// viewOf returns the request's display settings.
func viewOf(c echo.Context) view {
	ck, err := c.Cookie(viewCookie)
	if err != nil {
		return view{}
	}
	return parseView(ck.Value)
}

// viewPost changes one setting (field big or contrast, valued on or off)
// and goes back to the page the form was on (field back, a local path).
func (s *Server) viewPost(c echo.Context) error {
	v := viewOf(c)
	for name, set := range map[string]*bool{"big": &v.Big, "contrast": &v.Contrast} {
		switch c.FormValue(name) {
		case "on":
			*set = true
		case "off":
			*set = false
		}
	}
	if v == (view{}) {
		s.clearCookie(c, viewCookie)
	} else {
		s.setCookie(c, viewCookie, v.cookie(), 365*24*time.Hour)
	}
	back := c.FormValue("back")
	if len(back) > 200 {
		back = "/"
	}
	return seeOther(c, localPath(back))
}

// withLang adds the language to a local URL (before its fragment), unless
// it is the default: Vietnamese pages have the plain address.
func withLang(lang, u string) string {
	if lang == i18n.Default || lang == "" {
		return u
	}
	path, frag, hasFrag := strings.Cut(u, "#")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	path += sep + "lang=" + lang
	if hasFrag {
		path += "#" + frag
	}
	return path
}
