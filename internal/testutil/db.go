package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema set-up
)

// Backend tells which database engine this test run uses: "sqlite" (the
// default) or "postgres" when KYNANGSO_TEST_BACKEND=postgres. make test runs
// the suite once per engine when KYNANGSO_TEST_POSTGRES names a server.
func Backend() string {
	if os.Getenv("KYNANGSO_TEST_BACKEND") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// NewDSN returns a fresh, empty database for one test and removes it when
// the test ends: a SQLite file under t.TempDir(), or a new schema on the
// PostgreSQL server named by KYNANGSO_TEST_POSTGRES (a schema is much
// cheaper to create than a database, and isolates as well).
func NewDSN(t testing.TB) string {
	t.Helper()
	if Backend() != "postgres" {
		return filepath.Join(t.TempDir(), "test.db")
	}
	server := os.Getenv("KYNANGSO_TEST_POSTGRES")
	if server == "" {
		t.Fatal("KYNANGSO_TEST_BACKEND=postgres needs KYNANGSO_TEST_POSTGRES=postgres://user@host:port/db")
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("postgres: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("KYNANGSO_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
