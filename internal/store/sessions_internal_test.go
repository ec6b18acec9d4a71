package store

import (
	"regexp"
	"slices"
	"testing"
)

// TestSessionQueryReadsEveryLearnerColumn: SessionByID lists the learner's
// columns by hand (it runs on every page a learner opens, too often for
// GORM). A column added to learners and not to that list would leave the
// field empty on every signed-in page: this fails instead.
func TestSessionQueryReadsEveryLearnerColumn(t *testing.T) {
	st := migratedSQLite(t)
	types, err := st.w.Migrator().ColumnTypes(&Learner{})
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	for _, c := range types {
		table = append(table, c.Name())
	}
	var read []string
	for _, m := range regexp.MustCompile(`\bl\.(\w+)`).FindAllStringSubmatch(sessionQuery, -1) {
		if !slices.Contains(read, m[1]) {
			read = append(read, m[1])
		}
	}
	slices.Sort(table)
	slices.Sort(read)
	if !slices.Equal(table, read) {
		t.Errorf("learners has columns %v; the session query reads %v", table, read)
	}
}
