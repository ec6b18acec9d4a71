package learning

import (
	"encoding/json"
	"slices"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
)

// QuestionStat is how a class answered one quiz question.
type QuestionStat struct {
	Module, Lesson, Question string
	Answers                  int    // answers given, over every attempt
	Wrong                    int    // of them wrong
	TopWrong                 string // the wrong option chosen most ("" when none was wrong)
	TopWrongCount            int
}

// WrongPercent is the share of wrong answers, 0–100, rounded down.
func (q QuestionStat) WrongPercent() int {
	if q.Answers == 0 {
		return 0
	}
	return q.Wrong * 100 / q.Answers
}

// AnalyseAnswers counts, for every question of the current curriculum that
// the attempts answered, the answers, the wrong ones and the wrong option
// chosen most. Answers are graded against today's Vietnamese quiz (ids
// are the same in every language); options that no longer exist are
// skipped. Worst first: the largest share of wrong answers, then the most
// wrong answers, then course order.
//
// It runs in Go over the class's attempts (ClassAnswers reads three short
// columns in one query): decoding a small JSON object per attempt costs
// about a microsecond, so a class of 40 with every quiz taken once or
// twice (2,000–3,000 attempts) takes a few milliseconds. An SQL version
// would need JSON functions that differ between SQLite and PostgreSQL.
func AnalyseAnswers(cat *curriculum.Catalog, rows []store.AnswerRow) []QuestionStat {
	type key struct{ module, lesson, question string }
	stats := map[key]*QuestionStat{}
	wrongBy := map[key]map[string]int{}
	for _, row := range rows {
		lesson, ok := cat.Lesson(curriculum.DefaultLocale, row.Module, row.Lesson)
		if !ok {
			continue
		}
		var chosen map[string]string
		if err := json.Unmarshal([]byte(row.Answers), &chosen); err != nil {
			continue
		}
		for qid, oid := range chosen {
			q, ok := lesson.Question(qid)
			if !ok {
				continue
			}
			o, ok := q.Option(oid)
			if !ok {
				continue
			}
			k := key{row.Module, row.Lesson, qid}
			s := stats[k]
			if s == nil {
				s = &QuestionStat{Module: row.Module, Lesson: row.Lesson, Question: qid}
				stats[k] = s
				wrongBy[k] = map[string]int{}
			}
			s.Answers++
			if !o.Correct {
				s.Wrong++
				wrongBy[k][oid]++
			}
		}
	}
	order := map[key]int{}
	i := 0
	for _, m := range cat.Modules(curriculum.DefaultLocale) {
		for _, l := range m.Lessons {
			for _, q := range l.Quiz {
				order[key{m.Slug, l.Slug, q.ID}] = i
				i++
			}
		}
	}
	out := make([]QuestionStat, 0, len(stats))
	for k, s := range stats {
		for oid, n := range wrongBy[k] {
			if n > s.TopWrongCount || n == s.TopWrongCount && oid < s.TopWrong {
				s.TopWrong, s.TopWrongCount = oid, n
			}
		}
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b QuestionStat) int {
		// Compare shares without rounding: a.Wrong/a.Answers vs b.Wrong/b.Answers.
		if d := b.Wrong*a.Answers - a.Wrong*b.Answers; d != 0 {
			return d
		}
		if d := b.Wrong - a.Wrong; d != 0 {
			return d
		}
		return order[key{a.Module, a.Lesson, a.Question}] - order[key{b.Module, b.Lesson, b.Question}]
	})
	return out
}
