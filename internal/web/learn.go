package web

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

type homePage struct {
	Page
	Modules []moduleProgress // Summary is empty for visitors
}

// home lists the six modules, with the learner's progress.
func (s *Server) home(c echo.Context) error {
	if v, ok := s.shared(c); ok {
		return s.serveShared(c, pageKey{kind: kindHome, variant: v})
	}
	m, err := s.progressMap(c)
	if err != nil {
		return err
	}
	p := s.homeData(s.page(c))
	p.Modules = s.moduleProgress(p.Page, m)
	return s.render(c, http.StatusOK, "home", p)
}

func (s *Server) homeData(pg Page) homePage {
	return homePage{Page: pg, Modules: s.moduleProgress(pg, progress.Map{})}
}

// progressMap returns the signed-in learner's records (empty for visitors).
func (s *Server) progressMap(c echo.Context) (progress.Map, error) {
	l := currentLearner(c)
	if l == nil {
		return progress.Map{}, nil
	}
	return s.store.ProgressMap(c.Request().Context(), l.ID)
}

type modulePage struct {
	Page
	Module   *curriculum.Module
	Progress progress.Map
	Summary  moduleProgress
	Practice []*curriculum.Scenario // the module's practice scenarios
	Offline  []string               // the URLs that saving the module for offline reading keeps
}

// Status returns a lesson's status for the template.
func (p modulePage) Status(lesson string) progress.Status {
	return p.Progress.Lesson(p.Module.Slug, lesson)
}

// moduleShow lists the lessons of one module.
func (s *Server) moduleShow(c echo.Context) error {
	m, ok := s.cur.Module(localizer(c).Lang, c.Param("module"))
	if !ok {
		return echo.ErrNotFound
	}
	if v, ok := s.shared(c); ok {
		return s.serveShared(c, pageKey{kind: kindModule, module: m.Slug, variant: v})
	}
	pm, err := s.progressMap(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "module", s.moduleData(s.page(c), m, pm))
}

func (s *Server) moduleData(pg Page, m *curriculum.Module, pm progress.Map) modulePage {
	p := modulePage{Page: pg, Module: m, Progress: pm, Practice: s.cur.ScenariosOf(pg.Lang, m.Slug)}
	p.Summary = moduleProgress{Module: m, Summary: pm.Module(m.Slug, s.lessonsByModule[m.Slug])}
	p.Summary.Label = progressLabel(p.Page, p.Summary.Summary)
	p.Offline = []string{pg.Href("/modules/" + m.Slug)}
	for _, l := range m.Lessons {
		p.Offline = append(p.Offline, pg.Href("/modules/"+m.Slug+"/"+l.Slug))
	}
	return p
}

type lessonPage struct {
	Page
	Module     *curriculum.Module
	Lesson     *curriculum.Lesson
	Number     int // 1-based position in the module
	Prev, Next *curriculum.Lesson
	Status     progress.Status
	Answers    map[string]string // kept when the quiz is re-shown
	Missing    map[string]bool   // questions left unanswered
	Submission string            // nonce of this quiz form ("" on shared pages: see quizKey)
	Result     *curriculum.Result
	Saved      bool   // the result is stored with the learner's record
	ModuleDone bool   // this result completed the module
	ShareURL   string // the lesson's public address, for sharing and Open Graph
	ShareImage string // a picture for link previews (Zalo, Facebook)
}

// Body is the lesson's text with its links to other pages of the site kept
// in the page's language.
func (p lessonPage) Body() template.HTML {
	if p.Lang == i18n.Default {
		return p.Lesson.Body
	}
	return template.HTML(siteLink.ReplaceAllString(string(p.Lesson.Body), `href="$1?lang=`+p.Lang+`$2"`)) //nolint:gosec // adds a fixed query to safe markup
}

// siteLink matches the links a lesson body makes to the site (other
// lessons, glossary entries), as goldmark writes them.
var siteLink = regexp.MustCompile(`href="(/(?:modules|glossary)[^"?#]*)(#[^"]*)?"`)

// lessonPageFor finds the module and lesson named in the URL.
func (s *Server) lessonPageFor(c echo.Context) (lessonPage, error) {
	lang := localizer(c).Lang
	m, ok := s.cur.Module(lang, c.Param("module"))
	if !ok {
		return lessonPage{}, echo.ErrNotFound
	}
	l, ok := m.Lesson(c.Param("lesson"))
	if !ok {
		return lessonPage{}, echo.ErrNotFound
	}
	return s.lessonData(s.page(c), m, l), nil
}

func (s *Server) lessonData(pg Page, m *curriculum.Module, l *curriculum.Lesson) lessonPage {
	p := lessonPage{Page: pg, Module: m, Lesson: l}
	p.Path = "/modules/" + m.Slug + "/" + l.Slug // also for the quiz POST, whose URL cannot be fetched
	p.Prev, p.Next = m.Neighbours(l)
	for i, x := range m.Lessons {
		if x == l {
			p.Number = i + 1
		}
	}
	p.ShareURL = s.absURL(pg.Href(p.Path))
	if icon, err := s.static.url("icon-512.png"); err == nil {
		p.ShareImage = s.absURL(icon)
	}
	return p
}

// lessonShow renders a lesson with its quiz. Reading never writes: a
// lesson counts as started with its first answer, so pre-caching a module
// for offline reading changes nobody's progress.
func (s *Server) lessonShow(c echo.Context) error {
	lang := localizer(c).Lang
	m, ok := s.cur.Module(lang, c.Param("module"))
	if !ok {
		return echo.ErrNotFound
	}
	l, ok := m.Lesson(c.Param("lesson"))
	if !ok {
		return echo.ErrNotFound
	}
	if v, ok := s.shared(c); ok {
		return s.serveShared(c, pageKey{kind: kindLesson, module: m.Slug, lesson: l.Slug, variant: v})
	}
	var status progress.Status
	if learner := currentLearner(c); learner != nil {
		var err error
		if status, err = s.store.LessonStatus(c.Request().Context(), learner.ID, m.Slug, l.Slug); err != nil {
			return err
		}
		if _, err := c.Cookie(flashCookie); err != nil && !s.noCache { // no message to show once: the shell will do
			v, _ := s.shared(c)
			key := shellKey{pageKey: pageKey{kind: kindLesson, module: m.Slug, lesson: l.Slug, variant: v}, done: status == progress.Completed}
			return s.serveShell(c, key, learner.Name, newNonce())
		}
	}
	p := s.lessonData(s.page(c), m, l)
	p.Status, p.Submission = status, newNonce()
	return s.render(c, http.StatusOK, "lesson", p)
}

// quizPost grades a submitted quiz. An incomplete form is shown again (422)
// with the answers given so far and a note on each unanswered question. A
// complete one is saved (with the learner's record, or on the visitor's
// phone until they register) and the visitor is sent to the result (303),
// so reloading the result never submits twice. The form's key (_sub) makes
// a resubmission count once; see quizKey for forms that come without one.
func (s *Server) quizPost(c echo.Context) error {
	p, err := s.lessonPageFor(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	p.Answers = map[string]string{}
	for _, q := range p.Lesson.Quiz {
		p.Answers[q.ID] = form.Get(q.ID)
	}
	p.Submission = form.Get("_sub")
	if p.Submission != "" && !validate.Key(p.Submission) {
		return echo.NewHTTPError(http.StatusBadRequest, "bad submission key")
	}
	r := p.Lesson.Grade(p.Answers)
	if len(r.Missing) > 0 {
		if p.Submission == "" {
			p.Submission = newNonce() // the form shown again carries its own key
		}
		p.Missing = map[string]bool{}
		for _, id := range r.Missing {
			p.Missing[id] = true
		}
		s.metrics.quizzes.WithLabelValues("incomplete").Inc()
		return s.render(c, http.StatusUnprocessableEntity, "lesson", p)
	}
	now := time.Now()
	answer := pendingAttempt{Module: p.Module.Slug, Lesson: p.Lesson.Slug, Choices: r.Choices(), Submission: p.Submission, At: now}
	var earlier string
	if answer.Submission == "" {
		answer.Submission, earlier = quizKey(answer.Module, answer.Lesson, answer.Choices, now)
	}
	if l := currentLearner(c); l != nil {
		if err := s.record(c, l.ID, answer, earlier); err != nil {
			return err
		}
	} else {
		s.keepPending(c, answer)
	}
	s.metrics.quizzes.WithLabelValues(map[bool]string{true: "passed", false: "failed"}[r.Passed]).Inc()
	return seeOther(c, p.Path+"/result")
}

// quizWindow is how long the same answers, sent again from a form without
// a key, still count as one attempt (a double tap, a retry on a bad
// connection); after it, they are a new attempt.
const quizWindow = 10 * time.Minute

// quizKey makes the idempotency key of a quiz posted without one. Shared
// lesson pages are the same bytes for everyone, so the server cannot put a
// per-visitor key in them: the phone's script fills one in (a random key
// per page view and set of answers, also used by the offline outbox), and
// without script the key is made here from what was answered and when: the
// lesson, the choices and the 10-minute window the time falls in. key is
// that window's key; earlier is the previous window's, which still counts
// when the attempt stored under it is younger than quizWindow, so that two
// sendings either side of a window's edge are still one attempt.
func quizKey(module, lesson string, choices map[string]string, at time.Time) (key, earlier string) {
	ids := make([]string, 0, len(choices))
	for q := range choices {
		ids = append(ids, q)
	}
	sort.Strings(ids)
	h := sha256.New()
	h.Write([]byte(module + "/" + lesson))
	for _, q := range ids {
		h.Write([]byte("|" + q + "=" + choices[q]))
	}
	sum := base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
	window := at.Unix() / int64(quizWindow/time.Second)
	return "w" + strconv.FormatInt(window, 36) + "-" + sum, "w" + strconv.FormatInt(window-1, 36) + "-" + sum
}

// record saves an answer for a learner through the one entry point that
// grades it and writes attempt, progress, counts and certificates at once.
// An answer to a lesson removed since it was given is dropped.
//
// earlier, when not "", is the key that the same answers sent without a
// key got in the previous window (see quizKey).
func (s *Server) record(c echo.Context, learnerID int64, a pendingAttempt, earlier string) error {
	ans := learning.Answer{Module: a.Module, Lesson: a.Lesson, Choices: a.Choices, Submission: a.Submission, At: a.At}
	if earlier != "" {
		ans.Earlier, ans.Within = earlier, quizWindow
	}
	_, err := s.recorder.Answer(c.Request().Context(), learnerID, ans)
	if errors.Is(err, learning.ErrUnknownLesson) {
		return nil
	}
	return err
}

// quizResult shows the last graded attempt at a lesson, with the
// explanation of every option.
func (s *Server) quizResult(c echo.Context) error {
	p, err := s.lessonPageFor(c)
	if err != nil {
		return err
	}
	var choices map[string]string
	if l := currentLearner(c); l != nil {
		a, err := s.store.LastAttempt(c.Request().Context(), l.ID, p.Module.Slug, p.Lesson.Slug)
		if errors.Is(err, store.ErrNotFound) {
			return seeOther(c, p.Path+"#quiz")
		}
		if err != nil {
			return err
		}
		choices, p.Saved = a.Choices(), true
		pm, err := s.progressMap(c)
		if err != nil {
			return err
		}
		p.ModuleDone = pm.Module(p.Module.Slug, s.lessonsByModule[p.Module.Slug]).Status == progress.Completed
	} else if pa := s.pendingFor(c, p.Module.Slug, p.Lesson.Slug); pa != nil {
		choices = pa.Choices
	} else {
		return seeOther(c, p.Path+"#quiz")
	}
	r := p.Lesson.Grade(choices)
	p.Result = &r
	return s.render(c, http.StatusOK, "quiz_result", p)
}
