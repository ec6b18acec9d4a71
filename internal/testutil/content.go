package testutil

import (
	"testing/fstest"

	"github.com/kynangso/kynangso/internal/curriculum/curriculumtest"
)

// MiniLesson is curriculumtest.MiniLesson, kept here for the tests that
// already use testutil.
const MiniLesson = curriculumtest.MiniLesson

// MiniSVG is curriculumtest.MiniSVG.
const MiniSVG = curriculumtest.MiniSVG

// MiniContent is curriculumtest.MiniContent.
func MiniContent() fstest.MapFS { return curriculumtest.MiniContent() }
