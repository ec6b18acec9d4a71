package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
)

// A trainer's pages: the landing page (here), sessions and attendance
// (trainer_sessions.go), the progress grid and needs-help list
// (trainer_grid.go), question analysis (trainer_analysis.go), real tasks
// and one learner's page (trainer_tasks.go), exports (trainer_export.go).
// Every page that names a class or a learner finds it with classInScope
// (trainer_classes.go) or scopedLearner, which filter by the staff
// member's unit path in SQL: anything outside the scope is a 404.

// dayLayout is how days are stored and sent in forms: YYYY-MM-DD.
const dayLayout = "2006-01-02"

// today returns the current time and today's date in Vietnam.
func today() (time.Time, string) {
	now := time.Now()
	return now, now.In(vietnamTime()).Format(dayLayout)
}

// dayTime is the start of a day (YYYY-MM-DD) in Vietnam, for display.
func dayTime(day string) time.Time {
	t, err := time.ParseInLocation(dayLayout, day, vietnamTime())
	if err != nil {
		return time.Time{}
	}
	return t
}

// scopedLearner finds the learner named in the URL inside the scope.
func (s *Server) scopedLearner(c echo.Context) (store.Learner, error) {
	id, err := strconv.ParseInt(c.Param("learner"), 10, 64)
	if err != nil {
		return store.Learner{}, echo.ErrNotFound
	}
	l, err := s.store.ScopedLearner(c.Request().Context(), id, currentStaff(c).UnitPath)
	if errors.Is(err, store.ErrNotFound) {
		return l, echo.ErrNotFound
	}
	return l, err
}

// thresholds reads the needs-help thresholds an admin set.
func (s *Server) thresholds(ctx context.Context) (learning.Thresholds, error) {
	values, err := s.store.Settings(ctx, learning.SettingNames()...)
	if err != nil {
		return learning.Thresholds{}, err
	}
	return learning.ThresholdsFrom(values), nil
}

// helpItem is one learner who needs help, with every reason in words.
type helpItem struct {
	Learner   store.Learner
	ClassID   int64
	ClassName string
	Flags     []helpFlag
}

// helpFlag is one reason, as the page says it, and what to do about it.
type helpFlag struct {
	Reason string
	Action string
}

// helpList applies the needs-help rules to a snapshot and words each flag
// in the page's language. Learners with the most reasons come first.
func (s *Server) helpList(p Page, snap store.ClassSnapshot, th learning.Thresholds, classNames map[int64]string) []helpItem {
	now := time.Now()
	recs := learning.Records(snap, vietnamTime())
	var out []helpItem
	for i, r := range recs {
		flags := learning.NeedsHelp(r, th, now)
		if len(flags) == 0 {
			continue
		}
		l := snap.Learners[i]
		item := helpItem{Learner: l}
		if l.ClassID != nil {
			item.ClassID, item.ClassName = *l.ClassID, classNames[*l.ClassID]
		}
		for _, f := range flags {
			item.Flags = append(item.Flags, s.wordFlag(p, f))
		}
		out = append(out, item)
	}
	slices.SortStableFunc(out, func(a, b helpItem) int { return cmp.Compare(len(b.Flags), len(a.Flags)) })
	return out
}

// wordFlag says a flag's reason and action in the page's language.
func (s *Server) wordFlag(p Page, f learning.Flag) helpFlag {
	switch f.Reason {
	case learning.ReasonFailed:
		title := f.Lesson
		if l, ok := s.cur.Lesson(p.Lang, f.Module, f.Lesson); ok {
			title = l.Title
		}
		return helpFlag{Reason: p.N("grid.reason_failed", f.Count, "Lesson", title), Action: p.T("grid.action_reteach", "Lesson", title)}
	case learning.ReasonAbsent:
		return helpFlag{Reason: p.N("grid.reason_absent", f.Count), Action: p.T("grid.action_visit_absent")}
	}
	return helpFlag{Reason: p.N("grid.reason_inactive", f.Count, "Date", formatTime(f.Since, vietnamTime(), "02/01/2006")), Action: p.T("grid.action_visit_inactive")}
}

type homeClass struct {
	store.Class
	Learners int
	Today    *store.ClassSession // today's session, if opened
	Next     *store.ClassSession // the next one planned after today
	Last     *store.ClassSession // the last one before today
	NextOn   time.Time           // their days, for display
	LastOn   time.Time
	Help     int // learners who need help
}

type trainerHomePage struct {
	Page
	Classes  []homeClass
	Help     []helpItem // the first of the needs-help lists, across classes
	HelpMore int        // how many more are on the classes' grids
	Totals   store.TrainerTotals
	Month    string // "03/2026"
}

// homeHelpItems is how many flagged learners the landing page lists.
const homeHelpItems = 6

// trainerHome is a trainer's landing page, their week: the classes with
// today's or the next session, who needs help first, and their own
// figures for the month (sessions held, learners reached, tasks ticked).
// For an admin it covers every class of their subtree.
func (s *Server) trainerHome(c echo.Context) error {
	ctx := c.Request().Context()
	p := trainerHomePage{Page: s.staffPage(c)}
	all, err := s.store.ClassesUnder(ctx, p.Staff.UnitPath)
	if err != nil {
		return err
	}
	var classes []store.Class // the week is about classes still running
	for _, cl := range all {
		if cl.ArchivedAt == nil {
			classes = append(classes, cl)
		}
	}
	th, err := s.thresholds(ctx)
	if err != nil {
		return err
	}
	now, day := today()
	ids := make([]int64, len(classes))
	names := map[int64]string{}
	for i, cl := range classes {
		ids[i], names[cl.ID] = cl.ID, cl.Name
	}
	snap, err := s.store.ClassSnapshot(ctx, ids, day, th.AbsentSessions)
	if err != nil {
		return err
	}
	help := s.helpList(p.Page, snap, th, names)
	flagged := map[int64]int{}
	for _, h := range help {
		flagged[h.ClassID]++
	}
	members := map[int64]int{}
	for _, l := range snap.Learners {
		if l.ClassID != nil {
			members[*l.ClassID]++
		}
	}
	at := map[int64]int{}
	for i, cl := range classes {
		p.Classes = append(p.Classes, homeClass{Class: cl, Learners: members[cl.ID], Help: flagged[cl.ID]})
		at[cl.ID] = i
	}
	for i := range snap.Sessions { // by class, then day
		ss := &snap.Sessions[i]
		hc := &p.Classes[at[ss.ClassID]]
		switch {
		case ss.HeldOn == day:
			hc.Today = ss
		case ss.HeldOn < day:
			hc.Last, hc.LastOn = ss, dayTime(ss.HeldOn)
		case hc.Next == nil:
			hc.Next, hc.NextOn = ss, dayTime(ss.HeldOn)
		}
	}
	if len(help) > homeHelpItems {
		p.HelpMore = len(help) - homeHelpItems
		help = help[:homeHelpItems]
	}
	p.Help = help
	vn := now.In(vietnamTime())
	first := time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, vietnamTime())
	next := first.AddDate(0, 1, 0)
	p.Month = first.Format("01/2006")
	p.Totals, err = s.store.TrainerTotalsBetween(ctx, p.Staff.UserID, first.Format(dayLayout), next.AddDate(0, 0, -1).Format(dayLayout), first, next)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_home", p)
}

// lessonTitle is a lesson's title in the page's language, or its slug
// when the curriculum no longer has it.
func (s *Server) lessonTitle(lang, module, lesson string) string {
	if l, ok := s.cur.Lesson(lang, module, lesson); ok {
		return l.Title
	}
	return module + "/" + lesson
}

// moduleTitles maps each module's slug to its title in a language.
func (s *Server) moduleTitles(lang string) map[string]string {
	out := map[string]string{}
	for _, m := range s.cur.Modules(lang) {
		out[m.Slug] = m.Title
	}
	return out
}
