package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Report counters (issue 11). A report must answer in milliseconds for a
// province of a million learners, so it never scans learners or progress:
// it reads per-unit counters that every write path keeps, inside its own
// transaction, through bump. The rules:
//
//   - A learner is counted at ONE unit, countingUnit(l), and at every unit
//     above it: the report of a unit reads its own row and its children's.
//   - Every write that changes what a learner contributes calls bump in
//     the same transaction, after its other writes (PostgreSQL then holds
//     the counter rows' locks for the shortest time, always taken from the
//     root down, so two writers never wait on each other in a circle).
//   - Recount (kynangso repair) rebuilds every counter from the base
//     tables; tests apply thousands of random writes and check that the
//     live counters equal the recount.
//
// The trainers' class work feeds them too (classwork.go, tasks.go): a
// real-task tick or untick moves the learner's marks (countTick), a
// session opened, an attendance saved and a tick move the trainer's
// counters (trainer_counts), and an in-person completion counts as a
// lesson completed (countVerify).

// countingUnit is the unit a learner is counted at: their village when
// they are in one of the commune's village units, else their commune.
func countingUnit(l Learner) string {
	if l.VillageCode != nil && *l.VillageCode != "" {
		return *l.VillageCode
	}
	return l.UnitCode
}

// countingUnitSQL is countingUnit for a learners row aliased l, for the
// recount's GROUP BY queries. Change both together.
const countingUnitSQL = "COALESCE(l.village_code, l.unit_code)"

// counterKey is what decides where and under which keys a learner counts.
type counterKey struct {
	ID           int64
	Unit         string // countingUnit
	BirthYear    int
	Gender       string // "" when not given
	NameKey      string
	LastActiveAt time.Time
}

// learnerKeyColumns are the learner columns counterKey needs.
var learnerKeyColumns = []string{"id", "unit_code", "village_code", "birth_year", "gender", "name", "last_active_at"}

func keyOf(l Learner) counterKey {
	return counterKey{ID: l.ID, Unit: countingUnit(l), BirthYear: l.BirthYear, Gender: deref(l.Gender), NameKey: NameKey(l.Name), LastActiveAt: l.LastActiveAt}
}

// learnerKey reads a learner's counter key inside tx. On PostgreSQL it
// locks the learner's row until the transaction ends: two answers of one
// learner at once would otherwise both move "last active" from the same
// old day. (FOR NO KEY UPDATE, the lock an UPDATE of the row takes anyway,
// does not wait for the key-share locks that inserting the learner's
// attempts takes; a deletion takes FOR UPDATE at once, see
// learnerKeyForDelete.) SQLite's single writer already orders them.
func (st *Store) learnerKey(tx *gorm.DB, id int64) (counterKey, error) {
	return st.lockedKey(tx, id, "NO KEY UPDATE")
}

// learnerKeyForDelete is learnerKey for a transaction that deletes the
// learner.
func (st *Store) learnerKeyForDelete(tx *gorm.DB, id int64) (counterKey, error) {
	return st.lockedKey(tx, id, clause.LockingStrengthUpdate)
}

func (st *Store) lockedKey(tx *gorm.DB, id int64, strength string) (counterKey, error) {
	q := tx.Select(learnerKeyColumns).Where("id = ?", id)
	if st.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: strength})
	}
	var l Learner
	if err := q.Take(&l).Error; err != nil {
		return counterKey{}, notFound(err)
	}
	return keyOf(l), nil
}

// NameKey normalises a name for the duplicate flag: lower case, without
// diacritics (people type "Nguyen Van An" for "Nguyễn Văn An"), letters
// and digits only, words separated by single spaces.
func NameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case unicode.IsSpace(r) || !unicode.IsLetter(r) && !unicode.IsDigit(r):
			space = space || b.Len() > 0 // punctuation, controls and marks separate words
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TaskReach is how many learners of a unit did a real task alone and with
// help (a counter; TaskCount is the same read from the ticks).
type TaskReach struct {
	Alone    int64 `json:"alone"`
	WithHelp int64 `json:"with_help"`
}

// BirthKey is a birth year and a gender ("" when not given).
type BirthKey struct {
	BirthYear int
	Gender    string
}

// BirthCount is what unit_birth_counts keeps per birth year and gender.
type BirthCount struct {
	Registered, Reached, Graduates int64
}

// CounterDelta is a change to the counters of one counting unit (and so of
// every unit above it). Zero fields change nothing.
type CounterDelta struct {
	Registered, Reached, OneModule, Graduates, LessonsCompleted int64
	Attempts, ScoreSum, TotalSum                                int64
	PracticePasses, TaskAloneLearners                           int64
	Modules                                                     map[string]int64     // module slug → learners with its certificate
	Tasks                                                       map[string]TaskReach // task key → learners alone / with help
	ActiveDays                                                  map[string]int64     // day → learners last active that day
	Births                                                      map[BirthKey]BirthCount
}

func (d *CounterDelta) scalars() []*int64 {
	return []*int64{&d.Registered, &d.Reached, &d.OneModule, &d.Graduates, &d.LessonsCompleted,
		&d.Attempts, &d.ScoreSum, &d.TotalSum, &d.PracticePasses, &d.TaskAloneLearners}
}

// unitCountColumns name the scalars, in the order of scalars().
var unitCountColumns = []string{"registered", "reached", "one_module", "graduates", "lessons_completed",
	"attempts", "score_sum", "total_sum", "practice_passes", "task_alone_learners"}

// add adds sign × o to d.
func (d *CounterDelta) add(o CounterDelta, sign int64) {
	mine, theirs := d.scalars(), o.scalars()
	for i := range mine {
		*mine[i] += sign * *theirs[i]
	}
	for k, v := range o.Modules {
		d.Modules = addTo(d.Modules, k, sign*v)
	}
	for k, v := range o.ActiveDays {
		d.ActiveDays = addTo(d.ActiveDays, k, sign*v)
	}
	for k, v := range o.Tasks {
		if d.Tasks == nil {
			d.Tasks = map[string]TaskReach{}
		}
		t := d.Tasks[k]
		t.Alone += sign * v.Alone
		t.WithHelp += sign * v.WithHelp
		d.Tasks[k] = t
	}
	for k, v := range o.Births {
		if d.Births == nil {
			d.Births = map[BirthKey]BirthCount{}
		}
		b := d.Births[k]
		b.Registered += sign * v.Registered
		b.Reached += sign * v.Reached
		b.Graduates += sign * v.Graduates
		d.Births[k] = b
	}
}

// AddCounters returns a + sign×b, leaving out map entries that are zero,
// for totals and checks.
func AddCounters(a, b CounterDelta, sign int64) CounterDelta {
	var out CounterDelta
	out.add(a, 1)
	out.add(b, sign)
	maps.DeleteFunc(out.Modules, func(_ string, n int64) bool { return n == 0 })
	maps.DeleteFunc(out.ActiveDays, func(_ string, n int64) bool { return n == 0 })
	maps.DeleteFunc(out.Tasks, func(_ string, t TaskReach) bool { return t == TaskReach{} })
	maps.DeleteFunc(out.Births, func(_ BirthKey, c BirthCount) bool { return c == BirthCount{} })
	return out
}

func addTo[K comparable](m map[K]int64, k K, n int64) map[K]int64 {
	if m == nil {
		m = map[K]int64{}
	}
	m[k] += n
	return m
}

// moveActive is the delta of a learner whose last activity moves from one
// day to another (nothing when the day is the same).
func (st *Store) moveActive(from, to time.Time) map[string]int64 {
	a, b := st.day(from), st.day(to)
	if a == b {
		return nil
	}
	return map[string]int64{a: -1, b: 1}
}

// day is the Vietnamese calendar day of t, as counters and daily counts key it.
func (st *Store) day(t time.Time) string { return t.In(st.loc).Format("2006-01-02") }

// unitChain returns the codes from the root down to unit, from the unit's
// path. Paths never change (an import refuses to move a unit), so the
// answer is cached for the life of the Store.
func (st *Store) unitChain(tx *gorm.DB, unit string) ([]string, error) {
	if c, ok := st.chains.Load(unit); ok {
		return c.([]string), nil
	}
	var path string
	if err := tx.Raw("SELECT path FROM units WHERE code = ?", unit).Scan(&path).Error; err != nil {
		return nil, err
	}
	if path == "" {
		return nil, fmt.Errorf("store: counters: no unit %q", unit)
	}
	chain := strings.Split(strings.Trim(path, "/"), "/")
	st.chains.Store(unit, chain)
	return chain, nil
}

// bump applies d to the counters of a counting unit and every unit above
// it, inside tx: the one function every write path calls. It writes one
// multi-row upsert per counter table that d touches.
func (st *Store) bump(tx *gorm.DB, unit string, d CounterDelta) error {
	chain, err := st.unitChain(tx, unit)
	if err != nil {
		return err
	}
	return st.bumpChain(tx, chain, d)
}

func (st *Store) bumpChain(tx *gorm.DB, chain []string, d CounterDelta) error {
	scalars := d.scalars()
	touched := slices.ContainsFunc(scalars, func(p *int64) bool { return *p != 0 }) ||
		len(d.Modules)+len(d.Tasks)+len(d.ActiveDays)+len(d.Births) > 0
	if !touched {
		return nil
	}
	now := st.now()
	var b strings.Builder
	args := make([]any, 0, len(chain)*(len(scalars)+2))
	b.WriteString("INSERT INTO unit_counts (unit_code, " + strings.Join(unitCountColumns, ", ") + ", updated_at) VALUES ")
	for i, code := range chain {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?" + strings.Repeat(", ?", len(scalars)+1) + ")")
		args = append(args, code)
		for _, p := range scalars {
			args = append(args, *p)
		}
		args = append(args, now)
	}
	b.WriteString(" ON CONFLICT (unit_code) DO UPDATE SET ")
	for _, c := range unitCountColumns {
		fmt.Fprintf(&b, "%s = unit_counts.%s + excluded.%s, ", c, c, c)
	}
	b.WriteString("updated_at = excluded.updated_at")
	if err := tx.Exec(b.String(), args...).Error; err != nil {
		return fmt.Errorf("store: bump unit counts: %w", err)
	}
	if err := upsertAdd(tx, "unit_module_counts", []string{"unit_code", "module"}, []string{"learners"}, chain, d.Modules,
		func(k string, n int64) ([]any, []any) { return []any{k}, []any{n} }); err != nil {
		return err
	}
	if err := upsertAdd(tx, "unit_task_counts", []string{"unit_code", "task"}, []string{"alone", "with_help"}, chain, d.Tasks,
		func(k string, t TaskReach) ([]any, []any) { return []any{k}, []any{t.Alone, t.WithHelp} }); err != nil {
		return err
	}
	if err := upsertAdd(tx, "unit_active_days", []string{"unit_code", "day"}, []string{"learners"}, chain, d.ActiveDays,
		func(k string, n int64) ([]any, []any) { return []any{k}, []any{n} }); err != nil {
		return err
	}
	return upsertAdd(tx, "unit_birth_counts", []string{"unit_code", "birth_year", "gender"}, []string{"registered", "reached", "graduates"}, chain, d.Births,
		func(k BirthKey, c BirthCount) ([]any, []any) {
			return []any{k.BirthYear, k.Gender}, []any{c.Registered, c.Reached, c.Graduates}
		})
}

// upsertAdd adds the values of m to a keyed counter table, for every unit
// of chain, in one statement. Rows go in a fixed order (chain from the
// root, then sorted keys), the lock order that keeps PostgreSQL writers
// from deadlocking.
func upsertAdd[K comparable, V any](tx *gorm.DB, table string, keyCols, valCols []string, chain []string, m map[K]V, row func(K, V) (keys, vals []any)) error {
	if len(m) == 0 {
		return nil
	}
	type entry struct {
		sort       string
		keys, vals []any
	}
	entries := make([]entry, 0, len(m))
	for k, v := range m {
		keys, vals := row(k, v)
		entries = append(entries, entry{fmt.Sprint(keys...), keys, vals})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.sort, b.sort) })
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(keyCols, ", ") + ", " + strings.Join(valCols, ", ") + ") VALUES ")
	n := len(keyCols) + len(valCols)
	args := make([]any, 0, len(chain)*len(entries)*n)
	first := true
	for _, code := range chain {
		for _, e := range entries {
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString("(?" + strings.Repeat(", ?", n-1) + ")")
			args = append(append(append(args, code), e.keys...), e.vals...)
		}
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET ")
	for i, c := range valCols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	if err := tx.Exec(b.String(), args...).Error; err != nil {
		return fmt.Errorf("store: bump %s: %w", table, err)
	}
	return nil
}

// bumpKey adds n learners to a duplicate-flag key, at the counting unit only.
func bumpKey(tx *gorm.DB, k counterKey, n int64) error {
	err := tx.Exec(`INSERT INTO learner_keys (unit_code, birth_year, name_key, learners) VALUES (?, ?, ?, ?)
		ON CONFLICT (unit_code, birth_year, name_key) DO UPDATE SET learners = learner_keys.learners + excluded.learners`,
		k.Unit, k.BirthYear, k.NameKey, n).Error
	if err != nil {
		return fmt.Errorf("store: bump learner key: %w", err)
	}
	return nil
}

// taskMark is a learner's tick of one task as the counters see it.
type taskMark struct {
	set      bool   // ticked at all
	alone    bool   // done alone (else with help)
	tickedBy *int64 // who ticked it
}

// markOf reads a learner's tick of a task inside tx.
func markOf(tx *gorm.DB, learnerID int64, task string) (taskMark, error) {
	var t TaskTick
	err := tx.Select("alone", "ticked_by").Where("learner_id = ? AND task = ?", learnerID, task).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return taskMark{}, nil
	}
	if err != nil {
		return taskMark{}, err
	}
	return taskMark{set: true, alone: t.Alone, tickedBy: t.TickedBy}, nil
}

// anyAlone tells whether a learner has at least one task ticked "alone".
func anyAlone(tx *gorm.DB, learnerID int64) (bool, error) {
	var n int64
	err := tx.Model(&TaskTick{}).Where("learner_id = ? AND alone = ?", learnerID, true).Limit(1).Count(&n).Error
	return n > 0, err
}

// countTick moves the counters for a change of one learner's mark of one
// task, from before to after, inside the transaction that wrote the tick:
// the task's learners alone / with help at the learner's unit and above,
// the learners with a task done alone, and the ticks of the trainers who
// made the old and the new tick. aloneBefore and aloneAfter say whether
// the learner had any task done alone before and after the change.
func (st *Store) countTick(tx *gorm.DB, k counterKey, task string, before, after taskMark, aloneBefore, aloneAfter bool) error {
	var d CounterDelta
	d.Tasks = map[string]TaskReach{}
	mark := func(m taskMark, sign int64) {
		if !m.set {
			return
		}
		t := d.Tasks[task]
		if m.alone {
			t.Alone += sign
		} else {
			t.WithHelp += sign
		}
		d.Tasks[task] = t
	}
	mark(before, -1)
	mark(after, 1)
	d.TaskAloneLearners = b2i(aloneAfter) - b2i(aloneBefore)
	// Units first, then trainers in the order of their ids: every
	// transaction that bumps units takes the root's row first, so on
	// PostgreSQL they queue there and never hold a trainer row another
	// one waits for.
	if err := st.bump(tx, k.Unit, d); err != nil {
		return err
	}
	by := map[int64]int64{}
	if before.set && before.tickedBy != nil {
		by[*before.tickedBy]--
	}
	if after.set && after.tickedBy != nil {
		by[*after.tickedBy]++
	}
	for _, id := range slices.Sorted(maps.Keys(by)) {
		if by[id] == 0 {
			continue
		}
		if err := st.BumpTrainer(tx, id, TrainerDelta{TasksTicked: by[id]}); err != nil {
			return err
		}
	}
	return nil
}

// countVerify counts a lesson a trainer saw a learner complete in person
// (VerifyLesson), inside its transaction: the lesson, the learner
// reached when it is their first, the move of their last active day when
// the completion is later than it, and the certificates it earned.
func (st *Store) countVerify(tx *gorm.DB, k counterKey, at time.Time, issued []Certificate) error {
	var d CounterDelta
	if at.After(k.LastActiveAt) {
		d.ActiveDays = st.moveActive(k.LastActiveAt, at)
	}
	d.LessonsCompleted = 1
	var done int64
	if err := tx.Model(&Progress{}).Where("learner_id = ? AND status = ?", k.ID, "completed").Count(&done).Error; err != nil {
		return err
	}
	if done == 1 {
		d.Reached = 1
		d.Births = map[BirthKey]BirthCount{{k.BirthYear, k.Gender}: {Reached: 1}}
	}
	if err := countCertificates(tx, k, issued, &d); err != nil {
		return err
	}
	return st.bump(tx, k.Unit, d)
}

// attendedWith counts how many of the listed learners were present at one
// of a trainer's sessions at least: SaveAttendance reads it before and
// after its write, and the difference moves the trainer's learners
// reached.
func (st *Store) attendedWith(tx *gorm.DB, trainer int64, learners []int64) (int64, error) {
	if len(learners) == 0 {
		return 0, nil
	}
	var n int64
	err := tx.Raw(`SELECT COUNT(DISTINCT a.learner_id) FROM attendance a JOIN class_sessions s ON s.id = a.session_id
		WHERE s.opened_by = ? AND a.present = ? AND a.learner_id IN ?`, trainer, true, learners).Scan(&n).Error
	return n, err
}

// The province's headline task.
const (
	// TaskVNeIDLevel2 is the key of the province's headline task: the
	// learner activated their VNeID account at level 2 themselves.
	// (content/vi/tasks.yaml: "vneid-muc-2").
	TaskVNeIDLevel2 = "vneid-muc-2"
)

// TrainerDelta is a change to one trainer's counters.
type TrainerDelta struct {
	Sessions    int64 // class sessions held
	Learners    int64 // learners attending a session of this trainer for the first time
	TasksTicked int64 // real-task ticks recorded
}

// BumpTrainer adds d to a trainer's counters inside the caller's
// transaction. The class-session pages call it when a session is held
// (Sessions: 1), when a learner attends a session of this trainer for the
// first time (Learners: 1) and for each real-task tick (TasksTicked: 1).
func (st *Store) BumpTrainer(tx *gorm.DB, userID int64, d TrainerDelta) error {
	err := tx.Exec(`INSERT INTO trainer_counts (user_id, sessions, learners, tasks_ticked, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET sessions = trainer_counts.sessions + excluded.sessions,
		learners = trainer_counts.learners + excluded.learners, tasks_ticked = trainer_counts.tasks_ticked + excluded.tasks_ticked,
		updated_at = excluded.updated_at`, userID, d.Sessions, d.Learners, d.TasksTicked, st.now()).Error
	if err != nil {
		return fmt.Errorf("store: bump trainer counts: %w", err)
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// learnerDelta is everything a learner contributes to the counters, read
// from the base tables inside tx: what a deletion takes away and a move
// between units carries over.
func (st *Store) learnerDelta(tx *gorm.DB, k counterKey) (CounterDelta, error) {
	d := CounterDelta{Registered: 1, ActiveDays: map[string]int64{st.day(k.LastActiveAt): 1}}
	var row struct {
		Lessons, Attempts, ScoreSum, TotalSum, Passes int64
	}
	err := tx.Raw(`SELECT
		(SELECT COUNT(*) FROM progress WHERE learner_id = ? AND status = ?) AS lessons,
		(SELECT COUNT(*) FROM attempts WHERE learner_id = ?) AS attempts,
		(SELECT COALESCE(SUM(score), 0) FROM attempts WHERE learner_id = ?) AS score_sum,
		(SELECT COALESCE(SUM(total), 0) FROM attempts WHERE learner_id = ?) AS total_sum,
		(SELECT COUNT(DISTINCT scenario) FROM practice_runs WHERE learner_id = ? AND safe = ?) AS passes`,
		k.ID, "completed", k.ID, k.ID, k.ID, k.ID, true).Scan(&row).Error
	if err != nil {
		return d, fmt.Errorf("store: learner counters: %w", err)
	}
	d.LessonsCompleted, d.Attempts, d.ScoreSum, d.TotalSum, d.PracticePasses = row.Lessons, row.Attempts, row.ScoreSum, row.TotalSum, row.Passes
	d.Reached = b2i(row.Lessons > 0)
	var certs []Certificate
	if err := tx.Select("kind", "module").Where("learner_id = ?", k.ID).Find(&certs).Error; err != nil {
		return d, err
	}
	for _, c := range certs {
		switch c.Kind {
		case CertModule:
			d.Modules = addTo(d.Modules, c.Module, 1)
			d.OneModule = 1
		case CertProgramme:
			d.Graduates = 1
		}
	}
	// The learner's real-task marks, each task alone or with help.
	var ticks []struct {
		Task  string
		Alone bool
	}
	if err := tx.Table("task_ticks").Select("task", "alone").Where("learner_id = ?", k.ID).Scan(&ticks).Error; err != nil {
		return d, err
	}
	for _, t := range ticks {
		if d.Tasks == nil {
			d.Tasks = map[string]TaskReach{}
		}
		r := d.Tasks[t.Task]
		if t.Alone {
			r.Alone++
			d.TaskAloneLearners = 1
		} else {
			r.WithHelp++
		}
		d.Tasks[t.Task] = r
	}
	d.Births = map[BirthKey]BirthCount{{k.BirthYear, k.Gender}: {Registered: 1, Reached: d.Reached, Graduates: d.Graduates}}
	return d, nil
}

// countRegistration counts a new learner, inside the transaction that
// created them.
func (st *Store) countRegistration(tx *gorm.DB, l Learner) error {
	k := keyOf(l)
	d := CounterDelta{Registered: 1, ActiveDays: map[string]int64{st.day(k.LastActiveAt): 1},
		Births: map[BirthKey]BirthCount{{k.BirthYear, k.Gender}: {Registered: 1}}}
	if err := bumpKey(tx, k, 1); err != nil {
		return err
	}
	return st.bump(tx, k.Unit, d)
}

// countDeletion takes a learner's whole contribution away, inside the
// transaction that deletes them (before the rows go).
func (st *Store) countDeletion(tx *gorm.DB, id int64) error {
	k, err := st.learnerKeyForDelete(tx, id)
	if errors.Is(err, ErrNotFound) {
		return nil // nothing to delete, nothing to count
	}
	if err != nil {
		return err
	}
	d, err := st.learnerDelta(tx, k)
	if err != nil {
		return err
	}
	var neg CounterDelta
	neg.add(d, -1)
	if err := bumpKey(tx, k, -1); err != nil {
		return err
	}
	if err := st.bump(tx, k.Unit, neg); err != nil {
		return err
	}
	return st.uncountTrainerWork(tx, id)
}

// uncountTrainerWork takes a learner about to be deleted out of the
// trainers' counters: their ticks (gone with them) and their attendance
// (a trainer reached one learner fewer). Trainer rows are bumped after
// the units' and in the order of their ids, so that PostgreSQL's row
// locks are always taken in one order (see countTick).
func (st *Store) uncountTrainerWork(tx *gorm.DB, learnerID int64) error {
	by := map[int64]*TrainerDelta{}
	get := func(id int64) *TrainerDelta {
		if by[id] == nil {
			by[id] = &TrainerDelta{}
		}
		return by[id]
	}
	var ticks []struct {
		TickedBy int64
		N        int64
	}
	if err := tx.Raw(`SELECT ticked_by, COUNT(*) AS n FROM task_ticks WHERE learner_id = ? AND ticked_by IS NOT NULL GROUP BY ticked_by`, learnerID).
		Scan(&ticks).Error; err != nil {
		return err
	}
	for _, t := range ticks {
		get(t.TickedBy).TasksTicked = -t.N
	}
	var trainers []int64
	if err := tx.Raw(`SELECT DISTINCT s.opened_by FROM attendance a JOIN class_sessions s ON s.id = a.session_id
		WHERE a.learner_id = ? AND a.present = ? AND s.opened_by IS NOT NULL`, learnerID, true).Scan(&trainers).Error; err != nil {
		return err
	}
	for _, u := range trainers {
		get(u).Learners = -1
	}
	for _, id := range slices.Sorted(maps.Keys(by)) {
		if err := st.BumpTrainer(tx, id, *by[id]); err != nil {
			return err
		}
	}
	return nil
}

// countChange moves a learner's contribution when an update changed where
// or how they are counted (counting unit, birth year, gender, name): before
// is their key read inside tx before the update.
func (st *Store) countChange(tx *gorm.DB, before counterKey) error {
	after, err := st.learnerKey(tx, before.ID)
	if err != nil {
		return err
	}
	if after.NameKey != before.NameKey || after.Unit != before.Unit || after.BirthYear != before.BirthYear {
		if err := bumpKey(tx, before, -1); err != nil {
			return err
		}
		if err := bumpKey(tx, after, 1); err != nil {
			return err
		}
	}
	if after.Unit == before.Unit && after.BirthYear == before.BirthYear && after.Gender == before.Gender {
		return nil
	}
	d, err := st.learnerDelta(tx, after) // the update changed keys, not learning records
	if err != nil {
		return err
	}
	if after.Unit == before.Unit {
		// Same unit: only the birth-year row moves.
		b := d.Births[BirthKey{after.BirthYear, after.Gender}]
		return st.bump(tx, after.Unit, CounterDelta{Births: map[BirthKey]BirthCount{
			{before.BirthYear, before.Gender}: {-b.Registered, -b.Reached, -b.Graduates},
			{after.BirthYear, after.Gender}:   b,
		}})
	}
	old := d
	old.Births = map[BirthKey]BirthCount{{before.BirthYear, before.Gender}: d.Births[BirthKey{after.BirthYear, after.Gender}]}
	var neg CounterDelta
	neg.add(old, -1)
	if err := st.bump(tx, before.Unit, neg); err != nil {
		return err
	}
	return st.bump(tx, after.Unit, d)
}

// countAttempt counts a recorded quiz attempt: the attempt, the move of
// the learner's last active day, and, when the lesson was newly
// completed, the lesson and (for the learner's first) the learner reached.
func (st *Store) countAttempt(tx *gorm.DB, k counterKey, in AttemptInput, at time.Time, completed bool) (CounterDelta, error) {
	d := CounterDelta{Attempts: 1, ScoreSum: int64(in.Score), TotalSum: int64(in.Total), ActiveDays: st.moveActive(k.LastActiveAt, at)}
	if !completed {
		return d, nil
	}
	d.LessonsCompleted = 1
	var done int64
	if err := tx.Model(&Progress{}).Where("learner_id = ? AND status = ?", k.ID, "completed").Count(&done).Error; err != nil {
		return d, err
	}
	if done == 1 { // this lesson is the learner's first
		d.Reached = 1
		d.Births = map[BirthKey]BirthCount{{k.BirthYear, k.Gender}: {Reached: 1}}
	}
	return d, nil
}

// countCertificates adds to d the certificates just issued to a learner:
// each module's, the learner's first module and, with the programme, a
// graduate.
func countCertificates(tx *gorm.DB, k counterKey, issued []Certificate, d *CounterDelta) error {
	modules := 0
	for _, c := range issued {
		switch c.Kind {
		case CertModule:
			d.Modules = addTo(d.Modules, c.Module, 1)
			modules++
		case CertProgramme:
			d.Graduates++
			b := d.Births[BirthKey{k.BirthYear, k.Gender}]
			b.Graduates++
			if d.Births == nil {
				d.Births = map[BirthKey]BirthCount{}
			}
			d.Births[BirthKey{k.BirthYear, k.Gender}] = b
		}
	}
	if modules == 0 {
		return nil
	}
	var held int64
	if err := tx.Model(&Certificate{}).Where("learner_id = ? AND kind = ?", k.ID, CertModule).Count(&held).Error; err != nil {
		return err
	}
	if held == int64(modules) { // the learner had none before
		d.OneModule++
	}
	return nil
}

// countPractice counts a practice choice: the move of the learner's last
// active day and, when the walk ends safe for the first time in this
// scenario, a pass.
func (st *Store) countPractice(tx *gorm.DB, k counterKey, in PracticeChoiceInput, runID int64, at time.Time) error {
	d := CounterDelta{ActiveDays: st.moveActive(k.LastActiveAt, at)}
	if in.Outcome != "" && in.Safe {
		var other int64
		err := tx.Model(&PracticeRun{}).Where("learner_id = ? AND scenario = ? AND safe = ? AND id <> ?", in.LearnerID, in.Scenario, true, runID).
			Count(&other).Error
		if err != nil {
			return err
		}
		d.PracticePasses = b2i(other == 0)
	}
	return st.bump(tx, k.Unit, d)
}

// sortedKeys returns a map's keys in order, for stable output.
func sortedKeys[K interface{ ~string }, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
