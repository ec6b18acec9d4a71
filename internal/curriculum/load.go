package curriculum

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with the content tree, reported as
// "file:line: reason" so that an author can jump straight to it.
type Problem struct {
	File string
	Line int // 0 when the problem is about the file or folder as a whole
	Msg  string
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is every problem found in one load; the loader reports them all at
// once instead of making an author fix one error per restart.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

const maxMediaBytes = 8 << 10

// Load reads, validates and renders the content tree in fsys. name is how the
// tree is shown in error messages ("content" for the embedded copy, the
// folder given to --content otherwise). The error, when not nil, is Problems.
func Load(fsys fs.FS, name string) (*Catalog, error) {
	l := &loader{fsys: fsys, root: name, md: newMarkdown(), glossaries: map[string]*glossary{}}
	cat := &Catalog{byLocale: map[string]*localeSet{}, glossaries: l.glossaries}
	cat.media = l.loadMedia()
	l.media = cat.media
	// Glossaries first: lesson bodies are rendered with their terms linked.
	for _, loc := range Locales() {
		if g := l.loadGlossary(loc); g != nil {
			l.glossaries[loc] = g
		}
	}
	l.checkGlossaryTranslations(l.glossaries)

	raw := map[string]map[string]*rawModule{} // locale → module slug → module
	for _, loc := range Locales() {
		raw[loc] = l.loadLocale(loc)
	}
	l.checkTranslations(raw)
	for _, loc := range Locales() {
		cat.byLocale[loc] = assemble(loc, raw)
	}
	l.checkLinks(cat)
	l.loadPractice(cat)
	l.loadTasks(cat)
	l.loadChecks(cat)

	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			if a.File != b.File {
				return a.File < b.File
			}
			return a.Line < b.Line
		})
		return nil, l.problems
	}
	return cat, nil
}

type loader struct {
	fsys       fs.FS
	root       string
	md         *markdown
	media      map[string]Media
	glossaries map[string]*glossary // by locale, as loaded
	problems   Problems
	links      []link // internal links, resolved once everything is loaded
}

type link struct {
	file string
	loc  string
	line int
	dest string
}

// glossaryFor is the glossary whose terms a locale's lessons link to.
func (l *loader) glossaryFor(loc string) *glossary {
	if g := l.glossaries[loc]; g != nil {
		return g
	}
	return l.glossaries[DefaultLocale]
}

type rawModule struct {
	slug, title, summary string
	file                 string
	lessons              []*Lesson
	broken               bool // a lesson file failed; later checks skip the module to avoid follow-on noise
}

func (l *loader) display(p string) string { return path.Join(l.root, p) }

func (l *loader) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.display(file), Line: line, Msg: fmt.Sprintf(format, args...)})
}

// readOptional reads a locale's file that may be absent (a check, a
// glossary, a task list): ok is false when it is missing or unreadable,
// the latter reported as a problem.
func (l *loader) readOptional(loc, name string) (file string, data []byte, ok bool) {
	file = path.Join(loc, name)
	data, err := fs.ReadFile(l.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return file, nil, false
	}
	if err != nil {
		l.add(file, 0, "cannot read: %v", err)
		return file, nil, false
	}
	return file, data, true
}

func (l *loader) loadMedia() map[string]Media {
	media := map[string]Media{}
	entries, err := fs.ReadDir(l.fsys, "media")
	if errors.Is(err, fs.ErrNotExist) {
		return media
	}
	if err != nil {
		l.add("media", 0, "cannot read folder: %v", err)
		return media
	}
	for _, e := range entries {
		file := path.Join("media", e.Name())
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if path.Ext(e.Name()) != ".svg" {
			l.add(file, 0, "only .svg illustrations are allowed in media/")
			continue
		}
		data, err := fs.ReadFile(l.fsys, file)
		if err != nil {
			l.add(file, 0, "cannot read: %v", err)
			continue
		}
		m, msg := checkSVG(data)
		if msg != "" {
			l.add(file, 0, "%s", msg)
			continue
		}
		if len(data) > maxMediaBytes {
			l.add(file, 0, "is %d bytes; an illustration must be at most %d bytes", len(data), maxMediaBytes)
			continue
		}
		sum := sha256.Sum256(data)
		m.Name, m.Hash, m.Data = e.Name(), hex.EncodeToString(sum[:5]), data
		media[e.Name()] = m
	}
	return media
}

func (l *loader) loadLocale(loc string) map[string]*rawModule {
	mods := map[string]*rawModule{}
	entries, err := fs.ReadDir(l.fsys, loc)
	if err != nil {
		if loc == DefaultLocale || !errors.Is(err, fs.ErrNotExist) {
			l.add(loc, 0, "cannot read folder: %v", err)
		}
		return mods
	}
	known := ModuleSlugs()
	for _, e := range entries {
		p := path.Join(loc, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "."), (e.Name() == GlossaryFile || e.Name() == CheckFile || e.Name() == TasksFile) && !e.IsDir(), e.IsDir() && e.Name() == PracticeDir:
		case !e.IsDir():
			l.add(p, 0, "unexpected file: lessons go in a module folder (%s)", strings.Join(known, ", "))
		case !slices.Contains(known, e.Name()):
			l.add(p, 0, "unknown module %q; the modules are %s", e.Name(), strings.Join(known, ", "))
		default:
			mods[e.Name()] = l.loadModule(loc, e.Name())
		}
	}
	if loc == DefaultLocale {
		for _, slug := range known {
			if _, ok := mods[slug]; !ok {
				l.add(path.Join(loc, slug), 0, "module folder is missing")
			}
		}
	}
	return mods
}

func (l *loader) loadModule(loc, slug string) *rawModule {
	dir := path.Join(loc, slug)
	m := &rawModule{slug: slug, file: path.Join(dir, "module.yaml")}
	if data, err := fs.ReadFile(l.fsys, m.file); err == nil {
		var meta struct {
			Title   string `yaml:"title"`
			Summary string `yaml:"summary"`
		}
		if err := decodeStrict(data, &meta); err != nil {
			l.yamlProblems(m.file, 0, err)
		} else if strings.TrimSpace(meta.Title) == "" {
			l.add(m.file, 1, "title is missing")
		}
		m.title, m.summary = strings.TrimSpace(meta.Title), strings.TrimSpace(meta.Summary)
	} else if loc == DefaultLocale {
		l.add(m.file, 0, "is missing: every module needs a title and a summary")
	}

	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.add(dir, 0, "cannot read folder: %v", err)
		return m
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		file := path.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".") || name == "module.yaml":
			continue
		case e.IsDir() || path.Ext(name) != ".md":
			l.add(file, 0, "unexpected file: a module folder holds module.yaml and lesson .md files")
			continue
		}
		files = append(files, file)
	}
	slugs := map[string]string{}
	orders := map[int]string{}
	for i, lf := range l.readLessons(loc, files) {
		file := files[i]
		lesson := l.loadLesson(loc, slug, file, lf)
		if lesson == nil {
			m.broken = true
			continue
		}
		if other, dup := slugs[lesson.Slug]; dup {
			l.add(file, lesson.lineOf("slug"), "duplicate slug %q: %s uses it too", lesson.Slug, l.display(other))
			continue
		}
		if other, dup := orders[lesson.Order]; dup {
			l.add(file, lesson.lineOf("order"), "duplicate order %d: %s uses it too", lesson.Order, l.display(other))
			continue
		}
		slugs[lesson.Slug], orders[lesson.Order] = file, file
		m.lessons = append(m.lessons, lesson.Lesson)
	}
	sort.Slice(m.lessons, func(i, j int) bool { return m.lessons[i].Order < m.lessons[j].Order })
	if loc == DefaultLocale && len(m.lessons) == 0 && !m.broken {
		l.add(dir, 0, "module has no lessons")
	}
	return m
}

// loadedLesson keeps the YAML next to the lesson so that later checks
// (duplicates, translations) can still point at a line.
type loadedLesson struct {
	*Lesson
	lines *yamlLines
}

func (ll loadedLesson) lineOf(p ...any) int { return ll.lines.at(p...) }

// yamlLines finds the line of a value in a YAML document that has already
// been decoded. The document's node tree is built on the first question:
// only a file with a problem asks one, so correct content (every start-up)
// is parsed once, not twice, which is most of the time content takes to load.
type yamlLines struct {
	data   []byte
	offset int // lines before the document in its file
	doc    *yaml.Node
}

func newYAMLLines(data []byte, offset int) *yamlLines {
	return &yamlLines{data: data, offset: offset}
}

// at is the line of the value at p (map keys and list indexes), or of its
// nearest ancestor that exists.
func (y *yamlLines) at(p ...any) int {
	if y.doc == nil {
		y.doc = new(yaml.Node)
		_ = yaml.Unmarshal(y.data, y.doc) // the data decoded once already: it parses
	}
	return lineOf(y.doc, y.offset, p...)
}

// lessonFile is what can be made of a lesson file on its own: read,
// split, decoded and its body rendered. Making it needs nothing that
// changes while content loads, so a module's files are made in parallel;
// checking them (loadLesson) then runs in file order, so that problems are
// always listed in the same order.
type lessonFile struct {
	readErr, splitErr, decodeErr error
	badUTF8                      int // the first line that is not UTF-8, or 0
	fm                           []byte
	meta                         frontMatter
	html                         template.HTML
	images                       []string
	links                        []link
	bodyProblems                 []bodyProblem
}

func (l *loader) readLesson(loc, file string) *lessonFile {
	lf := &lessonFile{}
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		lf.readErr = err
		return lf
	}
	if lf.badUTF8 = firstBadUTF8Line(data); lf.badUTF8 > 0 {
		return lf // an editor saved it in another encoding (Windows-1258, VNI...)
	}
	var body []byte
	var bodyLine int
	if lf.fm, body, bodyLine, lf.splitErr = splitFrontMatter(data); lf.splitErr != nil {
		return lf
	}
	if lf.decodeErr = decodeStrict(lf.fm, &lf.meta); lf.decodeErr != nil {
		return lf
	}
	var terms *termMatcher
	if g := l.glossaryFor(loc); g != nil {
		terms = g.match
	}
	lf.html, lf.images, lf.links, lf.bodyProblems = l.md.render(body, bodyLine, l.media, terms)
	return lf
}

// readLessons makes the lessonFile of every file, as many at once as
// there are processors.
func (l *loader) readLessons(loc string, files []string) []*lessonFile {
	out := make([]*lessonFile, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				out[i] = l.readLesson(loc, files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// firstBadUTF8Line is the number of the first line of data that is not
// valid UTF-8, or 0 when all of it is.
func firstBadUTF8Line(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if !utf8.Valid(line) {
			return i + 1
		}
	}
	return 1
}

func (l *loader) loadLesson(loc, module, file string, lf *lessonFile) *loadedLesson {
	const offset = 1 // the front matter starts on line 2, after "---"
	switch {
	case lf.readErr != nil:
		l.add(file, 0, "cannot read: %v", lf.readErr)
		return nil
	case lf.badUTF8 > 0:
		l.add(file, lf.badUTF8, "this line is not valid UTF-8: save the file as UTF-8 (Unicode), not in an older Vietnamese encoding")
		return nil
	case lf.splitErr != nil:
		l.add(file, 1, "%v", lf.splitErr)
		return nil
	case lf.decodeErr != nil:
		l.yamlProblems(file, offset, lf.decodeErr)
		return nil
	}
	meta := lf.meta
	ll := &loadedLesson{lines: newYAMLLines(lf.fm, offset)}
	ll.Lesson = &Lesson{
		Module: module, Locale: loc, File: file,
		Title: strings.TrimSpace(meta.Title), Slug: meta.Slug, Order: meta.Order,
		Minutes: meta.Minutes, Summary: strings.TrimSpace(meta.Summary),
		Objectives: meta.Objectives, Competences: meta.Competences,
		Sources: meta.Sources, Pass: meta.Pass, Quiz: meta.Quiz,
	}
	before := len(l.problems)
	l.checkLesson(ll, file)
	for _, p := range lf.bodyProblems {
		l.add(file, p.Line, "%s", p.Msg)
	}
	for _, lk := range lf.links {
		lk.file, lk.loc = file, loc
		l.links = append(l.links, lk)
	}
	if len(l.problems) > before {
		return nil
	}
	ll.Body, ll.Images = lf.html, lf.images
	return ll
}

// frontMatter is the YAML head of a lesson file; see content/README.md.
type frontMatter struct {
	Title       string     `yaml:"title"`
	Slug        string     `yaml:"slug"`
	Order       int        `yaml:"order"`
	Minutes     int        `yaml:"minutes"`
	Summary     string     `yaml:"summary"`
	Objectives  []string   `yaml:"objectives"`
	Competences []string   `yaml:"competences"`
	Sources     []Source   `yaml:"sources"`
	Pass        int        `yaml:"pass"`
	Quiz        []Question `yaml:"quiz"`
}

// splitFrontMatter separates "---\nYAML\n---\nbody". bodyLine is the line
// number of the body's first line in the file.
func splitFrontMatter(data []byte) (fm, body []byte, bodyLine int, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return nil, nil, 0, errors.New(`the file must start with a line "---" followed by the front matter (title, slug, quiz ...)`)
	}
	rest := text[len("---\n"):]
	end := -1
	if strings.HasPrefix(rest, "---\n") || rest == "---" {
		end = 0
	} else if i := strings.Index(rest, "\n---\n"); i >= 0 {
		end = i + 1
	} else if strings.HasSuffix(rest, "\n---") {
		end = len(rest) - 3
	}
	if end < 0 {
		return nil, nil, 0, errors.New(`the front matter is not closed: add a line "---" after it`)
	}
	fm = []byte(rest[:end])
	bodyLine = 2 + strings.Count(rest[:end], "\n") + 1
	body = []byte(strings.TrimPrefix(rest[end:], "---"))
	body = bytes.TrimPrefix(body, []byte("\n"))
	return fm, body, bodyLine, nil
}

func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return errors.New("line 1: the front matter is empty")
	}
	return err
}

// lineOf finds the line of the YAML node at p (map keys and list indexes),
// falling back to the nearest ancestor that exists.
func lineOf(doc *yaml.Node, offset int, p ...any) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range p {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next = n.Content[i+1]
						line = n.Content[i].Line
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line + offset
}
