package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/store"
)

// Integrity flags inform a supervisor where numbers may be wrong: likely
// duplicate learners, sudden spikes of registrations, implausible class
// sessions, and a random sample of learners to verify by a visit. They
// never change a number. The page
// shows learners' names, so each view is written to the audit log.

// spike is a commune's day with unusually many registrations.
type spike struct {
	UnitCode, UnitName, Day string
	Count, Baseline         int
}

// spikeRule: a day is flagged when it has at least spikeMin registrations
// and at least spikeFactor times the commune's daily average over the 28
// days before it.
const (
	spikeMin    = 10
	spikeFactor = 4
	spikeDays   = 30
)

// findSpikes applies the spike rule to daily rows (per commune, by day)
// for the days from since on.
func findSpikes(rows []store.DailyCount, since string, loc *time.Location) []spike {
	byUnit := map[string]map[string]int{}
	for _, r := range rows {
		if byUnit[r.UnitCode] == nil {
			byUnit[r.UnitCode] = map[string]int{}
		}
		byUnit[r.UnitCode][r.Day] = r.Registered
	}
	var out []spike
	for _, r := range rows {
		if r.Day < since || r.Registered < spikeMin {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", r.Day, loc)
		if err != nil {
			continue
		}
		sum := 0
		for i := 1; i <= 28; i++ {
			sum += byUnit[r.UnitCode][day.AddDate(0, 0, -i).Format("2006-01-02")]
		}
		base := sum / 28
		if r.Registered >= spikeFactor*max(base, 1) {
			out = append(out, spike{UnitCode: r.UnitCode, Day: r.Day, Count: r.Registered, Baseline: base})
		}
	}
	return out
}

type flagGroup struct {
	store.DuplicateGroup
	Learners []store.FlaggedLearner
}

type flagsPage struct {
	Page
	Unit       store.Unit
	Crumbs     []store.Unit
	Duplicates []flagGroup
	Spikes     []spike
	Sample     []store.FlaggedLearner
	Month      string
	MonthErr   bool
	Units      map[string]string // code → name, for the sample
	SpikeMin   int
	SpikeX     int
	SampleSize int
	// AsOf is when the lists were read: they come straight from the
	// learners and sessions, not from the counters.
	AsOf *time.Time
	// Implausible class sessions (two classes' attendance taken by one
	// trainer at once, the same session recorded twice), as sentences.
	Sessions []string
}

// implausibleSessions lists the class sessions of the last 90 days under
// u that look implausible (store.ImplausibleSessions), as sentences.
func (s *Server) implausibleSessions(ctx context.Context, u store.Unit, loc *i18n.Localizer) ([]string, error) {
	since := time.Now().In(s.store.Location()).AddDate(0, 0, -90).Format("2006-01-02")
	flags, err := s.store.ImplausibleSessions(ctx, u.Path, since)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		args := []any{"Class", f.ClassName, "Unit", f.UnitName, "Day", vnDay(f.HeldOn), "Other", f.Other, "OtherDay", vnDay(f.OtherOn),
			"Trainer", f.Trainer, "Present", f.Present}
		if f.Reason == store.SessionSameTime {
			out = append(out, loc.T("reports.flag_same_time", args...))
		} else {
			out = append(out, loc.T("reports.flag_repeat", args...))
		}
	}
	return out, nil
}

// vnDay writes a YYYY-MM-DD day as Vietnamese offices do, 02/01/2006.
func vnDay(day string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.Format("02/01/2006")
}

// duplicateLimit caps the duplicate groups listed on one page.
const duplicateLimit = 50

// sampleSize is how many learners the visit sample draws.
const sampleSize = 10

// reportFlags shows the integrity flags of a unit's subtree.
func (s *Server) reportFlags(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := flagsPage{Page: s.staffPage(c), Unit: u, Units: map[string]string{}, SpikeMin: spikeMin, SpikeX: spikeFactor, SampleSize: sampleSize,
		AsOf: new(time.Now())}
	raw := c.QueryParam("month")
	from, ok := s.parseMonth(raw)
	status := http.StatusOK
	if !ok {
		status, p.MonthErr = http.StatusUnprocessableEntity, true
		from, _ = s.parseMonth("")
	}
	p.Month = from.Format("2006-01")
	if p.Crumbs, err = s.crumbs(ctx, c, u); err != nil {
		return err
	}
	groups, err := s.store.DuplicateGroups(ctx, u.Path, duplicateLimit)
	if err != nil {
		return err
	}
	shown := 0
	for _, g := range groups {
		ls, err := s.store.LearnersOfGroup(ctx, g)
		if err != nil {
			return err
		}
		shown += len(ls)
		p.Duplicates = append(p.Duplicates, flagGroup{DuplicateGroup: g, Learners: ls})
	}
	if p.Spikes, err = s.spikes(ctx, u); err != nil {
		return err
	}
	if p.Sessions, err = s.implausibleSessions(ctx, u, localizer(c)); err != nil {
		return err
	}
	// The sample is drawn from the learners who registered in the month,
	// seeded by the month and the unit: the same list every time it is
	// opened, so a visit plan can be printed and followed.
	if p.Sample, err = s.store.SampleLearners(ctx, u.Path, from, from.AddDate(0, 1, 0), sampleSize, p.Month+"/"+u.Code); err != nil {
		return err
	}
	shown += len(p.Sample)
	tree, err := s.store.UnitsUnder(ctx, u.Path)
	if err != nil {
		return err
	}
	for _, x := range tree {
		p.Units[x.Code] = x.Name
	}
	for i := range p.Spikes {
		p.Spikes[i].UnitName = p.Units[p.Spikes[i].UnitCode]
	}
	sc := scopeOf(c)
	if err := s.store.Audit(ctx, store.AuditEntry{UserID: sc.UserID, Username: sc.Name, Action: "report.flags", Target: u.Code + " " + p.Month, RowCount: shown}); err != nil {
		return err
	}
	return s.render(c, status, "reports_flags", p)
}

// spikes finds the registration spikes of the last 30 days under u.
func (s *Server) spikes(ctx context.Context, u store.Unit) ([]spike, error) {
	vn := s.store.Location()
	today := time.Now().In(vn)
	since := today.AddDate(0, 0, -spikeDays+1).Format("2006-01-02")
	rows, err := s.store.DailyRows(ctx, u.Path, today.AddDate(0, 0, -spikeDays-28).Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	return findSpikes(rows, since, vn), nil
}

type trainersPage struct {
	Page
	Unit   store.Unit
	Crumbs []store.Unit
	Table  *reportTable
	AsOf   *time.Time
}

// reportTrainers lists the trainers of the subtree with the sessions they
// held, the learners who came and the real tasks they ticked. The class
// session pages feed these counters (store.BumpTrainer).
func (s *Server) reportTrainers(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc := localizer(c)
	list, err := s.store.TrainersUnder(ctx, u.Path)
	if err != nil {
		return err
	}
	t := &reportTable{ID: "trainers", Title: loc.T("reports.table_trainers"), Intro: loc.T("reports.table_trainers_intro"),
		Head: []string{loc.T("reports.col_code"), loc.T("reports.col_unit"), loc.T("reports.col_trainer"), loc.T("reports.col_sessions"),
			loc.T("reports.col_trainer_learners"), loc.T("reports.col_ticks")},
		Empty: loc.T("reports.no_trainers")}
	for _, tr := range list {
		name := tr.Username
		if tr.FullName != nil && *tr.FullName != "" {
			name = *tr.FullName
		}
		t.Rows = append(t.Rows, []cell{textCell(tr.UnitCode), textCell(tr.UnitName), textCell(name), intCell(tr.Sessions), intCell(tr.Learners), intCell(tr.TasksTicked)})
	}
	p := trainersPage{Page: s.staffPage(c), Unit: u, Table: t}
	for _, tr := range list {
		if tr.UpdatedAt != nil && (p.AsOf == nil || tr.UpdatedAt.After(*p.AsOf)) {
			p.AsOf = tr.UpdatedAt
		}
	}
	if p.Crumbs, err = s.crumbs(ctx, c, u); err != nil {
		return err
	}
	if c.QueryParam("format") == "csv" {
		return s.sendCSV(c, "tap-huan-vien-"+u.Code+".csv", t)
	}
	return s.render(c, http.StatusOK, "reports_trainers", p)
}
