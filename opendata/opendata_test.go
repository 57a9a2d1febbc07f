package opendata_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
	"github.com/actasproject/actas/tabulate"
)

func TestStationsCSV(t *testing.T) {
	ds := fixture()
	tab := MustTabulate(t, ds)
	recs := MustReadCSV(t, MustExport(t, opendata.StationsCSV, ds, tab, opendata.Options{}))
	wantHeader := []string{"station", "state", "municipality", "registered", "source", "contest", "a", "b", "c",
		"blank", "null", "ballots", "voters", "flags", "seq"}
	if !slices.Equal(recs[0], wantHeader) {
		t.Fatalf("header = %q, want %q", recs[0], wantHeader)
	}
	rows := map[string][]string{} // station/source/contest → row
	for _, r := range recs[1:] {
		if len(r) != len(wantHeader) {
			t.Fatalf("row %q has %d fields, header %d", r, len(r), len(wantHeader))
		}
		key := r[0] + "/" + r[4] + "/" + r[5]
		if rows[key] != nil {
			t.Fatalf("two rows for %s", key)
		}
		rows[key] = r
	}
	tests := []struct {
		name, key string
		want      []string // nil: no such row
	}{
		{"official correction replaces the first official sheet", "0101/official/president",
			[]string{"0101", "Zulia", "MP. L/DIEGO BAUTISTA", "500", "official", "president", "201", "149", "", "5", "3", "358", "358", "", "7"}},
		{"witness sheet without voters leaves voters empty", "0101/witness/president",
			[]string{"0101", "Zulia", "MP. L/DIEGO BAUTISTA", "500", "witness", "president", "200", "150", "", "5", "3", "358", "", "", "2"}},
		{"flags name what is suspicious", "0102/official/president",
			[]string{"0102", "Zulia", "MP. L/DIEGO BAUTISTA", "400", "official", "president", "100", "300", "", "2", "1", "403", "403", "ballots-exceed-registered", "3"}},
		{"area names with quotes, commas and a leading space come back intact", "0201/official/president",
			[]string{"0201", `Distrito "Capital", DC`, " Libertador", "0", "official", "president", "10", "20", "", "0", "0", "30", "", "", "4"}},
		{"a contest's choices fill only its columns", "0101/official/governor",
			[]string{"0101", "Zulia", "MP. L/DIEGO BAUTISTA", "500", "official", "governor", "", "180", "170", "4", "4", "358", "358", "", "5"}},
		{"reconciled row names the log entry it was taken from", "0101/reconciled/governor",
			[]string{"0101", "Zulia", "MP. L/DIEGO BAUTISTA", "500", "reconciled", "governor", "", "180", "170", "4", "4", "358", "358", "", "5"}},
		{"no row for a source without a sheet", "0201/witness/president", nil},
		{"no row for a station without any sheet of the contest", "0102/official/governor", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rows[tt.key]
			if !slices.Equal(got, tt.want) {
				t.Errorf("row %s =\n %q\nwant\n %q", tt.key, got, tt.want)
			}
		})
	}
	t.Run("quoted in the file", func(t *testing.T) {
		data := string(MustExport(t, opendata.StationsCSV, ds, tab, opendata.Options{Sources: []actas.Source{actas.Official}, Contests: []string{"president"}}))
		if !strings.Contains(data, `"Distrito ""Capital"", DC"," Libertador"`) {
			t.Errorf("area names not quoted as RFC 4180 asks:\n%s", data)
		}
	})
	t.Run("one source and contest", func(t *testing.T) {
		recs := MustReadCSV(t, MustExport(t, opendata.StationsCSV, ds, tab, opendata.Options{Sources: []actas.Source{actas.Witness}, Contests: []string{"president"}}))
		if len(recs) != 3 || len(recs[0]) != 14 {
			t.Fatalf("got %d rows of %d columns, want header + 2 witness rows of 14 columns:\n%q", len(recs), len(recs[0]), recs)
		}
	})
}

func TestOpenElections(t *testing.T) {
	ds := fixture()
	tab := MustTabulate(t, ds)
	recs := MustReadCSV(t, MustExport(t, opendata.OpenElections, ds, tab, opendata.Options{}))
	wantHeader := []string{"county", "precinct", "office", "district", "party", "candidate", "votes", "contest", "choice", "source", "state", "municipality"}
	if !slices.Equal(recs[0], wantHeader) {
		t.Fatalf("header = %q, want %q", recs[0], wantHeader)
	}
	want := [][]string{
		{"Zulia", "0101", "Registered Voters", "", "", "", "500", "", "registered", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "President", "", "", "Ana, Pérez", "201", "president", "a", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "President", "", "", `Beto "B"`, "149", "president", "b", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "President", "", "", "Under Votes", "5", "president", "blank", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "President", "", "", "Over Votes", "3", "president", "null", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "Ballots Cast", "", "", "", "358", "president", "ballots", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
		{"Zulia", "0101", "Governor", "", "", "Bea", "180", "governor", "b", "official", "Zulia", "MP. L/DIEGO BAUTISTA"},
	}
	for i, w := range want {
		if !slices.Equal(recs[1+i], w) {
			t.Errorf("row %d = %q, want %q", 1+i, recs[1+i], w)
		}
	}
	t.Run("station without a known list has no Registered Voters row", func(t *testing.T) {
		for _, r := range recs[1:] {
			if r[1] == "0201" && r[2] == "Registered Voters" {
				t.Errorf("row %q", r)
			}
		}
	})
	t.Run("votes add up to the tabulated national totals", func(t *testing.T) {
		a, _, err := tab.Area(ds.Election.ID, "president", actas.Official, "")
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, r := range recs[1:] {
			if r[7] == "president" && (r[8] == "a" || r[8] == "b") {
				sum += atoi(t, r[6])
			}
		}
		if sum != a.Valid() {
			t.Errorf("sum of votes %d, national valid votes %d", sum, a.Valid())
		}
	})
}

func TestErrors(t *testing.T) {
	ds := fixture()
	tab := MustTabulate(t, ds)
	tests := []struct {
		name   string
		format opendata.Format
		opt    opendata.Options
		code   string
	}{
		{"unknown format", "xml", opendata.Options{}, actas.EINVALID},
		{"unknown contest", opendata.NIST, opendata.Options{Contests: []string{"mayor"}}, actas.ENOTFOUND},
		{"unknown source", opendata.OpenElections, opendata.Options{Sources: []actas.Source{"rumour"}}, actas.EINVALID},
		{"unknown source in the stations CSV", opendata.StationsCSV, opendata.Options{Sources: []actas.Source{"rumour"}}, actas.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			err := opendata.Write(&sb, tt.format, ds.Election, tab, tt.opt)
			if actas.ErrorCode(err) != tt.code {
				t.Errorf("error %v (code %q), want code %q", err, actas.ErrorCode(err), tt.code)
			}
		})
	}
	for _, f := range opendata.Formats {
		t.Run("a failing writer's error is returned: "+string(f), func(t *testing.T) {
			err := opendata.Write(failWriter{}, f, ds.Election, tab, opendata.Options{})
			if !errors.Is(err, errDiskFull) {
				t.Errorf("error %v, want %v", err, errDiskFull)
			}
		})
	}
}

var errDiskFull = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func atoi(tb testing.TB, s string) int64 {
	tb.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			tb.Fatalf("%q is not a count", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// growingResults is a live tabulation: a sheet arrives right after the
// export took its first official panel.
type growingResults struct {
	*tabulate.Tabulator
	arrive *actas.Submission
}

func (g *growingResults) Panel(election, contest string, source actas.Source) (*actas.Panel, error) {
	p, err := g.Tabulator.Panel(election, contest, source)
	if g.arrive != nil && source == g.arrive.Source && contest == g.arrive.Sheet.Contest {
		if err := g.Tabulator.Add(g.arrive); err != nil {
			return nil, err
		}
		g.arrive = nil
	}
	return p, err
}

func TestStationsCSVWhileSheetsArrive(t *testing.T) {
	ds := fixture()
	tab := MustTabulate(t, ds)
	correction := &actas.Submission{Seq: int64(len(ds.Sheets) + 1), Election: ds.Election.ID, Source: actas.Official,
		Sheet: actas.Sheet{Station: "0201", Contest: "president", Votes: []int64{11, 19}, Ballots: 30, Voters: actas.Unknown}}
	g := &growingResults{Tabulator: tab, arrive: correction}
	recs := MustReadCSV(t, MustExport(t, opendata.StationsCSV, ds, g, opendata.Options{Sources: []actas.Source{actas.Official}, Contests: []string{"president"}}))
	for _, r := range recs[1:] {
		switch r[0] {
		case "0201":
			// The panel holds the first sheet; the index read after it is the correction's.
			if r[6] != "10" || r[13] != "" {
				t.Errorf("station 0201: votes for a %s, seq %q; want the panel's 10 with no seq", r[6], r[13])
			}
		default:
			if r[13] == "" {
				t.Errorf("station %s lost its seq", r[0])
			}
		}
	}
}

func TestProgressReachesTheEnd(t *testing.T) {
	ds := MustSimulate(t, 9000, 3)
	tab := MustTabulate(t, ds)
	for _, f := range opendata.Formats {
		t.Run(string(f), func(t *testing.T) {
			calls, lastDone, lastTotal := 0, -1, -1
			opt := opendata.Options{Progress: func(done, total int) {
				if done < lastDone {
					t.Errorf("progress went back from %d to %d", lastDone, done)
				}
				calls, lastDone, lastTotal = calls+1, done, total
			}}
			MustExport(t, f, ds, tab, opt)
			if calls < 2 || lastDone != lastTotal || lastTotal < len(ds.Stations) {
				t.Errorf("%d calls, last %d of %d; want several, ending at a total of at least %d stations", calls, lastDone, lastTotal, len(ds.Stations))
			}
		})
	}
}
