package consistency_test

import (
	"fmt"
	"os"

	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/sheetio"
)

// The opposition's tally sheets of Venezuela's 2024 presidential election
// against the second bulletin of the electoral authority: the report leads
// with the bound, and says what the comparison of sources lacks.
func ExampleRun() {
	format, _ := sheetio.LookupFormat("ve-2024-actas")
	ds, err := format.Read(testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.Open(testdata("ve-2024-actas", "cne-bulletin-2.csv"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	totals, err := sheetio.ReadTotals(f, "cne-bulletin-2.csv", ds.Election, "", "cne-bulletin-2", sheetio.NewIndex(ds.Stations).Area)
	if err != nil {
		fmt.Println(err)
		return
	}
	tab, err := tabulateDataset(ds)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := consistency.Run(consistency.Inputs{Election: ds.Election, Results: tab, Totals: totals},
		consistency.Options{Analyses: []consistency.Analysis{consistency.Bound, consistency.Compare}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.Sections() {
		if s.Ran() {
			fmt.Printf("%s [%s] %s\n", s.Analysis, s.Status, s.Headline)
		} else {
			fmt.Printf("%s: not run: %s\n", s.Analysis, s.Skipped)
		}
	}
	fmt.Println("González required:", rep.Bound.Result.Choices["eg"].Required)
	// Output:
	// bound [flag] impossible: Edmundo González (eg)'s official total (5,326,104) is 1,830,358 below what the counted sheets alone give (7,156,462) (and 1 more reason)
	// compare: not run: only witness sheets are stored for contest president: comparing station by station needs a second source (e.g. the official per-station publication beside the witnesses' copies)
	// González required: -1830358
}
