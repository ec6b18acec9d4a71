package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// Real tasks ("làm được"): the trainer ticks a task a learner did for
// real, alone or with help, with the day (today unless said otherwise,
// never in the future), for several learners of a class at once or from
// one learner's page. The learner sees their own on /me.

// How a task was done, as the forms send it.
const (
	howAlone    = "alone"
	howWithHelp = "with_help"
)

// oldestTaskDay is the earliest day a tick may carry.
const oldestTaskDay = "2020-01-01"

type tickForm struct {
	validate.Form
	Task     string
	How      string
	DoneOn   string
	Learners map[string]bool // the class page's ticked learners, kept on error
}

// checkTick reads and checks the task, how and day of a tick form.
func (s *Server) checkTick(c echo.Context, f *tickForm) {
	f.Task, f.How = c.FormValue("task"), c.FormValue("how")
	f.DoneOn = f.TextField("done_on", c.FormValue("done_on"), 10)
	_, ok := s.cur.Task(curriculum.DefaultLocale, f.Task)
	f.Check(ok, "task", "tasks.error_task")
	f.Check(f.How == howAlone || f.How == howWithHelp, "how", "tasks.error_how")
	_, day := today()
	_, err := time.ParseInLocation(dayLayout, f.DoneOn, vietnamTime())
	f.Check(err == nil && f.DoneOn >= oldestTaskDay, "done_on", "tasks.error_date")
	f.Check(f.DoneOn <= day, "done_on", "tasks.error_date_future")
}

type taskCell struct {
	Tick *store.TaskTick
}

type taskGridRow struct {
	Learner store.Learner
	Cells   []taskCell // one per task, in list order
	Done    int
	Checked bool // ticked in a refused form
}

type classTasksPage struct {
	Page
	Class   store.Class
	Tasks   []*curriculum.Task
	Choices []*curriculum.Task // what the form offers
	Rows    []taskGridRow
	Form    tickForm
	Today   string
}

func (s *Server) classTasksPage(c echo.Context, cl store.Class, f *tickForm) (classTasksPage, error) {
	ctx := c.Request().Context()
	_, day := today()
	p := classTasksPage{Page: s.staffPage(c), Class: cl, Today: day}
	p.Tasks = s.cur.Tasks(p.Lang)
	p.Choices = p.Tasks
	learners, err := s.store.ClassLearners(ctx, cl.ID)
	if err != nil {
		return p, err
	}
	ticks, err := s.store.ClassTaskTicks(ctx, cl.ID)
	if err != nil {
		return p, err
	}
	col := map[string]int{}
	for i, t := range p.Tasks {
		col[t.Key] = i
	}
	at := map[int64]int{}
	for i, l := range learners {
		at[l.ID] = i
		p.Rows = append(p.Rows, taskGridRow{Learner: l, Cells: make([]taskCell, len(p.Tasks))})
	}
	for i := range ticks {
		t := &ticks[i]
		j, ok := col[t.Task]
		r, member := at[t.LearnerID]
		if ok && member {
			p.Rows[r].Cells[j].Tick = t
			p.Rows[r].Done++
		}
	}
	p.Form = tickForm{How: howAlone, DoneOn: day}
	if f != nil {
		p.Form = *f
		for i := range p.Rows {
			p.Rows[i].Checked = f.Learners[strconv.FormatInt(p.Rows[i].Learner.ID, 10)]
		}
	}
	return p, nil
}

// classTasksShow is a class's learners × real tasks, with the form that
// ticks one task for several learners.
func (s *Server) classTasksShow(c echo.Context) error {
	cl, err := s.classInScope(c)
	if err != nil {
		return err
	}
	p, err := s.classTasksPage(c, cl, nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_tasks", p)
}

// classTasksPost ticks one task for the chosen learners, in one transaction.
func (s *Server) classTasksPost(c echo.Context) error {
	cl, err := s.classInScope(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	f := tickForm{Learners: map[string]bool{}}
	s.checkTick(c, &f)
	members, err := s.classMembers(c, cl.ID)
	if err != nil {
		return err
	}
	by := currentStaff(c).UserID
	var ticks []store.TaskTick
	for _, v := range form["learner"] {
		id, err := strconv.ParseInt(v, 10, 64)
		f.Check(err == nil && members[id], "learner", "tasks.error_unknown_learner")
		if err == nil && members[id] && !f.Learners[v] {
			f.Learners[v] = true
			ticks = append(ticks, store.TaskTick{LearnerID: id, Task: f.Task, Alone: f.How == howAlone, DoneOn: f.DoneOn, TickedBy: &by})
		}
	}
	f.Check(len(form["learner"]) > 0, "learner", "tasks.error_no_learner")
	if !f.Valid() {
		p, err := s.classTasksPage(c, cl, &f)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "trainer_tasks", p)
	}
	if err := s.store.TickTasks(c.Request().Context(), ticks); err != nil {
		return err
	}
	s.flash(c, "flash.trainer.tasks_ticked")
	return c.Redirect(http.StatusSeeOther, classPath(cl.ID)+"/tasks")
}

type learnerLesson struct {
	Lesson *curriculum.Lesson
	Cell   lessonCell
}

type learnerModule struct {
	Module   *curriculum.Module
	Summary  progress.ModuleSummary
	Verified int
	Lessons  []learnerLesson
}

type learnerTask struct {
	Task *curriculum.Task
	Tick *store.TaskTick
	Day  time.Time // the tick's day
}

type learnerMark struct {
	store.LearnerAttendance
	Day time.Time
}

type learnerPage struct {
	Page
	Learner    store.Learner
	Class      *store.Class
	Modules    []learnerModule
	Tasks      []learnerTask
	Choices    []*curriculum.Task // what the tick form offers
	Attendance []learnerMark
	Help       []helpFlag // why the learner needs help, if they do
	Form       tickForm
	Today      string
}

func learnerPath(id int64) string { return "/trainer/learners/" + strconv.FormatInt(id, 10) }

func (s *Server) learnerPage(c echo.Context, l store.Learner, f *tickForm) (learnerPage, error) {
	ctx := c.Request().Context()
	_, day := today()
	p := learnerPage{Page: s.staffPage(c), Learner: l, Today: day, Form: tickForm{How: howAlone, DoneOn: day}}
	if f != nil {
		p.Form = *f
	}
	if l.ClassID != nil {
		cl, err := s.store.ClassUnder(ctx, *l.ClassID, p.Staff.UnitPath)
		if err == nil {
			p.Class = &cl
		} else if !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
	}
	if p.Class != nil { // the needs-help rules read the class's sessions
		th, err := s.thresholds(ctx)
		if err != nil {
			return p, err
		}
		snap, err := s.store.ClassSnapshot(ctx, []int64{p.Class.ID}, day, th.AbsentSessions)
		if err != nil {
			return p, err
		}
		for _, h := range s.helpList(p.Page, snap, th, nil) {
			if h.Learner.ID == l.ID {
				p.Help = h.Flags
			}
		}
	}
	rows, err := s.store.ProgressOf(ctx, l.ID)
	if err != nil {
		return p, err
	}
	records := map[string]store.Progress{}
	m := progress.Map{}
	for _, r := range rows {
		records[lessonKey(r.Module, r.Lesson)] = r
		m[progress.Key{Module: r.Module, Lesson: r.Lesson}] = progress.Record{Status: progress.Status(r.Status)}
	}
	for _, mod := range s.cur.Modules(p.Lang) {
		lm := learnerModule{Module: mod, Summary: m.Module(mod.Slug, s.lessonsByModule[mod.Slug])}
		for _, lesson := range mod.Lessons {
			r, ok := records[lessonKey(mod.Slug, lesson.Slug)]
			cell := lessonCell{}
			if ok {
				cell = lessonCell{Status: progress.Status(r.Status), Verified: r.VerifiedBy != nil, Score: r.BestScore, Total: r.Total, Attempts: r.Attempts}
				if cell.Verified && cell.Status == progress.Completed {
					lm.Verified++
				}
			}
			lm.Lessons = append(lm.Lessons, learnerLesson{Lesson: lesson, Cell: cell})
		}
		p.Modules = append(p.Modules, lm)
	}
	ticks, err := s.store.TasksOf(ctx, l.ID)
	if err != nil {
		return p, err
	}
	byTask := map[string]*store.TaskTick{}
	for i := range ticks {
		byTask[ticks[i].Task] = &ticks[i]
	}
	p.Choices = s.cur.Tasks(p.Lang)
	for _, t := range p.Choices {
		lt := learnerTask{Task: t, Tick: byTask[t.Key]}
		if lt.Tick != nil {
			lt.Day = dayTime(lt.Tick.DoneOn)
		}
		p.Tasks = append(p.Tasks, lt)
	}
	marks, err := s.store.AttendanceOf(ctx, l.ID)
	if err != nil {
		return p, err
	}
	for _, mk := range marks {
		p.Attendance = append(p.Attendance, learnerMark{LearnerAttendance: mk, Day: dayTime(mk.HeldOn)})
	}
	return p, nil
}

// learnerShow is one learner for a trainer: progress (by quiz or in
// person), real tasks with the form to tick one, and attendance.
func (s *Server) learnerShow(c echo.Context) error {
	l, err := s.scopedLearner(c)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, l, nil)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_learner", p)
}

// learnerTasksPost ticks a task for one learner, or (action=remove) takes
// a tick back.
func (s *Server) learnerTasksPost(c echo.Context) error {
	l, err := s.scopedLearner(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if c.FormValue("action") == "remove" {
		err := s.store.UntickTask(ctx, l.ID, c.FormValue("task"))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.flash(c, "flash.trainer.task_removed")
		return c.Redirect(http.StatusSeeOther, learnerPath(l.ID)+"#tasks")
	}
	var f tickForm
	s.checkTick(c, &f)
	if !f.Valid() {
		p, err := s.learnerPage(c, l, &f)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "trainer_learner", p)
	}
	by := currentStaff(c).UserID
	if err := s.store.TickTasks(ctx, []store.TaskTick{{LearnerID: l.ID, Task: f.Task, Alone: f.How == howAlone, DoneOn: f.DoneOn, TickedBy: &by}}); err != nil {
		return err
	}
	s.flash(c, "flash.trainer.task_ticked")
	return c.Redirect(http.StatusSeeOther, learnerPath(l.ID)+"#tasks")
}
