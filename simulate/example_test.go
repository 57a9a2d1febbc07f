package simulate_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
)

// A small election where the official sheets of a tenth of the stations
// were stuffed for the incumbent, "b": the official result and the truth
// disagree, and Truth says where.
func ExampleRun() {
	fraud, err := simulate.ParseFraud("extreme:0.1")
	if err != nil {
		panic(err)
	}
	ds, truth, err := simulate.Run(simulate.Config{Stations: 2000, Seed: 1, Fraud: []simulate.Fraud{fraud}})
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.Election.ID, ds.Election.Levels, len(ds.Stations), "stations")
	sources := map[actas.Source]int{}
	for _, sub := range ds.Sheets {
		sources[sub.Source]++
	}
	fmt.Println("official sheets:", sources[actas.Official], "witness sheets:", sources[actas.Witness] == truth.WitnessStations)
	winner := func(t simulate.Tally) string {
		if t.Votes["a"] > t.Votes["b"] {
			return "a"
		}
		return "b"
	}
	fmt.Println("true winner:", winner(truth.National), "official winner:", winner(truth.Official))
	f := truth.Falsified[0]
	fmt.Println("first falsified station's model:", f.Model, "beneficiary:", f.Beneficiary)
	// Output:
	// sim-1 [state municipality parish center] 2000 stations
	// official sheets: 2000 witness sheets: true
	// true winner: a official winner: b
	// first falsified station's model: extreme beneficiary: b
}
