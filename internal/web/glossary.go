package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/curriculum"
)

type glossaryPage struct {
	Page
	Terms []curriculum.Term // in the language's alphabetical order
	// TermsLang is the language of Terms when it differs from the page's
	// (a locale without a glossary borrows the Vietnamese one).
	TermsLang string
}

// glossaryShow lists every glossary term with its plain definition. Lesson
// bodies link a term's first use to its anchor here (/glossary#slug).
func (s *Server) glossaryShow(c echo.Context) error {
	if v, ok := s.shared(c); ok {
		return s.serveShared(c, pageKey{kind: kindGlossary, variant: v})
	}
	return s.render(c, http.StatusOK, "glossary", s.glossaryData(s.page(c)))
}

func (s *Server) glossaryData(pg Page) glossaryPage {
	p := glossaryPage{Page: pg, Terms: s.cur.Glossary(pg.Lang)}
	if len(p.Terms) > 0 && p.Terms[0].Locale != p.Lang {
		p.TermsLang = p.Terms[0].Locale
	}
	return p
}
