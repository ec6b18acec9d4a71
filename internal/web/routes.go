package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kynangso/kynangso/internal/curriculum"
)

// routes is the one table of every route, grouped by audience.
func (s *Server) routes() {
	e := s.echo
	// The request log wraps Recover (not the other way round, as in STYLE's
	// list) so that a panic is logged as the 500 it becomes.
	e.Use(
		requestIDs,
		s.requestLog,
		middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: s.logPanic}),
		s.securityHeaders,
		middleware.BodyLimit(maxBody),
		s.language,
		s.csrf(),
		s.sessions,
	)

	// Operators and machines.
	e.GET("/healthz", s.healthShow)
	e.GET("/metrics", s.metricsShow)
	e.GET("/static/:hash/:name", s.static.serve)
	e.GET(curriculumMediaRoute, s.media.serve)

	// Residents: reading is open to everyone; saving needs a learner record.
	e.GET("/", s.home)
	e.GET("/modules/:module", s.moduleShow)
	e.GET("/modules/:module/:lesson", s.lessonShow)
	e.POST("/modules/:module/:lesson/quiz", s.quizPost)
	e.GET("/modules/:module/:lesson/result", s.quizResult)
	e.GET(curriculum.GlossaryPath, s.glossaryShow)
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
}

// slashRedirect sends an area's bare name to its landing page.
func slashRedirect(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, c.Request().URL.Path+"/")
}

// logPanic sends a recovered panic to the structured log, with its stack.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "id", requestID(c), "route", c.Path(), "err", err, "stack", string(stack))
	return err
}

const curriculumMediaRoute = "/media/:hash/:name"
