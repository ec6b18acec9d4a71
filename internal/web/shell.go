package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/labstack/echo/v4"

	"github.com/kynangso/kynangso/internal/progress"
	"github.com/kynangso/kynangso/internal/store"
)

// A signed-in learner's lesson page differs from the shared one in three
// places only: their name in the header, the note that they have done the
// lesson, and the quiz form's nonce. So it is not rendered per request
// either: for each shared variant and each of the two notes, the page is
// rendered once with markers where the name and the nonce go (its shell),
// each piece between them compressed once as its own deflate block run.
// A request then costs the learner's name escaped, and a gzip stream
// stitched from the precompressed pieces with the name and nonce as small
// stored blocks in between: a few microseconds instead of a template and a
// compression (DESIGN §5: a signed-in page at half of nginx's rate).
//
// The markers are plain letters and digits, which html/template leaves as
// they are, so the shell is exactly the page the template makes, and the
// test that compares cached pages with pages rendered per request
// (TestFragmentCacheChangesNothing) covers it.

const (
	holeName  = "KnsHoleName7f3a91"
	holeNonce = "KnsHoleNonce7f3a91"
)

// shellKey names one shell: a shared lesson variant and the done note.
type shellKey struct {
	pageKey
	done bool
}

// pageShell is a page cut at its holes.
type pageShell struct {
	parts [][]byte // plain HTML between the holes
	gz    [][]byte // each part as raw deflate, ending byte-aligned (sync flush)
	holes []string // which hole follows each part but the last
	size  int      // bytes of the parts
}

// shells holds the shells made so far.
type shells struct {
	mu    sync.RWMutex
	pages map[shellKey]*pageShell
	esc   *template.Template // html/template's own escaping, for the name
}

func newShells() *shells {
	return &shells{pages: map[shellKey]*pageShell{}, esc: template.Must(template.New("esc").Parse("{{.}}"))}
}

// shell returns the shell for key, making it on first use.
func (s *Server) shell(key shellKey) (*pageShell, error) {
	s.shells.mu.RLock()
	sh, ok := s.shells.pages[key]
	s.shells.mu.RUnlock()
	if ok {
		return sh, nil
	}
	m, ok := s.cur.Module(key.lang, key.module)
	l, ok2 := m.Lesson(key.lesson)
	if !ok || !ok2 {
		return nil, fmt.Errorf("web: no lesson %s/%s", key.module, key.lesson)
	}
	pg := s.basePage(key.lang, key.path())
	pg.SuggestEnglish, pg.View = key.suggestEN, key.view
	pg.Learner = &store.Learner{Name: holeName}
	p := s.lessonData(pg, m, l)
	p.Submission = holeNonce
	if key.done {
		p.Status = progress.Completed
	}
	var buf bytes.Buffer
	if err := s.rend.Render(&buf, "lesson", p, nil); err != nil {
		return nil, err
	}
	sh, err := cutShell(buf.String())
	if err != nil {
		return nil, err
	}
	s.shells.mu.Lock()
	defer s.shells.mu.Unlock()
	if old, ok := s.shells.pages[key]; ok {
		return old, nil
	}
	s.shells.pages[key] = sh
	return sh, nil
}

// cutShell cuts a page at its holes and compresses each part.
func cutShell(page string) (*pageShell, error) {
	sh := &pageShell{}
	for {
		i, j := strings.Index(page, holeName), strings.Index(page, holeNonce)
		hole, at := holeName, i
		if at < 0 || (j >= 0 && j < at) {
			hole, at = holeNonce, j
		}
		if at < 0 {
			sh.parts = append(sh.parts, []byte(page))
			break
		}
		sh.parts = append(sh.parts, []byte(page[:at]))
		sh.holes = append(sh.holes, hole)
		page = page[at+len(hole):]
	}
	if len(sh.holes) == 0 {
		return nil, fmt.Errorf("web: the lesson page has no place for the learner's name or the form's nonce")
	}
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	for _, part := range sh.parts {
		out.Reset()
		fw.Reset(&out)
		if _, err := fw.Write(part); err != nil {
			return nil, err
		}
		if err := fw.Flush(); err != nil { // a sync flush: non-final, byte-aligned
			return nil, err
		}
		sh.gz = append(sh.gz, bytes.Clone(out.Bytes()))
		sh.size += len(part)
	}
	return sh, nil
}

// fill returns what goes in each hole, in order.
func (s *Server) fill(sh *pageShell, name, nonce string) ([][]byte, error) {
	var esc bytes.Buffer
	if err := s.shells.esc.Execute(&esc, name); err != nil {
		return nil, err
	}
	out := make([][]byte, len(sh.holes))
	for i, h := range sh.holes {
		if h == holeName {
			out[i] = esc.Bytes()
		} else {
			out[i] = []byte(nonce)
		}
	}
	return out, nil
}

// serveShell answers a signed-in learner's lesson page from its shell.
func (s *Server) serveShell(c echo.Context, key shellKey, name, nonce string) error {
	sh, err := s.shell(key)
	if err != nil {
		return err
	}
	holes, err := s.fill(sh, name, nonce)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store, private")
	h.Add(echo.HeaderVary, "Cookie")
	addVary(h, "Accept-Language")
	addVary(h, echo.HeaderAcceptEncoding)
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	var body []byte
	if acceptedEncoding(c.Request().Header.Get(echo.HeaderAcceptEncoding)) != "" {
		body = stitchGzip(sh, holes)
		h.Set(echo.HeaderContentEncoding, "gzip")
	} else {
		body = make([]byte, 0, sh.size+64)
		for i, part := range sh.parts {
			body = append(body, part...)
			if i < len(holes) {
				body = append(body, holes[i]...)
			}
		}
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(body)
	return err
}

// gzipHeader is a gzip member header: deflate, no name, no time, unknown OS.
var gzipHeader = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// stitchGzip makes one gzip stream of the shell's precompressed parts with
// the holes between them as stored blocks (RFC 1951 §3.2.4: after a sync
// flush the stream is byte-aligned, so a stored block can follow as bytes).
func stitchGzip(sh *pageShell, holes [][]byte) []byte {
	n := len(gzipHeader) + 10
	for i, g := range sh.gz {
		n += len(g)
		if i < len(holes) {
			n += 5 + len(holes[i])
		}
	}
	out := make([]byte, 0, n)
	out = append(out, gzipHeader[:]...)
	crc, size := uint32(0), 0
	for i, g := range sh.gz {
		out = append(out, g...)
		crc = crc32.Update(crc, crc32.IEEETable, sh.parts[i])
		size += len(sh.parts[i])
		if i < len(holes) {
			hole := holes[i][:min(len(holes[i]), 0xffff)]
			l := uint16(len(hole))
			out = append(out, 0, byte(l), byte(l>>8), ^byte(l), ^byte(l>>8))
			out = append(out, hole...)
			crc = crc32.Update(crc, crc32.IEEETable, hole)
			size += len(hole)
		}
	}
	out = append(out, 0x03, 0x00) // the final block: empty, fixed Huffman
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(size))
}
