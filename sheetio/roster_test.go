package sheetio_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// rosterIndex is the election a roster is read against.
func rosterIndex() *sheetio.Index {
	return sheetio.NewIndex([]actas.Station{
		{Code: "0101", Area: "Zulia/Maracaibo/Chiquinquirá"},
		{Code: "0102", Area: "Zulia/Maracaibo/Chiquinquirá"},
		{Code: "0301", Area: `Táchira/MP. L\/DIEGO BAUTISTA/Urdaneta`},
	})
}

const sampleRoster = `name,phone_or_email,role,scope
Ana Pérez,ANA@example.org,admin,
Carlos Ruiz,+58 412 555 0101,coordinator,Zulia; Táchira/MP. L\/DIEGO BAUTISTA
Wilmer Núñez,0414-555-0102,witness,0101;0102
Kelly Díaz,kelly@example.org,keyer,
`

func MustReadRoster(tb testing.TB, file string) ([]*actas.Account, error) {
	tb.Helper()
	idx := rosterIndex()
	return sheetio.ReadRoster(strings.NewReader(file), "roster.csv", "e", idx.Station, idx.Area)
}

func TestReadRoster(t *testing.T) {
	want := []*actas.Account{
		{Election: "e", Name: "Ana Pérez", Contact: "ana@example.org", Role: actas.RoleAdmin},
		{Election: "e", Name: "Carlos Ruiz", Contact: "+584125550101", Role: actas.RoleCoordinator, Scope: []string{"Zulia", `Táchira/MP. L\/DIEGO BAUTISTA`}},
		{Election: "e", Name: "Wilmer Núñez", Contact: "04145550102", Role: actas.RoleWitness, Scope: []string{"0101", "0102"}},
		{Election: "e", Name: "Kelly Díaz", Contact: "kelly@example.org", Role: actas.RoleKeyer},
	}
	for _, tc := range []struct{ name, file string }{
		{"as written", sampleRoster},
		{"with CRLF line ends and a byte-order mark", "\ufeff" + strings.ReplaceAll(sampleRoster, "\n", "\r\n")},
		{"columns in another order", "role,scope,phone_or_email,name\n" +
			"admin,,ANA@example.org,Ana Pérez\ncoordinator,Zulia;Táchira/MP. L\\/DIEGO BAUTISTA,+58 412 555 0101,Carlos Ruiz\n" +
			"witness,0101;0102,0414-555-0102,Wilmer Núñez\nkeyer,,kelly@example.org,Kelly Díaz\n"},
		{"accents decomposed", strings.ReplaceAll(sampleRoster, "á", "a\u0301")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MustReadRoster(t, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("a header only", func(t *testing.T) {
		got, err := MustReadRoster(t, "name,phone_or_email,role,scope\n")
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v; want no accounts", got, err)
		}
	})
}

func TestReadRosterErrors(t *testing.T) {
	const hdr = "name,phone_or_email,role,scope\n"
	for _, tc := range []struct {
		name         string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"an empty file", "", 1, 0, "", "empty"},
		{"a missing column", "name,phone_or_email,role\n", 1, 0, "", "missing column(s) scope"},
		{"an unknown column", "name,phone_or_email,role,scope,area\n", 1, 5, "", `unknown column "area"`},
		{"an empty name", hdr + ",a@example.org,admin,\n", 2, 1, "name", "is empty"},
		{"a bad contact", hdr + "Ana,call me,admin,\n", 2, 2, "phone_or_email", "neither a phone number"},
		{"a contact twice", hdr + "Ana,+58 412 555 0101,admin,\nAnita,+584125550101,keyer,\n", 3, 2, "phone_or_email", "also on line 2"},
		{"an unknown role", hdr + "Ana,a@example.org,observer,\n", 2, 3, "role", `"observer" is not one of`},
		{"a keyer with a scope", hdr + "Kim,k@example.org,keyer,0101\n", 2, 4, "scope", "has no scope"},
		{"a witness without stations", hdr + "Wil,w@example.org,witness,\n", 2, 4, "scope", "needs a scope"},
		{"a witness for a station the election lacks", hdr + "Wil,w@example.org,witness,0101;9999\n", 2, 4, "scope", `no station "9999"`},
		{"a witness with an empty station", hdr + "Wil,w@example.org,witness,0101;;0102\n", 2, 4, "scope", "empty station code"},
		{"a station twice", hdr + "Wil,w@example.org,witness,0101; 0101\n", 2, 4, "scope", "twice"},
		{"a coordinator of an unknown area", hdr + "Car,c@example.org,coordinator,Zulia/Cabimas\n", 2, 4, "scope", `no area "Zulia/Cabimas"`},
		{"a coordinator of the nation", hdr + "Car,c@example.org,coordinator,national\n", 2, 4, "scope", "below the national level"},
		{"a row with too few fields", hdr + "Ana,a@example.org,admin\n", 2, 0, "", "has 3 fields"},
		{"an error after good rows refuses the file", sampleRoster + "Zed,z@example.org,root,\n", 6, 3, "role", "not one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MustReadRoster(t, tc.file)
			if got != nil {
				t.Errorf("returned %d accounts with the error; want none", len(got))
			}
			wantParseError(t, err, "roster.csv", tc.line, tc.column, tc.field, tc.reason)
		})
	}
}

func FuzzReadRoster(f *testing.F) {
	f.Add(sampleRoster)
	f.Add("name,phone_or_email,role,scope\nA,\"a@b.c\",witness,\"0101;0102\"\n")
	f.Add("scope,role,name,phone_or_email\n;,coordinator,x,+1 234 5678\n")
	f.Add("name,phone_or_email,role,scope\n\"unterminated,a@b.c,admin,\n")
	f.Fuzz(func(t *testing.T, file string) {
		accounts, err := MustReadRoster(t, file)
		if err != nil {
			if accounts != nil {
				t.Fatalf("accounts returned with error %v", err)
			}
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v has code %q, want invalid", err, actas.ErrorCode(err))
			}
			return
		}
		idx := rosterIndex()
		contacts := map[string]bool{}
		for _, a := range accounts {
			// What the reader accepts, a store accepts: Normalize changes nothing.
			before := *a
			before.Scope = append([]string(nil), a.Scope...)
			if err := a.Normalize(); err != nil || !reflect.DeepEqual(*a, before) {
				t.Fatalf("account %+v: Normalize gives %+v, %v", before, *a, err)
			}
			if contacts[a.Contact] {
				t.Fatalf("contact %q accepted twice", a.Contact)
			}
			contacts[a.Contact] = true
			for _, s := range a.Scope {
				if _, ok := idx.Station(s); a.Role == actas.RoleWitness && !ok {
					t.Fatalf("witness of unknown station %q accepted", s)
				}
				if a.Role == actas.RoleCoordinator && !idx.Area(s) {
					t.Fatalf("coordinator of unknown area %q accepted", s)
				}
			}
		}
	})
}
