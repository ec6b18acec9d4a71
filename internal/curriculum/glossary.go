package curriculum

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// GlossaryFile is the name of a locale's glossary, beside its module folders.
const GlossaryFile = "glossary.yaml"

// GlossaryPath is the page that lists the glossary; lesson bodies link a
// term's first use to GlossaryPath + "#" + its slug.
const GlossaryPath = "/glossary"

const maxDefinitionRunes = 300

// Term is one glossary entry: a word explained once, in plain language, and
// linked from its first use in every lesson of the same language.
type Term struct {
	Slug       string
	Term       string   // the headword, as shown on the glossary page
	Variants   []string // other forms that match it in lesson text
	Definition string
	Locale     string
	Line       int // where the entry starts in its file, for error messages
}

// rawTerm is a glossary entry as written in YAML.
type rawTerm struct {
	Slug       string   `yaml:"slug"`
	Term       string   `yaml:"term"`
	Variants   []string `yaml:"variants"`
	Definition string   `yaml:"definition"`
}

// glossary is one locale's glossary: its entries in alphabetical order
// and the matcher that links them in lesson bodies.
type glossary struct {
	terms  []Term
	bySlug map[string]*Term
	match  *termMatcher
}

// Glossary returns the glossary of a locale in alphabetical order (that
// language's collation), or the Vietnamese one when the locale has none.
func (c *Catalog) Glossary(locale string) []Term {
	if g := c.glossaryOf(locale); g != nil {
		return g.terms
	}
	return nil
}

// GlossaryTerm returns one entry of a locale's glossary by slug.
func (c *Catalog) GlossaryTerm(locale, slug string) (Term, bool) {
	g := c.glossaryOf(locale)
	if g == nil {
		return Term{}, false
	}
	t, ok := g.bySlug[slug]
	if !ok {
		return Term{}, false
	}
	return *t, true
}

func (c *Catalog) glossaryOf(locale string) *glossary {
	if g, ok := c.glossaries[locale]; ok {
		return g
	}
	return c.glossaries[DefaultLocale]
}

// loadGlossary reads and validates <locale>/glossary.yaml. A missing file
// is not an error: the locale then borrows the Vietnamese glossary (for the
// default locale, lessons simply get no links).
func (l *loader) loadGlossary(loc string) *glossary {
	file, data, ok := l.readOptional(loc, GlossaryFile)
	if !ok {
		return nil
	}
	var raw []rawTerm
	if err := decodeStrictGlossary(data, &raw); err != nil {
		l.yamlProblems(file, 0, err)
		return nil
	}
	at := newYAMLLines(data, 0).at
	bad := func(line int, format string, args ...any) { l.add(file, line, format, args...) }

	g := &glossary{bySlug: map[string]*Term{}}
	slugLine := map[string]int{} // slug → line of the entry that has it
	forms := map[string]string{} // folded form → slug that owns it
	formLine := map[string]int{}
	before := len(l.problems)
	for i, r := range raw {
		t := Term{Slug: r.Slug, Term: strings.TrimSpace(r.Term), Definition: strings.TrimSpace(r.Definition), Locale: loc, Line: at(i)}
		switch {
		case t.Slug == "":
			bad(at(i), "entry %d has no slug (a short name for its web address, such as ma-otp)", i+1)
		case !slugPattern.MatchString(t.Slug):
			bad(at(i, "slug"), "slug %q must be lower-case letters a-z, digits and single dashes", t.Slug)
		case slugLine[t.Slug] > 0:
			bad(at(i, "slug"), "duplicate slug %q: line %d uses it too", t.Slug, slugLine[t.Slug])
		default:
			slugLine[t.Slug] = t.Line
		}
		if t.Term == "" {
			bad(at(i), "entry %d has no term (the word as it is explained)", i+1)
		}
		switch n := utf8.RuneCountInString(t.Definition); {
		case n == 0:
			bad(at(i), "term %q has no definition: explain it in one or two plain sentences", t.Term)
		case n > maxDefinitionRunes:
			bad(at(i, "definition"), "the definition of %q has %d characters; keep it at most %d (one or two sentences)", t.Term, n, maxDefinitionRunes)
		}
		for vi, v := range append([]string{r.Term}, r.Variants...) {
			line := at(i, "term")
			if vi > 0 {
				line = at(i, "variants", vi-1)
			}
			v = strings.TrimSpace(v)
			switch {
			case v == "" && vi == 0:
				continue // reported above as a missing term
			case v == "":
				bad(line, "variant %d of term %q is empty", vi, t.Term)
				continue
			case !norm.NFC.IsNormalString(v):
				bad(line, "%q is not in composed Unicode (NFC); retype its accents", v)
				continue
			}
			key := fold(v)
			if owner, dup := forms[key]; dup {
				if owner == t.Slug {
					bad(line, "%q is listed twice for term %q", v, t.Term)
				} else {
					bad(line, "%q already belongs to the entry %q (line %d): a form can link to one entry only", v, owner, formLine[key])
				}
				continue
			}
			forms[key], formLine[key] = t.Slug, line
			if vi > 0 {
				t.Variants = append(t.Variants, v)
			}
		}
		g.terms = append(g.terms, t)
	}
	if len(l.problems) > before {
		return nil
	}
	if len(g.terms) == 0 {
		bad(1, "the glossary has no terms; remove the file or add entries")
		return nil
	}
	col := collate.New(collationTag(loc), collate.IgnoreCase)
	sort.SliceStable(g.terms, func(i, j int) bool { return col.CompareString(g.terms[i].Term, g.terms[j].Term) < 0 })
	for i := range g.terms {
		g.bySlug[g.terms[i].Slug] = &g.terms[i]
	}
	g.match = newTermMatcher(g.terms)
	return g
}

func collationTag(loc string) language.Tag {
	if loc == "vi" {
		return language.Vietnamese
	}
	return language.Make(loc)
}

// decodeStrictGlossary decodes the glossary list, refusing unknown keys.
func decodeStrictGlossary(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("line 1: the glossary is empty")
	}
	return decodeStrict(data, v)
}

// checkGlossaryTranslations makes translated glossaries use the
// Vietnamese slugs, so that /glossary#slug names the same entry in every
// language.
func (l *loader) checkGlossaryTranslations(gs map[string]*glossary) {
	vi := gs[DefaultLocale]
	for _, loc := range Locales()[1:] {
		g := gs[loc]
		if g == nil {
			continue
		}
		for _, t := range g.terms {
			if vi == nil || vi.bySlug[t.Slug] == nil {
				l.add(path.Join(loc, GlossaryFile), t.Line, "term %q has slug %q, which the Vietnamese glossary does not have", t.Term, t.Slug)
			}
		}
	}
}

// fold is the form two variants are compared in: lower case, composed.
func fold(s string) string { return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))) }

// termMatcher finds glossary terms in text: whole words, any letter case,
// the longest form first, so that "mã OTP" is one match and not "OTP".
type termMatcher struct {
	byFirst map[rune][]form // by the folded first rune; each list longest first
}

type form struct {
	runes []rune // folded
	slug  string
}

func newTermMatcher(terms []Term) *termMatcher {
	m := &termMatcher{byFirst: map[rune][]form{}}
	for _, t := range terms {
		for _, v := range append([]string{t.Term}, t.Variants...) {
			r := []rune(fold(v))
			m.byFirst[r[0]] = append(m.byFirst[r[0]], form{runes: r, slug: t.Slug})
		}
	}
	for k, fs := range m.byFirst {
		slices.SortStableFunc(fs, func(a, b form) int { return len(b.runes) - len(a.runes) })
		m.byFirst[k] = fs
	}
	return m
}

// match is one glossary term found in a text: bytes [start, end) of it.
type match struct {
	start, end int
	slug       string
}

// find returns every whole-word occurrence of a term in s, left to right,
// never overlapping: at each word start the longest form wins.
func (m *termMatcher) find(s string) []match {
	var out []match
	runes := []rune(s)
	offsets := make([]int, len(runes)+1)
	for i, b := 0, 0; i < len(runes); i++ {
		offsets[i] = b
		b += utf8.RuneLen(runes[i])
		offsets[i+1] = b
	}
	for i := 0; i < len(runes); i++ {
		if i > 0 && isWordRune(runes[i-1]) {
			continue
		}
		for _, f := range m.byFirst[unicode.ToLower(runes[i])] {
			end := i + len(f.runes)
			if end > len(runes) || (end < len(runes) && isWordRune(runes[end])) || !equalFold(runes[i:end], f.runes) {
				continue
			}
			out = append(out, match{start: offsets[i], end: offsets[end], slug: f.slug})
			i = end - 1
			break
		}
	}
	return out
}

func equalFold(text, folded []rune) bool {
	for i, r := range text {
		if unicode.ToLower(r) != folded[i] {
			return false
		}
	}
	return true
}

// isWordRune tells whether r continues a word: a term must not match
// inside a longer word ("app" in "apply", "QR" in "VietQR").
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// linkTerms turns the first use of each glossary term in a lesson body into
// a link to its entry. Text in headings (a link there reads as navigation,
// and screen readers list headings on their own), in existing links and
// images (nested links are invalid; alt text cannot hold a link) and in
// code is left alone. The closing "Ghi nhớ" line is ordinary text: a term
// first met there is just as unexplained.
func linkTerms(doc ast.Node, source []byte, m *termMatcher) {
	if m == nil {
		return
	}
	var texts []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Heading, *ast.Link, *ast.AutoLink, *ast.Image, *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock, *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if !x.IsRaw() {
				texts = append(texts, x)
			}
		}
		return ast.WalkContinue, nil
	})
	linked := map[string]bool{}
	for _, t := range texts {
		var first []match
		for _, mt := range m.find(string(t.Segment.Value(source))) {
			if !linked[mt.slug] {
				linked[mt.slug] = true
				first = append(first, mt)
			}
		}
		if len(first) > 0 {
			splitText(t, first)
		}
	}
}

// splitText replaces t by text, link, text... for the given matches.
func splitText(t *ast.Text, ms []match) {
	parent, seg := t.Parent(), t.Segment
	pos := seg.Start
	for _, mt := range ms {
		if s := seg.Start + mt.start; s > pos {
			parent.InsertBefore(parent, t, ast.NewTextSegment(text.NewSegment(pos, s)))
		}
		link := ast.NewLink()
		link.Destination = []byte(GlossaryPath + "#" + mt.slug)
		link.AppendChild(link, ast.NewTextSegment(text.NewSegment(seg.Start+mt.start, seg.Start+mt.end)))
		parent.InsertBefore(parent, t, link)
		pos = seg.Start + mt.end
	}
	// The rest keeps t's line-break flags, even when empty.
	rest := ast.NewTextSegment(text.NewSegment(pos, seg.Stop))
	rest.SetSoftLineBreak(t.SoftLineBreak())
	rest.SetHardLineBreak(t.HardLineBreak())
	parent.InsertBefore(parent, t, rest)
	parent.RemoveChild(parent, t)
}

// glossaryLinkProblem checks a hand-written /glossary#slug link.
func glossaryLinkProblem(dest string, g *glossary) string {
	slug, _ := strings.CutPrefix(strings.TrimPrefix(dest, GlossaryPath), "#")
	if slug == "" {
		return ""
	}
	if g == nil || g.bySlug[slug] == nil {
		return fmt.Sprintf("link %q points to no glossary term", dest)
	}
	return ""
}
