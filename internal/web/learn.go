package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
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
	p := homePage{Page: s.page(c)}
	m, err := s.progressMap(c)
	if err != nil {
		return err
	}
	p.Modules = s.moduleProgress(p.Page, m)
	return s.render(c, http.StatusOK, "home", p)
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
	pm, err := s.progressMap(c)
	if err != nil {
		return err
	}
	p := modulePage{Page: s.page(c), Module: m, Progress: pm, Practice: s.cur.ScenariosOf(localizer(c).Lang, m.Slug)}
	p.Summary = moduleProgress{Module: m, Summary: pm.Module(m.Slug, s.lessonsByModule[m.Slug])}
	p.Summary.Label = progressLabel(p.Page, p.Summary.Summary)
	return s.render(c, http.StatusOK, "module", p)
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
	Submission string            // nonce of this quiz form: a double tap records one attempt
	Result     *curriculum.Result
	Saved      bool             // the result is stored with the learner's record
	ModuleDone bool             // this result completed the module
	Cached     *lessonFragments // the parts every visitor shares, rendered at start-up
}

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
	p := lessonPage{Page: s.page(c), Module: m, Lesson: l}
	p.Path = "/modules/" + m.Slug + "/" + l.Slug // also for the quiz POST, whose URL cannot be fetched
	p.Prev, p.Next = m.Neighbours(l)
	for i, x := range m.Lessons {
		if x == l {
			p.Number = i + 1
		}
	}
	return p, nil
}

// lessonShow renders a lesson with its quiz. Reading never writes: a
// lesson counts as started with its first answer, so pre-caching a module
// for offline reading changes nobody's progress.
func (s *Server) lessonShow(c echo.Context) error {
	p, err := s.lessonPageFor(c)
	if err != nil {
		return err
	}
	if l := currentLearner(c); l != nil {
		if p.Status, err = s.store.LessonStatus(c.Request().Context(), l.ID, p.Module.Slug, p.Lesson.Slug); err != nil {
			return err
		}
	}
	p.Submission = newNonce()
	p.Cached = s.fragments[fragmentKey(p.Lang, p.Module.Slug, p.Lesson.Slug)]
	return s.render(c, http.StatusOK, "lesson", p)
}

// quizPost grades a submitted quiz. An incomplete form is shown again (422)
// with the answers given so far and a note on each unanswered question. A
// complete one is saved (with the learner's record, or on the visitor's
// phone until they register) and the visitor is sent to the result (303),
// so reloading the result never submits twice.
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
	if p.Submission == "" {
		p.Submission = newNonce()
	} else if !validate.Key(p.Submission) {
		return echo.NewHTTPError(http.StatusBadRequest, "bad submission key")
	}
	r := p.Lesson.Grade(p.Answers)
	if len(r.Missing) > 0 {
		p.Missing = map[string]bool{}
		for _, id := range r.Missing {
			p.Missing[id] = true
		}
		s.metrics.quizzes.WithLabelValues("incomplete").Inc()
		return s.render(c, http.StatusUnprocessableEntity, "lesson", p)
	}
	answer := pendingAttempt{Module: p.Module.Slug, Lesson: p.Lesson.Slug, Choices: r.Choices(), Submission: p.Submission, At: time.Now()}
	if l := currentLearner(c); l != nil {
		if err := s.record(c, l.ID, answer); err != nil {
			return err
		}
	} else {
		s.keepPending(c, answer)
	}
	s.metrics.quizzes.WithLabelValues(map[bool]string{true: "passed", false: "failed"}[r.Passed]).Inc()
	return c.Redirect(http.StatusSeeOther, p.Path+"/result")
}

// record saves an answer for a learner through the one entry point that
// grades it and writes attempt, progress, counts and certificates at once.
// An answer to a lesson removed since it was given is dropped.
func (s *Server) record(c echo.Context, learnerID int64, a pendingAttempt) error {
	_, err := s.recorder.Answer(c.Request().Context(), learnerID, learning.Answer{
		Module: a.Module, Lesson: a.Lesson, Choices: a.Choices, Submission: a.Submission, At: a.At})
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
			return c.Redirect(http.StatusSeeOther, p.Path+"#quiz")
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
		return c.Redirect(http.StatusSeeOther, p.Path+"#quiz")
	}
	r := p.Lesson.Grade(choices)
	p.Result = &r
	return s.render(c, http.StatusOK, "quiz_result", p)
}
