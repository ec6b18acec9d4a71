package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type health struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Lessons  int    `json:"lessons"`
	Version  string `json:"version"`
}

// healthShow answers load balancers and `make integration`: 200 when the
// database answers, 503 when it does not.
func (s *Server) healthShow(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	h := health{Status: "ok", Database: "ok", Lessons: s.cur.LessonCount(), Version: s.version}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health: database check failed", "err", err)
		h.Status, h.Database, status = "unavailable", "unreachable", http.StatusServiceUnavailable
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, h)
}
