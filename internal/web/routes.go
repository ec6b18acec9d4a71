package web

import (
	"github.com/labstack/echo/v4/middleware"
)

// routes is the one table of every route, grouped by audience.
func (s *Server) routes() {
	e := s.echo
	// The request log wraps Recover (not the other way round, as in STYLE's
	// list) so that a panic is logged as the 500 it becomes.
	e.Use(
		middleware.RequestID(),
		s.requestLog,
		middleware.Recover(),
		securityHeaders,
		middleware.BodyLimit(maxBody),
		s.language,
		s.csrf(),
	)

	// Operators and machines.
	e.GET("/healthz", s.healthShow)
	e.GET("/metrics", s.metricsShow)
	e.GET("/static/:hash/:name", s.static.serve)
	e.GET(curriculumMediaRoute, s.media.serve)

	// Residents: reading is open to everyone.
	e.GET("/", s.home)
	e.GET("/modules/:module", s.moduleShow)
	e.GET("/modules/:module/:lesson", s.lessonShow)
	e.POST("/modules/:module/:lesson/quiz", s.quizPost)
}

const curriculumMediaRoute = "/media/:hash/:name"
