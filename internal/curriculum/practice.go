package curriculum

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// PracticeDir is the folder of each locale that holds practice scenarios
// (content/<locale>/practice/*.yaml) beside the six module folders.
const PracticeDir = "practice"

// Scenario is one practice drill: a small graph of steps, each showing a
// look-alike phone screen and 2–4 choices. Every choice leads to a later
// step or to an outcome, which is safe or unsafe and says what to do in
// real life. Step, choice and outcome ids are stable: learners' paths are
// stored by them.
type Scenario struct {
	Slug     string
	Locale   string // language of this text; may differ from the page's when it falls back
	File     string // path inside the content tree, for error messages
	Module   string
	Title    string
	Summary  string
	Lesson   string // optional lesson slug of the same module, to read more
	Sources  []Source
	Start    string
	Steps    []*Step
	Outcomes []*Outcome
}

// Step is one screen of a scenario and the question asked about it.
type Step struct {
	ID      string   `yaml:"id"`
	Screen  Screen   `yaml:"screen"`
	Prompt  string   `yaml:"prompt"`
	Choices []Choice `yaml:"choices"`
}

// Choice is one answer to a step's prompt.
type Choice struct {
	ID   string `yaml:"id"`
	Text string `yaml:"text"`
	Next string `yaml:"next"` // a step or an outcome id
}

// Outcome ends a walk through a scenario. A scenario counts as passed when
// the learner reaches a safe outcome.
type Outcome struct {
	ID          string   `yaml:"id"`
	Safe        bool     `yaml:"safe"`
	Title       string   `yaml:"title"`
	Explanation string   `yaml:"explanation"`
	RealLife    []string `yaml:"real_life"` // what to do when it happens for real
}

// Screen is a look-alike phone screen, drawn by the templates from these
// fields (never from an image, never with a real brand's logo). Which
// fields a screen uses depends on its Kind; see ScreenKinds.
type Screen struct {
	Kind     string    `yaml:"kind"`
	App      string    `yaml:"app"`      // the app's name in the top bar, e.g. "Ngân hàng ABC"
	Title    string    `yaml:"title"`    // caller, contact, sender or page heading
	Subtitle string    `yaml:"subtitle"` // a masked number, "Cuộc gọi video", ...
	Address  string    `yaml:"address"`  // what the browser's address bar shows
	Messages []Message `yaml:"messages"`
	Fields   []Field   `yaml:"fields"`
	Text     []string  `yaml:"text"`    // paragraphs; on a call, what the caller says
	Alert    string    `yaml:"alert"`   // a warning box on a web page
	Buttons  []string  `yaml:"buttons"` // drawn buttons: pictures, not tappable
}

// Message is one bubble of an SMS or chat thread.
type Message struct {
	From string `yaml:"from"` // "them" or "me"
	Text string `yaml:"text"`
	Link string `yaml:"link"` // shown as text, never as a working link
	Time string `yaml:"time"`
}

// Field is one labelled value on a bank, QR or login screen.
type Field struct {
	Label string `yaml:"label"`
	Value string `yaml:"value"`
	Mark  bool   `yaml:"mark"` // circled: the thing to look at
}

// ScreenKinds returns the kinds of look-alike screen the templates draw.
func ScreenKinds() []string {
	return []string{"call", "video-call", "sms", "chat", "transfer", "qr", "login", "web", "dialog"}
}

// screenRule says which fields a kind of screen needs and which it may
// also show; ok is false for an unknown kind.
func screenRule(kind string) (need, may []string, ok bool) {
	switch kind {
	case "call", "video-call":
		return []string{"title"}, []string{"subtitle", "text"}, true
	case "sms":
		return []string{"title", "messages"}, []string{"subtitle"}, true
	case "chat":
		return []string{"title", "messages"}, []string{"app", "subtitle"}, true
	case "transfer", "qr":
		return []string{"app", "title", "fields"}, []string{"text", "buttons"}, true
	case "login":
		return []string{"address", "title", "fields"}, []string{"app", "text", "buttons"}, true
	case "web":
		return []string{"address", "title"}, []string{"app", "text", "alert", "buttons", "fields"}, true
	case "dialog":
		return []string{"text", "buttons"}, []string{"title"}, true
	}
	return nil, nil, false
}

// Practice limits. A screen must stay small: the step page has the same
// 14 KB budget as a lesson, and a resident reads it on a 360 px phone.
const (
	maxScreenRunes      = 400
	maxPromptRunes      = 200
	maxChoiceRunes      = 150
	maxExplanationRunes = 700
	maxSteps            = 12
	minChoices          = 2
	maxChoices          = 4
	// maxDigits is the longest run of digits a screen may show: a longer one
	// could be somebody's real phone or account number. Mask with x or •.
	maxDigits = 6
)

var (
	idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	digitRun  = regexp.MustCompile(`[0-9][0-9 ]*[0-9]`)
)

// Scenarios returns every scenario in the given locale (Vietnamese where no
// translation exists), in module order and then file order.
func (c *Catalog) Scenarios(locale string) []*Scenario {
	return c.practiceSet(locale).list
}

// Scenario returns a scenario by slug.
func (c *Catalog) Scenario(locale, slug string) (*Scenario, bool) {
	s, ok := c.practiceSet(locale).bySlug[slug]
	return s, ok
}

// ScenariosOf returns the scenarios of one module.
func (c *Catalog) ScenariosOf(locale, module string) []*Scenario {
	var out []*Scenario
	for _, s := range c.Scenarios(locale) {
		if s.Module == module {
			out = append(out, s)
		}
	}
	return out
}

func (c *Catalog) practiceSet(locale string) *practiceSet {
	if s, ok := c.practice[locale]; ok {
		return s
	}
	if s, ok := c.practice[DefaultLocale]; ok {
		return s
	}
	return &practiceSet{}
}

type practiceSet struct {
	list   []*Scenario
	bySlug map[string]*Scenario
}

// Step returns a step by id.
func (s *Scenario) Step(id string) (*Step, bool) {
	for _, st := range s.Steps {
		if st.ID == id {
			return st, true
		}
	}
	return nil, false
}

// Outcome returns an outcome by id.
func (s *Scenario) Outcome(id string) (*Outcome, bool) {
	for _, o := range s.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return nil, false
}

// Choice returns a choice of the step by id.
func (st *Step) Choice(id string) (*Choice, bool) {
	for i := range st.Choices {
		if st.Choices[i].ID == id {
			return &st.Choices[i], true
		}
	}
	return nil, false
}

// Hop is one step of a walk and the choice made there.
type Hop struct {
	Step   string
	Choice string
}

// PathTo returns the shortest walk from the start to a step or outcome
// (nil for the start itself or an unknown id). Tests walk every scenario to
// each outcome with it.
func (s *Scenario) PathTo(id string) []Hop {
	prev := map[string]Hop{}
	seen := map[string]bool{s.Start: true}
	queue := []string{s.Start}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		st, ok := s.Step(at)
		if !ok {
			continue
		}
		for _, ch := range st.Choices {
			if !seen[ch.Next] {
				seen[ch.Next] = true
				prev[ch.Next] = Hop{Step: at, Choice: ch.ID}
				queue = append(queue, ch.Next)
			}
		}
	}
	if !seen[id] {
		return nil
	}
	var out []Hop
	for at := id; at != s.Start; at = prev[at].Step {
		out = append(out, prev[at])
	}
	slices.Reverse(out)
	return out
}

// Runes returns how many characters the screen shows: its size budget.
func (sc *Screen) Runes() int {
	n := 0
	for _, t := range sc.texts() {
		n += utf8.RuneCountInString(t)
	}
	return n
}

func (sc *Screen) texts() []string {
	out := []string{sc.App, sc.Title, sc.Subtitle, sc.Address, sc.Alert}
	out = append(out, sc.Text...)
	out = append(out, sc.Buttons...)
	for _, m := range sc.Messages {
		out = append(out, m.Text, m.Link, m.Time)
	}
	for _, f := range sc.Fields {
		out = append(out, f.Label, f.Value)
	}
	return out
}

// rawScenario is the YAML of a scenario file; see content/README.md.
type rawScenario struct {
	Title    string     `yaml:"title"`
	Slug     string     `yaml:"slug"`
	Module   string     `yaml:"module"`
	Summary  string     `yaml:"summary"`
	Lesson   string     `yaml:"lesson"`
	Sources  []Source   `yaml:"sources"`
	Start    string     `yaml:"start"`
	Steps    []*Step    `yaml:"steps"`
	Outcomes []*Outcome `yaml:"outcomes"`
}

// loadPractice reads every locale's scenarios, checks them and their
// translations, and fills the catalog. It runs after the lessons are
// assembled, so a scenario's lesson link can be checked.
func (l *loader) loadPractice(cat *Catalog) {
	raw := map[string][]*Scenario{}
	for _, loc := range Locales() {
		raw[loc] = l.loadScenarios(loc, cat)
	}
	cat.practice = map[string]*practiceSet{}
	vi := map[string]*Scenario{}
	for _, s := range raw[DefaultLocale] {
		vi[s.Slug] = s
	}
	for _, loc := range Locales()[1:] {
		for _, tr := range raw[loc] {
			orig, ok := vi[tr.Slug]
			if !ok {
				l.add(tr.File, 0, "translation of scenario %q has no Vietnamese scenario in %s/%s/", tr.Slug, DefaultLocale, PracticeDir)
				continue
			}
			if msg := sameGraph(orig, tr); msg != "" {
				l.add(tr.File, 0, "steps differ from %s: %s", l.display(orig.File), msg)
			}
		}
	}
	order := map[string]int{}
	for i, m := range ModuleSlugs() {
		order[m] = i
	}
	for _, loc := range Locales() {
		set := &practiceSet{bySlug: map[string]*Scenario{}}
		for _, s := range raw[DefaultLocale] {
			chosen := s
			for _, tr := range raw[loc] {
				if tr.Slug == s.Slug && loc != DefaultLocale {
					chosen = tr
				}
			}
			set.list = append(set.list, chosen)
			set.bySlug[chosen.Slug] = chosen
		}
		sort.SliceStable(set.list, func(i, j int) bool { return order[set.list[i].Module] < order[set.list[j].Module] })
		cat.practice[loc] = set
	}
}

func (l *loader) loadScenarios(loc string, cat *Catalog) []*Scenario {
	dir := path.Join(loc, PracticeDir)
	entries, err := fs.ReadDir(l.fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		l.add(dir, 0, "cannot read folder: %v", err)
		return nil
	}
	var out []*Scenario
	slugs := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		file := path.Join(dir, name)
		switch {
		case strings.HasPrefix(name, "."), name == "README.md": // the authors' guide lives beside the scenarios
			continue
		case e.IsDir() || path.Ext(name) != ".yaml":
			l.add(file, 0, "unexpected file: the practice folder holds scenario .yaml files")
			continue
		}
		s, lines := l.loadScenario(loc, file, cat)
		if s == nil {
			continue
		}
		if other, dup := slugs[s.Slug]; dup {
			l.add(file, lines.at("slug"), "duplicate slug %q: %s uses it too", s.Slug, l.display(other))
			continue
		}
		slugs[s.Slug] = file
		out = append(out, s)
	}
	return out
}

// loadScenario reads one file; it returns nil when the file has problems.
func (l *loader) loadScenario(loc, file string, cat *Catalog) (*Scenario, *yamlLines) {
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.add(file, 0, "cannot read: %v", err)
		return nil, nil
	}
	var raw rawScenario
	if err := decodeStrict(data, &raw); err != nil {
		if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "front matter is empty") {
			l.add(file, 1, "the file is empty")
		} else {
			l.yamlProblems(file, 0, err)
		}
		return nil, nil
	}
	lines := newYAMLLines(data, 0)
	s := &Scenario{
		Slug: raw.Slug, Locale: loc, File: file, Module: raw.Module,
		Title: strings.TrimSpace(raw.Title), Summary: strings.TrimSpace(raw.Summary), Lesson: raw.Lesson,
		Sources: raw.Sources, Start: raw.Start, Steps: raw.Steps, Outcomes: raw.Outcomes,
	}
	for i, st := range s.Steps { // "- " with nothing after it decodes as nil
		if st == nil {
			s.Steps[i] = &Step{}
		}
	}
	for i, o := range s.Outcomes {
		if o == nil {
			s.Outcomes[i] = &Outcome{}
		}
	}
	before := len(l.problems)
	c := scenarioCheck{l: l, s: s, file: file, at: lines.at}
	c.run(cat)
	if len(l.problems) > before {
		return nil, lines
	}
	return s, lines
}

// scenarioCheck applies the rules of content/README.md to one scenario.
type scenarioCheck struct {
	l    *loader
	s    *Scenario
	file string
	at   func(p ...any) int
}

func (c scenarioCheck) bad(line int, format string, args ...any) {
	c.l.add(c.file, line, format, args...)
}

func (c scenarioCheck) run(cat *Catalog) {
	s, at := c.s, c.at
	switch n := utf8.RuneCountInString(s.Title); {
	case n == 0:
		c.bad(at("title"), "title is missing")
	case n > maxTitleRunes:
		c.bad(at("title"), "title has %d characters; keep it at most %d", n, maxTitleRunes)
	}
	switch {
	case s.Slug == "":
		c.bad(at("slug"), "slug is missing")
	case !slugPattern.MatchString(s.Slug):
		c.bad(at("slug"), "slug %q must be lower-case letters a-z, digits and single dashes", s.Slug)
	}
	if !slices.Contains(ModuleSlugs(), s.Module) {
		c.bad(at("module"), "module %q is not one of %s", s.Module, strings.Join(ModuleSlugs(), ", "))
	} else if s.Lesson != "" {
		if _, ok := cat.Lesson(DefaultLocale, s.Module, s.Lesson); !ok {
			c.bad(at("lesson"), "lesson %q is not a lesson of module %s", s.Lesson, s.Module)
		}
	}
	if s.Summary == "" {
		c.bad(at("summary"), "summary is missing: one sentence shown in the list of scenarios")
	}
	if len(s.Sources) == 0 {
		c.bad(at("sources"), "sources are missing: every scenario lists where its advice comes from")
	}
	hosts := map[string]bool{}
	for i, src := range s.Sources {
		if strings.TrimSpace(src.Title) == "" {
			c.bad(at("sources", i), "source %d has no title", i+1)
		}
		u, err := url.Parse(src.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.bad(at("sources", i, "url"), "source %d needs a full web address starting with https://", i+1)
			continue
		}
		hosts[strings.TrimPrefix(u.Hostname(), "www.")] = true
	}
	if len(s.Steps) == 0 {
		c.bad(at("steps"), "steps are missing: a scenario needs at least one step")
	}
	if len(s.Steps) > maxSteps {
		c.bad(at("steps"), "the scenario has %d steps; keep it at most %d", len(s.Steps), maxSteps)
	}
	ids := c.checkIDs()
	for i, st := range s.Steps {
		c.checkStep(i, st, ids, hosts)
	}
	safe := false
	for i, o := range s.Outcomes {
		safe = safe || o.Safe
		if strings.TrimSpace(o.Title) == "" {
			c.bad(at("outcomes", i), "outcome %s has no title", o.ID)
		}
		switch n := utf8.RuneCountInString(strings.TrimSpace(o.Explanation)); {
		case n == 0:
			c.bad(at("outcomes", i), "outcome %s has no explanation: say why this choice was safe or not", o.ID)
		case n > maxExplanationRunes:
			c.bad(at("outcomes", i, "explanation"), "outcome %s: the explanation has %d characters; keep it at most %d", o.ID, n, maxExplanationRunes)
		}
		if len(o.RealLife) == 0 {
			c.bad(at("outcomes", i), "outcome %s has no real_life list: say what to do when this happens for real", o.ID)
		}
		for j, r := range o.RealLife {
			if strings.TrimSpace(r) == "" {
				c.bad(at("outcomes", i, "real_life", j), "outcome %s: real_life line %d is empty", o.ID, j+1)
			}
		}
	}
	if len(s.Outcomes) == 0 {
		c.bad(at("outcomes"), "outcomes are missing: a scenario needs at least one safe outcome")
	} else if !safe {
		c.bad(at("outcomes"), "no safe outcome: mark at least one outcome with safe: true")
	}
	switch _, isStep := s.Step(s.Start); {
	case s.Start == "":
		c.bad(at("start"), "start is missing: name the first step")
	case !isStep:
		c.bad(at("start"), "start %q is not a step id", s.Start)
	default:
		c.checkGraph()
	}
}

// checkIDs reports missing, malformed and duplicate step and outcome ids
// (one namespace: a choice's next names either) and returns the valid ones.
func (c scenarioCheck) checkIDs() map[string]bool {
	seen := map[string]int{} // id → line of first use
	ok := map[string]bool{}
	check := func(id string, line int, what string) {
		switch prev, dup := seen[id]; {
		case id == "":
			c.bad(line, "%s has no id", what)
		case !idPattern.MatchString(id):
			c.bad(line, "%s id %q must be lower-case letters a-z, digits and single dashes", what, id)
		case dup:
			c.bad(line, "duplicate id %q: line %d uses it too", id, prev)
		default:
			seen[id], ok[id] = line, true
		}
	}
	for i, st := range c.s.Steps {
		check(st.ID, c.at("steps", i, "id"), fmt.Sprintf("step %d", i+1))
	}
	for i, o := range c.s.Outcomes {
		check(o.ID, c.at("outcomes", i, "id"), fmt.Sprintf("outcome %d", i+1))
	}
	return ok
}

func (c scenarioCheck) checkStep(i int, st *Step, ids, hosts map[string]bool) {
	at := func(p ...any) int { return c.at(append([]any{"steps", i}, p...)...) }
	switch n := utf8.RuneCountInString(strings.TrimSpace(st.Prompt)); {
	case n == 0:
		c.bad(at(), "step %s has no prompt: ask what the learner does", st.ID)
	case n > maxPromptRunes:
		c.bad(at("prompt"), "step %s: the prompt has %d characters; keep it at most %d", st.ID, n, maxPromptRunes)
	}
	c.checkScreen(st, at, hosts)
	switch n := len(st.Choices); {
	case n == 0:
		c.bad(at(), "step %s is a dead end: it has no choices", st.ID)
	case n < minChoices || n > maxChoices:
		c.bad(at("choices"), "step %s has %d choices; it needs %d to %d", st.ID, n, minChoices, maxChoices)
	}
	seen := map[string]bool{}
	for j, ch := range st.Choices {
		line := at("choices", j)
		switch {
		case ch.ID == "":
			c.bad(line, "choice %d of step %s has no id", j+1, st.ID)
		case !idPattern.MatchString(ch.ID):
			c.bad(at("choices", j, "id"), "choice id %q of step %s must be lower-case letters a-z, digits and dashes", ch.ID, st.ID)
		case seen[ch.ID]:
			c.bad(at("choices", j, "id"), "duplicate choice id %q in step %s", ch.ID, st.ID)
		}
		seen[ch.ID] = true
		switch n := utf8.RuneCountInString(strings.TrimSpace(ch.Text)); {
		case n == 0:
			c.bad(line, "choice %s of step %s has no text", ch.ID, st.ID)
		case n > maxChoiceRunes:
			c.bad(at("choices", j, "text"), "choice %s of step %s has %d characters; keep it at most %d", ch.ID, st.ID, n, maxChoiceRunes)
		}
		switch {
		case ch.Next == "":
			c.bad(line, "choice %s of step %s is a dead end: give it next: a step or an outcome id", ch.ID, st.ID)
		case ch.Next == st.ID:
			c.bad(at("choices", j, "next"), "choice %s of step %s leads back to the same step", ch.ID, st.ID)
		case !ids[ch.Next]:
			c.bad(at("choices", j, "next"), "choice %s of step %s leads to unknown step %q", ch.ID, st.ID, ch.Next)
		}
	}
}

func (c scenarioCheck) checkScreen(st *Step, at func(p ...any) int, hosts map[string]bool) {
	sc := &st.Screen
	need, may, known := screenRule(sc.Kind)
	if !known {
		c.bad(at("screen", "kind"), "step %s: unknown screen kind %q; use one of %s", st.ID, sc.Kind, strings.Join(ScreenKinds(), ", "))
		return
	}
	present := map[string]bool{
		"app": sc.App != "", "title": sc.Title != "", "subtitle": sc.Subtitle != "", "address": sc.Address != "",
		"messages": len(sc.Messages) > 0, "fields": len(sc.Fields) > 0, "text": len(sc.Text) > 0,
		"alert": sc.Alert != "", "buttons": len(sc.Buttons) > 0,
	}
	for _, f := range need {
		if !present[f] {
			c.bad(at("screen"), "step %s: a %s screen needs %s", st.ID, sc.Kind, f)
		}
	}
	for _, f := range []string{"app", "title", "subtitle", "address", "messages", "fields", "text", "alert", "buttons"} {
		if present[f] && !slices.Contains(need, f) && !slices.Contains(may, f) {
			c.bad(at("screen", f), "step %s: a %s screen does not show %s", st.ID, sc.Kind, f)
		}
	}
	for j, m := range sc.Messages {
		if m.From != "them" && m.From != "me" {
			c.bad(at("screen", "messages", j), "step %s: message %d needs from: them or from: me", st.ID, j+1)
		}
		if strings.TrimSpace(m.Text) == "" && m.Link == "" {
			c.bad(at("screen", "messages", j), "step %s: message %d is empty", st.ID, j+1)
		}
		if m.Link != "" {
			c.checkAddress(m.Link, at("screen", "messages", j, "link"), st.ID, hosts)
		}
	}
	for j, f := range sc.Fields {
		if strings.TrimSpace(f.Label) == "" {
			c.bad(at("screen", "fields", j), "step %s: field %d has no label", st.ID, j+1)
		}
	}
	if sc.Address != "" {
		c.checkAddress(sc.Address, at("screen", "address"), st.ID, hosts)
	}
	if n := sc.Runes(); n > maxScreenRunes {
		c.bad(at("screen"), "step %s: the screen shows %d characters; keep it at most %d (a phone screen, not a page)", st.ID, n, maxScreenRunes)
	}
	for _, t := range sc.texts() {
		for _, run := range digitRun.FindAllString(t, -1) {
			if len(strings.ReplaceAll(run, " ", "")) > maxDigits {
				c.bad(at("screen"), "step %s: the screen shows the number %q; mask phone and account numbers with x (e.g. 09xx xxx 123) so that no real person's number appears", st.ID, run)
			}
		}
	}
}

// checkAddress keeps look-alike screens from showing somebody's real site:
// a made-up address must end in ".example" (reserved for examples by RFC
// 2606, so it can never belong to anyone); a real address must be the site
// of one of the scenario's sources.
func (c scenarioCheck) checkAddress(addr string, line int, step string, hosts map[string]bool) {
	u, err := url.Parse("https://" + strings.TrimPrefix(strings.TrimPrefix(addr, "https://"), "http://"))
	host := ""
	if err == nil {
		host = strings.TrimPrefix(u.Hostname(), "www.")
	}
	if host == "" || (!strings.HasSuffix(host, ".example") && !hosts[host]) {
		c.bad(line, "step %s: address %q must end in .example (made up) or be the site of one of the sources (real)", step, addr)
	}
}

// checkGraph makes sure every step and outcome can be reached from the
// start, and that choices only move forward: a walk cannot loop, so each
// step is answered at most once per walk (paths are stored that way).
func (c scenarioCheck) checkGraph() {
	s := c.s
	reached := map[string]bool{}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var visit func(id string)
	visit = func(id string) {
		reached[id] = true
		st, ok := s.Step(id)
		if !ok {
			return
		}
		state[id] = visiting
		for j, ch := range st.Choices {
			switch state[ch.Next] {
			case visiting:
				if ch.Next != id { // leading to itself is reported by checkStep
					c.bad(c.at("steps", c.stepIndex(id), "choices", j, "next"), "choice %s of step %s leads back to step %s: steps must move forward (no loops)", ch.ID, id, ch.Next)
				}
			case 0:
				visit(ch.Next)
			}
		}
		state[id] = done
	}
	visit(s.Start)
	for i, st := range s.Steps {
		if st.ID != "" && !reached[st.ID] {
			c.bad(c.at("steps", i), "step %s is unreachable: no choice leads to it", st.ID)
		}
	}
	for i, o := range s.Outcomes {
		if o.ID != "" && !reached[o.ID] {
			c.bad(c.at("outcomes", i), "outcome %s is unreachable: no choice leads to it", o.ID)
		}
	}
}

func (c scenarioCheck) stepIndex(id string) int {
	for i, st := range c.s.Steps {
		if st.ID == id {
			return i
		}
	}
	return 0
}

// sameGraph compares a translation with its original: paths are stored by
// step, choice and outcome id, so both languages must have the same graph.
func sameGraph(a, b *Scenario) string {
	if a.Module != b.Module {
		return fmt.Sprintf("module %s instead of %s", b.Module, a.Module)
	}
	if a.Start != b.Start {
		return fmt.Sprintf("start %s instead of %s", b.Start, a.Start)
	}
	if len(a.Steps) != len(b.Steps) {
		return fmt.Sprintf("%d steps instead of %d", len(b.Steps), len(a.Steps))
	}
	for i, sa := range a.Steps {
		if sb := b.Steps[i]; sa.ID != sb.ID {
			return fmt.Sprintf("step %d is %s instead of %s", i+1, sb.ID, sa.ID)
		}
	}
	for i, sa := range a.Steps {
		sb := b.Steps[i]
		if len(sa.Choices) != len(sb.Choices) {
			return fmt.Sprintf("step %s has %d choices instead of %d", sa.ID, len(sb.Choices), len(sa.Choices))
		}
		for j, ca := range sa.Choices {
			cb := sb.Choices[j]
			if ca.ID != cb.ID || ca.Next != cb.Next {
				return fmt.Sprintf("step %s: choice %s → %s instead of %s → %s", sa.ID, cb.ID, cb.Next, ca.ID, ca.Next)
			}
		}
	}
	if len(a.Outcomes) != len(b.Outcomes) {
		return fmt.Sprintf("%d outcomes instead of %d", len(b.Outcomes), len(a.Outcomes))
	}
	for i, oa := range a.Outcomes {
		ob := b.Outcomes[i]
		if oa.ID != ob.ID || oa.Safe != ob.Safe {
			return fmt.Sprintf("outcome %d is %s (safe %v) instead of %s (safe %v)", i+1, ob.ID, ob.Safe, oa.ID, oa.Safe)
		}
	}
	return ""
}
