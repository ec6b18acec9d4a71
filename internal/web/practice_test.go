package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

var runField = regexp.MustCompile(`name="run" value="([^"]+)"`)

const practiceBanner = "Đây là bài tập, không phải thật."

func TestPracticePages(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	all := cat.Scenarios("vi")
	first := all[0]
	start, _ := first.Step(first.Start)
	var titles []string
	for _, s := range all {
		titles = append(titles, template(s.Title), `href="/practice/`+s.Slug+`"`)
	}
	m := cat.Modules("vi")[5]
	tests := []struct {
		name            string
		path            string
		wantStatus      int
		wantContains    []string
		wantNotContains []string
	}{
		{name: "the list shows every scenario", path: "/practice/", wantStatus: 200,
			wantContains: append(titles, practiceBanner, "Tập xử lý tình huống")},
		{name: "the list in English", path: "/practice/?lang=en", wantStatus: 200,
			wantContains: []string{"This is practice, not real.", `<html lang="en">`}},
		{name: "/practice goes to the list", path: "/practice", wantStatus: http.StatusMovedPermanently},
		{name: "a scenario starts with its first step", path: "/practice/" + first.Slug, wantStatus: 200,
			wantContains: []string{practiceBanner, template(first.Summary), template(start.Prompt), `class="ph ph-` + start.Screen.Kind + `"`,
				"BÀI TẬP", `name="step" value="` + start.ID + `"`, `name="run" value="`, `action="/practice/` + first.Slug + `"`,
				`name="choice" value="` + start.Choices[0].ID + `"`}},
		{name: "unknown scenario", path: "/practice/khong-co", wantStatus: 404, wantContains: []string{"Không tìm thấy trang"}},
		{name: "unknown step", path: "/practice/" + first.Slug + "/khong-co", wantStatus: 404},
		{name: "a module links its scenarios", path: "/modules/" + m.Slug, wantStatus: 200,
			wantContains: []string{"Tập xử lý tình huống", `href="/practice/` + cat.ScenariosOf("vi", m.Slug)[0].Slug + `"`}},
		{name: "the home page links the practice", path: "/", wantStatus: 200, wantContains: []string{`href="/practice/"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.Client().Get(tt.path)
			assert.Equal(t, res.Status, tt.wantStatus)
			assert.Contains(t, res.Body, tt.wantContains...)
			assert.NotContains(t, res.Body, tt.wantNotContains...)
			assert.NotContains(t, res.Body, "panic", "<no value>", "%!", "practice.")
		})
	}
}

// walkOpts change a walk: twice posts each choice two times, as a double
// tap does; visitor fails the walk if an answer starts a session; lang is
// the page language ("vi" when empty).
type walkOpts struct {
	twice, visitor bool
	lang           string
}

// walk takes a client through a scenario to one outcome by the shortest
// path, checking every page on the way, and returns the outcome page.
func walk(t *testing.T, c *testutil.Client, s *curriculum.Scenario, outcome string, o walkOpts) testutil.Response {
	t.Helper()
	if o.lang == "" {
		o.lang = "vi"
	}
	banner := map[string]string{"vi": practiceBanner, "en": "This is practice, not real."}[o.lang]
	langQ := map[string]string{"vi": "", "en": "?lang=en"}[o.lang] // every link and form keeps the language
	page := c.Get("/practice/" + s.Slug + "?lang=" + o.lang)
	assert.Equal(t, page.Status, 200)
	for _, hop := range s.PathTo(outcome) {
		st, _ := s.Step(hop.Step)
		assert.Contains(t, page.Body, banner, template(st.Prompt), `name="step" value="`+st.ID+`"`)
		m := runField.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("%s/%s: no run field", s.Slug, st.ID)
		}
		form := url.Values{"run": {m[1]}, "step": {st.ID}, "choice": {hop.Choice}}
		action := "/practice/" + s.Slug + langQ
		assert.Contains(t, page.Body, `action="`+action+`"`)
		res := c.Post(action, form)
		assert.Equal(t, res.Status, http.StatusSeeOther)
		if o.twice {
			again := c.Post(action, form)
			assert.Equal(t, again.Header.Get("Location"), res.Header.Get("Location"))
		}
		for _, ck := range res.Header.Values("Set-Cookie") {
			if o.visitor && strings.HasPrefix(ck, "sid=") {
				t.Errorf("a visitor's choice created a session: %s", ck)
			}
		}
		ch, _ := st.Choice(hop.Choice)
		assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/practice/"+s.Slug+"/"+ch.Next+"?run="), "Location %q", res.Header.Get("Location"))
		page = c.Follow(res)
		assert.Equal(t, page.Status, 200)
	}
	end, _ := s.Outcome(outcome)
	assert.Contains(t, page.Body, banner, template(end.Title), template(end.Explanation), template(end.RealLife[0]), `href="/practice/`+s.Slug+langQ+`"`)
	if o.lang == "vi" {
		assert.Contains(t, page.Body, map[bool]string{true: "✔ An toàn", false: "✘ Chưa an toàn"}[end.Safe])
	}
	return page
}

// TestWalkEveryScenarioToEachOutcome walks every shipped scenario to each
// of its outcomes, as a visitor in both languages (nothing stored, no
// session) and as a signed-in learner posting every choice twice (each
// path stored once).
func TestWalkEveryScenarioToEachOutcome(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	cat := testutil.Catalog(t)

	t.Run("visitor", func(t *testing.T) {
		c := srv.Client()
		for _, s := range cat.Scenarios("vi") {
			for _, o := range s.Outcomes {
				page := walk(t, c, s, o.ID, walkOpts{visitor: true})
				assert.Contains(t, page.Body, "Kết quả này chưa được lưu.")
				assert.NotContains(t, page.Body, "Kết quả đã được lưu.")
			}
		}
		for _, s := range cat.Scenarios("en") {
			for _, o := range s.Outcomes {
				page := walk(t, c, s, o.ID, walkOpts{visitor: true, lang: "en"})
				assert.Contains(t, page.Body, "This result is not saved.")
			}
		}
		n, err := srv.Store.CountLearners(ctx)
		assert.NoErr(t, err)
		counts, err := srv.Store.PracticeOutcomeCounts(ctx, cat.Scenarios("vi")[0].Slug)
		assert.NoErr(t, err)
		assert.Equal(t, len(counts), 0)
		assert.True(t, n > 0, "demo learners")
	})

	t.Run("learner", func(t *testing.T) {
		c, code := register(t, srv, "Phạm Thị Tập")
		learner, err := srv.Store.LearnerByCode(ctx, code)
		assert.NoErr(t, err)
		walks := 0
		for _, s := range cat.Scenarios("vi") {
			for _, o := range s.Outcomes {
				page := walk(t, c, s, o.ID, walkOpts{twice: true})
				assert.Contains(t, page.Body, "Kết quả đã được lưu.")
				walks++
			}
		}
		runs, err := srv.Store.PracticeRunsOf(ctx, learner.ID)
		assert.NoErr(t, err)
		assert.Equal(t, len(runs), walks) // one run per walk, however many taps
		for _, r := range runs {
			s, _ := cat.Scenario("vi", r.Scenario)
			hops := s.PathTo(*r.Outcome)
			assert.Equal(t, len(r.Choices), len(hops))
			for i, h := range hops {
				assert.Equal(t, r.Choices[i].Step+":"+r.Choices[i].Choice, h.Step+":"+h.Choice)
			}
			o, _ := s.Outcome(*r.Outcome)
			assert.Equal(t, *r.Safe, o.Safe)
		}
		passes, err := srv.Store.PracticePasses(ctx, learner.ID)
		assert.NoErr(t, err)
		assert.Equal(t, len(passes), len(cat.Scenarios("vi")))

		me := c.Get("/me")
		n := len(cat.Scenarios("vi"))
		assert.Contains(t, me.Body, fmt.Sprintf("Đã làm đúng %d trên %d bài tập.", n, n), template(cat.Scenarios("vi")[0].Title))
		list := c.Get("/practice/")
		assert.Equal(t, strings.Count(list.Body, "✔ Đã làm đúng"), len(cat.Scenarios("vi")))
	})
}

func TestPracticeFormErrorsAndBranches(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := context.Background()
	s := testutil.Catalog(t).Scenarios("vi")[0]
	start, _ := s.Step(s.Start)
	c, code := register(t, srv, "Võ Văn Thử")
	learner, _ := srv.Store.LearnerByCode(ctx, code)
	page := c.Get("/practice/" + s.Slug)
	run := runField.FindStringSubmatch(page.Body)[1]

	res := c.Post("/practice/"+s.Slug, url.Values{"run": {run}, "step": {start.ID}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	assert.Contains(t, res.Body, `role="alert"`, "Hãy chạm vào một trong các cách làm", `name="run" value="`+run+`"`, template(start.Prompt))
	res = c.Post("/practice/"+s.Slug, url.Values{"run": {run}, "step": {start.ID}, "choice": {"zz"}})
	assert.Equal(t, res.Status, http.StatusUnprocessableEntity)
	res = c.Post("/practice/"+s.Slug, url.Values{"run": {run}, "step": {"khong-co"}, "choice": {"a"}})
	assert.Equal(t, res.Status, http.StatusNotFound)
	res = c.Post("/practice/khong-co", url.Values{"run": {run}, "step": {start.ID}, "choice": {"a"}})
	assert.Equal(t, res.Status, http.StatusNotFound)

	// The back button: the same step answered again with another choice
	// continues in a branch with its own key; the first path stays.
	first := c.Post("/practice/"+s.Slug, url.Values{"run": {run}, "step": {start.ID}, "choice": {start.Choices[0].ID}})
	second := c.Post("/practice/"+s.Slug, url.Values{"run": {run}, "step": {start.ID}, "choice": {start.Choices[1].ID}})
	assert.Contains(t, first.Header.Get("Location"), "?run="+run)
	assert.NotContains(t, second.Header.Get("Location"), run)
	runs, err := srv.Store.PracticeRunsOf(ctx, learner.ID)
	assert.NoErr(t, err)
	assert.Equal(t, len(runs), 2)

	// A malformed run key is replaced, not stored.
	res = c.Post("/practice/"+s.Slug, url.Values{"run": {"<script>"}, "step": {start.ID}, "choice": {start.Choices[0].ID}})
	assert.Equal(t, res.Status, http.StatusSeeOther)
	assert.NotContains(t, res.Header.Get("Location"), "script")
}

func TestMyDataHoldsMyPracticePaths(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	s := testutil.Catalog(t).Scenarios("vi")[2]
	c, _ := register(t, srv, "Đỗ Thị Tải")
	var unsafe *curriculum.Outcome
	for _, o := range s.Outcomes {
		if !o.Safe {
			unsafe = o
		}
	}
	walk(t, c, s, unsafe.ID, walkOpts{})
	res := c.Get("/me/data.json")
	var d struct {
		Practice []struct {
			Scenario string  `json:"scenario"`
			Outcome  *string `json:"outcome"`
			Safe     *bool   `json:"safe"`
			Path     []struct {
				Step   string `json:"step"`
				Choice string `json:"choice"`
			} `json:"path"`
		} `json:"practice"`
	}
	assert.NoErr(t, json.Unmarshal([]byte(res.Body), &d))
	assert.Equal(t, len(d.Practice), 1)
	got := d.Practice[0]
	assert.Equal(t, got.Scenario, s.Slug)
	assert.Equal(t, *got.Outcome, unsafe.ID)
	assert.Equal(t, *got.Safe, false)
	assert.Equal(t, len(got.Path), len(s.PathTo(unsafe.ID)))
	assert.Contains(t, c.Get("/me").Body, "Đã làm đúng 0 trên")

	assert.Equal(t, c.PostFollow("/me/delete", url.Values{}).Status, 200)
	var n int64
	assert.NoErr(t, countRows(srv.Store, "practice_runs", &n))
	assert.Equal(t, n, int64(0))
	assert.NoErr(t, countRows(srv.Store, "practice_choices", &n))
	assert.Equal(t, n, int64(0))
}

// countRows counts a table's rows through the export, the one public way
// to read every table.
func countRows(st *store.Store, table string, n *int64) error {
	var sink strings.Builder
	counts, err := st.Export(context.Background(), &sink)
	*n = int64(counts[table])
	return err
}

// TestPracticePagesFitTheBudget: every step and outcome page of every
// scenario, in both languages, is within the lesson page budget.
func TestPracticePagesFitTheBudget(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	worst, worstPath, pages := 0, "", 0
	for _, lang := range []string{"vi", "en"} {
		for _, s := range testutil.Catalog(t).Scenarios(lang) {
			paths := []string{"/practice/" + s.Slug}
			for _, st := range s.Steps {
				paths = append(paths, "/practice/"+s.Slug+"/"+st.ID)
			}
			for _, o := range s.Outcomes {
				paths = append(paths, "/practice/"+s.Slug+"/"+o.ID)
			}
			for _, p := range paths {
				n, _ := gzipGet(t, srv.URL, p+"?lang="+lang)
				if n > maxLessonGzip {
					t.Errorf("%s?lang=%s is %d bytes gzip; the budget is %d", p, lang, n, maxLessonGzip)
				}
				if n > worst {
					worst, worstPath = n, p+"?lang="+lang
				}
				pages++
			}
		}
	}
	t.Logf("%d practice pages, largest %d bytes gzip (%s)", pages, worst, worstPath)
}
