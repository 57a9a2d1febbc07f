package audit_test

import (
	"fmt"

	"github.com/actasproject/actas/audit"
)

// A first round, its hand counts, and the decision.
func Example() {
	batches := []audit.Batch{
		{ID: "0101-01", Ballots: 400, Votes: []int64{250, 140}},
		{ID: "0101-02", Ballots: 380, Votes: []int64{200, 170}},
		{ID: "0102-01", Ballots: 500, Votes: []int64{260, 230}},
		{ID: "0102-02", Ballots: 450, Votes: []int64{240, 200}},
	}
	var more []audit.Batch
	for i := range 96 {
		b := batches[i%4]
		b.ID = fmt.Sprintf("%04d-%02d", 200+i/4, i%4+1)
		more = append(more, b)
	}
	batches = append(batches, more...)
	a, err := audit.New(audit.Setup{Contest: "president", Choices: []string{"a", "b"}, Winners: []string{"a"},
		RiskLimit: 10, Seed: "01382438112797316654"}, batches)
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := a.Risk(nil, nil)
	fmt.Printf("U = %.2f; first round: %d draws\n", a.U(), first.Next)
	draws, _ := a.Draw(first.Next, nil)
	counts := map[string]audit.HandCount{}
	for _, d := range draws {
		b := a.Batch(d.Batch) // the hand counts agree with the official sheets
		counts[d.ID] = audit.HandCount{Ballots: b.Ballots, Votes: b.Votes}
	}
	r, _ := a.Risk(draws, counts)
	fmt.Printf("risk %.4f: %s\n", r.Risk, r.Decision)
	// Output:
	// U = 9.24; first round: 22 draws
	// risk 0.0804: confirmed
}
