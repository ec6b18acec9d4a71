package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Quizzes answered before registering are kept on the visitor's own phone,
// in a signed cookie, not in the database: anonymous visitors then cost no
// stored state at all, however many quizzes they post. The cookie is
// signed (HMAC-SHA256 with a key kept in the database) so that nobody can
// plant answers in it; it holds nothing secret. It is attached to the
// learner's record when they register, and cleared.
const (
	pendingCookie = "pending"
	// maxPendingBytes keeps the cookie under the 4096 bytes browsers
	// accept, with room for its name and attributes. The oldest answers
	// are dropped first: about 35 lessons fit.
	maxPendingBytes = 3800
	pendingTTL      = 30 * 24 * time.Hour
)

// pendingAttempt is a quiz answered by a visitor who has not registered.
type pendingAttempt struct {
	Module, Lesson string
	Choices        map[string]string
	Submission     string
	At             time.Time
}

// encodePending writes one attempt per line: module, lesson, choices as a
// query string, submission key, Unix time; fields separated by tabs.
// Slugs, question and option ids and keys never hold a tab or a newline.
func encodePending(list []pendingAttempt) string {
	var b strings.Builder
	for _, p := range list {
		q := url.Values{}
		for k, v := range p.Choices {
			q.Set(k, v)
		}
		b.WriteString(p.Module + "\t" + p.Lesson + "\t" + q.Encode() + "\t" + p.Submission + "\t" + strconv.FormatInt(p.At.Unix(), 10) + "\n")
	}
	return b.String()
}

func decodePending(s string) []pendingAttempt {
	var out []pendingAttempt
	for _, line := range strings.Split(s, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			continue
		}
		q, err := url.ParseQuery(f[2])
		unix, err2 := strconv.ParseInt(f[4], 10, 64)
		if err != nil || err2 != nil {
			continue
		}
		p := pendingAttempt{Module: f[0], Lesson: f[1], Choices: map[string]string{}, Submission: f[3], At: time.Unix(unix, 0).UTC()}
		for k := range q {
			p.Choices[k] = q.Get(k)
		}
		out = append(out, p)
	}
	return out
}

func (s *Server) signPending(payload string) string {
	m := hmac.New(sha256.New, s.cookieKey)
	m.Write([]byte(pendingCookie + "\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// readPending returns the visitor's pending answers; a cookie that is
// missing, damaged or not signed by us counts as none.
func (s *Server) readPending(c echo.Context) []pendingAttempt {
	ck, err := c.Cookie(pendingCookie)
	if err != nil {
		return nil
	}
	data, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.signPending(data))) {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil
	}
	return decodePending(string(payload))
}

// keepPending stores a visitor's answer, replacing an earlier answer to the
// same lesson, and drops the oldest answers while the cookie is too big.
func (s *Server) keepPending(c echo.Context, p pendingAttempt) {
	list := []pendingAttempt{}
	for _, old := range s.readPending(c) {
		if old.Module != p.Module || old.Lesson != p.Lesson {
			list = append(list, old)
		}
	}
	list = append(list, p)
	for {
		data := base64.RawURLEncoding.EncodeToString([]byte(encodePending(list)))
		value := data + "." + s.signPending(data)
		if len(value) <= maxPendingBytes || len(list) == 1 {
			s.setCookie(c, pendingCookie, value, pendingTTL)
			return
		}
		list = list[1:]
	}
}

// pendingFor returns the visitor's pending answer to one lesson, or nil.
func (s *Server) pendingFor(c echo.Context, module, lesson string) *pendingAttempt {
	for _, p := range s.readPending(c) {
		if p.Module == module && p.Lesson == lesson {
			return &p
		}
	}
	return nil
}

func (s *Server) clearPending(c echo.Context) {
	s.clearCookie(c, pendingCookie)
}
