package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// classFixture is a new class of a pilot commune with its own learners,
// and the commune's trainer signed in.
type classFixture struct {
	srv      *testutil.Server
	cat      *curriculum.Catalog
	rec      *learning.Recorder
	trainer  store.User
	class    store.Class
	learners []store.Learner
	c        *testutil.Client
}

func newClassFixture(t testing.TB, srv *testutil.Server, names ...string) *classFixture {
	t.Helper()
	ctx := context.Background()
	commune, _ := pilotCommune(t, srv.Store)
	f := &classFixture{srv: srv, cat: testutil.Catalog(t)}
	f.rec = learning.New(srv.Store, f.cat)
	var err error
	f.trainer, err = srv.Store.UserByUsername(ctx, "gv"+commune)
	assert.NoErr(t, err)
	f.class = store.Class{UnitCode: commune, Name: fmt.Sprintf("Lớp thử %d", time.Now().UnixNano()%100000), JoinCode: fmt.Sprintf("T%05d", time.Now().UnixNano()%100000), TrainerID: &f.trainer.ID}
	assert.NoErr(t, srv.Store.CreateClass(ctx, &f.class))
	for _, name := range names {
		l := store.Learner{Name: name, BirthYear: 1960, UnitCode: commune, ClassID: &f.class.ID}
		assert.NoErr(t, srv.Store.CreateLearner(ctx, &l))
		f.learners = append(f.learners, l)
	}
	f.c = staffLogin(t, srv, f.trainer.Username, demo.Password)
	f.c.Header.Set("Sec-Fetch-Site", "same-origin")
	return f
}

func (f *classFixture) path(rest string) string {
	return fmt.Sprint("/trainer/classes/", f.class.ID, rest)
}

func todayVN(t testing.TB) string { return time.Now().In(vietnam(t)).Format("2006-01-02") }

// fail records `times` failed attempts of a learner at a lesson.
func (f *classFixture) fail(t testing.TB, l store.Learner, m *curriculum.Module, lesson *curriculum.Lesson, times int) {
	t.Helper()
	for i := range times {
		_, err := f.rec.Answer(context.Background(), l.ID, learning.Answer{Module: m.Slug, Lesson: lesson.Slug, Choices: lesson.SampleAnswers(0),
			Submission: fmt.Sprintf("fail-%d-%s-%d", l.ID, lesson.Slug, i)})
		assert.NoErr(t, err)
	}
}

func (f *classFixture) pass(t testing.TB, l store.Learner, m *curriculum.Module, lesson *curriculum.Lesson) {
	t.Helper()
	_, err := f.rec.Answer(context.Background(), l.ID, learning.Answer{Module: m.Slug, Lesson: lesson.Slug, Choices: lesson.SampleAnswers(len(lesson.Quiz)),
		Submission: fmt.Sprintf("pass-%d-%s", l.ID, lesson.Slug)})
	assert.NoErr(t, err)
}

var sessionLocation = regexp.MustCompile(`^/trainer/classes/\d+/sessions/(\d+)$`)

// TestSessionForms: opening a session, taking attendance and recording
// lessons finished in class, each form refusing bad input with a message
// next to it (422, input kept) and answering good input with 303.
func TestSessionForms(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	f := newClassFixture(t, srv, "Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba")
	m := f.cat.Modules("vi")[0]
	lesson := m.Lessons[0].Slug
	key := m.Slug + "/" + lesson

	home := f.c.Get("/trainer")
	assert.Equal(t, home.Status, http.StatusOK)
	assert.Contains(t, home.Body, f.class.Name, "Mở buổi học hôm nay", "3 người học")
	page := f.c.Get(f.path("/sessions"))
	assert.Equal(t, page.Status, http.StatusOK)
	assert.Contains(t, page.Body, `value="`+todayVN(t)+`"`, `value="`+key+`"`, "Lớp chưa có buổi học nào.")

	for _, tc := range []struct {
		name string
		form url.Values
		want []string
	}{
		{"no lesson", url.Values{"held_on": {todayVN(t)}}, []string{"Hãy chọn ít nhất một bài dạy.", `value="` + todayVN(t) + `"`}},
		{"no day", url.Values{"held_on": {""}, "lesson": {key}}, []string{"Hãy chọn ngày học.", `value="` + key + `" checked`}},
		{"a day far away", url.Values{"held_on": {"2001-01-01"}, "lesson": {key}}, []string{"Hãy chọn một ngày trong vòng 60 ngày trước đến 60 ngày tới.", `value="2001-01-01"`}},
		{"a lesson that does not exist", url.Values{"held_on": {todayVN(t)}, "lesson": {"internet/khong-co"}}, []string{"Có bài không còn trong chương trình."}},
	} {
		res := f.c.Post(f.path("/sessions"), tc.form)
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, append(tc.want, `role="alert"`)...)
	}
	res := f.c.Post(f.path("/sessions"), url.Values{"held_on": {todayVN(t)}, "lesson": {key, key}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	match := sessionLocation.FindStringSubmatch(res.Header.Get("Location"))
	assert.True(t, match != nil, "redirect to %q", res.Header.Get("Location"))
	again := f.c.Post(f.path("/sessions"), url.Values{"held_on": {todayVN(t)}, "lesson": {key}})
	assert.Equal(t, again.Header.Get("Location"), res.Header.Get("Location")) // one session per day
	session := f.c.Follow(res)
	assert.Contains(t, session.Body, "Đã mở buổi học.", "Mọi người đang được đánh dấu có mặt.", m.Lessons[0].Title)
	for _, l := range f.learners { // the roll starts with everyone present
		assert.Contains(t, session.Body, fmt.Sprintf(`name="present" value="%d" checked`, l.ID))
	}

	// Attendance: a tampered id is refused, the ticks kept.
	attend := res.Header.Get("Location") + "/attendance"
	bad := f.c.Post(attend, url.Values{"present": {fmt.Sprint(f.learners[0].ID), "999999"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Có người không thuộc lớp này.", fmt.Sprintf(`value="%d" checked`, f.learners[0].ID))
	assert.NotContains(t, bad.Body, fmt.Sprintf(`value="%d" checked`, f.learners[1].ID))
	ok := f.c.Post(attend, url.Values{"present": {fmt.Sprint(f.learners[0].ID), fmt.Sprint(f.learners[2].ID)}})
	assert.Equal(t, ok.Status, http.StatusSeeOther)
	sessionID := match[1]
	var sid int64
	fmt.Sscan(sessionID, &sid)
	marks, err := srv.Store.SessionAttendance(ctx, sid)
	assert.NoErr(t, err)
	assert.Equal(t, marks, map[int64]bool{f.learners[0].ID: true, f.learners[1].ID: false, f.learners[2].ID: true})
	assert.Contains(t, f.c.Follow(ok).Body, "Đã lưu điểm danh.", "Đã điểm danh.")
	all := f.c.Post(attend, url.Values{"all": {"yes"}})
	assert.Equal(t, all.Status, http.StatusSeeOther)
	marks, _ = srv.Store.SessionAttendance(ctx, sid)
	assert.True(t, marks[f.learners[1].ID], "“everyone is here” left someone absent")

	// Lessons finished in class: through the recorder, marked verified.
	done := res.Header.Get("Location") + "/completions"
	cell := fmt.Sprintf("%d:%s", f.learners[1].ID, key)
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"nothing ticked", url.Values{}, "Hãy đánh dấu ít nhất một ô."},
		{"a lesson not taught", url.Values{"done": {fmt.Sprintf("%d:%s/%s", f.learners[1].ID, m.Slug, m.Lessons[1].Slug)}}, "Có ô không thuộc buổi học này."},
		{"someone else", url.Values{"done": {"999999:" + key, cell}}, "Có ô không thuộc buổi học này."},
	} {
		res := f.c.Post(done, tc.form)
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, tc.want, `role="alert"`)
	}
	kept := f.c.Post(done, url.Values{"done": {"999999:" + key, cell}})
	assert.Contains(t, kept.Body, `value="`+cell+`" checked`)
	for range 2 { // a second tap changes nothing
		res := f.c.Post(done, url.Values{"done": {cell}})
		assert.Equal(t, res.Status, http.StatusSeeOther)
	}
	rows, err := srv.Store.ProgressOf(ctx, f.learners[1].ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(rows), 1)
	assert.True(t, rows[0].Status == "completed" && rows[0].VerifiedBy != nil && *rows[0].VerifiedBy == f.trainer.ID, "progress %+v", rows[0])
	after := f.c.Get(res.Header.Get("Location"))
	assert.Contains(t, after.Body, "✔ GV")
	assert.NotContains(t, after.Body, `value="`+cell+`"`) // done: no box to tick

	// A session planned for next week waits for its day.
	next := time.Now().In(vietnam(t)).AddDate(0, 0, 7).Format("2006-01-02")
	planned := f.c.Post(f.path("/sessions"), url.Values{"held_on": {next}, "lesson": {key}})
	assert.Equal(t, planned.Status, http.StatusSeeOther)
	early := f.c.Post(planned.Header.Get("Location")+"/attendance", url.Values{"all": {"yes"}})
	assert.Equal(t, early.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, early.Body, "Buổi này chưa tới.")
	home = f.c.Get("/trainer")
	assert.Contains(t, home.Body, "Buổi học hôm nay: đã điểm danh", "Buổi tới: "+time.Now().In(vietnam(t)).AddDate(0, 0, 7).Format("02/01/2006"))
	assert.Contains(t, home.Body, "Buổi học đã dạy</dt><dd>1</dd>", "Người học đã đến lớp</dt><dd>3</dd>")

	// Another commune's session under this class: not found.
	other := f.c.Get(fmt.Sprint(f.path("/sessions/"), sid+1000))
	assert.Equal(t, other.Status, http.StatusNotFound)
}

// TestAttendanceOfFortyIsOneRequest: forty learners, one tap each, one POST.
func TestAttendanceOfFortyIsOneRequest(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("Học Viên Số %02d", i+1)
	}
	f := newClassFixture(t, srv, names...)
	m := f.cat.Modules("vi")[0]
	res := f.c.Post(f.path("/sessions"), url.Values{"held_on": {todayVN(t)}, "lesson": {m.Slug + "/" + m.Lessons[0].Slug}})
	page := f.c.Follow(res)
	assert.Equal(t, strings.Count(page.Body, `name="present"`), 40)
	form := url.Values{}
	for _, l := range f.learners[1:] { // the first one stayed home
		form.Add("present", fmt.Sprint(l.ID))
	}
	saved := f.c.Post(res.Header.Get("Location")+"/attendance", form)
	assert.Equal(t, saved.Status, http.StatusSeeOther)
	var sid int64
	fmt.Sscan(sessionLocation.FindStringSubmatch(res.Header.Get("Location"))[1], &sid)
	list, err := srv.Store.ClassSessions(ctx, f.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, list[0].Present, 39)
	assert.Equal(t, list[0].Absent, 1)
	marks, _ := srv.Store.SessionAttendance(ctx, sid)
	assert.True(t, !marks[f.learners[0].ID], "the absent learner was marked present")
}

// TestNeedsHelpExplainsItself: each flag on the grid has its reason and a
// suggested action; a learner who passed since is never flagged for that
// lesson; the thresholds are an admin's settings.
func TestNeedsHelpExplainsItself(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	f := newClassFixture(t, srv, "Nguyễn Văn Sai", "Trần Thị Đạt", "Lê Văn Vắng", "Võ Thị Hoạt Động")
	old := store.Learner{Name: "Huỳnh Văn Lâu", BirthYear: 1950, UnitCode: f.class.UnitCode, ClassID: &f.class.ID, CreatedAt: time.Now().AddDate(0, 0, -30)}
	assert.NoErr(t, srv.Store.CreateLearner(ctx, &old))
	m := f.cat.Modules("vi")[3]
	lesson := m.Lessons[1]
	f.fail(t, f.learners[0], m, lesson, 3)
	f.fail(t, f.learners[1], m, lesson, 4)
	f.pass(t, f.learners[1], m, lesson) // passed since: not flagged
	f.fail(t, f.learners[3], m, lesson, 2)
	vn := vietnam(t)
	for _, daysAgo := range []int{10, 6, 3} {
		s, err := srv.Store.OpenSession(ctx, store.OpenSessionInput{ClassID: f.class.ID, HeldOn: time.Now().In(vn).AddDate(0, 0, -daysAgo).Format("2006-01-02"), By: f.trainer.ID})
		assert.NoErr(t, err)
		present := []int64{f.learners[0].ID, f.learners[1].ID, f.learners[3].ID}
		if daysAgo == 10 {
			present = append(present, f.learners[2].ID)
		}
		_, err = srv.Store.SaveAttendance(ctx, f.class.ID, s.ID, present)
		assert.NoErr(t, err)
	}
	grid := f.c.Get(f.path("/grid"))
	assert.Equal(t, grid.Status, http.StatusOK)
	help := between(t, grid.Body, `id="help"`, `id="grid-h"`)
	assert.Contains(t, help,
		"Nguyễn Văn Sai", "Làm bài «"+lesson.Title+"» sai 3 lần, chưa đạt.", "dạy lại bài «"+lesson.Title+"» ở buổi sau.",
		"Lê Văn Vắng", "Vắng 2 buổi gần nhất.", "gọi điện hoặc đến thăm nhà",
		"Huỳnh Văn Lâu", "30 ngày không học, không đến lớp", "đến thăm nhà, hỏi có vướng gì không.")
	assert.NotContains(t, help, "Trần Thị Đạt", "Võ Thị Hoạt Động")
	assert.Contains(t, grid.Body, "làm sai một bài từ 3 lần", "vắng 2 buổi", "14 ngày")
	home := f.c.Get("/trainer")
	assert.Contains(t, between(t, home.Body, `id="help-h"`, "</section>"), "Nguyễn Văn Sai", "Lê Văn Vắng", "Huỳnh Văn Lâu")
	learner := f.c.Get(fmt.Sprint("/trainer/learners/", f.learners[2].ID))
	assert.Contains(t, learner.Body, "Ai cần giúp", "Vắng 2 buổi gần nhất.")

	// An admin raises the failed-attempts threshold to 4.
	admin := staffLogin(t, srv, "admin", demo.Password)
	admin.Header.Set("Sec-Fetch-Site", "same-origin")
	page := admin.Get("/admin/settings")
	assert.Contains(t, page.Body, `name="failed_attempts"`, `value="3"`, `value="2"`, `value="14"`)
	bad := admin.Post("/admin/settings", url.Values{"failed_attempts": {"0"}, "absent_sessions": {"hai"}, "inactive_days": {"14"}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Hãy nhập một số nguyên từ 1 đến 20.", "Hãy nhập một số nguyên từ 1 đến 10.", `value="hai"`, `aria-invalid="true"`)
	saved := admin.Post("/admin/settings", url.Values{"failed_attempts": {"4"}, "absent_sessions": {"2"}, "inactive_days": {"14"}})
	assert.Equal(t, saved.Status, http.StatusSeeOther)
	help = between(t, f.c.Get(f.path("/grid")).Body, `id="help"`, `id="grid-h"`)
	assert.NotContains(t, help, "Nguyễn Văn Sai")
	assert.Contains(t, help, "Lê Văn Vắng")

	// A district admin sees the thresholds but does not change them.
	addUser(t, srv.Store, "qt.huyen", auth.RoleAdmin, "859")
	district := staffLogin(t, srv, "qt.huyen", demo.Password)
	district.Header.Set("Sec-Fetch-Site", "same-origin")
	assert.Contains(t, district.Get("/admin/settings").Body, "Chỉ quản trị viên cấp tỉnh đổi được")
	assert.Equal(t, district.Post("/admin/settings", url.Values{"failed_attempts": {"9"}, "absent_sessions": {"2"}, "inactive_days": {"14"}}).Status, http.StatusForbidden)
}

// between returns the part of s from the first `from` to the next `to`.
func between(t testing.TB, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("no %q in the page", from)
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		t.Fatalf("no %q after %q", to, from)
	}
	return s[i : i+j]
}

// TestGridShowsQuizAndInPersonApart: the module page tells a lesson passed
// by quiz from one a trainer confirmed, and a failed one by its tries.
func TestGridShowsQuizAndInPersonApart(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	f := newClassFixture(t, srv, "Đỗ Thị Quiz", "Bùi Văn Tại Lớp")
	m := f.cat.Modules("vi")[0]
	f.pass(t, f.learners[0], m, m.Lessons[0])
	f.fail(t, f.learners[0], m, m.Lessons[1], 2)
	_, err := f.rec.Verify(context.Background(), f.trainer.ID, f.learners[1].ID, m.Slug, m.Lessons[0].Slug, time.Now())
	assert.NoErr(t, err)
	grid := f.c.Get(f.path("/grid"))
	assert.Contains(t, grid.Body, fmt.Sprintf("1/%d", len(m.Lessons)), "1 do GV xác nhận", "/grid/"+m.Slug)
	page := f.c.Get(f.path("/grid/" + m.Slug))
	assert.Equal(t, page.Status, http.StatusOK)
	q := len(m.Lessons[0].Quiz)
	assert.Contains(t, page.Body, fmt.Sprintf("✔ %d/%d", q, q), "✔ GV", "✘ 2 lần", m.Lessons[1].Title)
	assert.Equal(t, f.c.Get(f.path("/grid/khong-co")).Status, http.StatusNotFound)
	learner := f.c.Get(fmt.Sprint("/trainer/learners/", f.learners[1].ID))
	assert.Contains(t, learner.Body, "✔ GV", "Bùi Văn Tại Lớp")
}

// TestQuestionAnalysis: the class's most missed question comes first with
// its share and the wrong answer chosen most, and tops the printable page.
func TestQuestionAnalysis(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	f := newClassFixture(t, srv, "Một", "Hai", "Ba", "Bốn")
	m := f.cat.Modules("vi")[1]
	lesson := m.Lessons[0]
	for _, l := range f.learners {
		f.fail(t, l, m, lesson, 1) // everyone gets every question wrong once
	}
	f.pass(t, f.learners[0], m, lesson)
	page := f.c.Get(f.path("/analysis"))
	assert.Equal(t, page.Status, http.StatusOK)
	q := lesson.Quiz[0]
	wrong := lesson.SampleAnswers(0)[q.ID]
	opt, _ := q.Option(wrong)
	assert.Contains(t, page.Body, "Sai 80%", "4 trên 5 lần trả lời", q.Text, "«"+opt.Text+"»", "«"+q.Correct().Text+"»")
	assert.NotContains(t, page.Body, "Một</", "Hai</") // no names
	print := f.c.Get(f.path("/analysis/print"))
	assert.Equal(t, print.Status, http.StatusOK)
	assert.Contains(t, print.Body, "Ôn lại ở buổi sau", q.Text, opt.Explanation)
}

// TestRealTasks: ticking from the class page and the learner's page, the
// day's rules, taking a tick back, and the learner seeing their own.
func TestRealTasks(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	f := newClassFixture(t, srv, "Châu Thị Cài", "Mai Văn Trả")
	task := f.cat.Tasks("vi")[0]
	page := f.c.Get(f.path("/tasks"))
	assert.Equal(t, page.Status, http.StatusOK)
	assert.Contains(t, page.Body, task.Title, task.Check, `max="`+todayVN(t)+`"`)
	tomorrow := time.Now().In(vietnam(t)).AddDate(0, 0, 1).Format("2006-01-02")
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"task": {"khong-co"}, "how": {"alone"}, "done_on": {todayVN(t)}, "learner": {fmt.Sprint(f.learners[0].ID)}}, "Hãy chọn một việc trong danh sách."},
		{url.Values{"task": {task.Key}, "how": {"maybe"}, "done_on": {todayVN(t)}, "learner": {fmt.Sprint(f.learners[0].ID)}}, "Hãy chọn: tự làm hay có người giúp."},
		{url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {tomorrow}, "learner": {fmt.Sprint(f.learners[0].ID)}}, "Ngày làm không được sau hôm nay."},
		{url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {"hôm qua"}, "learner": {fmt.Sprint(f.learners[0].ID)}}, "Hãy chọn ngày làm."},
		{url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {todayVN(t)}}, "Hãy chọn ít nhất một người."},
		{url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {todayVN(t)}, "learner": {"999999"}}, "Có người không thuộc lớp này."},
	} {
		res := f.c.Post(f.path("/tasks"), tc.form)
		assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
		assert.Contains(t, res.Body, tc.want, `role="alert"`)
	}
	kept := f.c.Post(f.path("/tasks"), url.Values{"task": {task.Key}, "how": {"with_help"}, "done_on": {tomorrow}, "learner": {fmt.Sprint(f.learners[1].ID)}})
	assert.Contains(t, kept.Body, `value="with_help" checked`, `value="`+tomorrow+`"`, fmt.Sprintf(`value="%d" checked`, f.learners[1].ID))
	res := f.c.Post(f.path("/tasks"), url.Values{"task": {task.Key}, "how": {"with_help"}, "done_on": {todayVN(t)},
		"learner": {fmt.Sprint(f.learners[0].ID), fmt.Sprint(f.learners[1].ID)}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.Contains(t, f.c.Follow(res).Body, "Đã đánh dấu việc làm được.")
	ticks, err := srv.Store.ClassTaskTicks(ctx, f.class.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(ticks), 2)

	// From the learner's page: "with help" becomes "alone" on an earlier day.
	lp := fmt.Sprint("/trainer/learners/", f.learners[0].ID)
	yesterday := time.Now().In(vietnam(t)).AddDate(0, 0, -1)
	res = f.c.Post(lp+"/tasks", url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {yesterday.Format("2006-01-02")}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	page = f.c.Follow(res)
	assert.Contains(t, page.Body, "Đã đánh dấu.", "<strong class=\"st-completed\">Tự làm</strong>, "+yesterday.Format("02/01/2006"))
	bad := f.c.Post(lp+"/tasks", url.Values{"task": {task.Key}, "how": {"alone"}, "done_on": {tomorrow}})
	assert.Equal(t, bad.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, bad.Body, "Ngày làm không được sau hôm nay.")
	mine, _ := srv.Store.TasksOf(ctx, f.learners[0].ID)
	assert.True(t, len(mine) == 1 && mine[0].Alone && mine[0].TickedBy != nil && *mine[0].TickedBy == f.trainer.ID, "tick %+v", mine)

	// The learner sees it on /me and in /me/data.json.
	learner := srv.Client()
	learner.Header.Set("Sec-Fetch-Site", "same-origin")
	learner.Get("/resume")
	assert.Equal(t, learner.Post("/resume", url.Values{"code": {f.learners[0].Code}}).Status, http.StatusSeeOther)
	me := learner.Get("/me")
	assert.Contains(t, me.Body, "Việc bạn đã làm được", task.Title, "Tự làm, "+yesterday.Format("02/01/2006"))
	var data struct {
		Tasks []struct {
			Task   string `json:"task"`
			Alone  bool   `json:"alone"`
			DoneOn string `json:"done_on"`
		} `json:"tasks"`
	}
	assert.NoErr(t, json.Unmarshal([]byte(learner.Get("/me/data.json").Body), &data))
	assert.Equal(t, len(data.Tasks), 1)
	assert.Equal(t, data.Tasks[0].Task, task.Key)
	assert.Equal(t, data.Tasks[0].DoneOn, yesterday.Format("2006-01-02"))

	// Taken back.
	res = f.c.Post(lp+"/tasks", url.Values{"action": {"remove"}, "task": {task.Key}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	mine, _ = srv.Store.TasksOf(ctx, f.learners[0].ID)
	assert.Equal(t, len(mine), 0)
}

// TestExportsAreVietnameseAndAudited: every export opens with Vietnamese
// headers (CSV with a byte-order mark; XLSX read back with excelize), has
// a row per learner or tick, and is in the audit log with its row count.
func TestExportsAreVietnameseAndAudited(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	f := newClassFixture(t, srv, "Nguyễn Thị Ánh", "=HYPERLINK(\"x\")")
	task := f.cat.Tasks("vi")[0]
	assert.NoErr(t, srv.Store.TickTasks(ctx, []store.TaskTick{{LearnerID: f.learners[0].ID, Task: task.Key, Alone: true, DoneOn: todayVN(t), TickedBy: &f.trainer.ID}}))
	for _, tc := range []struct {
		path   string
		header []string
		rows   int
	}{
		{"/export", []string{"STT", "Họ và tên", "Năm sinh", "Giới tính", "Ấp, thôn", "Số điện thoại"}, 2},
		{"/progress", []string{"Họ và tên", "Sử dụng Internet an toàn, hiệu quả (bài đã xong)"}, 2},
		{"/tasks", []string{"Họ và tên", "Việc", "Phần học", "Cách làm", "Ngày làm"}, 1},
	} {
		for _, format := range []string{"csv", "xlsx"} {
			before, err := srv.Store.AuditUnder(ctx, "/", 100)
			assert.NoErr(t, err)
			res := f.c.Get(f.path(tc.path + "." + format))
			assert.Equal(t, res.Status, http.StatusOK)
			assert.Contains(t, res.Header.Get("Content-Disposition"), "attachment;", "."+format)
			assert.Equal(t, res.Header.Get("Cache-Control"), "no-store")
			var rows [][]string
			if format == "csv" {
				assert.Equal(t, res.Header.Get("Content-Type"), "text/csv; charset=utf-8")
				assert.True(t, strings.HasPrefix(res.Body, "\ufeff"), "%s: no byte-order mark", tc.path)
				rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
				assert.NoErr(t, err)
			} else {
				x, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
				assert.NoErr(t, err)
				rows, err = x.GetRows(x.GetSheetList()[0])
				assert.NoErr(t, err)
				x.Close()
			}
			for i, h := range tc.header {
				assert.Equal(t, rows[0][i], h)
			}
			assert.Equal(t, len(rows)-1, tc.rows)
			after, err := srv.Store.AuditUnder(ctx, "/", 100)
			assert.NoErr(t, err)
			assert.Equal(t, len(after), len(before)+1)
			assert.Equal(t, after[0].Username, f.trainer.Username)
			assert.Equal(t, after[0].RowCount, tc.rows)
			assert.Equal(t, after[0].Target, fmt.Sprint("class:", f.class.ID))
			assert.Contains(t, after[0].Action, "export.class_", "."+format)
		}
	}
	list := f.c.Get(f.path("/export.csv"))
	assert.Contains(t, list.Body, `"'=HYPERLINK(""x"")"`) // never a formula
	other := staffLogin(t, srv, "huyen", demo.Password)
	assert.Equal(t, other.Get(f.path("/export.xlsx")).Status, http.StatusForbidden)
}

// TestGridShowsTheClassCheckGain: the grid reports the class's average
// before/after check of the learners who took both.
func TestGridShowsTheClassCheckGain(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	f := newClassFixture(t, srv, "Trước Sau Một", "Trước Sau Hai", "Chỉ Trước")
	assert.Contains(t, f.c.Get(f.path("/grid")).Body, "Chưa ai trong lớp làm cả hai lần. 0 người đã làm lần đầu.")
	record := func(l store.Learner, kind string, correct int) {
		_, err := srv.Store.RecordCheck(ctx, store.CheckInput{LearnerID: l.ID, Kind: kind, Choices: map[string]string{"q1": "a"}, Correct: correct, Total: 10,
			Modules: []store.CheckScore{{Module: "internet", Correct: correct / 5, Total: 2}}, Submission: fmt.Sprintf("check-%d-%s", l.ID, kind)})
		assert.NoErr(t, err)
	}
	record(f.learners[0], store.CheckBefore, 4)
	record(f.learners[0], store.CheckAfter, 8)
	record(f.learners[1], store.CheckBefore, 2)
	record(f.learners[1], store.CheckAfter, 8)
	record(f.learners[2], store.CheckBefore, 9)
	grid := f.c.Get(f.path("/grid"))
	assert.Contains(t, grid.Body, "2 người đã làm cả hai lần. Trung bình trả lời đúng: lần đầu 30%, lần cuối 80%.", "Tăng 50 điểm phần trăm.")
}
