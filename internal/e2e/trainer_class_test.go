package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
)

// classTrainer finds, in the running app's database, a pilot commune's
// trainer whose first class has at least three learners.
func classTrainer(t *testing.T, a *app) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, a.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	communes, err := st.UnitsByLevel(ctx, "commune")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range communes {
		if !c.Pilot {
			continue
		}
		classes, err := st.ClassesByUnit(ctx, c.Code)
		if err != nil || len(classes) == 0 {
			continue
		}
		learners, err := st.ClassLearners(ctx, classes[0].ID)
		if err == nil && len(learners) >= 3 {
			return "gv" + c.Code
		}
	}
	t.Fatal("no demo class with three learners")
	return ""
}

// download taps a link to a file and returns the bytes the browser saved.
func (p *phone) download(sel string) []byte {
	p.t.Helper()
	dir := p.t.TempDir()
	progress := chromedp.Events(p.ctx, browser.DownloadProgress)
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
			BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
		})
		return err
	}), chromedp.Click(chromedp.CSS(sel)))
	if err != nil && !strings.Contains(err.Error(), "net::ERR_ABORTED") { // a download aborts the navigation
		p.t.Fatalf("download %s: %v", sel, err)
	}
	for ev, err := range progress {
		if err != nil {
			p.t.Fatalf("download %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				p.t.Fatal(err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			p.t.Fatalf("download %s was cancelled", sel)
		}
	}
	p.t.Fatalf("download %s: no end", sel)
	return nil
}

// classWorkFlow: a demo trainer signs in on a phone, opens today's session of
// a class with a lesson, takes attendance (one tap for the absent one),
// records a lesson finished in class, reads the grid with its needs-help
// list and a module's lessons, the question analysis, ticks a real task,
// and downloads the progress as XLSX with Vietnamese headers.
func classWorkFlow(t *testing.T, noJS bool) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	username := classTrainer(t, a)
	p := newPhone(t, a, "", phoneOpts{noJS: noJS})
	p.open("/trainer", 200) // to the sign-in form, and back after it
	p.typeIn(`#username`, username)
	p.typeIn(`#password`, demo.Password)
	p.follow(`main form button[type=submit]`, 200)
	p.see("Chào", "Tháng", "Mở buổi học hôm nay", "Ai cần giúp")

	p.follow(`.card a[href$="/sessions#open"]`, 200)
	p.tap(`details.pick summary`) // the first module unfolds
	p.tap(`details.pick input[name=lesson]`)
	p.follow(`#open button[type=submit]`, 200)
	p.see("Đã mở buổi học.", "Mọi người đang được đánh dấu có mặt.")
	absent := p.text(`ul.roll li:first-child span`)
	p.tap(`ul.roll li:first-child input`)
	p.follow(`#roll button[type=submit]:not([name])`, 200)
	p.see("Đã lưu điểm danh.", "Đã điểm danh.")
	if attrs, err := chromedp.Run(p.ctx, chromedp.Attributes(chromedp.CSS(`ul.roll li:first-child input`))); err != nil {
		t.Fatal(err)
	} else if _, saved := attrs["checked"]; saved {
		t.Fatalf("%s was saved as present", absent)
	}
	// Someone other than the first learner (the demo's "failed three
	// times" one, who should stay on the needs-help list) finished today's
	// lesson on the trainer's phone.
	p.tap(`table.done-grid tbody tr:not(:first-child) input[name=done]`)
	p.follow(`#done button[type=submit]`, 200)
	p.see("Đã ghi các bài học xong tại lớp.", "✔ GV")

	p.follow(`nav.classnav a[href$="/grid"]`, 200)
	p.see("Tiến độ của lớp", "Ai cần giúp", "Nên làm:", "Bài đã học xong")
	p.follow(`table.grid thead a`, 200)
	p.see("Các bài", "Bài 1")
	p.follow(`nav.classnav a[href$="/analysis"]`, 200)
	p.see("Câu hỏi lớp hay trả lời sai", "Hay chọn sai nhất:", "Đáp án đúng:")

	p.follow(`nav.classnav a[href$="/tasks"]`, 200)
	p.tap(`#tick ul.roll li:first-child input`)
	p.tap(`input[name=how][value=with_help]`)
	p.follow(`#tick button[type=submit]`, 200)
	p.see("Đã đánh dấu việc làm được.", "Ai đã làm được việc gì")

	data := p.download(`a[href$="/progress.xlsx"]`)
	x, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil || len(rows) < 4 {
		t.Fatalf("XLSX rows: %v, %v", rows, err)
	}
	if rows[0][0] != "Họ và tên" || !strings.Contains(strings.Join(rows[0], "|"), "Tổng số bài đã xong") {
		t.Fatalf("XLSX headers: %q", rows[0])
	}
	if !strings.Contains(fmt.Sprint(rows), absent) {
		t.Fatalf("the XLSX lacks %s", absent)
	}
}

func TestTrainerRunsASession(t *testing.T) { classWorkFlow(t, false) }

// TestTrainerRunsASessionNoJS: the same class work with JavaScript off.
func TestTrainerRunsASessionNoJS(t *testing.T) { classWorkFlow(t, true) }

// trainerPages are a demo trainer's pages, in an order one signed-in phone
// can walk: each must pass the checks of the residents' pages (axe-core's
// WCAG 2.1 A/AA rules, labelled inputs, 48 px tap targets) and reflow on a
// narrow, text-enlarged phone, wide grids scrolling inside themselves.
func trainerPages(a *app, username string) []page {
	class := func(p *phone, rest string) {
		p.open("/trainer", 200)
		href := eval[string](p, `document.querySelector('.card h3 a').getAttribute('href')`)
		p.open(href+rest, 200)
	}
	return []page{
		{"trainer-login", func(p *phone) {
			p.open("/login", 200)
			p.typeIn(`#username`, username)
			p.typeIn(`#password`, demo.Password)
			p.follow(`main form button[type=submit]`, 200)
		}},
		{"trainer-home", func(p *phone) { p.open("/trainer", 200) }},
		{"trainer-sessions", func(p *phone) { class(p, "/sessions") }},
		{"trainer-sessions-errors", func(p *phone) {
			class(p, "/sessions")
			p.follow(`#open button[type=submit]`, 422)
		}},
		{"trainer-session", func(p *phone) {
			class(p, "/sessions")
			p.follow(`ul.sessions li:last-child a`, 200)
		}},
		{"trainer-grid", func(p *phone) { class(p, "/grid") }},
		{"trainer-grid-module", func(p *phone) { class(p, "/grid/e-payment") }},
		{"trainer-analysis", func(p *phone) { class(p, "/analysis") }},
		{"trainer-analysis-print", func(p *phone) { class(p, "/analysis/print") }},
		{"trainer-tasks", func(p *phone) { class(p, "/tasks") }},
		{"trainer-tasks-errors", func(p *phone) {
			class(p, "/tasks")
			p.follow(`#tick button[type=submit]`, 422)
		}},
		{"trainer-learner", func(p *phone) {
			class(p, "/grid")
			p.follow(`table.grid tbody a`, 200)
		}},
	}
}

// TestTrainerPagesAreAccessible signs a trainer in once and checks each of
// their pages as the resident pages are (checkPage).
func TestTrainerPagesAreAccessible(t *testing.T) {
	t.Parallel() // its own server, database and browser contexts
	a := startApp(t)
	pages := trainerPages(a, classTrainer(t, a))
	p := newPhone(t, a, "", phoneOpts{})
	pages[0].visit(p)
	for _, pg := range pages[1:] {
		t.Run(pg.name, func(t *testing.T) {
			p.t = t
			pg.visit(p)
			p.checkPage()
		})
	}
}
