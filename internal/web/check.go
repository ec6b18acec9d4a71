package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/learning"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// The before/after check (DESIGN §2): an optional short check a learner
// takes when starting ("before") and again after completing a module
// ("after"); /me compares the two module by module. The questions are the
// same both times so that the scores compare. The check is one plain form
// posted once (303 to the result, 422 with the answers kept), so it works
// without JavaScript.
//
// A signed-in learner's results are stored; a visitor's "before" result is
// kept in a signed cookie on their own phone (like pending.go's quiz
// answers, so visitors cost no stored state and get no session) and is
// stored when they register.

const (
	checkCookie = "check"
	checkTTL    = 30 * 24 * time.Hour
)

// checkKind reads the kind in the URL; anything else is a 404.
func checkKind(c echo.Context) (string, error) {
	switch k := c.Param("kind"); k {
	case store.CheckBefore, store.CheckAfter:
		return k, nil
	}
	return "", echo.ErrNotFound
}

// checkPage is the data of the intro, the form and the result.
type checkPage struct {
	Page
	Check      *curriculum.Check
	Kind       string
	Answers    map[string]string // kept when the form comes back
	Missing    map[string]bool   // questions left unanswered
	Submission string            // the form's key: a double tap stores one result
	Summary    checkSummary
	Grade      *curriculum.CheckGrade // on the result page
	TakenAt    time.Time              // when the shown result was taken
	Saved      bool                   // the result is stored with the learner's record
	// ShowAnswers shows the right option and the explanation of every
	// option. Only after the "after" check: explaining the answers of the
	// "before" check would teach the very questions asked again later, and
	// the gain would measure memory of this page, not the lessons.
	ShowAnswers bool
	Lessons     []*curriculum.Lesson // on a "before" result: the lessons behind the questions missed
}

// CheckSummary is what the "checktable" partial shows.
func (p checkPage) CheckSummary() checkSummary { return p.Summary }

// CheckSummary is what the "checktable" partial shows on /me.
func (p mePage) CheckSummary() checkSummary {
	if p.Check == nil {
		return checkSummary{}
	}
	return *p.Check
}

// checkSummary is what a learner (or a visitor) has done in the check, as
// /check, /me and the result page show it.
type checkSummary struct {
	Before, After *checkTaken
	AfterOpen     bool       // the "after" check may be taken now
	Rows          []checkRow // one per module, then Total
	Total         checkRow
}

// checkTaken is one result: when, and the score per module.
type checkTaken struct {
	At      time.Time
	Saved   bool
	Correct int
	Total   int
	Modules map[string][2]int // module slug → right, total
}

// checkRow is one line of the before/after table, in words: a score is
// "2/2" or "not taken", and the change says up or down in words beside the
// arrow, never by colour alone.
type checkRow struct {
	Module        *curriculum.Module // nil on the total line
	Before, After string
	Change        string // "" unless both were taken
	Trend         string // "up", "down" or "same": a class for the arrow's colour
}

func takenFromStore(r store.CheckResult) *checkTaken {
	t := &checkTaken{At: r.TakenAt, Saved: true, Correct: r.Correct, Total: r.Total, Modules: map[string][2]int{}}
	for _, m := range r.Modules {
		t.Modules[m.Module] = [2]int{m.Correct, m.Total}
	}
	return t
}

func takenFromGrade(g curriculum.CheckGrade, at time.Time) *checkTaken {
	t := &checkTaken{At: at, Correct: g.Score, Total: g.Total, Modules: map[string][2]int{}}
	for _, m := range g.Modules {
		t.Modules[m.Module] = [2]int{m.Right, m.Total}
	}
	return t
}

// fillRows lays out the table: a row per module, in the curriculum's
// order, and the total.
func (s *Server) fillRows(sum *checkSummary, p Page) {
	score := func(t *checkTaken, slug string) (string, int, bool) {
		if t == nil {
			return p.T("check.not_taken"), 0, false
		}
		right, total := t.Correct, t.Total
		if slug != "" {
			m, ok := t.Modules[slug]
			if !ok {
				return p.T("check.not_taken"), 0, false
			}
			right, total = m[0], m[1]
		}
		return fmt.Sprintf("%d/%d", right, total), right, true
	}
	row := func(m *curriculum.Module, slug string) checkRow {
		r := checkRow{Module: m}
		var nb, na int
		var okb, oka bool
		r.Before, nb, okb = score(sum.Before, slug)
		r.After, na, oka = score(sum.After, slug)
		switch d := na - nb; {
		case !okb || !oka:
		case d > 0:
			r.Change, r.Trend = "▲ "+p.N("check.change_up", d), "up"
		case d < 0:
			r.Change, r.Trend = "▼ "+p.N("check.change_down", -d), "down"
		default:
			r.Change, r.Trend = "= "+p.T("check.change_same"), "same"
		}
		return r
	}
	sum.Rows = nil
	for _, m := range s.cur.Modules(p.Lang) {
		sum.Rows = append(sum.Rows, row(m, m.Slug))
	}
	sum.Total = row(nil, "")
}

// checkSummaryFor reads what the visitor or learner has done in the check.
func (s *Server) checkSummaryFor(c echo.Context, p Page) (checkSummary, error) {
	var sum checkSummary
	ch := s.cur.Check(p.Lang)
	if ch == nil {
		return sum, nil
	}
	if l := currentLearner(c); l != nil {
		ctx := c.Request().Context()
		results, err := s.store.CheckResultsOf(ctx, l.ID)
		if err != nil {
			return sum, err
		}
		for _, r := range results {
			if r.Kind == store.CheckBefore {
				sum.Before = takenFromStore(r)
			} else {
				sum.After = takenFromStore(r)
			}
		}
		pm, err := s.store.ProgressMap(ctx, l.ID)
		if err != nil {
			return sum, err
		}
		sum.AfterOpen = s.recorder.AfterCheckOpen(sum.Before != nil, pm)
	} else if v := s.readCheckCookie(c); v != nil {
		sum.Before = takenFromGrade(ch.Grade(v.Choices), v.At)
	}
	s.fillRows(&sum, p)
	return sum, nil
}

// checkPageFor builds the common part of the check's pages; 404 when the
// content has no check.
func (s *Server) checkPageFor(c echo.Context) (checkPage, error) {
	p := checkPage{Page: s.page(c)}
	if p.Check = s.cur.Check(p.Lang); p.Check == nil {
		return p, echo.ErrNotFound
	}
	var err error
	p.Summary, err = s.checkSummaryFor(c, p.Page)
	return p, err
}

// checkKindPageFor is checkPageFor for the pages of one kind of check
// (before or after, from the URL).
func (s *Server) checkKindPageFor(c echo.Context) (checkPage, string, error) {
	kind, err := checkKind(c)
	if err != nil {
		return checkPage{}, "", err
	}
	p, err := s.checkPageFor(c)
	p.Kind = kind
	return p, kind, err
}

// checkShow explains the check and offers what the visitor may do next.
func (s *Server) checkShow(c echo.Context) error {
	p, err := s.checkPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "check", p)
}

// checkGate says where a request for a kind of check must go instead of
// the form ("" when the form may be shown): a learner's "before" result is
// taken once, and the "after" check opens with AfterCheckOpen (visitors
// must register first).
func (p checkPage) checkGate(kind string) string {
	switch {
	case kind == store.CheckBefore && p.Learner != nil && p.Summary.Before != nil:
		return "/check/before/result"
	case kind == store.CheckAfter && !p.Summary.AfterOpen:
		return "/check"
	}
	return ""
}

// checkForm shows the questions of the check on one page.
func (s *Server) checkForm(c echo.Context) error {
	p, kind, err := s.checkKindPageFor(c)
	if err != nil {
		return err
	}
	if to := p.checkGate(kind); to != "" {
		return seeOther(c, to)
	}
	p.Submission = newNonce()
	return s.render(c, http.StatusOK, "check_form", p)
}

// checkPost grades a submitted check. An incomplete form comes back (422)
// with the answers given and a note on each unanswered question. A
// complete one is stored (for a learner) or kept on the visitor's phone,
// and the browser is sent to the result (303), so a reload never submits
// twice.
func (s *Server) checkPost(c echo.Context) error {
	p, kind, err := s.checkKindPageFor(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	p.Submission = form.Get("_sub")
	if p.Submission == "" {
		p.Submission = newNonce()
	} else if !validate.Key(p.Submission) {
		return echo.NewHTTPError(http.StatusBadRequest, "bad submission key")
	}
	if to := p.checkGate(kind); to != "" { // a second "before", or an "after" not open
		if l := p.Learner; l != nil && kind == store.CheckBefore {
			r, err := s.store.CheckResultOf(c.Request().Context(), l.ID, kind)
			if err != nil {
				return err
			}
			if r.Submission != p.Submission { // not a double tap: say why nothing changed
				s.flash(c, "flash.check_kept")
			}
		}
		return seeOther(c, to)
	}
	p.Answers = map[string]string{}
	for _, q := range p.Check.Questions {
		p.Answers[q.ID] = form.Get(q.ID)
	}
	g := p.Check.Grade(p.Answers)
	if len(g.Missing) > 0 {
		p.Missing = map[string]bool{}
		for _, id := range g.Missing {
			p.Missing[id] = true
		}
		return s.render(c, http.StatusUnprocessableEntity, "check_form", p)
	}
	if l := currentLearner(c); l != nil {
		out, err := s.recorder.Check(c.Request().Context(), l.ID, learning.CheckAnswer{Kind: kind, Choices: g.Choices(), Submission: p.Submission})
		if err != nil {
			return err
		}
		if out.Kept { // another tab's "before" came first: that one stays
			s.flash(c, "flash.check_kept")
		}
	} else {
		s.keepCheckCookie(c, visitorCheck{Choices: g.Choices(), Submission: p.Submission, At: time.Now()})
	}
	return seeOther(c, "/check/"+kind+"/result")
}

// checkResult shows a result: the score per module beside the other
// result, and (after the "after" check) every answer explained.
func (s *Server) checkResult(c echo.Context) error {
	p, kind, err := s.checkKindPageFor(c)
	if err != nil {
		return err
	}
	var choices map[string]string
	if l := currentLearner(c); l != nil {
		r, err := s.store.CheckResultOf(c.Request().Context(), l.ID, kind)
		if errors.Is(err, store.ErrNotFound) {
			return seeOther(c, "/check/"+kind)
		}
		if err != nil {
			return err
		}
		choices, p.TakenAt, p.Saved = r.Choices(), r.TakenAt, true
	} else if v := s.readCheckCookie(c); v != nil && kind == store.CheckBefore {
		choices, p.TakenAt = v.Choices, v.At
	} else {
		return seeOther(c, "/check/"+kind)
	}
	g := p.Check.Grade(choices)
	p.Grade = &g
	p.ShowAnswers = kind == store.CheckAfter
	if !p.ShowAnswers {
		seen := map[string]bool{}
		for _, a := range g.Answers {
			key := a.Question.Module + "/" + a.Question.Lesson
			if a.Right || seen[key] {
				continue
			}
			seen[key] = true
			if l, ok := s.cur.Lesson(p.Lang, a.Question.Module, a.Question.Lesson); ok {
				p.Lessons = append(p.Lessons, l)
			}
		}
	}
	return s.render(c, http.StatusOK, "check_result", p)
}

// visitorCheck is a visitor's "before" check, kept on their phone.
type visitorCheck struct {
	Choices    map[string]string
	Submission string
	At         time.Time
}

// The cookie holds "choices as a query string TAB submission key TAB Unix
// time", base64, then "." and an HMAC-SHA256 with the server's cookie key
// (a different message prefix from the pending answers', so one cookie
// cannot pass for the other). It holds nothing secret; the signature stops
// anyone planting a result that registration would then store.
func (s *Server) signCheck(payload string) string {
	m := hmac.New(sha256.New, s.cookieKey)
	m.Write([]byte(checkCookie + "\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Server) keepCheckCookie(c echo.Context, v visitorCheck) {
	q := url.Values{}
	for k, o := range v.Choices {
		q.Set(k, o)
	}
	data := base64.RawURLEncoding.EncodeToString([]byte(q.Encode() + "\t" + v.Submission + "\t" + strconv.FormatInt(v.At.Unix(), 10)))
	s.setCookie(c, checkCookie, data+"."+s.signCheck(data), checkTTL)
}

// readCheckCookie returns the visitor's kept check; nil when the cookie is
// missing, damaged or not signed by us.
func (s *Server) readCheckCookie(c echo.Context) *visitorCheck {
	ck, err := c.Cookie(checkCookie)
	if err != nil {
		return nil
	}
	data, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.signCheck(data))) {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil
	}
	f := strings.Split(string(raw), "\t")
	if len(f) != 3 || !validate.Key(f[1]) {
		return nil
	}
	q, err := url.ParseQuery(f[0])
	unix, err2 := strconv.ParseInt(f[2], 10, 64)
	if err != nil || err2 != nil {
		return nil
	}
	v := &visitorCheck{Choices: map[string]string{}, Submission: f[1], At: time.Unix(unix, 0).UTC()}
	for k := range q {
		v.Choices[k] = q.Get(k)
	}
	return v
}

// attachCheck stores the "before" check a visitor took before registering
// as the new learner's, and forgets the cookie. A check that no longer
// matches the content (a question added since) is dropped.
func (s *Server) attachCheck(c echo.Context, learnerID int64) error {
	v := s.readCheckCookie(c)
	if v == nil {
		return nil
	}
	_, err := s.recorder.Check(c.Request().Context(), learnerID, learning.CheckAnswer{
		Kind: store.CheckBefore, Choices: v.Choices, Submission: v.Submission, At: v.At})
	if err != nil && !errors.Is(err, learning.ErrIncompleteCheck) && !errors.Is(err, learning.ErrNoCheck) {
		return err
	}
	s.clearCookie(c, checkCookie)
	return nil
}
