package storetest

import (
	"reflect"
	"testing"

	"github.com/actasproject/actas"
)

func testElections(t *testing.T, b Backend) {
	t.Run("an election reads back as created", func(t *testing.T) {
		s, _ := MustOpen(t, b)
		want := Election("ve-2024")
		MustCreateElection(t, s, want, Stations())
		got, err := s.Election(t.Context(), "ve-2024")
		if err != nil {
			t.Fatalf("Election: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Election = %+v\nwant %+v", got, want)
		}
	})

	t.Run("stations read back in creation order with their areas", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "ve-2024")
		got, err := s.Stations(t.Context(), "ve-2024")
		if err != nil {
			t.Fatalf("Stations: %v", err)
		}
		if want := Stations(); !reflect.DeepEqual(got, want) {
			t.Fatalf("Stations = %+v\nwant %+v", got, want)
		}
		// The escaped slash survives: the path splits back into the same names.
		names, err := actas.SplitPath(got[4].Area)
		if err != nil || len(names) != 3 || names[1] != "MP. L/DIEGO BAUTISTA" {
			t.Fatalf("station 005 area %q splits into %q, %v", got[4].Area, names, err)
		}
	})

	t.Run("elections are listed by id", func(t *testing.T) {
		s, _ := MustOpen(t, b)
		got, err := s.Elections(t.Context())
		if err != nil || len(got) != 0 {
			t.Fatalf("Elections of an empty store = %d elections, %v; want none", len(got), err)
		}
		for _, id := range []string{"zeta", "alpha", "mid-2024", "alpha.2"} {
			MustCreateElection(t, s, Election(id), Stations())
		}
		got, err = s.Elections(t.Context())
		if err != nil {
			t.Fatalf("Elections: %v", err)
		}
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		if want := []string{"alpha", "alpha.2", "mid-2024", "zeta"}; !reflect.DeepEqual(ids, want) {
			t.Fatalf("Elections = %q, want %q", ids, want)
		}
		if !reflect.DeepEqual(got[0], Election("alpha")) {
			t.Fatalf("Elections()[0] = %+v, want %+v", got[0], Election("alpha"))
		}
	})

	t.Run("a second election with the same id is a conflict", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "ve-2024")
		other := Election("ve-2024")
		other.Name = "Another name"
		err := s.CreateElection(t.Context(), other, []actas.Station{{Code: "X1", Area: Chiquinquira}})
		wantCode(t, "second CreateElection", err, actas.ECONFLICT)
		got, err := s.Election(t.Context(), "ve-2024")
		if err != nil || got.Name != Election("ve-2024").Name {
			t.Fatalf("after the conflict Election = %+v, %v; want the first election unchanged", got, err)
		}
		sts, err := s.Stations(t.Context(), "ve-2024")
		if err != nil || !reflect.DeepEqual(sts, Stations()) {
			t.Fatalf("after the conflict Stations = %d stations, %v; want the first election's", len(sts), err)
		}
	})

	t.Run("elections keep their stations apart", func(t *testing.T) {
		s := MustOpenWithElection(t, b, "first")
		second := []actas.Station{{Code: "001", Area: actas.JoinPath("Lara", "Iribarren", "Catedral"), Registered: 9}}
		MustCreateElection(t, s, Election("second"), second)
		got, err := s.Stations(t.Context(), "second")
		if err != nil || !reflect.DeepEqual(got, second) {
			t.Fatalf("Stations(second) = %+v, %v; want %+v", got, err, second)
		}
		got, err = s.Stations(t.Context(), "first")
		if err != nil || !reflect.DeepEqual(got, Stations()) {
			t.Fatalf("Stations(first) = %d stations, %v; want the fixture's", len(got), err)
		}
	})

	for _, tc := range []struct {
		name    string
		station actas.Station
		mention string
	}{
		{"a duplicate station code", actas.Station{Code: "003", Area: Bolivar}, "003"},
		{"an area path with too few names", actas.Station{Code: "X1", Area: actas.JoinPath("Zulia", "Maracaibo")}, "X1"},
		{"an area path with too many names", actas.Station{Code: "X1", Area: actas.JoinPath("Zulia", "Maracaibo", "Bolívar", "Escuela 1")}, "X1"},
		{"an area path with an empty name", actas.Station{Code: "X1", Area: "Zulia//Bolívar"}, "X1"},
		{"an area path with a dangling escape", actas.Station{Code: "X1", Area: `Zulia/Maracaibo/Bolívar\`}, "X1"},
		{"a station in the national area", actas.Station{Code: "X1", Area: ""}, "X1"},
		{"a top-level area called national", actas.Station{Code: "X1", Area: actas.JoinPath(actas.National, "Maracaibo", "Bolívar")}, "national"},
	} {
		t.Run(tc.name+" is refused and nothing is stored", func(t *testing.T) {
			s, _ := MustOpen(t, b)
			sts := append(Stations(), tc.station)
			err := s.CreateElection(t.Context(), Election("ve-2024"), sts)
			wantCode(t, "CreateElection", err, actas.EINVALID)
			wantMention(t, "CreateElection", err, tc.mention)
			_, err = s.Election(t.Context(), "ve-2024")
			wantCode(t, "Election after the refusal", err, actas.ENOTFOUND)
			// The refusal left no trace: the same id can be created now.
			MustCreateElection(t, s, Election("ve-2024"), Stations())
		})
	}
}

// testUnknownElection checks that every method naming an election reports
// ENOTFOUND for one the store does not hold.
func testUnknownElection(t *testing.T, b Backend) {
	s := MustOpenWithElection(t, b, "known")
	ctx := t.Context()
	for _, tc := range []struct {
		method string
		call   func() error
	}{
		{"Election", func() error { _, err := s.Election(ctx, "nowhere"); return err }},
		{"Stations", func() error { _, err := s.Stations(ctx, "nowhere"); return err }},
		{"Submit", func() error {
			_, err := s.Submit(ctx, "nowhere", []*actas.Submission{Sub(actas.Witness, Sheet("001", "president", 0))}, nil)
			return err
		}},
		{"Submissions", func() error {
			return s.Submissions(ctx, "nowhere", 0, func(*actas.Submission) error { return nil })
		}},
		{"StationSubmissions", func() error { _, err := s.StationSubmissions(ctx, "nowhere", "001"); return err }},
		{"AddTotals", func() error {
			_, err := s.AddTotals(ctx, "nowhere", []actas.OfficialTotal{{Contest: "president", Choice: "a", Votes: 1}})
			return err
		}},
		{"Totals", func() error { _, err := s.Totals(ctx, "nowhere"); return err }},
		{"AddSnapshots", func() error {
			_, err := s.AddSnapshots(ctx, "nowhere", []actas.Snapshot{{Time: 600, Voters: 1, Source: actas.Official}})
			return err
		}},
		{"Snapshots", func() error { _, err := s.Snapshots(ctx, "nowhere"); return err }},
		{"LogSize", func() error { _, err := s.LogSize(ctx, "nowhere"); return err }},
		{"LogEntries", func() error {
			return s.LogEntries(ctx, "nowhere", 0, 1, func(int64, []byte) error { return nil })
		}},
		{"LogHashes", func() error { _, err := s.LogHashes(ctx, "nowhere", []int64{0}); return err }},
		{"AddCheckpoint", func() error {
			signer, _ := MustSigner(t)
			return s.AddCheckpoint(ctx, "nowhere", SignCheckpoint(t, signer, "nowhere", 1, [32]byte{}))
		}},
		{"Checkpoints", func() error { _, err := s.Checkpoints(ctx, "nowhere"); return err }},
	} {
		t.Run(tc.method+" of an unknown election is not found", func(t *testing.T) {
			wantCode(t, tc.method, tc.call(), actas.ENOTFOUND)
		})
	}
	if got := MustSubmissions(t, s, "known"); len(got) != 0 {
		t.Fatalf("the known election has %d submissions after calls on an unknown one", len(got))
	}
}
