package web

import (
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/testutil/assert"
	"github.com/kynangso/kynangso/internal/validate"
)

// TestQuizKey: the key of a quiz sent without one depends on the lesson,
// the answers (not their order) and the 10-minute window; the next
// window's "earlier" key is this window's key.
func TestQuizKey(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 9, 59, 0, time.UTC)
	a := map[string]string{"q1": "a", "q2": "c"}
	key, earlier := quizKey("email", "one", a, at)
	assert.True(t, validate.Key(key) && validate.Key(earlier), "keys %q %q", key, earlier)
	same, _ := quizKey("email", "one", map[string]string{"q2": "c", "q1": "a"}, at.Add(-9*time.Minute))
	assert.Equal(t, same, key)
	other, _ := quizKey("email", "one", map[string]string{"q1": "b", "q2": "c"}, at)
	assert.True(t, other != key, "other answers, same key")
	lesson, _ := quizKey("email", "two", a, at)
	assert.True(t, lesson != key, "another lesson, same key")
	next, nextEarlier := quizKey("email", "one", a, at.Add(time.Second)) // over the window's edge
	assert.True(t, next != key, "a new window, same key")
	assert.Equal(t, nextEarlier, key)
}
