package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// requireLearner sends visitors without a learner record to /resume.
func requireLearner(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentLearner(c) == nil {
			return seeOther(c, "/resume")
		}
		return next(c)
	}
}

type moduleProgress struct {
	Module  *curriculum.Module
	Summary progress.ModuleSummary
	Label   string             // the summary in words, beside the bar (never colour alone)
	Next    *curriculum.Lesson // where "continue" leads; nil when done
}

type profileForm struct {
	validate.Form
	Name      string
	BirthYear string
	Phone     string
}

type pinForm struct {
	validate.Form
	PIN, Current string
}

type mePage struct {
	Page
	Code         string
	Class        *store.Class
	Unit         store.Unit
	Modules      []moduleProgress
	Certificates []certificateView
	Profile      profileForm
	PinForm      pinForm
	CodeForm     validate.Form // a refused request for a new personal code
	HasPIN       bool
	Welcome      bool                   // right after registering: the code is the main thing
	Practice     []*curriculum.Scenario // practice scenarios passed
	PracticeAll  int                    // practice scenarios offered
	Check        *checkSummary          // the before/after check; nil when the content has none
	Tasks        []myTaskView           // real tasks a trainer ticked
}

// myTaskView is a real task the learner was seen doing.
type myTaskView struct {
	Task  *curriculum.Task
	Alone bool
	Day   time.Time
}

type certificateView struct {
	store.Certificate
	Title string
}

// welcomeShow greets a new learner with their personal code.
func (s *Server) welcomeShow(c echo.Context) error {
	p, err := s.mePage(c)
	if err != nil {
		return err
	}
	p.Welcome = true
	return s.render(c, http.StatusOK, "welcome", p)
}

// meShow is the learner's own page: progress, certificates, code, and
// their data (correct, download, delete).
func (s *Server) meShow(c echo.Context) error {
	p, err := s.mePage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "me", p)
}

func (s *Server) mePage(c echo.Context) (mePage, error) {
	ctx := c.Request().Context()
	l := currentLearner(c)
	p := mePage{Page: s.page(c), Code: l.Code, HasPIN: l.PinHash != nil,
		Profile: profileForm{Name: l.Name, BirthYear: strconv.Itoa(l.BirthYear)}}
	p.NoIndex = true
	if l.Phone != nil {
		p.Profile.Phone = *l.Phone
	}
	unit, err := s.store.UnitByCode(ctx, l.UnitCode)
	if err != nil {
		return p, err
	}
	p.Unit = unit
	if l.ClassID != nil {
		if class, err := s.store.ClassByID(ctx, *l.ClassID); err == nil {
			p.Class = &class
		}
	}
	m, err := s.store.ProgressMap(ctx, l.ID)
	if err != nil {
		return p, err
	}
	p.Modules = s.moduleProgress(p.Page, m)
	certs, err := s.store.CertificatesOf(ctx, l.ID)
	if err != nil {
		return p, err
	}
	for _, cert := range certs {
		p.Certificates = append(p.Certificates, certificateView{Certificate: cert, Title: s.certificateTitle(p.Page, cert)})
	}
	p.PracticeAll = len(s.cur.Scenarios(p.Lang))
	if p.Practice, err = s.practicePasses(c, p.Lang, l.ID); err != nil {
		return p, err
	}
	ticks, err := s.store.TasksOf(ctx, l.ID)
	if err != nil {
		return p, err
	}
	for _, t := range ticks {
		if task, ok := s.cur.Task(p.Lang, t.Task); ok {
			p.Tasks = append(p.Tasks, myTaskView{Task: task, Alone: t.Alone, Day: dayTime(t.DoneOn)})
		}
	}
	if s.cur.Check(p.Lang) != nil {
		sum, err := s.checkSummaryFor(c, p.Page)
		p.Check = &sum
		return p, err
	}
	return p, nil
}

// moduleProgress summarises every module for a learner's records.
func (s *Server) moduleProgress(p Page, m progress.Map) []moduleProgress {
	var out []moduleProgress
	for _, mod := range s.cur.Modules(p.Lang) {
		slugs := s.lessonsByModule[mod.Slug]
		mp := moduleProgress{Module: mod, Summary: m.Module(mod.Slug, slugs)}
		mp.Label = progressLabel(p, mp.Summary)
		if next := m.NextLesson(mod.Slug, slugs); next != "" {
			mp.Next, _ = mod.Lesson(next)
		}
		out = append(out, mp)
	}
	return out
}

func progressLabel(p Page, s progress.ModuleSummary) string {
	switch s.Status {
	case progress.Completed:
		return p.T("progress.module_done")
	case progress.Started:
		return p.T("progress.module_started", "Done", s.Done, "Total", s.Total)
	}
	return p.T("progress.module_not_started")
}

// mePost corrects the learner's name, birth year or phone.
func (s *Server) mePost(c echo.Context) error {
	l := currentLearner(c)
	var f profileForm
	p, year, phone := checkPerson(&f.Form, person{c.FormValue("name"), c.FormValue("birth_year"), c.FormValue("phone")})
	f.Name, f.BirthYear, f.Phone = p.Name, p.BirthYear, p.Phone
	if !f.Valid() {
		p, err := s.mePage(c)
		if err != nil {
			return err
		}
		p.Profile = f
		return s.render(c, http.StatusUnprocessableEntity, "me", p)
	}
	if err := s.store.UpdateLearner(c.Request().Context(), l.ID, store.LearnerPatch{Name: &f.Name, BirthYear: &year, Phone: &phone}); err != nil {
		return err
	}
	s.flash(c, "flash.saved")
	return seeOther(c, "/me#profile")
}

// mePinPost sets, changes or removes the learner's PIN. Changing or
// removing one asks for the current PIN first (throttled like /resume, so a
// borrowed phone cannot be used to guess it), and every other phone is
// signed out: whoever knew the old PIN must not stay in.
func (s *Server) mePinPost(c echo.Context) error {
	l := currentLearner(c)
	back := c.FormValue("back")
	if back != "/welcome" {
		back = "/me"
	}
	remove := c.FormValue("remove") == "yes"
	f := pinForm{PIN: c.FormValue("pin"), Current: c.FormValue("current_pin")}
	if !remove {
		f.Check(validate.PIN(f.PIN), "pin", "form.error.pin_format")
	}
	if err := s.checkCurrentPIN(c, l, &f.Form, f.Current); err != nil {
		return err
	}
	if !f.Valid() {
		p, err := s.mePage(c)
		if err != nil {
			return err
		}
		p.PinForm = pinForm{Form: f.Form}
		page := "me"
		if back == "/welcome" {
			page, p.Welcome = "welcome", true
		}
		return s.render(c, statusOf(f.Form), page, p)
	}
	hash := ""
	if !remove {
		var err error
		if hash, err = auth.HashPIN(f.PIN, s.costs.pin); err != nil {
			return err
		}
	}
	if err := s.store.UpdateLearner(c.Request().Context(), l.ID, store.LearnerPatch{PinHash: &hash}); err != nil {
		return err
	}
	if err := s.endOtherSessions(c, l.ID); err != nil {
		return err
	}
	s.flash(c, map[bool]string{true: "flash.pin_removed", false: "flash.pin_set"}[remove])
	return seeOther(c, back+"#pin-box")
}

// checkCurrentPIN asks a learner who has a PIN for it before a change that
// the PIN protects. The try is counted before the PIN is compared.
func (s *Server) checkCurrentPIN(c echo.Context, l *store.Learner, f *validate.Form, pin string) error {
	if l.PinHash == nil {
		return nil
	}
	if pin == "" {
		f.Check(false, "current_pin", "form.error.pin_current_needed")
		return nil
	}
	ctx := c.Request().Context()
	g := guard{"pin-learner:" + strconv.FormatInt(l.ID, 10), store.Limit{Max: 5, Window: 15 * time.Minute}}
	v, err := s.take(ctx, g)
	if err != nil {
		return err
	}
	switch {
	case !v.Allowed:
		tooMany(f, v)
	case !auth.CheckPIN(*l.PinHash, pin):
		f.Check(false, "current_pin", "form.error.pin_current_wrong")
	default:
		return s.refund(ctx, g)
	}
	return nil
}

// statusOf is the status of a refused form: 429 when a throttle said no,
// else 422.
func statusOf(f validate.Form) int {
	for _, m := range f.FormErrors {
		if m.ID == "form.error.too_many_tries" {
			return http.StatusTooManyRequests
		}
	}
	return http.StatusUnprocessableEntity
}

// meSignOutOthersPost signs the learner out on every other phone.
func (s *Server) meSignOutOthersPost(c echo.Context) error {
	if err := s.endOtherSessions(c, currentLearner(c).ID); err != nil {
		return err
	}
	s.flash(c, "flash.signed_out_others")
	return seeOther(c, "/me#phones")
}

// meNewCodePost gives the learner a new personal code (the current PIN is
// asked for when one is set). The old code stops working and every other
// phone is signed out.
func (s *Server) meNewCodePost(c echo.Context) error {
	l := currentLearner(c)
	var f validate.Form
	if err := s.checkCurrentPIN(c, l, &f, c.FormValue("current_pin")); err != nil {
		return err
	}
	if !f.Valid() {
		p, err := s.mePage(c)
		if err != nil {
			return err
		}
		p.CodeForm = f
		return s.render(c, statusOf(f), "me", p)
	}
	if _, err := s.store.RenewLearnerCode(c.Request().Context(), l.ID); err != nil {
		return err
	}
	if err := s.endOtherSessions(c, l.ID); err != nil {
		return err
	}
	s.flash(c, "flash.new_code")
	return seeOther(c, "/me#phones")
}

// myData is everything stored about a learner, for "download my data".
type myData struct {
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	BirthYear    int             `json:"birth_year"`
	Commune      myUnit          `json:"commune"`
	Village      *string         `json:"village"`
	VillageCode  *string         `json:"village_code"`           // a village of the commune's list
	OnPaper      bool            `json:"consent_given_on_paper"` // enrolled by a trainer
	Gender       *string         `json:"gender"`
	Phone        *string         `json:"phone"`
	PINSet       bool            `json:"pin_set"`
	Class        *myClass        `json:"class"`
	ConsentAt    time.Time       `json:"consent_at"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	LastActiveAt time.Time       `json:"last_active_at"`
	Progress     []myProgress    `json:"progress"`
	Attempts     []myAttempt     `json:"attempts"`
	Certificates []myCertificate `json:"certificates"`
	Practice     []myPracticeRun `json:"practice"`
	Tasks        []myTask        `json:"tasks"`
	Checks       []myCheck       `json:"checks"`
}

// myCheck is one result of the before/after check.
type myCheck struct {
	Kind    string            `json:"kind"`
	Answers map[string]string `json:"answers"`
	Correct int               `json:"correct"`
	Total   int               `json:"total"`
	Modules []myCheckModule   `json:"modules"`
	TakenAt time.Time         `json:"taken_at"`
}

type myCheckModule struct {
	Module  string `json:"module"`
	Correct int    `json:"correct"`
	Total   int    `json:"total"`
}

// myTask is a real task a trainer ticked for the learner.
type myTask struct {
	Task     string    `json:"task"`
	Title    string    `json:"title"`
	Alone    bool      `json:"alone"`
	DoneOn   string    `json:"done_on"`
	TickedAt time.Time `json:"ticked_at"`
}

// myPracticeRun is one walk through a practice scenario and its path.
type myPracticeRun struct {
	Scenario   string             `json:"scenario"`
	Outcome    *string            `json:"outcome"`
	Safe       *bool              `json:"safe"`
	StartedAt  time.Time          `json:"started_at"`
	FinishedAt *time.Time         `json:"finished_at"`
	Path       []myPracticeChoice `json:"path"`
}

type myPracticeChoice struct {
	Step   string    `json:"step"`
	Choice string    `json:"choice"`
	At     time.Time `json:"at"`
}

type myProgress struct {
	Module      string     `json:"module"`
	Lesson      string     `json:"lesson"`
	Status      string     `json:"status"`
	BestScore   int        `json:"best_score"`
	Total       int        `json:"total"`
	Attempts    int        `json:"attempts"`
	FirstAt     time.Time  `json:"first_at"`
	LastAt      time.Time  `json:"last_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Verified    bool       `json:"verified_by_trainer"`
}

type myUnit struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type myClass struct {
	Name     string `json:"name"`
	JoinCode string `json:"join_code"`
}

type myAttempt struct {
	Module    string            `json:"module"`
	Lesson    string            `json:"lesson"`
	Answers   map[string]string `json:"answers"`
	Score     int               `json:"score"`
	Total     int               `json:"total"`
	Passed    bool              `json:"passed"`
	CreatedAt time.Time         `json:"created_at"`
}

type myCertificate struct {
	Code      string    `json:"code"`
	Kind      string    `json:"kind"`
	Module    string    `json:"module,omitempty"`
	Name      string    `json:"name"`
	BirthYear int       `json:"birth_year"`
	IssuedAt  time.Time `json:"issued_at"`
}

// meData downloads everything stored about the learner as JSON.
func (s *Server) meData(c echo.Context) error {
	ctx := c.Request().Context()
	l := currentLearner(c)
	d := myData{Code: l.Code, Name: l.Name, BirthYear: l.BirthYear, Village: l.Village, VillageCode: l.VillageCode, OnPaper: l.ConsentBy != nil, Gender: l.Gender, Phone: l.Phone,
		PINSet: l.PinHash != nil, ConsentAt: l.ConsentAt, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, LastActiveAt: l.LastActiveAt,
		Progress: []myProgress{}, Attempts: []myAttempt{}, Certificates: []myCertificate{}, Practice: []myPracticeRun{}, Checks: []myCheck{}, Tasks: []myTask{}}
	unit, err := s.store.UnitByCode(ctx, l.UnitCode)
	if err != nil {
		return err
	}
	d.Commune = myUnit{Code: unit.Code, Name: unit.Name}
	if l.ClassID != nil {
		if class, err := s.store.ClassByID(ctx, *l.ClassID); err == nil {
			d.Class = &myClass{Name: class.Name, JoinCode: class.JoinCode}
		}
	}
	rows, err := s.store.ProgressOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, p := range rows {
		d.Progress = append(d.Progress, myProgress{Module: p.Module, Lesson: p.Lesson, Status: p.Status, BestScore: p.BestScore, Total: p.Total,
			Attempts: p.Attempts, FirstAt: p.FirstAt, LastAt: p.LastAt, CompletedAt: p.CompletedAt, Verified: p.VerifiedBy != nil})
	}
	attempts, err := s.store.AttemptsOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, a := range attempts {
		d.Attempts = append(d.Attempts, myAttempt{Module: a.Module, Lesson: a.Lesson, Answers: a.Choices(), Score: a.Score, Total: a.Total, Passed: a.Passed, CreatedAt: a.CreatedAt})
	}
	certs, err := s.store.CertificatesOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, cert := range certs {
		d.Certificates = append(d.Certificates, myCertificate{Code: cert.Code, Kind: cert.Kind, Module: cert.Module, Name: cert.Name, BirthYear: cert.BirthYear, IssuedAt: cert.IssuedAt})
	}
	runs, err := s.store.PracticeRunsOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, r := range runs {
		mr := myPracticeRun{Scenario: r.Scenario, Outcome: r.Outcome, Safe: r.Safe, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Path: []myPracticeChoice{}}
		for _, ch := range r.Choices {
			mr.Path = append(mr.Path, myPracticeChoice{Step: ch.Step, Choice: ch.Choice, At: ch.CreatedAt})
		}
		d.Practice = append(d.Practice, mr)
	}
	ticks, err := s.store.TasksOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, t := range ticks {
		title := t.Task
		if task, ok := s.cur.Task(curriculum.DefaultLocale, t.Task); ok {
			title = task.Title
		}
		d.Tasks = append(d.Tasks, myTask{Task: t.Task, Title: title, Alone: t.Alone, DoneOn: t.DoneOn, TickedAt: t.TickedAt})
	}
	checks, err := s.store.CheckResultsOf(ctx, l.ID)
	if err != nil {
		return err
	}
	for _, r := range checks {
		mc := myCheck{Kind: r.Kind, Answers: r.Choices(), Correct: r.Correct, Total: r.Total, TakenAt: r.TakenAt, Modules: []myCheckModule{}}
		for _, m := range r.Modules {
			mc.Modules = append(mc.Modules, myCheckModule{Module: m.Module, Correct: m.Correct, Total: m.Total})
		}
		d.Checks = append(d.Checks, mc)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="kynangso-`+l.Code+`.json"`)
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.JSONPretty(http.StatusOK, d, "  ")
}

// meDeleteShow asks the learner to confirm deleting their data.
func (s *Server) meDeleteShow(c echo.Context) error {
	p := s.page(c)
	p.NoIndex = true
	return s.render(c, http.StatusOK, "me_delete", p)
}

// meDeletePost deletes the learner, their progress, attempts and
// certificates, and signs the phone out. Counts already reported stay.
func (s *Server) meDeletePost(c echo.Context) error {
	l := currentLearner(c)
	if err := s.store.DeleteLearner(c.Request().Context(), l.ID); err != nil {
		return err
	}
	// The rows are gone; push them out of the WAL too, so no copy of the
	// files still holds them. If a reader holds the WAL now, the next
	// checkpoint does it: the deletion itself has succeeded either way.
	if err := s.store.Scrub(c.Request().Context()); err != nil {
		s.log.Warn("scrub after a learner deleted their data", "err", err)
	}
	if err := s.signOut(c); err != nil {
		return err
	}
	s.flash(c, "flash.deleted")
	return seeOther(c, "/")
}

// logoutPost signs this phone or computer out: a learner can come back
// with the code, a staff member with the sign-in form.
func (s *Server) logoutPost(c echo.Context) error {
	staff := currentStaff(c) != nil
	if err := s.signOut(c); err != nil {
		return err
	}
	s.flash(c, "flash.signed_out")
	if staff {
		return seeOther(c, "/login")
	}
	return seeOther(c, "/")
}
