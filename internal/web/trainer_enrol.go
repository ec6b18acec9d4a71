package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/validate"
)

// A trainer enrols a resident who has no phone (or cannot type) on their
// behalf: the same form and checks as a self sign-up, with consent given
// on paper and recorded with the trainer's id, and a warning before a
// likely duplicate is saved. Learner cards carry the personal code and a
// QR code that opens /resume with it filled in.

type enrolPage struct {
	classPage
	Form       registerForm
	Anyway     bool            // the trainer confirmed a likely duplicate
	Duplicates []store.Learner // likely the same person, already stored
	Villages   []store.Unit
	Added      *store.Learner // the learner just saved
	MinYear    int
	MaxYear    int
}

func (s *Server) renderEnrol(c echo.Context, status int, p classPage, f registerForm, dups []store.Learner, added *store.Learner) error {
	villages, err := s.villageUnits(c.Request().Context(), p.Class.UnitCode)
	if err != nil {
		return err
	}
	return s.render(c, status, "trainer_enrol", enrolPage{classPage: p, Form: f, Duplicates: dups, Villages: villages,
		Added: added, MinYear: minBirthYear, MaxYear: maxBirthYear()})
}

// enrolShow is the enrolment form; after a save (?added=ID) it also shows
// the new learner's personal code and a link to their card.
func (s *Server) enrolShow(c echo.Context) error {
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	var added *store.Learner
	if id, err := strconv.ParseInt(c.QueryParam("added"), 10, 64); err == nil {
		l, err := s.store.LearnerOfClass(c.Request().Context(), p.Class.ID, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			added = &l
		}
	}
	return s.renderEnrol(c, http.StatusOK, p, registerForm{Submission: newNonce()}, nil, added)
}

// enrolPost saves a learner enrolled by a trainer into the class.
func (s *Server) enrolPost(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	staff := currentStaff(c)
	f := readRegisterForm(c)
	f.Commune = p.Class.UnitCode
	if f.Submission == "" || !validate.Key(f.Submission) {
		f.Submission = newNonce()
	}
	l, err := s.checkRegister(ctx, &f)
	if err != nil {
		return err
	}
	if !f.Valid() {
		return s.renderEnrol(c, http.StatusUnprocessableEntity, p, f, nil, nil)
	}
	key := staffSubmissionKey(f.Submission, staff)
	if c.FormValue("anyway") != "yes" {
		dups, err := s.likelyDuplicates(ctx, []store.Learner{l})
		if err != nil {
			return err
		}
		// The same form sent twice finds the learner it saved: that is
		// not a duplicate to warn about but the answer to give again.
		resent := slices.ContainsFunc(dups[0], func(d store.Learner) bool { return d.Submission != nil && *d.Submission == key })
		if len(dups[0]) > 0 && !resent {
			f.Fail("enrol.duplicate_warning")
			return s.renderEnrol(c, http.StatusUnprocessableEntity, p, f, dups[0], nil)
		}
	}
	l.ClassID = &p.Class.ID
	l.ConsentBy = &staff.UserID
	l.Submission = &key
	err = s.store.CreateLearner(ctx, &l)
	if err != nil && !errors.Is(err, store.ErrDuplicateSubmission) { // sent twice: show the first
		return err
	}
	s.flash(c, "flash.enrol.saved")
	return c.Redirect(http.StatusSeeOther, classPath(p.Class.ID)+"/enrol?added="+strconv.FormatInt(l.ID, 10))
}

// staffSubmissionKey binds a form's nonce to the staff member who sent it.
func staffSubmissionKey(nonce string, p *auth.Principal) string {
	return hashToken(nonce + "|staff:" + strconv.FormatInt(p.UserID, 10))
}

// dupKey is what makes two learners likely the same person: name (accents
// and case aside), birth year and village.
func dupKey(l store.Learner) string {
	v := "-"
	if l.VillageCode != nil {
		v = "code:" + *l.VillageCode
	} else if l.Village != nil {
		v = "text:" + villageKey(*l.Village)
	}
	return fold(l.Name) + "|" + strconv.Itoa(l.BirthYear) + "|" + v
}

// likelyDuplicates returns, for each new learner (all of one commune), the
// learners already stored in that commune who are likely the same person.
// The database narrows by commune and birth year; names are compared here,
// accent-blind, which SQL cannot do the same way on both engines.
func (s *Server) likelyDuplicates(ctx context.Context, list []store.Learner) ([][]store.Learner, error) {
	out := make([][]store.Learner, len(list))
	if len(list) == 0 {
		return out, nil
	}
	seen := map[int]bool{}
	var years []int
	for _, l := range list {
		if !seen[l.BirthYear] {
			seen[l.BirthYear] = true
			years = append(years, l.BirthYear)
		}
	}
	stored, err := s.store.LearnersBornIn(ctx, list[0].UnitCode, years)
	if err != nil {
		return nil, err
	}
	byKey := map[string][]store.Learner{}
	for _, l := range stored {
		byKey[dupKey(l)] = append(byKey[dupKey(l)], l)
	}
	for i, l := range list {
		out[i] = byKey[dupKey(l)]
	}
	return out, nil
}

// card is one printed learner card.
type card struct {
	Learner store.Learner
	QR      template.HTML
}

type cardsPage struct {
	classPage
	Sheets    [][]card // 8 cards per A4 sheet
	ResumeURL string
}

// cardsPerSheet is how many cards fit on one A4 sheet (2 × 4).
const cardsPerSheet = 8

// classCards prints learner cards, 8 per A4 sheet: every learner of the
// class, or one (?learner=ID). Printing personal codes is an export of
// personal data, so it is written to the audit log first.
func (s *Server) classCards(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.classPageData(c)
	if err != nil {
		return err
	}
	var learners []store.Learner
	if q := c.QueryParam("learner"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return echo.ErrNotFound
		}
		l, err := s.store.LearnerOfClass(ctx, p.Class.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return echo.ErrNotFound
		}
		if err != nil {
			return err
		}
		learners = []store.Learner{l}
	} else if learners, err = s.store.LearnersOfClass(ctx, p.Class.ID); err != nil {
		return err
	}
	staff := currentStaff(c)
	if len(learners) > 0 {
		if err := s.store.Audit(ctx, store.AuditEntry{UserID: &staff.UserID, Username: staff.Username, Action: "print.learner_cards",
			Target: "class:" + strconv.FormatInt(p.Class.ID, 10), RowCount: len(learners)}); err != nil {
			return err
		}
	}
	out := cardsPage{classPage: p, ResumeURL: s.absURL("/resume")}
	for i, l := range learners {
		qr, err := qrSVG(s.absURL("/resume?code=" + url.QueryEscape(l.Code)))
		if err != nil {
			return err
		}
		if i%cardsPerSheet == 0 {
			out.Sheets = append(out.Sheets, nil)
		}
		// The SVG is drawn by qrSVG from a stored code, never from input.
		out.Sheets[len(out.Sheets)-1] = append(out.Sheets[len(out.Sheets)-1], card{Learner: l, QR: template.HTML(qr)}) //nolint:gosec
	}
	return s.render(c, http.StatusOK, "trainer_cards", out)
}
