package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// BenchmarkClassGrid measures the server time of a trainer's class pages
// for a class of 40 learners who took the whole curriculum (every lesson,
// one in four failed once first, a few left failed three times), with ten
// sessions of attendance and ticked tasks (DESIGN §5: the grid ≤ 50 ms on
// SQLite). Requests go through the whole middleware stack, signed in.
func BenchmarkClassGrid(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	ctx := context.Background()
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("Học Viên Số %02d", i+1)
	}
	f := newClassFixture(b, srv, names...)
	attempts := 0
	for i, l := range f.learners {
		for mi, m := range f.cat.Modules("vi") {
			for li, lesson := range m.Lessons {
				n := i + mi + li
				switch {
				case n%13 == 0: // stuck: three failed tries
					f.fail(b, l, m, lesson, 3)
					attempts += 3
					continue
				case n%4 == 0:
					f.fail(b, l, m, lesson, 1)
					attempts++
				}
				_, err := f.rec.Answer(ctx, l.ID, learning.Answer{Module: m.Slug, Lesson: lesson.Slug, Choices: lesson.SampleAnswers(len(lesson.Quiz)),
					Submission: fmt.Sprintf("bench-%d-%s", l.ID, lesson.Slug)})
				assert.NoErr(b, err)
				attempts++
			}
		}
	}
	vn := vietnam(b)
	for d := range 10 {
		s, err := srv.Store.OpenSession(ctx, store.OpenSessionInput{ClassID: f.class.ID, HeldOn: time.Now().In(vn).AddDate(0, 0, -3*d-1).Format("2006-01-02"), By: f.trainer.ID})
		assert.NoErr(b, err)
		var present []int64
		for i, l := range f.learners {
			if (i+d)%6 != 0 {
				present = append(present, l.ID)
			}
		}
		_, err = srv.Store.SaveAttendance(ctx, f.class.ID, s.ID, present)
		assert.NoErr(b, err)
	}
	var ticks []store.TaskTick
	for i, l := range f.learners {
		for j, task := range f.cat.Tasks("vi")[:i%5] {
			ticks = append(ticks, store.TaskTick{LearnerID: l.ID, Task: task.Key, Alone: j%2 == 0, DoneOn: "2026-01-01", TickedBy: &f.trainer.ID})
		}
	}
	assert.NoErr(b, srv.Store.TickTasks(ctx, ticks))
	b.Logf("class of %d learners, %d attempts", len(f.learners), attempts)

	u, _ := url.Parse(srv.URL)
	var cookie string
	for _, ck := range f.c.Cookies(u) {
		cookie += ck.Name + "=" + ck.Value + "; "
	}
	h := srv.App.Handler()
	m := f.cat.Modules("vi")[5]
	for _, page := range []struct{ name, path string }{
		{"grid", f.path("/grid")},
		{"module", f.path("/grid/" + m.Slug)},
		{"analysis", f.path("/analysis")},
		{"progress.xlsx", f.path("/progress.xlsx")},
		{"home", "/trainer"},
	} {
		b.Run(page.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			cpu := cpuTime(b)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				req.Header.Set("Cookie", cookie)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", page.path, rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
			b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system): on a
// shared machine the wall time of a request includes waiting for a core,
// the CPU time does not.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
