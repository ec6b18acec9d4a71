package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/validate"
)

// The needs-help thresholds are one setting each, for the whole database:
// every admin sees them, and an admin of the whole province (a top-level
// unit) changes them, so a district cannot change another's lists.

type settingField struct {
	learning.ThresholdRule
	Field string // the form field: the setting name without "needs_help."
	Value string // as stored, or as typed in a refused form
}

type settingsForm struct {
	validate.Form
	Fields []settingField
}

type settingsPage struct {
	Page
	Form    settingsForm
	CanEdit bool
}

// canEditSettings tells whether the staff member's unit is a root of the
// tree (a path with one code, "/86/").
func canEditSettings(path string) bool { return strings.Count(path, "/") == 2 }

func settingFields(values map[string]string) []settingField {
	current := learning.ThresholdsFrom(values).Values()
	var out []settingField
	for _, r := range learning.ThresholdRules() {
		out = append(out, settingField{ThresholdRule: r, Field: strings.TrimPrefix(r.Name, "needs_help."), Value: current[r.Name]})
	}
	return out
}

// adminSettings shows the needs-help thresholds.
func (s *Server) adminSettings(c echo.Context) error {
	values, err := s.store.Settings(c.Request().Context(), learning.SettingNames()...)
	if err != nil {
		return err
	}
	p := settingsPage{Page: s.staffPage(c), Form: settingsForm{Fields: settingFields(values)}}
	p.CanEdit = canEditSettings(p.Staff.UnitPath)
	return s.render(c, http.StatusOK, "admin_settings", p)
}

// adminSettingsPost stores new thresholds, each a whole number in its range.
func (s *Server) adminSettingsPost(c echo.Context) error {
	p := settingsPage{Page: s.staffPage(c)}
	if !canEditSettings(p.Staff.UnitPath) {
		return echo.ErrForbidden
	}
	values := map[string]string{}
	for _, r := range learning.ThresholdRules() {
		field := strings.TrimPrefix(r.Name, "needs_help.")
		raw := p.Form.TextField(field, c.FormValue(field), 6)
		n, err := strconv.Atoi(raw)
		p.Form.Check(err == nil && n >= r.Min && n <= r.Max, field, "settings.error_range", "Min", r.Min, "Max", r.Max)
		p.Form.Fields = append(p.Form.Fields, settingField{ThresholdRule: r, Field: field, Value: raw})
		values[r.Name] = strconv.Itoa(n)
	}
	if !p.Form.Valid() {
		p.CanEdit = true
		return s.render(c, http.StatusUnprocessableEntity, "admin_settings", p)
	}
	if err := s.store.SetSettings(c.Request().Context(), values); err != nil {
		return err
	}
	s.flash(c, "flash.trainer.settings_saved")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}
