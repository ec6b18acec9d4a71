package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// guard is one throttle key with its rule. Every throttle of the app goes
// through take, which counts an attempt and decides in one atomic database
// statement before any secret is compared or any row is created.
type guard struct {
	name string
	lim  store.Limit
}

// The rules. A commune hall shares one address among a whole class, so
// per-client rules are generous; per-code rules are what stop guessing.
func resumeCodeGuard(code string) guard {
	return guard{"resume-code:" + code, store.Limit{Max: 5, Window: 15 * time.Minute}}
}

func (s *Server) resumeClientGuard(c echo.Context) guard {
	return guard{"resume-client:" + s.clientKey(c), store.Limit{Max: 20, Window: 15 * time.Minute}}
}

// A class of forty registers in a few minutes from one hall's Wi-Fi; a
// script registering hundreds a second is stopped within the first minute.
func (s *Server) registerGuards(c echo.Context) []guard {
	k := s.clientKey(c)
	return []guard{
		{"register-client:" + k, store.Limit{Max: 60, Window: 10 * time.Minute}},
		{"register-day:" + k, store.Limit{Max: 300, Window: 24 * time.Hour}},
	}
}

// take counts one attempt against each guard in turn and stops at the first
// that refuses. It returns the refusing verdict, or an allowing one.
func (s *Server) take(ctx context.Context, guards ...guard) (store.Verdict, error) {
	for _, g := range guards {
		v, err := s.store.Take(ctx, g.name, g.lim)
		if err != nil || !v.Allowed {
			return v, err
		}
	}
	return store.Verdict{Allowed: true}, nil
}

// refund gives back the attempt counted against each guard: the attempt
// succeeded, or was not a real try (a form with a blank field).
func (s *Server) refund(ctx context.Context, guards ...guard) error {
	for _, g := range guards {
		if err := s.store.Refund(ctx, g.name); err != nil {
			return err
		}
	}
	return nil
}

// tooMany tells a refused person, in plain words, when to try again: in
// how many minutes and at what time of day (Vietnam time).
func tooMany(f *validate.Form, v store.Verdict) {
	minutes := int(time.Until(v.RetryAt).Minutes()) + 1
	f.Fail("form.error.too_many_tries", "Minutes", minutes, "Time", v.RetryAt.In(vietnamTime()).Format("15:04"))
}

// clientKey identifies the client for throttling without storing its
// address: an HMAC with a secret kept in the database (shared by all app
// servers), so the stored value cannot be turned back into an address. An
// IPv6 client is keyed by its /64 network, which one subscriber usually
// holds whole: otherwise each of its 2^64 addresses would get its own count.
func (s *Server) clientKey(c echo.Context) string {
	addr := c.RealIP()
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		addr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(addr))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
