package web_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func TestGlossaryPage(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	cat := testutil.Catalog(t)
	otp, _ := cat.GlossaryTerm("vi", "ma-otp")
	otpEN, _ := cat.GlossaryTerm("en", "ma-otp")
	tests := []struct {
		name            string
		path            string
		wantContains    []string
		wantNotContains []string
	}{
		{name: "Vietnamese, every term with an anchor", path: "/glossary",
			wantContains: []string{`<html lang="vi">`, "<h1>Giải thích từ ngữ</h1>", `<dt id="ma-otp">mã OTP</dt><dd>` + template(otp.Definition) + "</dd>",
				`<dt id="ung-dung">`, `<a href="/glossary">Giải thích từ ngữ</a>`},
			wantNotContains: []string{"glossary.not_translated", `lang="vi"><dt`}},
		{name: "English terms in English", path: "/glossary?lang=en",
			wantContains:    []string{`<html lang="en">`, "<h1>Glossary</h1>", `<dt id="ma-otp">OTP code</dt><dd>` + template(otpEN.Definition) + "</dd>"},
			wantNotContains: []string{"mã OTP", "not been translated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.Client().Get(tt.path)
			assert.Equal(t, res.Status, 200)
			assert.Contains(t, res.Body, tt.wantContains...)
			assert.NotContains(t, res.Body, tt.wantNotContains...)
			assert.NotContains(t, res.Body, "panic", "<no value>", "%!")
		})
	}
	page := srv.Client().Get("/glossary").Body
	if a, b := strings.Index(page, `id="ma-otp"`), strings.Index(page, `id="ung-dung"`); a < 0 || b < a {
		t.Errorf("terms are not in Vietnamese alphabetical order (mã OTP at %d, ứng dụng at %d)", a, b)
	}
	if n, _ := gzipGet(t, srv.URL, "/glossary"); n > maxLessonGzip {
		t.Errorf("the glossary page is %d bytes gzip; keep it within a lesson's budget of %d", n, maxLessonGzip)
	}
}

// TestLessonLinksToTheGlossary follows a term's link from a lesson to its
// entry, in both languages.
func TestLessonLinksToTheGlossary(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	for _, lang := range []string{"vi", "en"} {
		c := srv.Client()
		lesson := c.Get("/modules/public-services/vneid-muc-1-va-muc-2?lang=" + lang).Body
		href := linkIn(t, lesson, `href="(/glossary(?:\?lang=en)?#[a-z0-9-]+)"`)
		path, anchor, _ := strings.Cut(href, "#")
		entry := c.Get(path).Body
		assert.Contains(t, entry, `<dt id="`+anchor+`">`, `<html lang="`+lang+`">`)
		footer := map[string]string{"vi": `<a href="/glossary">`, "en": `<a href="/glossary?lang=en">`}[lang]
		assert.Contains(t, lesson, footer) // the footer link keeps the language too
	}
}

func TestGlossaryFallsBackToVietnamese(t *testing.T) {
	fsys := testutil.MiniContent()
	fsys["vi/glossary.yaml"] = &fstest.MapFile{Data: []byte("- slug: ma-otp\n  term: \"mã OTP\"\n  definition: \"Dãy số dùng một lần.\"\n")}
	srv := testutil.NewServer(t, testutil.ServerOptions{Content: fsys})
	res := srv.Client().Get("/glossary?lang=en")
	assert.Equal(t, res.Status, 200)
	assert.Contains(t, res.Body, `<html lang="en">`, "has not been translated yet", `<dl class="glossary" lang="vi">`, `<dt id="ma-otp">mã OTP</dt>`)
}

func TestGlossaryPageWithoutAGlossary(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{Content: testutil.MiniContent()})
	res := srv.Client().Get("/glossary")
	assert.Equal(t, res.Status, 200)
	assert.Contains(t, res.Body, "Chưa có từ nào được giải thích.")
	assert.NotContains(t, res.Body, "<dl")
}
