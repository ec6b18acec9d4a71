package validate

import "testing"

func TestClean(t *testing.T) {
	decomposed := "Nguye\u0302\u0303n" // "Nguyễn" typed with combining marks
	if got := Clean("  " + decomposed + "   Văn\tAn "); got != "Nguyễn Văn An" {
		t.Errorf("Clean = %q", got)
	}
	if !MaxRunes("Nguyễn", 6) || MaxRunes("Nguyễn", 5) {
		t.Error("MaxRunes must count characters, not bytes")
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"0912345678", "0912345678", true},
		{"0912 345 678", "0912345678", true},
		{"0912.345.678", "0912345678", true},
		{"+84 912 345 678", "0912345678", true},
		{"84912345678", "0912345678", true},
		{"091234567", "091234567", false},
		{"1912345678", "1912345678", false},
		{"09123456ab", "09123456ab", false},
	}
	for _, tt := range tests {
		got, ok := Phone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Phone(%q) = %q %v; want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormKeepsFirstProblemPerField(t *testing.T) {
	var f Form
	f.Check(true, "name", "ok")
	f.Check(false, "name", "form.error.required")
	f.Check(false, "name", "form.error.too_long")
	if m := f.Err("name"); m == nil || m.ID != "form.error.required" || f.Valid() || f.Err("phone") != nil {
		t.Errorf("got %+v", f.FieldErrors)
	}
	if !PIN("0123") || PIN("123") || PIN("12a4") {
		t.Error("PIN")
	}
}
