package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// Page is what every page template receives, embedded in a per-page struct.
// Translation goes through its methods, so each request renders in its own
// language with templates that are shared and never cloned.
type Page struct {
	Lang      string
	OtherLang string // the language the switch link offers
	// CSRF is always empty: forms are protected by Fetch Metadata and
	// Origin checks (crossOrigin), so that pages holding forms can be the
	// same bytes for everyone. It stays so that a template written with a
	// _csrf field still builds; the field is then sent empty and ignored.
	CSRF    string
	Path    string          // request path without query, for the language switch
	Flash   string          // message id shown once at the top, if any
	Learner *store.Learner  // the signed-in resident, or nil
	Staff   *auth.Principal // the signed-in staff member, or nil
	NoIndex bool            // ask search engines not to index (pages with a person's name)
	// SuggestEnglish: a Vietnamese page read by a browser that prefers
	// English, which then offers a quiet link to the English page.
	SuggestEnglish bool
	View           view // large text, high contrast
	loc            *i18n.Localizer
	sizes          *downloadSizes // of this language
	staff          bool           // a staff page, where the language is also a cookie
}

// T translates a message id with optional placeholder pairs.
func (p Page) T(id string, kv ...any) string { return p.loc.T(id, kv...) }

// Href is a local URL in the page's language (the language is in the URL,
// where caches see it): Href "/modules/email" is "/modules/email?lang=en"
// on an English page.
func (p Page) Href(u string) string { return withLang(p.Lang, u) }

// IsStaffPage tells whether this is a staff page (sign-in or a staff
// area): those need none of app.js's enhancements (offline reading,
// read-aloud, sharing), so they load no script at all.
func (p Page) IsStaffPage() bool { return p.staff }

// SwitchHref is this page in the other language. On staff pages, where
// the language is also remembered in a cookie, Vietnamese is named too.
func (p Page) SwitchHref() string {
	if p.OtherLang == i18n.Default && p.staff {
		return p.Path + "?lang=" + p.OtherLang
	}
	return withLang(p.OtherLang, p.Path)
}

// KB is a download size for people on metered data: "≈ 4 KB".
func (p Page) KB(bytes int) string {
	return p.loc.T("size.kb", "KB", kilobytes(bytes))
}

// Msg translates a validation message.
func (p Page) Msg(m *validate.Msg) string { return p.loc.T(m.ID, m.Args...) }

// Summary is what the alert at the top of a returned form says: the
// problems of the whole form, then how many fields need a look.
func (p Page) Summary(f validate.Form) []string {
	var out []string
	for _, m := range f.FormErrors {
		out = append(out, p.loc.T(m.ID, m.Args...))
	}
	if n := len(f.FieldErrors); n > 0 {
		out = append(out, p.loc.N("form.error.summary", n))
	}
	return out
}

// N translates a counted message.
func (p Page) N(id string, n int, kv ...any) string { return p.loc.N(id, n, kv...) }

// renderer holds one parsed template set per page: the base layout, every
// partial and that page. They are parsed once at start-up; a parse error
// stops the server before it listens.
type renderer struct {
	pages map[string]*template.Template
	pool  sync.Pool
}

func newRenderer(fsys fs.FS, funcs template.FuncMap) (*renderer, error) {
	pages, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("web: no page templates found")
	}
	// The layout and partials are parsed once; each page gets a copy of
	// them (Clone is cheap: it shares the parse trees) and adds its own.
	common, err := template.New("").Funcs(funcs).ParseFS(fsys, "layouts/*.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layouts and partials: %w", err)
	}
	r := &renderer{pages: map[string]*template.Template{}, pool: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := common.Clone()
		if err == nil {
			t, err = t.ParseFS(fsys, p)
		}
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", p, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Render implements echo.Renderer. It renders into a pooled buffer and
// writes nothing unless the template succeeds, so a template error becomes a
// clean 500 page instead of half a page.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	buf := r.pool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 256<<10 { // do not keep oversized buffers alive
			r.pool.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "base", data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// render writes a page made for this request alone (the pages every
// anonymous reader shares go through serveShared instead).
func (s *Server) render(c echo.Context, status int, name string, data any) error {
	h := c.Response().Header()
	// A signed-in person's pages (a learner's name and code, other
	// people's data for staff) are kept by no cache, not even on the
	// device's disk; other per-request pages (a form bound to this phone, a
	// message shown once) only by the visitor's own browser, which must ask
	// again before using them.
	if currentLearner(c) != nil || currentStaff(c) != nil {
		h.Set(echo.HeaderCacheControl, "no-store, private")
	} else {
		h.Set(echo.HeaderCacheControl, "private, no-cache")
	}
	h.Add(echo.HeaderVary, "Cookie")
	h.Add(echo.HeaderVary, "Accept-Language")
	return c.Render(status, name, data)
}

// page builds the common part of every page's data.
func (s *Server) page(c echo.Context) Page {
	p := s.basePage(localizer(c).Lang, localPath(c.Request().URL.Path))
	p.Learner, p.Staff, p.Flash = currentLearner(c), currentStaff(c), s.takeFlash(c)
	p.SuggestEnglish, p.View = s.suggestEnglish(c), viewOf(c)
	p.staff = s.isStaffPath(p.Path)
	return p
}

// basePage is the common page data that depends on nothing but the
// language and the path: what every anonymous reader shares.
func (s *Server) basePage(lang, path string) Page {
	other := "en"
	if lang == "en" {
		other = "vi"
	}
	return Page{Lang: lang, OtherLang: other, Path: path, loc: s.i18n.Localizer(lang), sizes: s.sizes[lang]}
}

// seeOther answers a form with a redirect (303) to a local URL, in the
// request's language.
func seeOther(c echo.Context, u string) error {
	return c.Redirect(http.StatusSeeOther, withLang(localizer(c).Lang, u))
}

// localPath turns a request path into one that can only lead to this site
// when put in a link: "//evil.example" (or "/\evil.example", which browsers
// read the same way) would otherwise be an address on another host.
func localPath(p string) string {
	p = path.Clean("/" + strings.ReplaceAll(p, "\\", "/"))
	return (&url.URL{Path: p}).EscapedPath()
}

// flashCookie carries a one-time message id across a redirect. Only ids
// under "flash." are honoured, so the cookie cannot inject text.
const flashCookie = "flash"

// flash shows a message on the next page the visitor sees.
func (s *Server) flash(c echo.Context, id string) {
	s.setCookie(c, flashCookie, id, time.Minute)
}

func (s *Server) takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || !strings.HasPrefix(ck.Value, "flash.") {
		return ""
	}
	s.clearCookie(c, flashCookie)
	return ck.Value
}

// templateFuncs are pure helpers; anything that depends on the request is
// in the page data instead (see Page).
func templateFuncs(a *assets) template.FuncMap {
	vn := vietnamTime()
	return template.FuncMap{
		"asset":    a.url,
		"inline":   a.inline,
		"date":     func(v any) string { return formatTime(v, vn, "02/01/2006") },
		"datetime": func(v any) string { return formatTime(v, vn, "15:04 02/01/2006") },
		"pct": func(part, whole int) int {
			if whole <= 0 {
				return 0
			}
			return part * 100 / whole
		},
		"add":  func(a, b int) int { return a + b },
		"list": func(s ...string) []string { return s },
		// code shows a personal or certificate code in groups, as printed:
		// "K7M9PQR" → "K7M-9PQR".
		"code": func(s string) string {
			if len(s) < 6 {
				return s
			}
			return s[:len(s)/2] + "-" + s[len(s)/2:]
		},
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
	}
}

// formatTime shows a time (or a pointer to one; nil and zero show nothing)
// in Vietnam's time zone.
func formatTime(v any, loc *time.Location, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layout)
}

func vietnamTime() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil { // time/tzdata is linked in main; this is a last resort
		return time.FixedZone("ICT", 7*3600)
	}
	return loc
}

// statusText is used by the error page when no message id fits.
func statusText(code int) string { return http.StatusText(code) }
