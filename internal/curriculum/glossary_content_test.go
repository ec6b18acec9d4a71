package curriculum_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
)

// TestShippedGlossary: both languages ship a glossary of a useful size,
// and the English one explains the same entries as the Vietnamese one.
func TestShippedGlossary(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	for _, lang := range curriculum.Locales() {
		terms := cat.Glossary(lang)
		if n := len(terms); n < 25 || n > 60 {
			t.Errorf("%s glossary has %d terms; explain 25 to 60 words", lang, n)
		}
		for _, term := range terms {
			if term.Locale != lang {
				t.Errorf("%s glossary entry %s comes from %s: translate it", lang, term.Slug, term.Locale)
			}
		}
	}
	if vi, en := len(cat.Glossary("vi")), len(cat.Glossary("en")); vi != en {
		t.Errorf("vi glossary has %d terms, en %d: every entry needs both languages", vi, en)
	}
}

// TestForeignWordsAreExplained: issue 12 §5 asks that no lesson uses "link",
// "app" or "OTP" unexplained. Each word must be a form of a glossary term,
// and in every lesson its first use (outside headings and other links,
// where the renderer never links) must come inside or after the link to
// that term: "ứng dụng (còn gọi là app)" is explained by the link on
// "ứng dụng". The test fails if someone drops a variant from a glossary.
func TestForeignWordsAreExplained(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	checked := 0
	for _, lang := range curriculum.Locales() {
		words := map[string]string{}
		for _, w := range []string{"link", "app", "OTP"} {
			words[w] = termOf(cat, lang, w)
			if words[w] == "" {
				t.Errorf("%s glossary: %q is not a form of any term", lang, w)
			}
		}
		for _, m := range cat.Modules(lang) {
			for _, l := range m.Lessons {
				if l.Locale != lang {
					continue
				}
				for _, msg := range unexplainedWords(string(l.Body), words) {
					t.Errorf("%s: %s", l.File, msg)
				}
				checked++
			}
		}
	}
	t.Logf("%d lesson texts checked", checked)
}

// termOf returns the slug of the glossary term that word is a form of.
func termOf(cat *curriculum.Catalog, lang, word string) string {
	for _, term := range cat.Glossary(lang) {
		for _, f := range append([]string{term.Term}, term.Variants...) {
			if strings.EqualFold(f, word) {
				return term.Slug
			}
		}
	}
	return ""
}

func TestUnexplainedWordsFindsAnUnlinkedFirstUse(t *testing.T) {
	words := map[string]string{"link": "duong-link", "app": "ung-dung", "OTP": "ma-otp"}
	tests := []struct {
		html string
		want int
	}{
		{`<p>Bấm <a href="/glossary#duong-link">đường link</a>, rồi link khác.</p>`, 0},
		{`<h2>Mã OTP</h2><p><a href="/modules/x/y">OTP</a> và <a href="/glossary#ma-otp">mã OTP</a>.</p>`, 0},
		{`<p><a href="/glossary#ung-dung">Ứng dụng</a> (còn gọi là app).</p>`, 0},
		{`<p>Không đọc OTP.</p><p><a href="/glossary#ma-otp">OTP</a></p>`, 1},
		{`<p><a href="/glossary#ma-otp">OTP</a> trong app.</p>`, 1},
		{`<p>Hãy apply, đừng happy.</p>`, 0},
		{`<p>An App is fine.</p>`, 1},
		{`<p>Get it from the <a href="/glossary#app-store">App Store</a>; the <a href="/glossary#ung-dung">app</a> is free.</p>`, 0},
	}
	for _, tt := range tests {
		if got := unexplainedWords(tt.html, words); len(got) != tt.want {
			t.Errorf("%s: %v, want %d problems", tt.html, got, tt.want)
		}
	}
}

var (
	htmlToken = regexp.MustCompile(`<[^>]*>|[^<]+`)
	termLink  = regexp.MustCompile(`^<a href="` + curriculum.GlossaryPath + `#([^"]+)"`)
)

// unexplainedWords reports each word (mapped to its term's slug) whose
// first use, as a whole word in any case outside headings and
// non-glossary links, comes before any link to its term.
func unexplainedWords(html string, words map[string]string) []string {
	var problems []string
	seen, linked := map[string]bool{}, map[string]bool{}
	inHeading, inLink, inTerm := false, false, "" // inTerm: the glossary link we are in

	for _, tok := range htmlToken.FindAllString(html, -1) {
		switch {
		case strings.HasPrefix(tok, "<h"):
			inHeading = true
		case strings.HasPrefix(tok, "</h"):
			inHeading = false
		case termLink.MatchString(tok):
			inTerm = termLink.FindStringSubmatch(tok)[1]
			linked[inTerm] = true
		case strings.HasPrefix(tok, "<a "):
			inLink = true
		case tok == "</a>":
			inLink, inTerm = false, ""
		case strings.HasPrefix(tok, "<"):
		case !inHeading && !inLink:
			for w, slug := range words {
				if inTerm != "" && inTerm != slug {
					continue // part of another explained term, as "App" in "App Store"
				}
				if !seen[w] && containsWord(tok, w) {
					seen[w] = true
					if !linked[slug] {
						problems = append(problems, "first use of "+w+" comes before the link to its glossary entry: "+strings.TrimSpace(tok))
					}
				}
			}
		}
	}
	return problems
}

// containsWord tells whether s holds w as a whole word, in any case.
func containsWord(s, w string) bool {
	ls, lw := strings.ToLower(s), strings.ToLower(w)
	for from := 0; ; {
		i := strings.Index(ls[from:], lw)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(ls[:i])
		after, _ := utf8.DecodeRuneInString(ls[i+len(lw):])
		if !isLetter(before) && !isLetter(after) {
			return true
		}
		from = i + len(lw)
	}
}

func isLetter(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}
