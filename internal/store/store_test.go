package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
	"github.com/kynangso/kynangso/internal/units"
)

// TestPragmasOnEveryConnection reads the pragmas back from both pools, from
// several connections each: pragmas set once with Exec would only reach the
// first connection, which is why they live in the DSN.
func TestPragmasOnEveryConnection(t *testing.T) {
	st := testutil.NewStore(t)
	if st.Dialect() != store.SQLite {
		t.Skip("SQLite only")
	}
	ctx := context.Background()
	for _, pool := range []struct {
		name     string
		reader   bool
		conns    int
		readOnly string
	}{{"writer", false, 1, "0"}, {"reader", true, 4, "1"}} {
		conns, err := st.Pragmas(ctx, pool.reader, pool.conns)
		assert.NoErr(t, err)
		assert.Equal(t, len(conns), pool.conns)
		for i, p := range conns {
			assert.Equal(t, p["journal_mode"], "wal")
			assert.Equal(t, p["foreign_keys"], "1")
			assert.Equal(t, p["busy_timeout"], "5000")
			assert.Equal(t, p["synchronous"], "1") // NORMAL
			assert.True(t, p["query_only"] == pool.readOnly, "%s connection %d: query_only = %s", pool.name, i, p["query_only"])
		}
	}
}

// TestReaderPoolRefusesWrites: a write sent to the reader pool by mistake
// fails instead of racing the single writer.
func TestReaderPoolRefusesWrites(t *testing.T) {
	st := testutil.NewStore(t)
	if st.Dialect() != store.SQLite {
		t.Skip("PostgreSQL serves reads and writes from one pool")
	}
	err := st.WriteThroughReader(context.Background())
	assert.True(t, err != nil && strings.Contains(err.Error(), "readonly"), "write through the reader pool: %v", err)
}

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	all, err := store.Migrations()
	assert.NoErr(t, err)
	done, err := st.AppliedMigrations(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(done), len(all))
	again, err := st.Migrate(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(again), 0)
	pending, err := st.PendingMigrations(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, len(pending), 0)
}

func TestForeignKeysAreEnforced(t *testing.T) {
	st := testutil.NewStore(t)
	err := st.CreateClass(context.Background(), &store.Class{UnitCode: "no-such-unit", Name: "x", JoinCode: "ABC234"})
	assert.True(t, err != nil && strings.Contains(strings.ToLower(err.Error()), "foreign key"), "class in a missing unit was stored: %v", err)
}

const list2022 = `code,name,level,parent_code
86,Tỉnh Vĩnh Long,province,
858,Huyện Mang Thít,district,86
29623,Xã Mỹ An,commune,858
`

func parse(t *testing.T, csv string) []units.Unit {
	t.Helper()
	list, err := units.ParseCSV(strings.NewReader(csv), "units.csv")
	assert.NoErr(t, err)
	return list
}

func TestImportUnitsBuildsPathsAndSubtrees(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	added, updated, err := st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)
	assert.Equal(t, added, 3)
	assert.Equal(t, updated, 0)
	u, err := st.UnitByCode(ctx, "29623")
	assert.NoErr(t, err)
	assert.Equal(t, u.Path, "/86/858/29623/")

	// A village file extends the tree under a commune already stored.
	added, _, err = st.ImportUnits(ctx, parse(t, "29623-1,Ấp Mỹ Hòa,village,29623\n"), "villages.csv")
	assert.NoErr(t, err)
	assert.Equal(t, added, 1)
	v, err := st.UnitByCode(ctx, "29623-1")
	assert.NoErr(t, err)
	assert.Equal(t, v.Path, "/86/858/29623/29623-1/")

	// Re-importing updates names in place.
	_, updated, err = st.ImportUnits(ctx, parse(t, strings.Replace(list2022, "Xã Mỹ An", "Xã Mỹ An (mới)", 1)), "units.csv")
	assert.NoErr(t, err)
	assert.Equal(t, updated, 3)
	u, _ = st.UnitByCode(ctx, "29623")
	assert.Equal(t, u.Name, "Xã Mỹ An (mới)")
}

// TestImportRefusesMixingLists: the 2025 list reuses codes of the 2022 one
// with other parents; importing it over a 2022 database must fail whole.
func TestImportRefusesMixingLists(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	_, _, err := st.ImportUnits(ctx, parse(t, list2022), "2022.csv")
	assert.NoErr(t, err)
	_, _, err = st.ImportUnits(ctx, parse(t, "code,name,level,parent_code\n86,Tỉnh Vĩnh Long,province,\n29623,Xã Nhơn Phú,commune,86\n"), "2025.csv")
	assert.True(t, err != nil, "mixed import accepted")
	assert.Contains(t, err.Error(), "2025.csv:3: unit 29623 is a commune under \"858\" in the database but a commune under \"86\" in the file")
	u, _ := st.UnitByCode(ctx, "29623")
	assert.Equal(t, u.Name, "Xã Mỹ An") // nothing changed
}

func TestImportReportsUnknownParent(t *testing.T) {
	st := testutil.NewStore(t)
	_, _, err := st.ImportUnits(context.Background(), parse(t, "1,A,province,\n2,B,commune,9\n"), "u.csv")
	assert.True(t, err != nil, "unknown parent accepted")
	assert.Contains(t, err.Error(), "u.csv:2: parent 9 of 2 is neither in the file nor in the database")
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	if st.Dialect() != store.SQLite {
		err := st.Backup(ctx, filepath.Join(t.TempDir(), "b.db"))
		assert.True(t, err != nil && strings.Contains(err.Error(), "pg_dump"), "backup on PostgreSQL: %v", err)
		return
	}
	_, _, err := st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)
	out := filepath.Join(t.TempDir(), "backup.db")
	assert.NoErr(t, st.Backup(ctx, out))
	copyStore, err := store.Open(ctx, out, store.Options{})
	assert.NoErr(t, err)
	defer copyStore.Close()
	n, err := copyStore.CountUnits(ctx)
	assert.NoErr(t, err)
	assert.Equal(t, n, int64(3))
	// Never overwrite an existing file.
	err = st.Backup(ctx, out)
	assert.True(t, err != nil && strings.Contains(err.Error(), "already exists"), "backup overwrote a file: %v", err)
}

func TestNotFoundAndConflict(t *testing.T) {
	st := testutil.NewStore(t)
	ctx := context.Background()
	_, err := st.UnitByCode(ctx, "nope")
	assert.ErrIs(t, err, store.ErrNotFound)
	_, _, err = st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)
	u := store.User{Username: "Lan", Role: "trainer", UnitCode: "29623", PasswordHash: "x"}
	assert.NoErr(t, st.CreateUser(ctx, &u))
	dup := store.User{Username: "lan ", Role: "trainer", UnitCode: "29623", PasswordHash: "x"}
	err = st.CreateUser(ctx, &dup)
	assert.True(t, errors.Is(err, store.ErrConflict), "duplicate username: %v", err)
}

func TestOpenCreatesTheFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "data", "k.db")
	st, err := store.Open(context.Background(), path, store.Options{})
	assert.NoErr(t, err)
	defer st.Close()
	_, err = os.Stat(path)
	assert.NoErr(t, err)
}

// TestConcurrentMigrations: several servers starting on one new database
// all succeed, and each migration is applied once. (On PostgreSQL even
// CREATE TABLE IF NOT EXISTS fails when two sessions race on it.)
func TestConcurrentMigrations(t *testing.T) {
	dsn := testutil.NewDSN(t)
	ctx := context.Background()
	const servers = 6
	errs := make(chan error, servers)
	applied := make(chan int, servers)
	for range servers {
		go func() {
			st, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			done, err := st.Migrate(ctx)
			applied <- len(done)
			errs <- err
		}()
	}
	total := 0
	for range servers {
		assert.NoErr(t, <-errs)
	}
	close(applied)
	for n := range applied {
		total += n
	}
	all, _ := store.Migrations()
	assert.Equal(t, total, len(all))
}
