package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// A trainer runs the classes of their commune; an admin those of every
// commune under their unit. Every class URL names the class by id and is
// looked up inside the principal's unit path in SQL (store.ClassUnder): a
// class of another commune is "not found", never "forbidden".

// classFromPath finds the :class of the URL inside the staff member's scope.
func (s *Server) classInScope(c echo.Context) (store.Class, error) {
	id, err := strconv.ParseInt(c.Param("class"), 10, 64)
	if err != nil || id <= 0 {
		return store.Class{}, echo.ErrNotFound
	}
	class, err := s.store.ClassUnder(c.Request().Context(), id, currentStaff(c).UnitPath)
	if errors.Is(err, store.ErrNotFound) {
		return class, echo.ErrNotFound
	}
	return class, err
}

func classPath(id int64) string { return "/trainer/classes/" + strconv.FormatInt(id, 10) }

// communesOf lists the communes a staff member may hold classes and
// villages in: a trainer's own, or every commune under an admin's unit.
func (s *Server) communesOf(c echo.Context) ([]store.Unit, error) {
	p := currentStaff(c)
	return s.store.UnitsUnder(c.Request().Context(), p.UnitPath, units.Commune)
}

// communeInScope returns the commune named code if it lies in the staff
// member's scope; a trainer's own commune when code is "".
func (s *Server) communeInScope(c echo.Context, code string) (store.Unit, bool, error) {
	p := currentStaff(c)
	if code == "" && p.Is(auth.RoleTrainer) {
		code = p.UnitCode
	}
	if code == "" || len(code) > 20 {
		return store.Unit{}, false, nil
	}
	u, err := s.store.UnitByCode(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return u, false, nil
	}
	if err != nil {
		return u, false, err
	}
	return u, u.Level == units.Commune && p.Covers(u.Path), nil
}

type classesPage struct {
	Page
	Active   []store.ClassRow
	Archived []store.ClassRow
	Many     bool // classes of several communes: show the commune
}

// classesList lists the classes in scope; archived ones are folded away.
func (s *Server) classesList(c echo.Context) error {
	p := classesPage{Page: s.staffPage(c)}
	rows, err := s.store.ClassRowsUnder(c.Request().Context(), p.Staff.UnitPath)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.ArchivedAt != nil {
			p.Archived = append(p.Archived, r)
		} else {
			p.Active = append(p.Active, r)
		}
		p.Many = p.Many || r.UnitCode != rows[0].UnitCode
	}
	return s.render(c, http.StatusOK, "trainer_classes", p)
}

// classForm is the form of a new or edited class. Dates are kept as typed
// until they are valid, then shown as the date input's yyyy-mm-dd.
type classForm struct {
	validate.Form
	Commune  string
	Name     string
	Place    string
	StartsOn string
	EndsOn   string
	Schedule string
}

type classFormPage struct {
	Page
	Form     classForm
	Class    *store.Class // nil for a new class
	Communes []store.Unit // an admin chooses the commune of a new class
}

func (s *Server) renderClassForm(c echo.Context, status int, f classForm, class *store.Class) error {
	p := classFormPage{Page: s.staffPage(c), Form: f, Class: class}
	if class == nil && !p.Staff.Is(auth.RoleTrainer) {
		var err error
		if p.Communes, err = s.communesOf(c); err != nil {
			return err
		}
	}
	return s.render(c, status, "trainer_class_form", p)
}

// classNew shows the form of a new class.
func (s *Server) classNew(c echo.Context) error {
	return s.renderClassForm(c, http.StatusOK, classForm{}, nil)
}

// classNewPost creates a class in the trainer's commune (an admin picks
// one of theirs) with a fresh join code, and opens it.
func (s *Server) classNewPost(c echo.Context) error {
	f, patch := readClassForm(c)
	commune, ok, err := s.communeInScope(c, f.Commune)
	if err != nil {
		return err
	}
	f.Check(ok, "commune", "classes.error_commune")
	if !f.Valid() {
		return s.renderClassForm(c, http.StatusUnprocessableEntity, f, nil)
	}
	class := store.Class{UnitCode: commune.Code, Name: patch.Name, Place: patch.Place, StartsOn: patch.StartsOn, EndsOn: patch.EndsOn, Schedule: patch.Schedule}
	if p := currentStaff(c); p.Is(auth.RoleTrainer) {
		class.TrainerID = &p.UserID
	}
	if err := s.store.CreateClass(c.Request().Context(), &class); err != nil {
		return err
	}
	s.flash(c, "flash.classes.created")
	return c.Redirect(http.StatusSeeOther, classPath(class.ID))
}

// classEdit shows a class's form filled in.
func (s *Server) classEdit(c echo.Context) error {
	class, err := s.classInScope(c)
	if err != nil {
		return err
	}
	f := classForm{Name: class.Name, Place: deref(class.Place), StartsOn: deref(class.StartsOn), EndsOn: deref(class.EndsOn), Schedule: deref(class.Schedule)}
	return s.renderClassForm(c, http.StatusOK, f, &class)
}

// classEditPost saves a class's details.
func (s *Server) classEditPost(c echo.Context) error {
	class, err := s.classInScope(c)
	if err != nil {
		return err
	}
	f, patch := readClassForm(c)
	if !f.Valid() {
		return s.renderClassForm(c, http.StatusUnprocessableEntity, f, &class)
	}
	if err := s.store.UpdateClass(c.Request().Context(), class.ID, patch); err != nil {
		return err
	}
	s.flash(c, "flash.classes.saved")
	return c.Redirect(http.StatusSeeOther, classPath(class.ID))
}

// readClassForm reads and checks the fields of a class.
func readClassForm(c echo.Context) (classForm, store.ClassPatch) {
	f := classForm{Commune: c.FormValue("commune")}
	f.Name = f.TextField("name", c.FormValue("name"), 80)
	f.Place = f.TextField("place", c.FormValue("place"), 120)
	f.Schedule = f.TextField("schedule", c.FormValue("schedule"), 200)
	f.StartsOn = f.TextField("starts_on", c.FormValue("starts_on"), 20)
	f.EndsOn = f.TextField("ends_on", c.FormValue("ends_on"), 20)
	f.Check(validate.NotBlank(f.Name), "name", "classes.error_name")
	start, okStart := parseDay(f.StartsOn)
	end, okEnd := parseDay(f.EndsOn)
	f.Check(okStart, "starts_on", "classes.error_date")
	f.Check(okEnd, "ends_on", "classes.error_date")
	if okStart && okEnd && start != "" && end != "" {
		f.Check(end >= start, "ends_on", "classes.error_end_before_start")
	}
	// A date that was understood is shown back as yyyy-mm-dd: a date
	// input would blank "02/03/2026".
	if okStart {
		f.StartsOn = start
	}
	if okEnd {
		f.EndsOn = end
	}
	return f, store.ClassPatch{Name: f.Name, Place: optional(f.Place), StartsOn: optional(start), EndsOn: optional(end), Schedule: optional(f.Schedule)}
}

// parseDay reads a day as the date input sends it (2026-03-02) or as
// Vietnamese people write it (2/3/2026, 02-03-2026, 02.03.2026: day
// first). It returns yyyy-mm-dd, or "" for a blank field; false when the
// text is not a real day between 2000 and 2100.
func parseDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	var t time.Time
	var err error
	if strings.Count(s, "-") == 2 && len(s) == 10 && s[4] == '-' {
		t, err = time.Parse("2006-01-02", s)
	} else {
		s = strings.NewReplacer("-", "/", ".", "/").Replace(s)
		t, err = time.Parse("2/1/2006", s)
	}
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// dayVN shows a yyyy-mm-dd day as Vietnamese write it.
func dayVN(p *string) string {
	if p == nil {
		return ""
	}
	t, err := time.Parse("2006-01-02", *p)
	if err != nil {
		return *p
	}
	return t.Format("02/01/2006")
}

type classPage struct {
	Page
	Class    store.Class
	Unit     store.Unit
	Learners []store.Learner
	JoinURL  string
	Starts   string
	Ends     string
}

// classShow is a class's overview: its details and code, its learners,
// and a link to every page about it.
func (s *Server) classShow(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	if p.Learners, err = s.store.LearnersOfClass(c.Request().Context(), p.Class.ID); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_class", p)
}

func (s *Server) classPageData(c echo.Context) (classPage, error) {
	class, err := s.classInScope(c)
	if err != nil {
		return classPage{}, err
	}
	unit, err := s.store.UnitByCode(c.Request().Context(), class.UnitCode)
	if err != nil {
		return classPage{}, err
	}
	return classPage{Page: s.staffPage(c), Class: class, Unit: unit, JoinURL: s.absURL("/join/" + class.JoinCode),
		Starts: dayVN(class.StartsOn), Ends: dayVN(class.EndsOn)}, nil
}

type posterPage struct {
	classPage
	QR       template.HTML
	JoinHome string // where to type the code: the absolute /join
}

// classPoster is the printable A4 poster: the class, its code in very
// large type and a QR code of the absolute join address.
func (s *Server) classPoster(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	qr, err := qrSVG(p.JoinURL)
	if err != nil {
		return err
	}
	// The SVG is drawn by qrSVG from our own address, never from input.
	return s.render(c, http.StatusOK, "trainer_poster", posterPage{classPage: p, QR: template.HTML(qr), JoinHome: s.absURL("/join")}) //nolint:gosec
}

// classCode asks before a new join code is drawn: posters and notes with
// the old code stop working.
func (s *Server) classCode(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "trainer_class_code", p)
}

// classCodePost draws a new join code once the trainer has confirmed.
func (s *Server) classCodePost(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return s.render(c, http.StatusUnprocessableEntity, "trainer_class_code", p)
	}
	if _, err := s.store.RotateJoinCode(c.Request().Context(), p.Class.ID); err != nil {
		return err
	}
	s.flash(c, "flash.classes.new_code")
	return c.Redirect(http.StatusSeeOther, classPath(p.Class.ID))
}

// classArchivePost archives a class (archive=yes) or brings it back
// (archive=no). An archived class keeps its learners; its join code stops
// letting residents in.
func (s *Server) classArchivePost(c echo.Context) error {
	class, err := s.classInScope(c)
	if err != nil {
		return err
	}
	v := c.FormValue("archive")
	if v != "yes" && v != "no" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	if err := s.store.SetClassArchived(c.Request().Context(), class.ID, v == "yes"); err != nil {
		return err
	}
	if v == "yes" {
		s.flash(c, "flash.classes.archived")
		return c.Redirect(http.StatusSeeOther, "/trainer/classes")
	}
	s.flash(c, "flash.classes.unarchived")
	return c.Redirect(http.StatusSeeOther, classPath(class.ID))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
