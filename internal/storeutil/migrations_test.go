package storeutil

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	t.Run("files in version order, not name order", func(t *testing.T) {
		ms, err := Migrations(fstest.MapFS{
			"m/10_ten.sql":   file("ten"),
			"m/0002_two.sql": file("two"),
			"m/1_one.sql":    file("one"),
			"m/README":       file("not a migration"),
		}, "m")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Name+"="+m.SQL)
		}
		if want := "1_one.sql=one 0002_two.sql=two 10_ten.sql=ten"; strings.Join(got, " ") != want {
			t.Fatalf("migrations %q, want %q", got, want)
		}
		if ms[2].Version != 10 {
			t.Fatalf("10_ten.sql has version %d", ms[2].Version)
		}
	})
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"a name without a number", fstest.MapFS{"m/init.sql": file("")}, "name must be"},
		{"number zero", fstest.MapFS{"m/0000_init.sql": file("")}, "name must be"},
		{"negative number", fstest.MapFS{"m/-1_init.sql": file("")}, "name must be"},
		{"two files with one number", fstest.MapFS{"m/0001_a.sql": file(""), "m/1_b.sql": file("")}, "the same number"},
		{"no migration at all", fstest.MapFS{"m/README": file("")}, "no *.sql file"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := Migrations(tc.fsys, "m")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
