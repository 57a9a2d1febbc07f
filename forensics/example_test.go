package forensics_test

import (
	"fmt"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

// Extreme ballot stuffing (Klimek et al.'s) in 3% of a simulated
// election's stations for choice b: the fingerprint's corner finds them;
// the digit and whole-percentage tests, which look for invented numbers,
// rightly find nothing; the second-digit test flags, as it does for
// honest simulated elections too.
func ExampleRun() {
	ds, _, err := simulate.Run(simulate.Config{Stations: 5000, Seed: 7, Fraud: []simulate.Fraud{{Model: simulate.Extreme}}})
	if err != nil {
		panic(err)
	}
	p := &actas.Panel{Election: ds.Election, Contest: &ds.Election.Contests[0], Source: actas.Official,
		Stations: ds.Stations, Sheets: make([]*actas.Sheet, len(ds.Stations))}
	index := map[string]int{}
	for i, st := range ds.Stations {
		index[st.Code] = i
	}
	for _, sub := range ds.Sheets {
		if sub.Source == actas.Official {
			p.Sheets[index[sub.Sheet.Station]] = &sub.Sheet
		}
	}
	r, err := forensics.Run(p, forensics.Options{})
	if err != nil {
		panic(err)
	}
	for _, t := range r.Tests {
		fmt.Printf("%-17s flag=%v\n", t.Name, t.Flag)
	}
	c := r.Fingerprint.Corners[r.Fingerprint.Worst]
	fmt.Printf("corner of %s: %d stations, %.0f expected\n", c.Choice, c.Stations, c.Expected)
	// Output:
	// fingerprint       flag=true
	// integer-percent   flag=false
	// last-digit        flag=false
	// adjacent-pair     flag=false
	// second-digit      flag=true
	// impossible-sheets flag=false
	// corner of b: 156 stations, 0 expected
}
