package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// The official lists stop at communes; a commune's trainer (or an admin
// above it) keeps its villages (ấp, thôn) here. The sign-up, join and
// enrolment forms then offer them, and the free-text villages residents
// typed before can be matched to one.

// villageUnits returns the villages of a commune by name.
func (s *Server) villageUnits(ctx context.Context, commune string) ([]store.Unit, error) {
	rows, err := s.store.Villages(ctx, commune)
	if err != nil {
		return nil, err
	}
	out := make([]store.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.Unit
	}
	return out, nil
}

// fold makes a name comparable the way people read it: lower case, without
// accents (đ becomes d), spaces folded. "Ấp  Mỹ Hòa" and "ap my hoa" fold
// the same.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(validate.Clean(s))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// villageKey folds a village name and drops the word for "village" in
// front of it, so "Ấp Mỹ Hòa", "ấp my hoa" and "Mỹ Hòa" are one village.
func villageKey(s string) string {
	k := fold(s)
	for _, w := range []string{"ap ", "thon ", "khom ", "xom ", "ban ", "to dan pho "} {
		if rest, ok := strings.CutPrefix(k, w); ok && rest != "" {
			return rest
		}
	}
	return k
}

// matchVillage finds the village of the list that a typed name means, or nil.
func matchVillage(villages []store.Unit, typed string) *store.Unit {
	if strings.TrimSpace(typed) == "" {
		return nil
	}
	k := villageKey(typed)
	for i := range villages {
		if villageKey(villages[i].Name) == k {
			return &villages[i]
		}
	}
	return nil
}

type villagesPage struct {
	Page
	Commune  *store.Unit  // nil: an admin has to choose one first
	Communes []store.Unit // for that choice
	Villages []store.VillageRow
	Texts    []store.VillageText
	Form     villageForm
	Rename   villageForm // a refused rename, shown by its village
}

type villageForm struct {
	validate.Form
	Code string
	Name string
}

// villagesShow lists a commune's villages with forms to add, rename and
// remove them, and the free-text villages left to match.
func (s *Server) villagesShow(c echo.Context) error {
	commune, ok, err := s.communeInScope(c, c.QueryParam("commune"))
	if err != nil {
		return err
	}
	if !ok {
		return s.renderVillages(c, http.StatusOK, nil, villageForm{}, villageForm{})
	}
	return s.renderVillages(c, http.StatusOK, &commune, villageForm{}, villageForm{})
}

func (s *Server) renderVillages(c echo.Context, status int, commune *store.Unit, add, rename villageForm) error {
	ctx := c.Request().Context()
	p := villagesPage{Page: s.staffPage(c), Commune: commune, Form: add, Rename: rename}
	var err error
	if commune == nil {
		p.Communes, err = s.communesOf(c)
		return s.renderOr(c, status, "trainer_villages", p, err)
	}
	if p.Villages, err = s.store.Villages(ctx, commune.Code); err != nil {
		return err
	}
	if p.Texts, err = s.store.VillageTexts(ctx, commune.Code); err != nil {
		return err
	}
	return s.render(c, status, "trainer_villages", p)
}

func (s *Server) renderOr(c echo.Context, status int, name string, data any, err error) error {
	if err != nil {
		return err
	}
	return s.render(c, status, name, data)
}

func villagesURL(commune string) string {
	return "/trainer/villages?commune=" + url.QueryEscape(commune)
}

// checkVillageName checks a village's name and that no other village of
// the commune has it (accents and case aside).
func checkVillageName(f *villageForm, raw string, others []store.VillageRow) {
	f.Name = f.TextField("name", raw, 80)
	f.Check(validate.NotBlank(f.Name) && validate.HasLetter(f.Name), "name", "villages.error_name")
	for _, o := range others {
		if o.Code != f.Code && villageKey(o.Name) == villageKey(f.Name) {
			f.Check(false, "name", "villages.error_taken")
		}
	}
}

// villageAddPost adds a village to the commune.
func (s *Server) villageAddPost(c echo.Context) error {
	ctx := c.Request().Context()
	commune, ok, err := s.communeInScope(c, c.FormValue("commune"))
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	existing, err := s.store.Villages(ctx, commune.Code)
	if err != nil {
		return err
	}
	var f villageForm
	checkVillageName(&f, c.FormValue("name"), existing)
	if !f.Valid() {
		return s.renderVillages(c, http.StatusUnprocessableEntity, &commune, f, villageForm{})
	}
	if _, err := s.store.CreateVillage(ctx, commune, f.Name); err != nil {
		return err
	}
	s.flash(c, "flash.villages.added")
	return c.Redirect(http.StatusSeeOther, villagesURL(commune.Code))
}

// villageInScope finds the :village of the URL and its commune, inside
// the staff member's scope.
func (s *Server) villageInScope(c echo.Context) (store.Unit, store.Unit, error) {
	ctx := c.Request().Context()
	code := c.Param("village")
	if len(code) > 20 {
		return store.Unit{}, store.Unit{}, echo.ErrNotFound
	}
	v, err := s.store.UnitByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) || err == nil && (v.Level != units.Village || v.ParentCode == nil || !currentStaff(c).Covers(v.Path)) {
		return v, store.Unit{}, echo.ErrNotFound
	}
	if err != nil {
		return v, store.Unit{}, err
	}
	commune, err := s.store.UnitByCode(ctx, *v.ParentCode)
	return v, commune, err
}

// villagePost renames a village (action=rename) or removes it when no
// learner lives there (action=delete).
func (s *Server) villagePost(c echo.Context) error {
	ctx := c.Request().Context()
	v, commune, err := s.villageInScope(c)
	if err != nil {
		return err
	}
	switch c.FormValue("action") {
	case "rename":
		existing, err := s.store.Villages(ctx, commune.Code)
		if err != nil {
			return err
		}
		f := villageForm{Code: v.Code}
		checkVillageName(&f, c.FormValue("name"), existing)
		if !f.Valid() {
			return s.renderVillages(c, http.StatusUnprocessableEntity, &commune, villageForm{}, f)
		}
		if err := s.store.RenameVillage(ctx, commune.Code, v.Code, f.Name); err != nil {
			return err
		}
		s.flash(c, "flash.villages.renamed")
	case "delete":
		err := s.store.DeleteVillage(ctx, commune.Code, v.Code)
		if errors.Is(err, store.ErrInUse) {
			f := villageForm{Code: v.Code, Name: v.Name}
			f.Check(false, "name", "villages.error_in_use")
			return s.renderVillages(c, http.StatusUnprocessableEntity, &commune, villageForm{}, f)
		}
		if err != nil {
			return err
		}
		s.flash(c, "flash.villages.removed")
	default:
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	return c.Redirect(http.StatusSeeOther, villagesURL(commune.Code))
}

// villageMatchPost points the learners who typed one village name at a
// village of the list, in one transaction.
func (s *Server) villageMatchPost(c echo.Context) error {
	ctx := c.Request().Context()
	commune, ok, err := s.communeInScope(c, c.FormValue("commune"))
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity)
	}
	text, code := c.FormValue("text"), c.FormValue("village")
	if text == "" || len(text) > 400 || code == "" {
		f := villageForm{}
		f.Fail("villages.error_match")
		return s.renderVillages(c, http.StatusUnprocessableEntity, &commune, f, villageForm{})
	}
	n, err := s.store.MatchVillageText(ctx, commune.Code, text, code)
	if errors.Is(err, store.ErrNotFound) {
		f := villageForm{}
		f.Fail("villages.error_match")
		return s.renderVillages(c, http.StatusUnprocessableEntity, &commune, f, villageForm{})
	}
	if err != nil {
		return err
	}
	if n == 0 {
		s.flash(c, "flash.villages.matched_none")
	} else {
		s.flash(c, "flash.villages.matched")
	}
	return c.Redirect(http.StatusSeeOther, villagesURL(commune.Code))
}
