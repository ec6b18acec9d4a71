package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// routes is the one table of every route, grouped by audience.
func (s *Server) routes() error {
	e := s.echo
	crossOrigin, err := s.crossOrigin()
	if err != nil {
		return err
	}
	// The request log wraps Recover (not the other way round, as in STYLE's
	// list) so that a panic is logged as the 500 it becomes.
	e.Use(
		requestIDs,
		s.requestLog,
		middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: s.logPanic}),
		s.securityHeaders,
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: maxBody, Skipper: isUpload}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: maxImportBody, Skipper: func(c echo.Context) bool { return !isUpload(c) }}),
		s.language,
		crossOrigin,
		s.sessions,
	)

	// Operators and machines.
	e.GET("/healthz", s.healthShow)
	e.GET("/metrics", s.metricsShow)
	e.GET("/static/:hash/:name", s.static.serve)
	e.GET(curriculumMediaRoute, s.media.serve)
	e.GET("/sw.js", s.workerShow)
	e.GET("/manifest.webmanifest", s.manifestShow)

	// Residents: reading is open to everyone; saving needs a learner record.
	e.GET("/", s.home)
	e.GET("/modules/:module", s.moduleShow)
	e.GET("/modules/:module/:lesson", s.lessonShow)
	e.POST("/modules/:module/:lesson/quiz", s.quizPost)
	e.GET("/modules/:module/:lesson/result", s.quizResult)
	e.GET(curriculum.GlossaryPath, s.glossaryShow)
	e.GET("/offline", s.offlineShow)
	e.POST("/view", s.viewPost)
	e.GET("/register", s.registerShow)
	e.POST("/register", s.registerPost)
	e.GET("/join", s.joinCodeShow)
	e.GET("/join/:code", s.joinShow)
	e.POST("/join/:code", s.joinPost)
	e.GET("/resume", s.resumeShow)
	e.POST("/resume", s.resumePost)
	e.POST("/logout", s.logoutPost)
	e.GET("/certificates/:code", s.certificateShow)
	e.GET("/certificates/:code/qr.svg", s.certificateQR)
	e.GET("/practice", s.practiceRedirect)
	e.GET("/practice/", s.practiceIndex)
	e.GET("/practice/:scenario", s.practiceShow)
	e.GET("/practice/:scenario/:step", s.practiceStepShow)
	e.POST("/practice/:scenario", s.practicePost)
	e.GET("/check", s.checkShow)
	e.GET("/check/:kind", s.checkForm)
	e.POST("/check/:kind", s.checkPost)
	e.GET("/check/:kind/result", s.checkResult)

	// A learner's own pages. (Middleware per route, not an Echo group: a
	// group adds catch-all routes that would send every unknown URL to
	// the sign-in page instead of a 404.)
	e.GET("/welcome", s.welcomeShow, requireLearner)
	e.GET("/me", s.meShow, requireLearner)
	e.POST("/me", s.mePost, requireLearner)
	e.POST("/me/pin", s.mePinPost, requireLearner)
	e.POST("/me/sign-out-others", s.meSignOutOthersPost, requireLearner)
	e.POST("/me/new-code", s.meNewCodePost, requireLearner)
	e.GET("/me/data.json", s.meData, requireLearner)
	e.GET("/me/delete", s.meDeleteShow, requireLearner)
	e.POST("/me/delete", s.meDeletePost, requireLearner)

	// Staff: sign-in, then one area per audience, each an Echo group guarded
	// by role (see areas in staff.go). Unknown paths inside an area send a
	// visitor to the sign-in form and a signed-in staff member to a 404.
	e.GET("/login", s.loginShow)
	e.POST("/login", s.loginPost)
	account := e.Group("/account", s.requireArea("/account"))
	account.GET("/password", s.accountPasswordShow)
	account.POST("/password", s.accountPasswordPost)

	trainer := e.Group("/trainer", s.requireArea("/trainer"))
	trainer.GET("", s.trainerHome)
	// Trainers' class work (issue 10, 10B): sessions and attendance, the
	// progress grid and needs-help list, question analysis, real tasks,
	// exports, one learner's page. Class ids are checked against the scope.
	trainer.GET("/classes/:class/sessions", s.sessionsShow)
	trainer.POST("/classes/:class/sessions", s.sessionsPost)
	trainer.GET("/classes/:class/sessions/:session", s.sessionShow)
	trainer.POST("/classes/:class/sessions/:session/attendance", s.attendancePost)
	trainer.POST("/classes/:class/sessions/:session/completions", s.completionsPost)
	trainer.GET("/classes/:class/grid", s.gridShow)
	trainer.GET("/classes/:class/grid/:module", s.gridModuleShow)
	trainer.GET("/classes/:class/analysis", s.analysisShow)
	trainer.GET("/classes/:class/analysis/print", s.analysisPrint)
	trainer.GET("/classes/:class/tasks", s.classTasksShow)
	trainer.POST("/classes/:class/tasks", s.classTasksPost)
	for _, kind := range []string{exportList, exportProgress, exportTasks} {
		name := map[string]string{exportList: "export", exportProgress: "progress", exportTasks: "tasks"}[kind]
		trainer.GET("/classes/:class/"+name+".csv", s.classExport(kind, "csv"))
		trainer.GET("/classes/:class/"+name+".xlsx", s.classExport(kind, "xlsx"))
	}
	trainer.GET("/learners/:learner", s.learnerShow)
	trainer.POST("/learners/:learner/tasks", s.learnerTasksPost)

	// Classes, enrolment, learner cards, imports and villages (issue 10, 10A).
	trainer.GET("/classes", s.classesList)
	trainer.GET("/classes/new", s.classNew)
	trainer.POST("/classes/new", s.classNewPost)
	trainer.GET("/classes/:class", s.classShow)
	trainer.GET("/classes/:class/edit", s.classEdit)
	trainer.POST("/classes/:class/edit", s.classEditPost)
	trainer.GET("/classes/:class/poster", s.classPoster)
	trainer.GET("/classes/:class/code", s.classCode)
	trainer.POST("/classes/:class/code", s.classCodePost)
	trainer.POST("/classes/:class/archive", s.classArchivePost)
	trainer.GET("/classes/:class/enrol", s.enrolShow)
	trainer.POST("/classes/:class/enrol", s.enrolPost)
	trainer.GET("/classes/:class/cards", s.classCards)
	trainer.GET("/classes/:class/import", s.importShow)
	trainer.POST("/classes/:class/import", s.importPost)
	trainer.GET("/classes/:class/import/template.csv", s.importTemplate)
	trainer.GET("/classes/:class/import/template.xlsx", s.importTemplate)
	trainer.GET("/villages", s.villagesShow)
	trainer.POST("/villages", s.villageAddPost)
	trainer.POST("/villages/match", s.villageMatchPost)
	trainer.POST("/villages/:village", s.villagePost)

	reports := e.Group("/reports", s.requireArea("/reports"))
	reports.GET("", slashRedirect)
	// Reports (issue 11): a unit's report, drilling down the tree, and the
	// returns offices send; the machine-readable ones also take an API
	// token (tokenOrStaff), so they sit outside the group's guard.
	reports.GET("/", s.reportsHome)
	reports.GET("/units/:code", s.reportUnit)
	reports.GET("/units/:code/trainers", s.reportTrainers)
	reports.GET("/units/:code/monthly", s.reportMonthly)
	reports.GET("/units/:code/monthly.xlsx", s.reportMonthlyXLSX)
	reports.GET("/units/:code/weekly", s.reportWeekly)
	reports.GET("/units/:code/flags", s.reportFlags)
	e.GET("/reports/api/units/:code", s.reportAPI, s.tokenOrStaff)
	e.GET("/reports/export.csv", s.reportExportCSV, s.tokenOrStaff)
	e.GET("/reports/export.xlsx", s.reportExportXLSX, s.tokenOrStaff)
	e.GET("/open-data", slashRedirect)
	e.GET("/open-data/", s.openDataShow)
	e.GET("/open-data/reach.csv", s.openDataCSV)
	e.GET("/open-data/reach.json", s.openDataJSON)

	admin := e.Group("/admin", s.requireArea("/admin"))
	admin.GET("", slashRedirect)
	admin.GET("/", s.adminHome)
	admin.GET("/users", s.adminUsers)
	admin.POST("/users", s.adminUserNewPost)
	admin.GET("/users/:id", s.adminUser)
	admin.POST("/users/:id", s.adminUserPost)
	// Units, population and targets; API tokens for the reports (issue 11).
	admin.GET("/units", s.adminUnits)
	admin.GET("/units/import", s.adminUnitsImportShow)
	admin.POST("/units/import", s.adminUnitsImportPost)
	admin.GET("/units/:code", s.adminUnit)
	admin.POST("/units/:code", s.adminUnitPost)
	admin.GET("/tokens", s.adminTokens)
	admin.POST("/tokens", s.adminTokenNewPost)
	admin.POST("/tokens/:token/revoke", s.adminTokenRevoke)
	// The needs-help thresholds (issue 10, 10B).
	admin.GET("/settings", s.adminSettings)
	admin.POST("/settings", s.adminSettingsPost)
	return nil
}

// isUpload tells the body limits apart: the file upload of an import gets
// a larger limit than every other form. Both limits run before anything
// reads the body (the CSRF check reads form fields), which is why they
// are chosen here by route and not attached to the route itself.
func isUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == importRoute
}

// slashRedirect sends an area's bare name to its landing page.
func slashRedirect(c echo.Context) error {
	u := c.Request().URL.Path + "/"
	if q := c.Request().URL.RawQuery; q != "" {
		u += "?" + q
	}
	return c.Redirect(http.StatusMovedPermanently, u)
}

// logPanic sends a recovered panic to the structured log, with its stack.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "id", requestID(c), "route", c.Path(), "err", err, "stack", string(stack))
	return err
}

const curriculumMediaRoute = "/media/:hash/:name"
