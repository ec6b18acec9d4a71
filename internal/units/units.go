// Package units holds administrative units (province, district, commune,
// village) as plain values and reads them from the official CSV lists. It
// knows nothing of HTTP or the database.
package units

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Levels from the top of the tree down.
const (
	Province = "province"
	District = "district"
	Commune  = "commune"
	Village  = "village"
)

// Levels returns the unit levels from the top of the tree down.
func Levels() []string { return []string{Province, District, Commune, Village} }

// Unit is one administrative unit.
type Unit struct {
	Code       string
	Name       string
	Level      string
	ParentCode string // empty for the root
	Population int64  // 0 when unknown
	Line       int    // line in the file it was read from, for messages
}

// RowError is a problem with one row of a units file. Msg is the English
// text the command line prints; ID and Args name the same message in the
// translations (units.row_*), for the admin page.
type RowError struct {
	File string
	Line int
	Msg  string
	ID   string
	Args []any // name and value pairs, as the translations take them
}

func (e RowError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// NewRowError makes a RowError whose English text is format filled with
// the values of args (name, value pairs), in order.
func NewRowError(file string, line int, id, format string, args ...any) RowError {
	var values []any
	for i := 1; i < len(args); i += 2 {
		values = append(values, args[i])
	}
	return RowError{File: file, Line: line, Msg: fmt.Sprintf(format, values...), ID: id, Args: args}
}

// RowErrors lists the row errors inside err (errors.Join nests them), and
// tells whether err holds anything else.
func RowErrors(err error) (rows []RowError, other bool) {
	var walk func(error)
	walk = func(e error) {
		switch e := e.(type) {
		case nil:
		case RowError:
			rows = append(rows, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		default:
			other = true
		}
	}
	walk(err)
	return rows, other
}

var codePattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,20}$`)

// ParseCSV reads "code,name,level,parent_code[,population]" rows (a header
// row starting with "code" is skipped). Every bad row is reported as
// file:line: reason. Parents are checked later, by Paths, because they may
// already be in the database.
func ParseCSV(r io.Reader, file string) ([]Unit, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var (
		out  []Unit
		errs []error
		seen = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, NewRowError(file, pe.Line, "units.row_csv", "%s", "Reason", pe.Err.Error()))
				continue
			}
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(out) == 0 && len(errs) == 0 && strings.EqualFold(strings.TrimPrefix(rec[0], "\ufeff"), "code") {
			continue
		}
		bad := func(id, format string, args ...any) {
			errs = append(errs, NewRowError(file, line, id, format, args...))
		}
		if len(rec) < 4 || len(rec) > 5 {
			bad("units.row_columns", "expected 4 or 5 columns (code,name,level,parent_code[,population]), found %d", "Count", len(rec))
			continue
		}
		u := Unit{Code: strings.TrimSpace(rec[0]), Name: norm.NFC.String(strings.TrimSpace(rec[1])), Level: strings.TrimSpace(rec[2]), ParentCode: strings.TrimSpace(rec[3])}
		switch {
		case !codePattern.MatchString(u.Code):
			bad("units.row_code", "code %q must be 1-20 letters or digits", "Code", u.Code)
			continue
		case u.Name == "" || utf8.RuneCountInString(u.Name) > 120:
			bad("units.row_name", "name must be 1-120 characters")
			continue
		case !slices.Contains(Levels(), u.Level):
			bad("units.row_level", "level %q must be one of %s", "Level", u.Level, "Levels", strings.Join(Levels(), ", "))
			continue
		case u.ParentCode == u.Code:
			bad("units.row_own_parent", "unit %s cannot be its own parent", "Code", u.Code)
			continue
		}
		if first, dup := seen[u.Code]; dup {
			bad("units.row_duplicate", "code %s already appears on line %d", "Code", u.Code, "Line", first)
			continue
		}
		if len(rec) == 5 && strings.TrimSpace(rec[4]) != "" {
			p, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(rec[4]), ".", ""), 10, 64)
			if err != nil || p < 0 {
				bad("units.row_population", "population %q must be a whole number", "Value", rec[4])
				continue
			}
			u.Population = p
		}
		seen[u.Code] = line
		u.Line = line
		out = append(out, u)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Existing is what the database already knows of a unit, so that a file can
// add units under it.
type Existing struct {
	Level string
	Path  string
}

// Paths checks the tree formed by list on top of the units already known and
// returns each new unit's materialised path "/root/…/code/", the key that
// lets the store select a whole subtree with one prefix match. Every parent
// must exist and sit higher in the tree than its child.
func Paths(list []Unit, known map[string]Existing, file string) (map[string]string, error) {
	byCode := make(map[string]Unit, len(list))
	for _, u := range list {
		byCode[u.Code] = u
	}
	rank := func(level string) int { return slices.Index(Levels(), level) }
	out := make(map[string]string, len(list))
	var errs []error
	var walk func(u Unit, depth int) (string, bool)
	walk = func(u Unit, depth int) (string, bool) {
		if p, ok := out[u.Code]; ok {
			return p, true
		}
		if u.ParentCode == "" {
			out[u.Code] = "/" + u.Code + "/"
			return out[u.Code], true
		}
		if depth > 16 {
			errs = append(errs, NewRowError(file, u.Line, "units.row_loop", "the parents of %s form a loop", "Code", u.Code))
			return "", false
		}
		var parentPath, parentLevel string
		if p, ok := byCode[u.ParentCode]; ok {
			pp, ok := walk(p, depth+1)
			if !ok {
				return "", false
			}
			parentPath, parentLevel = pp, p.Level
		} else if e, ok := known[u.ParentCode]; ok {
			parentPath, parentLevel = e.Path, e.Level
		} else {
			errs = append(errs, NewRowError(file, u.Line, "units.row_parent_missing", "parent %s of %s is neither in the file nor in the database", "Parent", u.ParentCode, "Code", u.Code))
			return "", false
		}
		if rank(parentLevel) >= rank(u.Level) {
			errs = append(errs, NewRowError(file, u.Line, "units.row_parent_level", "a %s cannot sit under a %s (%s)", "Level", u.Level, "ParentLevel", parentLevel, "Parent", u.ParentCode))
			return "", false
		}
		out[u.Code] = parentPath + u.Code + "/"
		return out[u.Code], true
	}
	for _, u := range list {
		walk(u, 0)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
