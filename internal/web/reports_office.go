package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/i18n"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

// The reports offices send up the line: a monthly return (commune →
// district → province) with one row per village or commune, subtotals,
// the period and a sign-off block, as XLSX and as a printable page; and a
// short weekly summary in plain words to paste into a Zalo group.

var monthRe = regexp.MustCompile(`^(20[0-9]{2})-(0[1-9]|1[0-2])$`)

// monthly is one monthly return.
type monthly struct {
	Unit   store.Unit
	From   time.Time // first day of the month, Vietnam time
	To     time.Time // first day of the next month
	Month  string    // YYYY-MM
	Table  *reportTable
	AsOf   *time.Time
	Period string // "tháng 5/2025"
}

// parseMonth reads ?month=YYYY-MM (this month when empty).
func (s *Server) parseMonth(raw string) (time.Time, bool) {
	vn := s.store.Location()
	if raw == "" {
		now := time.Now().In(vn)
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, vn), true
	}
	m := monthRe.FindStringSubmatch(raw)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01", raw, vn)
	return t, err == nil
}

// buildMonthly lays out a unit's return: each row unit is a village, or a
// commune without villages; every unit between them and the reported unit
// gets a subtotal row after its rows. The month's columns come from the
// daily counts (kept per commune, so a village row leaves them empty);
// the running totals come from the counters, as of now.
func (s *Server) buildMonthly(ctx context.Context, u store.Unit, from time.Time, loc *i18n.Localizer) (*monthly, error) {
	to := from.AddDate(0, 1, 0)
	m := &monthly{Unit: u, From: from, To: to, Month: from.Format("2006-01"), Period: loc.T("reports.month_period", "Month", int(from.Month()), "Year", from.Year())}
	tree, err := s.store.UnitsUnder(ctx, u.Path)
	if err != nil {
		return nil, err
	}
	kids := map[string][]store.Unit{}
	paths := map[string]string{}
	codes := make([]string, 0, len(tree))
	for _, x := range tree {
		codes = append(codes, x.Code)
		paths[x.Code] = x.Path
		if x.ParentCode != nil {
			kids[*x.ParentCode] = append(kids[*x.ParentCode], x)
		}
	}
	for k := range kids {
		slices.SortFunc(kids[k], func(a, b store.Unit) int { return strings.Compare(a.Name, b.Name) })
	}
	counts, err := s.store.UnitCountsOf(ctx, codes)
	if err != nil {
		return nil, err
	}
	month, err := s.store.DailyByUnit(ctx, u.Path, from.Format("2006-01-02"), to.Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	m.AsOf = counts[u.Code].UpdatedAt
	t := &reportTable{ID: "monthly", Title: loc.T("reports.monthly_title", "Name", u.Name, "Period", m.Period),
		Head: []string{loc.T("reports.col_code"), loc.T("reports.col_unit"), loc.T("reports.col_pilot"), loc.T("reports.col_new"),
			loc.T("reports.col_lessons"), loc.T("reports.col_modules"), loc.T("reports.col_certificates"), loc.T("reports.col_total_registered"),
			loc.T("reports.col_reached"), loc.T("reports.col_graduates"), loc.T("reports.col_vneid"), loc.T("reports.col_target"), loc.T("reports.col_cov_target")}}
	// monthOf sums the month's daily counts of the communes under a unit.
	monthOf := func(x store.Unit) (store.DailyCount, bool) {
		var sum store.DailyCount
		found := x.Level != units.Village
		for code, d := range month {
			if strings.HasPrefix(paths[code], x.Path) {
				sum.Registered += d.Registered
				sum.LessonsCompleted += d.LessonsCompleted
				sum.ModulesCompleted += d.ModulesCompleted
				sum.Certificates += d.Certificates
			}
		}
		return sum, found
	}
	row := func(x store.Unit, name string) []cell {
		c := counts[x.Code]
		pilot := textCell("")
		if x.Pilot {
			pilot = textCell(loc.T("reports.pilot"))
		}
		d, ok := monthOf(x)
		period := []cell{intCell(int64(d.Registered)), intCell(int64(d.LessonsCompleted)), intCell(int64(d.ModulesCompleted)), intCell(int64(d.Certificates))}
		if !ok {
			period = []cell{noCell(), noCell(), noCell(), noCell()}
		}
		return append(append([]cell{textCell(x.Code), textCell(name), pilot}, period...),
			intCell(c.Registered), intCell(c.Reached), intCell(c.Graduates), intCell(headline(c)), optInt(x.Target), pctCell(c.Reached, num(x.Target)))
	}
	var walk func(x store.Unit, top bool)
	walk = func(x store.Unit, top bool) {
		children := kids[x.Code]
		if len(children) == 0 {
			t.Rows = append(t.Rows, row(x, x.Name))
			return
		}
		for _, ch := range children {
			walk(ch, false)
		}
		if top {
			return
		}
		t.Rows = append(t.Rows, row(x, loc.T("reports.subtotal_of", "Name", x.Name)))
	}
	walk(u, true)
	t.Totals = [][]cell{row(u, loc.T("reports.total_of", "Name", u.Name))}
	m.Table = t
	return m, nil
}

// LastDay is the period's last day.
func (m *monthly) LastDay() time.Time { return m.To.AddDate(0, 0, -1) }

type monthlyPage struct {
	Page
	*monthly
	Crumbs   []store.Unit
	MonthErr bool
	Raw      string
	Signer   string
}

// reportMonthly shows the monthly return, ready to print on A4.
func (s *Server) reportMonthly(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	raw := c.QueryParam("month")
	from, ok := s.parseMonth(raw)
	status := http.StatusOK
	if !ok {
		status = http.StatusUnprocessableEntity
		from, _ = s.parseMonth("")
	}
	ctx := c.Request().Context()
	m, err := s.buildMonthly(ctx, u, from, localizer(c))
	if err != nil {
		return err
	}
	p := monthlyPage{Page: s.staffPage(c), monthly: m, MonthErr: !ok, Raw: raw}
	if !ok {
		p.Raw = raw
	} else {
		p.Raw = m.Month
	}
	if st := currentStaff(c); st != nil {
		p.Signer = st.Name()
	}
	if p.Crumbs, err = s.crumbs(ctx, c, u); err != nil {
		return err
	}
	return s.render(c, status, "reports_monthly", p)
}

// reportMonthlyXLSX sends the monthly return as a workbook: the title,
// the period, the table with subtotals and the sign-off block.
func (s *Server) reportMonthlyXLSX(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	from, ok := s.parseMonth(c.QueryParam("month"))
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	loc := s.exportLocalizer()
	m, err := s.buildMonthly(c.Request().Context(), u, from, loc)
	if err != nil {
		return err
	}
	m.Table.Totals = append(m.Table.Totals, []cell{}, []cell{textCell(""), textCell(loc.T("reports.sign_made")), textCell(""), textCell(""), textCell(""), textCell(""),
		textCell(""), textCell(""), textCell(loc.T("reports.sign_head"))},
		[]cell{textCell(""), textCell(loc.T("reports.sign_made_hint")), textCell(""), textCell(""), textCell(""), textCell(""),
			textCell(""), textCell(""), textCell(loc.T("reports.sign_head_hint"))})
	data, err := workbook([]*reportTable{m.Table}, loc.T("reports.export_note", "Name", u.Name, "Code", u.Code),
		loc.T("reports.monthly_period", "From", m.From.Format("02/01/2006"), "To", m.To.AddDate(0, 0, -1).Format("02/01/2006")),
		asOfText(m.AsOf, loc), loc.T("reports.monthly_place_date"))
	if err != nil {
		return err
	}
	return s.sendXLSX(c, fmt.Sprintf("bao-cao-thang-%s-%s.xlsx", m.Month, u.Code), data)
}

type weeklyPage struct {
	Page
	Unit   store.Unit
	Crumbs []store.Unit
	Text   string
	AsOf   *time.Time
}

// reportWeekly is the week's summary in plain Vietnamese, in a box to copy
// into a Zalo group: the last full week, Monday to Sunday.
func (s *Server) reportWeekly(c echo.Context) error {
	u, err := s.unitFromParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	loc := localizer(c)
	text, asOf, err := s.weeklyText(ctx, u, loc, time.Now())
	if err != nil {
		return err
	}
	p := weeklyPage{Page: s.staffPage(c), Unit: u, Text: text, AsOf: asOf}
	if p.Crumbs, err = s.crumbs(ctx, c, u); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "reports_weekly", p)
}

// weeklyText writes the summary of the last full week before now.
func (s *Server) weeklyText(ctx context.Context, u store.Unit, loc *i18n.Localizer, now time.Time) (string, *time.Time, error) {
	vn := s.store.Location()
	today := now.In(vn)
	monday := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, vn)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday())+6)%7)-7)
	next := monday.AddDate(0, 0, 7)
	week, err := s.store.DailyByUnit(ctx, u.Path, monday.Format("2006-01-02"), next.Format("2006-01-02"))
	if err != nil {
		return "", nil, err
	}
	var sum store.DailyCount
	best, bestN := "", 0
	for code, d := range week {
		sum.Registered += d.Registered
		sum.LessonsCompleted += d.LessonsCompleted
		sum.Certificates += d.Certificates
		if d.Registered > bestN || d.Registered == bestN && code < best {
			best, bestN = code, d.Registered
		}
	}
	counts, err := s.store.UnitCountsOf(ctx, []string{u.Code})
	if err != nil {
		return "", nil, err
	}
	c := counts[u.Code]
	lines := []string{
		loc.T("reports.weekly_head", "Name", u.Name, "From", monday.Format("02/01"), "To", next.AddDate(0, 0, -1).Format("02/01/2006")),
		"- " + loc.T("reports.weekly_new", "Week", vnInt(int64(sum.Registered)), "Total", vnInt(c.Registered)),
		"- " + loc.T("reports.weekly_lessons", "Week", vnInt(int64(sum.LessonsCompleted))),
		"- " + loc.T("reports.weekly_reached", "Total", vnInt(c.Reached)),
		"- " + loc.T("reports.weekly_graduates", "Total", vnInt(c.Graduates), "Week", vnInt(int64(sum.Certificates))),
		"- " + loc.T("reports.weekly_active", "Total", vnInt(c.Active30d)),
		"- " + loc.T("reports.weekly_vneid", "Total", vnInt(headline(c))),
	}
	if u.Target != nil && *u.Target > 0 {
		lines = append(lines, "- "+loc.T("reports.weekly_target", "Target", vnInt(int64(*u.Target)), "Pct", vnPct(float64(c.Reached)/float64(*u.Target))))
	}
	if bestN > 0 && best != u.Code {
		if b, err := s.store.UnitByCode(ctx, best); err == nil {
			lines = append(lines, "- "+loc.T("reports.weekly_best", "Name", b.Name, "Count", vnInt(int64(bestN))))
		}
	}
	lines = append(lines, asOfText(c.UpdatedAt, loc))
	return strings.Join(lines, "\n"), c.UpdatedAt, nil
}
