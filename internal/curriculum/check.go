package curriculum

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CheckFile is the name of a locale's before/after check, beside its
// module folders (content/<locale>/check.yaml).
const CheckFile = "check.yaml"

// How many questions the check has: short enough for five minutes, and at
// least one per module so that every module gets a score.
const (
	MinCheckQuestions = 10
	MaxCheckQuestions = 12
)

// Check is the short before/after check (DESIGN §2): single-choice
// questions drawn across the six modules, each tagged with the module and
// lesson it draws on and the competence it tests. A learner takes the same
// questions when starting and again later, so that the two scores compare
// module by module. Question and option ids are stable: results are stored
// by them.
type Check struct {
	Locale    string // language of this text; may differ from the page's when it falls back
	File      string // path inside the content tree, for error messages
	Questions []CheckQuestion
}

// CheckQuestion is one question of the check.
type CheckQuestion struct {
	Question
	Module     string // module slug
	Lesson     string // slug of the lesson (in Module) whose facts the question uses
	Competence string // a code of Competences()
}

// rawCheckQuestion is a check question as written in YAML.
type rawCheckQuestion struct {
	ID         string   `yaml:"id"`
	Module     string   `yaml:"module"`
	Lesson     string   `yaml:"lesson"`
	Competence string   `yaml:"competence"`
	Text       string   `yaml:"question"`
	Options    []Option `yaml:"options"`
}

// Check returns the before/after check in a locale (Vietnamese when the
// locale has no translation), or nil when the content has none.
func (c *Catalog) Check(locale string) *Check {
	if ch, ok := c.checks[locale]; ok {
		return ch
	}
	return c.checks[DefaultLocale]
}

// Question returns a question of the check by id.
func (ch *Check) Question(id string) (*CheckQuestion, bool) {
	for i := range ch.Questions {
		if ch.Questions[i].ID == id {
			return &ch.Questions[i], true
		}
	}
	return nil, false
}

// CheckGrade is a graded check: the score overall and per module.
type CheckGrade struct {
	Score   int
	Total   int
	Answers []CheckAnswer // one per question, in check order
	Missing []string      // ids of unanswered questions; a grade with Missing is not stored
	Modules []ModuleScore // one per module that has questions, in module order
}

// CheckAnswer is the outcome of one question of the check.
type CheckAnswer struct {
	Question *CheckQuestion
	Chosen   *Option // nil when the question was not answered
	Right    bool
}

// ModuleScore is how many of a module's questions were answered right.
type ModuleScore struct {
	Module string
	Right  int
	Total  int
}

// Grade scores answers (question id → option id) against the check.
// Unknown question ids are ignored and an unknown option counts as
// unanswered, so a tampered form cannot raise a score.
func (ch *Check) Grade(answers map[string]string) CheckGrade {
	g := CheckGrade{Total: len(ch.Questions)}
	byModule := map[string]*ModuleScore{}
	for _, slug := range ModuleSlugs() {
		byModule[slug] = &ModuleScore{Module: slug}
	}
	for i := range ch.Questions {
		q := &ch.Questions[i]
		a := CheckAnswer{Question: q}
		if o, ok := q.Option(answers[q.ID]); ok {
			a.Chosen, a.Right = o, o.Correct
		} else {
			g.Missing = append(g.Missing, q.ID)
		}
		ms := byModule[q.Module]
		ms.Total++
		if a.Right {
			g.Score++
			ms.Right++
		}
		g.Answers = append(g.Answers, a)
	}
	for _, slug := range ModuleSlugs() {
		if ms := byModule[slug]; ms.Total > 0 {
			g.Modules = append(g.Modules, *ms)
		}
	}
	return g
}

// Choices returns the chosen option id per question, for storing a result.
func (g CheckGrade) Choices() map[string]string {
	m := make(map[string]string, len(g.Answers))
	for _, a := range g.Answers {
		if a.Chosen != nil {
			m[a.Question.ID] = a.Chosen.ID
		}
	}
	return m
}

// Answers returns the answers of someone who gets right exactly the
// questions for which right(q) is true and every other one wrong: demo
// learners take the check with it, and tests use it to aim at a score.
func (ch *Check) Answers(right func(q *CheckQuestion) bool) map[string]string {
	out := make(map[string]string, len(ch.Questions))
	for i := range ch.Questions {
		q := &ch.Questions[i]
		want := right(q)
		for _, o := range q.Options {
			if o.Correct == want {
				out[q.ID] = o.ID
				break
			}
		}
	}
	return out
}

// loadChecks reads and validates every locale's check after the lessons
// are assembled (a question names a lesson, which must exist). A missing
// file is not an error: without a Vietnamese one there is no check, and a
// locale without its own uses the Vietnamese one.
func (l *loader) loadChecks(cat *Catalog) {
	cat.checks = map[string]*Check{}
	for _, loc := range Locales() {
		if ch := l.loadCheck(loc, cat); ch != nil {
			cat.checks[loc] = ch
		}
	}
	vi, ok := cat.checks[DefaultLocale]
	for _, loc := range Locales()[1:] {
		tr := cat.checks[loc]
		switch {
		case tr == nil:
		case !ok:
			l.add(tr.File, 0, "translation of the check has no Vietnamese check %s/%s", DefaultLocale, CheckFile)
			delete(cat.checks, loc)
		default:
			if msg := sameCheck(vi, tr); msg != "" {
				l.add(tr.File, 0, "check differs from %s: %s", l.display(vi.File), msg)
			}
		}
	}
}

func (l *loader) loadCheck(loc string, cat *Catalog) *Check {
	file, data, ok := l.readOptional(loc, CheckFile)
	if !ok {
		return nil
	}
	var raw []rawCheckQuestion
	if len(strings.TrimSpace(stripComments(string(data)))) == 0 {
		l.add(file, 1, "the check is empty; remove the file or add questions")
		return nil
	}
	if err := decodeStrict(data, &raw); err != nil {
		l.yamlProblems(file, 0, err)
		return nil
	}
	at := newYAMLLines(data, 0).at
	bad := func(line int, format string, args ...any) { l.add(file, line, format, args...) }

	before := len(l.problems)
	if n := len(raw); n < MinCheckQuestions || n > MaxCheckQuestions {
		bad(at(), "the check has %d questions; it needs %d to %d", n, MinCheckQuestions, MaxCheckQuestions)
	}
	ch := &Check{Locale: loc, File: file}
	covered := map[string]bool{}
	known := Competences()
	for qi, r := range raw {
		q := CheckQuestion{Question: Question{ID: r.ID, Text: r.Text, Options: r.Options},
			Module: r.Module, Lesson: r.Lesson, Competence: r.Competence}
		in := func(p ...any) int { return at(append([]any{qi}, p...)...) }
		if want := "q" + strconv.Itoa(qi+1); q.ID != want {
			bad(in("id"), "question %d must have id %q (ids are q1, q2, ... in order)", qi+1, want)
		}
		switch m, ok := cat.Module(DefaultLocale, q.Module); {
		case q.Module == "":
			bad(in(), "question %s has no module: name the module it is about (%s)", q.ID, strings.Join(ModuleSlugs(), ", "))
		case !ok:
			bad(in("module"), "question %s: unknown module %q; the modules are %s", q.ID, q.Module, strings.Join(ModuleSlugs(), ", "))
		case q.Lesson == "":
			covered[q.Module] = true
			bad(in(), "question %s has no lesson: name the lesson (its slug) whose facts the question uses", q.ID)
		default:
			covered[q.Module] = true
			if _, ok := m.Lesson(q.Lesson); !ok {
				bad(in("lesson"), "question %s: module %s has no lesson %q", q.ID, q.Module, q.Lesson)
			}
		}
		switch {
		case q.Competence == "":
			bad(in(), "question %s has no competence: tag it with a code such as \"1.2\"", q.ID)
		case !slices.Contains(known, q.Competence):
			bad(in("competence"), "question %s: unknown competence code %q (use DigComp/UNESCO codes 0.1 to 6.3)", q.ID, q.Competence)
		}
		l.checkQuestion(file, q.Question, in)
		ch.Questions = append(ch.Questions, q)
	}
	if len(l.problems) == before {
		for _, slug := range ModuleSlugs() {
			if !covered[slug] {
				bad(at(), "no question is about module %s: the check gives every module a score, so it needs at least one question per module", slug)
			}
		}
	}
	if len(l.problems) > before {
		return nil
	}
	return ch
}

// stripComments drops YAML comment lines, so that a file holding only
// comments counts as empty.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// sameCheck makes sure a translated check asks the same questions: results
// are stored by question and option id, and scored by module, so the two
// languages must agree on ids, modules and the right options.
func sameCheck(vi, tr *Check) string {
	if len(vi.Questions) != len(tr.Questions) {
		return fmt.Sprintf("%d questions instead of %d", len(tr.Questions), len(vi.Questions))
	}
	for i := range vi.Questions {
		a, b := vi.Questions[i], tr.Questions[i]
		switch {
		case a.Module != b.Module || a.Lesson != b.Lesson || a.Competence != b.Competence:
			return fmt.Sprintf("question %s is tagged %s/%s %s instead of %s/%s %s", a.ID, b.Module, b.Lesson, b.Competence, a.Module, a.Lesson, a.Competence)
		case len(a.Options) != len(b.Options):
			return fmt.Sprintf("question %s has %d options instead of %d", a.ID, len(b.Options), len(a.Options))
		}
		if ca, cb := a.Correct(), b.Correct(); ca != nil && cb != nil && ca.ID != cb.ID {
			return fmt.Sprintf("question %s: correct option %s instead of %s", a.ID, cb.ID, ca.ID)
		}
	}
	return ""
}
