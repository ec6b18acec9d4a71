package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/kynangso/kynangso/internal/i18n"
)

// Every report table is built once as a reportTable and then shown as
// HTML, or written as CSV or XLSX: the three always carry the same numbers.

// cellKind says how a cell's value is written.
type cellKind int

const (
	cellText cellKind = iota
	cellInt
	cellPct // a share from 0 to 1, shown as a percentage
	cellNone
)

// cell is one value of a report table.
type cell struct {
	Kind cellKind
	Text string  // cellText
	N    int64   // cellInt
	F    float64 // cellPct
	Href string  // a drill-down link, in HTML only
}

func textCell(s string) cell { return cell{Kind: cellText, Text: s} }
func intCell(n int64) cell   { return cell{Kind: cellInt, N: n} }
func noCell() cell           { return cell{Kind: cellNone} }

// pctCell is part of whole, or an empty cell without a whole.
func pctCell(part int64, whole int64) cell {
	if whole <= 0 {
		return noCell()
	}
	return cell{Kind: cellPct, F: float64(part) / float64(whole)}
}

// optInt is a known count, or an empty cell.
func optInt[T int | int64](p *T) cell {
	if p == nil {
		return noCell()
	}
	return intCell(int64(*p))
}

// Num tells the template to align the cell right.
func (c cell) Num() bool { return c.Kind == cellInt || c.Kind == cellPct }

// String shows the cell the Vietnamese way: 1.234.567 and 12,5%.
func (c cell) String() string {
	switch c.Kind {
	case cellInt:
		return vnInt(c.N)
	case cellPct:
		return vnPct(c.F)
	case cellNone:
		return "—"
	}
	return c.Text
}

// plain is the cell for CSV: digits without separators and a point for
// decimals, so that any program reads it.
func (c cell) plain() string {
	switch c.Kind {
	case cellInt:
		return strconv.FormatInt(c.N, 10)
	case cellPct:
		return strconv.FormatFloat(math.Round(c.F*1000)/10, 'f', 1, 64)
	case cellNone:
		return ""
	}
	return c.Text
}

// vnInt writes n with dots between thousands.
func vnInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// vnPct writes a share as a percentage with one decimal and a comma.
func vnPct(f float64) string {
	return strings.Replace(strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64), ".", ",", 1) + "%"
}

// reportTable is one table of a report.
type reportTable struct {
	ID     string   // stable name, used in export links: "units", "modules", ...
	Title  string   // translated title
	Intro  string   // translated note under the title, "" for none
	Head   []string // translated column headers
	Rows   [][]cell
	Totals [][]cell // rows shown after the others, in bold
	Chart  template.HTML
	Empty  string // translated text shown instead of an empty table
	CSV    string // link to the table as CSV, "" for none
	Label  string // translated text of that link
}

// all is every row, totals last.
func (t *reportTable) all() [][]cell { return append(append([][]cell{}, t.Rows...), t.Totals...) }

// writeCSV writes the table as CSV with a byte-order mark, which Excel
// needs to read UTF-8 (Vietnamese letters) correctly.
func (t *reportTable) writeCSV(buf *bytes.Buffer) error {
	buf.WriteString("\ufeff")
	w := csv.NewWriter(buf)
	if err := w.Write(t.Head); err != nil {
		return err
	}
	for _, r := range t.all() {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c.plain()
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// xlsxSheet adds the table as a sheet of a workbook: a title row, a note
// row (when given), the header and the rows; numbers are numbers and
// percentages carry a percent format.
func xlsxSheet(f *excelize.File, name string, t *reportTable, notes ...string) error {
	name = sheetName(name)
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	pctBold, _ := f.NewStyle(&excelize.Style{NumFmt: 10, Font: &excelize.Font{Bold: true}})
	row := 1
	set := func(col int, v any) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(name, ref, v)
	}
	style := func(col int, id int) {
		ref, _ := excelize.CoordinatesToCellName(col, row)
		_ = f.SetCellStyle(name, ref, ref, id)
	}
	if err := set(1, t.Title); err != nil {
		return err
	}
	style(1, bold)
	row++
	for _, n := range notes {
		if n == "" {
			continue
		}
		if err := set(1, n); err != nil {
			return err
		}
		row++
	}
	row++
	for i, h := range t.Head {
		if err := set(i+1, h); err != nil {
			return err
		}
		style(i+1, bold)
	}
	total := len(t.Rows)
	for ri, r := range t.all() {
		row++
		for i, c := range r {
			var err error
			switch c.Kind {
			case cellInt:
				err = set(i+1, c.N)
			case cellPct:
				err = set(i+1, c.F)
			case cellText:
				err = set(i+1, c.Text)
			}
			if err != nil {
				return err
			}
			switch {
			case c.Kind == cellPct && ri >= total:
				style(i+1, pctBold)
			case c.Kind == cellPct:
				style(i+1, pct)
			case ri >= total:
				style(i+1, bold)
			}
		}
	}
	_ = f.SetColWidth(name, "A", "A", 12)
	_ = f.SetColWidth(name, "B", "B", 32)
	return nil
}

// sheetName keeps a sheet name within Excel's rules: at most 31
// characters, none of : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	return s
}

// workbook writes tables as the sheets of one XLSX file.
func workbook(tables []*reportTable, notes ...string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	used := map[string]bool{}
	for i, t := range tables {
		name := sheetName(t.Title)
		if used[name] {
			name = sheetName(fmt.Sprintf("%d %s", i+1, t.Title))
		}
		used[name] = true
		if err := xlsxSheet(f, name, t, notes...); err != nil {
			return nil, err
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// exportLocalizer is the language of files sent to offices: Vietnamese,
// whatever the page's language.
func (s *Server) exportLocalizer() *i18n.Localizer { return s.i18n.Localizer("vi") }
