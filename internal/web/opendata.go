package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

// Open data (/open-data/): how far the pilot reaches, per commune, for
// anyone, without signing in. Counts of people are published so that no
// group smaller than 5 can be found in them (DESIGN §6):
//
//   - every count below 5 is shown as "<5" (primary suppression);
//   - where a count, though 5 or more, would let a reader work out a
//     smaller group (a district minus its other communes, registered minus
//     reached, a province minus what its districts show...), it is shown
//     as "x" (complementary suppression), chosen by suppress below.
//
// TestOpenDataRevealsNoSmallGroup tries every such combination on random
// small provinces, with everything a reader knows ("<5" is 0 to 4, "x" is
// 5 or more, reached ≤ registered, a unit is the sum of its parts).

// minGroup is the smallest group size that may be published or derived.
const minGroup = 5

// The three published measures, each a subset of the one before.
const (
	mRegistered = iota
	mReached
	mGraduates
	nMeasures
)

// odState is how one published count is shown.
type odState uint8

const (
	odExact  odState = iota
	odSmall          // below minGroup: "<5"
	odHidden         // 5 or more, hidden so that no smaller group can be derived: "x"
)

// odRow is one published unit.
type odRow struct {
	Code, Name, Level, Parent string
	Pilot                     bool
	Population                *int64
	PopulationYear            *int
	V                         [nMeasures]int64 // true counts
	Own                       [nMeasures]int64 // counted at this unit but in none of its published children
	State                     [nMeasures]odState
	kids                      []*odRow
	iv, ownIv                 [6]iv // what a reader knows of each span (see read)
}

// A unit's learners fall into three disjoint groups: not reached,
// reached but not graduated, graduated. Every group a reader could ask
// about in one unit is a run of them (a span): registered is all three,
// reached the last two, registered − reached the first, and so on.
type span struct{ from, to int } // groups from ≤ k < to

// spans are every group of one unit: the three, their two unions of
// neighbours, and all of them.
var spans = []span{{0, 1}, {1, 2}, {2, 3}, {0, 2}, {1, 3}, {0, 3}}

// measureSpan is the span a published measure counts.
func measureSpan(m int) int { return map[int]int{mRegistered: 5, mReached: 4, mGraduates: 2}[m] }

// value is a span's true size in a unit with counts v.
func (sp span) value(v [nMeasures]int64) int64 {
	at := func(k int) int64 { // registered, reached, graduates, then 0
		if k >= nMeasures {
			return 0
		}
		return v[k]
	}
	return at(sp.from) - at(sp.to)
}

// measures are the published counts a span is computed from.
func (sp span) measures() []int {
	if sp.to >= nMeasures {
		return []int{sp.from}
	}
	return []int{sp.to, sp.from} // the smaller first: the one to hide
}

// iv is what a reader knows of a number: lo ≤ it ≤ hi.
type iv struct{ lo, hi int64 }

// unbounded stands for "no upper bound known".
const unbounded = int64(1) << 40

func (a iv) known() bool { return a.lo == a.hi }

func addHi(a, b int64) int64 { return min(a+b, unbounded) }

// ref names one thing a reader reasons about: a span of a unit, or of the
// learners counted at a unit itself (own).
type ref struct {
	row *odRow
	own bool
	sp  int // index in spans
}

func (r ref) get() *iv {
	if r.own {
		return &r.row.ownIv[r.sp]
	}
	return &r.row.iv[r.sp]
}

// equation: lhs = the sum of rhs.
type equation struct {
	lhs ref
	rhs []ref
}

// equations are everything a reader knows about how the numbers relate:
// in every unit each span is the sum of its groups, and every unit's span
// is the sum of its children's and its own.
func equations(rows []*odRow) []equation {
	var eqs []equation
	for _, r := range rows {
		parts := func(own bool) {
			at := func(i int) ref { return ref{row: r, own: own, sp: i} }
			eqs = append(eqs, equation{at(3), []ref{at(0), at(1)}}, equation{at(4), []ref{at(1), at(2)}},
				equation{at(5), []ref{at(0), at(1), at(2)}}, equation{at(5), []ref{at(0), at(4)}}, equation{at(5), []ref{at(3), at(2)}})
		}
		parts(false)
		if len(r.kids) == 0 {
			continue
		}
		parts(true)
		for i := range spans {
			e := equation{lhs: ref{row: r, sp: i}, rhs: []ref{{row: r, own: true, sp: i}}}
			for _, k := range r.kids {
				e.rhs = append(e.rhs, ref{row: k, sp: i})
			}
			eqs = append(eqs, e)
		}
	}
	return eqs
}

// read works out what a reader knows of every number: what is shown, what
// "<5" and "x" say, and then, until nothing changes, what each equation
// says of each of its terms given the others (interval propagation).
func read(rows []*odRow, eqs []equation) {
	for _, r := range rows {
		for i := range spans {
			r.iv[i] = iv{0, unbounded}
			r.ownIv[i] = iv{0, unbounded}
			if r.Own == [nMeasures]int64{} {
				r.ownIv[i] = iv{0, 0} // a unit without learners of its own: readers may know that
			}
		}
		for m := range nMeasures {
			p := &r.iv[measureSpan(m)]
			switch r.State[m] {
			case odExact:
				*p = iv{r.V[m], r.V[m]}
			case odSmall:
				*p = iv{0, minGroup - 1}
			case odHidden:
				*p = iv{minGroup, unbounded}
			}
		}
	}
	for round := 0; round < 10000; round++ {
		changed := false
		for _, e := range eqs {
			l := e.lhs.get()
			var sumLo, sumHi int64
			for _, r := range e.rhs {
				x := r.get()
				sumLo, sumHi = sumLo+x.lo, addHi(sumHi, x.hi)
			}
			if nl, nh := max(l.lo, sumLo), min(l.hi, sumHi); nl != l.lo || nh != l.hi {
				*l, changed = iv{nl, nh}, true
			}
			for _, r := range e.rhs {
				x := r.get()
				othersLo, othersHi := sumLo-x.lo, sumHi
				if sumHi < unbounded {
					othersHi = sumHi - x.hi
				} else if x.hi >= unbounded {
					othersHi = unboundedWithout(e.rhs, r)
				}
				nl, nh := x.lo, x.hi
				if othersHi < unbounded {
					nl = max(nl, l.lo-othersHi)
				}
				if l.hi < unbounded {
					nh = min(nh, l.hi-othersLo)
				}
				if nl != x.lo || nh != x.hi {
					*x, changed = iv{nl, nh}, true
				}
			}
		}
		if !changed {
			return
		}
	}
}

// unboundedWithout sums the upper bounds of rhs other than skip.
func unboundedWithout(rhs []ref, skip ref) int64 {
	var s int64
	for _, r := range rhs {
		if r != skip {
			s = addHi(s, r.get().hi)
		}
	}
	return s
}

// cutElem is one part of a unit's subtree in a cut: a published unit, or
// the learners counted at a unit itself (own).
type cutElem struct {
	row *odRow
	own bool
}

func (e cutElem) at(sp int) iv {
	return *ref{row: e.row, own: e.own, sp: sp}.get()
}

// cut splits a unit's subtree into parts whose size the reader knows and
// parts they do not: the unknown parts together are the unit minus the
// known ones, a group of people (the union of those parts).
type cut struct {
	known, unknown []cutElem
}

// maxCuts bounds how many ways of splitting a subtree are tried (a unit
// with up to 12 children that have children of their own is split every
// possible way).
const maxCuts = 4096

// cutsOf lists the ways a reader can split n's subtree for span sp: for
// each child, take it whole (known or not), or go down into its parts.
func cutsOf(n *odRow, sp int) []cut {
	out := []cut{{}}
	own := cutElem{row: n, own: true}
	if x := own.at(sp); x.known() {
		out[0].known = append(out[0].known, own)
	} else {
		out[0].unknown = append(out[0].unknown, own)
	}
	for _, ch := range n.kids {
		e := cutElem{row: ch}
		opts := []cut{{unknown: []cutElem{e}}}
		if e.at(sp).known() {
			opts = []cut{{known: []cutElem{e}}}
		}
		if len(ch.kids) > 0 {
			opts = append(opts, cutsOf(ch, sp)...)
		}
		var next []cut
		for _, a := range out {
			for _, b := range opts {
				if len(next) >= maxCuts {
					break
				}
				next = append(next, cut{known: append(slices.Clip(a.known), b.known...), unknown: append(slices.Clip(a.unknown), b.unknown...)})
			}
		}
		out = next
	}
	return out
}

// problem is a group of 1 to 4 a reader can work out: a span of one unit
// (or of its own learners), or the unknown parts of a cut of a unit.
type problem struct {
	row *odRow
	own bool
	sp  int
	ct  *cut
}

// suppress decides how each count of the rows is shown. rows holds every
// published unit, parents before children; each row's kids are its
// published children. It hides one more count at a time until a reader,
// working out everything they can, finds no group of 1 to 4.
func suppress(rows []*odRow) {
	for _, r := range rows {
		for m := range nMeasures {
			if r.V[m] < minGroup {
				r.State[m] = odSmall
			}
		}
	}
	eqs := equations(rows)
	for range 3*len(rows) + 1 { // each round hides one more count
		p := findProblem(rows, eqs)
		if p == nil || !fix(rows, *p) {
			return
		}
	}
}

func small(v int64) bool { return v >= 1 && v < minGroup }

// findProblem returns a group of 1 to 4 the reader can work out, if any.
func findProblem(rows []*odRow, eqs []equation) *problem {
	read(rows, eqs)
	for _, r := range rows {
		for i := range spans {
			if x := r.iv[i]; x.known() && small(x.lo) {
				return &problem{row: r, sp: i}
			}
			if x := r.ownIv[i]; len(r.kids) > 0 && x.known() && small(x.lo) {
				return &problem{row: r, own: true, sp: i}
			}
		}
	}
	for _, r := range rows {
		if len(r.kids) == 0 {
			continue
		}
		for i := range spans {
			whole := r.iv[i]
			if !whole.known() {
				continue
			}
			for _, ct := range cutsOf(r, i) {
				if len(ct.unknown) < 2 {
					continue // a single part is pinned by read already
				}
				s := whole.lo
				for _, k := range ct.known {
					s -= k.at(i).lo
				}
				if small(s) {
					return &problem{row: r, sp: i, ct: &ct}
				}
			}
		}
	}
	return nil
}

// fix hides one more shown count to break a problem: a shown part of the
// cut (the smallest, communes before districts), else a shown count of the
// row itself, else of a sibling, else of a unit above. It reports whether
// it hid anything.
func fix(rows []*odRow, p problem) bool {
	sp := spans[p.sp]
	if p.ct != nil {
		var best *odRow
		for _, k := range p.ct.known {
			if !k.own && shownFor(k.row, sp) && (best == nil || less(k.row, best, sp)) {
				best = k.row
			}
		}
		if best != nil {
			return hide(best, sp)
		}
	}
	if p.own {
		var best *odRow
		for _, k := range p.row.kids {
			if shownFor(k, sp) && (best == nil || less(k, best, sp)) {
				best = k
			}
		}
		if best != nil {
			return hide(best, sp)
		}
	}
	if shownFor(p.row, sp) {
		return hide(p.row, sp)
	}
	for r := p.row; r != nil; r = parentOf(rows, r) {
		parent := parentOf(rows, r)
		if parent == nil {
			break
		}
		var best *odRow
		for _, k := range parent.kids {
			if k != r && shownFor(k, sp) && (best == nil || less(k, best, sp)) {
				best = k
			}
		}
		if best != nil {
			return hide(best, sp)
		}
		if shownFor(parent, sp) {
			return hide(parent, sp)
		}
	}
	for _, r := range rows { // last resort: anything still shown
		for m := range nMeasures {
			if r.State[m] == odExact {
				r.State[m] = odHidden
				return true
			}
		}
	}
	return false
}

func parentOf(rows []*odRow, r *odRow) *odRow {
	for _, p := range rows {
		if slices.Contains(p.kids, r) {
			return p
		}
	}
	return nil
}

// shownFor tells whether r shows a count that span sp is computed from.
func shownFor(r *odRow, sp span) bool {
	return slices.ContainsFunc(sp.measures(), func(m int) bool { return r.State[m] == odExact })
}

// hide hides a shown count of r that span sp is computed from (of two,
// the smaller). It reports whether anything changed.
func hide(r *odRow, sp span) bool {
	for _, m := range sp.measures() {
		if r.State[m] == odExact {
			r.State[m] = odHidden
			return true
		}
	}
	return false
}

func less(a, b *odRow, sp span) bool {
	if (len(a.kids) == 0) != (len(b.kids) == 0) {
		return len(a.kids) == 0
	}
	if va, vb := sp.value(a.V), sp.value(b.V); va != vb {
		return va < vb
	}
	return a.Code < b.Code
}

// shown is a count as published.
func (r *odRow) shown(m int) string {
	switch r.State[m] {
	case odSmall:
		return "<5"
	case odHidden:
		return "x"
	}
	return strconv.FormatInt(r.V[m], 10)
}

// openData reads the units down to communes with their counters and
// decides what may be published.
func (s *Server) openData(ctx context.Context) ([]*odRow, *time.Time, error) {
	var all []store.Unit
	for _, level := range []string{units.Province, units.District, units.Commune} {
		list, err := s.store.UnitsByLevel(ctx, level)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, list...)
	}
	slices.SortFunc(all, func(a, b store.Unit) int { return strings.Compare(a.Path, b.Path) })
	codes := make([]string, len(all))
	for i, u := range all {
		codes[i] = u.Code
	}
	counts, err := s.store.UnitCountsOf(ctx, codes)
	if err != nil {
		return nil, nil, err
	}
	byCode := map[string]*odRow{}
	rows := make([]*odRow, 0, len(all))
	var asOf *time.Time
	for _, u := range all {
		c := counts[u.Code]
		r := &odRow{Code: u.Code, Name: u.Name, Level: u.Level, Pilot: u.Pilot, Population: u.Population, PopulationYear: u.PopulationYear,
			V: [nMeasures]int64{c.Registered, c.Reached, c.Graduates}}
		if u.ParentCode != nil {
			r.Parent = *u.ParentCode
			if p := byCode[r.Parent]; p != nil {
				p.kids = append(p.kids, r)
			}
		}
		if c.UpdatedAt != nil && (asOf == nil || c.UpdatedAt.After(*asOf)) {
			asOf = c.UpdatedAt
		}
		byCode[u.Code] = r
		rows = append(rows, r)
	}
	for _, r := range rows {
		r.Own = r.V
		for _, k := range r.kids {
			for m := range nMeasures {
				r.Own[m] -= k.V[m]
			}
		}
		if len(r.kids) == 0 {
			r.Own = [nMeasures]int64{}
		}
	}
	suppress(rows)
	return rows, asOf, nil
}

type openDataPage struct {
	Page
	Rows []*odRow
	AsOf *time.Time
}

// Cells returns a row's published counts, for the template.
func (r *odRow) Cells() []string {
	return []string{r.shown(mRegistered), r.shown(mReached), r.shown(mGraduates)}
}

// openDataShow is the open-data page: what is published, how, and the files.
func (s *Server) openDataShow(c echo.Context) error {
	rows, asOf, err := s.openData(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.Render(http.StatusOK, "opendata", openDataPage{Page: s.page(c), Rows: rows, AsOf: asOf})
}

// openDataCSV is reach.csv: one row per province, district and commune.
func (s *Server) openDataCSV(c echo.Context) error {
	rows, _, err := s.openData(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"code", "name", "level", "parent_code", "pilot", "population", "population_year", "registered", "reached", "graduates"})
	for _, r := range rows {
		pop, year := "", ""
		if r.Population != nil {
			pop = strconv.FormatInt(*r.Population, 10)
		}
		if r.PopulationYear != nil {
			year = strconv.Itoa(*r.PopulationYear)
		}
		_ = w.Write([]string{r.Code, r.Name, r.Level, r.Parent, strconv.FormatBool(r.Pilot), pop, year, r.shown(mRegistered), r.shown(mReached), r.shown(mGraduates)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "public, max-age=300")
	h.Set(echo.HeaderContentDisposition, `inline; filename="reach.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// odJSONUnit is one unit of reach.json. A count is a number, or the
// string "<5" (fewer than 5) or "x" (hidden so that no group under 5 can
// be worked out).
type odJSONUnit struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	Level          string `json:"level"`
	ParentCode     string `json:"parent_code,omitempty"`
	Pilot          bool   `json:"pilot"`
	Population     *int64 `json:"population"`
	PopulationYear *int   `json:"population_year"`
	Registered     any    `json:"registered"`
	Reached        any    `json:"reached"`
	Graduates      any    `json:"graduates"`
}

// openDataJSON is reach.json: the same as reach.csv, with when the
// numbers were last updated.
func (s *Server) openDataJSON(c echo.Context) error {
	rows, asOf, err := s.openData(c.Request().Context())
	if err != nil {
		return err
	}
	out := struct {
		AsOf  *time.Time   `json:"as_of"`
		Note  string       `json:"note"`
		Units []odJSONUnit `json:"units"`
	}{AsOf: asOf, Note: "Counts below 5 are \"<5\"; \"x\" hides a count of 5 or more from which a group under 5 could be worked out.", Units: []odJSONUnit{}}
	val := func(r *odRow, m int) any {
		if r.State[m] == odExact {
			return r.V[m]
		}
		return r.shown(m)
	}
	for _, r := range rows {
		out.Units = append(out.Units, odJSONUnit{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.Parent, Pilot: r.Pilot,
			Population: r.Population, PopulationYear: r.PopulationYear, Registered: val(r, mRegistered), Reached: val(r, mReached), Graduates: val(r, mGraduates)})
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.JSONBlob(http.StatusOK, body)
}
