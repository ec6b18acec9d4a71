package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
)

// online switches the phone's network on or off, for the page and for the
// service workers of its browser context, and tells the page
// (navigator.onLine and its events).
func (p *phone) online(on bool, workerSessions map[target.ID]context.Context) {
	p.t.Helper()
	offline := !on
	emulate := func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		rules := []*network.Conditions{}
		if offline {
			rules = append(rules, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &offline, MatchedNetworkConditions: rules})
		return err
	}
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if err := emulate(ctx, tg); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
	if err != nil {
		p.t.Fatalf("network on=%v: %v", on, err)
	}
	targets, err := chromedp.Targets(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	self := chromedp.FromContext(p.ctx).Target.TargetID
	var mine *target.Info
	for _, ti := range targets {
		if ti.TargetID == self {
			mine = ti
		}
	}
	for _, ti := range targets {
		if ti.Type != "service_worker" || mine == nil || ti.BrowserContextID != mine.BrowserContextID {
			continue
		}
		// One session per worker: emulation belongs to the session that set it.
		ctx, ok := workerSessions[ti.TargetID]
		if !ok {
			var cancel context.CancelFunc
			ctx, cancel = chromedp.NewContext(p.ctx, chromedp.WithTargetID(ti.TargetID))
			p.t.Cleanup(cancel)
			workerSessions[ti.TargetID] = ctx
		}
		if err := chromedp.Do(ctx, chromedp.Func(emulate)); err != nil {
			p.t.Fatalf("service worker network on=%v: %v", on, err)
		}
	}
}

// until waits until a JavaScript condition holds on the page, checking it
// every 50 ms. Like every action it gives up only after actionLimit: on a
// busy machine the service worker's round trips can take many seconds.
func (p *phone) until(cond string) {
	p.t.Helper()
	ctx, cancel := p.limited()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(actionLimit))); err != nil {
		p.t.Fatalf("waiting for %s: %v", cond, err)
	}
}

// kept is the condition "the phone keeps a copy of path for offline use".
func kept(path string) string {
	return `caches.open('kns-pages').then(c => c.match(location.origin + '` + path + `')).then(r => !!r)`
}

// waitForWorker waits until the service worker looks after the page.
func (p *phone) waitForWorker() {
	p.t.Helper()
	p.until(`!!navigator.serviceWorker.controller`)
}

// TestLessonOfflineAndQuizSentOnce: a learner opens a lesson, loses the
// signal, reloads it and answers its quiz; the phone keeps the answers and
// says so; when the signal returns they are sent, and stored exactly once,
// however often they are sent again.
func TestLessonOfflineAndQuizSentOnce(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{})
	workers := map[target.ID]context.Context{}
	code := joinClass(p, a.classes[0], "Đặng Thị Mười Sáu")
	m := catalog.Modules("vi")[0]
	l := m.Lessons[1]
	path := "/modules/" + m.Slug + "/" + l.Slug
	p.open(path, 200)
	p.waitForWorker()
	p.until(kept(path))

	p.online(false, workers)
	p.open(path, 200) // reload: from the phone
	p.see(l.Title)
	answerQuiz(p, l, len(l.Quiz))
	p.follow(`#quiz button[type=submit]`, 200)
	if !eval[bool](p, `location.hash === '#queued' && getComputedStyle(document.getElementById('queued')).display !== 'none'`) {
		t.Fatalf("no note that the answers are kept: %s", p.text("main"))
	}
	p.see("Bài làm của bạn đã được giữ trên điện thoại")
	p.open(path, 200) // another page, still offline: it says what waits
	p.until(`!document.querySelector('.outbox').hidden`)
	p.see("Có bài làm đang chờ gửi")

	st, err := store.Open(context.Background(), a.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	learner, err := st.LearnerByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	attempts := func() int {
		list, err := st.AttemptsOf(context.Background(), learner.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := attempts(); n != 0 {
		t.Fatalf("%d attempts stored while offline", n)
	}

	p.online(true, workers) // the page hears "online" and asks the worker to send
	p.until(`document.querySelector('.outbox').textContent.includes('Đã gửi xong')`)
	if n := attempts(); n != 1 {
		t.Fatalf("%d attempts stored after the signal returned, want 1", n)
	}
	// The same answers sent again, as a lost response makes the outbox do:
	// the key makes it the same attempt.
	sub := eval[string](p, `(() => { const k = new Uint8Array(16); crypto.getRandomValues(k); return btoa(String.fromCharCode(...k)).replace(/[+/=]/g, 'x'); })()`)
	resend := `(() => { const f = new URLSearchParams(); ` + quizFields(l) + ` f.set('_sub', '` + sub + `');
		const post = () => fetch('` + path + `/quiz', {method: 'POST', body: f, redirect: 'manual'}).then(r => r.type);
		return post().then(post); })()`
	if got := eval[string](p, resend); got != "opaqueredirect" {
		t.Fatalf("resend answered %q", got)
	}
	if n := attempts(); n != 2 {
		t.Fatalf("%d attempts after one new attempt sent twice, want 2", n)
	}
	p.open("/modules/"+m.Slug, 200)
	p.see("✔ Đã xong")
}

// quizFields sets the right answers of l on a URLSearchParams named f.
func quizFields(l *curriculum.Lesson) string {
	var b strings.Builder
	for q, o := range l.SampleAnswers(len(l.Quiz)) {
		b.WriteString("f.set('" + q + "', '" + o + "'); ")
	}
	return b.String()
}

// TestModuleSavedForOffline: a visitor saves a module on the phone; without
// a signal every lesson of it opens, with its pictures, and a page not
// saved shows the offline page.
func TestModuleSavedForOffline(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	p := newPhone(t, a, "", phoneOpts{})
	workers := map[target.ID]context.Context{}
	m := catalog.Modules("vi")[5] // a module with pictures
	p.open("/modules/"+m.Slug, 200)
	p.waitForWorker()
	if !strings.Contains(p.text(".save button"), "Lưu để học khi không có mạng (≈ ") {
		t.Fatalf("save button: %q", p.text(".save button"))
	}
	p.tap(".save button")
	p.until(`document.querySelector('.save').classList.contains('saved')`)
	p.see("Đã lưu. Bạn học được phần này cả khi không có mạng.")

	p.online(false, workers)
	for _, l := range m.Lessons {
		p.open("/modules/"+m.Slug+"/"+l.Slug, 200)
		p.see(l.Title)
		p.until(`[...document.images].every(i => { i.loading = 'eager'; return i.complete; })`)
		if broken := eval[int](p, `[...document.images].filter(i => !i.naturalWidth).length`); broken > 0 {
			t.Errorf("%s: %d pictures missing offline", l.Slug, broken)
		}
	}
	p.open("/modules/"+m.Slug, 200)
	p.see(m.Title)
	other := catalog.Modules("vi")[0]
	p.open("/modules/"+other.Slug, 200)
	p.see("Điện thoại đang không có mạng")
	p.until(`!document.querySelector('.kept').hidden`)
	p.see(m.Lessons[0].Title) // the offline page lists what the phone keeps
}
