package sheetio_test

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

func snap(scope string, station bool, clock string, voters int64) actas.Snapshot {
	t, err := actas.ParseClock(clock)
	if err != nil {
		panic(err)
	}
	return actas.Snapshot{Scope: scope, Station: station, Time: t, Voters: voters, Source: actas.Official}
}

func TestReadSnapshots(t *testing.T) {
	file := `scope,time,voters
national,10:00,3000000
national,18:00,12386669
0101,09:30,120
Zulia/Maracaibo,12:00,40000
station:Zulia,12:00,50
area:Zulia,12:00,90000
area:national,24:00,12400000
`
	want := []actas.Snapshot{
		snap("", false, "10:00", 3000000),
		snap("", false, "18:00", 12386669),
		snap("0101", true, "09:30", 120),
		snap("Zulia/Maracaibo", false, "12:00", 40000),
		snap("Zulia", true, "12:00", 50),
		snap("Zulia", false, "12:00", 90000),
		snap("", false, "24:00", 12400000),
	}
	for _, tc := range []struct {
		name string
		file string
	}{
		{"stations, areas and national", file},
		{"with a byte-order mark and CRLF", "\ufeff" + strings.ReplaceAll(file, "\n", "\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, idx := MustSampleIndex(t)
			got, err := sheetio.ReadSnapshots(strings.NewReader(tc.file), "turnout.csv", actas.Official, idx.Station, idx.Area)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("columns in another order", func(t *testing.T) {
		_, idx := MustSampleIndex(t)
		got, err := sheetio.ReadSnapshots(strings.NewReader("voters,scope,time\n7,0102,07:05\n"), "turnout.csv", actas.Witness, idx.Station, idx.Area)
		want := []actas.Snapshot{{Scope: "0102", Station: true, Time: 7*60 + 5, Voters: 7, Source: actas.Witness}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
	})
}

func TestReadSnapshotsErrors(t *testing.T) {
	const header = "scope,time,voters\n"
	for _, tc := range []struct {
		name         string
		file         string
		line, column int
		field        string
		reason       string
	}{
		{"a station code that is also an area path", header + "Zulia,12:00,50\n", 2, 1, "scope",
			`"Zulia" could mean station Zulia or area Zulia; write "station:Zulia" or "area:Zulia" to say which`},
		{"unknown scope", header + "Lara,12:00,50\n", 2, 1, "scope", `"Lara" is not a station code, an area path or national`},
		{"unknown station", header + "station:9999,12:00,50\n", 2, 1, "scope", `unknown station "9999"`},
		{"unknown area", header + "area:Lara,12:00,50\n", 2, 1, "scope", `unknown area "Lara"`},
		{"empty scope", header + ",12:00,50\n", 2, 1, "scope", "is empty"},
		{"time without a leading zero", header + "national,6:00,50\n", 2, 2, "time", `"6:00" is not a time of day written HH:MM`},
		{"time past midnight", header + "national,25:00,50\n", 2, 2, "time", "not a time of day"},
		{"voters with decimals", header + "national,12:00,5.5\n", 2, 3, "voters", "not a whole number"},
		{"voters empty", header + "national,12:00,\n", 2, 3, "voters", "is empty"},
		{"same scope and time twice", header + "0101,12:00,50\n0102,12:00,50\n0101,12:00,51\n", 4, 1, "scope", "station 0101 at 12:00 appears twice, on lines 2 and 4"},
		{"national written two ways", header + "national,12:00,50\narea:national,12:00,51\n", 3, 1, "scope", "national at 12:00 appears twice"},
		{"unknown column", "scope,time,voters,source\n", 1, 4, "", `unknown column "source"`},
		{"missing column", "scope,voters\n", 1, 0, "", "missing column(s) time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, idx := MustSampleIndex(t)
			_, err := sheetio.ReadSnapshots(strings.NewReader(tc.file), "turnout.csv", actas.Official, idx.Station, idx.Area)
			wantParseError(t, err, "turnout.csv", tc.line, tc.column, tc.field, tc.reason)
		})
	}
	t.Run("a station named national", func(t *testing.T) {
		idx := sheetio.NewIndex([]actas.Station{{Code: "national", Area: "A/B/C"}})
		_, err := sheetio.ReadSnapshots(strings.NewReader(header+"national,12:00,1\n"), "turnout.csv", actas.Official, idx.Station, idx.Area)
		wantParseError(t, err, "turnout.csv", 2, 1, "scope", `write "station:national" or "area:national"`)
	})
	t.Run("not a source", func(t *testing.T) {
		_, idx := MustSampleIndex(t)
		_, err := sheetio.ReadSnapshots(strings.NewReader(header), "turnout.csv", actas.Reconciled, idx.Station, idx.Area)
		wantParseError(t, err, "turnout.csv", 0, 0, "", `unknown source "reconciled"`)
	})
}

func TestWriteSnapshots(t *testing.T) {
	_, idx := MustSampleIndex(t)
	// Station "Zulia" and area "Zulia" need a prefix; the rest do not.
	snaps := []actas.Snapshot{
		snap("", false, "10:00", 3000000),
		snap("0101", true, "09:30", 120),
		snap("Zulia", true, "12:00", 50),
		snap("Zulia", false, "12:00", 90000),
		snap(`TÁCHIRA/MP. L\/DIEGO BAUTISTA`, false, "12:00", 7),
	}
	t.Run("plain where it can, prefixed where it must", func(t *testing.T) {
		var buf bytes.Buffer
		if err := sheetio.WriteSnapshots(&buf, snaps, idx.Station, idx.Area); err != nil {
			t.Fatal(err)
		}
		want := "scope,time,voters\nnational,10:00,3000000\n0101,09:30,120\nstation:Zulia,12:00,50\narea:Zulia,12:00,90000\nTÁCHIRA/MP. L\\/DIEGO BAUTISTA,12:00,7\n"
		if buf.String() != want {
			t.Fatalf("wrote\n%s\nwant\n%s", buf.String(), want)
		}
		got, err := sheetio.ReadSnapshots(&buf, "turnout.csv", actas.Official, idx.Station, idx.Area)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, snaps) {
			t.Fatalf("read back %+v\nwant %+v", got, snaps)
		}
	})
	t.Run("without lookups, every scope prefixed", func(t *testing.T) {
		var buf bytes.Buffer
		if err := sheetio.WriteSnapshots(&buf, snaps, nil, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "\nstation:0101,") || !strings.Contains(buf.String(), "\narea:national,") {
			t.Fatalf("wrote\n%s", buf.String())
		}
		got, err := sheetio.ReadSnapshots(&buf, "turnout.csv", actas.Official, idx.Station, idx.Area)
		if err != nil || !reflect.DeepEqual(got, snaps) {
			t.Fatalf("read back %+v, %v\nwant %+v", got, err, snaps)
		}
	})
	for _, tc := range []struct {
		name  string
		snaps []actas.Snapshot
	}{
		{"two sources", []actas.Snapshot{snaps[0], {Scope: "0101", Station: true, Source: actas.Witness}}},
		{"same scope and time twice", []actas.Snapshot{snaps[1], snaps[1]}},
		{"unknown station", []actas.Snapshot{snap("9999", true, "12:00", 1)}},
		{"time past the day", []actas.Snapshot{{Time: 24*60 + 1, Source: actas.Official}}},
		{"negative voters", []actas.Snapshot{snap("", false, "12:00", -1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantInvalid(t, sheetio.WriteSnapshots(io.Discard, tc.snaps, idx.Station, idx.Area))
		})
	}
}

func FuzzReadSnapshots(f *testing.F) {
	f.Add([]byte("scope,time,voters\nnational,10:00,3000000\n0101,09:30,120\nZulia/Maracaibo,12:00,40000\n"))
	f.Add([]byte("\ufeffvoters,scope,time\r\n50,station:Zulia,12:00\r\n90000,area:Zulia,12:00\r\n1,area:national,24:00\r\n"))
	f.Add([]byte("scope,time,voters\nZulia,12:00,50\n"))
	f.Add([]byte("scope,time,voters\n\"TÁCHIRA/MP. L\\/DIEGO BAUTISTA\",6:00,1.5\n"))
	f.Add([]byte("scope,time,voters\nstation:station:0101,12:00,1\n"))
	// Read-only in every run: built once.
	_, idx := MustSampleIndex(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, "snapshots", data, func(r io.Reader) ([]actas.Snapshot, error) {
			return sheetio.ReadSnapshots(r, "turnout.csv", actas.Official, idx.Station, idx.Area)
		}, func(w io.Writer, snaps []actas.Snapshot) error {
			return sheetio.WriteSnapshots(w, snaps, idx.Station, idx.Area)
		})
	})
}
