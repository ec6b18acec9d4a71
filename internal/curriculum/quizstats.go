package curriculum

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The limits of the quiz rules (content/README.md, "Câu hỏi không đoán mò
// được"). A reader who answers by pattern (pick the longest option, always
// pick "b", pick the one starting "Không") must score no better than chance.
const (
	// MaxLongestShare is the largest share of questions whose right option
	// may be the longest (ties count as longest).
	MaxLongestShare = 0.40
	// MinLetterP is the smallest chi-square p-value allowed for the right
	// letters of the questions with k options against an even spread.
	MinLetterP = 0.05
	// MinFourOptionShare is the smallest share of questions with four options.
	MinFourOptionShare = 0.5
	// NearDuplicate is the QuestionSimilarity from which two questions count
	// as the same question asked twice.
	NearDuplicate = 0.5
	// MinAnswerWords is how many words a right option must keep once dates,
	// numbers, amounts and document codes are taken out (see IsBareAnswer).
	MinAnswerWords = 3
	// MaxKhongRatio bounds right options that start with "Không"/"Đừng"
	// against wrong options that start the same way.
	MaxKhongRatio = 1.5
)

// QuizRule names one rule of the quiz check.
type QuizRule string

// The rules a set of quizzes is checked against.
const (
	RuleLongest       QuizRule = "longest-right"
	RuleLetters       QuizRule = "right-letters"
	RuleFourOptions   QuizRule = "four-options"
	RuleNearDuplicate QuizRule = "near-duplicate"
	RuleBareAnswer    QuizRule = "bare-answer"
	RuleKhong         QuizRule = "khong-bias"
)

// QuestionRef points at one question: the lesson file and the question id.
type QuestionRef struct {
	File     string
	Question string
}

func (r QuestionRef) String() string { return r.File + " " + r.Question }

// SimilarPair is two questions and their QuestionSimilarity.
type SimilarPair struct {
	A, B       QuestionRef
	Similarity float64
}

// QuizStats describes the quizzes of a set of lessons: how far a reader who
// guesses by pattern would get, and which questions repeat each other.
type QuizStats struct {
	Questions    int
	LongestRight []QuestionRef // right option is the longest, by runes (ties count)
	FourOptions  int
	// Letters maps a number of options k to how often each letter (a, b, …)
	// is right among the questions with k options; LetterP holds the
	// chi-square goodness-of-fit p-value of that count against 1/k each.
	Letters map[int][]int
	LetterP map[int]float64
	// KhongRight lists right options starting "Không" or "Đừng";
	// KhongWrong counts wrong options starting the same way.
	KhongRight []QuestionRef
	KhongWrong int
	// NearDuplicates are the pairs at or above NearDuplicate, most similar
	// first; MostSimilar is the most similar pair in the set, duplicate or not.
	NearDuplicates []SimilarPair
	MostSimilar    SimilarPair
	BareAnswers    []QuestionRef
}

// LongestShare is the share of questions whose right option is the longest.
func (s QuizStats) LongestShare() float64 { return share(len(s.LongestRight), s.Questions) }

// FourOptionShare is the share of questions with four options.
func (s QuizStats) FourOptionShare() float64 { return share(s.FourOptions, s.Questions) }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// QuizProblem is one broken quiz rule, in words an author can act on.
type QuizProblem struct {
	Rule QuizRule
	Msg  string
}

func (p QuizProblem) String() string { return string(p.Rule) + ": " + p.Msg }

// ComputeQuizStats computes the statistics of the quizzes of lessons (one
// language: the rules are written for the Vietnamese text). It is pure: it
// reads the lessons and nothing else.
func ComputeQuizStats(lessons []*Lesson) QuizStats {
	s := QuizStats{Letters: map[int][]int{}, LetterP: map[int]float64{}}
	type stem struct {
		ref     QuestionRef
		bigrams map[[2]string]bool
	}
	var stems []stem
	for _, l := range lessons {
		for _, q := range l.Quiz {
			ref := QuestionRef{File: l.File, Question: q.ID}
			s.Questions++
			k := len(q.Options)
			if k == 4 {
				s.FourOptions++
			}
			if s.Letters[k] == nil {
				s.Letters[k] = make([]int, k)
			}
			right := -1
			for i, o := range q.Options {
				if o.Correct {
					right = i
				}
			}
			if right < 0 {
				continue // the loader rejects such a question; nothing to measure
			}
			s.Letters[k][right]++
			rightLen := utf8.RuneCountInString(strings.TrimSpace(q.Options[right].Text))
			longest := true
			for i, o := range q.Options {
				if i != right && utf8.RuneCountInString(strings.TrimSpace(o.Text)) > rightLen {
					longest = false
				}
				if startsWithKhong(o.Text) {
					if i == right {
						s.KhongRight = append(s.KhongRight, ref)
					} else {
						s.KhongWrong++
					}
				}
			}
			if longest {
				s.LongestRight = append(s.LongestRight, ref)
			}
			if IsBareAnswer(q.Options[right].Text) {
				s.BareAnswers = append(s.BareAnswers, ref)
			}
			stems = append(stems, stem{ref, bigrams(q.Text)})
		}
	}
	for k, counts := range s.Letters {
		s.LetterP[k] = evenSpreadP(counts)
	}
	for i := range stems {
		for j := i + 1; j < len(stems); j++ {
			p := SimilarPair{A: stems[i].ref, B: stems[j].ref, Similarity: jaccard(stems[i].bigrams, stems[j].bigrams)}
			if p.Similarity > s.MostSimilar.Similarity {
				s.MostSimilar = p
			}
			if p.Similarity >= NearDuplicate {
				s.NearDuplicates = append(s.NearDuplicates, p)
			}
		}
	}
	sort.SliceStable(s.NearDuplicates, func(i, j int) bool {
		return s.NearDuplicates[i].Similarity > s.NearDuplicates[j].Similarity
	})
	return s
}

// Check returns every quiz rule the set breaks, naming the files and
// question ids to change. An empty result means the set passes.
func (s QuizStats) Check() []QuizProblem {
	var out []QuizProblem
	add := func(rule QuizRule, format string, args ...any) {
		out = append(out, QuizProblem{Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	if s.Questions == 0 {
		return nil
	}
	if sh := s.LongestShare(); sh > MaxLongestShare {
		add(RuleLongest, "the right option is the longest in %d of %d questions (%.0f%%, at most %.0f%%): shorten the right option or lengthen a wrong one in some of %s",
			len(s.LongestRight), s.Questions, 100*sh, 100*MaxLongestShare, refList(s.LongestRight))
	}
	for _, k := range s.optionCounts() {
		counts := s.Letters[k]
		n := sum(counts)
		if p := s.LetterP[k]; p < MinLetterP {
			add(RuleLetters, "among the %d questions with %d options the right letters are %s: too uneven (chi-square p = %.4f < %.2f); move right options to the rarer letters",
				n, k, letterCounts(counts), p, MinLetterP)
		} else if n >= 3*k {
			for i, c := range counts {
				if c == 0 {
					add(RuleLetters, "among the %d questions with %d options %q is never right (%s)", n, k, string(rune('a'+i)), letterCounts(counts))
				}
			}
		}
	}
	if sh := s.FourOptionShare(); sh < MinFourOptionShare {
		add(RuleFourOptions, "%d of %d questions have four options (%.0f%%, at least %.0f%%): add a fourth option that is a real mistake",
			s.FourOptions, s.Questions, 100*sh, 100*MinFourOptionShare)
	}
	for _, p := range s.NearDuplicates {
		add(RuleNearDuplicate, "%s and %s ask nearly the same question (similarity %.2f, at most %.2f): ask a different situation in one of them",
			p.A, p.B, p.Similarity, NearDuplicate)
	}
	for _, r := range s.BareAnswers {
		add(RuleBareAnswer, "%s: the right option is a bare date, number or document code: ask what to do instead", r)
	}
	if r, w := len(s.KhongRight), s.KhongWrong; float64(r) > MaxKhongRatio*float64(w) {
		add(RuleKhong, "%d right options start with \"Không\"/\"Đừng\" against %d wrong ones (at most %.1f×): reword some right options or write over-cautious wrong ones; right ones: %s",
			r, w, MaxKhongRatio, refList(s.KhongRight))
	}
	return out
}

func (s QuizStats) optionCounts() []int {
	ks := make([]int, 0, len(s.Letters))
	for k := range s.Letters {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// LetterSummary renders the right-letter counts per number of options, e.g.
// "k=4: a 5 b 4 c 4 d 5 (p 0.98); k=3: a 2 b 2 c 2 (p 1.00)", four first.
func (s QuizStats) LetterSummary() string {
	ks := s.optionCounts()
	var parts []string
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		parts = append(parts, fmt.Sprintf("k=%d: %s (p %.2f)", k, letterCounts(s.Letters[k]), s.LetterP[k]))
	}
	return strings.Join(parts, "; ")
}

func letterCounts(counts []int) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%c %d", 'a'+i, c)
	}
	return strings.Join(parts, " ")
}

// refList names questions file by file ("vi/x.md q1,q3; vi/y.md q2"),
// stopping after maxListed so that a badly biased set gives a readable line.
func refList(refs []QuestionRef) string {
	const maxListed = 20
	more := 0
	if len(refs) > maxListed {
		refs, more = refs[:maxListed], len(refs)-maxListed
	}
	var parts []string
	for i := 0; i < len(refs); {
		j, ids := i, []string{}
		for ; j < len(refs) && refs[j].File == refs[i].File; j++ {
			ids = append(ids, refs[j].Question)
		}
		parts = append(parts, refs[i].File+" "+strings.Join(ids, ","))
		i = j
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// evenSpreadP is the chi-square goodness-of-fit p-value of counts against
// an even spread over len(counts) letters (len(counts)-1 degrees of freedom).
func evenSpreadP(counts []int) float64 {
	n := sum(counts)
	if n == 0 || len(counts) < 2 {
		return 1
	}
	want := float64(n) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - want
		x += d * d / want
	}
	return chiSquareP(x, len(counts)-1)
}

// chiSquareP returns P(X ≥ x) for X chi-square distributed with dof degrees
// of freedom, through the closed forms of the upper regularised incomplete
// gamma function for whole and half-whole shapes (no statistics library):
//
//	even dof = 2m:   e^(-h) Σ_{i<m} h^i / i!                     (h = x/2)
//	odd dof = 2m+1:  erfc(√h) + e^(-h) Σ_{i=1..m} h^(i-½) / Γ(i+½)
func chiSquareP(x float64, dof int) float64 {
	if x <= 0 {
		return 1
	}
	h := x / 2
	if dof%2 == 0 {
		term, total := 1.0, 1.0
		for i := 1; i < dof/2; i++ {
			term *= h / float64(i)
			total += term
		}
		return math.Exp(-h) * total
	}
	p := math.Erfc(math.Sqrt(h))
	term := math.Sqrt(h) / math.Gamma(1.5)
	for i := 1; i <= (dof-1)/2; i++ {
		if i > 1 {
			term *= h / (float64(i) - 0.5)
		}
		p += math.Exp(-h) * term
	}
	return p
}

// NormalizeQuestion is the text QuestionSimilarity compares: Unicode NFC,
// lower case, every rune that is not a letter or a digit replaced by a
// space, spaces collapsed. Vietnamese diacritics are kept: "má" and "mã"
// are different words.
func NormalizeQuestion(text string) string {
	text = strings.ToLower(norm.NFC.String(text))
	text = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			return r
		}
		return ' '
	}, text)
	return strings.Join(strings.Fields(text), " ")
}

// QuestionSimilarity measures how much two question texts (the question
// itself, not its options) repeat each other: the Jaccard index of their
// sets of word bigrams (pairs of neighbouring words) after
// NormalizeQuestion, from 0 (no pair of words in common) to 1 (the same
// pairs). Bigrams rather than single words, so that two questions sharing
// only the usual words ("bạn", "làm", "gì") stay apart while the same
// situation told with a few words changed scores high. From NearDuplicate
// (0.5) on, the two count as one question asked twice.
func QuestionSimilarity(a, b string) float64 {
	return jaccard(bigrams(a), bigrams(b))
}

func bigrams(text string) map[[2]string]bool {
	words := strings.Fields(NormalizeQuestion(text))
	set := make(map[[2]string]bool, len(words))
	for i := 0; i+1 < len(words); i++ {
		set[[2]string{words[i], words[i+1]}] = true
	}
	return set
}

func jaccard(a, b map[[2]string]bool) float64 {
	inter := 0
	for g := range a {
		if b[g] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// Words that only give a number its meaning: units after it ("5 triệu
// đồng", "14 tuổi") and the names of dates and documents before it ("ngày
// 16/10/2024", "Nghị định 69/2024/NĐ-CP"). IsBareAnswer drops them next to a
// number, so "Từ ngày 1/1/2026" and "Nghị định 356/2025/NĐ-CP" count as bare.
var (
	unitAfterNumber  = wordSet("đồng đ vnd triệu nghìn ngàn tỷ trăm tuổi ngày tháng năm giờ phút giây lần phần % ký kg km gb mb")
	nameBeforeNumber = wordSet("ngày tháng năm số luật nghị định thông tư quyết nghị quyết qđ nđ tt điều khoản mã đầu")
)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

// IsBareAnswer reports whether an option's text is a bare date, number,
// amount or document code: fewer than MinAnswerWords words are left once
// every word holding a digit ("16/10/2024", "500.000", "69/2024/NĐ-CP",
// "QH15") is removed together with the unit and name words next to it.
// Such an answer tests memory of a figure, not what to do.
func IsBareAnswer(text string) bool {
	raw := strings.Fields(norm.NFC.String(text))
	words := make([]string, len(raw))
	numeric := make([]bool, len(raw))
	for i, w := range raw {
		numeric[i] = strings.IndexFunc(w, unicode.IsDigit) >= 0
		words[i] = strings.ToLower(strings.TrimFunc(w, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '%'
		}))
	}
	drop := append([]bool(nil), numeric...)
	for i := range raw {
		if !numeric[i] {
			continue
		}
		for j := i + 1; j < len(raw) && !numeric[j] && unitAfterNumber[words[j]]; j++ {
			drop[j] = true
		}
		for j := i - 1; j >= 0 && !numeric[j] && nameBeforeNumber[words[j]]; j-- {
			drop[j] = true
		}
	}
	left := 0
	for i, w := range words {
		if !drop[i] && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			left++
		}
	}
	return left < MinAnswerWords
}

// startsWithKhong reports whether an option opens with "Không" (also "Không
// bao giờ") or "Đừng": the refusal that a reader who guesses picks.
func startsWithKhong(text string) bool {
	f := strings.Fields(norm.NFC.String(text))
	if len(f) == 0 {
		return false
	}
	w := strings.ToLower(strings.TrimFunc(f[0], func(r rune) bool { return !unicode.IsLetter(r) }))
	return w == "không" || w == "đừng"
}
