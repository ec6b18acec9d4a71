package curriculum

import (
	"bytes"
	"encoding/xml"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// MediaPrefix is the URL path under which illustrations are served.
const MediaPrefix = "/media/"

type markdown struct {
	md goldmark.Markdown
}

// newMarkdown configures goldmark for lessons: CommonMark with tables and
// typographic quotes (“Cài đặt”, as Vietnamese print uses), and raw HTML left disabled (goldmark's default) so that a lesson can
// never inject markup. The loader also reports raw HTML as an error, because
// silently dropped text would confuse an author.
func newMarkdown() *markdown {
	return &markdown{md: goldmark.New(goldmark.WithExtensions(extension.Table, extension.NewTypographer(
		// Plain characters rather than &ldquo; entities: fewer bytes.
		extension.WithTypographicSubstitutions(extension.TypographicSubstitutions{
			extension.LeftDoubleQuote: []byte("“"), extension.RightDoubleQuote: []byte("”"),
			extension.LeftSingleQuote: []byte("‘"), extension.RightSingleQuote: []byte("’"),
			extension.EnDash: []byte("–"), extension.EmDash: []byte("—"), extension.Ellipsis: []byte("…"),
			extension.Apostrophe: []byte("’"),
		}))))}
}

type bodyProblem struct {
	Line int
	Msg  string
}

// render converts a lesson body to HTML. firstLine is the body's first line
// in the file, so problems can point at the right place. Images must be
// illustrations from media/; they get their size and a fingerprinted URL.
// The first use of each glossary term (terms may be nil) links to its entry.
func (m *markdown) render(body []byte, firstLine int, media map[string]Media, terms *termMatcher) (template.HTML, []string, []link, []bodyProblem) {
	doc := m.md.Parser().Parse(text.NewReader(body))
	var (
		images   []string
		links    []link
		problems []bodyProblem
	)
	lineAt := func(n ast.Node) int { return firstLine + bytes.Count(body[:nodeOffset(n, body)], []byte("\n")) }
	if len(bytes.TrimSpace(body)) == 0 {
		problems = append(problems, bodyProblem{firstLine, "the lesson has no text after the front matter"})
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			problems = append(problems, bodyProblem{lineAt(n), "raw HTML is not allowed in a lesson; use Markdown"})
		case *ast.Heading:
			if x.Level == 1 {
				problems = append(problems, bodyProblem{lineAt(n), `use "## " for headings: the lesson title is the only top heading`})
			}
		case *ast.Image:
			dest := string(x.Destination)
			name := strings.TrimPrefix(dest, MediaPrefix)
			med, ok := media[name]
			switch {
			case !strings.HasPrefix(dest, MediaPrefix) || !ok:
				problems = append(problems, bodyProblem{lineAt(n), "image " + strconv.Quote(dest) + " is not a file in media/ (write it as /media/NAME.svg)"})
			case strings.TrimSpace(string(nodeText(x, body))) == "":
				problems = append(problems, bodyProblem{lineAt(n), "image " + strconv.Quote(dest) + " needs a description: ![what the picture shows](" + dest + ")"})
			default:
				x.Destination = []byte(MediaPrefix + med.Hash + "/" + med.Name)
				x.SetAttributeString("width", []byte(strconv.Itoa(med.Width)))
				x.SetAttributeString("height", []byte(strconv.Itoa(med.Height)))
				x.SetAttributeString("loading", []byte("lazy"))
				images = append(images, med.Name)
			}
		case *ast.Link:
			dest := string(x.Destination)
			if strings.HasPrefix(dest, "/modules/") || dest == "/modules" || strings.HasPrefix(dest, GlossaryPath+"#") {
				links = append(links, link{line: lineAt(n), dest: dest})
			}
		}
		return ast.WalkContinue, nil
	})
	linkTerms(doc, body, terms)
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, body, doc); err != nil {
		problems = append(problems, bodyProblem{firstLine, "cannot render Markdown: " + err.Error()})
	}
	// The HTML comes from goldmark with raw HTML disabled: it is safe markup.
	return template.HTML(buf.String()), images, links, problems //nolint:gosec
}

// nodeOffset finds a byte offset of n in the source: its own lines for a
// block, the first text inside it for an inline, else its parent's.
func nodeOffset(n ast.Node, src []byte) int {
	for x := n; x != nil; x = x.Parent() {
		if x.Type() == ast.TypeBlock && x.Lines().Len() > 0 {
			return x.Lines().At(0).Start
		}
		if t, ok := x.(*ast.Text); ok {
			return t.Segment.Start
		}
		for c := x.FirstChild(); c != nil; c = c.FirstChild() {
			if t, ok := c.(*ast.Text); ok {
				return t.Segment.Start
			}
		}
		if r, ok := x.(*ast.RawHTML); ok && r.Segments.Len() > 0 {
			return r.Segments.At(0).Start
		}
	}
	return 0
}

func nodeText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

var (
	svgUnsafe = regexp.MustCompile(`(?i)<script|<foreignobject|<image|\son[a-z]+\s*=|(?:xlink:)?href\s*=\s*["'](?:https?:|//|javascript:|data:)|@import|url\(\s*["']?(?:https?:|//)`)
	svgLength = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$`)
)

// checkSVG reads the size of an illustration and refuses anything that could
// run code or fetch from elsewhere. It returns a reason when the file is bad.
func checkSVG(data []byte) (Media, string) {
	if svgUnsafe.Match(data) {
		return Media{}, "the SVG contains scripts, event handlers or outside links; draw with plain shapes and text"
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return Media{}, "no <svg> element found"
		}
		if err != nil {
			return Media{}, "not a valid SVG file: " + err.Error()
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "svg" {
			return Media{}, "the file must start with an <svg> element"
		}
		var m Media
		for _, a := range se.Attr {
			sub := svgLength.FindStringSubmatch(a.Value)
			if sub == nil {
				continue
			}
			v, _ := strconv.ParseFloat(sub[1], 64)
			switch a.Name.Local {
			case "width":
				m.Width = int(v + 0.5)
			case "height":
				m.Height = int(v + 0.5)
			}
		}
		if m.Width <= 0 || m.Height <= 0 {
			return Media{}, `the <svg> element needs width and height in pixels, e.g. width="320" height="200"`
		}
		return m, ""
	}
}
