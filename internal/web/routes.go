package web

import (
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
}

// logPanic sends a recovered panic to the structured log, with its stack.
func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "id", requestID(c), "route", c.Path(), "err", err, "stack", string(stack))
	return err
}

const curriculumMediaRoute = "/media/:hash/:name"
