package curriculum

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLineRe   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownKeyRe = regexp.MustCompile(`^field (\S+) not found in type .*$`)
)

// Competences returns the DigComp 2.2 / UNESCO DLGF competence codes a lesson
// may be tagged with: areas 0 (devices) to 5, plus 6 (career-related).
func Competences() []string {
	perArea := []int{2, 3, 6, 4, 4, 4, 3}
	var codes []string
	for area, n := range perArea {
		for i := 1; i <= n; i++ {
			codes = append(codes, fmt.Sprintf("%d.%d", area, i))
		}
	}
	return codes
}

const (
	minQuestions, maxQuestions = 3, 5
	minOptions, maxOptions     = 2, 4
	maxTitleRunes              = 80
)

// checkLesson applies the rules of content/README.md to one front matter.
func (l *loader) checkLesson(ll *loadedLesson, file string) {
	at := func(p ...any) int { return ll.lineOf(p...) }
	bad := func(line int, format string, args ...any) { l.add(file, line, format, args...) }

	switch n := utf8.RuneCountInString(ll.Title); {
	case n == 0:
		bad(at("title"), "title is missing")
	case n > maxTitleRunes:
		bad(at("title"), "title has %d characters; keep it at most %d", n, maxTitleRunes)
	}
	switch {
	case ll.Slug == "":
		bad(at("slug"), "slug is missing")
	case !slugPattern.MatchString(ll.Slug):
		bad(at("slug"), "slug %q must be lower-case letters a-z, digits and single dashes", ll.Slug)
	}
	if ll.Order < 1 {
		bad(at("order"), "order must be a whole number from 1 (the lesson's place in the module)")
	}
	if ll.Minutes < 1 || ll.Minutes > 30 {
		bad(at("minutes"), "minutes must be between 1 and 30 (reading time)")
	}
	if ll.Summary == "" {
		bad(at("summary"), "summary is missing: one sentence shown on the module page")
	}
	if len(ll.Objectives) == 0 {
		bad(at("objectives"), "objectives are missing: list what the learner can do afterwards")
	}
	for i, o := range ll.Objectives {
		if strings.TrimSpace(o) == "" {
			bad(at("objectives", i), "objective %d is empty", i+1)
		}
	}
	if len(ll.Competences) == 0 {
		bad(at("competences"), "competences are missing: tag the lesson with codes such as \"1.1\"")
	}
	known := Competences()
	for i, c := range ll.Competences {
		if !slices.Contains(known, c) {
			bad(at("competences", i), "unknown competence code %q (use DigComp/UNESCO codes 0.1 to 6.3)", c)
		}
	}
	if len(ll.Sources) == 0 {
		bad(at("sources"), "sources are missing: every lesson lists where its facts come from")
	}
	for i, s := range ll.Sources {
		if strings.TrimSpace(s.Title) == "" {
			bad(at("sources", i), "source %d has no title", i+1)
		}
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(at("sources", i, "url"), "source %d needs a full web address starting with https://", i+1)
		}
	}
	l.checkQuiz(ll, file)
}

func (l *loader) checkQuiz(ll *loadedLesson, file string) {
	at := func(p ...any) int { return ll.lineOf(p...) }
	bad := func(line int, format string, args ...any) { l.add(file, line, format, args...) }

	n := len(ll.Quiz)
	if n < minQuestions || n > maxQuestions {
		bad(at("quiz"), "the quiz has %d questions; it needs %d to %d", n, minQuestions, maxQuestions)
	}
	if ll.Pass == 0 {
		ll.Pass = (2*n + 2) / 3 // 2 of 3, 3 of 4, 4 of 5
	} else if ll.Pass < 1 || ll.Pass > n {
		bad(at("pass"), "pass must be between 1 and the number of questions (%d)", n)
	}
	for qi, q := range ll.Quiz {
		if want := "q" + strconv.Itoa(qi+1); q.ID != want {
			bad(at("quiz", qi, "id"), "question %d must have id %q (ids are q1, q2, ... in order)", qi+1, want)
		}
		l.checkQuestion(file, q, func(p ...any) int { return at(append([]any{"quiz", qi}, p...)...) })
	}
}

// checkQuestion applies the rules of one single-choice question (text,
// options, ids, explanations, exactly one correct) shared by lesson
// quizzes and the before/after check; at gives the line of a path inside
// the question.
func (l *loader) checkQuestion(file string, q Question, at func(p ...any) int) {
	bad := func(line int, format string, args ...any) { l.add(file, line, format, args...) }
	if strings.TrimSpace(q.Text) == "" {
		bad(at(), "question %s has no text (question: ...)", q.ID)
	}
	if len(q.Options) < minOptions || len(q.Options) > maxOptions {
		bad(at("options"), "question %s has %d options; it needs %d to %d", q.ID, len(q.Options), minOptions, maxOptions)
	}
	correct := 0
	for oi, o := range q.Options {
		if want := string(rune('a' + oi)); o.ID != want {
			bad(at("options", oi, "id"), "option %d of %s must have id %q (ids are a, b, c, d in order)", oi+1, q.ID, want)
		}
		if strings.TrimSpace(o.Text) == "" {
			bad(at("options", oi), "option %s of %s has no text", o.ID, q.ID)
		}
		if strings.TrimSpace(o.Explanation) == "" {
			bad(at("options", oi), "option %s of %s has no explanation: say why it is right or wrong", o.ID, q.ID)
		}
		if o.Correct {
			correct++
		}
	}
	switch {
	case correct == 0 && len(q.Options) > 0:
		bad(at("options"), "question %s has no correct option: mark one with correct: true", q.ID)
	case correct > 1:
		bad(at("options"), "question %s has %d correct options; mark exactly one", q.ID, correct)
	}
}

// yamlProblems turns a YAML error into file:line problems, shifting the
// parser's line numbers by where the YAML starts in the file.
func (l *loader) yamlProblems(file string, offset int, err error) {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for _, m := range msgs {
		// Some parser errors carry no line (a stray "%" directive): point
		// at the first line of the front matter, so the author still gets
		// file:line.
		line := offset + 1
		if sub := yamlLineRe.FindStringSubmatch(m); sub != nil {
			line, _ = strconv.Atoi(sub[1])
			line += offset
			m = sub[2]
		}
		m = strings.TrimPrefix(m, "yaml: ")
		if sub := unknownKeyRe.FindStringSubmatch(m); sub != nil {
			m = fmt.Sprintf("unknown key %q (check its spelling in content/README.md)", sub[1])
		}
		l.add(file, line, "%s", m)
	}
}

// checkTranslations makes sure a translated lesson has a Vietnamese original
// and the same quiz: answers are stored by question and option id, so the two
// languages must agree on ids and on which option is correct.
func (l *loader) checkTranslations(raw map[string]map[string]*rawModule) {
	for _, loc := range Locales()[1:] {
		for slug, m := range raw[loc] {
			orig := raw[DefaultLocale][slug]
			if orig != nil && orig.broken {
				continue
			}
			for _, tr := range m.lessons {
				var vi *Lesson
				if orig != nil {
					for _, x := range orig.lessons {
						if x.Slug == tr.Slug {
							vi = x
						}
					}
				}
				if vi == nil {
					l.add(tr.File, 0, "translation of slug %q has no Vietnamese lesson %s/%s/...", tr.Slug, DefaultLocale, slug)
					continue
				}
				if msg := sameQuiz(vi, tr); msg != "" {
					l.add(tr.File, 0, "quiz differs from %s: %s", l.display(vi.File), msg)
				}
				if tr.Order != vi.Order {
					l.add(tr.File, 0, "order %d differs from %s (%d)", tr.Order, l.display(vi.File), vi.Order)
				}
			}
		}
	}
}

func sameQuiz(a, b *Lesson) string {
	if len(a.Quiz) != len(b.Quiz) {
		return fmt.Sprintf("%d questions instead of %d", len(b.Quiz), len(a.Quiz))
	}
	if a.Pass != b.Pass {
		return fmt.Sprintf("pass mark %d instead of %d", b.Pass, a.Pass)
	}
	for i := range a.Quiz {
		qa, qb := a.Quiz[i], b.Quiz[i]
		if len(qa.Options) != len(qb.Options) {
			return fmt.Sprintf("question %s has %d options instead of %d", qa.ID, len(qb.Options), len(qa.Options))
		}
		if ca, cb := qa.Correct(), qb.Correct(); ca != nil && cb != nil && ca.ID != cb.ID {
			return fmt.Sprintf("question %s: correct option %s instead of %s", qa.ID, cb.ID, ca.ID)
		}
	}
	return ""
}

// assemble builds one locale's view: translated module titles and lessons
// where they exist, the Vietnamese ones otherwise.
func assemble(loc string, raw map[string]map[string]*rawModule) *localeSet {
	set := &localeSet{bySlug: map[string]*Module{}}
	for i, slug := range ModuleSlugs() {
		vi := raw[DefaultLocale][slug]
		if vi == nil {
			vi = &rawModule{slug: slug, title: slug}
		}
		m := &Module{Slug: slug, Index: i, Locale: DefaultLocale, Title: vi.title, Summary: vi.summary, bySlug: map[string]*Lesson{}}
		tr := raw[loc][slug]
		if tr != nil && tr.title != "" {
			m.Title, m.Summary, m.Locale = tr.title, tr.summary, loc
		}
		for _, lesson := range vi.lessons {
			chosen := lesson
			if tr != nil && loc != DefaultLocale {
				for _, x := range tr.lessons {
					if x.Slug == lesson.Slug {
						chosen = x
					}
				}
			}
			m.Lessons = append(m.Lessons, chosen)
			m.bySlug[chosen.Slug] = chosen
		}
		set.modules = append(set.modules, m)
		set.bySlug[slug] = m
	}
	return set
}

// checkLinks resolves every /modules/... link found in lesson bodies.
func (l *loader) checkLinks(cat *Catalog) {
	for _, lk := range l.links {
		if strings.HasPrefix(lk.dest, GlossaryPath+"#") {
			if msg := glossaryLinkProblem(lk.dest, l.glossaryFor(lk.loc)); msg != "" {
				l.add(lk.file, lk.line, "%s", msg)
			}
			continue
		}
		u, err := url.Parse(lk.dest)
		if err != nil {
			l.add(lk.file, lk.line, "link %q is not a valid address", lk.dest)
			continue
		}
		parts := strings.Split(strings.Trim(path.Clean(u.Path), "/"), "/")
		ok := false
		switch len(parts) {
		case 2:
			_, ok = cat.Module(DefaultLocale, parts[1])
		case 3:
			_, ok = cat.Lesson(DefaultLocale, parts[1], parts[2])
		}
		if !ok {
			l.add(lk.file, lk.line, "link %q points to no module or lesson", lk.dest)
		}
	}
}
