package progress

import "testing"

func TestAfterAttempt(t *testing.T) {
	tests := []struct {
		name      string
		prev      Record
		score     int
		passed    bool
		want      Record
		completed bool
	}{
		{"first failed try starts the lesson", Record{}, 1, false, Record{Status: Started, BestScore: 1, Total: 3, Attempts: 1}, false},
		{"first pass completes it", Record{}, 3, true, Record{Status: Completed, BestScore: 3, Total: 3, Attempts: 1}, true},
		{"pass after a fail", Record{Status: Started, BestScore: 1, Total: 3, Attempts: 1}, 2, true, Record{Status: Completed, BestScore: 2, Total: 3, Attempts: 2}, true},
		{"a later fail keeps it completed and the best score", Record{Status: Completed, BestScore: 3, Total: 3, Attempts: 1}, 0, false, Record{Status: Completed, BestScore: 3, Total: 3, Attempts: 2}, false},
		{"passing again is not new", Record{Status: Completed, BestScore: 2, Total: 3, Attempts: 1}, 3, true, Record{Status: Completed, BestScore: 3, Total: 3, Attempts: 2}, false},
		{"trainer-verified stays verified", Record{Status: Completed, Verified: true}, 0, false, Record{Status: Completed, Verified: true, Total: 3, Attempts: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, completed := AfterAttempt(tt.prev, tt.score, 3, tt.passed)
			if got != tt.want || completed != tt.completed {
				t.Errorf("got %+v %v; want %+v %v", got, completed, tt.want, tt.completed)
			}
		})
	}
}

func TestModuleAndProgramme(t *testing.T) {
	modules := map[string][]string{"a": {"a1", "a2"}, "b": {"b1"}}
	m := Map{}
	if s := m.Module("a", modules["a"]); s.Status != NotStarted || s.Done != 0 || s.Total != 2 {
		t.Errorf("empty: %+v", s)
	}
	m[Key{"a", "a1"}] = Record{Status: Started}
	if s := m.Module("a", modules["a"]); s.Status != Started || s.Done != 0 {
		t.Errorf("started: %+v", s)
	}
	m[Key{"a", "a1"}] = Record{Status: Completed}
	if got := m.NextLesson("a", modules["a"]); got != "a2" {
		t.Errorf("next = %q", got)
	}
	m[Key{"a", "a2"}] = Record{Status: Completed}
	if s := m.Module("a", modules["a"]); s.Status != Completed || s.Done != 2 {
		t.Errorf("completed: %+v", s)
	}
	if done, all := m.Programme(modules); done != 1 || all {
		t.Errorf("programme after one module: %d %v", done, all)
	}
	m[Key{"b", "b1"}] = Record{Status: Completed}
	if done, all := m.Programme(modules); done != 2 || !all {
		t.Errorf("programme after both: %d %v", done, all)
	}
	if got := m.NextLesson("b", modules["b"]); got != "" {
		t.Errorf("next of a finished module = %q", got)
	}
}
