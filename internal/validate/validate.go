// Package validate checks form input and collects problems as message ids
// (translated when the page is rendered, in the visitor's language), so a
// form can be shown again with each message next to its field. It imports
// nothing of the application.
package validate

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Msg is a message id with its placeholder pairs.
type Msg struct {
	ID   string
	Args []any
}

// Form collects the problems of one submitted form. Embed it in a form struct.
type Form struct {
	FieldErrors map[string]Msg
	FormErrors  []Msg
}

// Valid tells whether no problem was found.
func (f *Form) Valid() bool { return len(f.FieldErrors) == 0 && len(f.FormErrors) == 0 }

// Check records msg for field unless ok. Only the first problem of a field
// is kept: one clear message beats three.
func (f *Form) Check(ok bool, field, id string, args ...any) {
	if ok {
		return
	}
	if f.FieldErrors == nil {
		f.FieldErrors = map[string]Msg{}
	}
	if _, seen := f.FieldErrors[field]; !seen {
		f.FieldErrors[field] = Msg{ID: id, Args: args}
	}
}

// Fail records a problem with the whole form.
func (f *Form) Fail(id string, args ...any) {
	f.FormErrors = append(f.FormErrors, Msg{ID: id, Args: args})
}

// Err returns the message of a field, or nil; templates use it as
// {{with .Form.Err "name"}}…{{end}}.
func (f Form) Err(field string) *Msg {
	if m, ok := f.FieldErrors[field]; ok {
		return &m
	}
	return nil
}

// Clean trims s, folds runs of spaces and normalises it to Unicode NFC, so
// "Nguyễn" typed on two keyboards is stored the same way.
func Clean(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// NotBlank tells whether s has any character besides spaces.
func NotBlank(s string) bool { return strings.TrimSpace(s) != "" }

// MaxRunes tells whether s has at most n characters (not bytes:
// Vietnamese letters take two or three bytes each).
func MaxRunes(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// Int parses a whole number, allowing spaces around it.
func Int(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

var nonDigits = regexp.MustCompile(`[\s.\-()]`)

// Phone normalises a Vietnamese mobile number as people write it ("0912 345
// 678", "0912.345.678", "+84 912 345 678") to ten digits starting with 0.
// It returns false when the result is not such a number.
func Phone(s string) (string, bool) {
	p := nonDigits.ReplaceAllString(strings.TrimSpace(s), "")
	if strings.HasPrefix(p, "+84") {
		p = "0" + p[3:]
	} else if strings.HasPrefix(p, "84") && len(p) == 11 {
		p = "0" + p[2:]
	}
	if len(p) != 10 || p[0] != '0' {
		return p, false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return p, false
		}
	}
	return p, true
}

// PIN tells whether s is exactly four digits.
func PIN(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Key tells whether s is a well-formed idempotency key or nonce: 8 to 64
// characters of the URL-safe base64 alphabet. Such keys come back in hidden
// form fields and are stored, so anything else is refused before storage.
func Key(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}
