package audits

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/actasproject/actas/audit"
)

// View is an audit as `actas audit show --format json` and the web's API
// give it: one shape, so that both say the same.
type View struct {
	ID        string         `json:"id"`
	Election  string         `json:"election"`
	Setup     SetupBody      `json:"setup"`
	SetupAt   int64          `json:"setup_log_index"`
	U         float64        `json:"u"`
	Margins   []audit.Margin `json:"margins"`
	Rounds    []Round        `json:"rounds"`
	Stations  []StationCount `json:"stations"`
	Risks     []Risk         `json:"risks"`
	Finished  bool           `json:"finished"`
	Recompute string         `json:"recompute"`
}

// StationCount is a sampled station: how often it was drawn, its reported
// count and, once two keyers agree, its hand count.
type StationCount struct {
	Station  string      `json:"station"`
	Times    int         `json:"times"`
	Status   Status      `json:"status"`
	Reported audit.Batch `json:"reported"`
	Hand     *CountBody  `json:"hand,omitempty"`
}

// NewView returns the audit's view; the sampled stations come in order of
// first draw.
func NewView(st *State) *View {
	v := &View{ID: st.ID, Election: st.Election.ID, Setup: st.Setup, SetupAt: st.SetupAt, U: st.Audit.U(),
		Margins: st.Audit.Margins(), Rounds: st.Rounds, Risks: st.Risks, Finished: st.Finished(),
		Recompute: RecomputeCommand(st)}
	times := map[string]int{}
	for _, d := range st.Draws() {
		times[d.ID]++
	}
	for _, id := range st.Sampled() {
		p, _ := st.Audit.Lookup(id)
		c, status := st.HandCount(id)
		sc := StationCount{Station: id, Times: times[id], Status: status, Reported: *st.Audit.Batch(p)}
		if status == Agreed {
			sc.Hand = &c
		}
		v.Stations = append(v.Stations, sc)
	}
	return v
}

// RecomputeCommand is the command that recomputes the audit's sample and
// risk from its public files (WriteBatches, WriteCounts).
func RecomputeCommand(st *State) string {
	sizes := make([]string, len(st.Rounds))
	for i, r := range st.Rounds {
		sizes[i] = strconv.Itoa(len(r.Draws))
	}
	cmd := fmt.Sprintf("actas audit compute --batches batches.csv --seed %s --risk-limit %d --winners %s",
		st.Setup.Seed, st.Setup.RiskLimit, strings.Join(st.Setup.Winners, ","))
	if len(sizes) > 0 {
		cmd += " --rounds " + strings.Join(sizes, ",") + " --counts counts.csv"
	}
	return cmd
}

// Distinct returns the stations of draws, each once, in order of first
// draw.
func Distinct(draws []audit.Draw) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range draws {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d.ID)
		}
	}
	return out
}

// WriteSampleList writes the stations of draws to hand count as CSV: one
// row per station with the times drawn, its tickets and the reported
// counts, which the hand count is compared with. Keyers are not given this
// list (it shows the reported counts); it is for the public and the
// audit's coordinators.
func WriteSampleList(w io.Writer, st *State, draws []audit.Draw) error {
	cw := csv.NewWriter(w)
	choices := st.Contest.ChoiceIDs()
	head := []string{"station", "times", "tickets", "reported_ballots"}
	for _, c := range choices {
		head = append(head, "reported_"+c)
	}
	cw.Write(head)
	for _, id := range Distinct(draws) {
		var tickets []string
		for _, d := range draws {
			if d.ID == id {
				tickets = append(tickets, d.Ticket)
			}
		}
		p, _ := st.Audit.Lookup(id)
		b := st.Audit.Batch(p)
		row := []string{id, strconv.Itoa(len(tickets)), strings.Join(tickets, " "), strconv.FormatInt(b.Ballots, 10)}
		for _, v := range b.Votes {
			row = append(row, strconv.FormatInt(v, 10))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
