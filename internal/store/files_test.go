package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kynangso/kynangso/internal/store"
	"github.com/kynangso/kynangso/internal/testutil"
	"github.com/kynangso/kynangso/internal/testutil/assert"
)

// sqliteFile opens a migrated store on a SQLite file in a temporary folder
// and returns it with the file's path. PostgreSQL runs skip: these tests
// are about the files.
func sqliteFile(t *testing.T, log *slog.Logger) (*store.Store, string) {
	t.Helper()
	if testutil.Backend() != "sqlite" {
		t.Skip("SQLite files only")
	}
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(context.Background(), path, store.Options{Log: log})
	assert.NoErr(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(context.Background())
	assert.NoErr(t, err)
	return st, path
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	assert.NoErr(t, err)
	return info.Mode().Perm()
}

// TestFilesAreOwnerOnly: the database, its WAL and shared-memory files and
// every backup hold personal data, so only their owner may read them, even
// under the usual umask of 022 (which would give 0644).
func TestFilesAreOwnerOnly(t *testing.T) {
	st, path := sqliteFile(t, nil)
	ctx := context.Background()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		assert.True(t, mode(t, p) == 0o600, "%s: mode %#o, want 0600", filepath.Base(p), mode(t, p))
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	assert.NoErr(t, st.Backup(ctx, out))
	assert.True(t, mode(t, out) == 0o600, "backup: mode %#o, want 0600", mode(t, out))

	b, err := store.NewBackups(st, store.BackupOptions{Dir: filepath.Join(t.TempDir(), "live"), Every: time.Hour, Keep: 2})
	assert.NoErr(t, err)
	live, err := b.Once(ctx)
	assert.NoErr(t, err)
	assert.True(t, mode(t, live) == 0o600, "live backup: mode %#o, want 0600", mode(t, live))
	assert.True(t, mode(t, filepath.Dir(live)) == 0o700, "backup folder: mode %#o, want 0700", mode(t, filepath.Dir(live)))
}

// TestOpenTightensAReadableDatabase: a database made before the rule (or
// copied with cp) is restricted when the server opens it, and the log says
// so without naming anyone.
func TestOpenTightensAReadableDatabase(t *testing.T) {
	st, path := sqliteFile(t, nil)
	assert.NoErr(t, st.Close())
	assert.NoErr(t, os.Chmod(path, 0o644))

	var logs bytes.Buffer
	again, err := store.Open(context.Background(), path, store.Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	assert.NoErr(t, err)
	defer again.Close()
	assert.True(t, mode(t, path) == 0o600, "mode %#o after opening, want 0600", mode(t, path))
	assert.Contains(t, logs.String(), "readable by its owner only", "was=0644")
}

// TestSecureDeleteOnEveryConnection: like TestPragmasOnEveryConnection, for
// secure_delete, which must reach every pooled connection to hold.
func TestSecureDeleteOnEveryConnection(t *testing.T) {
	st, _ := sqliteFile(t, nil)
	for _, reader := range []bool{false, true} {
		conns, err := st.Pragmas(context.Background(), reader, map[bool]int{false: 1, true: 4}[reader])
		assert.NoErr(t, err)
		for i, p := range conns {
			assert.True(t, p["secure_delete"] == "1", "reader=%v connection %d: secure_delete = %q", reader, i, p["secure_delete"])
		}
	}
}

// TestDeletedLearnerLeavesNoTrace: after a learner deletes their data, and
// Scrub has run, their name is in neither the database file nor the WAL.
// Without secure_delete the deleted row stays readable in the page's free
// space; without Scrub its old page stays in the WAL.
func TestDeletedLearnerLeavesNoTrace(t *testing.T) {
	st, path := sqliteFile(t, nil)
	ctx := context.Background()
	_, _, err := st.ImportUnits(ctx, parse(t, list2022), "units.csv")
	assert.NoErr(t, err)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "Trace Finder " + hex.EncodeToString(b)
	// Neighbours on the same page: the deleted row is not the page's last.
	for range 3 {
		newLearner(t, st)
	}
	l := store.Learner{Name: name, BirthYear: 1961, UnitCode: "29623"}
	assert.NoErr(t, st.CreateLearner(ctx, &l))
	newLearner(t, st)
	assert.NoErr(t, st.Scrub(ctx)) // checkpoint: the name is now in the database file
	assert.True(t, bytes.Contains(readFile(t, path), []byte(name)), "the name never reached the database file: the test would prove nothing")

	assert.NoErr(t, st.DeleteLearner(ctx, l.ID))
	assert.NoErr(t, st.Scrub(ctx))
	for _, p := range []string{path, path + "-wal"} {
		assert.True(t, !bytes.Contains(readFile(t, p), []byte(name)), "%s still holds the deleted learner's name", filepath.Base(p))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	assert.NoErr(t, err)
	return data
}
