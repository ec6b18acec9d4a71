package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// counterTables are the tables Recount rebuilds (trainer_counts joins them
// when its source, the class-session pages, does: see recountClassWork).
var counterTables = []string{"unit_counts", "unit_module_counts", "unit_task_counts", "unit_active_days", "unit_birth_counts", "learner_keys"}

// Recount rebuilds every report counter from the base tables (learners,
// progress, attempts, certificates, practice runs) in one transaction that
// holds the writers back, so no write lands between reading and
// rewriting. It returns how many counter rows were wrong. kynangso repair
// and the demo's fast path call it; the tests compare it with the live
// counters.
func (st *Store) Recount(ctx context.Context) (int, error) {
	var wrong int
	err := st.w.WithContext(ctx).Session(&gorm.Session{PrepareStmt: false}).Transaction(func(tx *gorm.DB) error {
		if st.dialect == Postgres {
			// Writers bump these tables last in their transactions: they
			// wait here, and what they wrote before is not committed yet,
			// so the recount neither misses nor doubles it.
			if err := tx.Exec("LOCK TABLE " + strings.Join(counterTables, ", ") + ", trainer_counts IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		drift, err := st.recount(tx, true)
		wrong = len(drift)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: recount: %w", err)
	}
	return wrong, nil
}

// CounterDrift compares every live counter with a recount from the base
// tables, changing nothing, and describes each difference. Tests use it.
func (st *Store) CounterDrift(ctx context.Context) ([]string, error) {
	var drift []string
	err := st.w.WithContext(ctx).Session(&gorm.Session{PrepareStmt: false}).Transaction(func(tx *gorm.DB) error {
		var err error
		drift, err = st.recount(tx, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: counter drift: %w", err)
	}
	return drift, nil
}

// keyRow is one row of learner_keys.
type keyRow struct {
	UnitCode  string
	BirthYear int
	NameKey   string
}

// recount computes every counter from the base tables and compares it
// with the stored one; with write it also replaces the stored counters.
func (st *Store) recount(tx *gorm.DB, write bool) ([]string, error) {
	var units []Unit
	if err := tx.Select("code", "path").Find(&units).Error; err != nil {
		return nil, err
	}
	chains := make(map[string][]string, len(units))
	for _, u := range units {
		chains[u.Code] = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	var drift []string

	// Per commune (learners.unit_code), one pass over its learners: who
	// they are, when they were last active, whether they reached,
	// finished a module, graduated; and the duplicate-flag keys.
	leaf := map[string]*CounterDelta{}
	at := func(unit string) *CounterDelta {
		if leaf[unit] == nil {
			leaf[unit] = &CounterDelta{}
		}
		return leaf[unit]
	}
	var communes []string
	if err := tx.Raw("SELECT DISTINCT unit_code FROM learners ORDER BY unit_code").Scan(&communes).Error; err != nil {
		return nil, err
	}
	for _, commune := range communes {
		keys := map[keyRow]int64{}
		rows, err := tx.Raw(`SELECT l.id, l.unit_code, l.village_code, l.birth_year, l.gender, l.name, l.last_active_at,
			CASE WHEN EXISTS (SELECT 1 FROM progress p WHERE p.learner_id = l.id AND p.status = 'completed') THEN 1 ELSE 0 END AS reached,
			CASE WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.learner_id = l.id AND c.kind = 'module') THEN 1 ELSE 0 END AS one_module,
			CASE WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.learner_id = l.id AND c.kind = 'programme') THEN 1 ELSE 0 END AS graduated
			FROM learners l WHERE l.unit_code = ?`, commune).Rows()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var l Learner
			var reached, oneModule, graduated int64
			if err := rows.Scan(&l.ID, &l.UnitCode, &l.VillageCode, &l.BirthYear, &l.Gender, &l.Name, &l.LastActiveAt, &reached, &oneModule, &graduated); err != nil {
				rows.Close()
				return nil, err
			}
			k := keyOf(l)
			d := at(k.Unit)
			d.Registered++
			d.Reached += reached
			d.OneModule += oneModule
			d.Graduates += graduated
			d.ActiveDays = addTo(d.ActiveDays, st.day(k.LastActiveAt), 1)
			if d.Births == nil {
				d.Births = map[BirthKey]BirthCount{}
			}
			b := d.Births[BirthKey{k.BirthYear, k.Gender}]
			b.Registered++
			b.Reached += reached
			b.Graduates += graduated
			d.Births[BirthKey{k.BirthYear, k.Gender}] = b
			keys[keyRow{k.Unit, k.BirthYear, k.NameKey}]++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		more, err := syncKeys(tx, keys, write)
		if err != nil {
			return nil, err
		}
		drift = append(drift, more...)
	}
	// Keys of units nobody is counted at any more.
	stray := `FROM learner_keys WHERE NOT EXISTS (SELECT 1 FROM learners l WHERE ` + countingUnitSQL + ` = learner_keys.unit_code)`
	var strays []struct {
		UnitCode  string
		BirthYear int
		NameKey   string
	}
	if err := tx.Raw(`SELECT unit_code, birth_year, name_key ` + stray + ` AND learners <> 0`).Scan(&strays).Error; err != nil {
		return nil, err
	}
	for _, r := range strays {
		drift = append(drift, fmt.Sprintf("learner_keys %s/%d/%q: counted, but no such learner", r.UnitCode, r.BirthYear, r.NameKey))
	}
	if write {
		if err := tx.Exec(`DELETE ` + stray).Error; err != nil {
			return nil, err
		}
	}

	// The rest are sums over the learners' records, grouped by unit.
	var lessons []struct {
		Unit string
		N    int64
	}
	if err := tx.Raw(`SELECT ` + countingUnitSQL + ` AS unit, COUNT(*) AS n FROM progress p JOIN learners l ON l.id = p.learner_id
		WHERE p.status = 'completed' GROUP BY ` + countingUnitSQL).Scan(&lessons).Error; err != nil {
		return nil, err
	}
	for _, r := range lessons {
		at(r.Unit).LessonsCompleted += r.N
	}
	var attempts []struct {
		Unit                  string
		N, ScoreSum, TotalSum int64
	}
	if err := tx.Raw(`SELECT ` + countingUnitSQL + ` AS unit, COUNT(*) AS n, SUM(a.score) AS score_sum, SUM(a.total) AS total_sum
		FROM attempts a JOIN learners l ON l.id = a.learner_id GROUP BY ` + countingUnitSQL).Scan(&attempts).Error; err != nil {
		return nil, err
	}
	for _, r := range attempts {
		d := at(r.Unit)
		d.Attempts, d.ScoreSum, d.TotalSum = d.Attempts+r.N, d.ScoreSum+r.ScoreSum, d.TotalSum+r.TotalSum
	}
	var modules []struct {
		Unit, Module string
		N            int64
	}
	if err := tx.Raw(`SELECT ` + countingUnitSQL + ` AS unit, c.module, COUNT(*) AS n FROM certificates c JOIN learners l ON l.id = c.learner_id
		WHERE c.kind = 'module' GROUP BY ` + countingUnitSQL + `, c.module`).Scan(&modules).Error; err != nil {
		return nil, err
	}
	for _, r := range modules {
		d := at(r.Unit)
		d.Modules = addTo(d.Modules, r.Module, r.N)
	}
	var passes []struct {
		Unit string
		N    int64
	}
	if err := tx.Raw(`SELECT `+countingUnitSQL+` AS unit, COUNT(*) AS n FROM (SELECT DISTINCT learner_id, scenario FROM practice_runs WHERE safe = ?) r
		JOIN learners l ON l.id = r.learner_id GROUP BY `+countingUnitSQL, true).Scan(&passes).Error; err != nil {
		return nil, err
	}
	for _, r := range passes {
		at(r.Unit).PracticePasses += r.N
	}
	more, err := recountClassWork(tx, at, write)
	if err != nil {
		return nil, err
	}
	drift = append(drift, more...)

	// Every unit counts what its subtree counts.
	total := map[string]*CounterDelta{}
	for unit, d := range leaf {
		chain, ok := chains[unit]
		if !ok {
			return nil, fmt.Errorf("learners counted at unknown unit %q", unit)
		}
		for _, code := range chain {
			if total[code] == nil {
				total[code] = &CounterDelta{}
			}
			total[code].add(*d, 1)
		}
	}
	stored, err := st.storedCounters(tx)
	if err != nil {
		return nil, err
	}
	drift = append(drift, diffCounters(stored, total)...)
	if write {
		for _, t := range counterTables {
			if t == "learner_keys" {
				continue // rewritten per commune above
			}
			if err := tx.Exec("DELETE FROM " + t).Error; err != nil {
				return nil, err
			}
		}
		if err := st.writeCounters(tx, total); err != nil {
			return nil, err
		}
	}
	return drift, nil
}

// recountClassWork adds what the trainers' class work feeds to the
// recount: the learners' real-task marks per unit (and the learners with a
// task done alone), and each trainer's sessions, learners reached and
// ticks, which it compares with trainer_counts (and with write, rewrites).
func recountClassWork(tx *gorm.DB, at func(unit string) *CounterDelta, write bool) ([]string, error) {
	var tasks []struct {
		Unit, Task string
		Alone      bool
		N          int64
	}
	if err := tx.Raw(`SELECT ` + countingUnitSQL + ` AS unit, t.task, t.alone, COUNT(*) AS n FROM task_ticks t JOIN learners l ON l.id = t.learner_id
		GROUP BY ` + countingUnitSQL + `, t.task, t.alone`).Scan(&tasks).Error; err != nil {
		return nil, err
	}
	for _, r := range tasks {
		d := at(r.Unit)
		if d.Tasks == nil {
			d.Tasks = map[string]TaskReach{}
		}
		t := d.Tasks[r.Task]
		if r.Alone {
			t.Alone += r.N
		} else {
			t.WithHelp += r.N
		}
		d.Tasks[r.Task] = t
	}
	var alone []struct {
		Unit string
		N    int64
	}
	if err := tx.Raw(`SELECT `+countingUnitSQL+` AS unit, COUNT(*) AS n FROM learners l
		WHERE EXISTS (SELECT 1 FROM task_ticks t WHERE t.learner_id = l.id AND t.alone = ?) GROUP BY `+countingUnitSQL, true).Scan(&alone).Error; err != nil {
		return nil, err
	}
	for _, r := range alone {
		at(r.Unit).TaskAloneLearners += r.N
	}

	want := map[int64]*TrainerDelta{}
	get := func(id int64) *TrainerDelta {
		if want[id] == nil {
			want[id] = &TrainerDelta{}
		}
		return want[id]
	}
	var rows []struct {
		UserID int64
		N      int64
	}
	if err := tx.Raw(`SELECT opened_by AS user_id, COUNT(*) AS n FROM class_sessions WHERE opened_by IS NOT NULL GROUP BY opened_by`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		get(r.UserID).Sessions = r.N
	}
	rows = nil
	if err := tx.Raw(`SELECT s.opened_by AS user_id, COUNT(DISTINCT a.learner_id) AS n FROM attendance a JOIN class_sessions s ON s.id = a.session_id
		WHERE a.present = ? AND s.opened_by IS NOT NULL GROUP BY s.opened_by`, true).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		get(r.UserID).Learners = r.N
	}
	rows = nil
	if err := tx.Raw(`SELECT ticked_by AS user_id, COUNT(*) AS n FROM task_ticks WHERE ticked_by IS NOT NULL GROUP BY ticked_by`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		get(r.UserID).TasksTicked = r.N
	}
	var stored []struct {
		UserID                          int64
		Sessions, Learners, TasksTicked int64
	}
	if err := tx.Raw(`SELECT user_id, sessions, learners, tasks_ticked FROM trainer_counts`).Scan(&stored).Error; err != nil {
		return nil, err
	}
	var drift []string
	seen := map[int64]bool{}
	for _, r := range stored {
		seen[r.UserID] = true
		w := TrainerDelta{}
		if want[r.UserID] != nil {
			w = *want[r.UserID]
		}
		if got := (TrainerDelta{r.Sessions, r.Learners, r.TasksTicked}); got != w {
			drift = append(drift, fmt.Sprintf("trainer_counts %d: counter %+v, recount %+v", r.UserID, got, w))
		}
	}
	for id, w := range want {
		if !seen[id] && *w != (TrainerDelta{}) {
			drift = append(drift, fmt.Sprintf("trainer_counts %d: counter none, recount %+v", id, *w))
		}
	}
	if !write || len(drift) == 0 {
		return drift, nil
	}
	if err := tx.Exec("DELETE FROM trainer_counts").Error; err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := make([][]any, 0, len(want))
	for _, id := range slices.Sorted(maps.Keys(want)) {
		w := want[id]
		out = append(out, []any{id, w.Sessions, w.Learners, w.TasksTicked, now})
	}
	return drift, insertRows(tx, "trainer_counts", []string{"user_id", "sessions", "learners", "tasks_ticked", "updated_at"}, out)
}

// syncKeys compares (and with write, stores) the duplicate-flag keys of the
// learners of one commune (and its villages).
func syncKeys(tx *gorm.DB, keys map[keyRow]int64, write bool) ([]string, error) {
	units := map[string]bool{}
	for k := range keys {
		units[k.UnitCode] = true
	}
	var stored []struct {
		UnitCode  string
		BirthYear int
		NameKey   string
		Learners  int64
	}
	if err := tx.Raw("SELECT unit_code, birth_year, name_key, learners FROM learner_keys WHERE unit_code IN ?", sortedKeys(units)).Scan(&stored).Error; err != nil {
		return nil, err
	}
	var drift []string
	seen := map[keyRow]bool{}
	for _, s := range stored {
		k := keyRow{s.UnitCode, s.BirthYear, s.NameKey}
		seen[k] = true
		if s.Learners != keys[k] {
			drift = append(drift, fmt.Sprintf("learner_keys %s/%d/%q: counter %d, recount %d", s.UnitCode, s.BirthYear, s.NameKey, s.Learners, keys[k]))
		}
	}
	for k, n := range keys {
		if !seen[k] {
			drift = append(drift, fmt.Sprintf("learner_keys %s/%d/%q: counter 0, recount %d", k.UnitCode, k.BirthYear, k.NameKey, n))
		}
	}
	if !write || len(drift) == 0 {
		return drift, nil
	}
	if err := tx.Exec("DELETE FROM learner_keys WHERE unit_code IN ?", sortedKeys(units)).Error; err != nil {
		return nil, err
	}
	rows := make([][]any, 0, len(keys))
	for k, n := range keys {
		rows = append(rows, []any{k.UnitCode, k.BirthYear, k.NameKey, n})
	}
	return drift, insertRows(tx, "learner_keys", []string{"unit_code", "birth_year", "name_key", "learners"}, rows)
}

// storedCounters reads every stored counter row but learner_keys.
func (st *Store) storedCounters(tx *gorm.DB) (map[string]*CounterDelta, error) {
	out := map[string]*CounterDelta{}
	get := func(unit string) *CounterDelta {
		if out[unit] == nil {
			out[unit] = &CounterDelta{}
		}
		return out[unit]
	}
	rows, err := tx.Raw("SELECT unit_code, " + strings.Join(unitCountColumns, ", ") + " FROM unit_counts").Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var unit string
		var d CounterDelta
		dest := []any{&unit}
		for _, p := range d.scalars() {
			dest = append(dest, p)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		get(unit).add(d, 1)
	}
	rows.Close()
	var modules []struct {
		UnitCode, Module string
		Learners         int64
	}
	if err := tx.Raw("SELECT unit_code, module, learners FROM unit_module_counts").Scan(&modules).Error; err != nil {
		return nil, err
	}
	for _, r := range modules {
		get(r.UnitCode).add(CounterDelta{Modules: map[string]int64{r.Module: r.Learners}}, 1)
	}
	var tasks []struct {
		UnitCode, Task  string
		Alone, WithHelp int64
	}
	if err := tx.Raw("SELECT unit_code, task, alone, with_help FROM unit_task_counts").Scan(&tasks).Error; err != nil {
		return nil, err
	}
	for _, r := range tasks {
		get(r.UnitCode).add(CounterDelta{Tasks: map[string]TaskReach{r.Task: {r.Alone, r.WithHelp}}}, 1)
	}
	var days []struct {
		UnitCode, Day string
		Learners      int64
	}
	if err := tx.Raw("SELECT unit_code, day, learners FROM unit_active_days").Scan(&days).Error; err != nil {
		return nil, err
	}
	for _, r := range days {
		get(r.UnitCode).add(CounterDelta{ActiveDays: map[string]int64{r.Day: r.Learners}}, 1)
	}
	var births []struct {
		UnitCode                       string
		BirthYear                      int
		Gender                         string
		Registered, Reached, Graduates int64
	}
	if err := tx.Raw("SELECT unit_code, birth_year, gender, registered, reached, graduates FROM unit_birth_counts").Scan(&births).Error; err != nil {
		return nil, err
	}
	for _, r := range births {
		get(r.UnitCode).add(CounterDelta{Births: map[BirthKey]BirthCount{{r.BirthYear, r.Gender}: {r.Registered, r.Reached, r.Graduates}}}, 1)
	}
	return out, nil
}

// diffCounters describes every difference between stored and recounted
// counters; a missing row and a row of zeros are the same.
func diffCounters(stored, want map[string]*CounterDelta) []string {
	units := map[string]bool{}
	for u := range stored {
		units[u] = true
	}
	for u := range want {
		units[u] = true
	}
	var out []string
	for _, u := range sortedKeys(units) {
		var s, w CounterDelta
		if stored[u] != nil {
			s = *stored[u]
		}
		if want[u] != nil {
			w = *want[u]
		}
		ss, ws := s.scalars(), w.scalars()
		for i, c := range unitCountColumns {
			if *ss[i] != *ws[i] {
				out = append(out, fmt.Sprintf("unit_counts %s %s: counter %d, recount %d", u, c, *ss[i], *ws[i]))
			}
		}
		out = append(out, diffMap("unit_module_counts "+u, s.Modules, w.Modules)...)
		out = append(out, diffMap("unit_active_days "+u, s.ActiveDays, w.ActiveDays)...)
		for _, k := range sortedKeys(union(s.Tasks, w.Tasks)) {
			if s.Tasks[k] != w.Tasks[k] {
				out = append(out, fmt.Sprintf("unit_task_counts %s %s: counter %+v, recount %+v", u, k, s.Tasks[k], w.Tasks[k]))
			}
		}
		for k := range union(s.Births, w.Births) {
			if s.Births[k] != w.Births[k] {
				out = append(out, fmt.Sprintf("unit_birth_counts %s %d/%q: counter %+v, recount %+v", u, k.BirthYear, k.Gender, s.Births[k], w.Births[k]))
			}
		}
	}
	slices.Sort(out)
	return out
}

func diffMap(what string, s, w map[string]int64) []string {
	var out []string
	for _, k := range sortedKeys(union(s, w)) {
		if s[k] != w[k] {
			out = append(out, fmt.Sprintf("%s %s: counter %d, recount %d", what, k, s[k], w[k]))
		}
	}
	return out
}

func union[K comparable, V any](a, b map[K]V) map[K]bool {
	out := make(map[K]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// writeCounters inserts the recounted counters (the tables are empty).
func (st *Store) writeCounters(tx *gorm.DB, total map[string]*CounterDelta) error {
	now := st.now()
	var unitRows, moduleRows, taskRows, dayRows, birthRows [][]any
	for _, u := range sortedKeys(total) {
		d := total[u]
		row := []any{u}
		for _, p := range d.scalars() {
			row = append(row, *p)
		}
		unitRows = append(unitRows, append(row, now))
		for _, k := range sortedKeys(d.Modules) {
			if d.Modules[k] != 0 {
				moduleRows = append(moduleRows, []any{u, k, d.Modules[k]})
			}
		}
		for _, k := range sortedKeys(d.Tasks) {
			if t := d.Tasks[k]; t != (TaskReach{}) {
				taskRows = append(taskRows, []any{u, k, t.Alone, t.WithHelp})
			}
		}
		for _, k := range sortedKeys(d.ActiveDays) {
			if d.ActiveDays[k] != 0 {
				dayRows = append(dayRows, []any{u, k, d.ActiveDays[k]})
			}
		}
		for k, b := range d.Births {
			if b != (BirthCount{}) {
				birthRows = append(birthRows, []any{u, k.BirthYear, k.Gender, b.Registered, b.Reached, b.Graduates})
			}
		}
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"unit_counts", append(append([]string{"unit_code"}, unitCountColumns...), "updated_at"), unitRows},
		{"unit_module_counts", []string{"unit_code", "module", "learners"}, moduleRows},
		{"unit_task_counts", []string{"unit_code", "task", "alone", "with_help"}, taskRows},
		{"unit_active_days", []string{"unit_code", "day", "learners"}, dayRows},
		{"unit_birth_counts", []string{"unit_code", "birth_year", "gender", "registered", "reached", "graduates"}, birthRows},
	} {
		if err := insertRows(tx, t.table, t.cols, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts rows in batches of multi-row INSERTs, under both
// engines' limits on parameters per statement.
func insertRows(tx *gorm.DB, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, 4000/len(cols))
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("store: insert %s: %w", table, err)
		}
	}
	return nil
}

// recountAfterMigration rebuilds the counters when the migration that
// created them has just run on a database that already holds learners.
func (st *Store) recountAfterMigration(ctx context.Context, applied []string) error {
	if !slices.Contains(applied, "0009_reports") {
		return nil
	}
	_, err := st.Recount(ctx)
	return err
}
