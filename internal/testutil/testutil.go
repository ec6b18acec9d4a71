// Package testutil builds the real pieces for tests: a migrated SQLite file
// in a temporary folder, the embedded curriculum, and the same web.Server
// that main builds, behind httptest, with a client that keeps cookies and
// sends CSRF tokens like a browser. No mocks: tests run the real thing.
package testutil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/config"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/web"
	"github.com/kynangso/kynangso/static"
	"github.com/kynangso/kynangso/templates"
)

// NewStore opens a fresh database (see NewDSN) with every migration
// applied. On SQLite it is a file, not :memory:, so WAL is really exercised.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), NewDSN(t), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// NewDemoStore is NewStore with the demo data loaded (cheap password hashes).
// The demo is loaded once per test binary and each test gets its own copy:
// loading it takes seconds on a busy 2-core machine (12 s on PostgreSQL).
// On SQLite the copy is the file's bytes; on PostgreSQL it is the demo's
// export, imported into the test's schema (the move to PostgreSQL that the
// README describes, so every such test also exercises it).
func NewDemoStore(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	if Backend() == "postgres" {
		data, err := demoExport(t)
		if err != nil {
			t.Fatalf("demo: %v", err)
		}
		st := NewStore(t)
		if _, err := st.Import(ctx, bytes.NewReader(data)); err != nil {
			t.Fatalf("demo: import: %v", err)
		}
		return st
	}
	data, err := demoTemplate()
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	path := NewDSN(t)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil { // nothing to do: proves the copy is complete
		t.Fatalf("migrate: %v", err)
	}
	return st
}

func loadDemo(ctx context.Context, st *store.Store) error {
	cat, err := embeddedCatalog()
	if err != nil {
		return err
	}
	_, err = demo.Load(ctx, st, demo.Options{Learners: 20, Catalog: cat, PasswordCost: bcrypt.MinCost})
	return err
}

// demoFile holds the demo database that NewDemoStore copies, built by the
// first test that asks for it. With demoExported, embedded and
// likeServers, it is the only package state in testutil: caches of things that never change once
// built, shared by the tests of one binary (parallel ones included).
var demoFile struct {
	once sync.Once
	data []byte
	err  error
}

// demoExported holds the demo's export for PostgreSQL (see NewDemoStore).
var demoExported struct {
	once sync.Once
	data []byte
	err  error
}

// demoExport loads the demo into a schema of the first test that asks
// (dropped when that test ends) and keeps its export.
func demoExport(t testing.TB) ([]byte, error) {
	demoExported.once.Do(func() {
		demoExported.err = errors.New("the demo export stopped half-way") // unless it finishes
		ctx := context.Background()
		st := NewStore(t)
		if err := loadDemo(ctx, st); err != nil {
			demoExported.err = err
			return
		}
		var buf bytes.Buffer
		if _, err := st.Export(ctx, &buf); err != nil {
			demoExported.err = err
			return
		}
		demoExported.data, demoExported.err = buf.Bytes(), nil
	})
	return demoExported.data, demoExported.err
}

func demoTemplate() ([]byte, error) {
	demoFile.once.Do(func() { demoFile.data, demoFile.err = buildDemoFile() })
	return demoFile.data, demoFile.err
}

// buildDemoFile loads the demo into a fresh database in a temporary folder
// and returns a consistent single-file copy of it (no WAL to carry along).
func buildDemoFile() ([]byte, error) {
	dir, err := os.MkdirTemp("", "kynangso-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "demo.db"), store.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := loadDemo(ctx, st); err != nil {
		return nil, err
	}
	copyPath := filepath.Join(dir, "copy.db")
	if err := st.Backup(ctx, copyPath); err != nil {
		return nil, err
	}
	return os.ReadFile(copyPath)
}

// Catalog returns the embedded curriculum, loaded once per test binary: a
// Catalog never changes after Load, so tests (parallel ones too) share it.
func Catalog(t testing.TB) *curriculum.Catalog {
	t.Helper()
	cat, err := embeddedCatalog()
	if err != nil {
		t.Fatalf("content: %v", err)
	}
	return cat
}

func embeddedCatalog() (*curriculum.Catalog, error) {
	embedded.once.Do(func() { embedded.cat, embedded.err = curriculum.Load(content.FS, "content") })
	return embedded.cat, embedded.err
}

var embedded struct {
	once sync.Once
	cat  *curriculum.Catalog
	err  error
}

// likeServers holds, per configuration, the first server made from the
// embedded content (see NewServer). It is a cache of the same kind as
// demoFile: what it holds never changes once made.
var likeServers = likeCache{m: map[likeKey]likeServer{}}

type likeKey struct {
	cfg     config.Config
	noCache bool
}

// likeServer is a server to be like, with the messages it was made with.
type likeServer struct {
	server *web.Server
	bundle *i18n.Bundle
}

type likeCache struct {
	mu sync.Mutex
	m  map[likeKey]likeServer
}

func (c *likeCache) get(k likeKey) *likeServer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.m[k]; ok {
		return &l
	}
	return nil
}

func (c *likeCache) put(k likeKey, l likeServer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok {
		c.m[k] = l
	}
}

// ServerOptions change the test server.
type ServerOptions struct {
	Store   *store.Store // default: NewDemoStore
	Content fs.FS        // default: the embedded content
	Config  config.Config
	Log     io.Writer // where the server logs; default: discarded
	// NoFragmentCache renders lesson pages wholly per request.
	NoFragmentCache bool
}

// Server is a running test server.
type Server struct {
	URL   string
	Store *store.Store
	App   *web.Server
	t     testing.TB
}

// NewServer starts the application under httptest.
func NewServer(t testing.TB, opts ServerOptions) *Server {
	t.Helper()
	if opts.Store == nil {
		opts.Store = NewDemoStore(t)
	}
	cat := Catalog(t)
	if opts.Content != nil {
		var err error
		if cat, err = curriculum.Load(opts.Content, "testcontent"); err != nil {
			t.Fatalf("content: %v", err)
		}
	}
	log := slog.New(slog.DiscardHandler)
	if opts.Log != nil {
		log = slog.New(slog.NewTextHandler(opts.Log, nil))
	}
	deps := web.Deps{Store: opts.Store, Curriculum: cat, Log: log, Config: opts.Config,
		Templates: templates.FS, Static: static.FS, Version: "test", NoFragmentCache: opts.NoFragmentCache,
		PasswordCost: bcrypt.MinCost, PINCost: bcrypt.MinCost}
	// Servers of the embedded content with the same configuration (and no
	// log to watch) share their pages and assets, and their messages
	// (web.Deps.Like): making them costs a second per server under the
	// race detector, and the web tests start ~90.
	key := likeKey{opts.Config, opts.NoFragmentCache}
	shareable := opts.Content == nil && opts.Log == nil
	if shareable {
		if like := likeServers.get(key); like != nil {
			deps.Like, deps.I18n = like.server, like.bundle
		}
	}
	if deps.I18n == nil {
		var err error
		if deps.I18n, err = i18n.New(log); err != nil {
			t.Fatalf("i18n: %v", err)
		}
	}
	app, err := web.New(deps)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	if shareable && deps.Like == nil {
		likeServers.put(key, likeServer{app, deps.I18n})
	}
	ts := httptest.NewServer(app.Handler())
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL, Store: opts.Store, App: app, t: t}
}

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests check them) and remembers the last CSRF token it saw.
type Client struct {
	t      testing.TB
	base   string
	http   *http.Client
	mu     sync.Mutex // guards csrf: concurrency tests share a client
	csrf   string
	Header http.Header // sent with every request; set before use
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client() *Client { return NewClient(s.t, s.URL) }

// NewClient returns a browser-like client for any server, such as the
// built binary running on its own port.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: base, Header: http.Header{}, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Cookies returns the cookies the client holds for u.
func (c *Client) Cookies(u *url.URL) []*http.Cookie { return c.http.Jar.Cookies(u) }

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Do sends a request and reads the whole response.
func (c *Client) Do(req *http.Request) Response {
	c.t.Helper()
	for k, v := range c.Header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("read %s: %v", req.URL, err)
	}
	if m := csrfInput.FindSubmatch(body); m != nil {
		c.mu.Lock()
		c.csrf = string(m[1])
		c.mu.Unlock()
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(body)}
}

// Get fetches a path.
func (c *Client) Get(path string) Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// Post submits a form, adding the last CSRF token seen unless the form
// carries its own _csrf.
func (c *Client) Post(path string, form url.Values) Response {
	c.t.Helper()
	c.mu.Lock()
	token := c.csrf
	c.mu.Unlock()
	if _, ok := form["_csrf"]; !ok && token != "" {
		form = cloneValues(form)
		form.Set("_csrf", token)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Follow fetches the page a 303 response points to, as a browser would
// after submitting a form; it fails the test if res is not a redirect.
func (c *Client) Follow(res Response) Response {
	c.t.Helper()
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || loc == "" {
		c.t.Fatalf("want a 303 redirect, got %d (Location %q):\n%.2000s", res.Status, loc, res.Body)
	}
	return c.Get(loc)
}

// PostFollow submits a form and follows its redirect.
func (c *Client) PostFollow(path string, form url.Values) Response {
	c.t.Helper()
	return c.Follow(c.Post(path, form))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
