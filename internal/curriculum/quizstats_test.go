package curriculum_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/content"
	"github.com/kynangso/kynangso/internal/curriculum"
)

// TestShippedQuizzes holds the Vietnamese quizzes we ship to the quiz rules
// (content/README.md): each module on its own, so that whoever edits a
// module can read its numbers with -run 'TestShippedQuizzes/<module>' -v,
// then the whole curriculum, where near-duplicates are searched across
// modules.
func TestShippedQuizzes(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	var all []*curriculum.Lesson
	for _, m := range cat.Modules(curriculum.DefaultLocale) {
		all = append(all, m.Lessons...)
	}
	whole := curriculum.ComputeQuizStats(all)
	for _, m := range cat.Modules(curriculum.DefaultLocale) {
		t.Run(m.Slug, func(t *testing.T) {
			s := curriculum.ComputeQuizStats(m.Lessons)
			logQuizStats(t, s)
			for _, p := range s.Check() {
				if p.Rule != curriculum.RuleNearDuplicate { // reported below, against every module
					t.Error(p)
				}
			}
			inModule := func(r curriculum.QuestionRef) bool { return strings.HasPrefix(r.File, "vi/"+m.Slug+"/") }
			for _, p := range whole.NearDuplicates {
				if inModule(p.A) || inModule(p.B) {
					t.Errorf("%s and %s ask nearly the same question (similarity %.2f)", p.A, p.B, p.Similarity)
				}
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		logQuizStats(t, whole)
		for _, p := range whole.Check() {
			t.Error(p)
		}
	})
}

func logQuizStats(t *testing.T, s curriculum.QuizStats) {
	t.Helper()
	t.Logf("%d questions; right option longest in %d (%.0f%%); four options %d (%.0f%%)",
		s.Questions, len(s.LongestRight), 100*s.LongestShare(), s.FourOptions, 100*s.FourOptionShare())
	t.Logf("right letters: %s", s.LetterSummary())
	t.Logf("right options starting Không/Đừng: %d, wrong ones: %d; bare answers: %d",
		len(s.KhongRight), s.KhongWrong, len(s.BareAnswers))
	t.Logf("most similar pair: %s | %s (%.2f)", s.MostSimilar.A, s.MostSimilar.B, s.MostSimilar.Similarity)
}

// TestBiasedQuizzesFail builds the quizzes a careless rewrite would produce
// from the shipped ones (right answer always "b", lengthened and opening
// with "Không", three options at most, one question asked twice, one right
// answer that is only a date) and checks that every rule catches its part.
func TestBiasedQuizzesFail(t *testing.T) {
	cat, err := curriculum.Load(content.FS, "content")
	if err != nil {
		t.Fatalf("content does not load:\n%v", err)
	}
	var biased []*curriculum.Lesson
	for _, m := range cat.Modules(curriculum.DefaultLocale) {
		for _, l := range m.Lessons {
			biased = append(biased, biasedCopy(l))
		}
	}
	first, second := biased[0], biased[1]
	first.Quiz[0].Options[1].Text = "Từ ngày 16/10/2024."
	second.Quiz[0].Text = "Theo bạn, " + first.Quiz[1].Text

	problems := curriculum.ComputeQuizStats(biased).Check()
	for _, p := range problems {
		t.Log(p)
	}
	byRule := map[curriculum.QuizRule][]string{}
	for _, p := range problems {
		byRule[p.Rule] = append(byRule[p.Rule], p.Msg)
	}
	for _, rule := range []curriculum.QuizRule{curriculum.RuleLongest, curriculum.RuleLetters, curriculum.RuleFourOptions, curriculum.RuleNearDuplicate, curriculum.RuleBareAnswer, curriculum.RuleKhong} {
		if len(byRule[rule]) == 0 {
			t.Errorf("the biased copy passes rule %s", rule)
		}
	}
	wantDup := fmt.Sprintf("%s q2 and %s q1", first.File, second.File)
	if !slices.ContainsFunc(byRule[curriculum.RuleNearDuplicate], func(m string) bool { return strings.HasPrefix(m, wantDup) }) {
		t.Errorf("near-duplicates %q do not name %s", byRule[curriculum.RuleNearDuplicate], wantDup)
	}
	if want := first.File + " q1: "; len(byRule[curriculum.RuleBareAnswer]) != 1 || !strings.HasPrefix(byRule[curriculum.RuleBareAnswer][0], want) {
		t.Errorf("bare answers = %q, want one naming %s", byRule[curriculum.RuleBareAnswer], want)
	}
	if letters := strings.Join(byRule[curriculum.RuleLetters], "\n"); !strings.Contains(letters, "with 3 options the right letters are a 0 b ") {
		t.Errorf("letter problems do not show the piling on b:\n%s", letters)
	}
}

// biasedCopy returns a deep copy of l's quiz with the right option moved to
// "b", made longer and opening with "Không", and every question cut to three
// options.
func biasedCopy(l *curriculum.Lesson) *curriculum.Lesson {
	c := *l
	c.Quiz = nil
	for _, q := range l.Quiz {
		right := *q.Correct()
		right.Text = "Không vội, " + right.Text + " Đó là cách làm an toàn nhất cho cả nhà."
		var wrong []curriculum.Option
		for _, o := range q.Options {
			if !o.Correct {
				wrong = append(wrong, o)
			}
		}
		opts := append([]curriculum.Option{wrong[0], right}, wrong[1:]...)
		if len(opts) > 3 {
			opts = opts[:3]
		}
		for i := range opts {
			opts[i].ID = string(rune('a' + i))
		}
		q.Options = opts
		c.Quiz = append(c.Quiz, q)
	}
	return &c
}

func TestQuestionSimilarity(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"same text", "Bạn chạm vào nút nào?", "Bạn chạm vào nút nào?", 1},
		{"case, punctuation and spaces do not count", "Bạn chạm vào nút “Cài đặt”?", "bạn   CHẠM vào nút cài-đặt", 1},
		{"decomposed accents equal composed ones", "Bà Năm làm gì?", "Ba\u0300 Na\u0306m la\u0300m gi\u0300?", 1},
		{"diacritics are kept", "Bạn có má không", "Bạn có mã không", 1.0 / 5},
		{"one word changed at the end", "một hai ba bốn", "một hai ba năm", 2.0 / 4},
		{"nothing in common", "Bạn làm gì?", "Chị Lan chọn nút nào?", 0},
		{"one word has no pair", "Zalo", "Zalo", 0},
		{"shipped OTP questions of the first edition", // e-payment/04 q1 and data-safety/02 q1
			"Bạn không chuyển tiền gì cả, bỗng điện thoại nhận tin nhắn có mã OTP. Ngay sau đó có người gọi: “Tôi gửi nhầm mã, anh đọc lại giúp tôi.” Bạn làm gì?",
			"Bạn vừa nhận tin nhắn có mã OTP. Ngay sau đó một người gọi tới: “Tôi gửi nhầm mã cho bác, bác đọc lại giúp tôi.” Bạn làm gì?",
			12.0 / 28},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := curriculum.QuestionSimilarity(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("QuestionSimilarity = %.4f, want %.4f (normalised %q, %q)", got, tt.want,
					curriculum.NormalizeQuestion(tt.a), curriculum.NormalizeQuestion(tt.b))
			}
			if got, back := curriculum.QuestionSimilarity(tt.a, tt.b), curriculum.QuestionSimilarity(tt.b, tt.a); got != back {
				t.Errorf("not symmetric: %v and %v", got, back)
			}
		})
	}
	if got, want := curriculum.NormalizeQuestion("  Bạn chạm vào “Cài đặt” (Settings)?\n"), "bạn chạm vào cài đặt settings"; got != want {
		t.Errorf("NormalizeQuestion = %q, want %q", got, want)
	}
}

func TestIsBareAnswer(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"16/10/2024", true},
		{"Từ ngày 16/10/2024.", true},
		{"14 tuổi", true},
		{"Từ đủ 14 tuổi.", true},
		{"Nghị định 69/2024/NĐ-CP", true},
		{"Theo Nghị định 356/2025/NĐ-CP.", true},
		{"Khoảng 20 nghìn tỷ đồng.", true},
		{"Luật số 91/2025/QH15", true},
		{"Miễn phí.", true}, // two words: too short to show understanding either
		{"Chuyển 5 triệu đồng", true},
		{"Gọi 115 để xin xe cứu thương.", false},
		{"Gửi 156: LD, số điện thoại, nội dung.", false},
		{"Dừng lại, gọi ngân hàng.", false},
		{"Máy cần dùng được 4G.", false},
		{"Chạm “Hủy”, không chạm “Cài đặt”.", false},
	}
	for _, tt := range tests {
		if got := curriculum.IsBareAnswer(tt.text); got != tt.want {
			t.Errorf("IsBareAnswer(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestQuizStatsCounts(t *testing.T) {
	// q builds a question whose option right (0-based) is correct.
	q := func(id, stem string, right int, texts ...string) curriculum.Question {
		qq := curriculum.Question{ID: id, Text: stem}
		for i, text := range texts {
			qq.Options = append(qq.Options, curriculum.Option{ID: string(rune('a' + i)), Text: text, Correct: i == right})
		}
		return qq
	}
	lessons := []*curriculum.Lesson{
		{File: "vi/internet/01-x.md", Quiz: []curriculum.Question{
			q("q1", "Bạn bật Wi-Fi ở nhà văn hóa thế nào?", 0, "Đáp án đúng ở đây", "Sai ngắn", "Sai cũng ngắn", "Một đáp án sai dài hơn hẳn"),
			q("q2", "Màn hình hiện hai nút: bạn chạm vào nút nào?", 1, "Không bấm gì", "Bằng độ dài nhau", "Bằng độ dài nhau"), // a tie counts as longest
			q("q3", "Người lạ gọi xin mã: bạn làm gì?", 1, "Không làm gì cả", "Không bấm, gọi lại số đã lưu"),
		}},
		{File: "vi/email/01-y.md", Quiz: []curriculum.Question{
			q("q1", "Trước khi gửi thư, bạn xem lại gì?", 3, "a", "b", "c", "Đọc kỹ rồi mới bấm"),
			q("q2", "Khách đưa ảnh chuyển khoản thành công: bạn làm gì?", 0, "Mở ứng dụng ngân hàng xem", "Tin ảnh chụp màn hình", "Hỏi lại khách", "Gửi hàng luôn"),
			q("q3", "Luật có hiệu lực từ bao giờ?", 0, "Từ 1/1/2026.", "Từ 1/7/2024.", "Luật này chưa có hiệu lực"),
		}},
	}
	s := curriculum.ComputeQuizStats(lessons)
	if s.Questions != 6 || s.FourOptions != 3 || s.FourOptionShare() != 0.5 {
		t.Errorf("questions %d, four options %d (share %v); want 6, 3, 0.5", s.Questions, s.FourOptions, s.FourOptionShare())
	}
	var longest []string
	for _, r := range s.LongestRight {
		longest = append(longest, r.String())
	}
	if want := []string{"vi/internet/01-x.md q2", "vi/internet/01-x.md q3", "vi/email/01-y.md q1", "vi/email/01-y.md q2"}; !slices.Equal(longest, want) {
		t.Errorf("longest right = %q, want %q", longest, want)
	}
	if !slices.Equal(s.Letters[4], []int{2, 0, 0, 1}) || !slices.Equal(s.Letters[3], []int{1, 1, 0}) || !slices.Equal(s.Letters[2], []int{0, 1}) {
		t.Errorf("letters = %v", s.Letters)
	}
	if len(s.KhongRight) != 1 || s.KhongRight[0].String() != "vi/internet/01-x.md q3" || s.KhongWrong != 2 {
		t.Errorf("Không right %v, wrong %d; want internet q3 and 2", s.KhongRight, s.KhongWrong)
	}
	if len(s.BareAnswers) != 1 || s.BareAnswers[0].String() != "vi/email/01-y.md q3" {
		t.Errorf("bare answers = %v", s.BareAnswers)
	}
	if s.MostSimilar.Similarity >= curriculum.NearDuplicate || len(s.NearDuplicates) != 0 {
		t.Errorf("most similar %+v; the stems are all different", s.MostSimilar)
	}
}

// TestLetterPValue pins the chi-square p-values against values computed by
// hand: with two options, 6 right "a" of 6 gives χ² = 6 and p = erfc(√3);
// with four, 8 right "a" of 8 gives χ² = 24 and p = erfc(√12) + √(48/π)e^-12.
func TestLetterPValue(t *testing.T) {
	tests := []struct {
		name   string
		k      int
		rights []int
		want   float64
	}{
		{"two options, all a", 2, []int{0, 0, 0, 0, 0, 0}, math.Erfc(math.Sqrt(3))},
		{"two options, 4 against 2", 2, []int{0, 0, 0, 0, 1, 1}, math.Erfc(math.Sqrt(1.0 / 3))},
		{"three options, all a", 3, []int{0, 0, 0, 0, 0, 0}, math.Exp(-6)},
		{"four options, even", 4, []int{0, 1, 2, 3, 3, 2, 1, 0}, 1},
		{"four options, all a", 4, []int{0, 0, 0, 0, 0, 0, 0, 0}, math.Erfc(math.Sqrt(12)) + math.Sqrt(48/math.Pi)*math.Exp(-12)},
		{"four options, 3 2 2 1", 4, []int{0, 0, 0, 1, 1, 2, 2, 3}, math.Erfc(math.Sqrt(0.5)) + math.Sqrt(2/math.Pi)*math.Exp(-0.5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &curriculum.Lesson{File: "vi/internet/01-x.md"}
			for i, r := range tt.rights {
				qq := curriculum.Question{ID: fmt.Sprintf("q%d", i+1), Text: fmt.Sprintf("Tình huống %d?", i)}
				for j := range tt.k {
					qq.Options = append(qq.Options, curriculum.Option{ID: string(rune('a' + j)), Text: "Một lựa chọn", Correct: j == r})
				}
				l.Quiz = append(l.Quiz, qq)
			}
			s := curriculum.ComputeQuizStats([]*curriculum.Lesson{l})
			if got := s.LetterP[tt.k]; math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("p = %.6g, want %.6g", got, tt.want)
			}
			failed := slices.ContainsFunc(s.Check(), func(p curriculum.QuizProblem) bool { return p.Rule == curriculum.RuleLetters })
			if failed != (tt.want < curriculum.MinLetterP) {
				t.Errorf("letters rule failed = %v with p %.4f", failed, tt.want)
			}
		})
	}
}

// TestLetterNeverRight: a letter that is never right among enough questions
// fails even when the chi-square test alone would pass (12 four-option
// questions right a, b, c four times each and d never: χ² = 4, p ≈ 0.26).
func TestLetterNeverRight(t *testing.T) {
	build := func(rights ...int) []*curriculum.Lesson {
		l := &curriculum.Lesson{File: "vi/email/01-x.md"}
		for i, r := range rights {
			qq := curriculum.Question{ID: fmt.Sprintf("q%d", i+1), Text: fmt.Sprintf("Tình huống %d?", i)}
			for j := range 4 {
				qq.Options = append(qq.Options, curriculum.Option{ID: string(rune('a' + j)), Text: "Một lựa chọn", Correct: j == r})
			}
			l.Quiz = append(l.Quiz, qq)
		}
		return []*curriculum.Lesson{l}
	}
	letterProblems := func(ls []*curriculum.Lesson) []string {
		var out []string
		for _, p := range curriculum.ComputeQuizStats(ls).Check() {
			if p.Rule == curriculum.RuleLetters {
				out = append(out, p.Msg)
			}
		}
		return out
	}
	got := letterProblems(build(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2))
	if len(got) != 1 || !strings.Contains(got[0], `"d" is never right`) {
		t.Errorf("12 questions without a right d: problems %q, want one saying d is never right", got)
	}
	if got := letterProblems(build(0, 1, 2, 0, 1, 2, 0, 1)); len(got) != 0 {
		t.Errorf("8 questions (fewer than 3 per letter) without a right d: problems %q, want none", got)
	}
}
