package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// MustBinDir makes a directory holding executables named names.
func MustBinDir(tb testing.TB, names ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func TestFindBin(t *testing.T) {
	full := MustBinDir(t, "initdb", "pg_ctl", "postgres")
	partial := MustBinDir(t, "pg_ctl", "postgres")
	empty := t.TempDir()
	tests := []struct {
		name string
		dirs []string
		want string // "" for none found
	}{
		{"the first directory with all three binaries", []string{partial, full}, full},
		{"a directory without initdb is passed over", []string{partial}, ""},
		{"no binaries anywhere", []string{empty, filepath.Join(empty, "missing")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBin(tt.dirs)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "no PostgreSQL binaries") {
					t.Fatalf("findBin = %q, %v; want an error saying the binaries are missing", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("findBin = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMajorOf(t *testing.T) {
	tests := []struct {
		dir  string
		want float64
	}{
		{"/usr/lib/postgresql/15/bin", 15},
		{"/usr/lib/postgresql/9.6/bin", 9.6},
		{"/usr/lib/postgresql/x/bin", 0},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			if got := majorOf(tt.dir); got != tt.want {
				t.Fatalf("majorOf(%s) = %v, want %v", tt.dir, got, tt.want)
			}
		})
	}
}
