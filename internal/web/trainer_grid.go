package web

import (
	"math"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
)

// The progress grid: a class's learners × modules (lessons done of all),
// passed practice drills and ticked tasks, readable on a 360 px phone (the
// name column stays, the rest scrolls sideways) and on paper; tapping a
// module opens its lessons × learners, where a lesson passed by quiz and
// one completed in person look different. The needs-help list sits above,
// each flag with its reason and a suggested action. The page reads one
// class snapshot: a fixed number of queries whatever the class's size.

type gridCell struct {
	Done, Total int
	Verified    int // of Done, completed in person
}

type gridRow struct {
	Learner  store.Learner
	Cells    []gridCell // one per module, in course order
	Practice int        // practice drills passed
	Tasks    int        // real tasks ticked
	Help     bool       // on the needs-help list
}

type gridPage struct {
	Page
	Class         store.Class
	Modules       []*curriculum.Module
	Short         map[string]string // module slug → a short column title
	Rows          []gridRow
	PracticeTotal int
	Help          []helpItem
	Thresholds    learning.Thresholds
	Check         *checkGainView // the before/after check; nil when the content has none
}

// checkGainView is a class's before/after check in whole percents.
type checkGainView struct {
	Before, Paired int // learners who took the first check; who took both
	BeforePct      int // average share right, first check (of the paired)
	AfterPct       int
	Points         int  // how far the average moved, in percentage points
	Down           bool // it fell
	Modules        []checkModuleView
}

type checkModuleView struct {
	Title               string
	Learners            int
	BeforePct, AfterPct int
}

func pct100(f float64) int { return int(math.Round(f * 100)) }

// classGrid reads what both grid pages show.
func (s *Server) classGrid(c echo.Context) (gridPage, store.ClassSnapshot, error) {
	ctx := c.Request().Context()
	cl, err := s.classInScope(c)
	if err != nil {
		return gridPage{}, store.ClassSnapshot{}, err
	}
	p := gridPage{Page: s.staffPage(c), Class: cl}
	p.Modules = s.cur.Modules(p.Lang)
	p.Short = map[string]string{}
	short := map[string]string{"internet": "grid.short_internet", "email": "grid.short_email", "online-shopping": "grid.short_online_shopping",
		"e-payment": "grid.short_e_payment", "public-services": "grid.short_public_services", "data-safety": "grid.short_data_safety"}
	for _, m := range p.Modules {
		p.Short[m.Slug] = m.Title
		if id, ok := short[m.Slug]; ok {
			p.Short[m.Slug] = p.T(id)
		}
	}
	p.PracticeTotal = len(s.cur.Scenarios(p.Lang))
	if p.Thresholds, err = s.thresholds(ctx); err != nil {
		return p, store.ClassSnapshot{}, err
	}
	_, day := today()
	snap, err := s.store.ClassSnapshot(ctx, []int64{cl.ID}, day, p.Thresholds.AbsentSessions)
	if err != nil {
		return p, snap, err
	}
	p.Help = s.helpList(p.Page, snap, p.Thresholds, map[int64]string{cl.ID: cl.Name})
	return p, snap, nil
}

// checkGain reads how the class did in the before/after check: the
// average share of right answers of the learners who took both, overall
// and per module.
func (s *Server) checkGain(c echo.Context, p *gridPage) error {
	if s.cur.Check(p.Lang) == nil {
		return nil
	}
	g, err := s.store.CheckGainForClass(c.Request().Context(), p.Class.ID)
	if err != nil {
		return err
	}
	v := &checkGainView{Before: g.Before, Paired: g.Paired, BeforePct: pct100(g.Overall.Before), AfterPct: pct100(g.Overall.After)}
	v.Points, v.Down = v.AfterPct-v.BeforePct, v.AfterPct < v.BeforePct
	if v.Down {
		v.Points = -v.Points
	}
	titles := s.moduleTitles(p.Lang)
	for _, m := range g.Modules {
		mv := checkModuleView{Title: titles[m.Module], Learners: m.Learners, BeforePct: pct100(m.Before), AfterPct: pct100(m.After)}
		v.Modules = append(v.Modules, mv)
	}
	p.Check = v
	return nil
}

// gridShow is the class's learners × modules.
func (s *Server) gridShow(c echo.Context) error {
	p, snap, err := s.classGrid(c)
	if err != nil {
		return err
	}
	p.Rows = s.gridRows(p, snap)
	if err := s.checkGain(c, &p); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_grid", p)
}

// gridRows counts, per learner and module, the lessons done.
func (s *Server) gridRows(p gridPage, snap store.ClassSnapshot) []gridRow {
	col := map[string]int{}
	for i, m := range p.Modules {
		col[m.Slug] = i
	}
	at := map[int64]int{}
	rows := make([]gridRow, len(snap.Learners))
	for i, l := range snap.Learners {
		at[l.ID] = i
		rows[i] = gridRow{Learner: l, Cells: make([]gridCell, len(p.Modules)), Tasks: snap.Tasks[l.ID]}
		for j, m := range p.Modules {
			rows[i].Cells[j].Total = len(s.lessonsByModule[m.Slug])
		}
	}
	known := map[string]bool{}
	for _, m := range p.Modules {
		for _, l := range s.lessonsByModule[m.Slug] {
			known[lessonKey(m.Slug, l)] = true
		}
	}
	for _, pc := range snap.Progress {
		i, ok := at[pc.LearnerID]
		if !ok || pc.Status != string(progress.Completed) || !known[lessonKey(pc.Module, pc.Lesson)] {
			continue // a lesson removed from the curriculum counts no more
		}
		cell := &rows[i].Cells[col[pc.Module]]
		cell.Done++
		if pc.VerifiedBy != nil {
			cell.Verified++
		}
	}
	scenarios := map[string]bool{}
	for _, sc := range s.cur.Scenarios(p.Lang) {
		scenarios[sc.Slug] = true
	}
	for _, ps := range snap.Practice {
		if i, ok := at[ps.LearnerID]; ok && scenarios[ps.Scenario] {
			rows[i].Practice++
		}
	}
	for _, h := range p.Help {
		rows[at[h.Learner.ID]].Help = true
	}
	return rows
}

// lessonCell is one learner's state in one lesson.
type lessonCell struct {
	Status   progress.Status
	Verified bool // completed in person
	Score    int
	Total    int
	Attempts int
}

type moduleRow struct {
	Learner store.Learner
	Cells   []lessonCell
	Done    int
}

type gridModulePage struct {
	gridPage
	Module *curriculum.Module
	MRows  []moduleRow
}

// gridModuleShow is one module's lessons × the class's learners.
func (s *Server) gridModuleShow(c echo.Context) error {
	p, snap, err := s.classGrid(c)
	if err != nil {
		return err
	}
	m, ok := s.cur.Module(p.Lang, c.Param("module"))
	if !ok {
		return echo.ErrNotFound
	}
	mp := gridModulePage{gridPage: p, Module: m}
	col := map[string]int{}
	for i, l := range m.Lessons {
		col[l.Slug] = i
	}
	at := map[int64]int{}
	for i, l := range snap.Learners {
		at[l.ID] = i
		mp.MRows = append(mp.MRows, moduleRow{Learner: l, Cells: make([]lessonCell, len(m.Lessons))})
	}
	for _, pc := range snap.Progress {
		j, ok := col[pc.Lesson]
		i, member := at[pc.LearnerID]
		if pc.Module != m.Slug || !ok || !member {
			continue
		}
		mp.MRows[i].Cells[j] = lessonCell{Status: progress.Status(pc.Status), Verified: pc.VerifiedBy != nil, Score: pc.BestScore, Total: pc.Total, Attempts: pc.Attempts}
		if pc.Status == string(progress.Completed) {
			mp.MRows[i].Done++
		}
	}
	return s.render(c, http.StatusOK, "trainer_grid_module", mp)
}
