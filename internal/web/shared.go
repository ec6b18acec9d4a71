package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/kynangso/kynangso/internal/i18n"
)

// The pages every anonymous reader sees alike (home, a module, a lesson,
// the glossary, the offline page) are rendered and compressed once and
// then served from memory: the same bytes for everyone, with a strong ETag,
// so that a phone that already holds a page reloads it for a 304 of a few
// hundred bytes. Nothing on them is per visitor: forms carry no token
// (crossOrigin protects them), the quiz's idempotency key is filled in by
// the phone (see quizKey), and the language is in the URL.
//
// What may still make two anonymous copies of one URL differ is a
// variant: the language, whether the browser prefers English (which adds a
// quiet link), and the reader's display settings (view.go). Each variant is
// itself shared by every reader who has it. The default variant of every
// page is made at start-up, which also gives the download sizes shown
// beside links; the others on first request. Their number is bounded by
// the content (pages × languages × 2 × 4), never by visitors.
//
// Correctness of caches downstream rests on Cache-Control: no-cache: a
// browser or proxy may keep the page but must ask before every use, and the
// server answers the request in front of it: a signed-in learner's request
// never gets a 304 for the anonymous copy (their page has no ETag and is
// no-store), and a reader whose variant changed gets the new bytes.

const (
	headerETag        = "ETag"
	headerIfNoneMatch = "If-None-Match"
)

type pageKind uint8

const (
	kindHome pageKind = iota
	kindModule
	kindLesson
	kindGlossary
	kindOffline
)

// variant is what may make two anonymous readers' copies of a URL differ.
type variant struct {
	lang      string
	suggestEN bool // a Vietnamese page whose reader's browser prefers English
	view      view
}

// pageKey names one shared page.
type pageKey struct {
	kind           pageKind
	module, lesson string
	variant
}

// path is the page's address (without the language).
func (k pageKey) path() string {
	switch k.kind {
	case kindModule:
		return "/modules/" + k.module
	case kindLesson:
		return "/modules/" + k.module + "/" + k.lesson
	case kindGlossary:
		return "/glossary"
	case kindOffline:
		return "/offline"
	}
	return "/"
}

// sharedPage is one page, rendered and compressed once.
type sharedPage struct {
	hash  string // of the HTML; each encoding's ETag adds its own suffix
	plain []byte
	gz    []byte

	brOnce sync.Once
	br     []byte // brotli is made on first request: best quality is slow
}

// newSharedPage compresses html with zw (reused: a new writer costs more
// than compressing a page).
func newSharedPage(html []byte, zw *gzip.Writer) (*sharedPage, error) {
	sum := sha256.Sum256(html)
	p := &sharedPage{hash: base64.RawURLEncoding.EncodeToString(sum[:15]), plain: html}
	var buf bytes.Buffer
	zw.Reset(&buf)
	if _, err := zw.Write(html); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	p.gz = buf.Bytes()
	return p, nil
}

func (p *sharedPage) brotli() []byte {
	p.brOnce.Do(func() {
		var buf bytes.Buffer
		bw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
		_, _ = bw.Write(p.plain) // writes to memory do not fail
		_ = bw.Close()
		p.br = buf.Bytes()
	})
	return p.br
}

// sharedPages holds every shared page made so far.
type sharedPages struct {
	mu    sync.RWMutex
	pages map[pageKey]*sharedPage
	gzip  sync.Pool // of *gzip.Writer
}

// offlineCopyHeader marks the request the service worker makes for the
// copy of a page it keeps on the phone: the page as an anonymous reader
// with this phone's settings sees it, even when the learner is signed in,
// so that nothing personal is stored on the phone (a learner's own pages
// are no-store). GET only: it can change nothing.
const offlineCopyHeader = "Kns-Offline-Copy"

// shared tells whether the request gets the shared copy of a page, and
// which variant: visitors who are not signed in (as a learner or as
// staff) and have no one-time message waiting, and the service worker's
// offline copies.
func (s *Server) shared(c echo.Context) (variant, bool) {
	v := variant{lang: localizer(c).Lang, suggestEN: s.suggestEnglish(c), view: viewOf(c)}
	if c.Request().Header.Get(offlineCopyHeader) == "1" {
		return v, true
	}
	if currentLearner(c) != nil || currentStaff(c) != nil {
		return v, false // their pages name them (and offer to sign out)
	}
	if _, err := c.Cookie(flashCookie); err == nil {
		return v, false
	}
	return v, true
}

// sharedPage returns the page for key, making it on first use. Without
// the start-up cache (Deps.NoFragmentCache) it is made for every request,
// which tests compare with the cached bytes.
func (s *Server) sharedPage(key pageKey) (*sharedPage, error) {
	s.sharedCache.mu.RLock()
	p, ok := s.sharedCache.pages[key]
	s.sharedCache.mu.RUnlock()
	if ok && !s.noCache {
		return p, nil
	}
	p, err := s.makeShared(key)
	if err != nil || s.noCache {
		return p, err
	}
	s.sharedCache.mu.Lock()
	defer s.sharedCache.mu.Unlock()
	if old, ok := s.sharedCache.pages[key]; ok {
		return old, nil // made at the same time by another request
	}
	s.sharedCache.pages[key] = p
	return p, nil
}

// sharedGzipLevel compresses the shared pages. Measured over all 96 made
// at start-up: level 8 is 0.13% larger than level 9 (about 5 bytes a
// page) in half the time, which is a tenth of the start-up. Browsers that
// take brotli (nearly all) get that instead.
const sharedGzipLevel = 8

// makeShared renders a shared page from its key.
func (s *Server) makeShared(key pageKey) (*sharedPage, error) {
	pg := s.basePage(key.lang, key.path())
	pg.SuggestEnglish, pg.View = key.suggestEN, key.view
	var (
		name string
		data any
	)
	switch key.kind {
	case kindHome:
		name, data = "home", s.homeData(pg)
	case kindModule:
		m, ok := s.cur.Module(key.lang, key.module)
		if !ok {
			return nil, fmt.Errorf("web: no module %s", key.module)
		}
		name, data = "module", s.moduleData(pg, m, nil)
	case kindLesson:
		m, ok := s.cur.Module(key.lang, key.module)
		l, ok2 := m.Lesson(key.lesson)
		if !ok || !ok2 {
			return nil, fmt.Errorf("web: no lesson %s/%s", key.module, key.lesson)
		}
		name, data = "lesson", s.lessonData(pg, m, l)
	case kindGlossary:
		name, data = "glossary", s.glossaryData(pg)
	case kindOffline:
		name, data = "offline", offlinePage{Page: pg}
	}
	var buf bytes.Buffer
	if err := s.rend.Render(&buf, name, data, nil); err != nil {
		return nil, err
	}
	zw, ok := s.sharedCache.gzip.Get().(*gzip.Writer)
	if !ok {
		var err error
		if zw, err = gzip.NewWriterLevel(nil, sharedGzipLevel); err != nil {
			return nil, err
		}
	}
	defer s.sharedCache.gzip.Put(zw)
	return newSharedPage(buf.Bytes(), zw)
}

// serveShared answers with a shared page: 304 when the reader's copy is
// current, else the page in the best encoding the reader accepts.
func (s *Server) serveShared(c echo.Context, key pageKey) error {
	p, err := s.sharedPage(key)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-cache")
	addVary(h, echo.HeaderAcceptEncoding)
	if key.lang == i18n.Default {
		addVary(h, "Accept-Language") // it may add the "Read in English" link
	}
	body, enc, etag := p.plain, "", `"`+p.hash+`"`
	switch acceptedEncoding(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
	case "br":
		body, enc, etag = p.brotli(), "br", `"`+p.hash+`-br"`
	case "gzip":
		body, enc, etag = p.gz, "gzip", `"`+p.hash+`-gz"`
	}
	h.Set(headerETag, etag)
	if noneMatch(c.Request().Header.Get(headerIfNoneMatch), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if enc != "" {
		h.Set(echo.HeaderContentEncoding, enc)
	}
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(body)
	return err
}

// addVary adds a header name to Vary unless it is there already (the
// compression wrapper adds Accept-Encoding itself).
func addVary(h http.Header, name string) {
	for _, v := range h.Values(echo.HeaderVary) {
		for _, n := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				return
			}
		}
	}
	h.Add(echo.HeaderVary, name)
}

// acceptedEncoding picks br, gzip or "" (identity) from Accept-Encoding.
func acceptedEncoding(header string) string {
	br, gz := false, false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err != nil || v <= 0 {
				continue
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = true
		case "gzip":
			gz = true
		}
	}
	switch {
	case br:
		return "br"
	case gz:
		return "gzip"
	}
	return ""
}

// noneMatch tells whether If-None-Match names etag (weak comparison, as
// RFC 9110 asks for this header) or is "*".
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// downloadSizes are one language's sizes shown beside links, so that a
// resident on metered data knows the cost before tapping: the compressed
// page with its pictures, by path.
type downloadSizes struct {
	page map[string]int // what opening the page downloads
	save map[string]int // by module path: what saving the module for offline downloads
}

// kilobytes rounds a size as it is shown: to the nearest KB, at least 1.
func kilobytes(n int) int { return max(1, (n+512)/1024) }

// Cost is the size shown beside a link to u ("≈ 4 KB"), or "" if unknown.
func (p Page) Cost(u string) string {
	if p.sizes == nil {
		return ""
	}
	n, ok := p.sizes.page[u]
	if !ok {
		return ""
	}
	return p.KB(n)
}

// SaveCost is the size of saving a module for offline reading.
func (p Page) SaveCost(u string) string {
	if p.sizes == nil {
		return ""
	}
	return p.KB(p.sizes.save[u])
}

// prepareShared makes the default variant of every shared page in every
// language, and measures them for the sizes shown beside links: lessons
// first (a lesson's size includes its pictures), then modules (which show
// their lessons' sizes), then the home page (which shows the modules').
// The languages share nothing, so each is made on its own goroutine: on
// the 2-core machines we run on, that halves the start-up's largest part.
func (s *Server) prepareShared() error {
	langs := i18n.Languages()
	s.sizes = map[string]*downloadSizes{}
	for _, lang := range langs {
		s.sizes[lang] = &downloadSizes{page: map[string]int{}, save: map[string]int{}}
	}
	made := make([]map[pageKey]*sharedPage, len(langs))
	var g errgroup.Group
	for i, lang := range langs {
		g.Go(func() (err error) {
			made[i], err = s.prepareLanguage(lang, s.sizes[lang])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	s.sharedCache.pages = map[pageKey]*sharedPage{}
	for _, pages := range made {
		maps.Copy(s.sharedCache.pages, pages)
	}
	return nil
}

// prepareLanguage makes one language's shared pages (see prepareShared),
// filling in its download sizes.
func (s *Server) prepareLanguage(lang string, sizes *downloadSizes) (map[pageKey]*sharedPage, error) {
	pages := map[pageKey]*sharedPage{}
	put := func(key pageKey) (int, error) {
		p, err := s.makeShared(key)
		if err != nil {
			return 0, err
		}
		pages[key] = p
		return len(p.gz), nil
	}
	v := variant{lang: lang}
	for _, m := range s.cur.Modules(lang) {
		total := 0
		for _, l := range m.Lessons {
			n, err := put(pageKey{kind: kindLesson, module: m.Slug, lesson: l.Slug, variant: v})
			if err != nil {
				return nil, err
			}
			for _, img := range l.Images {
				if f, ok := s.media.files[img]; ok {
					n += f.size()
				}
			}
			sizes.page["/modules/"+m.Slug+"/"+l.Slug] = n
			total += n
		}
		// The module page shows what saving it costs, itself included:
		// render until the size it shows is its own (once or twice).
		u := "/modules/" + m.Slug
		sizes.save[u] = total
		for range 4 {
			n, err := put(pageKey{kind: kindModule, module: m.Slug, variant: v})
			if err != nil {
				return nil, err
			}
			shown := sizes.save[u]
			sizes.page[u], sizes.save[u] = n, n+total
			if kilobytes(shown) == kilobytes(n+total) {
				break
			}
		}
	}
	for _, kind := range []pageKind{kindHome, kindGlossary, kindOffline} {
		if _, err := put(pageKey{kind: kind, variant: v}); err != nil {
			return nil, err
		}
	}
	return pages, nil
}
