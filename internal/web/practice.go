package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
)

// Practice scenarios (DESIGN §2): scam drills on look-alike phone screens.
// Each step is a page and each choice a form POST answered by a 303, so a
// walk works without JavaScript. A signed-in learner's choices are stored
// per run (the key the forms carry); anonymous visitors store nothing on
// the server and get no session: the run key only lives in the URL.

// runKey is the shape of a run key: what newNonce makes.
var runKey = regexp.MustCompile(`^[A-Za-z0-9_-]{16,32}$`)

type practiceIndexPage struct {
	Page
	Modules []practiceModule
	Passed  map[string]bool // slugs the learner has passed; nil for visitors
}

type practiceModule struct {
	Module    *curriculum.Module
	Scenarios []*curriculum.Scenario
}

// practicePage is what a step or an outcome page of a scenario shows.
type practicePage struct {
	Page
	Scenario *curriculum.Scenario
	Module   *curriculum.Module
	Lesson   *curriculum.Lesson // the lesson to read more, if any
	Step     *curriculum.Step   // nil on an outcome page
	Outcome  *curriculum.Outcome
	Run      string
	First    bool // the start step: the scenario's introduction is shown
	Missing  bool // the form came back without a valid choice
	Saved    bool // the outcome is stored with the learner's record
}

// KindLabel names the kind of screen shown, for the caption of the phone.
func (p practicePage) KindLabel() string {
	// Spelled out (not built from the kind) so the i18n test sees every id.
	id := map[string]string{
		"call": "practice.kind_call", "video-call": "practice.kind_video_call", "sms": "practice.kind_sms",
		"chat": "practice.kind_chat", "transfer": "practice.kind_transfer", "qr": "practice.kind_qr",
		"login": "practice.kind_login", "web": "practice.kind_web", "dialog": "practice.kind_dialog",
	}[p.Step.Screen.Kind]
	return p.T(id)
}

// practiceIndex lists the scenarios by module.
func (s *Server) practiceIndex(c echo.Context) error {
	p := practiceIndexPage{Page: s.page(c)}
	for _, m := range s.cur.Modules(p.Lang) {
		if list := s.cur.ScenariosOf(p.Lang, m.Slug); len(list) > 0 {
			p.Modules = append(p.Modules, practiceModule{Module: m, Scenarios: list})
		}
	}
	if l := currentLearner(c); l != nil {
		passes, err := s.store.PracticePasses(c.Request().Context(), l.ID)
		if err != nil {
			return err
		}
		p.Passed = map[string]bool{}
		for _, x := range passes {
			p.Passed[x.Scenario] = true
		}
	}
	return s.render(c, http.StatusOK, "practice_index", p)
}

// practiceRedirect sends /practice to /practice/, the list's one address.
func (s *Server) practiceRedirect(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, withLang(localizer(c).Lang, "/practice/"))
}

// practicePageFor finds the scenario named in the URL.
func (s *Server) practicePageFor(c echo.Context) (practicePage, error) {
	lang := localizer(c).Lang
	sc, ok := s.cur.Scenario(lang, c.Param("scenario"))
	if !ok {
		return practicePage{}, echo.ErrNotFound
	}
	p := practicePage{Page: s.page(c), Scenario: sc}
	p.Module, _ = s.cur.Module(lang, sc.Module)
	if sc.Lesson != "" {
		p.Lesson, _ = s.cur.Lesson(lang, sc.Module, sc.Lesson)
	}
	p.Run = c.QueryParam("run")
	if !runKey.MatchString(p.Run) {
		p.Run = newNonce() // a fresh walk; nothing is stored until a choice is posted
	}
	return p, nil
}

// practiceShow shows a scenario's first step.
func (s *Server) practiceShow(c echo.Context) error {
	p, err := s.practicePageFor(c)
	if err != nil {
		return err
	}
	p.Step, _ = p.Scenario.Step(p.Scenario.Start)
	p.First = true
	return s.render(c, http.StatusOK, "practice_step", p)
}

// practiceStepShow shows a later step, or an outcome with what to do in
// real life.
func (s *Server) practiceStepShow(c echo.Context) error {
	p, err := s.practicePageFor(c)
	if err != nil {
		return err
	}
	id := c.Param("step")
	if st, ok := p.Scenario.Step(id); ok {
		p.Step, p.First = st, id == p.Scenario.Start
		return s.render(c, http.StatusOK, "practice_step", p)
	}
	o, ok := p.Scenario.Outcome(id)
	if !ok {
		return echo.ErrNotFound
	}
	p.Outcome = o
	if l := currentLearner(c); l != nil {
		run, err := s.store.PracticeRunByKey(c.Request().Context(), l.ID, p.Run)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p.Saved = err == nil && run.Outcome != nil && *run.Outcome == o.ID
	}
	return s.render(c, http.StatusOK, "practice_outcome", p)
}

// practicePost takes one choice (fields run, step, choice) and answers with
// a 303 to where it leads. A form without a valid choice is shown again
// (422). For a signed-in learner the choice is stored first, once per run
// and step; a visitor's choice is not stored anywhere.
func (s *Server) practicePost(c echo.Context) error {
	p, err := s.practicePageFor(c)
	if err != nil {
		return err
	}
	st, ok := p.Scenario.Step(c.FormValue("step"))
	if !ok {
		return echo.ErrNotFound
	}
	if run := c.FormValue("run"); runKey.MatchString(run) {
		p.Run = run
	}
	ch, ok := st.Choice(c.FormValue("choice"))
	if !ok {
		p.Step, p.First, p.Missing = st, st.ID == p.Scenario.Start, true
		return s.render(c, http.StatusUnprocessableEntity, "practice_step", p)
	}
	if l := currentLearner(c); l != nil {
		in := store.PracticeChoiceInput{LearnerID: l.ID, Scenario: p.Scenario.Slug, Run: p.Run, Step: st.ID, Choice: ch.ID}
		if o, end := p.Scenario.Outcome(ch.Next); end {
			in.Outcome, in.Safe = o.ID, o.Safe
		}
		res, err := s.store.RecordPracticeChoice(c.Request().Context(), in)
		if err != nil {
			return err
		}
		p.Run = res.Run
	}
	return seeOther(c, "/practice/"+p.Scenario.Slug+"/"+ch.Next+"?run="+url.QueryEscape(p.Run))
}

// practicePasses returns the scenarios a learner has passed, in catalog
// order, for the learner's own page.
func (s *Server) practicePasses(c echo.Context, lang string, learnerID int64) ([]*curriculum.Scenario, error) {
	passes, err := s.store.PracticePasses(c.Request().Context(), learnerID)
	if err != nil {
		return nil, err
	}
	passed := map[string]bool{}
	for _, x := range passes {
		passed[x.Scenario] = true
	}
	var out []*curriculum.Scenario
	for _, sc := range s.cur.Scenarios(lang) {
		if passed[sc.Slug] {
			out = append(out, sc)
		}
	}
	return out, nil
}
