package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
)

// Question analysis: for a class, every quiz question its learners got
// wrong, with the share of wrong answers and the wrong option chosen most,
// worst first, so the trainer knows what to explain again; a printable
// page of the top items "to go over next session"; and, from the practice
// drills, which trap caught most people. Only counts, never names.

// reteachItems is how many questions the printable page lists, and
// reteachMinAnswers how many answers a question needs to be on it (one
// learner's slip is not a class's problem).
const (
	reteachItems      = 10
	reteachMinAnswers = 3
)

type questionRow struct {
	learning.QuestionStat
	Module      *curriculum.Module
	Lesson      *curriculum.Lesson
	Question    *curriculum.Question
	Right       *curriculum.Option
	WrongOption *curriculum.Option // the wrong option chosen most
}

type trapRow struct {
	Scenario *curriculum.Scenario
	Outcome  *curriculum.Outcome
	Caught   int // learners of the class who reached this unsafe outcome
}

type analysisPage struct {
	Page
	Class     store.Class
	Questions []questionRow // answered wrongly at least once, worst first
	Answered  int           // questions answered at all
	Traps     []trapRow     // most caught first
	Reteach   []questionRow // the printable list
	MinAnswer int
}

func (s *Server) analysisPage(c echo.Context) (analysisPage, error) {
	ctx := c.Request().Context()
	cl, err := s.classInScope(c)
	if err != nil {
		return analysisPage{}, err
	}
	p := analysisPage{Page: s.staffPage(c), Class: cl, MinAnswer: reteachMinAnswers}
	rows, err := s.store.ClassAnswers(ctx, cl.ID)
	if err != nil {
		return p, err
	}
	stats := learning.AnalyseAnswers(s.cur, rows)
	p.Answered = len(stats)
	for _, st := range stats {
		if st.Wrong == 0 {
			continue
		}
		m, _ := s.cur.Module(p.Lang, st.Module)
		l, ok := s.cur.Lesson(p.Lang, st.Module, st.Lesson)
		if !ok {
			continue
		}
		q, ok := l.Question(st.Question)
		if !ok {
			continue
		}
		r := questionRow{QuestionStat: st, Module: m, Lesson: l, Question: q, Right: q.Correct()}
		r.WrongOption, _ = q.Option(st.TopWrong)
		p.Questions = append(p.Questions, r)
		if st.Answers >= reteachMinAnswers && len(p.Reteach) < reteachItems {
			p.Reteach = append(p.Reteach, r)
		}
	}
	counts, err := s.store.PracticeOutcomeCountsByClass(ctx, cl.ID)
	if err != nil {
		return p, err
	}
	for _, oc := range counts {
		if oc.Safe {
			continue
		}
		sc, ok := s.cur.Scenario(p.Lang, oc.Scenario)
		if !ok {
			continue
		}
		o, ok := sc.Outcome(oc.Outcome)
		if !ok {
			continue
		}
		p.Traps = append(p.Traps, trapRow{Scenario: sc, Outcome: o, Caught: oc.Learners})
	}
	slices.SortStableFunc(p.Traps, func(a, b trapRow) int { return cmp.Compare(b.Caught, a.Caught) })
	return p, nil
}

// analysisShow is the class's question analysis.
func (s *Server) analysisShow(c echo.Context) error {
	p, err := s.analysisPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_analysis", p)
}

// analysisPrint is one printable page: what to go over next session.
func (s *Server) analysisPrint(c echo.Context) error {
	p, err := s.analysisPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_analysis_print", p)
}
