package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
)

type homePage struct {
	Page
	Modules []*curriculum.Module
}

// home lists the six modules.
func (s *Server) home(c echo.Context) error {
	p := homePage{Page: s.page(c), Modules: s.cur.Modules(localizer(c).Lang)}
	return s.render(c, http.StatusOK, "home", p)
}

type modulePage struct {
	Page
	Module *curriculum.Module
}

// moduleShow lists the lessons of one module.
func (s *Server) moduleShow(c echo.Context) error {
	m, ok := s.cur.Module(localizer(c).Lang, c.Param("module"))
	if !ok {
		return echo.ErrNotFound
	}
	return s.render(c, http.StatusOK, "module", modulePage{Page: s.page(c), Module: m})
}

type lessonPage struct {
	Page
	Module     *curriculum.Module
	Lesson     *curriculum.Lesson
	Number     int // 1-based position in the module
	Prev, Next *curriculum.Lesson
	Answers    map[string]string // kept when the quiz is re-shown
	Missing    map[string]bool   // questions left unanswered
	Result     *curriculum.Result
	Cached     *lessonFragments // pre-rendered article and blank quiz, when they apply
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

// lessonShow renders a lesson with its quiz.
func (s *Server) lessonShow(c echo.Context) error {
	p, err := s.lessonPageFor(c)
	if err != nil {
		return err
	}
	p.Cached = s.fragments[fragmentKey(p.Lang, p.Module.Slug, p.Lesson.Slug)]
	return s.render(c, http.StatusOK, "lesson", p)
}

// quizPost grades a submitted quiz. An incomplete form is shown again (422)
// with the answers given so far and a note on each unanswered question.
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
	r := p.Lesson.Grade(p.Answers)
	if len(r.Missing) > 0 {
		p.Missing = map[string]bool{}
		for _, id := range r.Missing {
			p.Missing[id] = true
		}
		s.metrics.quizzes.WithLabelValues("incomplete").Inc()
		return s.render(c, http.StatusUnprocessableEntity, "lesson", p)
	}
	outcome := "failed"
	if r.Passed {
		outcome = "passed"
	}
	s.metrics.quizzes.WithLabelValues(outcome).Inc()
	p.Result = &r
	return s.render(c, http.StatusOK, "quiz_result", p)
}
