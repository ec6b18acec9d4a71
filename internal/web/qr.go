package web

import (
	"bytes"
	"fmt"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// qrSVG encodes text as a QR code drawn in SVG: one path of unit squares,
// a few kilobytes, sharp at any print size. The encoding (versions, masks,
// error correction) is yeqown/go-qrcode's; only the drawing is ours, through
// the library's Writer interface, because its own writers make bitmaps.
func qrSVG(text string) ([]byte, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("web: qr: %w", err)
	}
	w := &svgQR{}
	if err := q.Save(w); err != nil {
		return nil, fmt.Errorf("web: qr: %w", err)
	}
	return w.buf.Bytes(), nil
}

type svgQR struct{ buf bytes.Buffer }

// quiet is the blank margin, in modules, that scanners need around a code.
const quiet = 4

func (w *svgQR) Write(m qrcode.Matrix) error {
	size := m.Width() + 2*quiet
	fmt.Fprintf(&w.buf, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, size, size, size*4, size*4)
	fmt.Fprintf(&w.buf, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	m.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			fmt.Fprintf(&w.buf, "M%d %dh1v1h-1z", x+quiet, y+quiet)
		}
	})
	w.buf.WriteString(`"/></svg>`)
	return nil
}

func (w *svgQR) Close() error { return nil }
