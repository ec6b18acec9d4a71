package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
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
	// Staff sessions see other people's data: they end after 12 idle
	// hours, and a week after signing in whatever the activity, often on
	// a shared computer at the commune hall.
	staffTTL      = 12 * time.Hour
	staffRefresh  = 10 * time.Minute
	staffLifetime = 7 * 24 * time.Hour
)

// session is a signed-in visitor's server-side session, loaded by the
// session middleware when the cookie names one. Only signed-in people have
// sessions: a visitor's answers before registering live in their own
// cookie (pending.go), so anonymous traffic stores nothing. Sessions live in
// the database, so any app server sharing it can serve any request.
type session struct {
	id      string // SHA-256 of the token
	expires time.Time
	learner *store.Learner  // a resident's session
	staff   *auth.Principal // or a staff member's
}

const keySession = "kns.session"

// currentSession returns the request's session, or nil for a visitor.
func currentSession(c echo.Context) *session {
	s, _ := c.Get(keySession).(*session)
	return s
}

// currentLearner returns the signed-in learner, or nil.
func currentLearner(c echo.Context) *store.Learner {
	if s := currentSession(c); s != nil {
		return s.learner
	}
	return nil
}

// currentStaff returns the signed-in staff member, or nil.
func currentStaff(c echo.Context) *auth.Principal {
	if s := currentSession(c); s != nil {
		return s.staff
	}
	return nil
}

// noSession tells which paths never need the visitor's session.
func noSession(path string) bool {
	return isAssetPath(path) || path == "/healthz" || path == "/metrics" || strings.HasSuffix(path, "/qr.svg") || isWorkerPath(path)
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
			return next(c)
		}
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		row, err := s.store.SessionByID(ctx, hashToken(ck.Value))
		if errors.Is(err, store.ErrNotFound) {
			s.clearCookie(c, sessionCookie) // expired, ended or deleted: stop sending it
			return next(c)
		}
		if err != nil {
			return err
		}
		sess := &session{id: row.ID, expires: row.ExpiresAt, learner: row.Learner}
		ttl, refresh := sessionTTL, sessionRefresh
		switch {
		case row.User != nil:
			if !row.User.Active() || time.Since(row.CreatedAt) > staffLifetime {
				return s.dropSession(c, next, row.ID)
			}
			p, err := s.principal(ctx, *row.User)
			if err != nil {
				return err
			}
			sess.learner, sess.staff = nil, &p
			ttl, refresh = staffTTL, staffRefresh
		case row.Learner == nil: // a visitor's session from before they lived in cookies
			return s.dropSession(c, next, row.ID)
		}
		c.Set(keySession, sess)
		if time.Until(row.ExpiresAt) < ttl-refresh {
			sess.expires = time.Now().Add(ttl)
			if err := s.store.ExtendSession(ctx, sess.id, sess.expires); err != nil {
				return err
			}
			s.setCookie(c, sessionCookie, ck.Value, ttl)
		}
		return next(c)
	}
}

// dropSession ends a session that may no longer be used and serves the
// request as a visitor's.
func (s *Server) dropSession(c echo.Context, next echo.HandlerFunc, id string) error {
	if err := s.store.DeleteSession(c.Request().Context(), id); err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	return next(c)
}

// principal builds the typed principal of a staff account: who, what role,
// and the unit path every query of theirs is scoped to.
func (s *Server) principal(ctx context.Context, u store.User) (auth.Principal, error) {
	unit, err := s.store.UnitByCode(ctx, u.UnitCode)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("web: unit of user %d: %w", u.ID, err)
	}
	role, ok := auth.ParseRole(u.Role)
	if !ok {
		return auth.Principal{}, fmt.Errorf("web: user %d has unknown role %q", u.ID, u.Role)
	}
	p := auth.Principal{UserID: u.ID, Username: u.Username, Role: role, UnitCode: unit.Code, UnitName: unit.Name, UnitPath: unit.Path}
	if u.FullName != nil {
		p.FullName = *u.FullName
	}
	return p, nil
}

// signIn gives the visitor a fresh session for a learner. The old session
// is deleted and a new token issued, so a token seen before signing in
// (session fixation) is worth nothing after.
func (s *Server) signIn(c echo.Context, l store.Learner) error {
	return s.newSession(c, &session{learner: &l}, store.Session{LearnerID: &l.ID}, sessionTTL)
}

// signInStaff gives the visitor a fresh session for a staff account: the
// token seen before signing in is worth nothing after (rotation).
func (s *Server) signInStaff(c echo.Context, p auth.Principal) error {
	return s.newSession(c, &session{staff: &p}, store.Session{UserID: &p.UserID}, staffTTL)
}

func (s *Server) newSession(c echo.Context, sess *session, row store.Session, ttl time.Duration) error {
	ctx := c.Request().Context()
	if old := currentSession(c); old != nil {
		if err := s.store.DeleteSession(ctx, old.id); err != nil {
			return err
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	row.ID, row.Data, row.ExpiresAt = hashToken(token), "{}", time.Now().Add(ttl)
	if err := s.store.CreateSession(ctx, &row); err != nil {
		return err
	}
	sess.id, sess.expires = row.ID, row.ExpiresAt
	c.Set(keySession, sess)
	s.setCookie(c, sessionCookie, token, ttl)
	return nil
}

// signOut ends the session and forgets the cookie. The form-binding cookie
// is renewed too, so a registration form sent again from this phone after
// signing out cannot sign anyone back in (see register).
func (s *Server) signOut(c echo.Context) error {
	if sess := currentSession(c); sess != nil {
		if err := s.store.DeleteSession(c.Request().Context(), sess.id); err != nil {
			return err
		}
	}
	c.Set(keySession, (*session)(nil))
	s.clearCookie(c, sessionCookie)
	s.clearCookie(c, deviceCookie)
	return nil
}

// endOtherSessions signs the learner out on every other phone: after the
// PIN or the personal code changes, whoever knew the old ones must not stay
// in. The current session is kept.
func (s *Server) endOtherSessions(c echo.Context, learnerID int64) error {
	keep := ""
	if sess := currentSession(c); sess != nil {
		keep = sess.id
	}
	_, err := s.store.DeleteLearnerSessions(c.Request().Context(), learnerID, keep)
	return err
}

// sweep deletes expired sessions and old throttle counts; housekeeping.
func (s *Server) sweep(ctx context.Context) {
	if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	} else if n > 0 {
		s.log.Info("expired sessions deleted", "count", n)
	}
	if _, err := s.store.DeleteStaleThrottles(ctx, 48*time.Hour); err != nil {
		s.log.Warn("delete stale throttles", "err", err)
	}
}
