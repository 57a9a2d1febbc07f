package postgres_test

import (
	"context"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/actasproject/actas/postgres"
	"github.com/actasproject/actas/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// MustStoreURL returns the URL of a new database holding an empty store:
// a copy of a database migrated once per test binary.
func MustStoreURL(tb testing.TB) string {
	tb.Helper()
	return pgtest.MustDatabaseFrom(tb, pgtest.Template(tb, "actas", func(url string) error {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	}))
}

// backend opens PostgreSQL stores on new databases of the test binary's
// server.
var backend = storetest.Backend{
	New: MustStoreURL,
	Open: func(tb testing.TB, addr string) actas.Store {
		tb.Helper()
		db, err := postgres.Open(context.Background(), addr)
		if err != nil {
			tb.Fatalf("postgres.Open(%s): %v", addr, err)
		}
		return db
	},
}

func TestStore(t *testing.T) {
	storetest.Run(t, backend)
}
