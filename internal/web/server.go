// Package web is the HTTP face of Kỹ năng số: routes, middleware, handlers
// and page rendering with html/template, on Echo. Handlers are methods on
// Server, which receives every dependency in Deps; nothing is global. Rules
// live in the domain packages (curriculum, progress), data in store.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
)

// Deps are the dependencies of the web server, built by main.
type Deps struct {
	Store      *store.Store
	Curriculum *curriculum.Catalog
	I18n       *i18n.Bundle
	Log        *slog.Logger
	Config     config.Config
	Templates  fs.FS // the templates folder (templates.FS in production)
	Static     fs.FS // the static folder (static.FS in production)
	Version    string
	// NoFragmentCache renders every page wholly per request, without the
	// shared pages and the learner's page shells (shared.go, shell.go).
	// Tests use it to prove that the caches produce the same pages.
	NoFragmentCache bool
	// PasswordCost and PINCost are the bcrypt costs of new staff passwords
	// and learner PINs; 0 means auth.DefaultCost and auth.PINCost. Tests
	// lower them so that they wait on the code under test, not on hashing
	// (a cost-12 hash takes seconds under the race detector).
	PasswordCost, PINCost int
	// Like is a server built earlier from the same Curriculum, I18n,
	// Templates, Static, Config and NoFragmentCache (any store): its
	// assets, templates and shared pages, which depend on nothing else,
	// are reused instead of made again. Tests build dozens of servers; New
	// refuses a Like made from other Deps.
	Like *Server
}

// Server is the application's HTTP server.
type Server struct {
	store   *store.Store
	cur     *curriculum.Catalog
	i18n    *i18n.Bundle
	log     *slog.Logger
	cfg     config.Config
	version string
	costs   struct{ password, pin int } // bcrypt (Deps.PasswordCost, Deps.PINCost)
	made    made                        // what the templates and static files came from (Deps.Like)

	echo    *echo.Echo
	handler http.Handler // echo behind compression
	static  *assets
	media   *assets
	metrics *metrics

	rend        *renderer
	sharedCache sharedPages               // pages every anonymous reader shares (shared.go)
	shells      *shells                   // a learner's lesson page, cut where it is theirs (shell.go)
	sizes       map[string]*downloadSizes // shown beside links, by language
	noCache     bool                      // render every page per request (Deps.NoFragmentCache)
	worker      *worker                   // the service worker's script (offline.go)
	manifests   map[string][]byte         // the web app manifest by language
	secret      []byte                    // keys client identities for throttling; shared through the database
	cookieKey   []byte                    // signs the cookies a visitor keeps for us; shared through the database
	recorder    *learning.Recorder        // the one way answers are recorded

	lessonsByModule map[string][]string // lesson slugs per module, for the completion rules
	staffPrefixes   []string            // the staff sign-in and areas (isStaffPath)
}

// New builds the server: it parses every template and fingerprints every
// asset now, so a broken template stops start-up instead of a request.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Curriculum == nil || d.I18n == nil || d.Templates == nil || d.Static == nil {
		return nil, errors.New("web: Store, Curriculum, I18n, Templates and Static are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: d.Store, cur: d.Curriculum, i18n: d.I18n, log: d.Log, cfg: d.Config, version: d.Version,
		lessonsByModule: d.Curriculum.LessonsByModule(), staffPrefixes: []string{"/login"}}
	for prefix := range areas() {
		s.staffPrefixes = append(s.staffPrefixes, prefix)
	}

	s.noCache, s.shells, s.made = d.NoFragmentCache, newShells(), made{d.Templates, d.Static}
	s.costs.password, s.costs.pin = d.PasswordCost, d.PINCost
	var err error
	if d.Like != nil {
		err = s.reuse(d.Like)
	} else {
		err = s.make(d)
	}
	if err != nil {
		return nil, err
	}
	s.metrics = newMetrics(d.Store)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if s.secret, err = d.Store.Secret(ctx, "client_key"); err != nil {
		return nil, err
	}
	if s.cookieKey, err = d.Store.Secret(ctx, "cookie_key"); err != nil {
		return nil, err
	}
	s.recorder = learning.New(d.Store, d.Curriculum)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = s.rend
	e.HTTPErrorHandler = s.handleError
	// Client addresses come from the connection unless the operator says a
	// reverse proxy in front sets X-Forwarded-For, and then only from the
	// entry that proxy appended (clientAddr); otherwise anyone could dodge
	// the per-client throttle by sending that header.
	e.IPExtractor = clientIP(d.Config.TrustProxy)
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.ReadTimeout = 30 * time.Second
	e.Server.WriteTimeout = 60 * time.Second
	e.Server.IdleTimeout = 120 * time.Second
	s.echo = e
	if err := s.routes(); err != nil {
		return nil, err
	}
	if s.handler, err = compress(headAsGet(e)); err != nil {
		return nil, err
	}
	return s, nil
}

// make builds what depends only on the content, the templates, the static
// files and the configuration: the assets, the templates, every shared
// page with the download sizes, the service worker and the manifests.
func (s *Server) make(d Deps) error {
	files, err := staticFiles(d.Static)
	if err != nil {
		return fmt.Errorf("web: read static files: %w", err)
	}
	if s.static, err = newAssets("/static/", files); err != nil {
		return err
	}
	media := map[string]assetFile{}
	for _, m := range d.Curriculum.MediaFiles() {
		media[m.Name] = assetFile{data: m.Data, hash: m.Hash}
	}
	if s.media, err = newAssets(curriculum.MediaPrefix, media); err != nil {
		return err
	}
	if s.rend, err = newRenderer(d.Templates, templateFuncs(s.static)); err != nil {
		return err
	}
	if err := s.prepareShared(); err != nil {
		return err
	}
	if s.worker, err = s.newWorker(d.Static); err != nil {
		return err
	}
	s.manifests, err = s.newManifests()
	return err
}

// made names the files a server was made from (besides its Curriculum,
// I18n and Config), so that Deps.Like can be checked.
type made struct{ templates, static fs.FS }

// reuse takes what make builds from like, a server made from the same
// Deps but the store: those parts are never changed once made (the shared
// pages' map grows with new variants, so each server gets its own copy).
func (s *Server) reuse(like *Server) error {
	same := like.cur == s.cur && like.i18n == s.i18n && like.cfg == s.cfg && like.noCache == s.noCache &&
		sameFS(like.made.templates, s.made.templates) && sameFS(like.made.static, s.made.static)
	if !same {
		return errors.New("web: Deps.Like was built from other content, templates, static files or configuration")
	}
	s.static, s.media, s.rend, s.sizes, s.worker, s.manifests = like.static, like.media, like.rend, like.sizes, like.worker, like.manifests
	like.sharedCache.mu.RLock()
	s.sharedCache.pages = maps.Clone(like.sharedCache.pages)
	like.sharedCache.mu.RUnlock()
	return nil
}

// sameFS tells whether two file systems are the same value (embed.FS and
// os.DirFS values compare; others, such as fstest.MapFS, never match).
func sameFS(a, b fs.FS) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta != nil && ta.Comparable() && a == b
}

// headAsGet answers HEAD wherever GET is answered (RFC 9110), for every
// route at once: the request reaches the router as a GET, while the
// ResponseWriter still belongs to the HEAD request, so net/http sends the
// headers and drops the body. A GET never changes stored data, so neither
// does a HEAD.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := *r
			get.Method = http.MethodGet
			r = &get
		}
		h.ServeHTTP(w, r)
	})
}

// absURL makes the absolute address of a path, for what leaves the screen
// (QR codes, printed certificates): --base-url, else the address the
// server listens on. Never the request's Host header: the client chooses
// that, and a forged one would be printed on paper.
func (s *Server) absURL(p string) string {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if base == "" {
		host, port, err := net.SplitHostPort(s.cfg.Addr)
		if err != nil {
			host, port = "localhost", "8080"
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	return base + p
}

// Routes lists every route (method and path pattern), for tests that walk
// them all, such as the route × role table.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// Handler returns the root HTTP handler, for tests and custom servers.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is cancelled, then stops taking new
// connections and lets running requests finish (up to 15 seconds).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.echo.Server
	srv.Handler = s.handler
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go s.housekeeping(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing running requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// housekeeping runs the database's periodic maintenance while serving.
func (s *Server) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep(ctx)
			if err := s.store.Optimize(ctx); err != nil {
				s.log.Warn("housekeeping failed", "err", err)
			}
		}
	}
}
