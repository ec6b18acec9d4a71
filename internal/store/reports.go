package store

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Reads for the report pages. Every one reads counter rows of a few units
// (or the units of one subtree), never learners or progress, so a report
// takes the same few milliseconds for a hundred learners and a million.
// They go through st.rep: a PostgreSQL replica when --db-replica is given.

// UnitCounts is what is counted for one unit and everything under it.
type UnitCounts struct {
	Code              string
	Registered        int64
	Active30d         int64 // learners whose last activity is in the last 30 days
	Reached           int64
	OneModule         int64
	Graduates         int64
	LessonsCompleted  int64
	Attempts          int64
	ScoreSum          int64
	TotalSum          int64
	PracticePasses    int64
	TaskAloneLearners int64
	Modules           map[string]int64
	Tasks             map[string]TaskReach
	UpdatedAt         *time.Time // when a counter of the unit last changed
}

// AverageScore is the share of right answers over all quiz attempts, in
// percent (0 when there were none).
func (u UnitCounts) AverageScore() float64 {
	if u.TotalSum == 0 {
		return 0
	}
	return float64(u.ScoreSum) * 100 / float64(u.TotalSum)
}

// Add adds another unit's counts (for totals of several units).
func (u *UnitCounts) Add(o UnitCounts) {
	u.Registered += o.Registered
	u.Active30d += o.Active30d
	u.Reached += o.Reached
	u.OneModule += o.OneModule
	u.Graduates += o.Graduates
	u.LessonsCompleted += o.LessonsCompleted
	u.Attempts += o.Attempts
	u.ScoreSum += o.ScoreSum
	u.TotalSum += o.TotalSum
	u.PracticePasses += o.PracticePasses
	u.TaskAloneLearners += o.TaskAloneLearners
	for k, v := range o.Modules {
		u.Modules = addTo(u.Modules, k, v)
	}
	for k, v := range o.Tasks {
		if u.Tasks == nil {
			u.Tasks = map[string]TaskReach{}
		}
		t := u.Tasks[k]
		t.Alone += v.Alone
		t.WithHelp += v.WithHelp
		u.Tasks[k] = t
	}
	if o.UpdatedAt != nil && (u.UpdatedAt == nil || o.UpdatedAt.After(*u.UpdatedAt)) {
		u.UpdatedAt = o.UpdatedAt
	}
}

// ActiveSince is the first day counted as "active in the last 30 days" on
// the Vietnamese calendar day of now.
func (st *Store) ActiveSince(now time.Time) string {
	return now.In(st.loc).AddDate(0, 0, -29).Format("2006-01-02")
}

// Today is the Vietnamese calendar day of now.
func (st *Store) Today() string { return st.day(st.now()) }

// Location is Vietnam's time zone, in which days are counted.
func (st *Store) Location() *time.Location { return st.loc }

// UnitCountsOf reads the counters of the given units: one row each from
// unit_counts, their module and task rows, and 30 days of activity. Units
// nobody counted yet come back with zeros.
func (st *Store) UnitCountsOf(ctx context.Context, codes []string) (map[string]UnitCounts, error) {
	out := make(map[string]UnitCounts, len(codes))
	for _, c := range codes {
		out[c] = UnitCounts{Code: c}
	}
	if len(codes) == 0 {
		return out, nil
	}
	db := st.rep.WithContext(ctx)
	var rows []struct {
		UnitCode                                                        string
		Registered, Reached, OneModule, Graduates, LessonsCompleted     int64
		Attempts, ScoreSum, TotalSum, PracticePasses, TaskAloneLearners int64
		UpdatedAt                                                       *time.Time
	}
	err := db.Raw("SELECT unit_code, "+strings.Join(unitCountColumns, ", ")+", updated_at FROM unit_counts WHERE unit_code IN ?", codes).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: unit counts: %w", err)
	}
	for _, r := range rows {
		out[r.UnitCode] = UnitCounts{Code: r.UnitCode, Registered: r.Registered, Reached: r.Reached, OneModule: r.OneModule,
			Graduates: r.Graduates, LessonsCompleted: r.LessonsCompleted, Attempts: r.Attempts, ScoreSum: r.ScoreSum,
			TotalSum: r.TotalSum, PracticePasses: r.PracticePasses, TaskAloneLearners: r.TaskAloneLearners, UpdatedAt: r.UpdatedAt}
	}
	var modules []struct {
		UnitCode, Module string
		Learners         int64
	}
	if err := db.Raw("SELECT unit_code, module, learners FROM unit_module_counts WHERE unit_code IN ?", codes).Scan(&modules).Error; err != nil {
		return nil, fmt.Errorf("store: module counts: %w", err)
	}
	for _, m := range modules {
		u := out[m.UnitCode]
		u.Modules = addTo(u.Modules, m.Module, m.Learners)
		out[m.UnitCode] = u
	}
	var tasks []struct {
		UnitCode, Task  string
		Alone, WithHelp int64
	}
	if err := db.Raw("SELECT unit_code, task, alone, with_help FROM unit_task_counts WHERE unit_code IN ?", codes).Scan(&tasks).Error; err != nil {
		return nil, fmt.Errorf("store: task counts: %w", err)
	}
	for _, t := range tasks {
		u := out[t.UnitCode]
		if u.Tasks == nil {
			u.Tasks = map[string]TaskReach{}
		}
		u.Tasks[t.Task] = TaskReach{t.Alone, t.WithHelp}
		out[t.UnitCode] = u
	}
	var active []struct {
		UnitCode string
		Learners int64
	}
	err = db.Raw("SELECT unit_code, SUM(learners) AS learners FROM unit_active_days WHERE unit_code IN ? AND day >= ? GROUP BY unit_code",
		codes, st.ActiveSince(st.now())).Scan(&active).Error
	if err != nil {
		return nil, fmt.Errorf("store: active counts: %w", err)
	}
	for _, a := range active {
		u := out[a.UnitCode]
		u.Active30d = a.Learners
		out[a.UnitCode] = u
	}
	return out, nil
}

// Counters reads every counter row of the given units in full (every day
// of activity, every birth year): for checks that counters add up.
func (st *Store) Counters(ctx context.Context, codes []string) (map[string]CounterDelta, error) {
	out := map[string]CounterDelta{}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		all, err := st.storedCounters(tx)
		if err != nil {
			return err
		}
		for _, c := range codes {
			if d := all[c]; d != nil {
				out[c] = *d
			} else {
				out[c] = CounterDelta{}
			}
		}
		return nil
	})
	return out, err
}

// Births returns a unit's learners by birth year and gender.
func (st *Store) Births(ctx context.Context, code string) (map[BirthKey]BirthCount, error) {
	var rows []struct {
		BirthYear                      int
		Gender                         string
		Registered, Reached, Graduates int64
	}
	err := st.rep.WithContext(ctx).Raw("SELECT birth_year, gender, registered, reached, graduates FROM unit_birth_counts WHERE unit_code = ?", code).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: births: %w", err)
	}
	out := make(map[BirthKey]BirthCount, len(rows))
	for _, r := range rows {
		out[BirthKey{r.BirthYear, r.Gender}] = BirthCount{r.Registered, r.Reached, r.Graduates}
	}
	return out, nil
}

// DailyTotals sums the daily counts of every commune under path, per day,
// from the day from (YYYY-MM-DD) on. These are events as they happened:
// a learner who later deleted their data stays in them.
func (st *Store) DailyTotals(ctx context.Context, path, from string) ([]DailyCount, error) {
	var out []DailyCount
	err := st.rep.WithContext(ctx).Raw(`SELECT day, SUM(registered) AS registered, SUM(lessons_completed) AS lessons_completed,
		SUM(modules_completed) AS modules_completed, SUM(certificates) AS certificates
		FROM daily_counts WHERE day >= ? AND unit_code IN (SELECT code FROM units WHERE units.path LIKE ? ESCAPE '\')
		GROUP BY day ORDER BY day`, from, likePrefix(path)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: daily totals: %w", err)
	}
	return out, nil
}

// DailyByUnit returns the daily counts of each commune under path between
// two days (from inclusive, to exclusive), summed per commune.
func (st *Store) DailyByUnit(ctx context.Context, path, from, to string) (map[string]DailyCount, error) {
	var rows []DailyCount
	err := st.rep.WithContext(ctx).Raw(`SELECT unit_code, SUM(registered) AS registered, SUM(lessons_completed) AS lessons_completed,
		SUM(modules_completed) AS modules_completed, SUM(certificates) AS certificates
		FROM daily_counts WHERE day >= ? AND day < ? AND unit_code IN (SELECT code FROM units WHERE units.path LIKE ? ESCAPE '\')
		GROUP BY unit_code`, from, to, likePrefix(path)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: daily counts by unit: %w", err)
	}
	out := make(map[string]DailyCount, len(rows))
	for _, r := range rows {
		out[r.UnitCode] = r
	}
	return out, nil
}

// TrainerCounts is one trainer with what they did.
type TrainerCounts struct {
	UserID      int64
	Username    string
	FullName    *string
	UnitCode    string
	UnitName    string
	Sessions    int64
	Learners    int64
	TasksTicked int64
	UpdatedAt   *time.Time // when the counters last changed; nil before any
}

// TrainersUnder lists the trainers of the communes under path with their
// counters (zeros until they hold a session), by commune and name.
func (st *Store) TrainersUnder(ctx context.Context, path string) ([]TrainerCounts, error) {
	var out []TrainerCounts
	err := st.rep.WithContext(ctx).Raw(`SELECT users.id AS user_id, users.username, users.full_name, users.unit_code, units.name AS unit_name,
		COALESCE(tc.sessions, 0) AS sessions, COALESCE(tc.learners, 0) AS learners, COALESCE(tc.tasks_ticked, 0) AS tasks_ticked, tc.updated_at
		FROM users JOIN units ON units.code = users.unit_code LEFT JOIN trainer_counts tc ON tc.user_id = users.id
		WHERE users.role = 'trainer' AND `+pathUnder+` ORDER BY units.path, users.username`, likePrefix(path)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: trainers: %w", err)
	}
	return out, nil
}

// DuplicateGroup is a set of learners of one unit with the same birth year
// and the same name once normalised: likely one person registered twice.
type DuplicateGroup struct {
	UnitCode  string
	UnitName  string
	BirthYear int
	NameKey   string
	Learners  int64
}

// DuplicateGroups lists the likely duplicates under path, most first. It
// reads the partial index of learner_keys holding only such groups.
func (st *Store) DuplicateGroups(ctx context.Context, path string, limit int) ([]DuplicateGroup, error) {
	var out []DuplicateGroup
	err := st.rep.WithContext(ctx).Raw(`SELECT k.unit_code, units.name AS unit_name, k.birth_year, k.name_key, k.learners
		FROM learner_keys k JOIN units ON units.code = k.unit_code
		WHERE k.learners > 1 AND `+pathUnder+` ORDER BY k.learners DESC, units.path, k.name_key LIMIT ?`, likePrefix(path), limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: duplicate groups: %w", err)
	}
	return out, nil
}

// FlaggedLearner is a learner shown in an integrity flag: enough to find
// and visit them, nothing more.
type FlaggedLearner struct {
	ID        int64
	Code      string
	Name      string
	BirthYear int
	UnitCode  string
	Village   *string
	CreatedAt time.Time
}

// LearnersOfGroup returns the learners of a duplicate group.
func (st *Store) LearnersOfGroup(ctx context.Context, g DuplicateGroup) ([]FlaggedLearner, error) {
	var rows []FlaggedLearner
	err := st.rep.WithContext(ctx).Table("learners").Select("id", "code", "name", "birth_year", "unit_code", "village", "created_at").
		Where("unit_code = ? AND birth_year = ?", g.UnitCode, g.BirthYear).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: learners of group: %w", err)
	}
	// One commune's learners of one birth year: a few dozen at most.
	return slices.DeleteFunc(rows, func(l FlaggedLearner) bool { return NameKey(l.Name) != g.NameKey }), nil
}

// SampleLearners draws up to n learners registered under path in
// [from, to) for a verification visit. The draw is seeded by seed (the
// period and the unit), so it is the same every time it is asked for, as
// long as nobody registers or leaves in that period. It never scans the
// subtree's learners: it weighs the communes by their daily registration
// counts and takes the k-th registration of a commune through the
// (unit_code, created_at) index.
func (st *Store) SampleLearners(ctx context.Context, path string, from, to time.Time, n int, seed string) ([]FlaggedLearner, error) {
	dayFrom, dayTo := st.day(from), st.day(to)
	counts, err := st.DailyByUnit(ctx, path, dayFrom, dayTo)
	if err != nil {
		return nil, err
	}
	type bucket struct {
		unit  string
		count int64
	}
	var buckets []bucket
	var total int64
	for _, u := range sortedKeys(counts) {
		if c := counts[u].Registered; c > 0 {
			buckets = append(buckets, bucket{u, int64(c)})
			total += int64(c)
		}
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	rng := rand.New(rand.NewPCG(h.Sum64(), 11))
	var out []FlaggedLearner
	seen := map[int64]bool{}
	for try := 0; try < 4*n && len(out) < n && total > 0; try++ {
		pick := rng.Int64N(total)
		var b bucket
		for _, b = range buckets {
			if pick < b.count {
				break
			}
			pick -= b.count
		}
		var got []FlaggedLearner
		err := st.rep.WithContext(ctx).Table("learners").Select("id", "code", "name", "birth_year", "unit_code", "village", "created_at").
			Where("unit_code = ? AND created_at >= ? AND created_at < ?", b.unit, from.UTC(), to.UTC()).
			Order("created_at, id").Offset(int(pick)).Limit(1).Find(&got).Error
		if err != nil {
			return nil, fmt.Errorf("store: sample learners: %w", err)
		}
		if len(got) == 1 && !seen[got[0].ID] { // a deleted learner leaves a gap at the end
			seen[got[0].ID] = true
			out = append(out, got[0])
		}
	}
	return out, nil
}

// DailyRows returns the daily counts of every commune under path from the
// day from on, by commune and day.
func (st *Store) DailyRows(ctx context.Context, path, from string) ([]DailyCount, error) {
	var out []DailyCount
	err := st.rep.WithContext(ctx).Raw(`SELECT unit_code, day, registered, lessons_completed, modules_completed, certificates
		FROM daily_counts WHERE day >= ? AND unit_code IN (SELECT code FROM units WHERE units.path LIKE ? ESCAPE '\')
		ORDER BY unit_code, day`, from, likePrefix(path)).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: daily rows: %w", err)
	}
	return out, nil
}

// SessionFlag is a class session that looks implausible, with the reason:
// SameTime (on the day it was held, its attendance was saved within a
// minute of another class's session of that day by the same trainer: one
// person cannot be in both classes; sessions filled in on a later day are
// not flagged, since entering them one after the other is normal) or Repeat
// (its lessons and present learners are those of an earlier session of
// the class: one session recorded twice).
type SessionFlag struct {
	Reason    string // SessionSameTime or SessionRepeat
	UnitName  string
	ClassName string
	HeldOn    string
	OtherOn   string // the other session's day
	Other     string // the other session's class (SameTime)
	Trainer   string
	Present   int
}

// The reasons of a SessionFlag.
const (
	SessionSameTime = "same_time"
	SessionRepeat   = "repeat"
)

// sameTimeWindow is how close two classes' attendance saves by one
// trainer must be to be flagged.
const sameTimeWindow = time.Minute

// repeatMinPresent is the smallest attendance list a repeat is flagged
// for: small classes may well have the same few learners every time.
const repeatMinPresent = 5

// ImplausibleSessions lists the sessions since a day (YYYY-MM-DD) of the
// classes under path that look implausible (see SessionFlag). Flags
// inform; they change nothing.
func (st *Store) ImplausibleSessions(ctx context.Context, path, since string) ([]SessionFlag, error) {
	type row struct {
		ID        int64
		ClassID   int64
		ClassName string
		UnitName  string
		HeldOn    string
		TakenAt   *time.Time
		OpenedBy  *int64
		Trainer   *string
	}
	var rows []row
	err := st.rep.WithContext(ctx).Raw(`SELECT s.id, s.class_id, c.name AS class_name, units.name AS unit_name, s.held_on, s.taken_at, s.opened_by, u.username AS trainer
		FROM class_sessions s JOIN classes c ON c.id = s.class_id JOIN units ON units.code = c.unit_code LEFT JOIN users u ON u.id = s.opened_by
		WHERE s.held_on >= ? AND s.taken_at IS NOT NULL AND `+pathUnder+` ORDER BY s.class_id, s.held_on, s.id`, since, likePrefix(path)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: implausible sessions: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	present := map[int64][]int64{}
	lessons := map[int64][]string{}
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		var marks []struct{ SessionID, LearnerID int64 }
		if err := st.rep.WithContext(ctx).Raw(`SELECT session_id, learner_id FROM attendance WHERE present = ? AND session_id IN ? ORDER BY session_id, learner_id`, true, batch).
			Scan(&marks).Error; err != nil {
			return nil, fmt.Errorf("store: implausible sessions: %w", err)
		}
		for _, m := range marks {
			present[m.SessionID] = append(present[m.SessionID], m.LearnerID)
		}
		var ls []struct {
			SessionID      int64
			Module, Lesson string
		}
		if err := st.rep.WithContext(ctx).Raw(`SELECT session_id, module, lesson FROM class_session_lessons WHERE session_id IN ? ORDER BY session_id, module, lesson`, batch).
			Scan(&ls).Error; err != nil {
			return nil, fmt.Errorf("store: implausible sessions: %w", err)
		}
		for _, l := range ls {
			lessons[l.SessionID] = append(lessons[l.SessionID], l.Module+"/"+l.Lesson)
		}
	}
	var out []SessionFlag
	flag := func(reason string, r, other row) {
		out = append(out, SessionFlag{Reason: reason, UnitName: r.UnitName, ClassName: r.ClassName, HeldOn: r.HeldOn, OtherOn: other.HeldOn,
			Other: other.ClassName, Trainer: deref(r.Trainer), Present: len(present[r.ID])})
	}
	// Repeats: the same lessons and the same present learners as an
	// earlier session of the class.
	seen := map[string]row{}
	for _, r := range rows {
		if len(present[r.ID]) < repeatMinPresent {
			continue
		}
		sig := fmt.Sprint(r.ClassID, lessons[r.ID], present[r.ID])
		if first, ok := seen[sig]; ok {
			flag(SessionRepeat, r, first)
			continue
		}
		seen[sig] = r
	}
	// Two classes' attendance taken live by one trainer within a minute.
	type key struct {
		trainer int64
		day     string
	}
	live := map[key][]row{}
	for _, r := range rows {
		if r.OpenedBy != nil && st.day(*r.TakenAt) == r.HeldOn && len(present[r.ID]) > 0 {
			k := key{*r.OpenedBy, r.HeldOn}
			live[k] = append(live[k], r)
		}
	}
	for _, rs := range live {
		slices.SortFunc(rs, func(a, b row) int { return a.TakenAt.Compare(*b.TakenAt) })
		for i := 1; i < len(rs); i++ {
			for j := i - 1; j >= 0 && rs[i].TakenAt.Sub(*rs[j].TakenAt) < sameTimeWindow; j-- {
				if rs[j].ClassID != rs[i].ClassID {
					flag(SessionSameTime, rs[i], rs[j])
					break
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b SessionFlag) int { // newest first
		return cmp.Or(strings.Compare(b.HeldOn, a.HeldOn), strings.Compare(a.UnitName, b.UnitName), strings.Compare(a.ClassName, b.ClassName))
	})
	return out, nil
}
