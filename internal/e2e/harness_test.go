package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
)

// The shared pieces of one test run, set up once in TestMain: the binary,
// the browser process (each test opens its own incognito context in it) and
// the axe-core source.
var (
	binPath    string
	demoDB     []byte // the demo database each test on SQLite starts from
	browserCtx context.Context
	axeSource  string
	outDir     string
	catalog    *curriculum.Catalog
)

// phone is the emulated device: a 360×740 CSS-pixel Android phone.
const (
	phoneWidth, phoneHeight = 360, 740
	phoneUA                 = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test skips itself
	}
	os.Exit(setUp(m))
}

func setUp(m *testing.M) int {
	root, err := filepath.Abs("../..")
	if err != nil {
		return fail("%v", err)
	}
	outDir = filepath.Join(root, "test-output")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail("%v", err)
	}
	axe, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return fail("axe-core is missing (%v): run `npm ci` in %s, or `make test-short` to skip browser tests", err, root)
	}
	axeSource = string(axe)
	if catalog, err = curriculum.Load(content.FS, "content"); err != nil {
		return fail("content: %v", err)
	}

	dir, err := os.MkdirTemp("", "kynangso-e2e-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "kynangso")
	build := exec.Command("go", "build", "-o", binPath, "./cmd/kynangso")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fail("build: %v\n%s", err, out)
	}
	if testutil.Backend() == "sqlite" {
		if demoDB, err = buildDemoDB(dir); err != nil {
			return fail("%v", err)
		}
	}

	chromium := os.Getenv("KYNANGSO_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		return fail("no browser at %s: install Debian's chromium (apt install chromium) or run `make test-short`", chromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		// The machine has no outside network: stop Chromium from trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	var cancel context.CancelFunc
	browserCtx, cancel = chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browserCtx); err != nil {
		return fail("start chromium: %v", err)
	}
	return m.Run()
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
	return 1
}

// app is one running kynangso server with its own database.
type app struct {
	base    string
	db      string
	classes []string // demo class join codes, read from the database
	proc    *testutil.Process
}

// startApp runs the binary on its own copy of the demo database and stops
// it (SIGTERM, as an operator would) when the test ends. The class codes
// come from the database, once the server answers: never from its output.
func startApp(t *testing.T) *app {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	a := &app{db: testutil.NewDSN(t)}
	args := []string{"--db", a.db, "--log-level", "warn"}
	if testutil.Backend() == "sqlite" {
		if err := os.WriteFile(a.db, demoDB, 0o600); err != nil {
			t.Fatal(err)
		}
	} else {
		args = append(args, "--demo") // a schema cannot be copied like a file: load it
	}
	a.proc = testutil.StartBinary(t, binPath, args...)
	a.base = a.proc.URL
	t.Cleanup(func() {
		if err := a.proc.Stop(); err != nil {
			t.Errorf("server exited with %v\n%s", err, a.proc.Stderr())
		}
	})
	a.classes = classCodes(t, a.db)
	return a
}

// classCodes lists the join codes of the demo classes in a database.
func classCodes(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	defer st.Close()
	sum, err := demo.Describe(ctx, st)
	if err != nil {
		t.Fatalf("demo classes: %v", err)
	}
	var out []string
	for _, c := range sum.Classes {
		out = append(out, c.Code)
	}
	if len(out) < 2 {
		t.Fatalf("the demo database has %d classes", len(out))
	}
	return out
}

// buildDemoDB makes the demo database every test copies, as an operator
// would: `kynangso demo`, then `kynangso backup` for one consistent file.
func buildDemoDB(dir string) ([]byte, error) {
	loaded := filepath.Join(dir, "demo.db")
	copyPath := filepath.Join(dir, "demo-copy.db")
	for _, args := range [][]string{{"demo", "--db", loaded}, {"backup", "--db", loaded, copyPath}} {
		if out, err := exec.Command(binPath, args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("kynangso %s: %v\n%s", args[0], err, out)
		}
	}
	return os.ReadFile(copyPath)
}

// phoneOpts change a phone.
type phoneOpts struct {
	noJS  bool
	width int64 // CSS pixels; default phoneWidth
	lang  string
}

// phone is one browser tab in its own incognito context (its own cookies),
// emulating a cheap Android phone, pointed at an app.
type phone struct {
	t     *testing.T
	ctx   context.Context
	app   *app
	name  string
	width int64 // CSS pixels
}

// newPhone opens a fresh browser context. When the test ends it saves a
// screenshot of the last page as test-output/<test name>[-<name>].png.
func newPhone(t *testing.T, a *app, name string, o phoneOpts) *phone {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	if o.width == 0 {
		o.width = phoneWidth
	}
	p := &phone{t: t, ctx: ctx, app: a, name: name, width: o.width}
	t.Cleanup(func() {
		p.screenshot()
		cancel()
	})
	if o.lang == "" {
		o.lang = "vi-VN,vi;q=0.9"
	}
	err := chromedp.Do(ctx, // the first action opens the tab: with the phone's own context
		emulatePhone(o.width),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: phoneUA, AcceptLanguage: o.lang}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: o.noJS})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("open phone: %v", err)
	}
	return p
}

// emulatePhone makes the tab a phone screen width CSS pixels wide.
func emulatePhone(width int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(width, phoneHeight, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(2))
}

// resize turns the phone's screen to width CSS pixels and returns once the
// page sees that width.
func (p *phone) resize(width int64) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	err := chromedp.Do(ctx, emulatePhone(width))
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf("window.innerWidth === %d", width),
			chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(actionLimit)))
	}
	if err != nil {
		p.t.Fatalf("resize to %d px: %v", width, err)
	}
}

// actionLimit bounds one browser action (a page load, a tap, an axe run).
// It is a guard that turns a hang into a failure, not a wait, and it does
// not limit how long a whole test may take on a busy machine.
const actionLimit = 2 * time.Minute

// limited returns the phone's context for one action.
func (p *phone) limited() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, actionLimit)
}

func (p *phone) screenshot() {
	if p.ctx.Err() != nil {
		return
	}
	ctx, cancel := p.limited()
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Logf("screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "-", " ", "_").Replace(p.t.Name())
	if p.name != "" {
		name += "-" + p.name
	}
	_ = os.WriteFile(filepath.Join(outDir, name+".png"), buf, 0o644)
}

// open navigates to a path and checks the status code.
func (p *phone) open(path string, wantStatus int64) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.app.base+path))
	if err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
	if res.Status != wantStatus {
		p.t.Fatalf("open %s: status %d, want %d", path, res.Status, wantStatus)
	}
}

// follow taps something that loads a new page (a link or a submit button)
// and checks the status of the page it lands on.
func (p *phone) follow(sel string, wantStatus int64) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("tap %s: %v", sel, err)
	}
	if res.Status != wantStatus {
		p.t.Fatalf("tap %s: status %d, want %d", sel, res.Status, wantStatus)
	}
}

// tap taps something that stays on the page (a radio button, a checkbox).
func (p *phone) tap(sel string) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("tap %s: %v", sel, err)
	}
}

// typeIn types into a field, key by key, as a person would.
func (p *phone) typeIn(sel, text string) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		p.t.Fatalf("type in %s: %v", sel, err)
	}
}

// text returns the visible text of the first element matching sel.
func (p *phone) text(sel string) string {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// see fails the test unless the page's main text contains every want.
func (p *phone) see(wants ...string) {
	p.t.Helper()
	body := p.text("main")
	for _, w := range wants {
		if !strings.Contains(body, w) {
			p.t.Fatalf("page does not show %q:\n%s", w, body)
		}
	}
}

// eval runs JavaScript in the page (a JS-enabled phone only).
func eval[T any](p *phone, expr string) T {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate: %v", err)
	}
	return v
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the current page.
func (p *phone) axe() []axeViolation {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
		p.t.Fatalf("inject axe: %v", err)
	}
	raw := eval[string](p, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))`)
	var out []axeViolation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		p.t.Fatalf("axe result: %v", err)
	}
	return out
}

// traffic records what the browser fetched while the phone was in use.
type traffic struct {
	mu       sync.Mutex
	requests []string
	bytes    map[network.RequestID]float64
	types    map[network.RequestID]network.ResourceType
	pending  map[network.RequestID]bool // sent, neither finished nor failed
	changed  chan struct{}              // a request was sent, finished or failed
}

// record starts counting requests and bytes on the wire (encoded, as
// compressed by the server).
func (p *phone) record() *traffic {
	p.t.Helper()
	tr := &traffic{bytes: map[network.RequestID]float64{}, types: map[network.RequestID]network.ResourceType{},
		pending: map[network.RequestID]bool{}, changed: make(chan struct{}, 1)}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(e.Request.URL, "data:") {
				tr.requests = append(tr.requests, e.Request.URL)
				tr.types[e.RequestID] = e.Type
				tr.pending[e.RequestID] = true
			}
		case *network.EventLoadingFinished:
			tr.bytes[e.RequestID] = e.EncodedDataLength
			delete(tr.pending, e.RequestID)
		case *network.EventLoadingFailed:
			delete(tr.pending, e.RequestID)
		default:
			return
		}
		select {
		case tr.changed <- struct{}{}:
		default:
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := p.limited()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	})); err != nil {
		p.t.Fatal(err)
	}
	return tr
}

// settle waits until the browser has sent at least n requests and each has
// finished or failed: the state the counts are read in. The events arrive
// after the page reports it has loaded, so a test must wait for them, not
// for some time. actionLimit guards against waiting forever.
func (tr *traffic) settle(p *phone, n int) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	for {
		tr.mu.Lock()
		sent, open := len(tr.requests), len(tr.pending)
		tr.mu.Unlock()
		if sent >= n && open == 0 {
			return
		}
		select {
		case <-tr.changed:
		case <-ctx.Done():
			p.t.Fatalf("the browser sent %d requests, %d of them unfinished, when at least %d were expected", sent, open, n)
		}
	}
}

func (tr *traffic) summary() (requests int, total float64, fonts int, urls []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id, n := range tr.bytes {
		total += n
		if tr.types[id] == network.ResourceTypeFont {
			fonts++
		}
	}
	return len(tr.requests), total, fonts, append([]string(nil), tr.requests...)
}
