package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
	"github.com/kynangso/kynangso/internal/units"
)

func TestDemoBuildsOnePilotPerDistrict(t *testing.T) {
	t.Parallel()
	st := testutil.NewDemoStore(t)
	ctx := context.Background()
	sum, err := demo.Describe(ctx, st)
	assert.NoErr(t, err)

	districts, err := st.UnitsByLevel(ctx, units.District)
	assert.NoErr(t, err)
	assert.Equal(t, len(districts), 8)
	communes, err := st.UnitsByLevel(ctx, units.Commune)
	assert.NoErr(t, err)
	pilots := map[string]int{}
	for _, c := range communes {
		if c.Pilot {
			pilots[*c.ParentCode]++
		}
	}
	assert.Equal(t, len(pilots), len(districts))
	for d, n := range pilots {
		assert.True(t, n == 1, "district %s has %d pilots", d, n)
	}
	assert.Equal(t, len(sum.Logins), 3+len(districts)) // admin, province and district supervisors, one trainer per pilot
	assert.Equal(t, len(sum.Classes), 2*len(districts))

	// Published figures only: the old province's 2019 census, not the merged 2025 one.
	p, err := st.UnitByCode(ctx, "86")
	assert.NoErr(t, err)
	assert.Equal(t, *p.Population, int64(1022791))
	assert.Equal(t, *p.PopulationYear, 2019)
	c, err := st.UnitByCode(ctx, communes[0].Code)
	assert.NoErr(t, err)
	assert.True(t, c.Population == nil, "a commune got an invented population")

	_, err = demo.Load(ctx, st, demo.Options{})
	assert.ErrIs(t, err, demo.ErrNotEmpty)
}

func TestOfficialListsParse(t *testing.T) {
	t.Parallel()
	for _, year := range []int{2022, 2025} {
		list, _, err := demo.OfficialUnits(year)
		assert.NoErr(t, err)
		assert.True(t, len(list) > 100, "%d: only %d units", year, len(list))
		_, err = units.Paths(list, nil, "list")
		assert.NoErr(t, err)
	}
}

// TestDemoLearnersHaveConsistentProgress: every certificate a demo learner
// holds is earned by their records, and every earned one is held.
func TestDemoLearnersHaveConsistentProgress(t *testing.T) {
	t.Parallel()
	st := testutil.NewDemoStore(t)
	ctx := context.Background()
	cat := testutil.Catalog(t)
	n, err := st.CountLearners(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, n, int64(20))
	withProgress := 0
	for id := int64(1); id <= n; id++ {
		pm, err := st.ProgressMap(ctx, id)
		assert.NoErr(t, err)
		if len(pm) > 0 {
			withProgress++
		}
		modules, programme := pm.Earned(cat.LessonsByModule())
		certs, err := st.CertificatesOf(ctx, id)
		assert.NoErr(t, err)
		want := len(modules)
		if programme {
			want++
		}
		assert.True(t, len(certs) == want, "learner %d holds %d certificates, earned %d", id, len(certs), want)
	}
	assert.True(t, withProgress > 5, "only %d of 20 demo learners have any progress", withProgress)
	sum, err := demo.Describe(ctx, st)
	assert.NoErr(t, err)
	assert.Equal(t, len(sum.Sample), 3)
	for i, l := range sum.Sample {
		got, err := st.LearnerByCode(ctx, l.Code)
		assert.NoErr(t, err)
		pm, _ := st.ProgressMap(ctx, got.ID)
		done := 0
		for _, r := range pm {
			if r.Status == "completed" {
				done++
			}
		}
		assert.Equal(t, done, l.Done)
		assert.True(t, i == 0 || sum.Sample[i-1].Done >= l.Done, "sample not in order of progress")
	}
}

// TestBulkDemoIsConsistent: the fast path writes what the one entry point
// would: every certificate earned by the learner's lessons and every
// earned one held, daily counts that add up to the records, and report
// counters equal to a recount.
func TestBulkDemoIsConsistent(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	cat := testutil.Catalog(t)
	n := 3000
	if testing.Short() {
		n = 800
	}
	var bar strings.Builder
	_, err := demo.Load(ctx, st, demo.Options{Learners: n, Catalog: cat, PasswordCost: bcrypt.MinCost, Bulk: true, Progress: &bar})
	assert.NoErr(t, err)
	assert.Contains(t, bar.String(), fmt.Sprint(n))
	count, err := st.CountLearners(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, count, int64(n))
	drift, err := st.CounterDrift(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(drift), 0)

	p, err := st.UnitCountsOf(ctx, []string{"86"})
	assert.NoErr(t, err)
	province := p["86"]
	assert.Equal(t, province.Registered, int64(n))
	assert.True(t, province.Reached > int64(n)/2 && province.Graduates > 0 && province.Active30d > 0, "an unlikely spread: %+v", province)
	days, err := st.DailyTotals(ctx, "/86/", "2000-01-01")
	assert.NoErr(t, err)
	var registered, lessons int64
	for _, d := range days {
		registered += int64(d.Registered)
		lessons += int64(d.LessonsCompleted)
	}
	assert.Equal(t, registered, int64(n))
	assert.Equal(t, lessons, province.LessonsCompleted)
	assert.True(t, len(days) > 60, "registrations fall on only %d days", len(days))

	modules := cat.LessonsByModule()
	for id := int64(1); id <= int64(n); id += 7 {
		pm, err := st.ProgressMap(ctx, id)
		assert.NoErr(t, err)
		earned, programme := pm.Earned(modules)
		certs, err := st.CertificatesOf(ctx, id)
		assert.NoErr(t, err)
		want := len(earned)
		if programme {
			want++
		}
		assert.True(t, len(certs) == want, "learner %d holds %d certificates, earned %d", id, len(certs), want)
	}
	missing, err := st.MissingCertificates(ctx, modules)
	assert.NoErr(t, err)
	assert.Equal(t, len(missing), 0)
	sum, err := demo.Describe(ctx, st)
	assert.NoErr(t, err)
	assert.Equal(t, len(sum.Sample), 3)
}
