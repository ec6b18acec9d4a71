// Package demo fills an empty database with a believable pilot: Vĩnh Long's
// official 2022 unit list with its published population figures, one pilot
// commune per district, staff accounts, classes with join codes, and (with
// the learner features) learners with progress. Everything it invents is
// programme data (accounts, classes, targets), never a public fact.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kynangso/kynangso/internal/auth"
	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/curriculum"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/units"
)

//go:embed data/*.csv
var dataFS embed.FS

// Password is the password of every demo staff account. Demo databases are
// for trying the app on one's own machine; the README says so.
const Password = "kynangso-demo"

// settingLoaded marks a database that holds demo data.
const settingLoaded = "demo_loaded"

// unitsFile is the official list the demo uses: the 2022 list, whose
// districts match the pilot plan (one pilot commune per district).
const unitsFile = "data/vinh-long-units-2022.csv"

// Options tune the demo.
type Options struct {
	Learners     int                 // number of demo learners
	Catalog      *curriculum.Catalog // lessons the demo learners take; nil: learners without progress
	PasswordCost int                 // bcrypt cost; 0 means auth.DefaultCost (tests pass bcrypt.MinCost)
	Seed         uint64              // makes the learners and their progress repeatable
	// Bulk writes the learners straight into the tables in large
	// transactions (see bulk.go); it is taken anyway from bulkFrom learners.
	Bulk bool
	// Progress, when set, receives a progress bar of the bulk load.
	Progress io.Writer
}

// Login is one demo staff account.
type Login struct {
	Username, Role, Unit, UnitName string
}

// ClassCode is one demo class and its join code.
type ClassCode struct {
	Name, Commune, Code string
}

// Summary is what the demo created, for printing.
type Summary struct {
	Password string
	Logins   []Login
	Classes  []ClassCode
	Learners int64
	Sample   []store.LearnerDone // learners one can resume as
}

// ErrNotEmpty is returned when the database already holds units.
var ErrNotEmpty = errors.New("demo: the database is not empty; demo data goes into a new database")

// OfficialUnits returns the embedded official unit list for year 2022 or 2025.
func OfficialUnits(year int) ([]units.Unit, string, error) {
	name := fmt.Sprintf("data/vinh-long-units-%d.csv", year)
	data, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("demo: no official list for %d", year)
	}
	list, err := units.ParseCSV(bytes.NewReader(data), name)
	return list, name, err
}

// Load fills an empty database. It refuses a database that has units.
func Load(ctx context.Context, st *store.Store, opts Options) (Summary, error) {
	n, err := st.CountUnits(ctx)
	if err != nil {
		return Summary{}, err
	}
	if n > 0 {
		return Summary{}, ErrNotEmpty
	}
	list, _, err := OfficialUnits(2022)
	if err != nil {
		return Summary{}, err
	}
	if _, _, err := st.ImportUnits(ctx, list, unitsFile); err != nil {
		return Summary{}, fmt.Errorf("demo: import units: %w", err)
	}
	if err := applyPopulation(ctx, st); err != nil {
		return Summary{}, err
	}
	pilots := pilotCommunes(list)
	for _, code := range pilots {
		pilot, target := true, 200
		if err := st.UpdateUnit(ctx, code, store.UnitPatch{Pilot: &pilot, Target: &target}); err != nil {
			return Summary{}, fmt.Errorf("demo: mark pilot %s: %w", code, err)
		}
	}
	if err := createStaff(ctx, st, list, pilots, opts.PasswordCost); err != nil {
		return Summary{}, err
	}
	if err := createClasses(ctx, st, pilots); err != nil {
		return Summary{}, err
	}
	if opts.Bulk || opts.Learners >= bulkFrom {
		if err := bulkLearners(ctx, st, opts, list, pilots); err != nil {
			return Summary{}, fmt.Errorf("demo: learners: %w", err)
		}
	} else if err := createLearners(ctx, st, opts, list, pilots); err != nil {
		return Summary{}, err
	}
	if err := createClassWork(ctx, st, opts, pilots); err != nil {
		return Summary{}, err
	}
	if err := st.SetSetting(ctx, settingLoaded, "2022"); err != nil {
		return Summary{}, err
	}
	return Describe(ctx, st)
}

// Loaded tells whether the database holds demo data.
func Loaded(ctx context.Context, st *store.Store) (bool, error) {
	_, err := st.GetSetting(ctx, settingLoaded)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Describe lists the demo logins and class codes found in the database.
func Describe(ctx context.Context, st *store.Store) (Summary, error) {
	s := Summary{Password: Password}
	for _, name := range demoUsernames(ctx, st) {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			continue // removed by an admin since
		}
		unit, _ := st.UnitByCode(ctx, u.UnitCode)
		s.Logins = append(s.Logins, Login{Username: u.Username, Role: u.Role, Unit: u.UnitCode, UnitName: unit.Name})
	}
	var err error
	if s.Learners, err = st.CountLearners(ctx); err != nil {
		return s, err
	}
	if s.Sample, err = sample(ctx, st); err != nil {
		return s, err
	}
	communes, err := st.UnitsByLevel(ctx, units.Commune)
	if err != nil {
		return s, err
	}
	for _, c := range communes {
		if !c.Pilot {
			continue
		}
		classes, err := st.ClassesByUnit(ctx, c.Code)
		if err != nil {
			return s, err
		}
		for _, cl := range classes {
			s.Classes = append(s.Classes, ClassCode{Name: cl.Name, Commune: c.Name, Code: cl.JoinCode})
		}
	}
	return s, nil
}

// settingSample holds the learners a bulk load found most advanced: on a
// full-size province, finding them again would read every progress row at
// each start of the server.
const settingSample = "demo_sample"

// sample returns up to three learners with the most lessons done, from the
// bulk load's note when there is one.
func sample(ctx context.Context, st *store.Store) ([]store.LearnerDone, error) {
	raw, err := st.GetSetting(ctx, settingSample)
	if errors.Is(err, store.ErrNotFound) {
		return st.MostProgressed(ctx, 3)
	}
	if err != nil {
		return nil, err
	}
	var noted, out []store.LearnerDone
	if err := json.Unmarshal([]byte(raw), &noted); err != nil {
		return nil, fmt.Errorf("demo: sample: %w", err)
	}
	for _, l := range noted {
		if _, err := st.LearnerByCode(ctx, l.Code); err == nil { // not deleted since
			out = append(out, l)
		}
	}
	return out, nil
}

// Print writes the summary for the operator.
func (s Summary) Print(w io.Writer, baseURL string) {
	fmt.Fprintf(w, "Demo staff logins (password for all: %s):\n", s.Password)
	for _, l := range s.Logins {
		fmt.Fprintf(w, "  %-16s %-10s %s\n", l.Username, l.Role, l.UnitName)
	}
	fmt.Fprintf(w, "Demo learners: %d. To see one's progress, enter a personal code at %s/resume:\n", s.Learners, baseURL)
	for _, l := range s.Sample {
		fmt.Fprintf(w, "  %s  %s, %d lessons done\n", l.Code, l.Name, l.Done)
	}
	if len(s.Classes) > 0 {
		fmt.Fprintln(w, "Demo classes (residents join at "+baseURL+"/join/CODE):")
		for _, c := range s.Classes {
			fmt.Fprintf(w, "  %s  %s, %s\n", c.Code, c.Name, c.Commune)
		}
	}
}

// applyPopulation copies the published population figures that belong to
// the 2022 list (the 2025 row describes the merged province).
func applyPopulation(ctx context.Context, st *store.Store) error {
	data, err := dataFS.ReadFile("data/vinh-long-population.csv")
	if err != nil {
		return err
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return fmt.Errorf("demo: population file: %w", err)
	}
	for i, r := range rows {
		if i == 0 || len(r) < 5 {
			continue
		}
		pop, err1 := strconv.ParseInt(r[2], 10, 64)
		year, err2 := strconv.Atoi(r[3])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("demo: population file line %d: bad number", i+1)
		}
		if year >= 2025 {
			continue
		}
		source := r[4]
		if err := st.UpdateUnit(ctx, r[0], store.UnitPatch{Population: &pop, PopulationYear: &year, PopulationSource: &source}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// pilotCommunes picks, as the plan asks, one commune per district: the first
// rural commune ("Xã ...") in the official order, or the first ward where a
// district has no rural commune (a city).
func pilotCommunes(list []units.Unit) []string {
	first := map[string]string{}
	var districts []string
	for _, u := range list {
		if u.Level != units.Commune {
			continue
		}
		cur, seen := first[u.ParentCode]
		if !seen {
			districts = append(districts, u.ParentCode)
		}
		_, curName, _ := strings.Cut(cur, " ")
		if !seen || (!strings.HasPrefix(curName, "Xã ") && strings.HasPrefix(u.Name, "Xã ")) {
			first[u.ParentCode] = u.Code + " " + u.Name
		}
	}
	out := make([]string, 0, len(districts))
	for _, d := range districts {
		code, _, _ := strings.Cut(first[d], " ")
		out = append(out, code)
	}
	return out
}

func demoUsernames(ctx context.Context, st *store.Store) []string {
	names := []string{"admin", "tinh", "huyen"}
	communes, _ := st.UnitsByLevel(ctx, units.Commune)
	for _, c := range communes {
		if c.Pilot {
			names = append(names, "gv"+c.Code)
		}
	}
	return names
}

func createStaff(ctx context.Context, st *store.Store, list []units.Unit, pilots []string, cost int) error {
	hash, err := auth.HashPassword(Password, cost)
	if err != nil {
		return err
	}
	province := list[0].Code
	// The district supervisor sits in Vũng Liêm, one of the districts with a
	// published population, so its report has a denominator.
	district := "859"
	accounts := []store.User{
		{Username: "admin", Role: "admin", UnitCode: province},
		{Username: "tinh", Role: "supervisor", UnitCode: province},
		{Username: "huyen", Role: "supervisor", UnitCode: district},
	}
	for _, c := range pilots {
		accounts = append(accounts, store.User{Username: "gv" + c, Role: "trainer", UnitCode: c})
	}
	for i := range accounts {
		accounts[i].PasswordHash = hash
		if err := st.CreateUser(ctx, &accounts[i]); err != nil {
			return err
		}
	}
	return nil
}

func createClasses(ctx context.Context, st *store.Store, pilots []string) error {
	for _, c := range pilots {
		trainer, err := st.UserByUsername(ctx, "gv"+c)
		if err != nil {
			return err
		}
		for _, name := range []string{"Lớp buổi sáng", "Lớp buổi tối"} {
			cl := store.Class{UnitCode: c, Name: name, JoinCode: codes.New(6), TrainerID: &trainer.ID}
			if err := st.CreateClass(ctx, &cl); err != nil {
				return err
			}
		}
	}
	return nil
}
