package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

// Supervisors' reports (issue 11): how far the pilot reaches, per
// province, district, commune and village, against population and
// targets. Every number comes from the per-unit counters that the writes
// keep (store/counters.go), so a report reads a few rows per unit whatever
// the number of learners. A report is scoped like every staff page: a
// unit outside the reader's subtree is "not found".

// trainedShare is the national goal of TT 05/2022/TT-BTTTT, art. 7: over
// 70% of working-age residents trained in basic digital skills.
const trainedShare = 0.7

// reportScope is who reads a report: a signed-in staff member or an API
// token, each with the unit path they may see.
type reportScope struct {
	Path    string
	UserID  *int64
	Name    string // username, or "token:<name>"
	TokenID int64  // 0 for staff
}

const keyToken = "kns.token"

// scopeOf returns the reader of a report request.
func scopeOf(c echo.Context) reportScope {
	if t, ok := c.Get(keyToken).(*store.ScopedToken); ok && t != nil {
		return reportScope{Path: t.UnitPath, Name: "token:" + t.Name, TokenID: t.ID}
	}
	p := currentStaff(c)
	if p == nil {
		return reportScope{}
	}
	id := p.UserID
	return reportScope{Path: p.UnitPath, UserID: &id, Name: p.Username}
}

// covers tells whether a unit lies in the scope.
func (r reportScope) covers(u store.Unit) bool {
	return r.Path != "" && strings.HasPrefix(u.Path, r.Path)
}

// scopedUnit finds a unit by code inside the reader's scope: outside it,
// or unknown, it is 404.
func (s *Server) scopedUnit(c echo.Context, code string) (store.Unit, error) {
	u, err := s.store.UnitByCode(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) || err == nil && !scopeOf(c).covers(u) {
		return store.Unit{}, echo.ErrNotFound
	}
	return u, err
}

// unitFromParam is scopedUnit for the :code of the route.
func (s *Server) unitFromParam(c echo.Context) (store.Unit, error) {
	return s.scopedUnit(c, c.Param("code"))
}

// unitFromQuery is scopedUnit for ?unit=, defaulting to the reader's own unit.
func (s *Server) unitFromQuery(c echo.Context) (store.Unit, error) {
	code := c.QueryParam("unit")
	if code == "" {
		sc := scopeOf(c)
		parts := strings.Split(strings.Trim(sc.Path, "/"), "/")
		code = parts[len(parts)-1]
	}
	return s.scopedUnit(c, code)
}

// unitReport is everything the report of one unit shows.
type unitReport struct {
	Unit     store.Unit
	Counts   store.UnitCounts
	Children []store.Unit
	Child    map[string]store.UnitCounts
	Own      *store.UnitCounts // learners counted at the unit itself, beside its children
	AsOf     *time.Time
	Tables   []*reportTable
}

// table returns the report's table with that id.
func (r *unitReport) table(id string) *reportTable {
	for _, t := range r.Tables {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// buildReport reads a unit's counters and its children's and lays out
// every table of the report. It reads: the children (units), their
// counters and the unit's (4 small queries), the unit's birth years, the
// communes of the subtree with their counters (for pilot against the
// others), and 12 weeks of daily counts: never a learner.
func (s *Server) buildReport(ctx context.Context, u store.Unit, loc *i18n.Localizer) (*unitReport, error) {
	r := &unitReport{Unit: u}
	var err error
	if r.Children, err = s.store.ChildUnits(ctx, u.Code); err != nil {
		return nil, err
	}
	codes := []string{u.Code}
	for _, ch := range r.Children {
		codes = append(codes, ch.Code)
	}
	if r.Child, err = s.store.UnitCountsOf(ctx, codes); err != nil {
		return nil, err
	}
	r.Counts = r.Child[u.Code]
	r.AsOf = r.Counts.UpdatedAt
	if len(r.Children) > 0 {
		// Learners counted at the unit itself (a commune's learners who
		// gave no village) are what the children do not add up to.
		var sum store.UnitCounts
		for _, ch := range r.Children {
			sum.Add(r.Child[ch.Code])
		}
		if o := subtractCounts(r.Counts, sum); o.Registered != 0 || o.Attempts != 0 || o.Active30d != 0 {
			r.Own = &o
		}
	}
	r.Tables = append(r.Tables, s.unitsTable(r, loc))
	r.Tables = append(r.Tables, s.funnelTable(r.Counts, loc))
	trend, err := s.trendTable(ctx, u, loc)
	if err != nil {
		return nil, err
	}
	r.Tables = append(r.Tables, trend)
	births, err := s.store.Births(ctx, u.Code)
	if err != nil {
		return nil, err
	}
	year := time.Now().In(s.store.Location()).Year()
	r.Tables = append(r.Tables, agesTable(births, year, loc), gendersTable(births, loc))
	r.Tables = append(r.Tables, s.modulesTable(r.Counts, loc), tasksTable(r.Counts, loc))
	if u.Level != units.Commune && u.Level != units.Village {
		pilot, err := s.pilotTable(ctx, u, loc)
		if err != nil {
			return nil, err
		}
		r.Tables = append(r.Tables, pilot)
	}
	return r, nil
}

// subtractCounts is a − b for the additive counts.
func subtractCounts(a, b store.UnitCounts) store.UnitCounts {
	out := store.UnitCounts{Code: a.Code, Registered: a.Registered - b.Registered, Active30d: a.Active30d - b.Active30d,
		Reached: a.Reached - b.Reached, OneModule: a.OneModule - b.OneModule, Graduates: a.Graduates - b.Graduates,
		LessonsCompleted: a.LessonsCompleted - b.LessonsCompleted, Attempts: a.Attempts - b.Attempts,
		ScoreSum: a.ScoreSum - b.ScoreSum, TotalSum: a.TotalSum - b.TotalSum, PracticePasses: a.PracticePasses - b.PracticePasses,
		TaskAloneLearners: a.TaskAloneLearners - b.TaskAloneLearners, Modules: map[string]int64{}, Tasks: map[string]store.TaskReach{}}
	for k, v := range a.Modules {
		out.Modules[k] = v - b.Modules[k]
	}
	for k, v := range a.Tasks {
		w := b.Tasks[k]
		out.Tasks[k] = store.TaskReach{Alone: v.Alone - w.Alone, WithHelp: v.WithHelp - w.WithHelp}
	}
	return out
}

// headline is the province's headline measure: learners who activated
// VNeID at level 2 themselves (the task key store.TaskVNeIDLevel2).
func headline(c store.UnitCounts) int64 { return c.Tasks[store.TaskVNeIDLevel2].Alone }

// unitColumns are the headers of a row of unit figures.
func unitColumns(loc *i18n.Localizer) []string {
	ids := []string{"reports.col_code", "reports.col_unit", "reports.col_pilot", "reports.col_population", "reports.col_working",
		"reports.col_target", "reports.col_registered", "reports.col_active", "reports.col_reached", "reports.col_one_module",
		"reports.col_graduates", "reports.col_vneid", "reports.col_cov_population", "reports.col_cov_working",
		"reports.col_cov_goal", "reports.col_cov_target", "reports.col_score"}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = loc.T(id)
	}
	return out
}

// unitRow lays out one unit's figures: counts, and the reach (learners
// with a lesson completed) against its population, its working-age
// population, the 70% goal and its target.
func unitRow(u store.Unit, c store.UnitCounts, name, href string, loc *i18n.Localizer) []cell {
	pilot := textCell("")
	if u.Pilot {
		pilot = textCell(loc.T("reports.pilot"))
	}
	first := textCell(name)
	first.Href = href
	var goal *int64
	if u.PopulationWorking != nil {
		g := int64(float64(*u.PopulationWorking)*trainedShare + 0.5)
		goal = &g
	}
	score := noCell()
	if c.TotalSum > 0 {
		score = cell{Kind: cellPct, F: float64(c.ScoreSum) / float64(c.TotalSum)}
	}
	return []cell{textCell(u.Code), first, pilot, optInt(u.Population), optInt(u.PopulationWorking), optInt(u.Target),
		intCell(c.Registered), intCell(c.Active30d), intCell(c.Reached), intCell(c.OneModule), intCell(c.Graduates),
		intCell(headline(c)), pctCell(c.Reached, num(u.Population)), pctCell(c.Reached, num(u.PopulationWorking)),
		pctCell(c.Reached, derefOr(goal)), pctCell(c.Reached, int64(num(u.Target))), score}
}

// num reads an optional count, 0 when not given.
func num[T int | int64](p *T) int64 {
	if p == nil {
		return 0
	}
	return int64(*p)
}

func derefOr(p *int64) int64 { return num(p) }

// unitsTable is the drill-down: one row per child unit, the learners
// counted at the unit itself when there are any, and the unit's total.
func (s *Server) unitsTable(r *unitReport, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "units", Title: loc.T("reports.table_units"), Intro: loc.T("reports.table_units_intro"), Head: unitColumns(loc)}
	if len(r.Children) == 0 {
		t.Title = loc.T("reports.table_unit")
		t.Intro = ""
	}
	var bars []bar
	for _, ch := range r.Children {
		c := r.Child[ch.Code]
		t.Rows = append(t.Rows, unitRow(ch, c, ch.Name, "/reports/units/"+url.PathEscape(ch.Code), loc))
		note := ""
		if ch.Target != nil && *ch.Target > 0 {
			note = loc.T("reports.of_target", "Pct", vnPct(float64(c.Reached)/float64(*ch.Target)))
		}
		bars = append(bars, bar{Label: ch.Name, Value: c.Reached, Note: note})
	}
	if r.Own != nil {
		t.Rows = append(t.Rows, unitRow(store.Unit{Code: r.Unit.Code}, *r.Own, loc.T("reports.own_row"), "", loc))
	}
	t.Totals = [][]cell{unitRow(r.Unit, r.Counts, loc.T("reports.total_of", "Name", r.Unit.Name), "", loc)}
	if len(bars) > 1 {
		t.Chart = hbarChart("ch-units", loc.T("reports.chart_units"), loc.T("reports.chart_units_desc"), bars)
	}
	return t
}

// funnelTable: registered → reached → a module → all six → a real task
// done alone, each as a share of the registered.
func (s *Server) funnelTable(c store.UnitCounts, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "funnel", Title: loc.T("reports.table_funnel"), Intro: loc.T("reports.table_funnel_intro"),
		Head: []string{loc.T("reports.col_step"), loc.T("reports.col_learners"), loc.T("reports.col_share")}}
	steps := []struct {
		id string
		n  int64
	}{{"reports.step_registered", c.Registered}, {"reports.step_reached", c.Reached}, {"reports.step_module", c.OneModule},
		{"reports.step_graduate", c.Graduates}, {"reports.step_task_alone", c.TaskAloneLearners}, {"reports.step_vneid", headline(c)}}
	var bars []bar
	for _, st := range steps {
		t.Rows = append(t.Rows, []cell{textCell(loc.T(st.id)), intCell(st.n), pctCell(st.n, c.Registered)})
		note := ""
		if c.Registered > 0 {
			note = vnPct(float64(st.n) / float64(c.Registered))
		}
		bars = append(bars, bar{Label: loc.T(st.id), Value: st.n, Note: note})
	}
	t.Chart = hbarChart("ch-funnel", loc.T("reports.table_funnel"), loc.T("reports.chart_funnel_desc"), bars)
	return t
}

// trendWeeks is how many weeks the trend shows.
const trendWeeks = 12

// trendTable sums the daily counts of the subtree by week (Monday to
// Sunday, Vietnam time), for the last 12 weeks including this one.
func (s *Server) trendTable(ctx context.Context, u store.Unit, loc *i18n.Localizer) (*reportTable, error) {
	vn := s.store.Location()
	today := time.Now().In(vn)
	monday := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, vn)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	first := monday.AddDate(0, 0, -7*(trendWeeks-1))
	days, err := s.store.DailyTotals(ctx, u.Path, first.Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	type week struct{ reg, lessons, modules, certs int64 }
	weeks := make([]week, trendWeeks)
	for _, d := range days {
		day, err := time.ParseInLocation("2006-01-02", d.Day, vn)
		if err != nil {
			continue
		}
		i := int(day.Sub(first).Hours()/24) / 7
		if i < 0 || i >= trendWeeks {
			continue
		}
		weeks[i].reg += int64(d.Registered)
		weeks[i].lessons += int64(d.LessonsCompleted)
		weeks[i].modules += int64(d.ModulesCompleted)
		weeks[i].certs += int64(d.Certificates)
	}
	t := &reportTable{ID: "trend", Title: loc.T("reports.table_trend"), Intro: loc.T("reports.table_trend_intro"),
		Head: []string{loc.T("reports.col_week"), loc.T("reports.col_new"), loc.T("reports.col_lessons"), loc.T("reports.col_modules"), loc.T("reports.col_certificates")}}
	var labels []string
	var regs, lessons []int64
	for i, w := range weeks {
		start := first.AddDate(0, 0, 7*i)
		label := start.Format("02/01") + "–" + start.AddDate(0, 0, 6).Format("02/01")
		t.Rows = append(t.Rows, []cell{textCell(label), intCell(w.reg), intCell(w.lessons), intCell(w.modules), intCell(w.certs)})
		labels = append(labels, start.Format("02/01"))
		regs = append(regs, w.reg)
		lessons = append(lessons, w.lessons)
	}
	t.Chart = columnChart("ch-trend", loc.T("reports.table_trend"), loc.T("reports.chart_trend_desc"), labels, regs, lessons,
		loc.T("reports.col_new"), loc.T("reports.col_lessons"))
	return t, nil
}

// ageBands are the bands of the breakdown, by age reached this year.
var ageBands = []struct {
	id       string
	from, to int // inclusive; to -1 means no upper end
}{{"reports.band_under15", 0, 14}, {"reports.band_15_24", 15, 24}, {"reports.band_25_39", 25, 39}, {"reports.band_40_59", 40, 59}, {"reports.band_60", 60, -1}}

func breakdownHead(loc *i18n.Localizer, first string) []string {
	return []string{loc.T(first), loc.T("reports.col_registered"), loc.T("reports.col_reached"), loc.T("reports.col_graduates"), loc.T("reports.col_reach_share")}
}

// agesTable groups the learners' birth years into age bands for year (the
// age a learner reaches this year).
func agesTable(births map[store.BirthKey]store.BirthCount, year int, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "ages", Title: loc.T("reports.table_ages"), Intro: loc.T("reports.table_ages_intro"), Head: breakdownHead(loc, "reports.col_age")}
	sums := make([]store.BirthCount, len(ageBands))
	for k, c := range births {
		age := year - k.BirthYear
		for i, b := range ageBands {
			if age >= b.from && (b.to < 0 || age <= b.to) {
				sums[i].Registered += c.Registered
				sums[i].Reached += c.Reached
				sums[i].Graduates += c.Graduates
			}
		}
	}
	var bars []bar
	for i, b := range ageBands {
		c := sums[i]
		if b.from == 0 && c.Registered == 0 {
			continue // nobody under 15: no row
		}
		t.Rows = append(t.Rows, []cell{textCell(loc.T(b.id)), intCell(c.Registered), intCell(c.Reached), intCell(c.Graduates), pctCell(c.Reached, c.Registered)})
		bars = append(bars, bar{Label: loc.T(b.id), Value: c.Registered})
	}
	t.Chart = hbarChart("ch-ages", loc.T("reports.table_ages"), loc.T("reports.chart_breakdown_desc"), bars)
	return t
}

// gendersTable groups the learners by the gender they gave, if any.
func gendersTable(births map[store.BirthKey]store.BirthCount, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "genders", Title: loc.T("reports.table_genders"), Head: breakdownHead(loc, "reports.col_gender")}
	order := []string{"female", "male", "other", ""}
	sums := map[string]store.BirthCount{}
	for k, c := range births {
		g := k.Gender
		if !slices.Contains(order, g) {
			g = ""
		}
		s := sums[g]
		s.Registered += c.Registered
		s.Reached += c.Reached
		s.Graduates += c.Graduates
		sums[g] = s
	}
	var bars []bar
	for _, g := range order {
		c := sums[g]
		label := loc.T(map[string]string{"female": "reports.gender_female", "male": "reports.gender_male", "other": "reports.gender_other", "": "reports.gender_unknown"}[g])
		t.Rows = append(t.Rows, []cell{textCell(label), intCell(c.Registered), intCell(c.Reached), intCell(c.Graduates), pctCell(c.Reached, c.Registered)})
		bars = append(bars, bar{Label: label, Value: c.Registered})
	}
	t.Chart = hbarChart("ch-genders", loc.T("reports.table_genders"), loc.T("reports.chart_breakdown_desc"), bars)
	return t
}

// modulesTable: learners who completed each module, in course order.
func (s *Server) modulesTable(c store.UnitCounts, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "modules", Title: loc.T("reports.table_modules"),
		Head: []string{loc.T("reports.col_module_code"), loc.T("reports.col_module"), loc.T("reports.col_completed"), loc.T("reports.col_share")}}
	var bars []bar
	for _, m := range s.cur.Modules(loc.Lang) {
		n := c.Modules[m.Slug]
		t.Rows = append(t.Rows, []cell{textCell(m.Slug), textCell(m.Title), intCell(n), pctCell(n, c.Registered)})
		bars = append(bars, bar{Label: m.Title, Value: n})
	}
	t.Chart = hbarChart("ch-modules", loc.T("reports.table_modules"), loc.T("reports.chart_modules_desc"), bars)
	return t
}

// tasksTable: learners per real task, done alone or with help. The
// headline task comes first and is always shown.
func tasksTable(c store.UnitCounts, loc *i18n.Localizer) *reportTable {
	t := &reportTable{ID: "tasks", Title: loc.T("reports.table_tasks"), Intro: loc.T("reports.table_tasks_intro"),
		Head: []string{loc.T("reports.col_task"), loc.T("reports.col_alone"), loc.T("reports.col_with_help")}}
	keys := []string{store.TaskVNeIDLevel2}
	for k := range c.Tasks {
		if k != store.TaskVNeIDLevel2 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys[1:])
	for _, k := range keys {
		v := c.Tasks[k]
		name := k
		if k == store.TaskVNeIDLevel2 {
			name = loc.T("reports.task_vneid")
		}
		t.Rows = append(t.Rows, []cell{textCell(name), intCell(v.Alone), intCell(v.WithHelp)})
	}
	return t
}

// pilotTable compares the pilot communes of the subtree with the others.
func (s *Server) pilotTable(ctx context.Context, u store.Unit, loc *i18n.Localizer) (*reportTable, error) {
	communes, err := s.store.UnitsUnder(ctx, u.Path, units.Commune)
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(communes))
	for i, c := range communes {
		codes[i] = c.Code
	}
	counts, err := s.store.UnitCountsOf(ctx, codes)
	if err != nil {
		return nil, err
	}
	type group struct {
		n                      int64
		pop, working, target   int64
		popAll, workAll, tgAll bool
		c                      store.UnitCounts
	}
	groups := [2]group{{popAll: true, workAll: true, tgAll: true}, {popAll: true, workAll: true, tgAll: true}}
	for _, cm := range communes {
		g := &groups[1]
		if cm.Pilot {
			g = &groups[0]
		}
		g.n++
		g.c.Add(counts[cm.Code])
		g.pop, g.popAll = g.pop+num(cm.Population), g.popAll && cm.Population != nil
		g.working, g.workAll = g.working+num(cm.PopulationWorking), g.workAll && cm.PopulationWorking != nil
		g.target, g.tgAll = g.target+num(cm.Target), g.tgAll && cm.Target != nil
	}
	t := &reportTable{ID: "pilot", Title: loc.T("reports.table_pilot"), Intro: loc.T("reports.table_pilot_intro"),
		Head: []string{loc.T("reports.col_group"), loc.T("reports.col_communes"), loc.T("reports.col_population"), loc.T("reports.col_working"),
			loc.T("reports.col_target"), loc.T("reports.col_registered"), loc.T("reports.col_active"), loc.T("reports.col_reached"),
			loc.T("reports.col_graduates"), loc.T("reports.col_per_commune"), loc.T("reports.col_cov_working"), loc.T("reports.col_cov_target")}}
	whole := func(v int64, all bool) (cell, int64) {
		if !all || v == 0 {
			return noCell(), 0
		}
		return intCell(v), v
	}
	var bars []bar
	for i, id := range []string{"reports.group_pilot", "reports.group_other"} {
		g := groups[i]
		pop, _ := whole(g.pop, g.popAll)
		work, wv := whole(g.working, g.workAll)
		tg, tv := whole(g.target, g.tgAll)
		per := noCell()
		if g.n > 0 {
			per = intCell((g.c.Reached + g.n/2) / g.n)
		}
		t.Rows = append(t.Rows, []cell{textCell(loc.T(id)), intCell(g.n), pop, work, tg, intCell(g.c.Registered), intCell(g.c.Active30d),
			intCell(g.c.Reached), intCell(g.c.Graduates), per, pctCell(g.c.Reached, wv), pctCell(g.c.Reached, tv)})
		if g.n > 0 {
			bars = append(bars, bar{Label: loc.T(id), Value: (g.c.Reached + g.n/2) / g.n})
		}
	}
	t.Chart = hbarChart("ch-pilot", loc.T("reports.chart_pilot"), loc.T("reports.chart_pilot_desc"), bars)
	return t, nil
}

// reportPage is a unit's report.
type reportPage struct {
	Page
	Unit     store.Unit
	Crumbs   []store.Unit
	Counts   store.UnitCounts
	AsOf     *time.Time
	Facts    []fact
	Tables   []*reportTable
	HasKids  bool
	Headline int64
}

// fact is one headline number of a report.
type fact struct {
	Label, Value string
}

// reportsHome is a supervisor's landing page: the report of their own unit.
func (s *Server) reportsHome(c echo.Context) error {
	p := currentStaff(c)
	u, err := s.store.UnitByCode(c.Request().Context(), p.UnitCode)
	if err != nil {
		return err
	}
	return s.renderReport(c, u)
}

// reportUnit shows the report of a unit in the reader's subtree.
func (s *Server) reportUnit(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	return s.renderReport(c, u)
}

func (s *Server) renderReport(c echo.Context, u store.Unit) error {
	ctx := c.Request().Context()
	pg := s.staffPage(c)
	loc := localizer(c)
	r, err := s.buildReport(ctx, u, loc)
	if err != nil {
		return err
	}
	for _, t := range r.Tables {
		t.CSV = "/reports/export.csv?" + url.Values{"unit": {u.Code}, "table": {t.ID}}.Encode()
		t.Label = loc.T("reports.download_csv")
	}
	p := reportPage{Page: pg, Unit: u, Counts: r.Counts, AsOf: r.AsOf, Tables: r.Tables, HasKids: len(r.Children) > 0, Headline: headline(r.Counts)}
	if p.Crumbs, err = s.crumbs(ctx, c, u); err != nil {
		return err
	}
	p.Facts = reportFacts(u, r.Counts, loc)
	return s.render(c, http.StatusOK, "reports_unit", p)
}

// reportFacts are the headline numbers at the top of a report.
func reportFacts(u store.Unit, c store.UnitCounts, loc *i18n.Localizer) []fact {
	f := []fact{
		{loc.T("reports.col_registered"), vnInt(c.Registered)},
		{loc.T("reports.col_active"), vnInt(c.Active30d)},
		{loc.T("reports.col_reached"), vnInt(c.Reached)},
		{loc.T("reports.col_graduates"), vnInt(c.Graduates)},
		{loc.T("reports.col_vneid"), vnInt(headline(c))},
	}
	if u.Population != nil {
		f = append(f, fact{loc.T("reports.fact_population", "Year", yearOf(u.PopulationYear)), vnInt(*u.Population) + " · " + pctCell(c.Reached, *u.Population).String()})
	}
	if u.PopulationWorking != nil {
		goal := int64(float64(*u.PopulationWorking)*trainedShare + 0.5)
		f = append(f, fact{loc.T("reports.fact_working"), vnInt(*u.PopulationWorking) + " · " + pctCell(c.Reached, *u.PopulationWorking).String()},
			fact{loc.T("reports.fact_goal"), vnInt(goal) + " · " + pctCell(c.Reached, goal).String()})
	}
	if u.Target != nil {
		f = append(f, fact{loc.T("reports.fact_target"), vnInt(int64(*u.Target)) + " · " + pctCell(c.Reached, int64(*u.Target)).String()})
	}
	if c.TotalSum > 0 {
		f = append(f, fact{loc.T("reports.col_score"), vnPct(float64(c.ScoreSum) / float64(c.TotalSum))})
	}
	return f
}

func yearOf(y *int) string {
	if y == nil {
		return "?"
	}
	return fmt.Sprint(*y)
}

// crumbs are the units from the reader's own unit down to u's parent.
func (s *Server) crumbs(ctx context.Context, c echo.Context, u store.Unit) ([]store.Unit, error) {
	sc := scopeOf(c)
	var out []store.Unit
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for _, code := range parts[:len(parts)-1] {
		a, err := s.store.UnitByCode(ctx, code)
		if err != nil {
			return nil, err
		}
		if sc.covers(a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// reportExportCSV sends one table of a unit's report as CSV.
func (s *Server) reportExportCSV(c echo.Context) error {
	u, err := s.unitFromQuery(c)
	if err != nil {
		return err
	}
	r, err := s.buildReport(c.Request().Context(), u, s.exportLocalizer())
	if err != nil {
		return err
	}
	id := c.QueryParam("table")
	if id == "" {
		id = "units"
	}
	t := r.table(id)
	if t == nil {
		return echo.ErrNotFound
	}
	return s.sendCSV(c, fmt.Sprintf("bao-cao-%s-%s.csv", u.Code, id), t)
}

// sendCSV writes a table as a CSV download.
func (s *Server) sendCSV(c echo.Context, name string, t *reportTable) error {
	var b bytes.Buffer
	if err := t.writeCSV(&b); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// reportExportXLSX sends every table of a unit's report as the sheets of
// one workbook.
func (s *Server) reportExportXLSX(c echo.Context) error {
	u, err := s.unitFromQuery(c)
	if err != nil {
		return err
	}
	loc := s.exportLocalizer()
	r, err := s.buildReport(c.Request().Context(), u, loc)
	if err != nil {
		return err
	}
	data, err := workbook(r.Tables, loc.T("reports.export_note", "Name", u.Name, "Code", u.Code), asOfText(r.AsOf, loc))
	if err != nil {
		return err
	}
	return s.sendXLSX(c, fmt.Sprintf("bao-cao-%s.xlsx", u.Code), data)
}

func (s *Server) sendXLSX(c echo.Context, name string, data []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// asOfText says when the numbers were last updated, for files.
func asOfText(t *time.Time, loc *i18n.Localizer) string {
	if t == nil {
		return loc.T("reports.as_of_none")
	}
	return loc.T("reports.as_of", "Time", formatTime(*t, vietnamTime(), "15:04 02/01/2006"))
}

// AsOfText is asOfText for templates: {{.AsOfText .AsOf}}.
func (p Page) AsOfText(t *time.Time) string { return asOfText(t, p.loc) }
