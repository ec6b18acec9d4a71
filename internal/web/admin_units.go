package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// Admins keep the units of their subtree: the population figures a
// report measures reach against (all ages and working age, each with its
// year and source), the pilot flag and the target number of learners; and
// they import unit lists (the CSV of `kynangso units import`) with a
// preview that writes nothing until they confirm.

type adminUnitsPage struct {
	Page
	Units []store.Unit
}

// adminUnits lists the units of the admin's subtree with their facts.
func (s *Server) adminUnits(c echo.Context) error {
	p := adminUnitsPage{Page: s.staffPage(c)}
	var err error
	if p.Units, err = s.store.UnitsUnder(c.Request().Context(), p.Staff.UnitPath); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_units", p)
}

// unitForm is the form of one unit's facts, as typed.
type unitForm struct {
	validate.Form
	Population, PopulationYear, PopulationSource                      string
	PopulationWorking, PopulationWorkingYear, PopulationWorkingSource string
	Pilot                                                             bool
	Target                                                            string
}

func formOfUnit(u store.Unit) unitForm {
	num := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	year := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	f := unitForm{Population: num(u.Population), PopulationYear: year(u.PopulationYear), PopulationSource: strOf(u.PopulationSource),
		PopulationWorking: num(u.PopulationWorking), PopulationWorkingYear: year(u.PopulationWorkingYear),
		PopulationWorkingSource: strOf(u.PopulationWorkingSource), Pilot: u.Pilot, Target: year(u.Target)}
	return f
}

func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type adminUnitPage struct {
	Page
	Unit store.Unit
	Form unitForm
}

// unitField is one text field of the unit form, for its template.
type unitField struct {
	Name, Value, Label, Hint, Err string
	Max                           int
	Numeric                       bool
}

// Field lays out one field with its label, hint and error.
func (p adminUnitPage) Field(name, value, label, hint string, maxLen int) unitField {
	f := unitField{Name: name, Value: value, Label: p.T(label), Max: maxLen, Numeric: maxLen <= 12}
	if hint != "" {
		f.Hint = p.T(hint)
	}
	if m := p.Form.Err(name); m != nil {
		f.Err = p.Msg(m)
	}
	return f
}

// adminUnit shows the form of one unit of the subtree.
func (s *Server) adminUnit(c echo.Context) error {
	u, err := s.adminUnitFromPath(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "admin_unit", adminUnitPage{Page: s.staffPage(c), Unit: u, Form: formOfUnit(u)})
}

func (s *Server) adminUnitFromPath(c echo.Context) (store.Unit, error) {
	u, err := s.store.UnitByCode(c.Request().Context(), c.Param("code"))
	if errors.Is(err, store.ErrNotFound) || err == nil && !currentStaff(c).Covers(u.Path) {
		return u, echo.ErrNotFound
	}
	return u, err
}

// maxPopulation is more than any Vietnamese province holds.
const maxPopulation = 50_000_000

// number reads an optional whole number from 0 to max; "" is unknown.
// Thousands may be written with dots or spaces, as people do.
func number(f *validate.Form, field, raw string, maxV int64, id string) *int64 {
	raw = strings.NewReplacer(".", "", " ", "", ",", "").Replace(strings.TrimSpace(raw))
	if raw == "" {
		return nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	f.Check(err == nil && n >= 0 && n <= maxV && len(raw) <= 12, field, id)
	if err != nil {
		return nil
	}
	return &n
}

func yearField(f *validate.Form, field, raw string) *int {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	y, ok := validate.Int(raw)
	f.Check(ok && y >= 1900 && y <= 2100, field, "units.err_year")
	if !ok {
		return nil
	}
	return &y
}

// adminUnitPost saves a unit's facts; an invalid form comes back (422)
// with what was typed and a message by each wrong field.
func (s *Server) adminUnitPost(c echo.Context) error {
	u, err := s.adminUnitFromPath(c)
	if err != nil {
		return err
	}
	var f unitForm
	f.Population = c.FormValue("population")
	f.PopulationYear = c.FormValue("population_year")
	f.PopulationSource = f.TextField("population_source", c.FormValue("population_source"), 200)
	f.PopulationWorking = c.FormValue("population_working")
	f.PopulationWorkingYear = c.FormValue("population_working_year")
	f.PopulationWorkingSource = f.TextField("population_working_source", c.FormValue("population_working_source"), 200)
	f.Pilot = c.FormValue("pilot") == "yes"
	f.Target = c.FormValue("target")
	facts := store.UnitFacts{Pilot: f.Pilot}
	facts.Population = number(&f.Form, "population", f.Population, maxPopulation, "units.err_number")
	facts.PopulationWorking = number(&f.Form, "population_working", f.PopulationWorking, maxPopulation, "units.err_number")
	facts.PopulationYear = yearField(&f.Form, "population_year", f.PopulationYear)
	facts.PopulationWorkingYear = yearField(&f.Form, "population_working_year", f.PopulationWorkingYear)
	if t := number(&f.Form, "target", f.Target, maxPopulation, "units.err_number"); t != nil {
		n := int(*t)
		facts.Target = &n
	}
	if f.PopulationSource != "" {
		facts.PopulationSource = &f.PopulationSource
	}
	if f.PopulationWorkingSource != "" {
		facts.PopulationWorkingSource = &f.PopulationWorkingSource
	}
	if facts.Population != nil && facts.PopulationWorking != nil {
		f.Check(*facts.PopulationWorking <= *facts.Population, "population_working", "units.err_working_above")
	}
	// A figure without its year and source cannot be checked by anyone.
	f.Check(facts.Population == nil || facts.PopulationYear != nil, "population_year", "units.err_year_needed")
	f.Check(facts.Population == nil || facts.PopulationSource != nil, "population_source", "units.err_source_needed")
	f.Check(facts.PopulationWorking == nil || facts.PopulationWorkingYear != nil, "population_working_year", "units.err_year_needed")
	f.Check(facts.PopulationWorking == nil || facts.PopulationWorkingSource != nil, "population_working_source", "units.err_source_needed")
	if !f.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, "admin_unit", adminUnitPage{Page: s.staffPage(c), Unit: u, Form: f})
	}
	if err := s.store.SetUnitFacts(c.Request().Context(), u.Code, facts); err != nil {
		return err
	}
	s.flash(c, "flash.unit_saved")
	return c.Redirect(http.StatusSeeOther, "/admin/units#u-"+u.Code)
}

// importForm is the unit-list import: the CSV, pasted or from a file.
type importForm struct {
	validate.Form
	CSV string
}

type unitsImportPage struct {
	Page
	Form    importForm
	Rows    []units.Unit
	Added   map[string]bool
	Preview bool
	Errors  []string
}

// maxImport is the largest unit list accepted (the request body limit is
// 64 KiB; a province's list is a few KiB).
const maxImport = 48 << 10

// adminUnitsImportShow shows the import form.
func (s *Server) adminUnitsImportShow(c echo.Context) error {
	return s.render(c, http.StatusOK, "admin_units_import", unitsImportPage{Page: s.staffPage(c)})
}

// adminUnitsImportPost previews a list (action=preview: nothing is
// written) or imports it (action=confirm: all rows or none, in one
// transaction). Every unit of the list must fall in the admin's subtree.
func (s *Server) adminUnitsImportPost(c echo.Context) error {
	ctx := c.Request().Context()
	me := currentStaff(c)
	p := unitsImportPage{Page: s.staffPage(c), Added: map[string]bool{}}
	raw := c.FormValue("csv")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		if fh.Size > maxImport {
			p.Form.Check(false, "csv", "units.err_import_size")
			return s.render(c, http.StatusUnprocessableEntity, "admin_units_import", p)
		}
		fl, err := fh.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(fl, maxImport+1))
		fl.Close()
		if err != nil {
			return err
		}
		raw = string(b)
	}
	raw = strings.TrimPrefix(raw, "\ufeff")
	p.Form.CSV = raw
	p.Form.Check(strings.TrimSpace(raw) != "", "csv", "units.err_import_empty")
	p.Form.Check(len(raw) <= maxImport, "csv", "units.err_import_size")
	if !p.Form.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, "admin_units_import", p)
	}
	const file = "danh-sach-don-vi.csv"
	list, err := units.ParseCSV(strings.NewReader(raw), file)
	var plan store.UnitPlan
	if err == nil {
		plan, err = s.store.PlanUnits(ctx, list, file)
	}
	if err == nil {
		for _, u := range list {
			if !me.Covers(plan.Paths[u.Code]) {
				err = errors.Join(err, units.NewRowError(file, u.Line, "units.err_outside", "unit %s is not part of %s", "Code", u.Code, "Unit", me.UnitName))
			}
		}
	}
	if err != nil {
		return s.unitRowsRefused(c, &p, err)
	}
	if c.FormValue("action") != "confirm" {
		p.Rows, p.Preview = list, true
		for _, code := range plan.Added {
			p.Added[code] = true
		}
		return s.render(c, http.StatusOK, "admin_units_import", p)
	}
	if _, _, err := s.store.ImportUnits(ctx, list, file); err != nil {
		return s.unitRowsRefused(c, &p, err)
	}
	s.flash(c, "flash.units_imported")
	return c.Redirect(http.StatusSeeOther, "/admin/units")
}

// unitRowsRefused shows the import form again with each bad row's line
// and reason in the reader's language. An error that is not about rows
// (the database failing) is not the file's fault: it is returned.
func (s *Server) unitRowsRefused(c echo.Context, p *unitsImportPage, err error) error {
	rows, other := units.RowErrors(err)
	if other || len(rows) == 0 {
		return err
	}
	loc := localizer(c)
	for _, r := range rows {
		p.Errors = append(p.Errors, loc.T("units.row", "Line", r.Line, "Msg", loc.T(r.ID, r.Args...)))
	}
	p.Form.Check(false, "csv", "units.err_import_rows")
	return s.render(c, http.StatusUnprocessableEntity, "admin_units_import", p)
}
