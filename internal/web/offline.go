package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
)

// Reading without a signal: the service worker (static/sw.js, served at
// /sw.js so that it may look after the whole site) keeps the pages a
// resident opens and the modules they save, and keeps quiz answers given
// offline until they can be sent; /offline is the page it shows for what it
// does not hold; the web app manifest lets the phone add the site to its
// home screen. All of it only adds to pages that work without it.

type offlinePage struct {
	Page
}

// offlineShow is the page shown offline for a page the phone does not hold
// (and, at #queued, after a quiz answered offline). It is never personal,
// even for a signed-in learner: the service worker keeps it on the phone.
func (s *Server) offlineShow(c echo.Context) error {
	v, _ := s.shared(c)
	return s.serveShared(c, pageKey{kind: kindOffline, variant: v})
}

// worker is the service worker's script with this build's shell filled in.
type worker struct {
	script []byte
	etag   string
}

// newWorker fills in sw.js: the files every page needs offline (the
// offline page in each language, the stylesheet, the script), and a version
// that changes with any of them, so that phones fetch the new worker and
// its shell after a deploy.
func (s *Server) newWorker(static fs.FS) (*worker, error) {
	src, err := fs.ReadFile(static, "sw.js")
	if err != nil {
		return nil, fmt.Errorf("web: service worker: %w", err)
	}
	shell := []string{}
	for _, lang := range i18n.Languages() {
		shell = append(shell, withLang(lang, "/offline"))
	}
	for _, name := range []string{"app.css", "app.js"} {
		u, err := s.static.url(name)
		if err != nil {
			return nil, err
		}
		shell = append(shell, u)
	}
	list, err := json.Marshal(shell)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(src)
	h.Write(list)
	for _, lang := range i18n.Languages() {
		if p, ok := s.sharedCache.pages[pageKey{kind: kindOffline, variant: variant{lang: lang}}]; ok {
			h.Write([]byte(p.hash))
		}
	}
	version := base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
	if !bytes.Contains(src, []byte("'__VERSION__'")) || !bytes.Contains(src, []byte("__SHELL__")) {
		return nil, fmt.Errorf("web: sw.js lacks the '__VERSION__' or __SHELL__ placeholder")
	}
	out := bytes.Replace(src, []byte("'__VERSION__'"), []byte("'"+version+"'"), 1)
	out = bytes.Replace(out, []byte("__SHELL__"), list, 1)
	return &worker{script: out, etag: `"` + version + `"`}, nil
}

// workerShow serves /sw.js. Browsers check it for updates on their own; it
// must never be cached for long, or a phone could keep an old worker.
func (s *Server) workerShow(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set(headerETag, s.worker.etag)
	if noneMatch(c.Request().Header.Get(headerIfNoneMatch), s.worker.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", s.worker.script)
}

// manifest is the web app manifest in one language.
type manifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Description     string         `json:"description"`
	Lang            string         `json:"lang"`
	Dir             string         `json:"dir"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	BackgroundColor string         `json:"background_color"`
	ThemeColor      string         `json:"theme_color"`
	Icons           []manifestIcon `json:"icons"`
}

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// newManifests builds the manifest of each language once.
func (s *Server) newManifests() (map[string][]byte, error) {
	out := map[string][]byte{}
	var icons []manifestIcon
	for _, ic := range []manifestIcon{
		{Src: "icon.svg", Sizes: "any", Type: "image/svg+xml"},
		{Src: "icon-192.png", Sizes: "192x192", Type: "image/png"},
		{Src: "icon-512.png", Sizes: "512x512", Type: "image/png"},
		{Src: "icon-maskable.png", Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
	} {
		u, err := s.static.url(ic.Src)
		if err != nil {
			return nil, err
		}
		ic.Src = u
		icons = append(icons, ic)
	}
	for _, lang := range i18n.Languages() {
		loc := s.i18n.Localizer(lang)
		m := manifest{Name: loc.T("site.name"), ShortName: loc.T("site.name"), Description: loc.T("site.tagline"),
			Lang: lang, Dir: "ltr", StartURL: withLang(lang, "/"), Scope: "/", Display: "standalone",
			BackgroundColor: "#ffffff", ThemeColor: "#0b5e4a", Icons: icons}
		data, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out[lang] = data
	}
	return out, nil
}

// manifestShow serves /manifest.webmanifest in the request's language.
func (s *Server) manifestShow(c echo.Context) error {
	data := s.manifests[localizer(c).Lang]
	sum := sha256.Sum256(data)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:9]) + `"`
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=86400")
	h.Set(headerETag, etag)
	if noneMatch(c.Request().Header.Get(headerIfNoneMatch), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "application/manifest+json", data)
}

// isWorkerPath tells whether a path is one of the files above, which need
// no session.
func isWorkerPath(p string) bool {
	return p == "/sw.js" || p == "/manifest.webmanifest" || p == "/offline"
}
