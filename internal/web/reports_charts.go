package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// Charts are drawn here as inline SVG: no chart script, nothing to
// download, the same on screen and on paper. Colours and sizes are SVG
// presentation attributes (fill, stroke, font-size), which the page's
// Content-Security-Policy allows, unlike style attributes. Every chart has
// a title and a description for screen readers and sits next to a table
// with the same numbers.

// bar is one labelled value of a chart.
type bar struct {
	Label string
	Value int64
	Note  string // shown after the value, e.g. a percentage
}

const (
	chartWidth = 640
	chartInk   = "#1b1b1b"
	chartBar   = "#0b5e4a"
	chartBar2  = "#7aa89b"
	chartLine  = "#c9d3ce"
)

// hbarChart draws horizontal bars, one per value, longest = max value:
// readable at any width because labels sit above their bars.
func hbarChart(id, title, desc string, bars []bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	var top int64
	for _, b := range bars {
		top = max(top, b.Value)
	}
	const rowH, barH, left = 44, 16, 8
	h := len(bars)*rowH + 8
	var b strings.Builder
	svgOpen(&b, id, title, desc, h)
	for i, x := range bars {
		y := 4 + i*rowH
		w := 0
		if top > 0 {
			w = int(float64(x.Value) / float64(top) * float64(chartWidth-180))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" fill="%s">%s</text>`, left, y+16, chartInk, esc(x.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, left, y+22, max(w, 1), barH, chartBar)
		label := vnInt(x.Value)
		if x.Note != "" {
			label += " (" + x.Note + ")"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" fill="%s">%s</text>`, left+max(w, 1)+6, y+36, chartInk, esc(label))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String()) //nolint:gosec // built from escaped text
}

// columnChart draws two series as side-by-side columns per period (a
// week), with the periods' labels under them and a legend.
func columnChart(id, title, desc string, labels []string, a, bSeries []int64, aName, bName string) template.HTML {
	if len(labels) == 0 {
		return ""
	}
	var top int64
	for i := range labels {
		top = max(top, a[i], bSeries[i])
	}
	const h, base, left, legend = 260, 200, 44, 24
	var b strings.Builder
	svgOpen(&b, id, title, desc, h+legend)
	// Scale: 0, half and top, with grid lines.
	for _, f := range []float64{0, 0.5, 1} {
		y := base - int(f*float64(base-20))
		v := int64(f * float64(top))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, left, y, chartWidth-4, y, chartLine)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="%s" text-anchor="end">%s</text>`, left-4, y+4, chartInk, esc(vnInt(v)))
	}
	slot := float64(chartWidth-left-8) / float64(len(labels))
	bw := max(2, int(slot*0.35))
	for i, l := range labels {
		x := left + 4 + int(float64(i)*slot)
		for j, v := range []int64{a[i], bSeries[i]} {
			hgt := 0
			if top > 0 {
				hgt = int(float64(v) / float64(top) * float64(base-20))
			}
			fill := chartBar
			if j == 1 {
				fill = chartBar2
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %s</title></rect>`,
				x+j*bw, base-hgt, bw, max(hgt, 1), fill, esc(l), esc(vnInt(v)))
		}
		if len(labels) <= 13 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="%s" text-anchor="middle">%s</text>`, x+bw, base+16, chartInk, esc(l))
		}
	}
	y := h + 6
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d" font-size="14" fill="%s">%s</text>`,
		left, y, chartBar, left+20, y+12, chartInk, esc(aName))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d" font-size="14" fill="%s">%s</text>`,
		left+300, y, chartBar2, left+320, y+12, chartInk, esc(bName))
	b.WriteString("</svg>")
	return template.HTML(b.String()) //nolint:gosec // built from escaped text
}

func svgOpen(b *strings.Builder, id, title, desc string, h int) {
	fmt.Fprintf(b, `<svg class="chart" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		id, id, chartWidth, h, chartWidth, h)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

func esc(s string) string { return html.EscapeString(s) }
