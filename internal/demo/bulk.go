package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

// A full-size province (`kynangso demo --learners 1000000`) is written
// straight into the tables, in transactions of bulkBatch learners: going
// through the one entry point per answer, as createLearners does, would
// take hours. What it writes follows the same rules (lessons in course
// order, a module's certificate when all its lessons are done, the
// programme's when all six are, daily counts on the days things happen),
// and the report counters are rebuilt once at the end by store.Recount;
// TestBulkDemoIsConsistent checks both against the base tables.

// bulkFrom is the number of learners from which Load takes the fast path.
const bulkFrom = 5000

// bulkVillages villages are kept by each pilot commune of a full-size
// province, and a class holds up to classSize learners.
const (
	bulkVillages = 5
	classSize    = 35
)

// bulkBatch learners (with their progress, attempts and certificates)
// are written per transaction.
const bulkBatch = 5000

// bulkWorld is what the generator draws from.
type bulkWorld struct {
	rng      *rand.Rand
	now      time.Time
	loc      *time.Location
	communes []store.Unit // where learners live
	weights  []float64    // cumulative, same order
	pilot    map[string]bool
	classes  map[string][]store.Class
	villages map[string][]store.Unit // villages of a commune, when it keeps them
	cat      *curriculum.Catalog
	lessons  []bulkLesson // every lesson in course order
	used     map[string]bool
	inClass  map[int64]int // learners put in each class
	daily    map[[2]string]*store.DailyCount
	best     []store.LearnerDone // the three who did most, to print
}

type bulkLesson struct {
	module    string
	lesson    *curriculum.Lesson
	last      bool // the module's last lesson
	moduleEnd int  // index in lessons of the module's last lesson
}

// bulkLearners writes opts.Learners learners with a realistic spread:
// ages and genders of a rural pilot, most in pilot communes' classes,
// registrations rising over 12 weeks, progress from nothing to all six
// modules, some failed tries and unfinished lessons.
func bulkLearners(ctx context.Context, st *store.Store, opts Options, list []units.Unit, pilots []string) error {
	w := &bulkWorld{rng: rand.New(rand.NewPCG(opts.Seed, 2022)), now: time.Now().UTC().Truncate(time.Microsecond), loc: st.Location(),
		pilot: map[string]bool{}, classes: map[string][]store.Class{}, villages: map[string][]store.Unit{}, cat: opts.Catalog,
		used: map[string]bool{}, inClass: map[int64]int{}, daily: map[[2]string]*store.DailyCount{}}
	for _, p := range pilots {
		w.pilot[p] = true
		cs, err := st.ClassesByUnit(ctx, p)
		if err != nil {
			return err
		}
		w.classes[p] = cs
		// A full-size pilot commune keeps its villages (ấp), so the
		// reports drill down to them.
		commune, err := st.UnitByCode(ctx, p)
		if err != nil {
			return err
		}
		have, err := st.UnitsUnder(ctx, commune.Path, units.Village)
		if err != nil {
			return err
		}
		for i := len(have); i < bulkVillages; i++ {
			if _, err := st.CreateVillage(ctx, commune, fmt.Sprintf("Ấp %d", i+1)); err != nil {
				return err
			}
		}
	}
	communes, err := st.UnitsByLevel(ctx, units.Commune)
	if err != nil {
		return err
	}
	villages, err := st.UnitsByLevel(ctx, units.Village)
	if err != nil {
		return err
	}
	for _, v := range villages {
		if v.ParentCode != nil {
			w.villages[*v.ParentCode] = append(w.villages[*v.ParentCode], v)
		}
	}
	// A pilot commune draws five times the learners of another, whose
	// pull varies from half to one and a half.
	total := 0.0
	for _, c := range communes {
		wt := 0.5 + w.rng.Float64()
		if w.pilot[c.Code] {
			wt = 5
		}
		total += wt
		w.communes = append(w.communes, c)
		w.weights = append(w.weights, total)
	}
	for i := range w.weights {
		w.weights[i] /= total
	}
	if w.cat != nil {
		for _, m := range w.cat.Modules(curriculum.DefaultLocale) {
			start := len(w.lessons)
			for i, l := range m.Lessons {
				w.lessons = append(w.lessons, bulkLesson{module: m.Slug, lesson: l, last: i == len(m.Lessons)-1, moduleEnd: start + len(m.Lessons) - 1})
			}
		}
	}
	ids := map[string]int64{}
	for _, t := range []string{"learners", "attempts", "certificates"} {
		if ids[t], err = st.NextID(ctx, t); err != nil {
			return err
		}
	}
	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = progressbar.NewOptions(opts.Learners, progressbar.OptionSetWriter(opts.Progress), progressbar.OptionSetDescription("learners"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("learners"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(opts.Progress) }))
	}
	for done := 0; done < opts.Learners; {
		n := min(bulkBatch, opts.Learners-done)
		var b bulkBatchRows
		for range n {
			w.learner(&b, ids)
		}
		if err := st.Load(ctx, func(l *store.Loader) error { return b.write(l) }); err != nil {
			return err
		}
		done += n
		if bar != nil {
			_ = bar.Add(n)
		}
	}
	rows := make([]store.DailyCount, 0, len(w.daily))
	for _, d := range w.daily {
		rows = append(rows, *d)
	}
	if err := st.Load(ctx, func(l *store.Loader) error { return l.AddDailyCounts(rows) }); err != nil {
		return err
	}
	if _, err := st.Recount(ctx); err != nil {
		return err
	}
	if err := st.Analyze(ctx); err != nil {
		return err
	}
	sample, err := json.Marshal(w.best)
	if err != nil {
		return err
	}
	return st.SetSetting(ctx, settingSample, string(sample))
}

// bulkBatchRows are the rows of one transaction.
type bulkBatchRows struct {
	learners, progress, attempts, certs [][]any
}

var (
	learnerCols  = []string{"id", "code", "name", "birth_year", "unit_code", "village", "village_code", "gender", "class_id", "consent_at", "created_at", "updated_at", "last_active_at"}
	progressCols = []string{"learner_id", "module", "lesson", "status", "best_score", "total", "attempts", "first_at", "last_at", "completed_at"}
	attemptCols  = []string{"id", "learner_id", "module", "lesson", "answers", "score", "total", "passed", "submission", "created_at"}
	certCols     = []string{"id", "code", "learner_id", "kind", "module", "name", "birth_year", "issued_at"}
)

func (b *bulkBatchRows) write(l *store.Loader) error {
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{{"learners", learnerCols, b.learners}, {"progress", progressCols, b.progress}, {"attempts", attemptCols, b.attempts}, {"certificates", certCols, b.certs}} {
		if err := l.Insert(t.table, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// code draws a personal or certificate code that no other row has.
func (w *bulkWorld) code(n int) string {
	for {
		c := codes.New(n)
		if !w.used[c] {
			w.used[c] = true
			return c
		}
	}
}

// count adds to the daily counts of a commune.
func (w *bulkWorld) count(unit string, at time.Time, f func(d *store.DailyCount)) {
	k := [2]string{unit, at.In(w.loc).Format("2006-01-02")}
	d := w.daily[k]
	if d == nil {
		d = &store.DailyCount{UnitCode: k[0], Day: k[1]}
		w.daily[k] = d
	}
	f(d)
}

// birthYear draws an age the way pilot classes fill: few under 25, most
// from 40 on, a good share over 60.
func (w *bulkWorld) birthYear() int {
	year := w.now.In(w.loc).Year()
	bands := []struct {
		share    float64
		from, to int
	}{{0.10, 15, 24}, {0.22, 25, 39}, {0.40, 40, 59}, {0.28, 60, 80}}
	u := w.rng.Float64()
	for _, b := range bands {
		if u < b.share {
			return year - (b.from + w.rng.IntN(b.to-b.from+1))
		}
		u -= b.share
	}
	return year - 50
}

// learner draws one learner and what they did.
func (w *bulkWorld) learner(b *bulkBatchRows, ids map[string]int64) {
	rng := w.rng
	i := sortSearch(w.weights, rng.Float64())
	commune := w.communes[i]
	var gender *string
	switch u := rng.IntN(100); {
	case u < 55:
		g := "female"
		gender = &g
	case u < 97:
		g := "male"
		gender = &g
	case u < 98:
		g := "other"
		gender = &g
	}
	nameGender := "female"
	if gender != nil && *gender == "male" || gender == nil && rng.IntN(2) == 0 {
		nameGender = "male"
	}
	name := fictionalName(rng, nameGender)
	birth := w.birthYear()
	// Registrations rise over the 12 weeks: the square root bends the draw
	// towards recent days.
	created := w.now.Add(-time.Duration((1 - math.Sqrt(rng.Float64())) * float64(84*24*time.Hour))).Truncate(time.Microsecond)
	// Nine in ten of a commune keeping villages live in one of them; a
	// few elsewhere type a village's name.
	var village, villageCode any
	if vs := w.villages[commune.Code]; len(vs) > 0 && rng.IntN(10) > 0 {
		villageCode = vs[rng.IntN(len(vs))].Code
	} else if rng.IntN(3) == 0 {
		village = fmt.Sprintf("Ấp %d", 1+rng.IntN(9))
	}
	// Classes fill up to classSize learners; the rest learn on their own.
	var class any
	if cs := w.classes[commune.Code]; len(cs) > 0 && rng.IntN(5) < 4 {
		c := cs[rng.IntN(len(cs))].ID
		if w.inClass[c] < classSize {
			w.inClass[c]++
			class = c
		}
	}
	id := ids["learners"]
	ids["learners"]++
	w.count(commune.Code, created, func(d *store.DailyCount) { d.Registered++ })

	// Lessons in course order: three in ten stop before the first, one in
	// ten aims at the whole course, the others get through a share of it
	// skewed towards the start.
	done := 0
	switch u := rng.IntN(10); {
	case len(w.lessons) == 0 || u < 3:
	case u == 9:
		done = len(w.lessons)
	default:
		done = int(math.Ceil(float64(len(w.lessons)) * math.Pow(rng.Float64(), 1.8)))
	}
	at, last := created, created
	modulesDone := 0
	for k := 0; k < len(w.lessons) && k <= done; k++ {
		bl := w.lessons[k]
		l := bl.lesson
		// Lessons come in sittings: minutes apart, and one time in four
		// the next sitting is six hours to two days later.
		at = at.Add(time.Duration(5+rng.IntN(25)) * time.Minute)
		if rng.IntN(4) == 0 {
			at = at.Add(time.Duration(6*60+rng.IntN(42*60)) * time.Minute)
		}
		if at.After(w.now) {
			break
		}
		first := at
		tries := 1
		if k == done { // the lesson after the last one done: half try it and fail, the others stop before
			if rng.IntN(2) == 0 {
				score := rng.IntN(l.Pass)
				w.attempt(b, ids, id, bl, score, fmt.Sprintf("demo-%s-%s-0", bl.module, l.Slug), at)
				b.progress = append(b.progress, []any{id, bl.module, l.Slug, "started", score, len(l.Quiz), 1, at, at, nil})
				last = at
			}
			break
		}
		if rng.IntN(7) == 0 { // a failed try first
			w.attempt(b, ids, id, bl, rng.IntN(l.Pass), fmt.Sprintf("demo-%s-%s-0", bl.module, l.Slug), at)
			tries = 2
			at = at.Add(time.Duration(2+rng.IntN(60)) * time.Minute)
		}
		score := l.Pass + rng.IntN(len(l.Quiz)-l.Pass+1)
		w.attempt(b, ids, id, bl, score, fmt.Sprintf("demo-%s-%s-%d", bl.module, l.Slug, tries-1), at)
		b.progress = append(b.progress, []any{id, bl.module, l.Slug, "completed", score, len(l.Quiz), tries, first, at, at})
		last = at
		w.count(commune.Code, at, func(d *store.DailyCount) { d.LessonsCompleted++ })
		if bl.last {
			modulesDone++
			b.certs = append(b.certs, []any{ids["certificates"], w.code(store.CertificateCodeLength), id, store.CertModule, bl.module, name, birth, at})
			ids["certificates"]++
			w.count(commune.Code, at, func(d *store.DailyCount) { d.ModulesCompleted++; d.Certificates++ })
			if modulesDone == len(w.cat.Modules(curriculum.DefaultLocale)) {
				b.certs = append(b.certs, []any{ids["certificates"], w.code(store.CertificateCodeLength), id, store.CertProgramme, "", name, birth, at})
				ids["certificates"]++
				w.count(commune.Code, at, func(d *store.DailyCount) { d.Certificates++ })
			}
		}
	}
	code := w.code(store.LearnerCodeLength)
	b.learners = append(b.learners, []any{id, code, name, birth, commune.Code, village, villageCode, gender, class, created, created, last, last})
	completed := min(done, len(w.lessons))
	if len(w.best) < 3 || completed > w.best[2].Done {
		w.best = append(w.best, store.LearnerDone{Code: code, Name: name, Done: completed})
		slices.SortStableFunc(w.best, func(a, b store.LearnerDone) int { return b.Done - a.Done })
		w.best = w.best[:min(3, len(w.best))]
	}
}

func (w *bulkWorld) attempt(b *bulkBatchRows, ids map[string]int64, learner int64, bl bulkLesson, score int, submission string, at time.Time) {
	answers, _ := json.Marshal(bl.lesson.SampleAnswers(score))
	b.attempts = append(b.attempts, []any{ids["attempts"], learner, bl.module, bl.lesson.Slug, string(answers), score, len(bl.lesson.Quiz), score >= bl.lesson.Pass, submission, at})
	ids["attempts"]++
}

// sortSearch finds the first cumulative weight above u.
func sortSearch(cum []float64, u float64) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
