package testutil

import (
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/curriculum/curriculumtest"
)

// MiniLesson is curriculumtest.MiniLesson, kept here for the tests that
// already use testutil.
const MiniLesson = curriculumtest.MiniLesson

// MiniSVG is curriculumtest.MiniSVG.
const MiniSVG = curriculumtest.MiniSVG

// MiniContent is curriculumtest.MiniContent.
func MiniContent() fstest.MapFS { return curriculumtest.MiniContent() }

// MiniCheck returns a valid before/after check for MiniContent: twelve
// questions, two per module, each drawing on the module's bat-wifi lesson,
// with option a right. Every question takes 13 lines, so question k starts
// on line 13(k-1)+1; tests edit it to produce each kind of error.
func MiniCheck() string {
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, `- id: q%d
  module: %s
  lesson: bat-wifi
  competence: "1.1"
  question: "Câu %d?"
  options:
    - id: a
      text: "Đáp án đúng"
      correct: true
      explanation: "Đúng."
    - id: b
      text: "Đáp án sai"
      explanation: "Sai."
`, i+1, curriculum.ModuleSlugs()[i/2], i+1)
	}
	return b.String()
}
