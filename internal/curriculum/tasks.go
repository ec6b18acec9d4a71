package curriculum

import (
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// TasksFile is the list of real tasks ("làm được") of a locale, beside its
// module folders: things a resident does for real (installed VNeID, paid by
// VietQR ...) that a trainer ticks per learner, "alone" or "with help".
const TasksFile = "tasks.yaml"

// Task limits: a task's title and check fit one line of a phone and of a
// printed list.
const (
	maxTaskKeyRunes   = 40
	maxTaskTitleRunes = 80
	maxTaskCheckRunes = 300
)

// Task is one real task. Its Key is stable: ticks are stored by it.
type Task struct {
	Key    string
	Module string // the module it belongs to (one of ModuleSlugs)
	Title  string
	Check  string  // how a trainer checks that it was done
	Source *Source // where a fact about a real service comes from; nil when it names none
	Locale string  // language of this text; may differ from the page's when it falls back
	File   string
	Line   int
}

type rawTask struct {
	Key    string  `yaml:"key"`
	Module string  `yaml:"module"`
	Title  string  `yaml:"title"`
	Check  string  `yaml:"check"`
	Source *Source `yaml:"source"`
}

type taskSet struct {
	list  []*Task
	byKey map[string]*Task
}

// Tasks returns the real tasks in the given locale (each falling back to
// Vietnamese where it has no translation), in the order of the Vietnamese
// file.
func (c *Catalog) Tasks(locale string) []*Task {
	if s, ok := c.tasks[locale]; ok {
		return s.list
	}
	if s, ok := c.tasks[DefaultLocale]; ok {
		return s.list
	}
	return nil
}

// Task returns a task by key.
func (c *Catalog) Task(locale, key string) (*Task, bool) {
	for _, t := range c.Tasks(locale) {
		if t.Key == key {
			return t, true
		}
	}
	return nil, false
}

// loadTasks reads every locale's task list, checks it and its translation,
// and fills the catalog. The Vietnamese list is the list; a translation
// may cover some tasks and must use the same keys and modules.
func (l *loader) loadTasks(cat *Catalog) {
	cat.tasks = map[string]*taskSet{}
	vi := l.loadTaskFile(DefaultLocale)
	byKey := map[string]*Task{}
	for _, t := range vi {
		byKey[t.Key] = t
	}
	for _, loc := range Locales() {
		set := &taskSet{byKey: map[string]*Task{}}
		translated := map[string]*Task{}
		if loc != DefaultLocale {
			for _, tr := range l.loadTaskFile(loc) {
				orig, ok := byKey[tr.Key]
				switch {
				case !ok:
					l.add(tr.File, tr.Line, "task %q is not in %s: translations use the keys of the Vietnamese list", tr.Key, l.display(path.Join(DefaultLocale, TasksFile)))
				case orig.Module != tr.Module:
					l.add(tr.File, tr.Line, "task %q belongs to module %q in %s, not %q", tr.Key, orig.Module, l.display(orig.File), tr.Module)
				default:
					translated[tr.Key] = tr
				}
			}
		}
		for _, t := range vi {
			chosen := t
			if tr, ok := translated[t.Key]; ok {
				chosen = tr
			}
			set.list = append(set.list, chosen)
			set.byKey[chosen.Key] = chosen
		}
		cat.tasks[loc] = set
	}
}

// loadTaskFile reads and checks one locale's tasks.yaml. A missing file is
// no task list (a translation then falls back to Vietnamese). It returns
// only the tasks without problems.
func (l *loader) loadTaskFile(loc string) []*Task {
	file, data, ok := l.readOptional(loc, TasksFile)
	if !ok {
		return nil
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		l.add(file, 1, "the task list is empty; remove the file or add tasks")
		return nil
	}
	var raw []rawTask
	if err := decodeStrict(data, &raw); err != nil {
		l.yamlProblems(file, 0, err)
		return nil
	}
	at := newYAMLLines(data, 0).at
	known := ModuleSlugs()
	keys := map[string]int{} // key → line
	var out []*Task
	for i, r := range raw {
		before := len(l.problems)
		t := &Task{Key: r.Key, Module: r.Module, Title: strings.TrimSpace(r.Title), Check: strings.TrimSpace(r.Check),
			Source: r.Source, Locale: loc, File: file, Line: at(i)}
		switch {
		case t.Key == "":
			l.add(file, at(i), "task %d has no key (a short stable name such as cai-vneid)", i+1)
		case !idPattern.MatchString(t.Key) || utf8.RuneCountInString(t.Key) > maxTaskKeyRunes:
			l.add(file, at(i, "key"), "key %q must be lower-case letters a-z, digits and single dashes, at most %d characters", t.Key, maxTaskKeyRunes)
		case keys[t.Key] > 0:
			l.add(file, at(i, "key"), "duplicate key %q: line %d uses it too", t.Key, keys[t.Key])
		default:
			keys[t.Key] = at(i, "key")
		}
		switch {
		case t.Module == "":
			l.add(file, at(i), "task %q has no module (one of %s)", t.Key, strings.Join(known, ", "))
		case !slices.Contains(known, t.Module):
			l.add(file, at(i, "module"), "unknown module %q; the modules are %s", t.Module, strings.Join(known, ", "))
		}
		switch n := utf8.RuneCountInString(t.Title); {
		case n == 0:
			l.add(file, at(i), "task %q has no title", t.Key)
		case n > maxTaskTitleRunes:
			l.add(file, at(i, "title"), "the title of task %q has %d characters; keep it at most %d", t.Key, n, maxTaskTitleRunes)
		}
		switch n := utf8.RuneCountInString(t.Check); {
		case n == 0:
			l.add(file, at(i), "task %q has no check: say how a trainer sees that it was done", t.Key)
		case n > maxTaskCheckRunes:
			l.add(file, at(i, "check"), "the check of task %q has %d characters; keep it at most %d", t.Key, n, maxTaskCheckRunes)
		}
		if s := t.Source; s != nil {
			u, err := url.Parse(s.URL)
			switch {
			case strings.TrimSpace(s.Title) == "":
				l.add(file, at(i, "source"), "the source of task %q needs a title", t.Key)
			case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
				l.add(file, at(i, "source", "url"), "the source of task %q needs a full web address starting with https://", t.Key)
			}
		}
		if len(l.problems) == before {
			out = append(out, t)
		}
	}
	return out
}
