package tabulate

import (
	"fmt"

	"github.com/actasproject/actas"
)

// FromDataset tabulates a dataset (a converted file or a simulated
// election) without a store, as a store would number it: the k-th sheet
// gets Seq k+1. The sheets are copied, so the dataset stays as it was.
// Errors: those of AddElection and Add, naming the sheet.
func FromDataset(ds *actas.Dataset, rules Rules) (*Tabulator, error) {
	tab := New(rules)
	if err := tab.AddElection(ds.Election, ds.Stations); err != nil {
		return nil, err
	}
	for k, sub := range ds.Sheets {
		s := *sub
		s.Seq, s.Election = int64(k+1), ds.Election.ID
		if err := tab.Add(&s); err != nil {
			return nil, fmt.Errorf("sheet %d (station %s, %s): %w", k+1, s.Sheet.Station, s.Source, err)
		}
	}
	return tab, nil
}
