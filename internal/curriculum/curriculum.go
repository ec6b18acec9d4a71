// Package curriculum loads, validates and serves the lessons and quizzes of
// the six modules. It owns the lesson file format (content/README.md) and the
// grading of a quiz. It must not import echo, gorm or anything under
// internal/web or internal/store: it is pure domain code.
package curriculum

import (
	"html/template"
)

// ModuleSlugs returns the six modules in the order residents see them. The
// slugs are stable: URLs, progress records and reports use them.
func ModuleSlugs() []string {
	return []string{"internet", "email", "online-shopping", "e-payment", "public-services", "data-safety"}
}

// DefaultLocale is the language every lesson must exist in; other locales
// fall back to it lesson by lesson.
const DefaultLocale = "vi"

// Locales returns the content languages the loader accepts, default first.
func Locales() []string { return []string{DefaultLocale, "en"} }

// Catalog is the validated, rendered curriculum. It is built once at
// start-up and read concurrently afterwards; nothing in it changes.
type Catalog struct {
	byLocale   map[string]*localeSet
	media      map[string]Media
	glossaries map[string]*glossary    // by locale; a locale without one uses Vietnamese
	practice   map[string]*practiceSet // scenarios per locale; see practice.go
	tasks      map[string]*taskSet     // real tasks per locale; see tasks.go
	checks     map[string]*Check       // the before/after check per locale; see check.go
}

type localeSet struct {
	modules []*Module
	bySlug  map[string]*Module
}

// Module is one of the six modules as seen in one language.
type Module struct {
	Slug    string
	Locale  string // language of Title and Summary
	Title   string
	Summary string
	Index   int // 0-based position among the six
	Lessons []*Lesson
	bySlug  map[string]*Lesson
}

// Lesson is one Markdown lesson with its quiz, rendered to HTML at load time.
type Lesson struct {
	Module      string
	Slug        string
	Locale      string // language of this text; may differ from the page's when it falls back
	File        string // path inside the content tree, for error messages
	Title       string
	Order       int
	Minutes     int
	Summary     string
	Objectives  []string
	Competences []string
	Sources     []Source
	Pass        int // questions needed to pass
	Quiz        []Question
	Body        template.HTML // rendered once from trusted Markdown with raw HTML disabled
	Images      []string      // media names the body shows, in order
}

// Source is a reference backing the facts of a lesson.
type Source struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// Question is one single-choice quiz question.
type Question struct {
	ID      string   `yaml:"id"`
	Text    string   `yaml:"question"`
	Options []Option `yaml:"options"`
}

// Option is one answer of a question. Exactly one option per question is correct.
type Option struct {
	ID          string `yaml:"id"`
	Text        string `yaml:"text"`
	Correct     bool   `yaml:"correct"`
	Explanation string `yaml:"explanation"`
}

// Media is an illustration under content/media, served with a content hash.
type Media struct {
	Name   string
	Hash   string
	Data   []byte
	Width  int
	Height int
}

// Modules returns the six modules in the given locale (falling back to
// Vietnamese for anything not translated).
func (c *Catalog) Modules(locale string) []*Module {
	return c.set(locale).modules
}

// Module returns a module by slug.
func (c *Catalog) Module(locale, slug string) (*Module, bool) {
	m, ok := c.set(locale).bySlug[slug]
	return m, ok
}

// Lesson returns a lesson by module and lesson slug. Its Locale tells whether
// a translation was found.
func (c *Catalog) Lesson(locale, module, slug string) (*Lesson, bool) {
	m, ok := c.Module(locale, module)
	if !ok {
		return nil, false
	}
	l, ok := m.bySlug[slug]
	return l, ok
}

// LessonCount returns the number of lessons in all modules.
func (c *Catalog) LessonCount() int {
	n := 0
	for _, m := range c.Modules(DefaultLocale) {
		n += len(m.Lessons)
	}
	return n
}

// MediaFile returns an illustration by file name.
func (c *Catalog) MediaFile(name string) (Media, bool) {
	m, ok := c.media[name]
	return m, ok
}

func (c *Catalog) set(locale string) *localeSet {
	if s, ok := c.byLocale[locale]; ok {
		return s
	}
	return c.byLocale[DefaultLocale]
}

// Neighbours returns the lessons before and after l in its module (nil at the ends).
func (m *Module) Neighbours(l *Lesson) (prev, next *Lesson) {
	for i, x := range m.Lessons {
		if x.Slug != l.Slug {
			continue
		}
		if i > 0 {
			prev = m.Lessons[i-1]
		}
		if i+1 < len(m.Lessons) {
			next = m.Lessons[i+1]
		}
	}
	return prev, next
}

// Lesson returns a lesson of the module by slug.
func (m *Module) Lesson(slug string) (*Lesson, bool) {
	l, ok := m.bySlug[slug]
	return l, ok
}

// Minutes returns the total reading time of the module.
func (m *Module) Minutes() int {
	n := 0
	for _, l := range m.Lessons {
		n += l.Minutes
	}
	return n
}

// Question returns a question of the lesson's quiz by id.
func (l *Lesson) Question(id string) (*Question, bool) {
	for i := range l.Quiz {
		if l.Quiz[i].ID == id {
			return &l.Quiz[i], true
		}
	}
	return nil, false
}

// Correct returns the question's correct option.
func (q *Question) Correct() *Option {
	for i := range q.Options {
		if q.Options[i].Correct {
			return &q.Options[i]
		}
	}
	return nil // unreachable for a validated question
}

// Option returns an option by id.
func (q *Question) Option(id string) (*Option, bool) {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return &q.Options[i], true
		}
	}
	return nil, false
}

// MediaFiles returns every illustration.
func (c *Catalog) MediaFiles() []Media {
	out := make([]Media, 0, len(c.media))
	for _, m := range c.media {
		out = append(out, m)
	}
	return out
}

// LessonsByModule returns the lesson slugs of every module, in order: the
// shape the completion rules (internal/progress) read.
func (c *Catalog) LessonsByModule() map[string][]string {
	out := map[string][]string{}
	for _, m := range c.Modules(DefaultLocale) {
		for _, l := range m.Lessons {
			out[m.Slug] = append(out[m.Slug], l.Slug)
		}
	}
	return out
}
