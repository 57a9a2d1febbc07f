package sheetio

import (
	"slices"
	"testing"

	"github.com/actasproject/actas"
)

func TestParseQR(t *testing.T) {
	m := VE2024Mapping()
	for _, tc := range []struct {
		name, payload string
		m             *CardMapping
		kind, station string
	}{
		{"Venezuelan tally sheet", veKnownQR, &m, QRKindVE, "201301006.1"},
		{"boletim de urna", bu2018, &m, QRKindBU, "30848-1-483"},
		{"boletim de urna without a mapping", "\n" + buManual2016, nil, QRKindBU, "1392-9-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseQR(tc.payload, tc.m)
			if err != nil {
				t.Fatal(err)
			}
			var station string
			switch {
			case r.Kind == QRKindVE && r.VE != nil && r.BU == nil:
				station = r.VE.Sheet.Station
			case r.Kind == QRKindBU && r.BU != nil && r.VE == nil:
				station = r.BU.Station()
			}
			if r.Kind != tc.kind || station != tc.station {
				t.Errorf("kind %s station %q, want %s %q", r.Kind, station, tc.kind, tc.station)
			}
		})
	}
	for _, tc := range []struct {
		name, payload string
		m             *CardMapping
	}{
		{"tally sheet without a mapping", veKnownQR, nil},
		{"one part of a split boletim", MustSplitBU(t, bu2018, 2)[0], &m},
		{"neither", "https://example.org/", &m},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseQR(tc.payload, tc.m); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("error %v, want invalid", err)
			}
		})
	}
}

func TestSheetDiff(t *testing.T) {
	c := &actas.Contest{ID: "president", Choices: []actas.Choice{{ID: "eg"}, {ID: "nm"}}}
	qr := actas.Sheet{Station: "1.1", Contest: "president", Votes: []int64{10, 5}, Null: 1, Ballots: 16, Voters: actas.Unknown}
	for _, tc := range []struct {
		name   string
		change func(s *actas.Sheet)
		c      *actas.Contest
		want   []string
	}{
		{"same numbers", func(*actas.Sheet) {}, c, nil},
		{"typed voters the QR code does not state", func(s *actas.Sheet) { s.Voters = 16 }, c, nil},
		{"one candidate's votes", func(s *actas.Sheet) { s.Votes[1] = 50 }, c, []string{"votes:nm"}},
		{"candidate named by position without a contest", func(s *actas.Sheet) { s.Votes[1] = 50 }, nil, []string{"votes:1"}},
		{"swapped candidates", func(s *actas.Sheet) { s.Votes[0], s.Votes[1] = 5, 10 }, c, []string{"votes:eg", "votes:nm"}},
		{"another table", func(s *actas.Sheet) { s.Station = "1.2" }, c, []string{"station"}},
		{"another contest", func(s *actas.Sheet) { s.Contest = "x" }, c, []string{"contest"}},
		{"fewer choices", func(s *actas.Sheet) { s.Votes = s.Votes[:1] }, c, []string{"votes"}},
		{"blank, null and ballots", func(s *actas.Sheet) { s.Blank, s.Null, s.Ballots = 1, 2, 18 }, c, []string{"blank", "null", "ballots"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typed := qr
			typed.Votes = slices.Clone(qr.Votes)
			tc.change(&typed)
			if got := SheetDiff(&qr, &typed, tc.c); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("voters stated by both", func(t *testing.T) {
		a, b := qr, qr
		a.Voters, b.Voters = 16, 17
		if got := SheetDiff(&a, &b, c); !slices.Equal(got, []string{"voters"}) {
			t.Errorf("got %v", got)
		}
	})
}

func FuzzParseQR(f *testing.F) {
	f.Add(veKnownQR)
	f.Add(bu2018)
	f.Add(buManual2016)
	f.Add("QRBU:")
	m := VE2024Mapping()
	f.Fuzz(func(t *testing.T, payload string) {
		r, err := ParseQR(payload, &m)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		if (r.VE == nil) == (r.BU == nil) {
			t.Fatalf("result %+v", r)
		}
	})
}
