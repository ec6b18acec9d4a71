package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kynangso/kynangso/internal/demo"
	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// TestTablesMatchTheSchema keeps store.Tables (the export order) in step
// with the migrations.
func TestTablesMatchTheSchema(t *testing.T) {
	st := testutil.NewStore(t)
	got, err := st.SchemaTables(context.Background())
	assert.NoErr(t, err)
	want := append(store.Tables(), "schema_migrations")
	slices.Sort(want)
	assert.Equal(t, got, want)
}

func sqliteDemo(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "src.db"), store.Options{})
	assert.NoErr(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(context.Background())
	assert.NoErr(t, err)
	_, err = demo.Load(context.Background(), st, demo.Options{PasswordCost: bcrypt.MinCost})
	assert.NoErr(t, err)
	return st
}

// moveAll exports src and imports it into a fresh database of the engine
// under test, asserting that every exported row arrived; it returns the
// counts by table, the new database and the export itself.
func moveAll(t *testing.T, src *store.Store) (map[string]int, *store.Store, []byte) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	exported, err := src.Export(ctx, &buf)
	assert.NoErr(t, err)
	dst := testutil.NewStore(t)
	imported, err := dst.Import(ctx, bytes.NewReader(buf.Bytes()))
	assert.NoErr(t, err)
	assert.Equal(t, imported, exported)
	return exported, dst, buf.Bytes()
}

// TestExportImportRoundTrip moves a demo database from SQLite into a fresh
// database of the engine under test (SQLite, or PostgreSQL when the suite
// runs against it): every row arrives, and new rows get fresh ids.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := sqliteDemo(t)
	exported, dst, data := moveAll(t, src)
	assert.True(t, exported["units"] > 100 && exported["users"] > 3 && exported["classes"] > 3, "exported %v", exported)

	for _, code := range []string{"86", "859", "29578"} {
		a, err := src.UnitByCode(ctx, code)
		assert.NoErr(t, err)
		b, err := dst.UnitByCode(ctx, code)
		assert.NoErr(t, err)
		assert.Equal(t, b.Name, a.Name)
		assert.Equal(t, b.Path, a.Path)
		assert.Equal(t, b.Pilot, a.Pilot)
		assert.True(t, b.CreatedAt.Equal(a.CreatedAt), "created_at %v != %v", b.CreatedAt, a.CreatedAt)
	}
	admin, err := dst.UserByUsername(ctx, "admin")
	assert.NoErr(t, err)
	srcAdmin, _ := src.UserByUsername(ctx, "admin")
	assert.Equal(t, admin.PasswordHash, srcAdmin.PasswordHash)

	// The id counters moved past the imported rows.
	c := store.Class{UnitCode: "29578", Name: "Lớp mới", JoinCode: "NEW234"}
	assert.NoErr(t, dst.CreateClass(ctx, &c))
	assert.True(t, c.ID > int64(exported["classes"]), "new class got id %d, which an imported class may hold", c.ID)

	// A second import is refused and changes nothing.
	_, err = dst.Import(ctx, bytes.NewReader(data))
	assert.ErrIs(t, err, store.ErrNotEmptyDatabase)
}

func TestImportRejectsOtherFiles(t *testing.T) {
	dst := testutil.NewStore(t)
	_, err := dst.Import(context.Background(), strings.NewReader("code,name\n86,x\n"))
	assert.True(t, err != nil && strings.Contains(err.Error(), "not a kynangso export"), "csv accepted: %v", err)
}

// TestExportToPostgres is the documented SQLite → PostgreSQL move, run
// whenever a server is available, whatever engine the suite uses.
func TestExportToPostgres(t *testing.T) {
	server := os.Getenv("KYNANGSO_TEST_POSTGRES")
	if server == "" {
		t.Skip("KYNANGSO_TEST_POSTGRES is not set")
	}
	t.Setenv("KYNANGSO_TEST_BACKEND", "postgres")
	ctx := context.Background()
	var buf bytes.Buffer
	exported, err := sqliteDemo(t).Export(ctx, &buf)
	assert.NoErr(t, err)
	dst := testutil.NewStore(t)
	assert.Equal(t, dst.Dialect(), store.Postgres)
	imported, err := dst.Import(ctx, &buf)
	assert.NoErr(t, err)
	assert.Equal(t, imported, exported)
}
