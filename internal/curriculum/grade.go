package curriculum

// Result is a graded quiz attempt.
type Result struct {
	Score   int
	Total   int
	Pass    int
	Passed  bool
	Answers []Answer // one per question, in quiz order
	Missing []string // ids of unanswered questions; a result with Missing is not graded
}

// Answer is the outcome of one question.
type Answer struct {
	Question *Question
	Chosen   *Option // nil when the question was not answered
	Right    bool
}

// Grade scores answers (question id → option id) against the lesson's quiz.
// Unknown question ids are ignored; an unknown option counts as unanswered, so
// a tampered form cannot raise a score.
func (l *Lesson) Grade(answers map[string]string) Result {
	r := Result{Total: len(l.Quiz), Pass: l.Pass}
	for i := range l.Quiz {
		q := &l.Quiz[i]
		a := Answer{Question: q}
		if o, ok := q.Option(answers[q.ID]); ok {
			a.Chosen, a.Right = o, o.Correct
		} else {
			r.Missing = append(r.Missing, q.ID)
		}
		if a.Right {
			r.Score++
		}
		r.Answers = append(r.Answers, a)
	}
	r.Passed = len(r.Missing) == 0 && r.Score >= r.Pass
	return r
}

// Choices returns the chosen option id per question, for storing an attempt.
func (r Result) Choices() map[string]string {
	m := make(map[string]string, len(r.Answers))
	for _, a := range r.Answers {
		if a.Chosen != nil {
			m[a.Question.ID] = a.Chosen.ID
		}
	}
	return m
}

// SampleAnswers returns the answers of someone who gets the first `right`
// questions right and every other one wrong: demo learners take quizzes
// with it, and tests use it to aim at a score.
func (l *Lesson) SampleAnswers(right int) map[string]string {
	out := make(map[string]string, len(l.Quiz))
	for i, q := range l.Quiz {
		for _, o := range q.Options {
			if o.Correct == (i < right) {
				out[q.ID] = o.ID
				break
			}
		}
	}
	return out
}
