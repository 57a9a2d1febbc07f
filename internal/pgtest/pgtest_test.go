package pgtest_test

import (
	"context"
	"testing"

	"github.com/actasproject/actas/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestMustDatabase(t *testing.T) {
	tests := []struct {
		name string
	}{
		{"a test gets an empty database of its own"},
		{"a second test gets another one"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := pgtest.MustDatabase(t)
			if seen[url] {
				t.Fatalf("database %s handed out twice", url)
			}
			seen[url] = true
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(context.Background())
			var tables int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
				t.Fatalf("query: %v", err)
			}
			if tables != 0 {
				t.Fatalf("new database has %d tables", tables)
			}
			if _, err := conn.Exec(context.Background(), `CREATE TABLE x (a int)`); err != nil {
				t.Fatalf("create table: %v", err)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	calls := 0
	setup := func(url string) error {
		calls++
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), `CREATE TABLE prepared (a int); INSERT INTO prepared VALUES (42)`)
		return err
	}
	tests := []struct {
		name string
	}{
		{"a database copied from a template holds what setup made"},
		{"the template is made once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := pgtest.MustDatabaseFrom(t, pgtest.Template(t, "prepared", setup))
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer conn.Close(context.Background())
			var a int
			if err := conn.QueryRow(context.Background(), `SELECT a FROM prepared`).Scan(&a); err != nil || a != 42 {
				t.Fatalf("prepared table: %d, %v; want 42", a, err)
			}
			if calls != 1 {
				t.Fatalf("setup ran %d times, want once", calls)
			}
		})
	}
}
