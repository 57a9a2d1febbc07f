package actas_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

func TestBulletins(t *testing.T) {
	at := time.Date(2024, 8, 2, 21, 30, 0, 0, time.UTC)
	c := &actas.Contest{ID: "president", Choices: []actas.Choice{{ID: "nm"}, {ID: "eg"}, {ID: "lm"}}}
	totals := []actas.OfficialTotal{
		{Contest: "president", Bulletin: "cne-2", Choice: "nm", Votes: 6408844},
		{Contest: "president", Bulletin: "cne-2", Choice: "eg", Votes: 5326104},
		{Contest: "president", Bulletin: "cne-2", Choice: "ballots", Votes: 12386669, Announced: at, CoveragePPM: 968700},
		{Contest: "president", Bulletin: "cne-2", Choice: "valid", Votes: 12335884},
		{Contest: "president", Bulletin: "cne-1", Choice: "nm", Votes: 5150092},
		{Contest: "president", Bulletin: "cne-1", Area: "Zulia", Choice: "eg", Votes: 900},
		{Contest: "governor", Bulletin: "cne-1", Choice: "nm", Votes: 1},
	}
	got := actas.Bulletins(c, totals)
	u := int64(actas.Unknown)
	want := []*actas.Bulletin{
		{ID: "cne-1", Votes: []int64{5150092, u, u}, ValidVotes: u, Blank: u, Null: u, Ballots: u, Voters: u, Registered: u},
		{ID: "cne-1", Area: "Zulia", Votes: []int64{u, 900, u}, ValidVotes: u, Blank: u, Null: u, Ballots: u, Voters: u, Registered: u},
		{ID: "cne-2", Time: at, Coverage: 0.9687, Votes: []int64{6408844, 5326104, u}, ValidVotes: 12335884, Blank: u, Null: u, Ballots: 12386669, Voters: u, Registered: u},
	}
	if !reflect.DeepEqual(got, want) {
		for _, b := range got {
			t.Logf("got %+v", *b)
		}
		t.Fatal("bulletins differ from the totals given")
	}
	if v := got[2].Valid(); v != 6408844+5326104 {
		t.Errorf("valid %d: unknown figures must not count", v)
	}
}
