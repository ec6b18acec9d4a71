package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// Session mode (buổi học): a trainer opens the day's session of a class
// with the lessons taught, takes attendance with one tap per person (a
// plain form of checkboxes, everyone ticked to start with: one POST, one
// transaction), and ticks the lessons residents finished on the trainer's
// phone, recorded through the same entry point as a quiz.

// sessionDaysBack and sessionDaysAhead bound the day of a session: a
// trainer records one held recently or plans the next ones.
const (
	sessionDaysBack  = 60
	sessionDaysAhead = 60
	maxSessionLesson = 20
)

type openSessionForm struct {
	validate.Form
	HeldOn  string
	Lessons map[string]bool // "module/lesson" → picked
}

type sessionRow struct {
	store.SessionSummary
	Day     time.Time
	Titles  []string
	IsToday bool
}

type sessionsPage struct {
	Page
	Class    store.Class
	Sessions []sessionRow
	Modules  []*curriculum.Module
	Form     openSessionForm
	Today    *sessionRow
	Open     map[string]bool // modules with a picked lesson: their list starts unfolded
}

func lessonKey(module, lesson string) string { return module + "/" + lesson }

// inCourseOrder sorts lessons as the course runs: by module, then by each
// lesson's place in its module (lessons no longer in the course last).
func (s *Server) inCourseOrder(refs []store.LessonRef) []store.LessonRef {
	rank := map[string]int{}
	n := 0
	for _, m := range curriculum.ModuleSlugs() {
		for _, l := range s.lessonsByModule[m] {
			n++
			rank[lessonKey(m, l)] = n
		}
	}
	out := slices.Clone(refs)
	slices.SortStableFunc(out, func(a, b store.LessonRef) int {
		ra, rb := rank[lessonKey(a.Module, a.Lesson)], rank[lessonKey(b.Module, b.Lesson)]
		if ra == 0 {
			ra = n + 1
		}
		if rb == 0 {
			rb = n + 1
		}
		return ra - rb
	})
	return out
}

// sessionsPage lists a class's sessions with the form that opens one.
func (s *Server) sessionsPage(c echo.Context, cl store.Class, f *openSessionForm) (sessionsPage, error) {
	p := sessionsPage{Page: s.staffPage(c), Class: cl, Modules: s.cur.Modules(localizer(c).Lang)}
	list, err := s.store.ClassSessions(c.Request().Context(), cl.ID)
	if err != nil {
		return p, err
	}
	_, day := today()
	for _, ss := range list {
		r := sessionRow{SessionSummary: ss, Day: dayTime(ss.HeldOn), IsToday: ss.HeldOn == day}
		for _, l := range s.inCourseOrder(ss.Lessons) {
			r.Titles = append(r.Titles, s.lessonTitle(p.Lang, l.Module, l.Lesson))
		}
		p.Sessions = append(p.Sessions, r)
	}
	for i := range p.Sessions {
		if p.Sessions[i].IsToday {
			p.Today = &p.Sessions[i]
		}
	}
	if f != nil {
		p.Form = *f
	} else {
		p.Form = openSessionForm{HeldOn: day, Lessons: map[string]bool{}}
		if p.Today != nil {
			for _, l := range p.Today.Lessons {
				p.Form.Lessons[lessonKey(l.Module, l.Lesson)] = true
			}
		}
	}
	p.Open = map[string]bool{}
	for key, on := range p.Form.Lessons {
		module, _, _ := strings.Cut(key, "/")
		p.Open[module] = p.Open[module] || on
	}
	return p, nil
}

// sessionsShow lists a class's sessions and offers to open today's.
func (s *Server) sessionsShow(c echo.Context) error {
	cl, err := s.classInScope(c)
	if err != nil {
		return err
	}
	p, err := s.sessionsPage(c, cl, nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_sessions", p)
}

// sessionsPost opens (or updates) a class's session on a day, with the
// lessons taught, and goes to it.
func (s *Server) sessionsPost(c echo.Context) error {
	cl, err := s.classInScope(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	f := openSessionForm{Lessons: map[string]bool{}}
	f.HeldOn = f.TextField("held_on", form.Get("held_on"), 10)
	checkSessionDay(&f.Form, "held_on", f.HeldOn)
	var lessons []store.LessonRef
	for _, v := range form["lesson"] {
		module, lesson, _ := strings.Cut(v, "/")
		if _, ok := s.cur.Lesson(curriculum.DefaultLocale, module, lesson); !ok {
			f.Check(false, "lesson", "session.error_lesson_unknown")
			continue
		}
		if !f.Lessons[v] {
			f.Lessons[v] = true
			lessons = append(lessons, store.LessonRef{Module: module, Lesson: lesson})
		}
	}
	f.Check(len(lessons) > 0, "lesson", "session.error_no_lessons")
	f.Check(len(lessons) <= maxSessionLesson, "lesson", "session.error_too_many_lessons", "Max", maxSessionLesson)
	if !f.Valid() {
		p, err := s.sessionsPage(c, cl, &f)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "trainer_sessions", p)
	}
	ss, err := s.store.OpenSession(c.Request().Context(), store.OpenSessionInput{ClassID: cl.ID, HeldOn: f.HeldOn, By: currentStaff(c).UserID, Lessons: lessons})
	if err != nil {
		return err
	}
	s.flash(c, "flash.trainer.session_opened")
	return c.Redirect(http.StatusSeeOther, sessionPath(cl.ID, ss.ID))
}

// checkSessionDay holds a session's day to a date near today.
func checkSessionDay(f *validate.Form, field, day string) {
	t, err := time.ParseInLocation(dayLayout, day, vietnamTime())
	if err != nil {
		f.Check(false, field, "session.error_date")
		return
	}
	_, todayDay := today()
	now := dayTime(todayDay)
	f.Check(!t.Before(now.AddDate(0, 0, -sessionDaysBack)) && !t.After(now.AddDate(0, 0, sessionDaysAhead)), field, "session.error_date_range",
		"Back", sessionDaysBack, "Ahead", sessionDaysAhead)
}

func sessionPath(classID, sessionID int64) string {
	return classPath(classID) + "/sessions/" + strconv.FormatInt(sessionID, 10)
}

// sessionLessonView is one lesson taught in a session.
type sessionLessonView struct {
	Key   string
	Title string
}

// doneCell is whether a learner has completed one of the session's lessons.
type doneCell struct {
	Key      string // "learnerID:module/lesson", the value of the completion checkbox
	Lesson   string // its title, for the checkbox's label
	Done     bool
	Verified bool // completed in person, not by quiz
	Ticked   bool // ticked in a refused form, kept
}

type rollRow struct {
	Learner store.Learner
	Present bool
	Cells   []doneCell
}

type sessionPage struct {
	Page
	Class      store.Class
	Session    store.ClassSession
	Day        time.Time
	Lessons    []sessionLessonView
	Roll       []rollRow
	Taken      bool // attendance was saved at least once
	Future     bool // planned: attendance and completions wait for the day
	Attendance validate.Form
	Done       validate.Form
}

// sessionFromPath finds the class and its session named in the URL.
func (s *Server) sessionFromPath(c echo.Context) (store.Class, store.ClassSession, []store.LessonRef, error) {
	cl, err := s.classInScope(c)
	if err != nil {
		return cl, store.ClassSession{}, nil, err
	}
	id, err := strconv.ParseInt(c.Param("session"), 10, 64)
	if err != nil {
		return cl, store.ClassSession{}, nil, echo.ErrNotFound
	}
	ss, lessons, err := s.store.ClassSession(c.Request().Context(), cl.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return cl, ss, nil, echo.ErrNotFound
	}
	return cl, ss, lessons, err
}

// sessionPageFor builds the session page. present, when not nil, is the
// attendance of a refused form; ticked the completions of one.
func (s *Server) sessionPageFor(c echo.Context, cl store.Class, ss store.ClassSession, lessons []store.LessonRef, present, ticked map[string]bool) (sessionPage, error) {
	ctx := c.Request().Context()
	_, day := today()
	p := sessionPage{Page: s.staffPage(c), Class: cl, Session: ss, Day: dayTime(ss.HeldOn), Taken: ss.TakenAt != nil, Future: ss.HeldOn > day}
	for _, l := range s.inCourseOrder(lessons) {
		p.Lessons = append(p.Lessons, sessionLessonView{Key: lessonKey(l.Module, l.Lesson), Title: s.lessonTitle(p.Lang, l.Module, l.Lesson)})
	}
	snap, err := s.store.ClassSnapshot(ctx, []int64{cl.ID}, day, 0)
	if err != nil {
		return p, err
	}
	marks, err := s.store.SessionAttendance(ctx, ss.ID)
	if err != nil {
		return p, err
	}
	type cellState struct{ done, verified bool }
	state := map[string]cellState{}
	for _, pc := range snap.Progress {
		if pc.Status == string(progress.Completed) {
			state[fmt.Sprint(pc.LearnerID, ":", lessonKey(pc.Module, pc.Lesson))] = cellState{true, pc.VerifiedBy != nil}
		}
	}
	for _, l := range snap.Learners {
		id := strconv.FormatInt(l.ID, 10)
		r := rollRow{Learner: l, Present: !p.Taken || marks[l.ID]}
		if present != nil {
			r.Present = present[id]
		}
		for _, lv := range p.Lessons {
			key := id + ":" + lv.Key
			st := state[key]
			r.Cells = append(r.Cells, doneCell{Key: key, Lesson: lv.Title, Done: st.done, Verified: st.verified, Ticked: ticked[key]})
		}
		p.Roll = append(p.Roll, r)
	}
	return p, nil
}

// sessionShow is one session: attendance and in-person completions.
func (s *Server) sessionShow(c echo.Context) error {
	cl, ss, lessons, err := s.sessionFromPath(c)
	if err != nil {
		return err
	}
	p, err := s.sessionPageFor(c, cl, ss, lessons, nil, nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_session", p)
}

// classMembers returns the ids of a class's learners.
func (s *Server) classMembers(c echo.Context, classID int64) (map[int64]bool, error) {
	list, err := s.store.ClassLearners(c.Request().Context(), classID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(list))
	for _, l := range list {
		out[l.ID] = true
	}
	return out, nil
}

// attendancePost saves who came, for the whole class in one request and
// one transaction. "Everyone is here" (all=yes) marks every learner present.
func (s *Server) attendancePost(c echo.Context) error {
	cl, ss, lessons, err := s.sessionFromPath(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	members, err := s.classMembers(c, cl.ID)
	if err != nil {
		return err
	}
	var f validate.Form
	_, day := today()
	f.Check(ss.HeldOn <= day, "present", "session.error_future")
	kept := map[string]bool{}
	var present []int64
	if form.Get("all") == "yes" {
		for id := range members {
			present = append(present, id)
			kept[strconv.FormatInt(id, 10)] = true
		}
	} else {
		for _, v := range form["present"] {
			id, err := strconv.ParseInt(v, 10, 64)
			f.Check(err == nil && members[id], "present", "session.error_unknown_learner")
			if err == nil && members[id] {
				present = append(present, id)
				kept[v] = true
			}
		}
	}
	if !f.Valid() {
		p, err := s.sessionPageFor(c, cl, ss, lessons, kept, nil)
		if err != nil {
			return err
		}
		p.Attendance = f
		return s.render(c, http.StatusUnprocessableEntity, "trainer_session", p)
	}
	if _, err := s.store.SaveAttendance(c.Request().Context(), cl.ID, ss.ID, present); err != nil {
		return err
	}
	s.flash(c, "flash.trainer.attendance_saved")
	return c.Redirect(http.StatusSeeOther, sessionPath(cl.ID, ss.ID)+"#roll")
}

// completionsPost records the lessons learners completed in person during
// the session, each through the recorder (progress marked as verified by
// this trainer, counts, certificates), idempotently.
func (s *Server) completionsPost(c echo.Context) error {
	cl, ss, lessons, err := s.sessionFromPath(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	members, err := s.classMembers(c, cl.ID)
	if err != nil {
		return err
	}
	taught := map[string]bool{}
	for _, l := range lessons {
		taught[lessonKey(l.Module, l.Lesson)] = true
	}
	var f validate.Form
	now, day := today()
	f.Check(ss.HeldOn <= day, "done", "session.error_future")
	type done struct {
		learner        int64
		module, lesson string
	}
	var todo []done
	ticked := map[string]bool{}
	for _, v := range form["done"] {
		idText, key, _ := strings.Cut(v, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		module, lesson, _ := strings.Cut(key, "/")
		ok := err == nil && members[id] && taught[key]
		f.Check(ok, "done", "session.error_bad_completion")
		if ok && !ticked[v] {
			ticked[v] = true
			todo = append(todo, done{id, module, lesson})
		}
	}
	f.Check(len(form["done"]) > 0, "done", "session.error_no_completion")
	if !f.Valid() {
		p, err := s.sessionPageFor(c, cl, ss, lessons, nil, ticked)
		if err != nil {
			return err
		}
		p.Done = f
		return s.render(c, http.StatusUnprocessableEntity, "trainer_session", p)
	}
	at := now
	if ss.HeldOn < day { // filled in after the day: noon of the session's day
		at = dayTime(ss.HeldOn).Add(12 * time.Hour)
	}
	by := currentStaff(c).UserID
	for _, d := range todo {
		if _, err := s.recorder.Verify(c.Request().Context(), by, d.learner, d.module, d.lesson, at); err != nil {
			return err
		}
	}
	s.flash(c, "flash.trainer.completions_saved")
	return c.Redirect(http.StatusSeeOther, sessionPath(cl.ID, ss.ID)+"#done")
}
