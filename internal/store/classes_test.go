package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

func ptr[T any](v T) *T { return &v }

// TestClassesScopeEditArchiveAndCode: a class is found only under its
// commune's path; edits, archiving and a new join code are saved, and the
// old code stops leading to the class.
func TestClassesScopeEditArchiveAndCode(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	c := store.Class{UnitCode: "29623", Name: "Lớp sáng"}
	assert.NoErr(t, st.CreateClass(ctx, &c))
	assert.Equal(t, len(c.JoinCode), store.JoinCodeLength)

	got, err := st.ClassUnder(ctx, c.ID, "/86/858/")
	assert.NoErr(t, err)
	assert.Equal(t, got.Name, "Lớp sáng")
	_, err = st.ClassUnder(ctx, c.ID, "/86/859/")
	assert.ErrIs(t, err, store.ErrNotFound)
	_, err = st.ClassUnder(ctx, c.ID, "/86/85_/") // LIKE's '_' cannot widen a scope
	assert.ErrIs(t, err, store.ErrNotFound)

	assert.NoErr(t, st.UpdateClass(ctx, c.ID, store.ClassPatch{Name: "Lớp tối", Place: ptr("Nhà văn hóa ấp 3"), StartsOn: ptr("2026-03-02"), EndsOn: ptr("2026-04-30"), Schedule: ptr("Thứ 3, 19 giờ")}))
	got, _ = st.ClassByID(ctx, c.ID)
	assert.Equal(t, *got.Place, "Nhà văn hóa ấp 3")
	assert.Equal(t, *got.EndsOn, "2026-04-30")
	assert.NoErr(t, st.UpdateClass(ctx, c.ID, store.ClassPatch{Name: "Lớp tối"}))
	got, _ = st.ClassByID(ctx, c.ID)
	assert.True(t, got.Place == nil && got.StartsOn == nil, "optional fields were not cleared: %+v", got)

	assert.NoErr(t, st.SetClassArchived(ctx, c.ID, true))
	rows, err := st.ClassRowsUnder(ctx, "/86/")
	assert.NoErr(t, err)
	assert.Equal(t, len(rows), 1)
	assert.True(t, rows[0].ArchivedAt != nil && rows[0].UnitName == "Xã Mỹ An", "row: %+v", rows[0])
	assert.NoErr(t, st.SetClassArchived(ctx, c.ID, false))
	got, _ = st.ClassByID(ctx, c.ID)
	assert.True(t, got.ArchivedAt == nil, "still archived")

	old := c.JoinCode
	code, err := st.RotateJoinCode(ctx, c.ID)
	assert.NoErr(t, err)
	assert.True(t, code != old, "same code")
	_, err = st.ClassByJoinCode(ctx, old)
	assert.ErrIs(t, err, store.ErrNotFound)
	_, err = st.RotateJoinCode(ctx, c.ID+100)
	assert.ErrIs(t, err, store.ErrNotFound)
}

// TestCreateLearnersIsAllOrNothing: a list with one bad learner stores none
// and counts none; a good list stores every learner with its own code and
// counts them; the same list saved again stores nothing more.
func TestCreateLearnersIsAllOrNothing(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	list := func(bad bool, batch string) []*store.Learner {
		var out []*store.Learner
		for i := range 5 {
			l := &store.Learner{Name: fmt.Sprint("Người ", i), BirthYear: 1960 + i, UnitCode: "29623", Submission: ptr(fmt.Sprint(batch, "-", i))}
			if bad && i == 3 {
				l.UnitCode = "no-such-commune"
			}
			out = append(out, l)
		}
		return out
	}
	err := st.CreateLearners(ctx, list(true, "a"))
	assert.True(t, err != nil, "a list with a bad learner was stored")
	n, _ := st.CountLearners(ctx)
	assert.Equal(t, n, int64(0))
	counts, _ := st.DailyCounts(ctx, "29623")
	assert.Equal(t, len(counts), 0)

	good := list(false, "b")
	assert.NoErr(t, st.CreateLearners(ctx, good))
	seen := map[string]bool{}
	for _, l := range good {
		assert.True(t, l.ID > 0 && len(l.Code) == store.LearnerCodeLength && !seen[l.Code], "learner %+v", l)
		seen[l.Code] = true
	}
	counts, _ = st.DailyCounts(ctx, "29623")
	assert.Equal(t, len(counts), 1)
	assert.Equal(t, counts[0].Registered, 5)

	again := list(false, "b")
	assert.ErrIs(t, st.CreateLearners(ctx, again), store.ErrDuplicateSubmission)
	assert.Equal(t, again[0].ID, good[0].ID)
	n, _ = st.CountLearners(ctx)
	assert.Equal(t, n, int64(5))
	counts, _ = st.DailyCounts(ctx, "29623")
	assert.Equal(t, counts[0].Registered, 5)

	born, err := st.LearnersBornIn(ctx, "29623", []int{1961, 1963, 1990})
	assert.NoErr(t, err)
	assert.Equal(t, len(born), 2)
	assert.Equal(t, born[0].Name, "Người 1")
}

// TestVillagesAndMatchingFreeText: villages get numbered codes under their
// commune; a village in use cannot be removed; learners' typed village
// names are listed and moved onto a village in one step, never across
// communes.
func TestVillagesAndMatchingFreeText(t *testing.T) {
	st, _ := storeAt(t, time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	commune, err := st.UnitByCode(ctx, "29623")
	assert.NoErr(t, err)
	a, err := st.CreateVillage(ctx, commune, "Ấp Mỹ Hòa")
	assert.NoErr(t, err)
	b, err := st.CreateVillage(ctx, commune, "Ấp An Thạnh")
	assert.NoErr(t, err)
	assert.Equal(t, a.Code, "29623-1")
	assert.Equal(t, b.Code, "29623-2")
	assert.Equal(t, b.Path, "/86/858/29623/29623-2/")
	district, _ := st.UnitByCode(ctx, "858")
	_, err = st.CreateVillage(ctx, district, "Ấp sai chỗ")
	assert.True(t, err != nil, "a village under a district was created")
	under, err := st.UnitsUnder(ctx, "/86/858/29623/", "village")
	assert.NoErr(t, err)
	assert.Equal(t, len(under), 2)

	for i, v := range []string{"ấp mỹ hòa", "ấp mỹ hòa", "Cầu Đôi", ""} {
		l := store.Learner{Name: fmt.Sprint("Người ", i), BirthYear: 1970, UnitCode: "29623"}
		if v != "" {
			l.Village = ptr(v)
		}
		assert.NoErr(t, st.CreateLearner(ctx, &l))
	}
	texts, err := st.VillageTexts(ctx, "29623")
	assert.NoErr(t, err)
	assert.Equal(t, len(texts), 2)
	assert.Equal(t, texts[0], store.VillageText{Text: "ấp mỹ hòa", Learners: 2})

	_, err = st.MatchVillageText(ctx, "29623", "ấp mỹ hòa", "29999-1")
	assert.ErrIs(t, err, store.ErrNotFound)
	moved, err := st.MatchVillageText(ctx, "29623", "ấp mỹ hòa", a.Code)
	assert.NoErr(t, err)
	assert.Equal(t, moved, 2)
	texts, _ = st.VillageTexts(ctx, "29623")
	assert.Equal(t, len(texts), 1)
	rows, err := st.Villages(ctx, "29623")
	assert.NoErr(t, err)
	assert.Equal(t, rows[1].Name, "Ấp Mỹ Hòa")
	assert.Equal(t, rows[1].Learners, 2)

	assert.ErrIs(t, st.DeleteVillage(ctx, "29623", a.Code), store.ErrInUse)
	assert.NoErr(t, st.RenameVillage(ctx, "29623", a.Code, "Ấp Mỹ Hòa A"))
	assert.ErrIs(t, st.RenameVillage(ctx, "858", a.Code, "x"), store.ErrNotFound)
	assert.NoErr(t, st.DeleteVillage(ctx, "29623", b.Code))
	assert.ErrIs(t, st.DeleteVillage(ctx, "29623", b.Code), store.ErrNotFound)
}
