package storetest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/actasproject/actas"
)

// ScaleElection returns an election of the target's shape for the stores'
// benchmarks: five levels, one contest of twelve choices, n stations, five
// per center and ten areas per parent above, and one witness sheet per
// station (each with the flags actas.Check sets, all received at once from
// one import).
func ScaleElection(n int) (*actas.Election, []actas.Station, []*actas.Submission) {
	e := &actas.Election{
		ID: "scale", Name: "Scale test", Date: "2024-06-01", Open: "07:00", Close: "18:00",
		Levels: []string{"region", "state", "municipality", "parish", "center"},
	}
	c := actas.Contest{ID: "general", Name: "General"}
	for i := range 12 {
		c.Choices = append(c.Choices, actas.Choice{ID: fmt.Sprintf("p%02d", i+1), Name: fmt.Sprintf("Party %d", i+1)})
	}
	e.Contests = []actas.Contest{c}
	stations := make([]actas.Station, n)
	subs := make([]*actas.Submission, n)
	received := time.Date(2024, 6, 1, 20, 0, 0, 0, time.UTC)
	for i := range n {
		center := i / 5
		parish, municipality := center/10, center/100
		state, region := center/1000, center/10000
		code := fmt.Sprintf("S%07d", i+1)
		stations[i] = actas.Station{
			Code: code,
			Area: actas.JoinPath("R"+strconv.Itoa(region), "S"+strconv.Itoa(state), "M"+strconv.Itoa(municipality),
				"P"+strconv.Itoa(parish), "C"+strconv.Itoa(center)),
			Registered: 1000 + int64(i%300),
		}
		votes := make([]int64, 12)
		var valid int64
		for j := range votes {
			votes[j] = int64((i*7+j*13)%90 + j)
			valid += votes[j]
		}
		sheet := actas.Sheet{Station: code, Contest: "general", Votes: votes, Blank: int64(i % 5), Null: int64(i % 7), Voters: actas.Unknown}
		sheet.Ballots = valid + sheet.Blank + sheet.Null
		subs[i] = &actas.Submission{
			Election: "scale", Source: actas.Witness, Sheet: sheet,
			Flags:     actas.Check(&sheet, &stations[i], 0),
			Submitter: "import", Origin: "import bench.csv sha256:4f2a", Received: received,
		}
	}
	return e, stations, subs
}
