package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
)

const (
	sessionCookie = "sid"
	// A resident's own phone stays signed in for half a year: retyping a
	// code is the hardest step for our users. Activity extends it.
	sessionTTL = 180 * 24 * time.Hour
	// The expiry is pushed forward at most once a day, so reading pages
	// does not turn into a write per request.
	sessionRefresh = 24 * time.Hour
	// maxPending caps the quiz results an anonymous visitor keeps.
	maxPending = 40
)

// session is the visitor's server-side session, loaded by the session
// middleware when the cookie names one. Sessions live in the database, so
// any app server sharing it can serve any request.
type session struct {
	id      string // SHA-256 of the token; "" before the first save
	data    sessionData
	expires time.Time
	learner *store.Learner
}

// sessionData is what a session remembers besides who it belongs to.
type sessionData struct {
	// Pending holds quiz attempts made before registering, one per lesson,
	// attached to the learner record when they register.
	Pending []pendingAttempt `json:"pending,omitempty"`
}

type pendingAttempt struct {
	Module     string            `json:"module"`
	Lesson     string            `json:"lesson"`
	Choices    map[string]string `json:"choices"`
	Submission string            `json:"submission"`
	At         time.Time         `json:"at"`
}

func (d *sessionData) pending(module, lesson string) *pendingAttempt {
	for i := range d.Pending {
		if d.Pending[i].Module == module && d.Pending[i].Lesson == lesson {
			return &d.Pending[i]
		}
	}
	return nil
}

func (d *sessionData) keep(p pendingAttempt) {
	if old := d.pending(p.Module, p.Lesson); old != nil {
		*old = p
		return
	}
	d.Pending = append(d.Pending, p)
	if len(d.Pending) > maxPending {
		d.Pending = d.Pending[len(d.Pending)-maxPending:]
	}
}

const keySession = "kns.session"

// currentSession returns the request's session (never nil; possibly unsaved).
func currentSession(c echo.Context) *session {
	s, _ := c.Get(keySession).(*session)
	if s == nil {
		s = &session{}
		c.Set(keySession, s)
	}
	return s
}

// currentLearner returns the signed-in learner, or nil.
func currentLearner(c echo.Context) *store.Learner {
	return currentSession(c).learner
}

// noSession tells which paths never need the visitor's session.
func noSession(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/media/") ||
		path == "/healthz" || path == "/metrics" || strings.HasSuffix(path, "/qr.svg")
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessions loads the session named by the cookie, if any. Visitors without
// a cookie cost no database work.
func (s *Server) sessions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if noSession(c.Request().URL.Path) {
			return next(c) // files and probes: no database work for them
		}
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		row, err := s.store.SessionByID(ctx, hashToken(ck.Value))
		if errors.Is(err, store.ErrNotFound) {
			s.clearSessionCookie(c) // expired or deleted: stop sending it
			return next(c)
		}
		if err != nil {
			return err
		}
		sess := &session{id: row.ID, expires: row.ExpiresAt, learner: row.Learner}
		_ = json.Unmarshal([]byte(row.Data), &sess.data)
		c.Set(keySession, sess)
		if time.Until(row.ExpiresAt) < sessionTTL-sessionRefresh {
			if err := s.saveSession(c); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// saveSession writes the session's data, creating the session (and its
// cookie) if the visitor had none.
func (s *Server) saveSession(c echo.Context) error {
	sess := currentSession(c)
	data, err := json.Marshal(sess.data)
	if err != nil {
		return err
	}
	sess.expires = time.Now().Add(sessionTTL)
	ctx := c.Request().Context()
	if sess.id != "" {
		if err := s.store.UpdateSession(ctx, sess.id, string(data), sess.expires); err != nil {
			return err
		}
		s.setSessionCookieExpiry(c)
		return nil
	}
	return s.newSession(c, sess, string(data))
}

// signIn gives the visitor a fresh session for a learner. The old session
// is deleted and a new token issued, so a token seen before signing in
// (session fixation) is worth nothing after.
func (s *Server) signIn(c echo.Context, l store.Learner) error {
	old := currentSession(c)
	ctx := c.Request().Context()
	if old.id != "" {
		if err := s.store.DeleteSession(ctx, old.id); err != nil {
			return err
		}
	}
	sess := &session{learner: &l, expires: time.Now().Add(sessionTTL)}
	c.Set(keySession, sess)
	return s.newSession(c, sess, "{}")
}

// signOut ends the session and forgets the cookie.
func (s *Server) signOut(c echo.Context) error {
	sess := currentSession(c)
	if sess.id != "" {
		if err := s.store.DeleteSession(c.Request().Context(), sess.id); err != nil {
			return err
		}
	}
	c.Set(keySession, &session{})
	s.clearSessionCookie(c)
	return nil
}

func (s *Server) newSession(c echo.Context, sess *session, data string) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	row := store.Session{ID: hashToken(token), Data: data, ExpiresAt: time.Now().Add(sessionTTL)}
	if sess.learner != nil {
		row.LearnerID = &sess.learner.ID
	}
	if err := s.store.CreateSession(c.Request().Context(), &row); err != nil {
		return err
	}
	sess.id, sess.expires = row.ID, row.ExpiresAt
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: sess.expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	return nil
}

func (s *Server) setSessionCookieExpiry(c echo.Context) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: ck.Value, Path: "/", Expires: currentSession(c).expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
}

// sweep deletes expired sessions and old throttle counts; housekeeping.
func (s *Server) sweep(ctx context.Context) {
	if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	} else if n > 0 {
		s.log.Info("expired sessions deleted", "count", n)
	}
	if _, err := s.store.DeleteStaleThrottles(ctx, 24*time.Hour); err != nil {
		s.log.Warn("delete stale throttles", "err", err)
	}
}
