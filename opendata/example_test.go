package opendata_test

import (
	"fmt"
	"os"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
	"github.com/actasproject/actas/tabulate"
)

// An OpenElections-style file of the official sheets of a one-station
// election.
func ExampleWriteOpenElections() {
	e := &actas.Election{ID: "town", Name: "Town", Levels: []string{"district"},
		Contests: []actas.Contest{{ID: "mayor", Name: "Mayor", Choices: []actas.Choice{{ID: "ana", Name: "Ana"}, {ID: "ben", Name: "Ben"}}}}}
	stations := []actas.Station{{Code: "101", Area: "North", Registered: 500}}
	tab, err := tabulate.FromDataset(&actas.Dataset{Election: e, Stations: stations, Sheets: []*actas.Submission{{
		Source: actas.Official,
		Sheet:  actas.Sheet{Station: "101", Contest: "mayor", Votes: []int64{200, 150}, Blank: 5, Null: 3, Ballots: 358, Voters: actas.Unknown},
	}}}, tabulate.DefaultRules())
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := opendata.WriteOpenElections(os.Stdout, e, tab, opendata.Options{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// county,precinct,office,district,party,candidate,votes,contest,choice,source,area_district
	// North,101,Registered Voters,,,,500,,registered,official,North
	// North,101,Mayor,,,Ana,200,mayor,ana,official,North
	// North,101,Mayor,,,Ben,150,mayor,ben,official,North
	// North,101,Mayor,,,Under Votes,5,mayor,blank,official,North
	// North,101,Mayor,,,Over Votes,3,mayor,null,official,North
	// North,101,Ballots Cast,,,,358,mayor,ballots,official,North
}
