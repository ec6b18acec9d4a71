package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
	"github.com/kynangso/kynangso/internal/validate"
)

// registerForm is the registration form (DESIGN §4 field names). A
// trainer's enrolment form is the same form.
type registerForm struct {
	validate.Form
	applicant
	Commune    string
	Consent    string
	Submission string // nonce: the same form sent twice creates one learner
}

// applicant is a resident as a form or a row of an imported file gives
// them, before the checks: the fields of DESIGN §4, plus village_code, the
// village chosen from the commune's list ("other" or "" when typed).
type applicant struct {
	Name        string
	BirthYear   string
	Village     string
	VillageCode string
	Gender      string
	Phone       string
}

// communeGroup is one optgroup of the commune picker: the communes of one
// district (or of the province, in the post-2025 two-level tree).
type communeGroup struct {
	Name     string
	Communes []store.Unit
}

type registerPage struct {
	Page
	Form      registerForm
	Groups    []communeGroup
	Class     *store.Class // joining this class
	ClassUnit store.Unit
	Villages  []store.Unit // of the class's (or the chosen) commune, when it keeps a list
	MinYear   int
	MaxYear   int
}

// Birth years accepted: DESIGN §6 asks for 1920 to ten years ago.
const minBirthYear = 1920

func maxBirthYear() int { return time.Now().Year() - 10 }

func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// deviceCookie binds a registration form to the phone that sent it. A
// registration is stored under a key made of the form's nonce and this
// cookie, so only the same phone (until it signs out, which renews the
// cookie) can find the learner again by sending the form twice; a nonce
// copied elsewhere finds nothing.
const deviceCookie = "device"

// resubmitWindow is how long a form sent twice still signs its sender in
// as the learner the first sending created (a double tap, a retry on a bad
// connection). Later, the code and PIN are the way back in.
const resubmitWindow = 10 * time.Minute

// device returns the phone's form-binding id, giving it one if needed.
func (s *Server) device(c echo.Context) string {
	if ck, err := c.Cookie(deviceCookie); err == nil && validate.Key(ck.Value) {
		return ck.Value
	}
	id := newNonce()
	s.setCookie(c, deviceCookie, id, 24*time.Hour)
	return id
}

// submissionKey is what a registration is stored under: the form's nonce
// bound to the phone.
func submissionKey(nonce, device string) string { return hashToken(nonce + "|" + device) }

// registerShow shows the form to save progress.
func (s *Server) registerShow(c echo.Context) error {
	s.device(c)
	return s.renderRegister(c, http.StatusOK, registerForm{Submission: newNonce()}, nil)
}

// registerPost creates a learner.
func (s *Server) registerPost(c echo.Context) error {
	return s.register(c, nil)
}

// joinShow is where a class's QR code leads: the registration form with
// the class and commune filled in, or a one-tap "join" for a learner.
func (s *Server) joinShow(c echo.Context) error {
	class, err := s.classFromPath(c)
	if err != nil {
		return err
	}
	if class == nil {
		return s.renderJoinCode(c, http.StatusNotFound, c.Param("code"), true)
	}
	s.device(c)
	return s.renderRegister(c, http.StatusOK, registerForm{Submission: newNonce()}, class)
}

// joinPost registers a new learner into the class, or moves a signed-in
// learner into it.
func (s *Server) joinPost(c echo.Context) error {
	class, err := s.classFromPath(c)
	if err != nil {
		return err
	}
	if class == nil {
		return s.renderJoinCode(c, http.StatusNotFound, c.Param("code"), true)
	}
	if l := currentLearner(c); l != nil {
		if err := s.store.UpdateLearner(c.Request().Context(), l.ID, store.LearnerPatch{ClassID: &class.ID}); err != nil {
			return err
		}
		s.flash(c, "flash.joined")
		return seeOther(c, "/me")
	}
	return s.register(c, class)
}

type joinCodePage struct {
	Page
	Code    string
	Unknown bool
}

// joinCodeShow lets a resident type a class code when they cannot scan the
// QR code; a code in the query goes straight to its class.
func (s *Server) joinCodeShow(c echo.Context) error {
	code := codes.Normalize(c.QueryParam("code"))
	if code == "" {
		return s.renderJoinCode(c, http.StatusOK, "", false)
	}
	if !codes.Valid(code, 4, 12) {
		return s.renderJoinCode(c, http.StatusNotFound, code, true)
	}
	return seeOther(c, "/join/"+url.PathEscape(code))
}

// renderJoinCode shows the class-code form. What was typed is shown back
// only up to the field's length: a code is at most 12 characters, and a
// huge value must not be echoed.
func (s *Server) renderJoinCode(c echo.Context, status int, code string, unknown bool) error {
	if r := []rune(code); len(r) > 14 {
		code = string(r[:14]) + "…"
	}
	return s.render(c, status, "join_code", joinCodePage{Page: s.page(c), Code: code, Unknown: unknown})
}

// classFromPath finds the class named in /join/:code; nil when none.
func (s *Server) classFromPath(c echo.Context) (*store.Class, error) {
	code := codes.Normalize(c.Param("code"))
	if !codes.Valid(code, 4, 12) {
		return nil, nil
	}
	class, err := s.store.ClassByJoinCode(c.Request().Context(), code)
	if errors.Is(err, store.ErrNotFound) || err == nil && class.ArchivedAt != nil {
		return nil, nil // an archived class takes nobody in
	}
	if err != nil {
		return nil, err
	}
	return &class, nil
}

func (s *Server) renderRegister(c echo.Context, status int, f registerForm, class *store.Class) error {
	ctx := c.Request().Context()
	p := registerPage{Page: s.page(c), Form: f, Class: class, MinYear: minBirthYear, MaxYear: maxBirthYear()}
	commune := f.Commune
	if class != nil {
		u, err := s.store.UnitByCode(ctx, class.UnitCode)
		if err != nil {
			return err
		}
		p.ClassUnit, commune = u, u.Code
	} else {
		groups, err := s.communeGroups(ctx)
		if err != nil {
			return err
		}
		p.Groups = groups
	}
	if commune != "" && f.Err("commune") == nil {
		var err error
		if p.Villages, err = s.villageUnits(ctx, commune); err != nil {
			return err
		}
	}
	return s.render(c, status, "register", p)
}

// register validates the form and creates the learner; on a problem the
// form comes back (422) with what was typed and a message by each field.
// Registrations are throttled per client, counted before the learner is
// created. The same form sent twice from the same phone within minutes
// signs in as the learner the first sending created; from anywhere else, or
// later, it finds nobody.
func (s *Server) register(c echo.Context, class *store.Class) error {
	ctx := c.Request().Context()
	f := readRegisterForm(c)
	if class != nil {
		f.Commune = class.UnitCode
	}
	if f.Submission != "" && !validate.Key(f.Submission) {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form key")
	}
	l, err := s.checkRegister(ctx, &f)
	if err != nil {
		return err
	}
	if f.Submission == "" {
		f.Submission = newNonce()
	}
	again := func(status int) error { return s.renderRegister(c, status, f, class) }
	if !f.Valid() {
		return again(http.StatusUnprocessableEntity)
	}
	v, err := s.take(ctx, s.registerGuards(c)...)
	if err != nil {
		return err
	}
	if !v.Allowed {
		tooMany(&f.Form, v)
		return again(http.StatusTooManyRequests)
	}
	if class != nil {
		l.ClassID = &class.ID
	}
	key := submissionKey(f.Submission, s.device(c))
	l.Submission = &key
	err = s.store.CreateLearner(ctx, &l)
	if errors.Is(err, store.ErrDuplicateSubmission) {
		if me := currentLearner(c); me != nil && me.ID == l.ID {
			return seeOther(c, "/welcome") // the first sending signed this phone in
		}
		if time.Since(l.CreatedAt) > resubmitWindow || l.PinHash != nil {
			f.Submission = newNonce()
			f.Fail("form.error.form_used")
			return again(http.StatusUnprocessableEntity)
		}
	} else if err != nil {
		return err
	}
	if err := s.signIn(c, l); err != nil {
		return err
	}
	// The quizzes answered before registering become this learner's.
	for _, p := range s.readPending(c) {
		if err := s.record(c, l.ID, p, ""); err != nil {
			return err
		}
	}
	s.clearPending(c)
	if err := s.attachCheck(c, l.ID); err != nil { // the "before" check taken as a visitor
		return err
	}
	return seeOther(c, "/welcome")
}

// readRegisterForm reads the fields of the registration form as sent.
func readRegisterForm(c echo.Context) registerForm {
	return registerForm{
		applicant: applicant{Name: c.FormValue("name"), BirthYear: c.FormValue("birth_year"),
			Village: c.FormValue("village"), VillageCode: c.FormValue("village_code"),
			Gender: c.FormValue("gender"), Phone: c.FormValue("phone")},
		Commune: c.FormValue("commune"), Consent: c.FormValue("consent"), Submission: c.FormValue("_form"),
	}
}

// checkRegister validates f (a resident's own sign-up or a trainer's
// enrolment) and returns the learner it describes.
func (s *Server) checkRegister(ctx context.Context, f *registerForm) (store.Learner, error) {
	f.Commune = f.TextField("commune", f.Commune, 12)
	f.Check(validate.NotBlank(f.Commune), "commune", "form.error.commune_required")
	var villages []store.Unit
	if validate.NotBlank(f.Commune) && f.Err("commune") == nil {
		u, err := s.store.UnitByCode(ctx, f.Commune)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Learner{}, err
		}
		f.Check(err == nil && u.Level == units.Commune, "commune", "form.error.commune_unknown")
		if f.Err("commune") == nil {
			if villages, err = s.villageUnits(ctx, f.Commune); err != nil {
				return store.Learner{}, err
			}
		}
	}
	l := checkApplicant(&f.Form, &f.applicant, villages)
	f.Check(f.Consent == "yes", "consent", "form.error.consent")
	l.UnitCode = f.Commune
	return l, nil
}

// checkApplicant is the one set of checks for a new learner, whether they
// sign up themselves, a trainer enrols them or a file brings them: the
// person (checkPerson), their village against the commune's list, and
// their gender. Problems go into f; a is cleaned in place (so it can be
// shown back) and the learner it describes is returned, without commune.
//
// A village chosen from the list is stored as its unit code. A typed
// village that names one of the list (accents, case and a leading "ấp" or
// "thôn" aside) is stored as that unit too; any other typed name is kept
// as free text, the "other" of the list.
func checkApplicant(f *validate.Form, a *applicant, villages []store.Unit) store.Learner {
	p, year, phone := checkPerson(f, person{a.Name, a.BirthYear, a.Phone})
	a.Name, a.BirthYear, a.Phone = p.Name, p.BirthYear, p.Phone
	a.Village = f.TextField("village", a.Village, 80)
	f.Check(slices.Contains([]string{"", "female", "male", "other"}, a.Gender), "gender", "form.error.gender")
	l := store.Learner{Name: a.Name, BirthYear: year}
	switch a.VillageCode {
	case "", "other":
		if v := matchVillage(villages, a.Village); v != nil {
			l.VillageCode = &v.Code
		} else if a.Village != "" {
			l.Village = &a.Village
		}
	default:
		i := slices.IndexFunc(villages, func(u store.Unit) bool { return u.Code == a.VillageCode })
		f.Check(i >= 0, "village_code", "villages.error_choose")
		if i >= 0 {
			l.VillageCode = &villages[i].Code
		}
	}
	if a.Gender != "" {
		l.Gender = &a.Gender
	}
	if phone != "" {
		l.Phone = &phone
	}
	return l
}

// person is what a learner gives at registration and may correct later on
// /me, as typed (cleaned by the text rule, so it can be shown back).
type person struct {
	Name      string
	BirthYear string
	Phone     string
}

// checkPerson runs every field of p through the text rule and the field's
// own checks, records problems in f, and returns p cleaned with the birth
// year as a number and the phone as ten digits ("" when none was given).
func checkPerson(f *validate.Form, p person) (person, int, string) {
	p.Name = f.TextField("name", p.Name, 80)
	p.BirthYear = f.TextField("birth_year", p.BirthYear, 8)
	p.Phone = f.TextField("phone", p.Phone, 20)
	f.Check(validate.NotBlank(p.Name), "name", "form.error.name_required")
	f.Check(validate.HasLetter(p.Name), "name", "form.error.name_letter")
	year, ok := validate.Int(p.BirthYear)
	f.Check(validate.NotBlank(p.BirthYear), "birth_year", "form.error.birth_year_required")
	f.Check(ok && year >= minBirthYear && year <= maxBirthYear(), "birth_year", "form.error.birth_year", "Min", minBirthYear, "Max", maxBirthYear())
	if !validate.NotBlank(p.Phone) {
		return p, year, ""
	}
	clean, ok := validate.Phone(p.Phone)
	f.Check(ok, "phone", "form.error.phone")
	return p, year, clean
}

// communeGroups lists the communes under their district (or province), in
// the official order, for the picker.
func (s *Server) communeGroups(ctx context.Context) ([]communeGroup, error) {
	communes, err := s.store.UnitsByLevel(ctx, units.Commune)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, level := range []string{units.Province, units.District} {
		parents, err := s.store.UnitsByLevel(ctx, level)
		if err != nil {
			return nil, err
		}
		for _, p := range parents {
			names[p.Code] = p.Name
		}
	}
	var groups []communeGroup
	for _, u := range communes {
		parent := ""
		if u.ParentCode != nil {
			parent = names[*u.ParentCode]
		}
		if len(groups) == 0 || groups[len(groups)-1].Name != parent {
			groups = append(groups, communeGroup{Name: parent})
		}
		g := &groups[len(groups)-1]
		g.Communes = append(g.Communes, u)
	}
	return groups, nil
}
