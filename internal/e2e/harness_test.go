package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/testutil"
)

// The shared pieces of one test run, set up once in TestMain: the binary,
// the browser process (each test opens its own incognito context in it) and
// the axe-core source.
var (
	binPath    string
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
	classes []string // demo class join codes, as printed by the server
}

var joinCodeLine = regexp.MustCompile(`^\s+([23456789A-HJ-NP-Z]{6})\s{2}`)

// startApp runs the binary with a fresh database and demo data, and stops
// it (SIGTERM, as an operator would) when the test ends.
func startApp(t *testing.T) *app {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := &app{base: "http://" + addr, db: testutil.NewDSN(t)}
	cmd := exec.Command(binPath, "serve", "--demo", "--db", a.db, "--addr", addr)
	cmd.Env = append(os.Environ(), "KYNANGSO_LOG_LEVEL=warn")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server exited with %v\n%s", err, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("server did not stop on SIGTERM")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(a.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become healthy:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The server prints the join codes and then "is ready" before it
	// serves, but its output reaches us through a pipe and a copying
	// goroutine: under load, /healthz can answer before the codes arrive.
	for !strings.Contains(stdout.String(), " is ready: ") {
		if time.Now().After(deadline) {
			t.Fatalf("server did not print that it is ready:\n%s", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	for sc.Scan() {
		if m := joinCodeLine.FindStringSubmatch(sc.Text()); m != nil {
			a.classes = append(a.classes, m[1])
		}
	}
	return a
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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
	t    *testing.T
	ctx  context.Context
	app  *app
	name string
}

// newPhone opens a fresh browser context. When the test ends it saves a
// screenshot of the last page as test-output/<test name>[-<name>].png.
func newPhone(t *testing.T, a *app, name string, o phoneOpts) *phone {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	p := &phone{t: t, ctx: ctx, app: a, name: name}
	t.Cleanup(func() {
		p.screenshot()
		cancelTimeout()
		cancel()
	})
	if o.width == 0 {
		o.width = phoneWidth
	}
	if o.lang == "" {
		o.lang = "vi-VN,vi;q=0.9"
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(o.width, phoneHeight, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(2)),
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

func (p *phone) screenshot() {
	if p.ctx.Err() != nil {
		return
	}
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
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
	res, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(p.app.base+path))
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
	res, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel)))
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
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("tap %s: %v", sel, err)
	}
}

// typeIn types into a field, key by key, as a person would.
func (p *phone) typeIn(sel, text string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		p.t.Fatalf("type in %s: %v", sel, err)
	}
}

// text returns the visible text of the first element matching sel.
func (p *phone) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
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
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
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
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
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
}

// record starts counting requests and bytes on the wire (encoded, as
// compressed by the server).
func (p *phone) record() *traffic {
	p.t.Helper()
	tr := &traffic{bytes: map[network.RequestID]float64{}, types: map[network.RequestID]network.ResourceType{}}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(e.Request.URL, "data:") {
				tr.requests = append(tr.requests, e.Request.URL)
				tr.types[e.RequestID] = e.Type
			}
		case *network.EventLoadingFinished:
			tr.bytes[e.RequestID] = e.EncodedDataLength
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	if err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return err
	})); err != nil {
		p.t.Fatal(err)
	}
	return tr
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
