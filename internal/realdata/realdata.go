// Package realdata gives tests the repository's real elections
// (testdata/README.md): where they are, and read with their converters.
package realdata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// Path returns the path of a file or folder under the repository's
// testdata, from any package's tests.
func Path(parts ...string) string {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..", "testdata")
	return filepath.Join(append([]string{root}, parts...)...)
}

// MustDataset reads a real election with the converter format names; the
// test is skipped when the repository's copy is missing.
func MustDataset(tb testing.TB, format string, parts ...string) *actas.Dataset {
	tb.Helper()
	file := Path(parts...)
	if _, err := os.Stat(file); err != nil {
		tb.Skipf("real data not available: %v", err)
	}
	f, err := sheetio.LookupFormat(format)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := f.Read(file)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return ds
}
