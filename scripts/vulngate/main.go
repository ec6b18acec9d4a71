// Command vulngate is the pass/fail step of `make vulncheck`: it reads
// govulncheck's -json output on standard input and fails when the code
// reaches (calls) a vulnerable symbol, unless that advisory and module are
// set aside, with a reason, in the reviewed exclusion file. Any advisory not
// listed fails, and so does a listed one once the database names a fixed
// version: the fix is then to upgrade, not to keep the exclusion.
//
// Usage: govulncheck -json ./... | go run ./scripts/vulngate -exclusions FILE
//
// Exit status: 0 pass, 1 a reached vulnerability is not excluded, 2 the
// input or the exclusion file is wrong.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

func main() {
	exclusions := flag.String("exclusions", "docs/vulncheck-exclusions.toml", "reviewed exclusion file")
	flag.Parse()
	os.Exit(run(os.Stdin, os.Stdout, *exclusions, time.Now()))
}

// run does the work of main and returns the exit status.
func run(in io.Reader, out io.Writer, exclusionsPath string, now time.Time) int {
	ex, err := loadExclusions(exclusionsPath, now)
	if err != nil {
		fmt.Fprintln(out, "vulngate:", err)
		return 2
	}
	rep, err := readReport(in)
	if err != nil {
		fmt.Fprintln(out, "vulngate: govulncheck output:", err)
		return 2
	}
	return judge(rep, ex, exclusionsPath, out)
}

// exclusion is one reviewed entry of the exclusion file.
type exclusion struct {
	ID     string    `toml:"id"`
	Module string    `toml:"module"`
	Date   time.Time `toml:"date"` // when it was last reviewed
	Reason string    `toml:"reason"`
}

var osvID = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)

// loadExclusions reads and checks the exclusion file: every entry names
// an advisory, its module, a review date (not in the future) and a reason,
// and no entry is listed twice. Unknown keys are errors, so that a typo
// cannot silently drop a field.
func loadExclusions(path string, now time.Time) ([]exclusion, error) {
	var doc struct {
		Exclude []exclusion `toml:"exclude"`
	}
	md, err := toml.DecodeFile(path, &doc)
	if err != nil {
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, und[0])
	}
	seen := map[string]bool{}
	for i, e := range doc.Exclude {
		where := fmt.Sprintf("%s: exclusion %d (%s)", path, i+1, e.ID)
		switch {
		case !osvID.MatchString(e.ID):
			return nil, fmt.Errorf("%s: id must look like GO-2026-1234", where)
		case e.Module == "":
			return nil, fmt.Errorf("%s: module is missing", where)
		case e.Date.IsZero():
			return nil, fmt.Errorf("%s: date (of the review, e.g. 2026-12-01) is missing", where)
		case e.Date.After(now):
			return nil, fmt.Errorf("%s: date %s is in the future", where, e.Date.Format(time.DateOnly))
		case len(strings.Fields(e.Reason)) < 5:
			return nil, fmt.Errorf("%s: reason must say why the app is not affected", where)
		case seen[e.ID+" "+e.Module]:
			return nil, fmt.Errorf("%s: listed twice", where)
		}
		seen[e.ID+" "+e.Module] = true
	}
	return doc.Exclude, nil
}

// The parts of govulncheck's JSON protocol (v1) that the gate reads.
type message struct {
	Config  *scanConfig `json:"config"`
	OSV     *osvEntry   `json:"osv"`
	Finding *finding    `json:"finding"`
}

type scanConfig struct {
	ScannerName    string `json:"scanner_name"`
	ScannerVersion string `json:"scanner_version"`
	DB             string `json:"db"`
	GoVersion      string `json:"go_version"`
	ScanLevel      string `json:"scan_level"`
	ScanMode       string `json:"scan_mode"`
}

type osvEntry struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

// frame is one step of a finding's trace: the first is the vulnerable
// symbol (or only its package or module, for findings below symbol level),
// the last the entry point in our code.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
	} `json:"position"`
}

// symbol is the frame's function as Go code names it: echo.Echo.ServeHTTP.
func (f *frame) symbol() string {
	name := f.Function
	if f.Receiver != "" {
		name = strings.TrimPrefix(f.Receiver, "*") + "." + name
	}
	parts := strings.Split(f.Package, "/")
	pkg := parts[len(parts)-1]
	if len(parts) > 1 && majorVersion.MatchString(pkg) {
		pkg = parts[len(parts)-2] // github.com/labstack/echo/v4 is package echo
	}
	return pkg + "." + name
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// vuln is what the scan found for one advisory in one module.
type vuln struct {
	ID, Module, Version, Fixed string
	Reached                    bool   // a vulnerable symbol is called
	Level                      string // "symbol", "package" or "module": the deepest finding
	Example                    string // one call path, when reached
}

type report struct {
	config  scanConfig
	summary map[string]string // OSV id → summary
	vulns   []*vuln           // in order of first finding
}

// readReport decodes the stream of JSON messages govulncheck writes. It
// refuses output that is not a source scan at symbol level: at a coarser
// level nothing is ever "reached", and the gate would pass by seeing less.
func readReport(in io.Reader) (*report, error) {
	rep := &report{summary: map[string]string{}}
	byKey := map[string]*vuln{}
	dec := json.NewDecoder(in)
	sawConfig := false
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		switch {
		case m.Config != nil:
			rep.config, sawConfig = *m.Config, true
		case m.OSV != nil:
			rep.summary[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil:
			f := m.Finding
			if len(f.Trace) == 0 || f.OSV == "" {
				return nil, fmt.Errorf("finding without advisory or trace: %+v", f)
			}
			top := f.Trace[0]
			key := f.OSV + " " + top.Module
			v := byKey[key]
			if v == nil {
				v = &vuln{ID: f.OSV, Module: top.Module, Version: top.Version, Level: "module"}
				byKey[key] = v
				rep.vulns = append(rep.vulns, v)
			}
			v.Fixed = f.FixedVersion
			switch {
			case top.Function != "":
				if !v.Reached {
					v.Reached, v.Level, v.Example = true, "symbol", example(f.Trace)
				}
			case top.Package != "" && v.Level == "module":
				v.Level = "package"
			}
		}
	}
	switch {
	case !sawConfig:
		return nil, errors.New("no config message: is this `govulncheck -json` output?")
	case rep.config.ScanMode != "source" || rep.config.ScanLevel != "symbol":
		return nil, fmt.Errorf("scan mode %q at level %q: the gate needs a source scan at symbol level (the default)",
			rep.config.ScanMode, rep.config.ScanLevel)
	}
	return rep, nil
}

// example renders a trace as "file:line: entry → … → vulnerable symbol".
func example(trace []*frame) string {
	var steps []string
	where := ""
	for i := len(trace) - 1; i >= 0; i-- {
		fr := trace[i]
		if fr.Function == "" {
			continue
		}
		steps = append(steps, fr.symbol())
		if where == "" && fr.Position != nil && fr.Position.Line > 0 {
			where = fmt.Sprintf("%s:%d: ", fr.Position.Filename, fr.Position.Line)
		}
	}
	if len(steps) > 3 {
		steps = []string{steps[0], "…", steps[len(steps)-1]}
	}
	return where + strings.Join(steps, " → ")
}

// judge prints what the scan found and returns the exit status.
func judge(rep *report, ex []exclusion, exclusionsPath string, out io.Writer) int {
	c := rep.config
	fmt.Fprintf(out, "vulncheck: %s %s, %s, database %s\n", c.ScannerName, c.ScannerVersion, c.GoVersion, c.DB)
	excluded := func(v *vuln) *exclusion {
		for i := range ex {
			if ex[i].ID == v.ID && ex[i].Module == v.Module {
				return &ex[i]
			}
		}
		return nil
	}
	vulns := slices.Clone(rep.vulns)
	slices.SortStableFunc(vulns, func(a, b *vuln) int { return strings.Compare(a.ID, b.ID) })
	failed, used := 0, map[*exclusion]bool{}
	for _, v := range vulns {
		at := v.Module + "@" + v.Version
		fix := "no fixed version"
		if v.Fixed != "" {
			fix = "fixed in " + v.Fixed
		}
		e := excluded(v)
		switch {
		case !v.Reached:
			fmt.Fprintf(out, "  not reached  %s  %s (%s-level: imported or required, not called)\n", v.ID, at, v.Level)
			continue
		case e != nil && v.Fixed == "":
			used[e] = true
			fmt.Fprintf(out, "  EXCLUDED     %s  %s, %s: %s\n", v.ID, at, fix, rep.summary[v.ID])
			fmt.Fprintf(out, "               reviewed %s in %s\n", e.Date.Format(time.DateOnly), exclusionsPath)
			continue
		case e != nil:
			used[e] = true
			fmt.Fprintf(out, "  REACHED      %s  %s, %s: %s\n", v.ID, at, fix, rep.summary[v.ID])
			fmt.Fprintf(out, "               excluded in %s, but a fix exists now: upgrade to %s and drop the exclusion\n", exclusionsPath, v.Fixed)
		default:
			fmt.Fprintf(out, "  REACHED      %s  %s, %s: %s\n", v.ID, at, fix, rep.summary[v.ID])
		}
		fmt.Fprintf(out, "               e.g. %s\n", v.Example)
		failed++
	}
	for i := range ex {
		if !used[&ex[i]] {
			fmt.Fprintf(out, "  warning: %s (%s) in %s is no longer reached: remove the exclusion\n", ex[i].ID, ex[i].Module, exclusionsPath)
		}
	}
	if failed > 0 {
		fmt.Fprintf(out, "vulncheck: FAIL: the code reaches %d vulnerabilit%s that %s does not exclude\n", failed, plural(failed, "y", "ies"), exclusionsPath)
		return 1
	}
	fmt.Fprintln(out, "vulncheck: ok: no reached vulnerability outside the reviewed exclusions")
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
